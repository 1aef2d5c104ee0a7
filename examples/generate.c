/* cat-generate: a prompt in, streamed text out.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 199309L
#ifndef CAT_LINKED   /* the Makefile links one compiled implementation (build/cat_impl.o) into every tool */
#define CAT_IMPLEMENTATION
#endif
#include "../cat.h"
#include "../tools/cli.h"
#include "../tools/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_STOPS 64
#define MAX_TEXT ((size_t)1 << 30) /* a prompt or an input line longer than this is refused */

static void usage(FILE *f) {
    fprintf(f,
        "usage: cat-generate -m MODEL [options]\n"
        "\n"
        "Generates text from a prompt with a cat.h model file (made by cat-convert with a\n"
        "tokenizer), streaming it to stdout. Speeds and the KV-cache size go to stderr.\n"
        "\n"
        "options:\n"
        "  -m, --model FILE        model file (required)\n"
        "  -p, --prompt TEXT       prompt; without -p or -f, a prompt piped in on standard input\n"
        "                          is read (nothing piped: start from <|endoftext|>)\n"
        "  -f, --file FILE         read the prompt from FILE ('-' = standard input)\n"
        "  -n, --n-predict N       tokens to generate (default 128; -1 = until the context is full)\n"
        "  -c, --ctx-size N        context length (default and 0: the model's block size)\n"
        "      --kv-type T         KV-cache entries: f32 (default), bf16 or q8 (8 bits, a scale\n"
        "                          per 32 values)\n"
        "      --kv-budget SIZE    KV-cache bytes allowed at the full context -c (suffix K, M or\n"
        "                          G, 1024-based): an adaptive CAT takes the smallest chunk size\n"
        "                          that fits (unless --chunk says); the choice goes to stderr\n"
        "      --chunk C           adaptive CAT: test-time chunk size, a power of two up to the\n"
        "                          model's (default: the model's largest). Smaller chunks keep\n"
        "                          more of the past uncompressed: better text, more memory.\n"
        "      --temp T            temperature; 0 = greedy (default 0.8)\n"
        "      --top-k K           sample among the K most likely tokens (default 40; 0 = all)\n"
        "      --top-p P           ... and among the smallest set of probability P (default 0.95)\n"
        "      --min-p P           ... and among those at least P times as likely as the most\n"
        "                          likely one (default 0 = off)\n"
        "      --repeat-penalty F  divide the positive logits of recently seen tokens by F and\n"
        "                          multiply the negative ones (as llama.cpp; default 1 = off)\n"
        "      --repeat-last-n N   tokens the penalties look back on (default 64; 0 = penalties\n"
        "                          off; -1 = the whole context)\n"
        "      --frequency-penalty F  subtract F x (times seen) from those logits (default 0)\n"
        "      --presence-penalty F   subtract F once from the logit of a seen token (default 0)\n"
        "  -s, --seed S            random seed, 0 .. 2^64-1 (default: from the clock, printed when\n"
        "                          sampling)\n"
        "      --stop STR          stop when the output contains STR (not printed); repeatable\n"
        "  -i, --interactive       after generating, read a line from standard input, append it\n"
        "                          and continue (the session is kept: nothing is recomputed),\n"
        "                          until end of input; -n and --stop end each turn. Without -p/-f\n"
        "                          the first line is the prompt.\n"
        "      --ignore-eos        go on past <|endoftext|> (it is never sampled)\n"
        "  -t, --threads N         OpenMP threads (default: all)\n"
        "  -b, --batch-size N      prompt tokens per prefill step (default 512)\n"
        "      --no-mmap           read the model into memory instead of mapping it (slower to\n"
        "                          start; then no page of it is read from disk again)\n"
        "      --ids               print token ids instead of text\n"
        "      --prompt-cache FILE reuse the longest prefix of the prompt stored in FILE (from an\n"
        "                          earlier run with the same model and chunk size), then store\n"
        "                          this prompt's state there\n"
        "      --version           print the version and exit\n"
        "  -h, --help              this text\n"
        "\n"
        "Generation stops after N tokens, at <|endoftext|>, at a stop string, or when the\n"
        "context is full.\n");
}

