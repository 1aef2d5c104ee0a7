/* cat-check: run every record of a reference (.ref) file against a model.
   MIT License, see LICENSE. */
#ifndef CAT_LINKED   /* the Makefile links one compiled implementation (build/cat_impl.o) into every tool */
#define CAT_IMPLEMENTATION
#endif
#include "../cat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: cat-check [options] MODEL REF\n"
        "\n"
        "Runs every record of a reference file (.ref, see tests/fixtures/README.md)\n"
        "against a converted model and prints one line per record, then\n"
        "'N passed, N failed'. Exit status 0 only if every record passes.\n"
        "\n"
        "  logits records   every row of logits within --atol of the reference\n"
        "  greedy records   the argmax continuation equal token for token\n"
        "\n"
        "options:\n"
        "  --atol X         tolerance on max |logit difference| (default 1e-3)\n"
        "  --incremental    feed tokens one at a time through a session's KV cache\n"
        "                   (default: one full-sequence forward per record, and a\n"
        "                   full forward per greedy step)\n"
        "  --kv-type T      KV-cache entries: f32 (default), bf16 or q8 (lossy: give a\n"
        "                   matching --atol and --logits-only)\n"
        "  --bf16-dot       bf16 weights times activations rounded to bf16 where the CPU\n"
        "                   has AVX512_BF16 (lossy: give a matching --atol); default: f32\n"
        "                   activations, the exact products (sessions choose by CPU, see\n"
        "                   cat_session_params.bf16_dot)\n"
        "  --logits-only    skip greedy records (for lossy weight types, where a tiny\n"
        "                   difference may flip a near-tie and change the continuation)\n"
        "  -t, --threads N  OpenMP threads (default: all)\n"
        "  --version        print the version and exit\n"
        "  -h, --help       this text\n");
}

static int32_t g_bf16_dot = 2;   /* cat_session_params.bf16_dot: 2 exact, 1 with --bf16-dot */

typedef struct { const unsigned char *p; size_t len, off; } rd;
static int rd_u32(rd *r, uint32_t *v) {
    if (r->len - r->off < 4) return 0;
    *v = (uint32_t)r->p[r->off] | ((uint32_t)r->p[r->off + 1] << 8) | ((uint32_t)r->p[r->off + 2] << 16) | ((uint32_t)r->p[r->off + 3] << 24);
    r->off += 4;
    return 1;
}

/* greedy continuation of prompt[0..np) for ngen tokens; writes out[ngen] */
/* full-sequence forward through a session with a cache of type kt */
static cat_result forward(const cat_model *m, int32_t chunk, cat_dtype kt, const int32_t *tok, size_t n, float *logits) {
    cat_session_params sp;
    cat_session *s;
    cat_result r;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.kv_type = kt; sp.bf16_dot = g_bf16_dot; sp.max_context = (int32_t)n; sp.n_batch = (int32_t)n;
    r = cat_session_open(m, &sp, &s);
    if (r) return r;
    r = cat_session_feed(s, tok, n, logits);
    cat_session_close(s);
    return r;
}

