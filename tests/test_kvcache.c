/* test_kvcache: KV-cache entry types and the KV memory budget.
   For every family and each cache type (f32, bf16, q8): the logits of one
   full-sequence step, of token-by-token feeding, of uneven pieces, and of
   several sequences fed together are identical bit for bit; bf16 and q8 logits
   stay within measured tolerances of the f32 cache's; the cache shrinks by the
   type's ratio. The budget: an adaptive CAT takes the smallest chunk size
   whose cache fits, a fixed model fits or is refused, and a refusal names the
   smallest budget that would fit.
   usage: test_kvcache FIXTURES_DIR CAT_CONVERT_BINARY
   MIT License, see LICENSE. */
#define CAT_IMPLEMENTATION
#include "cat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Tolerances on max |logit difference| against the f32 cache, about three
   times the largest measured on these random-weight fixtures over 100 tokens
   (logits span about +-4.5): bf16 keys and values (8 significant bits)
   measured 0.0100, q8 (8 bits with a scale per 32) 0.0316, both on the CAT
   layer fixture. */
static const double tol[3] = { 0.0, 0.03, 0.1 };

/* n tokens through a fresh session fed in pieces of `piece` (0: all at once)
   with n_batch nb; logits of every token into out */
static cat_result run(const cat_model *m, int32_t chunk, cat_dtype kt, const int32_t *tok, int n, int piece, int nb, float *out, size_t *kv) {
    const int PV = cat_model_config(m)->padded_vocab;
    cat_session_params sp;
    cat_session *s;
    cat_result r;
    int done = 0;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.kv_type = kt; sp.max_context = n; sp.n_batch = nb;
    r = cat_session_open(m, &sp, &s);
    if (r) return r;
    while (done < n && !r) {
        int b = piece && n - done > piece ? piece : n - done;
        r = cat_session_feed(s, tok + done, (size_t)b, out + (size_t)done * PV);
        done += b;
    }
    if (kv) *kv = cat_session_kv_bytes(s);
    if (!r) CHECK(cat_session_kv_type(s) == kt, "session reports its cache type");
    cat_session_close(s);
    return r;
}

/* three sequences fed interleaved through one session, each equal to its own run */
static cat_result run_multi(const cat_model *m, int32_t chunk, cat_dtype kt, const int32_t *tok, int n, float *out3) {
    const int PV = cat_model_config(m)->padded_vocab;
    cat_session_params sp;
    cat_session *s;
    cat_result r;
    int32_t sq[6], tk[6];
    float *lg = (float *)malloc(sizeof(float) * 6 * (size_t)PV);
    int t, k;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.kv_type = kt; sp.max_context = n; sp.n_seq = 3; sp.n_batch = 5;
    r = cat_session_open(m, &sp, &s);
    if (r) { free(lg); return r; }
    /* sequence j gets tokens tok[(i + 7j) % n]: sequences 0 and 1 two a step,
       sequence 2 one a step (so half as many), interleaved in the caller's order */
    for (t = 0; t < n && !r; t += 2) {
        int cnt = 0, pos[6];
        const int js[5] = { 0, 2, 1, 0, 1 }, ts[5] = { t, t / 2, t, t + 1, t + 1 };
        for (k = 0; k < 5; k++) {
            if (ts[k] >= n) continue;
            sq[cnt] = js[k]; tk[cnt] = tok[(ts[k] + 7 * js[k]) % n]; pos[cnt] = ts[k]; cnt++;
        }
        r = cat_session_feed_multi(s, sq, tk, (size_t)cnt, lg);
        for (k = 0; k < cnt && !r; k++) memcpy(out3 + ((size_t)sq[k] * n + pos[k]) * PV, lg + (size_t)k * PV, sizeof(float) * PV);
    }
    cat_session_close(s);
    free(lg);
    return r;
}

static double maxdiff(const float *a, const float *b, size_t n) {
    double d = 0;
    size_t i;
    for (i = 0; i < n; i++) { double x = fabs((double)a[i] - (double)b[i]); if (!(x <= d)) d = x; }
    return d;
}

