/* cat-ppl: mean next-token loss and perplexity over windows of a text.
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
#include <unistd.h>
#include "util.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: cat-ppl MODEL (--text FILE | --ids FILE) [options]\n"
        "\n"
        "Scores a text: window w feeds tokens [wW, wW+W) as a fresh context and scores\n"
        "each position's prediction of the next token (targets [wW+1, wW+W]); the tail\n"
        "that does not fill a window is ignored. With --stride S the windows overlap:\n"
        "window w feeds [wS, wS+W) and only its last S predictions are scored (targets\n"
        "[wS+W-S+1, wS+W]), so every scored token has at least W-S tokens of context, as\n"
        "llama-perplexity --ppl-stride does. Prints the mean loss (nats per token) and the\n"
        "perplexity: 'loss L ppl P tokens N' (with --all-chunks one such line per chunk\n"
        "size, each beginning 'chunk C'). Progress goes to stderr.\n"
        "\n"
        "options:\n"
        "  --text FILE       UTF-8 text, tokenized with the model's tokenizer\n"
        "  --ids FILE        token ids, little-endian int32\n"
        "  --window W        window length (default: the model's block size)\n"
        "  --stride S        overlapping windows, S tokens apart, each scoring its last S\n"
        "                    predictions (1 <= S <= W; S = W is the default scoring)\n"
        "  --chunk C         adaptive CAT: test-time chunk size (default: the largest)\n"
        "  --all-chunks      adaptive CAT: every chunk size 1, 2, 4, ... up to the largest\n"
        "  --kv-type T       KV-cache entries: f32 (default), bf16 or q8\n"
        "  --kv-budget SIZE  KV-cache bytes allowed for a window (K, M, G = 1024-based):\n"
        "                    an adaptive CAT takes the smallest chunk size that fits\n"
        "  -t, --threads N   OpenMP threads (default: all)\n"
        "      --json        one JSON object: model, window, stride, tokens scored and per\n"
        "                    chunk size its loss and perplexity\n"
        "      --version     print the version and exit\n"
        "  -h, --help        this text\n");
}

static const char *const known_options[] = {"--text", "--ids", "--window", "--stride", "--chunk", "--all-chunks", "--kv-type", "--kv-budget", "-t", "--threads", "--json",
                                            "--version", "-h", "--help", NULL};

/* windows of W tokens, S apart, whose last target (at wS + W) exists */
static size_t n_windows(size_t n, int W, int S) { return n < (size_t)W + 1 ? 0 : (n - 1 - (size_t)W) / (size_t)S + 1; }