static const char *const known_options[] = {
    "-m", "--model", "-p", "--prompt", "-f", "--file", "-n", "--n-predict", "-c", "--ctx-size", "--ctx", "--chunk", "--kv-type", "--kv-budget",
    "--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n", "--frequency-penalty",
    "--presence-penalty", "--ignore-eos", "-s", "--seed", "--stop", "-i", "--interactive", "-t", "--threads", "-b",
    "--batch-size", "--no-mmap", "--ids", "--prompt-cache", "--version", "-h", "--help", NULL};

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
/* a 64-bit seed, exactly (decimal digits only) */
static int parse_seed(const char *v, unsigned long long *out) {
    unsigned long long x = 0;
    const char *p = v;
    if (!*p) return 0;
    for (; *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9 || x > (~0ull - d) / 10) { fprintf(stderr, "cat-generate: --seed needs a whole number from 0 to 18446744073709551615, got '%s'\n", v); return 0; }
        x = x * 10 + d;
    }
    *out = x;
    return 1;
}

/* ---- output held back while it may be the start of a stop string ---------- */
typedef struct {
    const char **stop;
    int n_stop;
    size_t max_stop;   /* longest stop string */
    int print_ids;
    char *text;        /* generated text not yet printed */
    size_t len, cap;
    int32_t *ids;      /* --ids: the tokens whose text is held, and where each ends in text */
    size_t *ends, n_ids, cap_ids;
} output;

/* the first position in text where a stop string starts, or (size_t)-1 */
static size_t find_stop(const output *o) {
    size_t best = (size_t)-1, i;
    int k;
    for (k = 0; k < o->n_stop; k++) {
        size_t sl = strlen(o->stop[k]);
        for (i = 0; i + sl <= o->len && i < best; i++)
            if (!memcmp(o->text + i, o->stop[k], sl)) { best = i; break; }
    }
    return best;
}
/* the smallest k such that text[k..] is a (proper) prefix of some stop string */
static size_t held_from(const output *o) {
    size_t k = o->len + 1 > o->max_stop ? o->len + 1 - o->max_stop : 0;
    int s;
    for (; k < o->len; k++)
        for (s = 0; s < o->n_stop; s++) {
            size_t sl = strlen(o->stop[s]);
            if (o->len - k < sl && !memcmp(o->text + k, o->stop[s], o->len - k)) return k;
        }
    return o->len;
}
/* print the text (or the ids of the tokens) before position upto, drop it */
static void emit(output *o, size_t upto) {
    if (o->print_ids) {
        size_t n = 0, j;
        while (n < o->n_ids && o->ends[n] <= upto) printf("%d ", o->ids[n++]);
        upto = n ? o->ends[n - 1] : 0;
        for (j = n; j < o->n_ids; j++) { o->ids[j - n] = o->ids[j]; o->ends[j - n] = o->ends[j] - upto; }
        o->n_ids -= n;
    } else if (upto) fwrite(o->text, 1, upto, stdout);
    if (o->len > upto) memmove(o->text, o->text + upto, o->len - upto);   /* (text is NULL before any output) */
    o->len -= upto;
    fflush(stdout);
}
/* add a generated token; returns 1 when the output now contains a stop string
   (the text before it has been printed), 0 otherwise, -1 out of memory */