static void test_model(const cat_model *m, const char *name, int32_t chunk) {
    const cat_config *c = cat_model_config(m);
    const int PV = c->padded_vocab, n = c->block_size < 100 ? c->block_size : 100;
    const size_t sz = sizeof(float) * (size_t)PV * n;
    float *f32 = (float *)malloc(sz), *full = (float *)malloc(sz), *one = (float *)malloc(sz), *pcs = (float *)malloc(sz);
    float *multi = (float *)malloc(3 * sz), *solo = (float *)malloc(sz);
    int32_t *tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)n), *tok2 = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    uint64_t st = 0x243F6A8885A308D3ull;
    size_t kv32 = 0, kv;
    int k, t, j;
    for (k = 0; k < n; k++) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; tok[k] = (int32_t)(st % (uint64_t)c->vocab_size); }
    CHECK(run(m, chunk, CAT_DTYPE_F32, tok, n, 0, n, f32, &kv32) == CAT_OK, "%s chunk %d: f32 run", name, chunk);
    for (t = 0; t < 3; t++) {
        const cat_dtype kt = (cat_dtype)t;
        double d;
        CHECK(run(m, chunk, kt, tok, n, 0, n, full, &kv) == CAT_OK, "%s: full run", name);
        CHECK(run(m, chunk, kt, tok, n, 1, 1, one, NULL) == CAT_OK, "%s: token-by-token run", name);
        CHECK(run(m, chunk, kt, tok, n, 5, 7, pcs, NULL) == CAT_OK, "%s: run in pieces", name);
        CHECK(memcmp(full, one, sz) == 0, "%s chunk %d kv %s: token-by-token logits differ from the full step's", name, chunk, cat_dtype_name(kt));
        CHECK(memcmp(full, pcs, sz) == 0, "%s chunk %d kv %s: logits fed in pieces differ from the full step's", name, chunk, cat_dtype_name(kt));
        d = maxdiff(full, f32, (size_t)PV * n);
        CHECK(t == 0 ? d == 0 : d <= tol[t], "%s chunk %d kv %s: max |logit diff| %.3g from the f32 cache, tolerance %g", name, chunk,
              cat_dtype_name(kt), d, tol[t]);
        {
            int nkv = c->family == CAT_FAMILY_CAT_LAYER ? c->layer_n_head : c->dec.n_local_heads;
            int hd = c->family == CAT_FAMILY_CAT_LAYER ? c->layer_head_dim : c->dec.head_dim;
            size_t row = t == 0 ? 4 * (size_t)hd : t == 1 ? 2 * (size_t)hd : (size_t)hd + 4 * (size_t)(hd % 32 ? 1 : hd / 32);
            CHECK(kv * 4 * (size_t)hd == kv32 * row, "%s kv %s: %zu cache bytes, f32 %zu (rows of %zu bytes for %d values)", name,
                  cat_dtype_name(kt), kv, kv32, row, hd);
            CHECK(kv == cat_model_kv_bytes(m, chunk, n, 1, kt), "%s kv %s: cat_model_kv_bytes agrees with the session", name, cat_dtype_name(kt));
            (void)nkv;
        }
        printf("%s chunk %d kv %s: %zu bytes at %d tokens, max |diff| from f32 cache %.3g; full = one by one = pieces\n", name, chunk,
               cat_dtype_name(kt), kv, n, d);
        /* several sequences together: each as it runs alone */
        if (run_multi(m, chunk, kt, tok, n, multi) != CAT_OK) { CHECK(0, "%s: multi-sequence run", name); continue; }
        for (j = 0; j < 3; j++) {
            int len = j == 2 ? (n + 1) / 2 : n;   /* t / 2 for t = 0, 2, ... < n */
            for (k = 0; k < len; k++) tok2[k] = tok[(k + 7 * j) % n];
            CHECK(run(m, chunk, kt, tok2, len, 3, 4, solo, NULL) == CAT_OK, "solo run");
            CHECK(memcmp(solo, multi + (size_t)j * n * PV, sizeof(float) * (size_t)PV * len) == 0,
                  "%s chunk %d kv %s: sequence %d fed with two others differs from its own run", name, chunk, cat_dtype_name(kt), j);
        }
    }
    free(f32); free(full); free(one); free(pcs); free(multi); free(solo); free(tok); free(tok2);
}

/* a sequence's saved state keeps the cache's rows in their type: a q8 or bf16
   session restored from it goes on exactly as the original; a session of
   another cache type refuses it */
