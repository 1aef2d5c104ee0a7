/* test_bounds: the model loader's memory is bounded by the file, not by what
   its header claims; every allocation failure is reported (CAT_ERR_NOMEM) and
   leaks nothing.
   usage: test_bounds FIXTURES_DIR CAT_CONVERT_BINARY
   (converted models go next to CAT_CONVERT_BINARY and are removed at the end)

   The bound: opening a file of S bytes, with a tensor directory of D bytes and
   a tokenizer section of T bytes, allocates at most
       S (a copy, when the caller's memory is not 64-byte aligned)
     + 16 (D + T) + 64 KiB
   at any time, whatever counts, dimensions or sizes the header and sections
   claim. Every count is checked against the bytes that must hold it before
   anything is allocated: n_tensors <= D / 32 and n_kv <= kv_size / 12
   (smallest entries), tokenizer n_vocab <= T / 5, n_merges <= T / 8,
   n_special <= T / 4; a configuration's tensor count (which sizes the layer
   tables) must not exceed n_tensors before the tables are allocated; tensor
   data is never copied (it is used in place), so dimensions only need to fit
   in the file. Sessions then allocate what the configuration declares
   (cat_session_memory), and nothing while feeding.
   MIT License, see LICENSE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a counting allocator that can fail on demand */
static size_t g_cur, g_peak, g_calls, g_fail_at = (size_t)-1;
static void *cnt_malloc(size_t n) {
    unsigned char *p;
    if (g_calls++ == g_fail_at) return NULL;
    if (n > SIZE_MAX - 16 || !(p = (unsigned char *)malloc(n + 16))) return NULL;
    memcpy(p, &n, sizeof n);
    g_cur += n;
    if (g_cur > g_peak) g_peak = g_cur;
    return p + 16;
}
static void cnt_free(void *q) {
    size_t n;
    unsigned char *p = (unsigned char *)q;
    if (!p) return;
    memcpy(&n, p - 16, sizeof n);
    g_cur -= n;
    free(p - 16);
}
static void *cnt_realloc(void *q, size_t n) {
    size_t old = 0;
    void *r;
    if (!q) return cnt_malloc(n);
    memcpy(&old, (unsigned char *)q - 16, sizeof old);
    r = cnt_malloc(n);
    if (!r) return NULL;
    memcpy(r, q, old < n ? old : n);
    cnt_free(q);
    return r;
}
#define CAT_MALLOC(sz) cnt_malloc(sz)
#define CAT_FREE(p) cnt_free(p)
#define CAT_REALLOC(p, sz) cnt_realloc(p, sz)
#define CAT_IMPLEMENTATION
#include "cat.h"
#include "../tools/util.h"

#include "harness.h"

/* the bound above, from the header as it is in the buffer (sections that
   lie outside the file count as empty: they are rejected before use) */
static size_t bound_of(const unsigned char *b, size_t n, int copied) {
    uint64_t d = n >= CAT_FILE_HEADER_SIZE ? util_rd64(b + CAT_HDR_DIR_SIZE) : 0, t = n >= CAT_FILE_HEADER_SIZE ? util_rd64(b + CAT_HDR_TOK_SIZE) : 0;
    if (d > n) d = 0;
    if (t > n) t = 0;
    return (copied ? n : 0) + 16 * (size_t)(d + t) + 65536;
}

/* open from memory; aligned: use the buffer in place (no copy counted) */
static cat_result open_counted(const unsigned char *b, size_t n, int aligned, size_t *peak, char *err, size_t errlen) {
    static unsigned char *abuf;
    static size_t acap;
    const unsigned char *src = b;
    cat_model *m = NULL;
    cat_result r;
    if (aligned) {
        unsigned char *p;
        if (acap < n + 64) { free(abuf); acap = n + 64; abuf = (unsigned char *)malloc(acap); }
        p = abuf + (64 - (uintptr_t)abuf % 64) % 64;
        memcpy(p, b, n);
        src = p;
    } else {
        static unsigned char *ubuf;
        static size_t ucap;
        if (ucap < n + 64) { free(ubuf); ucap = n + 64; ubuf = (unsigned char *)malloc(ucap); }
        src = ubuf + (64 - (uintptr_t)ubuf % 64) % 64 + 1;   /* never 64-byte aligned */
        memcpy((unsigned char *)src, b, n);
    }
    g_cur = g_peak = 0;
    err[0] = 0;
    r = cat_model_open_memory(src, n, aligned ? CAT_MEMORY_IN_PLACE : CAT_MEMORY_COPY, &m, err, errlen);
    *peak = g_peak;
    if (m) cat_model_close(m);
    return r;
}

