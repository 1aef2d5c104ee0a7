/* cat-bench: prefill and decode speed, KV-cache and model bytes, CAT against a
   dense peer, and memory bandwidth, measured in one process.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 199309L
#ifndef CAT_LINKED   /* the Makefile links one compiled implementation (build/cat_impl.o) into every tool */
#define CAT_IMPLEMENTATION
#endif
#include "../cat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "util.h"
#include "cli.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

static void usage(FILE *f) {
    fprintf(f,
        "usage: cat-bench MODEL [options]\n"
        "\n"
        "Measures a model file (make paper-scale ones with `cat-convert random`): prefill\n"
        "tokens/s, decode tokens/s at a context length, the KV-cache bytes per sequence,\n"
        "the model bytes, and decode as GB/s of weights + cache read, next to the machine's\n"
        "read bandwidth measured in the same process, and prefill as GFLOP/s counted as\n"
        "2 x parameters x tokens over the matrices each token passes through (lookup\n"
        "tables aside; the output head once, for the last token). Each figure is the median of --reps runs. The decode\n"
        "runs of every batch size and of the --peer alternate, and each ratio (\"vs bN\":\n"
        "decode tokens/s against the first batch size; \"vs dense\": against the peer;\n"
        "JSON batch_speedup and decode_ratio) is the median of the ratios of runs made\n"
        "in the same round.\n"
        "\n"
        "options:\n"
        "  --peer MODEL        a dense model to compare with at equal context\n"
        "  --context L,...     contexts for decode (default 512; capped at the block size)\n"
        "  --chunk C,...       adaptive CAT: test-time chunk sizes (default: the largest)\n"
        "  --threads T,...     OpenMP threads (default: all)\n"
        "  --batch B,...       sequences decoded together (default 1)\n"
        "  --kv-type T         KV-cache entries of the model and the peer: f32 (default),\n"
        "                      bf16 or q8\n"
        "  --prefill N         prompt tokens for the prefill figure (default 512)\n"
        "  --decode N          decode steps per run (default 64); the sequences are filled\n"
        "                      once to context - reps * N tokens, then each run decodes N\n"
        "  --reps R            runs per figure, median reported (default 5)\n"
        "  --no-bandwidth      skip the memory-bandwidth measurement\n"
        "  --no-mmap           read the model files into memory instead of mapping them\n"
        "                      (cat_model_load; llama.cpp's --no-mmap / llama-bench -mmp 0)\n"
        "  --json              one JSON object per row instead of the table\n"
        "  --paper             the paper's protocol (benchmark.py of the reference) instead:\n"
        "                      for each batch size, every sequence starts from a random\n"
        "                      prompt of --prompt tokens (default: the chunk size, 8 for\n"
        "                      dense) and generates greedily up to the context (default:\n"
        "                      the block size); reports the latency of the whole\n"
        "                      generation, tokens/s over the batch, and memory. One JSON\n"
        "                      line per batch size; run one batch size per process for a\n"
        "                      clean peak RSS (tools/paper.sh does)\n"
        "  --prompt N          --paper: prompt tokens\n"
        "  --mem-budget SIZE   --paper: also report the largest batch whose total memory\n"
        "                      (weights + session) at the context fits SIZE (K, M, G)\n"
        "  --reps 0            --paper: sizes only (nothing allocated, nothing run)\n"
        "\n"
        "  --version           print the version and exit\n"
        "  -h, --help          this text\n"
        "\n"
        "A figure that was not measured (--no-bandwidth, or a run that failed) prints as\n"
        "n/a, and as null in JSON.\n"
        "\n"
        "Memory columns: total = weights + the session's allocation (KV cache for the\n"
        "whole context + scratch), per row; rss = the process's peak resident set so far\n"
        "(getrusage), which also covers earlier rows and the bandwidth array.\n");
}

static const char *const known_options[] = {"--peer", "--context", "--chunk", "--threads", "--batch", "--prefill", "--decode", "--reps",
                                            "--no-bandwidth", "--no-mmap", "--json", "--kv-type", "--paper", "--prompt", "--mem-budget",
                                            "--version", "-h", "--help", NULL};

