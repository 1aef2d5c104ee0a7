/* Tests for the GPT-2 byte-level BPE tokenizer (in cat.h) and the
 * vocabulary loaders (tools/tokfile.h). Run from the repository root:
 *   cc -std=c99 -O2 -Itools tests/test_tokenizer.c -lm -o build/test_tokenizer && build/test_tokenizer
 * Prints one line per check and "N passed, N failed"; exit status 0 iff all pass.
 * Data: models/kjv/ (tokenizer.json, vocab.json, merges.txt, kjv_val.txt, kjv_val.ids)
 *       tests/fixtures/gpt2/ (encoder.json, vocab.bpe, text.txt, expected.ids, random.txt, random.ids) */
#define CAT_IMPLEMENTATION
#include "../tools/util.h"
#include "../cat.h"
#define TOKFILE_IMPLEMENTATION
#include "../tools/tokfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void check(int ok, const char *what, const char *detail) {
    if (test_count(ok)) { printf("PASS %s\n", what); }
    else { printf("FAIL %s%s%s\n", what, detail && *detail ? ": " : "", detail ? detail : ""); }
}

static int write_file(const char *path, const char *s) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fputs(s, f);
    return fclose(f) == 0;
}

/* whitespace-separated decimal ids from a text file */
static int32_t *read_text_ids(const char *path, size_t *n) {
    size_t len = 0, i = 0, k = 0;
    char *s = (char *)util_read_file(path, &len);
    int32_t *ids;
    if (!s) return NULL;
    ids = (int32_t *)malloc((len / 2 + 1) * sizeof(int32_t));
    if (!ids) { free(s); return NULL; }
    while (i < len) {
        long v = 0;
        while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
        if (i == len) break;
        while (i < len && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
        ids[k++] = (int32_t)v;
    }
    free(s);
    *n = k;
    return ids;
}

/* int32 little-endian ids */
static int32_t *read_bin_ids(const char *path, size_t *n) {
    size_t len = 0, i;
    char *s = (char *)util_read_file(path, &len);
    int32_t *ids;
    if (!s) return NULL;
    ids = (int32_t *)malloc((len / 4 + 1) * sizeof(int32_t));
    if (!ids) { free(s); return NULL; }
    for (i = 0; i < len / 4; i++) {
        const unsigned char *p = (const unsigned char *)s + 4 * i;
        ids[i] = (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
    }
    free(s);
    *n = len / 4;
    return ids;
}

static cat_tokenizer *make(const tokfile *tf) {
    cat_tokenizer *t = NULL;
    cat_result rc = cat_tokenizer_create(&t, tf->n_vocab, (const char *const *)tf->tokens, tf->lens, tf->n_merges, tf->merges,
                                         tf->n_special, tf->special);
    return rc == CAT_OK ? t : NULL;
}

/* encode a copy of exactly len bytes (not NUL-terminated) */
static cat_result encode_exact(const cat_tokenizer *t, const char *s, size_t len, int32_t **ids, size_t *n) {
    char *copy = (char *)malloc(len ? len : 1);
    cat_result rc;
    *ids = (int32_t *)malloc((len ? len : 1) * sizeof(int32_t));
    if (!copy || !*ids) { free(copy); return CAT_ERR_NOMEM; }
    if (len) memcpy(copy, s, len);
    rc = cat_tokenizer_encode(t, copy, len, *ids, len, n);
    free(copy);
    return rc;
}

static int roundtrip(const cat_tokenizer *t, const char *s, size_t len) {
    int32_t *ids = NULL;
    size_t n = 0, out_len = 0;
    char *out = (char *)malloc(len + 16);
    int ok = out && encode_exact(t, s, len, &ids, &n) == CAT_OK &&
             cat_tokenizer_decode(t, ids, n, out, len + 16, &out_len) == CAT_OK && out_len == len && memcmp(out, s, len) == 0;
    free(ids);
    free(out);
    return ok;
}

static void check_ids(const cat_tokenizer *t, const char *text, size_t len, const int32_t *want, size_t n_want, const char *what) {
    int32_t *ids = NULL;
    size_t n = 0, i;
    char detail[200] = "";
    cat_result rc = encode_exact(t, text, len, &ids, &n);
    int ok = rc == CAT_OK && n == n_want;
    if (rc != CAT_OK) snprintf(detail, sizeof detail, "encode returned %d", (int)rc);
    else if (n != n_want) snprintf(detail, sizeof detail, "%lu ids, expected %lu", (unsigned long)n, (unsigned long)n_want);
    for (i = 0; ok && i < n; i++)
        if (ids[i] != want[i]) {
            ok = 0;
            snprintf(detail, sizeof detail, "first difference at index %lu: %ld, expected %ld", (unsigned long)i, (long)ids[i], (long)want[i]);
        }
    check(ok, what, detail);
    free(ids);
}

static double seconds(clock_t a, clock_t b) { return (double)(b - a) / CLOCKS_PER_SEC; }

/* ---------------- KJV ---------------- */
static void test_kjv(void) {
    tokfile tf;
    char err[512];
    size_t len = 0, n_ref = 0;
    char *text = (char *)util_read_file("models/kjv/kjv_val.txt", &len);
    int32_t *ref = read_bin_ids("models/kjv/kjv_val.ids", &n_ref);
    cat_tokenizer *t;
    check(text && ref && n_ref == 20503, "read models/kjv/kjv_val.txt and kjv_val.ids (20503 ids)", NULL);
    if (!text || !ref) { free(text); free(ref); return; }

    check(tokfile_load_hf(&tf, "models/kjv/tokenizer.json", err, sizeof err) == 0, "load models/kjv/tokenizer.json", err);
    t = make(&tf);
    check(t != NULL && cat_tokenizer_vocab_size(t) == 2048 && tf.n_special == 1 && tf.special[0] == 0,
          "create KJV tokenizer (2048 tokens, <|endoftext|> = 0 special)", NULL);
    if (t) {
        clock_t c0 = clock(), c1;
        int32_t *ids = (int32_t *)malloc(len * sizeof(int32_t));
        size_t n = 0;
        char msg[100];
        cat_tokenizer_encode(t, text, len, ids, len, &n);
        c1 = clock();
        snprintf(msg, sizeof msg, "encode kjv_val.txt (%lu bytes) in %.1f ms", (unsigned long)len, 1000 * seconds(c0, c1));
        check(seconds(c0, c1) < 1.0, msg, NULL);
        free(ids);
        check_ids(t, text, len, ref, n_ref, "tokenizer.json: encode(kjv_val.txt) == kjv_val.ids");
        check(roundtrip(t, text, len), "tokenizer.json: decode(encode(kjv_val.txt)) == kjv_val.txt", NULL);
        {
            size_t l = 0;
            const char *b = cat_tokenizer_token_bytes(t, 0, &l);
            check(b && l == 13 && memcmp(b, "<|endoftext|>", 13) == 0, "KJV token 0 is <|endoftext|>", NULL);
        }
    }
    cat_tokenizer_free(t);
    tokfile_free(&tf);

    check(tokfile_load_gpt2(&tf, "models/kjv/vocab.json", "models/kjv/merges.txt", err, sizeof err) == 0, "load models/kjv/vocab.json + merges.txt", err);
    t = make(&tf);
    check(t != NULL, "create KJV tokenizer from vocab.json + merges.txt", NULL);
    if (t) {
        check_ids(t, text, len, ref, n_ref, "vocab.json+merges.txt: encode(kjv_val.txt) == kjv_val.ids");
        check(roundtrip(t, text, len), "vocab.json+merges.txt: round trip", NULL);
    }
    cat_tokenizer_free(t);
    tokfile_free(&tf);
    free(text);
    free(ref);
}

/* ---------------- GPT-2 ---------------- */
static cat_tokenizer *gpt2;

static void test_gpt2_files(void) {
    tokfile tf;
    char err[512];
    static const char *const pairs[2][2] = {
        { "tests/fixtures/gpt2/text.txt", "tests/fixtures/gpt2/expected.ids" },
        { "tests/fixtures/gpt2/random.txt", "tests/fixtures/gpt2/random.ids" },
    };
    int k;
    clock_t c0 = clock(), c1;
    char msg[200];
    int ok = tokfile_load_gpt2(&tf, "tests/fixtures/gpt2/encoder.json", "tests/fixtures/gpt2/vocab.bpe", err, sizeof err) == 0;
    check(ok, "load GPT-2 encoder.json + vocab.bpe", err);
    if (!ok) return;
    check(tf.n_vocab == 50257 && tf.n_merges == 50000 && tf.n_special == 1 && tf.special[0] == 50256, "GPT-2: 50257 tokens, 50000 merges, special 50256", NULL);
    gpt2 = make(&tf);
    c1 = clock();
    snprintf(msg, sizeof msg, "create GPT-2 tokenizer (load + create %.0f ms)", 1000 * seconds(c0, c1));
    check(gpt2 != NULL, msg, NULL);
    tokfile_free(&tf);
    if (!gpt2) return;
    for (k = 0; k < 2; k++) {
        size_t len = 0, n_want = 0;
        char *text = (char *)util_read_file(pairs[k][0], &len);
        int32_t *want = read_text_ids(pairs[k][1], &n_want);
        snprintf(msg, sizeof msg, "GPT-2: encode(%s) == %s (%lu ids)", pairs[k][0], pairs[k][1], (unsigned long)n_want);
        if (!text || !want) check(0, msg, "cannot read the files");
        else {
            check_ids(gpt2, text, len, want, n_want, msg);
            snprintf(msg, sizeof msg, "GPT-2: round trip %s", pairs[k][0]);
            check(roundtrip(gpt2, text, len), msg, NULL);
        }
        free(text);
        free(want);
    }
}

static void test_gpt2_cases(void) {
    static const struct { const char *text; int32_t ids[8]; int n; } cases[] = {
        { "Hello world", { 15496, 995 }, 2 },
        { "<|endoftext|>", { 50256 }, 1 },
        { " <|endoftext|> ", { 220, 50256, 220 }, 3 },
        { "<|endoftext", { 27, 91, 437, 1659, 5239 }, 5 },
        { "a  b", { 64, 220, 275 }, 3 },
        { "a\n\nb", { 64, 198, 198, 65 }, 4 },
        { "it's", { 270, 338 }, 2 },
    };
    size_t i;
    char what[200];
    if (!gpt2) return;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(what, sizeof what, "GPT-2 case %lu", (unsigned long)i);
        check_ids(gpt2, cases[i].text, strlen(cases[i].text), cases[i].ids, (size_t)cases[i].n, what);
    }
}

/* ---------------- edge cases ---------------- */
static void test_edges(void) {
    const cat_tokenizer *t = gpt2;
    int32_t ids[16];
    size_t n = 99, l = 0, i;
    char buf[64];
    cat_result rc;
    int ok;
    if (!t) return;

    rc = cat_tokenizer_encode(t, "", 0, ids, 16, &n);
    check(rc == CAT_OK && n == 0, "empty input -> 0 ids", NULL);
    rc = cat_tokenizer_encode(t, NULL, 0, NULL, 0, &n);
    check(rc == CAT_OK && n == 0, "empty input with NULL text and ids", NULL);
    rc = cat_tokenizer_decode(t, NULL, 0, NULL, 0, &l);
    check(rc == CAT_OK && l == 0, "decode of 0 ids", NULL);

    ok = 1;
    for (i = 0; i < 256; i++) {
        char c = (char)i;
        int32_t *p = NULL;
        size_t m = 0;
        if (encode_exact(t, &c, 1, &p, &m) != CAT_OK || m != 1) ok = 0;
        free(p);
        if (!roundtrip(t, &c, 1)) ok = 0;
    }
    check(ok, "each single byte 0..255 encodes to 1 id and round-trips", NULL);
    {
        char all[256];
        for (i = 0; i < 256; i++) all[i] = (char)i;
        check(roundtrip(t, all, 256), "bytes 0..255 in one string round-trip", NULL);
        for (i = 0; i < 256; i++) all[i] = (char)(255 - i);
        check(roundtrip(t, all, 256), "bytes 255..0 in one string round-trip", NULL);
    }
    {
        static const char *const bad[] = {
            "\x80", "\xbf\xbf", "a\xc3", "\xc3(", "\xe2\x82", "\xe2\x82(", "\xf0\x9f\x98", "\xc0\xaf", "\xe0\x80\xaf",
            "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe\xff", "it\xff's \xff\xfe 12\xc3",
            "caf\xc3\xa9\xc3", " \xe4\xb8", "'\xe2", "\xf0\x9f\x98\x80\xf0\x9f",
        };
        ok = 1;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) if (!roundtrip(t, bad[i], strlen(bad[i]))) ok = 0;
        check(ok, "invalid UTF-8 (stray continuation, truncated, overlong, surrogates, > U+10FFFF) round-trips", NULL);
    }
    /* inputs ending inside a construct (ASan checks there is no over-read) */
    {
        static const char *const tails[] = { "'", "'r", "'l", "x '", " ", "  ", "\xc3", "\xf0\x9f", "<", "<|endoftext|", "a\r" };
        ok = 1;
        for (i = 0; i < sizeof tails / sizeof tails[0]; i++) if (!roundtrip(t, tails[i], strlen(tails[i]))) ok = 0;
        check(ok, "inputs ending inside a contraction, UTF-8 sequence or special token", NULL);
    }

    /* long runs */
    {
        size_t big = 100000;
        char *s = (char *)malloc(big);
        static const char fill[] = { 'a', ' ', '\n', '7', '!', 'x' };
        size_t f;
        for (f = 0; f < sizeof fill; f++) {
            clock_t c0, c1;
            char what[100];
            int32_t *p = NULL;
            size_t m = 0;
            if (fill[f] == 'x') {
                unsigned r = 12345;
                for (i = 0; i < big; i++) { r = r * 1103515245u + 12345u; s[i] = "ab"[(r >> 16) & 1]; }
            } else memset(s, fill[f], big);
            c0 = clock();
            rc = encode_exact(t, s, big, &p, &m);
            c1 = clock();
            if (fill[f] == 'x') snprintf(what, sizeof what, "100 KB of random a/b: %lu ids in %.0f ms (< 1 s)", (unsigned long)m, 1000 * seconds(c0, c1));
            else snprintf(what, sizeof what, "100 KB of 0x%02X: %lu ids in %.0f ms (< 1 s)", (unsigned)(unsigned char)fill[f], (unsigned long)m, 1000 * seconds(c0, c1));
            check(rc == CAT_OK && seconds(c0, c1) < 1.0, what, NULL);
            free(p);
            snprintf(what, sizeof what, "100 KB run of 0x%02X round-trips", (unsigned)(unsigned char)fill[f]);
            check(roundtrip(t, s, big), what, NULL);
        }
        free(s);
    }

    /* buffer too small */
    {
        const char *s = "Hello world, this is a test.";
        int32_t full[64], part[3];
        size_t nf = 0, np = 0;
        rc = cat_tokenizer_encode(t, s, strlen(s), full, 64, &nf);
        check(rc == CAT_OK && nf == 8, "encode 'Hello world, this is a test.' -> 8 ids", NULL);
        rc = cat_tokenizer_encode(t, s, strlen(s), part, 3, &np);
        check(rc == CAT_ERR_BUFFER && np == nf && memcmp(part, full, sizeof part) == 0,
              "max_ids too small -> CAT_ERR_BUFFER, *n_ids = needed, first ids written", NULL);
        rc = cat_tokenizer_encode(t, s, strlen(s), NULL, 0, &np);
        check(rc == CAT_ERR_BUFFER && np == nf, "size query (ids NULL, max_ids 0)", NULL);
        rc = cat_tokenizer_decode(t, full, nf, buf, 5, &l);
        check(rc == CAT_ERR_BUFFER && l == strlen(s) && memcmp(buf, "Hello", 5) == 0, "decode into too small buffer -> CAT_ERR_BUFFER, needed size", NULL);
    }
    /* bad ids */
    {
        int32_t bad1[] = { 15496, 50257 }, bad2[] = { -1 }, good[] = { 15496, 50256 };
        rc = cat_tokenizer_decode(t, bad1, 2, buf, sizeof buf, &l);
        check(rc == CAT_ERR_TOKEN && l == 0, "decode id == vocab size -> CAT_ERR_TOKEN", NULL);
        rc = cat_tokenizer_decode(t, bad2, 1, buf, sizeof buf, &l);
        check(rc == CAT_ERR_TOKEN, "decode id -1 -> CAT_ERR_TOKEN", NULL);
        rc = cat_tokenizer_decode(t, good, 2, buf, sizeof buf, &l);
        check(rc == CAT_OK && l == 18 && memcmp(buf, "Hello<|endoftext|>", 18) == 0, "decode prints the special token literally", NULL);
        check(cat_tokenizer_token_bytes(t, 50257, &l) == NULL && l == 0 && cat_tokenizer_token_bytes(t, -5, NULL) == NULL,
              "token_bytes of out-of-range ids -> NULL", NULL);
        check(cat_tokenizer_token_bytes(t, 220, &l) != NULL && l == 1 && cat_tokenizer_token_bytes(t, 220, NULL)[0] == ' ',
              "token_bytes(220) == \" \"", NULL);
        check(cat_tokenizer_token_bytes(t, 198, &l) != NULL && l == 1 && cat_tokenizer_token_bytes(t, 198, NULL)[0] == '\n',
              "token_bytes(198) == \"\\n\"", NULL);
    }
    /* NULL arguments */
    check(cat_tokenizer_encode(NULL, "a", 1, ids, 16, &n) == CAT_ERR_ARGS && cat_tokenizer_encode(t, "a", 1, ids, 16, NULL) == CAT_ERR_ARGS &&
          cat_tokenizer_encode(t, NULL, 1, ids, 16, &n) == CAT_ERR_ARGS && cat_tokenizer_encode(t, "a", 1, NULL, 16, &n) == CAT_ERR_ARGS,
          "encode with NULL arguments -> CAT_ERR_ARGS", NULL);
    check(cat_tokenizer_vocab_size(NULL) == 0, "vocab_size(NULL) == 0", NULL);
}

