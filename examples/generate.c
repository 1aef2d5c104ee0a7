/* cat-generate: a prompt in, streamed text out.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 199309L
#define CAT_IMPLEMENTATION
#include "../cat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../tools/util.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: cat-generate -m MODEL [options]\n"
        "\n"
        "Generates text from a prompt with a cat.h model file (made by cat-convert with a\n"
        "tokenizer), streaming it to stdout. Speeds and the KV-cache size go to stderr.\n"
        "\n"
        "options:\n"
        "  -m, --model FILE     model file (required)\n"
        "  -p, --prompt TEXT    prompt (default: empty, i.e. start from <|endoftext|> when the\n"
        "                       tokenizer has it)\n"
        "  -f, --file FILE      read the prompt from FILE\n"
        "  -n, --n-predict N    tokens to generate (default 128)\n"
        "      --chunk C        adaptive CAT: test-time chunk size, a power of two up to the\n"
        "                       model's (default: the model's largest). Smaller chunks keep\n"
        "                       more of the past uncompressed: better text, more memory.\n"
        "      --temp T         temperature; 0 = greedy (default 0.8)\n"
        "      --top-k K        sample among the K most likely tokens (default 40; 0 = all)\n"
        "      --top-p P        ... and among the smallest set of probability P (default 0.95)\n"
        "  -s, --seed S         random seed (default: from the clock)\n"
        "  -c, --ctx N          context length (default: the model's block size)\n"
        "      --kv-type T      KV-cache entries: f32 (default), bf16 or q8 (8 bits, a scale\n"
        "                       per 32 values)\n"
        "      --kv-budget SIZE KV-cache bytes allowed at the full context -c (suffix K, M\n"
        "                       or G, 1024-based): an adaptive CAT takes the smallest chunk\n"
        "                       size that fits (unless --chunk says); prints the choice\n"
        "  -t, --threads N      OpenMP threads (default: all)\n"
        "      --ids            print token ids instead of text\n"
        "  -h, --help           this text\n"
        "\n"
        "Generation stops after N tokens, at <|endoftext|>, or when the context is full.\n");
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_int(const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) { fprintf(stderr, "cat-generate: %s needs a whole number from %ld to %ld, got '%s'\n", opt, lo, hi, v); return 0; }
    *out = x;
    return 1;
}
static int parse_float(const char *opt, const char *v, double lo, double hi, double *out) {
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= lo && x <= hi)) { fprintf(stderr, "cat-generate: %s needs a number from %g to %g, got '%s'\n", opt, lo, hi, v); return 0; }
    *out = x;
    return 1;
}

static char *read_text(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        b = (char *)malloc((size_t)n + 1);
        if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
        if (b) { b[n] = 0; *len = (size_t)n; }
    }
    fclose(f);
    return b;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *prompt = NULL, *prompt_file = NULL;
    long n_predict = 128, chunk = 0, ctx = 0, threads = 0;
    double temp = 0.8, top_p = 0.95, d;
    long top_k = 40;
    unsigned long long seed = 0;
    int have_seed = 0, print_ids = 0, i, kv_type = 0;
    uint64_t kv_budget = 0;
    cat_model *m;
    cat_session *s;
    cat_session_params sp;
    cat_sampler_params smp;
    cat_sampler sampler;
    const cat_tokenizer *tok;
    const cat_config *cfg;
    char err[512];
    cat_result r;
    int32_t *ids;
    size_t n_ids = 0, plen = 0;
    char *pbuf = NULL;
    double t0, t1, t2;
    long generated = 0;
    int32_t eot = -1;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED() do { if (!val) { fprintf(stderr, "cat-generate: %s needs a value (try --help)\n", a); return 2; } i++; } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) { NEED(); model_path = val; }
        else if (!strcmp(a, "-p") || !strcmp(a, "--prompt")) { NEED(); prompt = val; }
        else if (!strcmp(a, "-f") || !strcmp(a, "--file")) { NEED(); prompt_file = val; }
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-predict")) { NEED(); if (!parse_int(a, val, 0, 100000000, &n_predict)) return 2; }
        else if (!strcmp(a, "--chunk")) { NEED(); if (!parse_int(a, val, 1, 1 << 20, &chunk)) return 2; }
        else if (!strcmp(a, "--temp")) { NEED(); if (!parse_float(a, val, 0, 100, &temp)) return 2; }
        else if (!strcmp(a, "--top-k")) { NEED(); if (!parse_int(a, val, 0, 1 << 30, &top_k)) return 2; }
        else if (!strcmp(a, "--top-p")) { NEED(); if (!parse_float(a, val, 0, 1, &top_p)) return 2; }
        else if (!strcmp(a, "-s") || !strcmp(a, "--seed")) { NEED(); if (!parse_float(a, val, 0, 1.8e19, &d)) return 2; seed = (unsigned long long)d; have_seed = 1; }
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx")) { NEED(); if (!parse_int(a, val, 1, 1 << 24, &ctx)) return 2; }
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) { NEED(); if (!parse_int(a, val, 1, 1024, &threads)) return 2; }
        else if (!strcmp(a, "--kv-type")) { NEED(); if ((kv_type = util_kv_type(val)) < 0) { fprintf(stderr, "cat-generate: --kv-type takes f32, bf16 or q8, got '%s'\n", val); return 2; } }
        else if (!strcmp(a, "--kv-budget")) { NEED(); if (util_parse_size(val, &kv_budget)) { fprintf(stderr, "cat-generate: --kv-budget needs a size such as 64M, 2G or 100000 (K, M, G = 1024-based), got '%s'\n", val); return 2; } }
        else if (!strcmp(a, "--ids")) print_ids = 1;
        else { fprintf(stderr, "cat-generate: unknown option '%s' (try --help)\n", a); return 2; }
#undef NEED
    }
    if (!model_path) { fprintf(stderr, "cat-generate: -m MODEL is required (try --help)\n"); return 2; }
    if (prompt && prompt_file) { fprintf(stderr, "cat-generate: give -p or -f, not both\n"); return 2; }

    r = cat_model_open(model_path, &m, err, sizeof err);
    if (r) { fprintf(stderr, "cat-generate: %s: %s\n", model_path, err); return 1; }
    cfg = cat_model_config(m);
    tok = cat_model_tokenizer(m);
    if (!tok) { fprintf(stderr, "cat-generate: %s holds no tokenizer; convert it with cat-convert --tokenizer tokenizer.json (or --vocab/--merges)\n", model_path); cat_model_close(m); return 1; }
    if (chunk) {
        if (cfg->family != CAT_FAMILY_CAT_ADAPTIVE && !(cfg->family == CAT_FAMILY_CAT && chunk == cfg->chunk_size)) {
            fprintf(stderr, "cat-generate: --chunk applies to adaptive CATs only; this model is %s%s\n", cat_family_name(cfg->family),
                    cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_LAYER ? " with a fixed chunk size" : "");
            cat_model_close(m); return 2;
        }
        if (!cat_model_chunk_ok(m, (int32_t)chunk)) {
            fprintf(stderr, "cat-generate: --chunk %ld: this model takes a power of two from 1 to %d\n", chunk, cfg->chunk_size);
            cat_model_close(m); return 2;
        }
    }
    if (ctx > cfg->block_size) { fprintf(stderr, "cat-generate: --ctx %ld exceeds the model's block size %d\n", ctx, cfg->block_size); cat_model_close(m); return 2; }
    if (kv_budget) {
        int32_t c = (int32_t)chunk;
        size_t need;
        char h1[32], h2[32];
        r = cat_model_fit_budget(m, kv_budget, (int32_t)ctx, 1, (cat_dtype)kv_type, &c, &need);
        if (r == CAT_ERR_BUDGET) {
            fprintf(stderr, "cat-generate: --kv-budget %s is too small for the KV cache of %ld tokens (kv-type %s): the smallest budget that fits is %zu bytes (%s, chunk %d)\n",
                    util_human(kv_budget, h1, sizeof h1), ctx ? ctx : (long)cfg->block_size, cat_dtype_name((cat_dtype)kv_type), need,
                    util_human(need, h2, sizeof h2), c);
            cat_model_close(m); return 1;
        }
        if (r) { fprintf(stderr, "cat-generate: --kv-budget: %s\n", cat_result_string(r)); cat_model_close(m); return 1; }
        fprintf(stderr, "kv budget: chunk %d, %zu bytes\n", c, need);
        if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE) chunk = c;
    }

    if (prompt_file) {
        pbuf = read_text(prompt_file, &plen);
        if (!pbuf) { fprintf(stderr, "cat-generate: cannot read '%s'\n", prompt_file); cat_model_close(m); return 1; }
        prompt = pbuf;
    } else if (prompt) plen = strlen(prompt);
    ids = (int32_t *)malloc(sizeof(int32_t) * (plen + 2));
    if (!ids) { fprintf(stderr, "cat-generate: out of memory\n"); return 1; }
    eot = cat_tokenizer_find(tok, "<|endoftext|>", 13);
    if (plen) {
        r = cat_tokenizer_encode(tok, prompt, plen, ids, plen + 1, &n_ids);
        if (r) { fprintf(stderr, "cat-generate: cannot tokenize the prompt: %s\n", cat_result_string(r)); return 1; }
    }
    if (n_ids == 0) {
        if (eot < 0) { fprintf(stderr, "cat-generate: the prompt is empty and the tokenizer has no <|endoftext|> to start from; give -p TEXT\n"); return 2; }
        ids[0] = eot; n_ids = 1;
    }

    memset(&sp, 0, sizeof sp);
    sp.chunk_size = (int32_t)chunk;
    sp.max_context = (int32_t)ctx;
    sp.n_threads = (int32_t)threads;
    sp.kv_type = (cat_dtype)kv_type;
    sp.kv_budget_bytes = kv_budget;
    r = cat_session_open(m, &sp, &s);
    if (r) { fprintf(stderr, "cat-generate: cannot open a session: %s\n", cat_result_string(r)); return 1; }
    if (n_ids > (size_t)cat_session_max_context(s)) {
        fprintf(stderr, "cat-generate: the prompt has %zu tokens but the context holds %d; shorten the prompt (or raise --ctx up to %d)\n",
                n_ids, cat_session_max_context(s), cfg->block_size);
        return 1;
    }
    memset(&smp, 0, sizeof smp);
    smp.temperature = (float)temp;
    smp.top_k = (int32_t)top_k;
    smp.top_p = (float)top_p;
    smp.seed = have_seed ? seed : (unsigned long long)time(NULL);
    if (cat_sampler_init(&sampler, &smp, cfg->vocab_size)) { fprintf(stderr, "cat-generate: bad sampling options\n"); return 2; }

    if (print_ids) { size_t k; for (k = 0; k < n_ids; k++) printf("%d ", ids[k]); }
    else if (plen) fwrite(prompt, 1, plen, stdout);
    fflush(stdout);

    t0 = now();
    r = cat_session_feed(s, ids, n_ids, NULL);
    if (r) { fprintf(stderr, "\ncat-generate: prefill failed: %s\n", cat_result_string(r)); return 1; }
    t1 = now();
    while (generated < n_predict) {
        int32_t t = cat_sampler_sample(&sampler, cat_session_logits(s));
        if (t == eot) { fprintf(stderr, "\n[end of text]"); break; }
        if (print_ids) printf("%d ", t);
        else {
            size_t len;
            const char *piece = cat_tokenizer_token_bytes(tok, t, &len);
            if (piece) fwrite(piece, 1, len, stdout);
        }
        fflush(stdout);
        generated++;
        if (generated == n_predict) break;
        if (cat_session_pos(s) >= cat_session_max_context(s)) {
            fprintf(stderr, "\n[context full: %d tokens; stopping]", cat_session_pos(s));
            break;
        }
        r = cat_session_feed(s, &t, 1, NULL);
        if (r) { fprintf(stderr, "\ncat-generate: decoding failed: %s\n", cat_result_string(r)); return 1; }
    }
    t2 = now();
    printf("\n");
    fflush(stdout);
    fprintf(stderr, "\n%s, %s, chunk %d, %d threads\n", model_path, cat_family_name(cfg->family), cat_session_chunk(s),
#ifdef _OPENMP
            threads ? (int)threads : omp_get_max_threads()
#else
            1
#endif
    );
    fprintf(stderr, "prefill: %.1f tok/s (%zu tokens, %.3f s)\n", (double)n_ids / (t1 - t0 > 0 ? t1 - t0 : 1e-9), n_ids, t1 - t0);
    fprintf(stderr, "decode: %.1f tok/s (%ld tokens, %.3f s)\n", generated > 1 ? (double)(generated - 1) / (t2 - t1 > 0 ? t2 - t1 : 1e-9) : 0.0,
            generated, t2 - t1);
    fprintf(stderr, "kv cache (%s): %zu bytes at %d tokens (a dense cache of the same decoder would hold %zu); session memory %zu bytes\n",
            cat_dtype_name(cat_session_kv_type(s)), cat_session_kv_bytes(s), cat_session_pos(s),
            (size_t)cat_session_pos(s) * 2 * (size_t)cfg->dec.n_layer * (size_t)(cfg->family == CAT_FAMILY_CAT_LAYER ? cfg->dim_fx : cfg->dec.n_local_heads * cfg->dec.head_dim) * sizeof(float),
            cat_session_memory(s));
    cat_sampler_free(&sampler);
    cat_session_close(s);
    cat_model_close(m);
    free(ids);
    free(pbuf);
    return 0;
}