/* unmeasured figures are NAN: "n/a" in the table, null in JSON */
static const char *fig(char *buf, size_t n, const char *fmt, double v) {
    if (v != v) snprintf(buf, n, "n/a");
    else snprintf(buf, n, fmt, v);
    return buf;
}
static void json_fig(const char *key, const char *fmt, double v) {
    printf(", \"%s\": ", key);
    if (v != v) printf("null"); else printf(fmt, v);
}

static int parse_list(const char *s, int *out, int cap) {
    int n = 0;
    while (*s && n < cap) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > (1 << 24)) return -1;
        out[n++] = (int)v;
        s = end;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

/* peak resident set of this process, bytes */
static size_t peak_rss(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
#if defined(__APPLE__)
    return (size_t)ru.ru_maxrss;
#else
    return (size_t)ru.ru_maxrss * 1024;
#endif
}

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
/* NAN when a run was not measured */
static double median(double *v, int n) {
    int i;
    for (i = 0; i < n; i++) if (v[i] != v[i]) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* read bandwidth: sum a 1 GiB array, best of 3 */
static double bandwidth(int threads) {
    const size_t n = (size_t)1 << 28;
    float *a = (float *)malloc(n * sizeof(float));
    double best = 0;
    int rep;
    size_t i;
    if (!a) return NAN;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads)
#endif
    for (i = 0; i < n; i++) a[i] = (float)(i & 7);
    for (rep = 0; rep < 3; rep++) {
        double t0 = util_now(), t, total = 0;
        long long k;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) reduction(+ : total)
#endif
        for (k = 0; k < (long long)n / 65536; k++) {
            const float *p = a + (size_t)k * 65536;
#if defined(__AVX512F__)
            /* four independent vector sums: a pure streaming read */
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            int q;
            for (q = 0; q < 65536; q += 64) {
                s0 = _mm512_add_ps(s0, _mm512_loadu_ps(p + q)); s1 = _mm512_add_ps(s1, _mm512_loadu_ps(p + q + 16));
                s2 = _mm512_add_ps(s2, _mm512_loadu_ps(p + q + 32)); s3 = _mm512_add_ps(s3, _mm512_loadu_ps(p + q + 48));
            }
            total += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
#else
            float acc[32];
            int j, q;
            for (j = 0; j < 32; j++) acc[j] = 0;
            for (q = 0; q < 65536; q += 32) for (j = 0; j < 32; j++) acc[j] += p[q + j];
            for (j = 1; j < 32; j++) acc[0] += acc[j];
            total += acc[0];
#endif
        }
        t = util_now() - t0;
        if (total < 0) printf("?");
        if ((double)n * 4 / t > best) best = (double)n * 4 / t;
    }
    (void)threads;
    free(a);
    return best / 1e9;
}

/* bytes a decode step reads besides the KV cache: every matrix except the
   embedding-like tables (one row each); the compressor once per chunk */
static double weight_bytes_per_token(const cat_model *m, int chunk) {
    int i, n = cat_model_tensor_count(m);
    double total = 0;
    for (i = 0; i < n; i++) {
        const char *name = ""; uint64_t nb = 0;
        cat_model_tensor_info(m, i, &name, NULL, NULL, NULL, NULL, &nb);
        if (strstr(name, "wte.") || strstr(name, "pos_tokens") || strstr(name, "adaptive_token") || strstr(name, "dummy_fx") || strstr(name, "seperator")) continue;
        if (!strncmp(name, "f.", 2)) total += (double)nb / (chunk > 0 ? chunk : 1);
        else total += (double)nb;
    }
    return total;
}

static const char *dtype_of(const cat_model *m) {
    int i, n = cat_model_tensor_count(m);
    for (i = 0; i < n; i++) {
        const char *name = ""; cat_dtype dt = CAT_DTYPE_F32; int nd = 0;
        cat_model_tensor_info(m, i, &name, &dt, &nd, NULL, NULL, NULL);
        if (nd == 2 && strstr(name, "wqkv")) return cat_dtype_name(dt);
    }
    return "f32";
}

/* FLOPs of a prefill of n tokens, counted as 2 x parameters x tokens over the
   matrices every token passes through (decoder and compressor), plus the
   output head once (a prompt's logits are those of its last token). Lookup
   tables (embeddings, learned positions) cost no multiplications. */