static int output_push(output *o, int32_t id, const char *piece, size_t len) {
    size_t at;
    if (o->len + len + 1 > o->cap) {
        size_t nc = (o->len + len + 1) * 2;
        char *nt = (char *)realloc(o->text, nc);
        if (!nt) return -1;
        o->text = nt; o->cap = nc;
    }
    memcpy(o->text + o->len, piece, len);
    o->len += len;
    if (o->print_ids) {
        if (o->n_ids == o->cap_ids) {
            size_t nc = o->cap_ids ? o->cap_ids * 2 : 64;
            int32_t *ni = (int32_t *)realloc(o->ids, nc * sizeof *ni);
            size_t *ne;
            if (!ni) return -1;
            o->ids = ni;
            ne = (size_t *)realloc(o->ends, nc * sizeof *ne);
            if (!ne) return -1;
            o->ends = ne;
            o->cap_ids = nc;
        }
        o->ids[o->n_ids] = id;
        o->ends[o->n_ids++] = o->len;
    }
    if (!o->n_stop) { emit(o, o->len); return 0; }
    at = find_stop(o);
    if (at != (size_t)-1) {
        emit(o, at);
        o->len = 0; o->n_ids = 0;   /* the stop string and what followed it are not printed */
        return 1;
    }
    emit(o, held_from(o));
    return 0;
}
static void output_flush(output *o) { emit(o, o->len); }

/* ---- the prompt cache: a saved sequence state (cat_session_seq_state_save) ---- */
/* Loads FILE into the session and rewinds it to the longest common prefix with the
   prompt (at most all but nothing: the logits after the prompt come from the state
   or from truncating to it). Returns the prompt tokens now held; 0: start afresh. */
static size_t prompt_cache_load(const char *path, cat_session *s, const int32_t *ids, size_t n) {
    size_t len = 0, same = 0, held;
    char *buf, err[600];
    const int32_t *toks;
    cat_result r;
    struct stat st;
    if (stat(path, &st) != 0) return 0;   /* no cache yet */
    /* a regular file (a FIFO or device is refused without blocking), no larger than a session */
    buf = (char *)util_read_input(path, cat_session_memory(s) + ((size_t)1 << 20), "prompt cache", 0, &len, err, sizeof err);
    if (!buf) { fprintf(stderr, "prompt cache: %s; starting afresh\n", err); return 0; }
    r = cat_session_seq_state_load(s, 0, buf, len);
    free(buf);
    if (r) { fprintf(stderr, "prompt cache: %s is not usable here (%s); starting afresh\n", path, cat_result_string(r)); return 0; }
    held = (size_t)cat_session_pos(s);
    toks = cat_session_seq_tokens(s, 0);
    while (same < held && same < n && toks[same] == ids[same]) same++;
    if (same < held && (r = cat_session_seq_truncate(s, 0, (int32_t)same)) != CAT_OK) {
        fprintf(stderr, "prompt cache: cannot rewind the cached state (%s); starting afresh\n", cat_result_string(r));
        return 0;
    }
    return same;
}
/* stores the session's state in FILE (a temporary file renamed into place) */
static void prompt_cache_save(const char *path, const cat_session *s) {
    size_t need = cat_session_seq_state_size(s, 0), wrote = 0, plen = strlen(path);
    char *buf = (char *)malloc(need ? need : 1), *tmp = (char *)malloc(plen + 32);
    FILE *f;
    int ok = buf && tmp && cat_session_seq_state_save(s, 0, buf, need, &wrote) == CAT_OK;
    if (ok) {
        sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
        ok = (f = fopen(tmp, "wb")) != NULL;
        if (ok) { ok = fwrite(buf, 1, wrote, f) == wrote; ok = (fclose(f) == 0) && ok; }
        if (ok) ok = rename(tmp, path) == 0;
        if (!ok) remove(tmp);
    }
    if (ok) fprintf(stderr, "prompt cache: stored %d tokens (%zu bytes) in %s\n", cat_session_pos(s), wrote, path);
    else fprintf(stderr, "prompt cache: cannot write %s: %s\n", path, strerror(errno));
    free(buf);
    free(tmp);
}