/* a hostile variant: must fail (unless may_load), name the problem, and stay in bounds */
static void hostile2(const char *what, const unsigned char *b, size_t n, int may_load) {
    char err[512];
    size_t peak, bound = bound_of(b, n, 0);
    cat_result r = open_counted(b, n, 1, &peak, err, sizeof err);
    CHECK((may_load && r == CAT_OK) || (r != CAT_OK && err[0]), "%s: rejected (%s: %s)", what, cat_result_string(r), err);
    CHECK(peak <= bound && g_cur == 0, "%s: peak allocation %zu bytes <= bound %zu, nothing leaked (%zu live)", what, peak, bound, g_cur);
    printf("%-58s peak %8zu bytes (bound %zu): %s\n", what, peak, bound, r ? err : "loads (the configuration only declares it)");
}
static void hostile(const char *what, const unsigned char *b, size_t n) { hostile2(what, b, n, 0); }

/* find a config entry's value by key; returns the offset of its value or 0 */
static size_t kv_value(const unsigned char *b, size_t n, const char *key) {
    size_t p, kl = strlen(key), kv = (size_t)util_rd64(b + CAT_HDR_KV_OFFSET), end = kv + (size_t)util_rd64(b + CAT_HDR_KV_SIZE);
    for (p = kv; p + kl + 16 <= end && p + kl + 16 <= n; p++)
        if (util_rd32(b + p) == kl && !memcmp(b + p + 4, key, kl)) return p + 4 + kl + 4;
    return 0;
}