static double prefill_flops(const cat_model *m, int n) {
    int i, nt = cat_model_tensor_count(m);
    double per_token = 0, once = 0;
    for (i = 0; i < nt; i++) {
        const char *name = ""; int nd = 0; int64_t dims[4];
        double e = 1;
        int k;
        cat_model_tensor_info(m, i, &name, NULL, &nd, dims, NULL, NULL);
        for (k = 0; k < nd; k++) e *= (double)dims[k];
        if (strstr(name, "wte.") || strstr(name, "pos_tokens") || strstr(name, "adaptive_token") || strstr(name, "dummy_fx") || strstr(name, "seperator")) continue;
        if (!strncmp(name, "output.", 7)) once += e;
        else per_token += e;
    }
    return 2.0 * (per_token * n + once);
}

/* GFLOP/s of a prefill of n tokens (capped at the block size, as prefill_tps) at tps tokens/s */
static double prefill_gflops(const cat_model *m, int n, double tps) {
    const int bs = cat_model_config(m)->block_size;
    if (n > bs) n = bs;
    return n > 0 ? prefill_flops(m, n) / n * tps / 1e9 : NAN;
}

/* the KV-cache type of every session (--kv-type) */
static cat_dtype kv_type = CAT_DTYPE_F32;

/* prefill tokens/s of n tokens into a single-sequence session that has held
   the same prompt once before (its memory mapped, the weights' pages touched):
   the steady state of a program that serves one prompt after another */
static double prefill_tps(const cat_model *m, int chunk, int threads, int n) {
    const cat_config *cfg = cat_model_config(m);
    cat_session_params sp;
    cat_session *s;
    int32_t *tok;
    int i;
    double t0, t1;
    if (n > cfg->block_size) n = cfg->block_size;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.n_threads = threads; sp.max_context = n; sp.kv_type = kv_type;
    if (cat_session_open(m, &sp, &s)) return NAN;
    tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    if (!tok) { cat_session_close(s); return NAN; }
    for (i = 0; i < n; i++) tok[i] = (int32_t)((i * 7919u + 13u) % (unsigned)cfg->vocab_size);
    if (cat_session_feed(s, tok, (size_t)n, NULL)) { cat_session_close(s); free(tok); return NAN; }
    cat_session_reset(s);
    t0 = util_now();
    if (cat_session_feed(s, tok, (size_t)n, NULL)) { cat_session_close(s); free(tok); return NAN; }
    t1 = util_now();
    cat_session_close(s);
    free(tok);
    return n / (t1 - t0);
}

/* batch sequences filled to `start` tokens, ready for decode steps */
typedef struct { double prefill_tps, decode_tps; size_t kv, session, scratch; } result;
typedef struct { cat_session *s; int32_t *seq, *tok; int batch, pos, ctx; } decoder;

static int dec_open(decoder *d, const cat_model *m, int chunk, int threads, int batch, int start, int ctx) {
    const cat_config *cfg = cat_model_config(m);
    cat_session_params sp;
    int b, i, n;
    memset(d, 0, sizeof *d);
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.n_threads = threads; sp.max_context = ctx; sp.n_seq = batch; sp.kv_type = kv_type;
    if (cat_session_open(m, &sp, &d->s)) return 1;
    d->batch = batch; d->pos = start; d->ctx = ctx;
    n = start > 1 ? start : 1;
    d->seq = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    d->tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    for (b = 0; b < batch; b++) {
        for (i = 0; i < start; i++) { d->seq[i] = b; d->tok[i] = (int32_t)(((i + 31 * b) * 7919u + 13u) % (unsigned)cfg->vocab_size); }
        if (start && cat_session_feed_multi(d->s, d->seq, d->tok, (size_t)start, NULL)) return 1;
    }
    for (b = 0; b < batch; b++) { d->seq[b % n] = b; }
    return 0;
}

/* steps decode steps of every sequence; returns tokens/s */
static double dec_run(decoder *d, int steps) {
    int i, b;
    double t0 = util_now();
    int32_t *seq = (int32_t *)malloc(sizeof(int32_t) * (size_t)d->batch), *tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)d->batch);
    for (b = 0; b < d->batch; b++) seq[b] = b;
    for (i = 0; i < steps && d->pos < d->ctx; i++, d->pos++) {
        for (b = 0; b < d->batch; b++) tok[b] = (int32_t)((d->pos * 131 + b * 17) % 97);
        if (cat_session_feed_multi(d->s, seq, tok, (size_t)d->batch, NULL)) { free(seq); free(tok); return NAN; }
    }
    free(seq); free(tok);
    return i ? (double)i * d->batch / (util_now() - t0) : NAN;
}
static void dec_close(decoder *d) { cat_session_close(d->s); free(d->seq); free(d->tok); }

