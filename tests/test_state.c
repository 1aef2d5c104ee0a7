/* Session state: cat_session_seq_truncate, _seq_copy, _seq_state_save/_load.
 *
 *   build/test_state MODEL[:CHUNK] ...
 *
 * For each model (and test-time chunk size): truncating to any earlier length and
 * feeding on gives logits bit-identical to a session that never went further; a
 * copied sequence continues bit-identically to a fresh session; a restored state
 * continues bit-identically; bad states are refused and change nothing.
 * Prints one line per check and "N passed, N failed"; exit status 0 iff all pass. */
#define CAT_IMPLEMENTATION
#include "../cat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_pass, n_fail;
static char where[256];

static void check(int ok, const char *what) {
    if (ok) n_pass++;
    else { n_fail++; printf("FAIL %s: %s\n", where, what); }
}

static cat_session *open_session(const cat_model *m, int chunk, int n_seq, int ctx) {
    cat_session_params p;
    cat_session *s = NULL;
    memset(&p, 0, sizeof p);
    p.chunk_size = chunk; p.n_seq = n_seq; p.max_context = ctx; p.n_threads = 1;
    if (cat_session_open(m, &p, &s)) return NULL;
    return s;
}

/* logits of every position of toks[0..n) fed to a fresh session after prefix[0..np) */
static int reference(const cat_model *m, int chunk, const int32_t *prefix, int np, const int32_t *toks, int n, float *prefix_last, float *rows) {
    cat_session *s = open_session(m, chunk, 1, 0);
    int PV = cat_model_config(m)->padded_vocab, ok = s != NULL;
    if (ok && np) ok = !cat_session_feed(s, prefix, (size_t)np, NULL);
    if (ok && np && prefix_last) memcpy(prefix_last, cat_session_logits(s), sizeof(float) * (size_t)PV);
    if (ok && n) ok = !cat_session_feed(s, toks, (size_t)n, rows);
    cat_session_close(s);
    return ok;
}

static int same(const float *a, const float *b, size_t n) { return a && b && !memcmp(a, b, n * sizeof(float)); }