static void test_hostile(const unsigned char *good, size_t n, const char *name) {
    unsigned char *b = (unsigned char *)malloc(n);
    uint64_t dir = util_rd64(good + CAT_HDR_DIR_OFFSET), dsz = util_rd64(good + CAT_HDR_DIR_SIZE), tok = util_rd64(good + CAT_HDR_TOK_OFFSET), tsz = util_rd64(good + CAT_HDR_TOK_SIZE);
    char what[128];
    size_t v, peak;
    char err[512];
    cat_result r;
    int k;

    /* the good file: in place, and copied */
    r = open_counted(good, n, 1, &peak, err, sizeof err);
    CHECK(r == CAT_OK && peak <= bound_of(good, n, 0), "%s in place: %s, peak %zu <= %zu", name, err, peak, bound_of(good, n, 0));
    printf("%-58s peak %8zu bytes (file %zu)\n", name, peak, n);
    r = open_counted(good, n, 0, &peak, err, sizeof err);
    CHECK(r == CAT_OK && peak <= bound_of(good, n, 1), "%s copied: %s, peak %zu <= %zu", name, err, peak, bound_of(good, n, 1));

    /* counts the header claims */
    memcpy(b, good, n); util_wr32(b + CAT_HDR_N_TENSORS, 0xFFFFFFFFu);
    snprintf(what, sizeof what, "%s: n_tensors = 2^32-1", name); hostile(what, b, n);
    memcpy(b, good, n); util_wr32(b + CAT_HDR_N_TENSORS, (uint32_t)(dsz / 32));
    snprintf(what, sizeof what, "%s: n_tensors = directory bytes / 32", name); hostile(what, b, n);
    memcpy(b, good, n); util_wr32(b + CAT_HDR_N_KV, 0xFFFFFFFFu);
    snprintf(what, sizeof what, "%s: n_kv = 2^32-1", name); hostile(what, b, n);
    memcpy(b, good, n); util_wr64(b + CAT_HDR_DIR_SIZE, UINT64_MAX);
    snprintf(what, sizeof what, "%s: directory size 2^64-1", name); hostile(what, b, n);
    memcpy(b, good, n); util_wr64(b + CAT_HDR_DATA_SIZE, UINT64_MAX / 2);
    snprintf(what, sizeof what, "%s: data size 2^63", name); hostile(what, b, n);
    /* the configuration claims huge models */
    if ((v = kv_value(good, n, "decoder.n_layer")) != 0) {
        memcpy(b, good, n); util_wr64(b + v, 4096);
        snprintf(what, sizeof what, "%s: decoder.n_layer = 4096", name); hostile(what, b, n);
    }
    if ((v = kv_value(good, n, "compressor.n_layer")) != 0) {
        memcpy(b, good, n); util_wr64(b + v, 4096);
        snprintf(what, sizeof what, "%s: compressor.n_layer = 4096", name); hostile(what, b, n);
    }
    if ((v = kv_value(good, n, "decoder.dim")) != 0) {
        memcpy(b, good, n); util_wr64(b + v, 1 << 20);
        snprintf(what, sizeof what, "%s: decoder.dim = 2^20", name); hostile(what, b, n);
    }
    if ((v = kv_value(good, n, "padded_vocab_size")) != 0) {
        memcpy(b, good, n); util_wr64(b + v, 1 << 24);
        snprintf(what, sizeof what, "%s: padded_vocab_size = 2^24", name); hostile(what, b, n);
    }
    if ((v = kv_value(good, n, "block_size")) != 0) {
        memcpy(b, good, n); util_wr64(b + v, 1 << 24);
        snprintf(what, sizeof what, "%s: block_size = 2^24", name); hostile2(what, b, n, 1);
    }
    /* a tensor claims a huge shape */
    {
        size_t p = (size_t)dir + 4 + util_rd32(good + dir);    /* first entry: after its name */
        memcpy(b, good, n); util_wr64(b + p + 8, (uint64_t)1 << 31); util_wr64(b + p + 16, (uint64_t)1 << 31);
        snprintf(what, sizeof what, "%s: first tensor [2^31, 2^31]", name); hostile(what, b, n);
    }
    /* the tokenizer section claims huge counts */
    if (tsz >= 12) {
        memcpy(b, good, n); util_wr32(b + tok, 0xFFFFFFFFu);
        snprintf(what, sizeof what, "%s: tokenizer n_vocab = 2^32-1", name); hostile(what, b, n);
        memcpy(b, good, n); util_wr32(b + tok, (uint32_t)(tsz / 5));
        snprintf(what, sizeof what, "%s: tokenizer n_vocab = section bytes / 5", name); hostile(what, b, n);
        memcpy(b, good, n); util_wr32(b + tok + 4, (uint32_t)(tsz / 8));
        snprintf(what, sizeof what, "%s: tokenizer n_merges = section bytes / 8", name); hostile(what, b, n);
        memcpy(b, good, n); util_wr32(b + tok + 8, 0xFFFFFFFFu);
        snprintf(what, sizeof what, "%s: tokenizer n_special = 2^32-1", name); hostile(what, b, n);
        memcpy(b, good, n); util_wr32(b + tok + 12, 0xFFFFFFF0u);
        snprintf(what, sizeof what, "%s: tokenizer first token length 2^32-16", name); hostile(what, b, n);
    }
    /* random corruption of the metadata: whatever happens stays in bounds */
    {
        uint64_t st = 88172645463325252ull;
        int over = 0, leaks = 0;
        size_t meta = (size_t)util_rd64(good + CAT_HDR_DATA_OFFSET);
        for (k = 0; k < 3000; k++) {
            size_t at, i;
            memcpy(b, good, n);
            for (i = 0; i < 1 + (size_t)(k % 3); i++) {
                st ^= st << 13; st ^= st >> 7; st ^= st << 17;
                at = (size_t)(st % meta);
                b[at] = (k & 4) ? (unsigned char)(st >> 56) : (unsigned char)(b[at] ^ (1u << (st >> 61)));
            }
            open_counted(b, n, 1, &peak, err, sizeof err);
            if (peak > bound_of(b, n, 0)) { if (!over) printf("  over the bound: peak %zu, %s\n", peak, err); over++; }
            if (g_cur) leaks++;
        }
        CHECK(over == 0 && leaks == 0, "%s: 3000 random metadata corruptions stay within the bound (%d over) and leak nothing (%d)", name, over, leaks);
    }
    free(b);
}

/* every allocation of an open, a session and an encode may fail: each failure
   is CAT_ERR_NOMEM and leaks nothing */