/* ---- the paper's protocol (benchmark.py) --------------------------------- */

/* bytes a session of B sequences decoded together allocates (measured by the
   library without allocating) */
static size_t session_bytes_for(const cat_model *m, int chunk, int ctx, int B) {
    cat_session_params sp;
    size_t b = 0;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk; sp.max_context = ctx; sp.n_seq = B; sp.kv_type = kv_type;
    return cat_session_bytes(m, &sp, &b) ? 0 : b;
}

/* the largest batch whose weights + session fit budget bytes (0 if none) */
static int max_batch_within(const cat_model *m, int chunk, int ctx, uint64_t budget, size_t *total) {
    int lo = 0, hi = 4096;   /* the library's limit on sequences */
    const size_t w = cat_model_weight_bytes(m);
    *total = 0;
    while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        const size_t b = session_bytes_for(m, chunk, ctx, mid);
        if (b && w + b <= budget) { lo = mid; *total = w + b; } else hi = mid - 1;
    }
    return lo;
}

/* batch sequences each start from `prompt` random tokens and generate greedily
   until ctx tokens; returns the seconds taken (prompt + generation), -1 on error */
static double paper_run(cat_session *s, const cat_model *m, int batch, int prompt, int ctx, uint64_t seed) {
    const cat_config *cfg = cat_model_config(m);
    int32_t *seq = (int32_t *)malloc(sizeof(int32_t) * (size_t)batch * (size_t)prompt);
    int32_t *tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)batch * (size_t)prompt);
    const int ids = cfg->vocab_size < 1000 ? cfg->vocab_size : 1000;   /* as benchmark.py: randint(0, 1000) */
    int b, i, pos;
    double t0, t;
    if (!seq || !tok) { free(seq); free(tok); return -1; }
    cat_session_reset(s);
    for (b = 0; b < batch; b++) for (i = 0; i < prompt; i++) {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
        seq[b * prompt + i] = b; tok[b * prompt + i] = (int32_t)(seed % (uint64_t)ids);
    }
    t0 = util_now();
    if (cat_session_feed_multi(s, seq, tok, (size_t)batch * prompt, NULL)) { free(seq); free(tok); return -1; }
    for (b = 0; b < batch; b++) seq[b] = b;
    for (pos = prompt; pos < ctx; pos++) {
        for (b = 0; b < batch; b++) tok[b] = cat_argmax(cat_session_seq_logits(s, b), cfg->vocab_size);
        if (cat_session_feed_multi(s, seq, tok, (size_t)batch, NULL)) { free(seq); free(tok); return -1; }
    }
    t = util_now() - t0;
    free(seq); free(tok);
    return t;
}