static cat_result greedy(const cat_model *m, int32_t chunk, cat_dtype kt, int incremental, int threads, const int32_t *prompt, uint32_t np,
                         uint32_t ngen, int32_t *out, float *margin_at_flip, const int32_t *want) {
    const cat_config *cfg = cat_model_config(m);
    const int32_t PV = cfg->padded_vocab;
    uint32_t total = np + ngen, i;
    int32_t *seq = (int32_t *)malloc(sizeof(int32_t) * (total ? total : 1));
    float *lg = NULL;
    cat_result r = CAT_OK;
    cat_session *s = NULL;
    if (!seq) return CAT_ERR_NOMEM;
    memcpy(seq, prompt, sizeof(int32_t) * np);
    *margin_at_flip = -1;
    if (incremental) {
        cat_session_params sp;
        memset(&sp, 0, sizeof sp);
        sp.chunk_size = chunk; sp.n_threads = threads; sp.kv_type = kt; sp.bf16_dot = g_bf16_dot;
        r = cat_session_open(m, &sp, &s);
        if (!r) r = cat_session_feed(s, seq, np, NULL);
    } else {
        lg = (float *)malloc(sizeof(float) * (size_t)PV * total);
        if (!lg) r = CAT_ERR_NOMEM;
    }
    for (i = 0; i < ngen && !r; i++) {
        const float *row;
        int32_t t;
        if (incremental) row = cat_session_logits(s);
        else {
            r = forward(m, chunk, kt, seq, np + i, lg);
            if (r) break;
            row = lg + (size_t)(np + i - 1) * PV;
        }
        t = cat_argmax(row, PV);
        if (want && t != want[i] && *margin_at_flip < 0) *margin_at_flip = row[t] - row[want[i]];
        out[i] = t;
        seq[np + i] = t;
        if (incremental && i + 1 < ngen) r = cat_session_feed(s, &t, 1, NULL);
    }
    cat_session_close(s);
    free(lg);
    free(seq);
    return r;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *ref_path = NULL;
    double atol = 1e-3;
    int incremental = 0, threads = 0, i, passed = 0, failed = 0, logits_only = 0, kv_type = 0;
    unsigned char *buf;
    int32_t *tok = NULL;
    size_t len;
    rd r;
    uint32_t version, nrec, k;
    cat_model *m;
    char err[512];
    cat_result res;
    const cat_config *cfg;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--version")) { cli_version("cat-check"); return 0; }
        else if (!strcmp(a, "--incremental")) incremental = 1;
        else if (!strcmp(a, "--logits-only")) logits_only = 1;
        else if (!strcmp(a, "--bf16-dot")) g_bf16_dot = 1;
        else if (!strcmp(a, "--kv-type") && i + 1 < argc) {
            if ((kv_type = util_kv_type(argv[++i])) < 0) { fprintf(stderr, "cat-check: --kv-type takes f32, bf16 or q8, got '%s'\n", argv[i]); return 2; }
        }
        else if (!strcmp(a, "--atol") && i + 1 < argc) {
            char *end; atol = strtod(argv[++i], &end);
            if (*end || !(atol >= 0)) { fprintf(stderr, "cat-check: --atol needs a non-negative number, got '%s'\n", argv[i]); return 2; }
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && i + 1 < argc) {
            char *end; long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1024) { fprintf(stderr, "cat-check: --threads needs a number from 1 to 1024, got '%s'\n", argv[i]); return 2; }
            threads = (int)v;
        } else if (a[0] == '-' && a[1]) {
            static const char *const known[] = {"--atol", "--incremental", "--logits-only", "-t", "--threads", "--version", "-h", "--help", NULL};
            return cli_unknown("cat-check", a, known);
        }
        else if (!model_path) model_path = a;
        else if (!ref_path) ref_path = a;
        else { fprintf(stderr, "cat-check: unexpected argument '%s' (try --help)\n", a); return 2; }
    }
    if (!model_path || !ref_path) { usage(stderr); return 2; }

    res = cat_model_open(model_path, &m, err, sizeof err);
    if (res) { fprintf(stderr, "cat-check: %s: %s (%s)\n", model_path, err, cat_result_string(res)); return 1; }
    cfg = cat_model_config(m);
    buf = (unsigned char *)util_read_input(ref_path, UTIL_LIMIT_REF, "reference file", 0, &len, err, sizeof err);
    if (!buf) { fprintf(stderr, "cat-check: %s\n", err); cat_model_close(m); return 1; }
    r.p = buf; r.len = len; r.off = 0;
    if (len < 16 || memcmp(buf, "CATREF01", 8) != 0) { fprintf(stderr, "cat-check: '%s' is not a reference file (magic CATREF01)\n", ref_path); goto fail; }
    r.off = 8;
    rd_u32(&r, &version); rd_u32(&r, &nrec);
    if (version != 1) { fprintf(stderr, "cat-check: '%s' has version %u, expected 1\n", ref_path, version); goto fail; }
    printf("model %s (%s), reference %s: %u records, atol %g%s%s%s\n", model_path, cat_family_name(cfg->family), ref_path, nrec, atol,
           incremental ? ", incremental" : "", kv_type ? ", kv cache " : "", kv_type ? cat_dtype_name((cat_dtype)kv_type) : "");

    for (k = 0; k < nrec; k++) {
        uint32_t kind, ntok, n, cp;
        int32_t chunk = 0;
        const int32_t *tok_raw;
        if (!rd_u32(&r, &kind) || !rd_u32(&r, &cp) || !rd_u32(&r, &ntok) || !rd_u32(&r, &n)) {
            fprintf(stderr, "cat-check: '%s' is truncated in record %u\n", ref_path, k); goto fail;
        }
        if ((int32_t)cp >= 0) {
            if ((int32_t)cp > 20) { fprintf(stderr, "cat-check: record %u has chunk power %d\n", k, (int32_t)cp); goto fail; }
            chunk = 1 << cp;
        }
        if (ntok == 0 || ntok > (1u << 24) || n > (1u << 24) || (size_t)ntok * 4 > len - r.off) {
            fprintf(stderr, "cat-check: record %u of '%s' has bad sizes\n", k, ref_path); goto fail;
        }
        tok_raw = (const int32_t *)(const void *)(buf + r.off);
        tok = (int32_t *)malloc(sizeof(int32_t) * ntok);
        memcpy(tok, tok_raw, sizeof(int32_t) * ntok);
        r.off += (size_t)ntok * 4;
        if (kind == 1) {
            const float *ref;
            float *out, *refc;
            double maxd = 0;
            uint32_t agree = 0, t;
            cat_result e = CAT_OK;
            if (n != (uint32_t)cfg->padded_vocab) { printf("record %u: logits width %u but the model has %d: FAIL\n", k, n, cfg->padded_vocab); failed++; free(tok); tok = NULL; break; }
            if ((size_t)ntok * n * 4 > len - r.off) { fprintf(stderr, "cat-check: record %u is truncated\n", k); goto fail; }
            ref = (const float *)(const void *)(buf + r.off);
            r.off += (size_t)ntok * n * 4;
            refc = (float *)malloc(sizeof(float) * (size_t)ntok * n);
            out = (float *)malloc(sizeof(float) * (size_t)ntok * n);
            memcpy(refc, ref, sizeof(float) * (size_t)ntok * n);
            if (incremental) {
                cat_session *s = NULL;
                cat_session_params sp;
                memset(&sp, 0, sizeof sp);
                sp.chunk_size = chunk; sp.n_threads = threads; sp.kv_type = (cat_dtype)kv_type; sp.bf16_dot = g_bf16_dot;
                e = cat_session_open(m, &sp, &s);
                for (t = 0; t < ntok && !e; t++) {
                    e = cat_session_feed(s, tok + t, 1, NULL);
                    if (!e) memcpy(out + (size_t)t * n, cat_session_logits(s), sizeof(float) * n);
                }
                if (s) cat_session_close(s);
            } else e = forward(m, chunk, (cat_dtype)kv_type, tok, ntok, out);
            if (e) { printf("record %u: logits, chunk %d, %u tokens: error: %s FAIL\n", k, chunk, ntok, cat_result_string(e)); failed++; }
            else {
                size_t q;
                for (q = 0; q < (size_t)ntok * n; q++) {
                    double d = fabs((double)out[q] - (double)refc[q]);
                    if (!(d <= maxd)) maxd = d; /* NaN propagates as a failure */
                }
                for (t = 0; t < ntok; t++) if (cat_argmax(out + (size_t)t * n, (int32_t)n) == cat_argmax(refc + (size_t)t * n, (int32_t)n)) agree++;
                if (maxd <= atol) passed++; else failed++;
                printf("record %u: logits, chunk %d, %u tokens: max|diff| %.3g, argmax agree %u/%u: %s\n", k, chunk, ntok, maxd, agree, ntok,
                       maxd <= atol ? "PASS" : "FAIL");
            }
            free(out); free(refc);
        } else if (kind == 2) {
            int32_t *want, *got;
            float margin;
            uint32_t agree = 0, t;
            cat_result e;
            if ((size_t)n * 4 > len - r.off) { fprintf(stderr, "cat-check: record %u is truncated\n", k); goto fail; }
            want = (int32_t *)malloc(sizeof(int32_t) * (n ? n : 1));
            got = (int32_t *)malloc(sizeof(int32_t) * (n ? n : 1));
            memcpy(want, buf + r.off, sizeof(int32_t) * n);
            r.off += (size_t)n * 4;
            if (logits_only) { printf("record %u: greedy, skipped (--logits-only)\n", k); free(want); free(got); free(tok); tok = NULL; continue; }
            e = greedy(m, chunk, (cat_dtype)kv_type, incremental, threads, tok, ntok, n, got, &margin, want);
            if (e) { printf("record %u: greedy, chunk %d, %u + %u tokens: error: %s FAIL\n", k, chunk, ntok, n, cat_result_string(e)); failed++; }
            else {
                for (t = 0; t < n; t++) agree += got[t] == want[t];
                if (agree == n) passed++; else failed++;
                printf("record %u: greedy, chunk %d, %u + %u tokens: %u/%u tokens agree: %s", k, chunk, ntok, n, agree, n, agree == n ? "PASS" : "FAIL");
                if (margin >= 0) printf(" (first flip: top-2 margin %.3g)", margin);
                printf("\n");
            }
            free(want); free(got);
        } else {
            fprintf(stderr, "cat-check: record %u has unknown kind %u\n", k, kind); goto fail;
        }
        free(tok);
        tok = NULL;
    }
    printf("%d passed, %d failed\n", passed, failed);
    free(buf);
    cat_model_close(m);
    return failed ? 1 : 0;
fail:   /* a malformed reference file: nothing leaks on the way out */
    free(tok);
    free(buf);
    cat_model_close(m);
    return 1;
}