/* one line of standard input (with its newline, if any) into *buf; 0 at end of input */
static int read_line(char **buf, size_t *cap, size_t *len) {
    int c;
    size_t n = 0;
    while ((c = getchar()) != EOF) {
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            char *nb;
            if (nc > MAX_TEXT) { fprintf(stderr, "cat-generate: an input line is longer than %zu bytes\n", MAX_TEXT); return 0; }
            nb = (char *)realloc(*buf, nc);
            if (!nb) { fprintf(stderr, "cat-generate: out of memory\n"); return 0; }
            *buf = nb; *cap = nc;
        }
        (*buf)[n++] = (char)c;
        if (c == '\n') break;
    }
    *len = n;
    return n > 0;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *prompt = NULL, *prompt_file = NULL, *cache_path = NULL;
    const char *stops[MAX_STOPS];
    long n_predict = 128, chunk = 0, ctx = 0, threads = 0, top_k = 40, last_n = 64, n_batch = 0;
    double temp = 0.8, top_p = 0.95, min_p = 0, penalty = 1, freq_pen = 0, pres_pen = 0;
    unsigned long long seed = 0;
    int have_seed = 0, print_ids = 0, interactive = 0, ignore_eos = 0, n_stop = 0, i, status = 1, sampler_ok = 0;
    cat_model *m = NULL;
    cat_session *s = NULL;
    cat_session_params sp;
    cat_sampler_params smp;
    cat_sampler sampler;
    const cat_tokenizer *tok;
    const cat_config *cfg;
    char err[512];
    cat_result r;
    int32_t *ids = NULL;
    size_t n_ids = 0, plen = 0, n_fed = 0, line_cap = 0, ids_cap = 0, k, skip = 0;
    char *pbuf = NULL, *line = NULL;
    float *eot_mask = NULL;
    double t_feed = 0, t_gen = 0, t;
    long generated = 0;
    int32_t eot = -1, pending = -1;
    output out;
    int kv_type = 0, no_mmap = 0;
    uint64_t kv_budget = 0;

    memset(&out, 0, sizeof out);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED() do { if (!val) { fprintf(stderr, "cat-generate: %s needs a value (try --help)\n", a); return 2; } i++; } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--version")) { cli_version("cat-generate"); return 0; }
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) { NEED(); model_path = val; }
        else if (!strcmp(a, "-p") || !strcmp(a, "--prompt")) { NEED(); prompt = val; }
        else if (!strcmp(a, "-f") || !strcmp(a, "--file")) { NEED(); prompt_file = val; }
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-predict")) { NEED(); if (!parse_int(a, val, -1, 100000000, &n_predict)) return 2; }
        else if (!strcmp(a, "--chunk")) { NEED(); if (!parse_int(a, val, 1, 1 << 20, &chunk)) return 2; }
        else if (!strcmp(a, "--temp")) { NEED(); if (!parse_float(a, val, 0, 100, &temp)) return 2; }
        else if (!strcmp(a, "--top-k")) { NEED(); if (!parse_int(a, val, 0, 1 << 30, &top_k)) return 2; }
        else if (!strcmp(a, "--top-p")) { NEED(); if (!parse_float(a, val, 0, 1, &top_p)) return 2; }
        else if (!strcmp(a, "--min-p")) { NEED(); if (!parse_float(a, val, 0, 1, &min_p)) return 2; }
        else if (!strcmp(a, "--repeat-penalty")) { NEED(); if (!parse_float(a, val, 0, 1e6, &penalty)) return 2; }
        else if (!strcmp(a, "--repeat-last-n")) { NEED(); if (!parse_int(a, val, -1, 1 << 24, &last_n)) return 2; }
        else if (!strcmp(a, "--frequency-penalty")) { NEED(); if (!parse_float(a, val, -1e6, 1e6, &freq_pen)) return 2; }
        else if (!strcmp(a, "--presence-penalty")) { NEED(); if (!parse_float(a, val, -1e6, 1e6, &pres_pen)) return 2; }
        else if (!strcmp(a, "--ignore-eos")) ignore_eos = 1;
        else if (!strcmp(a, "--no-mmap")) no_mmap = 1;
        else if (!strcmp(a, "-b") || !strcmp(a, "--batch-size")) { NEED(); if (!parse_int(a, val, 1, 1 << 24, &n_batch)) return 2; }
        else if (!strcmp(a, "-s") || !strcmp(a, "--seed")) { NEED(); if (!parse_seed(val, &seed)) return 2; have_seed = 1; }
        else if (!strcmp(a, "--stop")) {
            NEED();
            if (!*val) { fprintf(stderr, "cat-generate: --stop needs a non-empty string\n"); return 2; }
            if (n_stop == MAX_STOPS) { fprintf(stderr, "cat-generate: at most %d --stop strings\n", MAX_STOPS); return 2; }
            stops[n_stop++] = val;
        }
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx-size") || !strcmp(a, "--ctx")) { NEED(); if (!parse_int(a, val, 0, 1 << 24, &ctx)) return 2; }
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) { NEED(); if (!parse_int(a, val, 1, 1024, &threads)) return 2; }
        else if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) interactive = 1;
        else if (!strcmp(a, "--ids")) print_ids = 1;
        else if (!strcmp(a, "--prompt-cache")) { NEED(); cache_path = val; }
        else if (!strcmp(a, "--kv-type")) { NEED(); if ((kv_type = util_kv_type(val)) < 0) { fprintf(stderr, "cat-generate: --kv-type takes f32, bf16 or q8, got '%s'\n", val); return 2; } }
        else if (!strcmp(a, "--kv-budget")) { NEED(); if (util_parse_size(val, &kv_budget)) { fprintf(stderr, "cat-generate: --kv-budget needs a size such as 64M, 2G or 100000 (K, M, G = 1024-based), got '%s'\n", val); return 2; } }
        else if (a[0] == '-' && a[1]) return cli_unknown("cat-generate", a, known_options);
        else { fprintf(stderr, "cat-generate: unexpected argument '%s' (the prompt goes after -p; try --help)\n", a); return 2; }