/* ---------------- Unicode classes ---------------- */
static void test_classes(void) {
    static const struct { uint32_t cp; int cls; } c[] = {
        { 'A', CAT__CLS_LETTER }, { '_', CAT__CLS_OTHER }, { '5', CAT__CLS_NUMBER }, { 0x00E9, CAT__CLS_LETTER },
        { 0x00AA, CAT__CLS_LETTER }, { 0x02B0, CAT__CLS_LETTER }, { 0x0301, CAT__CLS_OTHER }, { 0x0661, CAT__CLS_NUMBER },
        { 0x00BD, CAT__CLS_NUMBER }, { 0x00B2, CAT__CLS_NUMBER }, { 0x216B, CAT__CLS_NUMBER }, { 0x3007, CAT__CLS_NUMBER },
        { 0x4E00, CAT__CLS_LETTER }, { 0x9FFF, CAT__CLS_LETTER }, { 0xAC00, CAT__CLS_LETTER }, { 0xD7A3, CAT__CLS_LETTER },
        { 0x20000, CAT__CLS_LETTER }, { 0x2A6DF, CAT__CLS_LETTER }, { 0x31350, CAT__CLS_LETTER }, { 0x1F600, CAT__CLS_OTHER },
        { 0x0009, CAT__CLS_SPACE }, { 0x000D, CAT__CLS_SPACE }, { 0x001C, CAT__CLS_OTHER }, { 0x001F, CAT__CLS_OTHER },
        { 0x0085, CAT__CLS_SPACE }, { 0x00A0, CAT__CLS_SPACE }, { 0x1680, CAT__CLS_SPACE }, { 0x200A, CAT__CLS_SPACE },
        { 0x200B, CAT__CLS_OTHER }, { 0x2028, CAT__CLS_SPACE }, { 0x2029, CAT__CLS_SPACE }, { 0x202F, CAT__CLS_SPACE },
        { 0x205F, CAT__CLS_SPACE }, { 0x3000, CAT__CLS_SPACE }, { 0xFEFF, CAT__CLS_OTHER }, { 0x180E, CAT__CLS_OTHER },
        { 0xE000, CAT__CLS_OTHER }, { 0x10FFFF, CAT__CLS_OTHER }, { 0x0378, CAT__CLS_OTHER }, { 0x16EE, CAT__CLS_NUMBER },
    };
    size_t i;
    int ok = 1;
    char detail[100] = "";
    for (i = 0; i < sizeof c / sizeof c[0]; i++)
        if (cat__char_class(c[i].cp) != c[i].cls) {
            ok = 0;
            snprintf(detail, sizeof detail, "U+%04lX: class %d, expected %d", (unsigned long)c[i].cp, cat__char_class(c[i].cp), c[i].cls);
        }
    check(ok, "Unicode classes of 40 sample code points (\\p{L}, \\p{N}, \\s = White_Space)", detail);
    ok = 1;
    for (i = 0; i < 256; i++) if (cat__cp_to_byte(cat__byte_to_cp((unsigned)i)) != (int)i) ok = 0;
    check(ok && cat__byte_to_cp(' ') == 0x120 && cat__byte_to_cp('\n') == 0x10A && cat__byte_to_cp(0xAD) == 0x143 && cat__byte_to_cp(0x7F) == 0x121,
          "byte-to-unicode map is GPT-2's and invertible", NULL);
}