static int paper(const cat_model *m, const int *chunks, int nchunk, int threads, const int *batches, int nbat, int ctx_req, int prompt_req,
                 int reps, uint64_t budget) {
    const cat_config *cfg = cat_model_config(m);
    int ci, bi, r;
    if (cfg->family != CAT_FAMILY_CAT_ADAPTIVE) nchunk = 1;
    for (ci = 0; ci < nchunk; ci++) for (bi = 0; bi < nbat; bi++) {
        const int c = cfg->family == CAT_FAMILY_DENSE ? 0 : chunks[ci] ? chunks[ci] : cfg->chunk_size;
        const int ctx = ctx_req && ctx_req < cfg->block_size ? ctx_req : cfg->block_size;
        const int prompt = prompt_req ? prompt_req : c ? c : 8, B = batches[bi];
        cat_session_params sp;
        cat_session *s;
        double lat[64], t;
        size_t total = 0;
        int maxb = 0;
        if (prompt >= ctx) { fprintf(stderr, "cat-bench: --prompt %d leaves nothing to generate within %d tokens\n", prompt, ctx); return 1; }
        memset(&sp, 0, sizeof sp);
        sp.chunk_size = cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? c : 0; sp.max_context = ctx; sp.n_seq = B; sp.n_threads = threads; sp.kv_type = kv_type;
        if (reps == 0) {   /* sizes only: nothing allocated, nothing run */
            const size_t sb = session_bytes_for(m, sp.chunk_size, ctx, B);
            if (budget) maxb = max_batch_within(m, sp.chunk_size, ctx, budget, &total);
            printf("{\"protocol\": \"paper\", \"family\": \"%s\", \"chunk\": %d, \"dtype\": \"%s\", \"kv_type\": \"%s\", \"batch\": %d, \"context\": %d, "
                   "\"weight_bytes\": %zu, \"kv_bytes\": %zu, \"session_bytes\": %zu, \"total_bytes\": %zu",
                   cat_family_name(cfg->family), c, dtype_of(m), cat_dtype_name(kv_type), B, ctx, cat_model_weight_bytes(m),
                   cat_model_kv_bytes(m, sp.chunk_size, ctx, B, kv_type), sb, cat_model_weight_bytes(m) + sb);
            if (budget) printf(", \"budget_bytes\": %llu, \"max_batch\": %d, \"max_batch_total_bytes\": %zu", (unsigned long long)budget, maxb, total);
            printf("}\n");
            continue;
        }
        if (cat_session_open(m, &sp, &s)) { fprintf(stderr, "cat-bench: cannot open a session of %d sequences (memory?)\n", B); return 1; }
        /* warm-up: the prompt and one chunk (the weights' pages touched) */
        if (paper_run(s, m, B, prompt, prompt + (c ? c : 8) < ctx ? prompt + (c ? c : 8) : ctx, 1) < 0) { fprintf(stderr, "cat-bench: generation failed\n"); return 1; }
        for (r = 0; r < reps && r < 64; r++) {
            if ((t = paper_run(s, m, B, prompt, ctx, 0x9E3779B97F4A7C15ull * (uint64_t)(r + 2))) < 0) { fprintf(stderr, "cat-bench: generation failed\n"); return 1; }
            lat[r] = t;
        }
        t = median(lat, r);
        if (budget) maxb = max_batch_within(m, sp.chunk_size, ctx, budget, &total);
        printf("{\"protocol\": \"paper\", \"family\": \"%s\", \"chunk\": %d, \"dtype\": \"%s\", \"kv_type\": \"%s\", \"threads\": %d, \"batch\": %d, "
               "\"context\": %d, \"prompt\": %d, \"generated\": %d, \"runs\": %d, \"latency_s\": %.4f, \"tokens_per_s\": %.2f, "
               "\"weight_bytes\": %zu, \"kv_bytes\": %zu, \"session_bytes\": %zu, \"scratch_bytes\": %zu, \"total_bytes\": %zu, \"peak_rss\": %zu",
               cat_family_name(cfg->family), c, dtype_of(m), cat_dtype_name(kv_type), threads, B, ctx, prompt, ctx - prompt, r, t,
               (double)B * (ctx - prompt) / t, cat_model_weight_bytes(m), (size_t)B * cat_session_kv_bytes_at(s, ctx), cat_session_memory(s),
               cat_session_scratch_bytes(s), cat_model_weight_bytes(m) + cat_session_memory(s), peak_rss());
        if (budget) printf(", \"budget_bytes\": %llu, \"max_batch\": %d, \"max_batch_total_bytes\": %zu", (unsigned long long)budget, maxb, total);
        printf("}\n");
        fflush(stdout);
        cat_session_close(s);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *path = NULL, *peer_path = NULL;
    int ctxs[32] = { 512 }, nctx = 1, chunks[32] = { 0 }, nchunk = 1, threads[32] = { 0 }, nthr = 1, batches[32] = { 1 }, nbat = 1;
    int prefill = 512, dec = 64, reps = 5, json = 0, bw = 1, no_mmap = 0, i, paper_mode = 0, prompt = 0, reps_set = 0, ctx_set = 0;
    uint64_t mem_budget = 0;
    cat_model *m, *peer = NULL;
    char err[512];
    double bws[64];
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int *lst = NULL, *cnt = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--version")) { cli_version("cat-bench"); return 0; }
        else if (!strcmp(a, "--json")) { json = 1; continue; }
        else if (!strcmp(a, "--no-bandwidth")) { bw = 0; continue; }
        else if (!strcmp(a, "--no-mmap")) { no_mmap = 1; continue; }
        else if (!strcmp(a, "--paper")) { paper_mode = 1; continue; }
        if (a[0] == '-' && a[1] && !cli_known(a, known_options)) return cli_unknown("cat-bench", a, known_options);
        if (a[0] == '-' && !v) { fprintf(stderr, "cat-bench: %s needs a value (try --help)\n", a); return 2; }
        if (!strcmp(a, "--peer")) { peer_path = v; i++; continue; }
        if (!strcmp(a, "--mem-budget")) {
            if (util_parse_size(v, &mem_budget)) { fprintf(stderr, "cat-bench: --mem-budget needs a size such as 8G, got '%s'\n", v); return 2; }
            i++; continue;
        }
        if (!strcmp(a, "--kv-type")) {
            int t = util_kv_type(v);
            if (t < 0) { fprintf(stderr, "cat-bench: --kv-type takes f32, bf16 or q8, got '%s'\n", v); return 2; }
            kv_type = (cat_dtype)t; i++; continue;
        }
        else if (!strcmp(a, "--context")) { lst = ctxs; cnt = &nctx; ctx_set = 1; }
        else if (!strcmp(a, "--chunk")) { lst = chunks; cnt = &nchunk; }
        else if (!strcmp(a, "--threads")) { lst = threads; cnt = &nthr; }
        else if (!strcmp(a, "--batch")) { lst = batches; cnt = &nbat; }
        else if (!strcmp(a, "--reps") && !strcmp(v, "0")) { reps = 0; reps_set = 1; i++; continue; }
        else if (!strcmp(a, "--prefill") || !strcmp(a, "--decode") || !strcmp(a, "--reps") || !strcmp(a, "--prompt")) {
            int x[1];
            if (parse_list(v, x, 1) != 1) { fprintf(stderr, "cat-bench: %s needs a positive number, got '%s'\n", a, v); return 2; }
            if (!strcmp(a, "--prefill")) prefill = x[0]; else if (!strcmp(a, "--decode")) dec = x[0];
            else if (!strcmp(a, "--prompt")) prompt = x[0]; else { reps = x[0]; reps_set = 1; }
            i++; continue;
        } else if (a[0] == '-') return cli_unknown("cat-bench", a, known_options);
        else if (!path) { path = a; continue; }
        else { fprintf(stderr, "cat-bench: unexpected argument '%s'\n", a); return 2; }
        if ((*cnt = parse_list(v, lst, 32)) < 1) { fprintf(stderr, "cat-bench: %s needs a comma-separated list of positive numbers, got '%s'\n", a, v); return 2; }
        i++;
    }
    if (!path) { usage(stderr); return 2; }
    if ((no_mmap ? cat_model_load : cat_model_open)(path, &m, err, sizeof err)) { fprintf(stderr, "cat-bench: %s: %s\n", path, err); return 1; }
    if (peer_path) {
        if ((no_mmap ? cat_model_load : cat_model_open)(peer_path, &peer, err, sizeof err)) { fprintf(stderr, "cat-bench: %s: %s\n", peer_path, err); return 1; }
        if (cat_model_config(peer)->family != CAT_FAMILY_DENSE) fprintf(stderr, "cat-bench: note: the peer %s is not a dense model\n", peer_path);
    }
    for (i = 0; i < nchunk; i++) if (chunks[i] && !cat_model_chunk_ok(m, chunks[i])) { fprintf(stderr, "cat-bench: chunk %d does not suit %s\n", chunks[i], path); return 2; }
    if (!paper_mode && reps == 0) { fprintf(stderr, "cat-bench: --reps 0 goes with --paper\n"); return 2; }
    if (paper_mode) {
        int rc;
        if (nthr > 1 || nctx > 1) { fprintf(stderr, "cat-bench: --paper takes one --threads and one --context\n"); return 2; }
        rc = paper(m, chunks, nchunk, threads[0], batches, nbat, ctx_set ? ctxs[0] : 0, prompt, reps_set ? reps : 1, mem_budget);
        cat_model_close(m);
        return rc;
    }
    for (i = 0; i < nthr; i++) {
        if (!threads[i]) {
#ifdef _OPENMP
            threads[i] = omp_get_max_threads();
#else
            threads[i] = 1;
#endif
        }
        bws[i] = bw ? bandwidth(threads[i]) : NAN;
        if (!json && bw) printf("read bandwidth, %d thread%s: %.1f GB/s (1 GiB array, best of 3)\n", threads[i], threads[i] > 1 ? "s" : "", bws[i]);
    }
    if (!json) {
#ifdef _OPENMP
        printf("kernels: %s, OpenMP\n", cat_kernels());
#else
        printf("kernels: %s, no OpenMP (one thread)\n", cat_kernels());
#endif
        printf("kv cache: %s\n", cat_dtype_name(kv_type));
        printf("%-12s %5s %4s %3s %5s %7s %11s %7s %10s %12s %12s %9s %8s %7s %6s", "family", "chunk", "dtype", "thr", "batch", "context", "prefill t/s", "GFLOP/s", "decode t/s",
               "kv bytes", "model bytes", "total MiB", "rss MiB", "GB/s", "of bw");
        if (nbat > 1) { char lab[32]; snprintf(lab, sizeof lab, "vs b%d", batches[0]); printf(" %8s", lab); }
        if (peer) printf(" %9s %9s", "vs dense", "kv ratio");
        printf("\n");
    }
    {
        int ci, ti, bi, xi, r;
        const cat_config *cfg = cat_model_config(m);
        static decoder dm[32], dp[32];
        static double dc[32][64], pdc[32][64], rat[32][64], prat[32][64];
        double pf[64], ppf[64], prefill_med = 0, pprefill_med = 0;
        for (ci = 0; ci < nchunk; ci++) for (ti = 0; ti < nthr; ti++) for (xi = 0; xi < nctx; xi++) {
            int ctx = ctxs[xi] < cfg->block_size ? ctxs[xi] : cfg->block_size, chunk = chunks[ci];
            int pctx = peer ? (ctx < cat_model_config(peer)->block_size ? ctx : cat_model_config(peer)->block_size) : 0;
            int start, dw;
            if (reps > 64) reps = 64;
            /* decode windows: every sequence of every batch size (and the peer's)
               is filled once to ctx - reps*dw tokens; then reps rounds, each
               decoding a window of dw steps with every batch size and the peer
               in turn, so that the ratios compare runs made moments apart */
            dw = dec;
            if (reps * dw > ctx - 1) dw = (ctx - 1) / reps > 0 ? (ctx - 1) / reps : 1;
            if (dw != dec && !json) printf("(context %d: %d runs of %d decode steps)\n", ctx, reps, dw);
            start = ctx - reps * dw;
            if (start < 1) start = 1;
            for (bi = 0; bi < nbat; bi++) {
                if (dec_open(&dm[bi], m, chunk, threads[ti], batches[bi], start, ctx)) { fprintf(stderr, "cat-bench: cannot set up %d sequences of the model (memory?)\n", batches[bi]); return 1; }
                if (peer && dec_open(&dp[bi], peer, 0, threads[ti], batches[bi], start, pctx)) { fprintf(stderr, "cat-bench: cannot set up %d sequences of the peer (memory?)\n", batches[bi]); return 1; }
            }
            for (r = 0; r < reps; r++) {
                for (bi = 0; bi < nbat; bi++) {
                    dc[bi][r] = dec_run(&dm[bi], dw);
                    if (peer) pdc[bi][r] = dec_run(&dp[bi], dw);
                }
                for (bi = 0; bi < nbat; bi++) { rat[bi][r] = dc[bi][r] / dc[0][r]; if (peer) prat[bi][r] = dc[bi][r] / pdc[bi][r]; }
                pf[r] = prefill_tps(m, chunk, threads[ti], prefill);
                if (peer) ppf[r] = prefill_tps(peer, 0, threads[ti], prefill);
            }
            prefill_med = median(pf, reps);
            if (peer) pprefill_med = median(ppf, reps);
            for (bi = 0; bi < nbat; bi++) {
                result res, pres;
                double bpt, gbs, bratio = median(rat[bi], reps), pratio = peer ? median(prat[bi], reps) : 0;
                int ch = chunk;
                memset(&pres, 0, sizeof pres);
                res.kv = cat_session_kv_bytes_at(dm[bi].s, ctx);
                res.session = cat_session_memory(dm[bi].s);
                res.scratch = cat_session_scratch_bytes(dm[bi].s);
                dec_close(&dm[bi]);
                if (peer) { pres.kv = cat_session_kv_bytes_at(dp[bi].s, ctx); dec_close(&dp[bi]); }
                res.prefill_tps = prefill_med; res.decode_tps = median(dc[bi], reps);
                if (peer) { pres.prefill_tps = pprefill_med; pres.decode_tps = median(pdc[bi], reps); }
                if (!ch) ch = cfg->chunk_size;
                bpt = (weight_bytes_per_token(m, ch) + (double)batches[bi] * (double)res.kv) / batches[bi];
                gbs = bpt * res.decode_tps / 1e9;
                if (json) {
                    printf("{\"family\": \"%s\", \"chunk\": %d, \"dtype\": \"%s\", \"kv_type\": \"%s\", \"threads\": %d, \"batch\": %d, \"context\": %d",
                           cat_family_name(cfg->family), cfg->family == CAT_FAMILY_DENSE ? 0 : ch, dtype_of(m), cat_dtype_name(kv_type), threads[ti], batches[bi], ctx);
                    json_fig("prefill_tps", "%.2f", res.prefill_tps);
                    json_fig("decode_tps", "%.2f", res.decode_tps);
                    printf(", \"kv_bytes\": %zu, \"model_bytes\": %zu", res.kv, cat_model_weight_bytes(m));
                    printf(", \"weight_bytes\": %zu, \"session_bytes\": %zu, \"scratch_bytes\": %zu, \"total_bytes\": %zu, \"peak_rss\": %zu",
                           cat_model_weight_bytes(m), res.session, res.scratch, cat_model_weight_bytes(m) + res.session, peak_rss());
                    json_fig("decode_gbps", "%.3f", gbs);
                    json_fig("bandwidth_gbps", "%.3f", bws[ti]);
                    json_fig("prefill_gflops", "%.2f", prefill_gflops(m, prefill, res.prefill_tps));
                    if (nbat > 1) json_fig("batch_speedup", "%.3f", bratio);
                    if (peer) {
                        json_fig("peer_decode_tps", "%.2f", pres.decode_tps);
                        printf(", \"peer_kv_bytes\": %zu", pres.kv);
                        json_fig("decode_ratio", "%.3f", pratio);
                        printf(", \"kv_ratio\": %.3f", (double)pres.kv / (double)res.kv);
                    }
                    printf("}\n");
                } else {
                    char f1[32], f2[32], f3[32], f4[32], f5[32];
                    printf("%-12s %5d %4s %3d %5d %7d %11s %7s %10s %12zu %12zu %9.1f %8.1f %7s %6s", cat_family_name(cfg->family), cfg->family == CAT_FAMILY_DENSE ? 0 : ch,
                           dtype_of(m), threads[ti], batches[bi], ctx, fig(f1, 32, "%.1f", res.prefill_tps), fig(f2, 32, "%.1f", prefill_gflops(m, prefill, res.prefill_tps)),
                           fig(f3, 32, "%.1f", res.decode_tps), res.kv, cat_model_weight_bytes(m), (double)(cat_model_weight_bytes(m) + res.session) / 1048576.0,
                           (double)peak_rss() / 1048576.0, fig(f4, 32, "%.2f", gbs), fig(f5, 32, "%.0f%%", 100.0 * gbs / bws[ti]));
                    if (nbat > 1) printf(" %8s", fig(f1, 32, "%.2fx", bratio));
                    if (peer) printf(" %9s %8.2fx", fig(f1, 32, "%.2fx", pratio), (double)pres.kv / (double)res.kv);
                    printf("\n");
                    if (peer) printf("%-12s %5s %4s %3d %5d %7d %11s %7s %10s %12zu %12zu\n", "  (peer)", "-", dtype_of(peer), threads[ti], batches[bi], ctx,
                                     fig(f1, 32, "%.1f", pres.prefill_tps), fig(f2, 32, "%.1f", prefill_gflops(peer, prefill, pres.prefill_tps)),
                                     fig(f3, 32, "%.1f", pres.decode_tps), pres.kv, cat_model_weight_bytes(peer));
                }
            }
            fflush(stdout);
        }
    }
    if (peer) cat_model_close(peer);
    cat_model_close(m);
    return 0;
}