#undef NEED
    }
    if (!model_path) { fprintf(stderr, "cat-generate: -m MODEL is required (try --help)\n"); return 2; }
    if (prompt && prompt_file) { fprintf(stderr, "cat-generate: give -p or -f, not both\n"); return 2; }
    if (interactive && prompt_file && !strcmp(prompt_file, "-")) {
        fprintf(stderr, "cat-generate: with -i, standard input carries the conversation; give the prompt with -p or -f FILE\n");
        return 2;
    }

    r = (no_mmap ? cat_model_load : cat_model_open)(model_path, &m, err, sizeof err);
    if (r) { fprintf(stderr, "cat-generate: %s: %s\n", model_path, err); return 1; }
    cfg = cat_model_config(m);
    tok = cat_model_tokenizer(m);
    if (!tok) { fprintf(stderr, "cat-generate: %s holds no tokenizer; convert it with cat-convert --tokenizer tokenizer.json (or --vocab/--merges)\n", model_path); status = 1; goto done; }
    status = 2;
    if (chunk) {
        if (cfg->family != CAT_FAMILY_CAT_ADAPTIVE && !(cfg->family == CAT_FAMILY_CAT && chunk == cfg->chunk_size)) {
            fprintf(stderr, "cat-generate: --chunk applies to adaptive CATs only; this model is %s%s\n", cat_family_name(cfg->family),
                    cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_LAYER ? " with a fixed chunk size" : "");
            goto done;
        }
        if (!cat_model_chunk_ok(m, (int32_t)chunk)) {
            fprintf(stderr, "cat-generate: --chunk %ld: this model takes a power of two from 1 to %d\n", chunk, cfg->chunk_size);
            goto done;
        }
    }
    if (ctx > cfg->block_size) { fprintf(stderr, "cat-generate: --ctx-size %ld exceeds the model's block size %d\n", ctx, cfg->block_size); goto done; }
    status = 1;
    if (kv_budget) {
        int32_t c = (int32_t)chunk;
        size_t need;
        char h1[32], h2[32];
        r = cat_model_fit_budget(m, kv_budget, (int32_t)ctx, 1, (cat_dtype)kv_type, &c, &need);
        if (r == CAT_ERR_BUDGET) {
            fprintf(stderr, "cat-generate: --kv-budget %s is too small for the KV cache of %ld tokens (kv-type %s): the smallest budget that fits is %zu bytes (%s, chunk %d)\n",
                    util_human(kv_budget, h1, sizeof h1), ctx ? ctx : (long)cfg->block_size, cat_dtype_name((cat_dtype)kv_type), need,
                    util_human(need, h2, sizeof h2), c);
            goto done;
        }
        if (r) { fprintf(stderr, "cat-generate: --kv-budget: %s\n", cat_result_string(r)); goto done; }
        fprintf(stderr, "kv budget: chunk %d, %zu bytes\n", c, need);
        if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE) chunk = c;
    }

    /* the prompt: -p, -f FILE, -f - or a pipe on standard input, or (with -i) the first line */
    if (prompt_file) {
        if (!strcmp(prompt_file, "-")) pbuf = cli_read_stream(stdin, MAX_TEXT, &plen);
        else {
            /* a regular file only: a FIFO or device is refused at once, without blocking */
            pbuf = (char *)util_read_input(prompt_file, MAX_TEXT, "prompt file", 0, &plen, err, sizeof err);
            if (!pbuf) { fprintf(stderr, "cat-generate: cannot read the prompt: %s\n", err); goto done; }
        }
        if (!pbuf) {
            fprintf(stderr, "cat-generate: cannot read '%s'%s\n", prompt_file, plen > MAX_TEXT ? ": longer than 1 GiB" : "");
            goto done;
        }
        prompt = pbuf;
    } else if (prompt) plen = strlen(prompt);
    else if (interactive) {
        if (read_line(&line, &line_cap, &plen)) prompt = line;
        else plen = 0;
    } else if (!isatty(0)) {
        pbuf = cli_read_stream(stdin, MAX_TEXT, &plen);
        if (!pbuf) { fprintf(stderr, "cat-generate: cannot read the prompt from standard input%s\n", plen > MAX_TEXT ? ": longer than 1 GiB" : ""); goto done; }
        prompt = pbuf;
    }
    ids_cap = plen + 2;
    ids = (int32_t *)malloc(sizeof(int32_t) * ids_cap);
    if (!ids) { fprintf(stderr, "cat-generate: out of memory\n"); goto done; }
    eot = cat_tokenizer_eot(tok);
    if (plen) {
        r = cat_tokenizer_encode(tok, prompt, plen, ids, plen + 1, &n_ids);
        if (r) { fprintf(stderr, "cat-generate: cannot tokenize the prompt: %s\n", cat_result_string(r)); goto done; }
    }
    if (n_ids == 0) {
        if (eot < 0) { fprintf(stderr, "cat-generate: the prompt is empty and the tokenizer has no <|endoftext|> to start from; give -p TEXT\n"); status = 2; goto done; }
        ids[0] = eot; n_ids = 1;
    }

    memset(&sp, 0, sizeof sp);
    sp.chunk_size = (int32_t)chunk;
    sp.max_context = (int32_t)ctx;
    sp.n_threads = (int32_t)threads;
    sp.n_batch = (int32_t)n_batch;
    sp.kv_type = (cat_dtype)kv_type;
    sp.kv_budget_bytes = kv_budget;
    r = cat_session_open(m, &sp, &s);
    if (r) { fprintf(stderr, "cat-generate: cannot open a session: %s\n", cat_result_string(r)); goto done; }
    if (n_ids > (size_t)cat_session_max_context(s)) {
        fprintf(stderr, "cat-generate: the prompt has %zu tokens but the context holds %d; shorten the prompt%s\n", n_ids,
                cat_session_max_context(s), cat_session_max_context(s) < cfg->block_size ? " or raise --ctx-size" : "");
        goto done;
    }
    memset(&smp, 0, sizeof smp);
    smp.temperature = (float)temp;
    smp.top_k = (int32_t)top_k;
    smp.top_p = (float)top_p;
    smp.min_p = (float)min_p;
    smp.repeat_penalty = last_n == 0 ? 1.0f : (float)penalty;
    smp.frequency_penalty = last_n == 0 ? 0.0f : (float)freq_pen;
    smp.presence_penalty = last_n == 0 ? 0.0f : (float)pres_pen;
    smp.repeat_last_n = last_n < 0 ? cat_session_max_context(s) : (int32_t)last_n;
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((unsigned long long)ts.tv_sec * 1000000007ull) ^ (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 40);
        if (temp > 0) fprintf(stderr, "seed: %llu\n", seed);
    }
    smp.seed = seed;
    if (cat_sampler_init(&sampler, &smp, cfg->vocab_size)) { fprintf(stderr, "cat-generate: bad sampling options\n"); status = 2; goto done; }
    sampler_ok = 1;
    for (k = 0; k < n_ids; k++) cat_sampler_accept(&sampler, ids[k]);

    out.stop = stops;
    out.n_stop = n_stop;
    for (i = 0; i < n_stop; i++) if (strlen(stops[i]) > out.max_stop) out.max_stop = strlen(stops[i]);
    out.print_ids = print_ids;

    if (print_ids) { for (k = 0; k < n_ids; k++) printf("%d ", ids[k]); }
    else if (plen) fwrite(prompt, 1, plen, stdout);
    fflush(stdout);

    if (cache_path) {   /* the prompt's longest prefix that the cache holds is not fed again */
        t = now();
        if (!(skip = prompt_cache_load(cache_path, s, ids, n_ids))) cat_session_reset(s);
        t_feed += now() - t;
        fprintf(stderr, "prompt cache: reused %zu of %zu prompt tokens from %s\n", skip, n_ids, cache_path);
    }
    for (;;) {   /* one turn: feed what is new, generate */
        long turn = 0;
        int end = 0;   /* 1: the turn is over, 2: stop altogether */
        t = now();
        if (n_ids > skip) {
            r = cat_session_feed(s, ids + skip, n_ids - skip, NULL);
            if (r) { fprintf(stderr, "\ncat-generate: prefill failed: %s\n", cat_result_string(r)); goto done; }
        }
        t_feed += now() - t;
        n_fed += n_ids - skip;
        skip = 0;
        if (cache_path) {
            prompt_cache_save(cache_path, s);
            cache_path = NULL;   /* the prompt only (later turns are not stored) */
        }
        t = now();
        while (!end && (n_predict < 0 || turn < n_predict)) {
            int32_t tk;
            if (ignore_eos && eot >= 0) {   /* mask it in a copy of the logits */
                if (!eot_mask) eot_mask = (float *)malloc(sizeof(float) * (size_t)cfg->padded_vocab);
                if (!eot_mask) { fprintf(stderr, "\ncat-generate: out of memory\n"); goto done; }
                memcpy(eot_mask, cat_session_logits(s), sizeof(float) * (size_t)cfg->padded_vocab);
                eot_mask[eot] = -INFINITY;
                r = cat_sampler_sample(&sampler, eot_mask, &tk);
            } else r = cat_sampler_sample(&sampler, cat_session_logits(s), &tk);
            size_t len;
            const char *piece;
            int hit;
            if (r) {   /* NaN or infinite logits: the model's weights are broken */
                output_flush(&out);
                fprintf(stderr, "\ncat-generate: stopping after %ld tokens: %s\n", generated, cat_result_string(r));
                goto done;
            }
            if (tk == eot) { output_flush(&out); fprintf(stderr, "\n[end of text]"); end = 1; break; }
            piece = cat_tokenizer_token_bytes(tok, tk, &len);
            hit = output_push(&out, tk, piece ? piece : "", piece ? len : 0);
            if (hit < 0) { fprintf(stderr, "\ncat-generate: out of memory\n"); goto done; }
            generated++;
            turn++;
            pending = tk;
            if (hit) { end = 1; break; }
            if (n_predict >= 0 && turn == n_predict) break;
            if (cat_session_pos(s) >= cat_session_max_context(s)) {
                output_flush(&out);
                fprintf(stderr, "\n[context full: %d tokens; stopping]", cat_session_pos(s));
                end = 2;
                break;
            }
            r = cat_session_feed(s, &tk, 1, NULL);
            if (r) { fprintf(stderr, "\ncat-generate: decoding failed: %s\n", cat_result_string(r)); goto done; }
            pending = -1;
        }
        output_flush(&out);
        t_gen += now() - t;
        if (!interactive || end == 2) break;
        /* next turn: the last sampled token (not fed yet) and the user's line */
        if (isatty(0)) { fprintf(stderr, "\n> "); fflush(stderr); }
        if (!read_line(&line, &line_cap, &plen)) break;
        if (!isatty(0) && !print_ids) fwrite(line, 1, plen, stdout);
        if (plen + 3 > ids_cap) {
            int32_t *ni = (int32_t *)realloc(ids, sizeof(int32_t) * (plen + 3));
            if (!ni) { fprintf(stderr, "cat-generate: out of memory\n"); goto done; }
            ids = ni; ids_cap = plen + 3;
        }
        n_ids = 0;
        if (pending >= 0) ids[n_ids++] = pending;
        pending = -1;
        r = cat_tokenizer_encode(tok, line, plen, ids + n_ids, plen + 1, &k);
        if (r) { fprintf(stderr, "cat-generate: cannot tokenize the input: %s\n", cat_result_string(r)); goto done; }
        if (print_ids) { size_t j; for (j = n_ids; j < n_ids + k; j++) printf("%d ", ids[j]); }
        for (i = 0; i < (int)k; i++) cat_sampler_accept(&sampler, ids[n_ids + (size_t)i]);
        n_ids += k;
        fflush(stdout);
        if (cat_session_pos(s) + (int64_t)n_ids > cat_session_max_context(s)) {
            fprintf(stderr, "\n[context full: %d tokens held, %zu more do not fit; stopping]", cat_session_pos(s), n_ids);
            break;
        }
    }
    printf("\n");
    fflush(stdout);
    fprintf(stderr, "\n%s, %s, chunk %d, %d threads\n", model_path, cat_family_name(cfg->family), cat_session_chunk(s),
#ifdef _OPENMP
            threads ? (int)threads : omp_get_max_threads()
#else
            1
#endif
    );
    fprintf(stderr, "prefill: %.1f tok/s (%zu tokens, %.3f s)\n", (double)n_fed / (t_feed > 0 ? t_feed : 1e-9), n_fed, t_feed);
    fprintf(stderr, "decode: %.1f tok/s (%ld tokens, %.3f s)\n", generated > 1 ? (double)(generated - 1) / (t_gen > 0 ? t_gen : 1e-9) : 0.0,
            generated, t_gen);
    fprintf(stderr, "kv cache (%s): %zu bytes at %d tokens (a dense f32 cache of the same decoder would hold %zu); session memory %zu bytes\n",
            cat_dtype_name(cat_session_kv_type(s)), cat_session_kv_bytes(s), cat_session_pos(s),
            (size_t)cat_session_pos(s) * 2 * (size_t)cfg->dec.n_layer * (size_t)(cfg->family == CAT_FAMILY_CAT_LAYER ? cfg->dim_fx : cfg->dec.n_local_heads * cfg->dec.head_dim) * sizeof(float),
            cat_session_memory(s));
    status = 0;
done:
    if (sampler_ok) cat_sampler_free(&sampler);
    if (s) cat_session_close(s);
    cat_model_close(m);
    free(ids);
    free(pbuf);
    free(line);
    free(out.text);
    free(out.ids);
    free(out.ends);
    free(eot_mask);
    return status;
}