static void test_state(const cat_model *m, const char *name, int32_t chunk) {
    const cat_config *c = cat_model_config(m);
    const int PV = c->padded_vocab, n = c->block_size < 40 ? c->block_size : 40, half = n / 2 + 1;
    int32_t tok[64];
    int t, k;
    for (k = 0; k < n; k++) tok[k] = (int32_t)((k * 7919 + 11) % c->vocab_size);
    for (t = 1; t < 3; t++) {
        cat_session_params sp;
        cat_session *a, *b, *f;
        size_t need = 0, wrote = 0;
        void *buf;
        memset(&sp, 0, sizeof sp);
        sp.chunk_size = chunk; sp.kv_type = (cat_dtype)t;
        if (cat_session_open(m, &sp, &a) || cat_session_open(m, &sp, &b)) { CHECK(0, "%s: open", name); return; }
        CHECK(cat_session_feed(a, tok, (size_t)half, NULL) == CAT_OK, "%s: feed", name);
        need = cat_session_seq_state_size(a, 0);
        buf = malloc(need);
        CHECK(cat_session_seq_state_save(a, 0, buf, need, &wrote) == CAT_OK && wrote == need, "%s kv %s: state saved", name, cat_dtype_name((cat_dtype)t));
        CHECK(cat_session_seq_state_load(b, 0, buf, need) == CAT_OK, "%s kv %s: state restored", name, cat_dtype_name((cat_dtype)t));
        CHECK(cat_session_feed(a, tok + half, (size_t)(n - half), NULL) == CAT_OK && cat_session_feed(b, tok + half, (size_t)(n - half), NULL) == CAT_OK,
              "%s: feed after restore", name);
        CHECK(memcmp(cat_session_logits(a), cat_session_logits(b), sizeof(float) * (size_t)PV) == 0,
              "%s chunk %d kv %s: the restored session goes on bit for bit", name, chunk, cat_dtype_name((cat_dtype)t));
        sp.kv_type = CAT_DTYPE_F32;
        if (!cat_session_open(m, &sp, &f)) {
            CHECK(cat_session_seq_state_load(f, 0, buf, need) == CAT_ERR_STATE, "%s kv %s: an f32 session refuses the state", name, cat_dtype_name((cat_dtype)t));
            cat_session_close(f);
        }
        free(buf);
        cat_session_close(a); cat_session_close(b);
    }
}

