/* fuzz_encode: cat_tokenizer_encode on arbitrary bytes with two real
   vocabularies: byte 0 even = GPT-2's (tests/fixtures/gpt2), odd = the KJV
   demo model's (models/kjv/tokenizer.json); the rest is the text. Checks:
   the id count never exceeds the byte count, a size query (max_ids = 0) and
   a short buffer agree with the full encode, and decode(encode(x)) == x
   whenever the vocabulary has all 256 single-byte tokens.
   Run from the repository root (or build with -DFUZZ_ROOT=...).
   MIT License, see LICENSE. */
#include "fuzz.h"
#define CAT_IMPLEMENTATION
#include "../../cat.h"
#define TOKFILE_IMPLEMENTATION
#include "../../tools/tokfile.h"

static cat_tokenizer *fuzz_enc_tok[2];
static int fuzz_enc_all_bytes[2];

static cat_tokenizer *fuzz_enc_load(int which) {
    tokfile tf;
    char err[512];
    int ok, b;
    cat_tokenizer *t = NULL;
    (void)tokfile_load_hf_memory; (void)tokfile_load_gpt2_memory;
    if (fuzz_enc_tok[which]) return fuzz_enc_tok[which];
    if (which == 0) ok = tokfile_load_gpt2(&tf, FUZZ_ROOT "/tests/fixtures/gpt2/encoder.json", FUZZ_ROOT "/tests/fixtures/gpt2/vocab.bpe", err, sizeof err) == 0;
    else ok = tokfile_load_hf(&tf, FUZZ_ROOT "/models/kjv/tokenizer.json", err, sizeof err) == 0;
    if (!ok) { fprintf(stderr, "fuzz_encode: %s (run from the repository root)\n", err); exit(2); }
    if (cat_tokenizer_create(&t, tf.n_vocab, (const char *const *)tf.tokens, tf.lens, tf.n_merges, tf.merges, tf.n_special, tf.special) != CAT_OK) {
        fprintf(stderr, "fuzz_encode: cannot build vocabulary %d\n", which); exit(2);
    }
    tokfile_free(&tf);
    fuzz_enc_all_bytes[which] = 1;
    for (b = 0; b < 256; b++) {
        char c = (char)b;
        size_t n = 0;
        int32_t id;
        if (cat_tokenizer_encode(t, &c, 1, &id, 1, &n) != CAT_OK || n != 1) { fuzz_enc_all_bytes[which] = 0; break; }
    }
    fuzz_enc_tok[which] = t;
    return t;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size) {
    const cat_tokenizer *t;
    const char *text;
    size_t len, n = 0, n2 = 0, k, dlen = 0, half;
    int32_t *ids, *ids2;
    char *back;
    cat_result r;
    int which;
    if (size < 1) return 0;
    which = data[0] & 1;
    t = fuzz_enc_load(which);
    text = (const char *)data + 1;
    len = size - 1;
    ids = (int32_t *)malloc(sizeof(int32_t) * (len + 1));
    ids2 = (int32_t *)malloc(sizeof(int32_t) * (len + 1));
    FUZZ_ASSERT(ids && ids2);
    r = cat_tokenizer_encode(t, text, len, ids, len, &n);
    FUZZ_ASSERT(r == CAT_OK && n <= len);
    for (k = 0; k < n; k++) FUZZ_ASSERT(ids[k] >= 0 && (uint32_t)ids[k] < cat_tokenizer_vocab_size(t));
    /* size query and a short buffer */
    FUZZ_ASSERT(cat_tokenizer_encode(t, text, len, NULL, 0, &n2) == (n ? CAT_ERR_BUFFER : CAT_OK) && n2 == n);
    half = n / 2;
    r = cat_tokenizer_encode(t, text, len, ids2, half, &n2);
    FUZZ_ASSERT(n2 == n && (half < n ? r == CAT_ERR_BUFFER : r == CAT_OK));
    FUZZ_ASSERT(half == 0 || memcmp(ids, ids2, half * sizeof(int32_t)) == 0);
    /* decode */
    r = cat_tokenizer_decode(t, ids, n, NULL, 0, &dlen);
    FUZZ_ASSERT(r == CAT_OK || r == CAT_ERR_BUFFER);
    back = (char *)malloc(dlen + 1);
    FUZZ_ASSERT(back != NULL);
    FUZZ_ASSERT(cat_tokenizer_decode(t, ids, n, back, dlen, &k) == CAT_OK && k == dlen);
    if (fuzz_enc_all_bytes[which]) FUZZ_ASSERT(dlen == len && memcmp(back, text, len) == 0);
    free(back);
    free(ids);
    free(ids2);
    return 0;
}