/* loss over all windows at one chunk size; returns 0 on success */
static int score(const cat_model *m, int32_t chunk, cat_dtype kt, int threads, const int32_t *ids, size_t n, int W, int S, double *loss, long *count) {
    const cat_config *cfg = cat_model_config(m);
    const int PV = cfg->padded_vocab;
    cat_session_params sp;
    cat_session *s = NULL;
    size_t nwin = n_windows(n, W, S), w;
    int nb, tty = isatty(2);
    float *lg = NULL;
    double total = 0, t0 = util_now();
    cat_result r;
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = chunk;
    sp.max_context = W;
    sp.n_threads = threads;
    sp.kv_type = kt;
    r = cat_session_open(m, &sp, &s);
    if (r) { fprintf(stderr, "cat-ppl: cannot open a session: %s\n", cat_result_string(r)); return 1; }
    nb = W < 512 ? W : 512;
    lg = (float *)malloc(sizeof(float) * (size_t)PV * nb);
    if (!lg) { fprintf(stderr, "cat-ppl: out of memory\n"); goto fail; }
    for (w = 0; w < nwin; w++) {
        const int32_t *in = ids + w * (size_t)S;
        int done = 0;
        cat_session_reset(s);
        if (S < W) {   /* the overlap: context only, no logits wanted */
            r = cat_session_feed(s, in, (size_t)(W - S), NULL);
            if (r) { fprintf(stderr, "cat-ppl: window %zu: %s\n", w, cat_result_string(r)); goto fail; }
            done = W - S;
        }
        while (done < W) {
            int b = W - done < nb ? W - done : nb, t, j;
            r = cat_session_feed(s, in + done, (size_t)b, lg);
            if (r) { fprintf(stderr, "cat-ppl: window %zu: %s\n", w, cat_result_string(r)); goto fail; }
            for (t = 0; t < b; t++) {
                const float *row = lg + (size_t)t * PV;
                int32_t target = in[done + t + 1];
                double mx = row[0], se = 0;
                for (j = 1; j < PV; j++) if (row[j] > mx) mx = row[j];
                for (j = 0; j < PV; j++) se += exp((double)row[j] - mx);
                se = (mx + log(se)) - (double)row[target];
                /* NaN or Inf anywhere in the row makes the term non-finite */
                if (se - se != 0) {
                    fprintf(stderr, "cat-ppl: window %zu, token %d: %s\n", w, done + t, cat_result_string(CAT_ERR_NONFINITE));
                    goto fail;
                }
                total += se;
            }
            done += b;
        }
        if (tty || w + 1 == nwin || (w + 1) % 10 == 0) {
            double el = util_now() - t0;
            fprintf(stderr, "%schunk %d: window %zu/%zu, loss so far %.4f, %.0f tok/s%s", tty ? "\r" : "", chunk, w + 1, nwin,
                    total / ((double)(w + 1) * S), (double)(w + 1) * W / (el > 0 ? el : 1e-9), tty && w + 1 < nwin ? "" : "\n");
        }
    }
    free(lg);
    cat_session_close(s);
    *loss = total / ((double)nwin * S);
    *count = (long)(nwin * (size_t)S);
    return 0;
fail:
    free(lg);
    cat_session_close(s);
    return 1;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *text = NULL, *idsf = NULL;
    long W = 0, S = 0, chunk = 0, threads = 0;
    int all = 0, json = 0, i, kv_type = 0;
    uint64_t kv_budget = 0;
    cat_model *m;
    char err[512];
    const cat_config *cfg;
    int32_t *ids = NULL;
    unsigned char *b = NULL;
    size_t n = 0;
    cat_result r;
    int status = 1;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--version")) { cli_version("cat-ppl"); return 0; }
        else if (!strcmp(a, "--all-chunks")) all = 1;
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--kv-type") || !strcmp(a, "--kv-budget")) {
            if (!v) { fprintf(stderr, "cat-ppl: %s needs a value (try --help)\n", a); return 2; }
            i++;
            if (!strcmp(a, "--kv-type") && (kv_type = util_kv_type(v)) < 0) { fprintf(stderr, "cat-ppl: --kv-type takes f32, bf16 or q8, got '%s'\n", v); return 2; }
            if (!strcmp(a, "--kv-budget") && util_parse_size(v, &kv_budget)) { fprintf(stderr, "cat-ppl: --kv-budget needs a size such as 64M, 2G or 100000 (K, M, G = 1024-based), got '%s'\n", v); return 2; }
        }
        else if (!strcmp(a, "--text") || !strcmp(a, "--ids") || !strcmp(a, "--window") || !strcmp(a, "--stride") || !strcmp(a, "--chunk") || !strcmp(a, "-t") || !strcmp(a, "--threads")) {
            if (!v) { fprintf(stderr, "cat-ppl: %s needs a value (try --help)\n", a); return 2; }
            i++;
            if (!strcmp(a, "--text")) text = v;
            else if (!strcmp(a, "--ids")) idsf = v;
            else {
                long x = strtol(v, &end, 10);
                if (!*v || *end || x < 1 || x > (1 << 24)) { fprintf(stderr, "cat-ppl: %s needs a positive whole number, got '%s'\n", a, v); return 2; }
                if (!strcmp(a, "--window")) W = x; else if (!strcmp(a, "--stride")) S = x; else if (!strcmp(a, "--chunk")) chunk = x; else threads = x;
            }
        } else if (a[0] == '-' && a[1]) return cli_unknown("cat-ppl", a, known_options);
        else if (!model_path) model_path = a;
        else { fprintf(stderr, "cat-ppl: unexpected argument '%s' (try --help)\n", a); return 2; }
    }
    if (!model_path || (!text && !idsf) || (text && idsf)) { usage(stderr); return 2; }
    if (all && chunk) { fprintf(stderr, "cat-ppl: give --chunk or --all-chunks, not both\n"); return 2; }
    r = cat_model_open(model_path, &m, err, sizeof err);
    if (r) { fprintf(stderr, "cat-ppl: %s: %s\n", model_path, err); return 1; }
    /* from here on every exit goes through done: (nothing leaks on errors) */
    cfg = cat_model_config(m);
    if ((chunk || all) && cfg->family != CAT_FAMILY_CAT_ADAPTIVE) {
        fprintf(stderr, "cat-ppl: --chunk and --all-chunks apply to adaptive CATs; this model is %s\n", cat_family_name(cfg->family));
        status = 2; goto done;
    }
    if (chunk && !cat_model_chunk_ok(m, (int32_t)chunk)) { fprintf(stderr, "cat-ppl: --chunk %ld: this model takes a power of two from 1 to %d\n", chunk, cfg->chunk_size); status = 2; goto done; }
    if (!W) W = cfg->block_size;
    if (W > cfg->block_size) { fprintf(stderr, "cat-ppl: --window %ld exceeds the model's block size %d\n", W, cfg->block_size); status = 2; goto done; }
    if (S > W) { fprintf(stderr, "cat-ppl: --stride %ld exceeds the window %ld\n", S, W); status = 2; goto done; }
    if (!S) S = W;
    if (kv_budget) {
        int32_t c = (int32_t)chunk;
        size_t need;
        if (all) { fprintf(stderr, "cat-ppl: give --kv-budget or --all-chunks, not both\n"); status = 2; goto done; }
        r = cat_model_fit_budget(m, kv_budget, (int32_t)W, 1, (cat_dtype)kv_type, &c, &need);
        if (r == CAT_ERR_BUDGET) {
            fprintf(stderr, "cat-ppl: --kv-budget %llu bytes is too small for the KV cache of a %ld-token window (kv-type %s): the smallest budget that fits is %zu bytes (chunk %d)\n",
                    (unsigned long long)kv_budget, W, cat_dtype_name((cat_dtype)kv_type), need, c);
            goto done;
        }
        if (r) { fprintf(stderr, "cat-ppl: --kv-budget: %s\n", cat_result_string(r)); goto done; }
        fprintf(stderr, "kv budget: chunk %d, %zu bytes\n", c, need);
        if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE) chunk = c;
    }
    if (idsf) {
        size_t len, k;
        b = (unsigned char *)util_read_input(idsf, UTIL_LIMIT_TEXT, "token-id file", 0, &len, err, sizeof err);
        if (!b) { fprintf(stderr, "cat-ppl: %s\n", err); goto done; }
        if (len % 4) { fprintf(stderr, "cat-ppl: '%s' has %zu bytes, not a whole number of int32 ids\n", idsf, len); goto done; }
        n = len / 4;
        ids = (int32_t *)malloc(sizeof(int32_t) * (n ? n : 1));
        if (!ids) { fprintf(stderr, "cat-ppl: out of memory\n"); goto done; }
        for (k = 0; k < n; k++) ids[k] = (int32_t)((uint32_t)b[4 * k] | ((uint32_t)b[4 * k + 1] << 8) | ((uint32_t)b[4 * k + 2] << 16) | ((uint32_t)b[4 * k + 3] << 24));
        free(b); b = NULL;
    } else {
        size_t len;
        const cat_tokenizer *tok = cat_model_tokenizer(m);
        b = (unsigned char *)util_read_input(text, UTIL_LIMIT_TEXT, "text file", 0, &len, err, sizeof err);
        if (!b) { fprintf(stderr, "cat-ppl: %s\n", err); goto done; }
        if (!tok) { fprintf(stderr, "cat-ppl: %s holds no tokenizer; use --ids or convert with --tokenizer\n", model_path); goto done; }
        ids = (int32_t *)malloc(sizeof(int32_t) * (len + 1));
        if (!ids) { fprintf(stderr, "cat-ppl: out of memory\n"); goto done; }
        r = cat_tokenizer_encode(tok, (const char *)b, len, ids, len + 1, &n);
        if (r) { fprintf(stderr, "cat-ppl: cannot tokenize '%s': %s\n", text, cat_result_string(r)); goto done; }
        free(b); b = NULL;
    }
    {
        size_t k;
        for (k = 0; k < n; k++) if (ids[k] < 0 || ids[k] >= cfg->padded_vocab) {
            fprintf(stderr, "cat-ppl: token %zu has id %d, outside the model's vocabulary 0..%d\n", k, ids[k], cfg->padded_vocab - 1);
            goto done;
        }
    }
    if (n < (size_t)W + 1) { fprintf(stderr, "cat-ppl: %zu tokens do not fill one window of %ld (+1 target)\n", n, W); goto done; }
    {
        int32_t c, cs[32];
        double loss[32];
        long cnt[32];
        int k, nc = 0;
        if (all) for (c = 1; c <= cfg->chunk_size; c *= 2) cs[nc++] = c;
        else cs[nc++] = (int32_t)chunk;
        for (k = 0; k < nc; k++) if (score(m, cs[k], (cat_dtype)kv_type, (int)threads, ids, n, (int)W, (int)S, &loss[k], &cnt[k])) goto done;
        if (json) {
            printf("{\"model\": \"");
            for (k = 0; model_path[k]; k++) {   /* a JSON string: escape what must be */
                unsigned char ch = (unsigned char)model_path[k];
                if (ch == '"' || ch == '\\') printf("\\%c", ch); else if (ch < 0x20) printf("\\u%04x", ch); else putchar(ch);
            }
            printf("\", \"family\": \"%s\", \"window\": %ld, \"stride\": %ld, \"tokens\": %ld, \"results\": [", cat_family_name(cfg->family), W, S, cnt[0]);
            for (k = 0; k < nc; k++)   /* chunk: the one in use (the model's when not given; 0 for dense) */
                printf("%s{\"chunk\": %d, \"loss\": %.6f, \"ppl\": %.4f}", k ? ", " : "", cs[k] ? cs[k] : cfg->family == CAT_FAMILY_DENSE ? 0 : cfg->chunk_size,
                       loss[k], exp(loss[k]));
            printf("]}\n");
        } else if (all) {
            for (k = 0; k < nc; k++) printf("chunk %d loss %.6f ppl %.4f tokens %ld\n", cs[k], loss[k], exp(loss[k]), cnt[k]);
        } else printf("loss %.6f ppl %.4f tokens %ld\n", loss[0], exp(loss[0]), cnt[0]);
    }
    status = 0;
done:
    free(b);
    free(ids);
    cat_model_close(m);
    return status;
}