/* ---------------- tiny hand-made vocabularies ---------------- */
static void test_small(void) {
    /* byte-level forms: 'a', 'b', 'Ġ' (space) */
    static const char *const tok[] = { "a", "b", "\xc4\xa0", "aa", "aaa", "ab", ("\xc4\xa0" "a"), "<s>", "aab" };
    static const uint32_t lens[] = { 1, 1, 2, 2, 3, 2, 3, 3, 3 };
    const uint32_t merges[] = { 0, 0, /* a a -> aa (rank 0) */ 3, 0, /* aa a -> aaa (rank 1) */ 0, 1, /* a b -> ab */ 2, 0, /* Ġ a */ 3, 1 /* aa b */ };
    const uint32_t special[] = { 7 };
    cat_tokenizer *t = NULL;
    cat_result rc = cat_tokenizer_create(&t, 9, tok, lens, 5, merges, 1, special);
    check(rc == CAT_OK && t, "create a 9-token vocabulary", NULL);
    if (t) {
        static const struct { const char *s; int32_t ids[8]; int n; } cases[] = {
            { "aaa", { 4 }, 1 },             /* a a -> aa, then aa a -> aaa */
            { "aaaa", { 3, 3 }, 2 },         /* (a,a) at 0 first, then (a,a) at 2: aa aa */
            { "aaaaa", { 3, 4 }, 2 },        /* aa aa a; (aa,a) rank 1 -> aa aaa */
            { "aab", { 8 }, 1 },             /* (a,a) rank 0 before (a,b) rank 2; then (aa,b) */
            { "ab ab", { 5, 2, 5 }, 3 },     /* " ab": (a,b) rank 2 before (Ġ,a) rank 3 -> Ġ ab */
            { "a<s>b", { 0, 7, 1 }, 3 },     /* special token split out */
            { "acb", { 5 }, 1 },             /* no token for 'c': dropped (HF without unk); a b merge */
        };
        size_t i;
        char what[100];
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            snprintf(what, sizeof what, "small vocabulary: \"%s\"", cases[i].s);
            check_ids(t, cases[i].s, strlen(cases[i].s), cases[i].ids, (size_t)cases[i].n, what);
        }
        cat_tokenizer_free(t);
    }
    /* invalid data */
    {
        static const char *const dup[] = { "a", "b", "a" };
        static const uint32_t dl[] = { 1, 1, 1 };
        const uint32_t m_bad_result[] = { 1, 0 };   /* b a -> "ba" missing */
        const uint32_t m_bad_id[] = { 0, 9 };
        const uint32_t sp_bad[] = { 9 };
        static const char *const empty[] = { "a", "" };
        static const uint32_t el[] = { 1, 0 };
        cat_tokenizer *x = NULL;
        check(cat_tokenizer_create(&x, 3, dup, dl, 0, NULL, 0, NULL) == CAT_ERR_TOKENIZER && !x, "duplicate token string -> CAT_ERR_TOKENIZER", NULL);
        check(cat_tokenizer_create(&x, 9, tok, lens, 1, m_bad_result, 0, NULL) == CAT_ERR_TOKENIZER && !x, "merge result not in vocabulary -> CAT_ERR_TOKENIZER", NULL);
        check(cat_tokenizer_create(&x, 9, tok, lens, 1, m_bad_id, 0, NULL) == CAT_ERR_TOKENIZER && !x, "merge id out of range -> CAT_ERR_TOKENIZER", NULL);
        check(cat_tokenizer_create(&x, 9, tok, lens, 0, NULL, 1, sp_bad) == CAT_ERR_TOKENIZER && !x, "special id out of range -> CAT_ERR_TOKENIZER", NULL);
        check(cat_tokenizer_create(&x, 2, empty, el, 0, NULL, 0, NULL) == CAT_ERR_TOKENIZER && !x, "empty token string -> CAT_ERR_TOKENIZER", NULL);
        check(cat_tokenizer_create(&x, 0, tok, lens, 0, NULL, 0, NULL) == CAT_ERR_ARGS && cat_tokenizer_create(NULL, 9, tok, lens, 0, NULL, 0, NULL) == CAT_ERR_ARGS &&
              cat_tokenizer_create(&x, 9, tok, lens, 1, NULL, 0, NULL) == CAT_ERR_ARGS, "create with bad arguments -> CAT_ERR_ARGS", NULL);
    }
}