static void test_nomem(const unsigned char *good, size_t n, const char *name) {
    char err[512];
    size_t calls, i, peak;
    int bad = 0;
    cat_model *m;
    cat_session *s;
    int32_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, ids[64];
    size_t nid;
    g_calls = 0; g_fail_at = (size_t)-1;
    open_counted(good, n, 0, &peak, err, sizeof err);
    calls = g_calls;
    for (i = 0; i < calls; i++) {
        cat_result r;
        g_calls = 0; g_fail_at = i;
        r = open_counted(good, n, 0, &peak, err, sizeof err);
        if (r != CAT_ERR_NOMEM || g_cur != 0) { if (!bad) printf("  allocation %zu failed: %s (%s), %zu bytes live\n", i, cat_result_string(r), err, g_cur); bad++; }
    }
    g_fail_at = (size_t)-1;
    CHECK(bad == 0, "%s: each of the %zu allocations of cat_model_open_memory may fail: CAT_ERR_NOMEM, no leak", name, calls);
    if (cat_model_open_memory(good, n, CAT_MEMORY_COPY, &m, err, sizeof err) != CAT_OK) { CHECK(0, "open %s: %s", name, err); return; }
    {
        size_t live = g_cur;
        cat_session_params sp;
        memset(&sp, 0, sizeof sp);
        g_calls = 0;
        CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "session");
        calls = g_calls;
        CHECK(g_cur - live <= cat_session_memory(s), "%s: a session allocates what cat_session_memory says (%zu <= %zu)", name, g_cur - live, cat_session_memory(s));
        g_calls = 0;
        CHECK(cat_session_feed(s, tok, 8, NULL) == CAT_OK && g_calls == 0, "%s: feeding allocates nothing (%zu calls)", name, g_calls);
        cat_session_close(s);
        for (bad = 0, i = 0; i < calls; i++) {
            g_calls = 0; g_fail_at = i;
            if (cat_session_open(m, &sp, &s) != CAT_ERR_NOMEM || g_cur != live) bad++;
        }
        g_fail_at = (size_t)-1;
        CHECK(bad == 0, "%s: each of the %zu allocations of cat_session_open may fail: CAT_ERR_NOMEM, no leak", name, calls);
        if (cat_model_tokenizer(m)) {
            const char *text = "In the beginning God created the heaven and the earth. And the earth was without form";
            g_calls = 0;
            CHECK(cat_tokenizer_encode(cat_model_tokenizer(m), text, strlen(text), ids, 64, &nid) == CAT_OK, "encode");
            calls = g_calls;
            for (bad = 0, i = 0; i < calls; i++) {
                g_calls = 0; g_fail_at = i;
                if (cat_tokenizer_encode(cat_model_tokenizer(m), text, strlen(text), ids, 64, &nid) != CAT_ERR_NOMEM || g_cur != live) bad++;
            }
            g_fail_at = (size_t)-1;
            CHECK(bad == 0, "%s: each of the %zu allocations of cat_tokenizer_encode may fail: CAT_ERR_NOMEM, no leak", name, calls);
        }
    }
    cat_model_close(m);
    CHECK(g_cur == 0, "%s: closing frees everything (%zu bytes live)", name, g_cur);
}

int main(int argc, char **argv) {
    const char *fx = argc > 1 ? argv[1] : "tests/fixtures";
    const char *conv = argc > 2 ? argv[2] : "build/cat-convert";
    static const char *const cases[] = { "cat_c4", "cat_adaptive_c16", "cat_layer_c4", "dense" };
    char dir[1024], path[1200], cmd[4096];
    const char *slash = strrchr(conv, '/');
    unsigned char *good;
    size_t i, n;
    (void)cnt_realloc;   /* CAT_REALLOC: not used by cat.h today */
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - conv), conv); else strcpy(dir, ".");
    for (i = 0; i <= sizeof cases / sizeof cases[0]; i++) {
        const char *name = i < sizeof cases / sizeof cases[0] ? cases[i] : "kjv_dense+tokenizer";
        snprintf(path, sizeof path, "%s/test_bounds_%zu.cat", dir, i);
        if (i < sizeof cases / sizeof cases[0])
            snprintf(cmd, sizeof cmd, "%s convert %s/%s.safetensors %s --config %s/%s.json >/dev/null", conv, fx, name, path, fx, name);
        else
            snprintf(cmd, sizeof cmd, "%s convert models/kjv/kjv_dense.pt %s --config models/kjv/kjv_dense.json --tokenizer models/kjv/tokenizer.json >/dev/null", conv, path);
        if (system(cmd) != 0 || !(good = (unsigned char *)util_read_file(path, &n))) { CHECK(0, "convert %s", name); continue; }
        remove(path);
        test_hostile(good, n, name);
        test_nomem(good, n, name);
        free(good);
    }
    return test_report();
}