static void test_model(const char *spec) {
    char path[512];
    const char *colon = strrchr(spec, ':');
    int chunk = 0, N, PV, c, i, k, pts[16], np = 0, mi;
    cat_model *m;
    const cat_config *cfg;
    char err[256];
    int32_t *a, *b;
    float *ref_last, *ref_rows, *rows;
    size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (plen >= sizeof path) return;
    memcpy(path, spec, plen); path[plen] = 0;
    if (colon) chunk = atoi(colon + 1);
    snprintf(where, sizeof where, "%s", spec);
    if (cat_model_open(path, &m, err, sizeof err)) { check(0, err); return; }
    cfg = cat_model_config(m);
    PV = cfg->padded_vocab;
    c = cfg->family == CAT_FAMILY_DENSE ? 4 : (chunk ? chunk : cfg->chunk_size);
    N = cfg->block_size < 48 ? cfg->block_size : 48;
    a = (int32_t *)malloc(sizeof(int32_t) * (size_t)N);
    b = (int32_t *)malloc(sizeof(int32_t) * (size_t)N);
    ref_last = (float *)malloc(sizeof(float) * (size_t)PV);
    ref_rows = (float *)malloc(sizeof(float) * (size_t)PV * N);
    rows = (float *)malloc(sizeof(float) * (size_t)PV * N);
    for (i = 0; i < N; i++) { a[i] = (int32_t)((i * 7919u + 13u) % (unsigned)cfg->vocab_size); b[i] = (int32_t)((i * 104729u + 5u) % (unsigned)cfg->vocab_size); }

    /* ---- truncate: fed m tokens of a, back to n, then b[n..N) ---- */
    {
        const int ms[3] = {2 * c + 3 < N ? 2 * c + 3 : N - 1, 3 * c <= N - 1 ? 3 * c : N - 2, N - 1};
        for (mi = 0; mi < 3; mi++) {
            const int mm = ms[mi];
            const int cand[12] = {0, 1, c - 1, c, c + 1, 2 * c - 1, 2 * c, 2 * c + 2, mm - c, mm - 2, mm - 1, mm};
            np = 0;
            for (i = 0; i < 12; i++) {
                int dup = 0, j;
                if (cand[i] < 0 || cand[i] > mm) continue;
                for (j = 0; j < np; j++) dup |= pts[j] == cand[i];
                if (!dup) pts[np++] = cand[i];
            }
            for (k = 0; k < np; k++) {
                const int n = pts[k];
                int two;
                for (two = 0; two < 2; two++) {   /* alone, and as sequence 1 of 2 beside a busy sequence 0 */
                    cat_session *s = open_session(m, chunk, two ? 2 : 1, 0);
                    const int sq = two ? 1 : 0;
                    int32_t seqs[64];
                    const float *lg;
                    float *other = NULL;
                    int ok = s != NULL, j;
                    snprintf(where, sizeof where, "%s truncate %d -> %d%s", spec, mm, n, two ? " (seq 1 of 2)" : "");
                    if (!ok) { check(0, "open"); continue; }
                    for (j = 0; j < mm; j++) seqs[j] = sq;
                    if (two) {   /* sequence 0: a few tokens, its logits kept to check they survive */
                        int32_t z[5] = {1, 2, 3, 4, 5}, zs[5] = {0, 0, 0, 0, 0};
                        cat_session_feed_multi(s, zs, z, 5, NULL);
                        other = (float *)malloc(sizeof(float) * (size_t)PV);
                        memcpy(other, cat_session_seq_logits(s, 0), sizeof(float) * (size_t)PV);
                    }
                    ok = !cat_session_feed_multi(s, seqs, a, (size_t)mm, NULL);
                    ok = ok && cat_session_seq_truncate(s, sq, n) == CAT_OK;
                    check(ok && cat_session_seq_pos(s, sq) == n, "truncate returns OK and pos == n");
                    check(n == 0 || !memcmp(cat_session_seq_tokens(s, sq), a, sizeof(int32_t) * (size_t)n), "the kept tokens");
                    reference(m, chunk, a, n, b + n, N - n, ref_last, ref_rows);
                    lg = cat_session_seq_logits(s, sq);
                    check(n ? same(lg, ref_last, (size_t)PV) : lg == NULL, "logits after truncating = never having gone further");
                    for (j = n; j < N; j++) seqs[j - n] = sq;
                    ok = !cat_session_feed_multi(s, seqs, b + n, (size_t)(N - n), rows);
                    check(ok && same(rows, ref_rows, (size_t)PV * (N - n)), "feeding on: every row bit-identical");
                    if (two) check(cat_session_seq_pos(s, 0) == 5 && same(cat_session_seq_logits(s, 0), other, (size_t)PV), "the other sequence untouched");
                    free(other);
                    cat_session_close(s);
                }
            }
        }
        {   /* arguments */
            cat_session *s = open_session(m, chunk, 1, 0);
            snprintf(where, sizeof where, "%s truncate arguments", spec);
            cat_session_feed(s, a, 5, NULL);
            check(cat_session_seq_truncate(s, 0, 6) == CAT_ERR_ARGS && cat_session_seq_truncate(s, 0, -1) == CAT_ERR_ARGS &&
                  cat_session_seq_truncate(s, 1, 0) == CAT_ERR_ARGS && cat_session_seq_pos(s, 0) == 5, "n > pos, n < 0, bad seq refused");
            check(cat_session_seq_truncate(s, 0, 5) == CAT_OK && cat_session_seq_pos(s, 0) == 5, "n == pos: nothing to do");
            cat_session_close(s);
        }
    }

    /* ---- copy: a prompt fed once, forked into 3 continuations ---- */
    {
        const int P = N / 2 + 1, L = N - P;
        cat_session *s = open_session(m, chunk, 3, 0);
        int32_t *seqs = (int32_t *)malloc(sizeof(int32_t) * 3 * (size_t)L), *toks = (int32_t *)malloc(sizeof(int32_t) * 3 * (size_t)L);
        float *mrows = (float *)malloc(sizeof(float) * (size_t)PV * 3 * L);
        int d, j, ok;
        snprintf(where, sizeof where, "%s copy", spec);
        ok = s && !cat_session_feed(s, a, (size_t)P, NULL);
        {   /* sequence 2 holds something else first: the copy replaces it */
            int32_t z[7] = {9, 8, 7, 6, 5, 4, 3}, zs[7] = {2, 2, 2, 2, 2, 2, 2};
            ok = ok && !cat_session_feed_multi(s, zs, z, 7, NULL);
        }
        ok = ok && cat_session_seq_copy(s, 0, 1) == CAT_OK && cat_session_seq_copy(s, 0, 2) == CAT_OK;
        check(ok && cat_session_seq_pos(s, 1) == P && cat_session_seq_pos(s, 2) == P && same(cat_session_seq_logits(s, 2), cat_session_logits(s), (size_t)PV),
              "copies hold the prompt and its logits");
        /* continue all three together, one token of each per step, different tokens */
        for (j = 0; j < L; j++) for (d = 0; d < 3; d++) {
            seqs[j * 3 + d] = d;
            toks[j * 3 + d] = d == 0 ? a[P + j] : d == 1 ? b[P + j] : b[(P + j + 7) % N];
        }
        ok = ok && !cat_session_feed_multi(s, seqs, toks, 3 * (size_t)L, mrows);
        for (d = 0; d < 3; d++) {
            int32_t *cont = (int32_t *)malloc(sizeof(int32_t) * (size_t)L);
            int good = ok;
            for (j = 0; j < L; j++) cont[j] = toks[j * 3 + d];
            reference(m, chunk, a, P, cont, L, NULL, ref_rows);
            for (j = 0; j < L; j++) good = good && same(mrows + ((size_t)j * 3 + d) * PV, ref_rows + (size_t)j * PV, (size_t)PV);
            check(good, d == 0 ? "the source continues as a fresh session" : "a copy continues as a fresh session");
            free(cont);
        }
        check(cat_session_seq_copy(s, 0, 3) == CAT_ERR_ARGS && cat_session_seq_copy(s, -1, 0) == CAT_ERR_ARGS && cat_session_seq_copy(s, 1, 1) == CAT_OK,
              "bad sequences refused; a copy onto itself is nothing");
        free(seqs); free(toks); free(mrows);
        cat_session_close(s);
    }

    /* ---- save and load ---- */
    {
        const int cuts[4] = {0, c, c + 1 < N ? c + 1 : N - 1, N - 3};
        int ci;
        for (ci = 0; ci < 4; ci++) {
            const int mm = cuts[ci];
            cat_session *s = open_session(m, chunk, 1, 0), *t = open_session(m, chunk, 2, 0);
            size_t need, wrote = 0;
            unsigned char *buf;
            int32_t seqs[64];
            int ok, j;
            snprintf(where, sizeof where, "%s state at %d", spec, mm);
            ok = s && t && (!mm || !cat_session_feed(s, a, (size_t)mm, NULL));
            need = cat_session_seq_state_size(s, 0);
            buf = (unsigned char *)malloc(need + 16);
            check(ok && cat_session_seq_state_save(s, 0, buf, need - 1, &wrote) == CAT_ERR_BUFFER && wrote == need, "a short buffer: CAT_ERR_BUFFER, the size needed");
            check(cat_session_seq_state_save(s, 0, buf, need + 16, &wrote) == CAT_OK && wrote == need, "save");
            {   /* refusals leave sequence 1 of t as it was */
                int32_t z[3] = {3, 1, 2}, zs[3] = {1, 1, 1};
                float keep[4];
                unsigned char *bad = (unsigned char *)malloc(need);
                cat_session_feed_multi(t, zs, z, 3, NULL);
                memcpy(keep, cat_session_seq_logits(t, 1), sizeof keep);
                check(cat_session_seq_state_load(t, 1, buf, need - 1) == CAT_ERR_FORMAT, "truncated: CAT_ERR_FORMAT");
                memcpy(bad, buf, need); bad[0] ^= 1;
                check(cat_session_seq_state_load(t, 1, bad, need) == CAT_ERR_FORMAT, "bad magic: CAT_ERR_FORMAT");
                memcpy(bad, buf, need); bad[24 + 4] ^= 1;   /* the chunk size */
                check(cat_session_seq_state_load(t, 1, bad, need) == CAT_ERR_STATE, "another chunk size: CAT_ERR_STATE");
                memcpy(bad, buf, need); bad[16] ^= 1;       /* the model fingerprint */
                check(cat_session_seq_state_load(t, 1, bad, need) == CAT_ERR_STATE, "another model: CAT_ERR_STATE");
                if (mm) {
                    int32_t big = PV;
                    memcpy(bad, buf, need); memcpy(bad + 60, &big, 4);   /* the first token */
                    check(cat_session_seq_state_load(t, 1, bad, need) == CAT_ERR_FORMAT, "a token id out of range: CAT_ERR_FORMAT");
                }
                check(cat_session_seq_pos(t, 1) == 3 && !memcmp(cat_session_seq_logits(t, 1), keep, sizeof keep), "after the refusals the sequence is unchanged");
                free(bad);
            }
            ok = cat_session_seq_state_load(t, 1, buf, need) == CAT_OK;
            check(ok && cat_session_seq_pos(t, 1) == mm && (!mm || !memcmp(cat_session_seq_tokens(t, 1), a, sizeof(int32_t) * (size_t)mm)) &&
                  (mm ? same(cat_session_seq_logits(t, 1), cat_session_logits(s), (size_t)PV) : cat_session_seq_logits(t, 1) == NULL),
                  "load into sequence 1 of another session: pos, tokens, logits");
            for (j = mm; j < N; j++) seqs[j - mm] = 1;
            ok = ok && !cat_session_feed_multi(t, seqs, b + mm, (size_t)(N - mm), rows);
            ok = ok && !cat_session_feed(s, b + mm, (size_t)(N - mm), ref_rows);
            check(ok && same(rows, ref_rows, (size_t)PV * (N - mm)), "the restored state continues bit-identically");
            if (mm > 2) {   /* a session too short for the state */
                cat_session *u = open_session(m, chunk, 1, mm - 1);
                check(u && cat_session_seq_state_load(u, 0, buf, need) == CAT_ERR_CONTEXT && cat_session_seq_pos(u, 0) == 0, "a session with less context: CAT_ERR_CONTEXT");
                cat_session_close(u);
            }
            if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE) {
                cat_session *u = open_session(m, c > 1 ? c / 2 : 2, 1, 0);
                check(u && cat_session_seq_state_load(u, 0, buf, need) == CAT_ERR_STATE, "another test-time chunk size: CAT_ERR_STATE");
                cat_session_close(u);
            }
            free(buf);
            cat_session_close(s);
            cat_session_close(t);
        }
    }
    printf("%s: done (%d passed, %d failed so far)\n", spec, n_pass, n_fail);
    free(a); free(b); free(ref_last); free(ref_rows); free(rows);
    cat_model_close(m);
}

int main(int argc, char **argv) {
    int i;
    if (argc < 2) { fprintf(stderr, "usage: test_state MODEL[:CHUNK] ...\n"); return 2; }
    for (i = 1; i < argc; i++) test_model(argv[i]);
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail != 0;
}