/* ---------------- loader validation ---------------- */
static void loader_case(const char *what, const char *vocab, const char *merges, const char *needle) {
    tokfile tf;
    char err[512] = "", det[700];
    int ok;
    write_file("tests/out/tok_v.json", vocab);
    if (merges) {
        write_file("tests/out/tok_m.txt", merges);
        ok = tokfile_load_gpt2(&tf, "tests/out/tok_v.json", "tests/out/tok_m.txt", err, sizeof err) == 0;
    } else ok = tokfile_load_hf(&tf, "tests/out/tok_v.json", err, sizeof err) == 0;
    snprintf(det, sizeof det, "got %s, error '%s', expected '%s'", ok ? "success" : "failure", err, needle ? needle : "");
    check(needle ? (!ok && strstr(err, needle) != NULL) : ok, what, det);
    if (ok) tokfile_free(&tf);
}

static void test_loaders(void) {
    const char *hf_head = "{\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},";
    char doc[1024];
    /* the directory is git-ignored; create it if missing */
    FILE *f = fopen("tests/out/tok_probe", "wb");
    if (!f) {
        if (system("mkdir -p tests/out") != 0) {}
        f = fopen("tests/out/tok_probe", "wb");
    }
    if (!f) { check(0, "create tests/out/", NULL); return; }
    fclose(f);
    remove("tests/out/tok_probe");

    loader_case("gpt2 loader: valid small files", "{\"a\":0,\"b\":1,\"ab\":2}", "#version: 0.2\na b\n", NULL);
    loader_case("gpt2 loader: CRLF merges without #version", "{\"a\":0,\"b\":1,\"ab\":2}", "a b\r\n\r\n", NULL);
    loader_case("gpt2 loader: id gap named", "{\"a\":0,\"b\":2}", "", "no token has id 1");
    loader_case("gpt2 loader: duplicate id named", "{\"a\":0,\"b\":0,\"c\":1}", "", "id 0 is used twice");
    loader_case("gpt2 loader: negative id", "{\"a\":-1}", "", "invalid id -1");
    loader_case("gpt2 loader: non-integer id", "{\"a\":0.5}", "", "not an integer");
    loader_case("gpt2 loader: duplicate token string", "{\"a\":0,\"a\":1}", "", "appears twice");
    loader_case("gpt2 loader: merge part missing (line named)", "{\"a\":0,\"b\":1,\"ab\":2}", "#version: 0.2\na b\na c\n", "line 3");
    loader_case("gpt2 loader: merged token missing", "{\"a\":0,\"b\":1,\"ab\":2}", "b a\n", "merged token \"ba\"");
    loader_case("gpt2 loader: malformed merge line", "{\"a\":0,\"b\":1,\"ab\":2}", "a b c\n", "not of the form");
    loader_case("gpt2 loader: empty line in the middle", "{\"a\":0,\"b\":1,\"ab\":2}", "a b\n\na b\n", "empty line");
    loader_case("gpt2 loader: vocab JSON syntax error", "{\"a\":0,", "", "line 1 col 8");

    snprintf(doc, sizeof doc, "%s\"added_tokens\":[{\"id\":3,\"content\":\"<s>\",\"special\":true}],"
             "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}}", hf_head);
    loader_case("hf loader: added token beyond model.vocab", doc, NULL, NULL);
    snprintf(doc, sizeof doc, "%s\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[[\"a\",\"b\"]]}}", hf_head);
    loader_case("hf loader: merges as pairs", doc, NULL, NULL);
    snprintf(doc, sizeof doc, "%s\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\",\"b b\"]}}", hf_head);
    loader_case("hf loader: merged token missing (merge named)", doc, NULL, "model.merges 1 (\"b\" \"b\")");
    snprintf(doc, sizeof doc, "%s\"added_tokens\":[{\"id\":0,\"content\":\"<s>\",\"special\":true}],"
             "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[]}}", hf_head);
    loader_case("hf loader: added token clashes with a vocab id", doc, NULL, "id 0 is used twice");
    snprintf(doc, sizeof doc, "%s\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}}}", hf_head);
    loader_case("hf loader: non-BPE model rejected", doc, NULL, "only \"BPE\"");
    loader_case("hf loader: add_prefix_space rejected",
                "{\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true},\"model\":{\"vocab\":{\"a\":0},\"merges\":[]}}", NULL, "add_prefix_space");
    loader_case("hf loader: normalizer rejected",
                "{\"normalizer\":{\"type\":\"NFC\"},\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},\"model\":{\"vocab\":{\"a\":0},\"merges\":[]}}",
                NULL, "normalizer");
    snprintf(doc, sizeof doc, "%s\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"a\":0},\"merges\":[]}}", hf_head);
    loader_case("hf loader: byte_fallback rejected", doc, NULL, "byte_fallback");
    {
        tokfile tf;
        char err[512];
        int ok = tokfile_load_hf(&tf, "tests/out/does-not-exist.json", err, sizeof err) == 0;
        check(!ok && strstr(err, "cannot open") != NULL, "hf loader: missing file reported", err);
    }
    remove("tests/out/tok_v.json");
    remove("tests/out/tok_m.txt");
}

int main(void) {
    clock_t c0 = clock();
    char msg[100];
    test_classes();
    test_small();
    test_loaders();
    test_kjv();
    test_gpt2_files();
    test_gpt2_cases();
    test_edges();
    cat_tokenizer_free(gpt2);
    snprintf(msg, sizeof msg, "total CPU time %.2f s", seconds(c0, clock()));
    check(1, msg, NULL);
    return test_report();
}