static void test_budget(const cat_model *m, const char *name) {
    const cat_config *c = cat_model_config(m);
    const int ctx = c->block_size, nseq = 3;
    cat_session_params sp;
    cat_session *s;
    int32_t ch;
    size_t need, b;
    int t;
    for (t = 0; t < 3; t++) {
        const cat_dtype kt = (cat_dtype)t;
        memset(&sp, 0, sizeof sp);
        sp.kv_type = kt; sp.n_seq = nseq; sp.max_context = ctx;
        if (c->family == CAT_FAMILY_CAT_ADAPTIVE) {
            int32_t cc, want;
            size_t least = (size_t)-1, bytes[32];
            int k = 0;
            for (cc = 1; cc <= c->chunk_size; cc *= 2, k++) {
                bytes[k] = cat_model_kv_bytes(m, cc, ctx, nseq, kt);
                if (bytes[k] < least) least = bytes[k];
            }
            /* each chunk's own bytes as the budget, and one byte less: the smallest chunk that fits */
            for (cc = 1, k = 0; cc <= c->chunk_size; cc *= 2, k++) {
                int d;
                for (d = 0; d < 2; d++) {
                    int32_t c2, k2 = 0;
                    sp.kv_budget_bytes = bytes[k] - (size_t)d;
                    want = 0;
                    for (c2 = 1; c2 <= c->chunk_size; c2 *= 2, k2++) if (bytes[k2] <= sp.kv_budget_bytes) { want = c2; break; }
                    sp.chunk_size = 0;
                    if (want) {
                        CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "%s: budget %llu opens", name, (unsigned long long)sp.kv_budget_bytes);
                        CHECK(cat_session_chunk(s) == want, "%s kv %s budget %llu: chunk %d taken, want %d", name, cat_dtype_name(kt),
                              (unsigned long long)sp.kv_budget_bytes, cat_session_chunk(s), want);
                        CHECK(cat_session_kv_bytes_at(s, ctx) * nseq <= sp.kv_budget_bytes, "%s: the chosen cache fits", name);
                        cat_session_close(s);
                    } else {
                        CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_BUDGET, "%s: budget %llu below every chunk is refused", name,
                              (unsigned long long)sp.kv_budget_bytes);
                    }
                }
            }
            printf("%s kv %s: %d sequences of %d tokens: %zu bytes at chunk 1 .. %zu at the least\n", name, cat_dtype_name(kt), nseq, ctx,
                   bytes[0], least);
            /* nothing fits: the refusal names the least budget and the chunk that needs it */
            ch = 0;
            CHECK(cat_model_fit_budget(m, least - 1, ctx, nseq, kt, &ch, &need) == CAT_ERR_BUDGET && need == least,
                  "%s: refusal names the least budget %zu (got %zu)", name, least, need);
            ch = 0;
            CHECK(cat_model_fit_budget(m, least, ctx, nseq, kt, &ch, &need) == CAT_OK && need == least, "%s: the least budget fits", name);
            /* an explicit chunk is checked, not changed */
            sp.chunk_size = c->chunk_size; sp.kv_budget_bytes = bytes[0];
            CHECK(cat_session_open(m, &sp, &s) == CAT_OK && cat_session_chunk(s) == c->chunk_size, "%s: explicit chunk kept", name);
            cat_session_close(s);
            sp.chunk_size = 1; sp.kv_budget_bytes = bytes[0] - 1;
            CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_BUDGET, "%s: explicit chunk that does not fit is refused", name);
        } else {
            b = cat_model_kv_bytes(m, 0, ctx, nseq, kt);
            sp.kv_budget_bytes = b;
            CHECK(cat_session_open(m, &sp, &s) == CAT_OK && cat_session_kv_bytes_at(s, ctx) * nseq == b, "%s kv %s: a budget of exactly %zu fits",
                  name, cat_dtype_name(kt), b);
            cat_session_close(s);
            sp.kv_budget_bytes = b - 1;
            CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_BUDGET, "%s kv %s: one byte less is refused", name, cat_dtype_name(kt));
            ch = 0;
            CHECK(cat_model_fit_budget(m, b - 1, ctx, nseq, kt, &ch, &need) == CAT_ERR_BUDGET && need == b, "%s: refusal names %zu", name, b);
        }
    }
    /* cat_session_bytes measures what cat_session_open allocates */
    for (t = 0; t < 3; t++) {
        size_t want;
        memset(&sp, 0, sizeof sp);
        sp.kv_type = (cat_dtype)t; sp.n_seq = 1 + 2 * t; sp.max_context = ctx - 3 * t; sp.n_batch = t == 1 ? 7 : 0;
        CHECK(cat_session_bytes(m, &sp, &b) == CAT_OK && cat_session_open(m, &sp, &s) == CAT_OK, "%s: measure and open", name);
        want = cat_session_memory(s);
        CHECK(b == want, "%s kv %s: cat_session_bytes %zu, the session allocated %zu", name, cat_dtype_name((cat_dtype)t), b, want);
        CHECK(cat_session_scratch_bytes(s) < want, "%s: scratch is part of the session", name);
        cat_session_close(s);
    }
    memset(&sp, 0, sizeof sp);
    sp.kv_type = (cat_dtype)3;
    CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_ARGS, "%s: unknown cache type refused", name);
}

int main(int argc, char **argv) {
    const char *fx = argc > 1 ? argv[1] : "tests/fixtures";
    const char *conv = argc > 2 ? argv[2] : "build/cat-convert";
    static const char *const cases[] = { "cat_c4", "cat_adaptive_c16", "cat_c8_qk_gqa", "cat_layer_c4", "dense" };
    char dir[1024], path[1200], cmd[4096];
    const char *slash = strrchr(conv, '/');
    size_t i;
    if (slash) { snprintf(dir, sizeof dir, "%.*s", (int)(slash - conv), conv); } else strcpy(dir, ".");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cat_model *m;
        char err[512];
        snprintf(path, sizeof path, "%s/test_kvcache_%s.cat", dir, cases[i]);
        snprintf(cmd, sizeof cmd, "%s convert %s/%s.safetensors %s --config %s/%s.json >/dev/null", conv, fx, cases[i], path, fx, cases[i]);
        if (system(cmd) != 0) { CHECK(0, "convert %s", cases[i]); continue; }
        if (cat_model_open(path, &m, err, sizeof err)) { CHECK(0, "open %s: %s", path, err); remove(path); continue; }
        if (cat_model_config(m)->family == CAT_FAMILY_CAT_ADAPTIVE) {
            int32_t c;
            for (c = 1; c <= cat_model_config(m)->chunk_size; c *= 2) test_model(m, cases[i], c);
        } else test_model(m, cases[i], 0);
        test_state(m, cases[i], cat_model_config(m)->family == CAT_FAMILY_CAT_ADAPTIVE ? 4 : 0);
        test_budget(m, cases[i]);
        cat_model_close(m);
        remove(path);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
