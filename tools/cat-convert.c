/* cat-convert: torch state_dict.pt / safetensors checkpoints -> cat.h model files.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200809L
#ifndef CAT_LINKED   /* the Makefile links one compiled implementation (build/cat_impl.o) into every tool */
#define CAT_IMPLEMENTATION
#endif
#include "../cat.h"
#define CKPT_IMPLEMENTATION
#include "ckpt.h"
#define JSON_IMPLEMENTATION
#include "json.h"
#define TOKFILE_IMPLEMENTATION
#include "tokfile.h"
#include "util.h"
#include "cli.h"
#include "gpt2_data.h" /* generated at build time from models/gpt2 (tools/embed.c) */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

static void usage(FILE *f) {
    fprintf(f,
        "usage:\n"
        "  cat-convert convert IN OUT [options]\n"
        "      IN: a torch state_dict .pt/.bin file, a .safetensors file, a sharded\n"
        "      checkpoint's *.index.json, or a Hugging Face model directory (model.safetensors,\n"
        "      model.safetensors.index.json, pytorch_model.bin or its index; tokenizer.json;\n"
        "      config.json of the flash-linear-attention CAT layout, model_type \"cat\").\n"
        "      OUT: the model file.\n"
        "  cat-convert info MODEL\n"
        "      print a model file's configuration, tensors and sizes.\n"
        "  cat-convert random OUT --config CFG.json [--dtype D] [--seed S]\n"
        "      write a model of the configured shape with random weights (for benchmarks).\n"
        "\n"
        "The checkpoint's tensors determine the family (dense, cat, adaptive cat, CAT\n"
        "layer), chunk size, dims, layer counts, intermediate sizes, key/value heads,\n"
        "padded vocabulary, QK-norm and, with QK-norm, the number of heads; the block size\n"
        "of the CAT families. What they cannot tell comes from --set or --config, and\n"
        "cat-convert names the flag when it is needed: the vocabulary size (else the\n"
        "tokenizer's), n_head without QK-norm, rope_base and norm_eps (defaults 10000 and\n"
        "1e-5), the block size of dense models and CAT layers (default 4096).\n"
        "\n"
        "options:\n"
        "  --config FILE        model configuration (JSON), with the reference's constructor\n"
        "                       field names: family, adaptive, vocab_size, chunk_size,\n"
        "                       block_size, compressor{...}, decoder{...} or model{...} (dim,\n"
        "                       n_head, n_local_heads, n_layer, dim_fx, use_qk_norm,\n"
        "                       rope_base, norm_eps, intermediate_size); cross-checked\n"
        "                       against the tensors\n"
        "  --set KEY=VALUE      set a configuration field, e.g. --set decoder.n_head=4,\n"
        "                       --set vocab_size=300 (repeatable; n_head means decoder.n_head)\n"
        "  --dtype f32|bf16|q8|q4  weight type in the file (default: keep f32 and bf16\n"
        "                       sources, f16 becomes f32); q8: 8-bit weights with a\n"
        "                       16-bit scale per group of 32 (34 bytes per 32 weights);\n"
        "                       q4: 4-bit weights likewise (18 bytes per 32), but q8 for\n"
        "                       the embeddings and output; vectors (norms, biases) are\n"
        "                       always f32\n"
        "  --tokenizer FILE     store the tokenizer from a Hugging Face tokenizer.json;\n"
        "                       --tokenizer gpt2: GPT-2's BPE, built in (the default for a\n"
        "                       vocabulary of 50257 padded to 50432)\n"
        "  --vocab FILE --merges FILE   ... or from GPT-2 style vocab.json + merges.txt\n"
        "  --no-tokenizer       store no tokenizer\n"
        "  --allow-nonfinite    convert weights that hold NaN or infinity (refused by default)\n"
        "  --seed S             random: seed (default 1)\n"
        "  --version            print the version and exit\n"
        "  -h, --help           this text\n"
        "\n"
        "Keys prefixed 'module.' or '_orig_mod.' are stripped. OUT is written to a\n"
        "temporary file next to it, checked by loading it back, and only then renamed into\n"
        "place; OUT may not be one of the input files. Progress goes to stderr.\n");
}

static char g_tmp[4200];
static void cleanup_tmp(void) { if (g_tmp[0]) { remove(g_tmp); g_tmp[0] = 0; } }
static void on_signal(int sig) {
    if (g_tmp[0]) unlink(g_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void die(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "cat-convert: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

/* ---- configuration: a flat map of optional fields ----------------------- */
typedef struct {
    char key[64];
    int set, is_str;
    double num;
    char str[32];
} field;
#define MAXF 96
typedef struct { field f[MAXF]; int n; } fmap;

static field *fget(fmap *m, const char *key) {
    int i;
    for (i = 0; i < m->n; i++) if (!strcmp(m->f[i].key, key)) return &m->f[i];
    return NULL;
}
static field *fput(fmap *m, const char *key) {
    field *f = fget(m, key);
    if (f) return f;
    if (m->n >= MAXF) die("too many configuration fields");
    f = &m->f[m->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->key, sizeof f->key, "%s", key);
    return f;
}
static int fhas(fmap *m, const char *key) { field *f = fget(m, key); return f && f->set; }
static double fnum(fmap *m, const char *key) { field *f = fget(m, key); return f && f->set ? f->num : 0; }

static const char *const sec_keys[] = { "dim", "n_head", "n_local_heads", "n_layer", "dim_fx", "use_qk_norm", "rope_base",
                                        "norm_eps", "intermediate_size", "block_size", "vocab_size", "chunk_size",
                                        "head_dim", "rope_n_elem", "padded_vocab_size", "use_fused_ops", NULL };
static const char *const top_keys[] = { "family", "adaptive", "vocab_size", "chunk_size", "block_size", "padded_vocab_size", NULL };
static const char *const ignored_keys[] = { "weights_dtype", "key_prefix", "seed", NULL };

static int in_list(const char *const *l, const char *k) { for (; *l; l++) if (!strcmp(*l, k)) return 1; return 0; }

/* Each field's type: booleans are JSON true/false, integers JSON integers in
   the int32 range, rope_base/norm_eps numbers, family a string. */
static const char *const bool_keys[] = { "adaptive", "use_qk_norm", "use_fused_ops", NULL };
static const char *const float_keys[] = { "rope_base", "norm_eps", NULL };
static int key_kind(const char *key) {
    const char *d = strrchr(key, '.'), *k = d ? d + 1 : key;
    if (!strcmp(k, "family")) return 'S';
    if (in_list(bool_keys, k)) return 'B';
    if (in_list(float_keys, k)) return 'F';
    return 'I';
}

/* a JSON value as it reads in the file, for messages */
static const char *show_json(const json_value *v, char *buf, size_t n) {
    switch (v->type) {
    case JSON_NULL: snprintf(buf, n, "null"); break;
    case JSON_BOOL: snprintf(buf, n, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER: snprintf(buf, n, "%.17g", v->number); break;
    case JSON_STRING: snprintf(buf, n, "\"%.40s%s\"", v->str, v->len > 40 ? "..." : ""); break;
    case JSON_ARRAY: snprintf(buf, n, "an array"); break;
    default: snprintf(buf, n, "an object"); break;
    }
    return buf;
}

/* check v against key's type and store it */
static void set_value(fmap *m, const char *key, const json_value *v, const char *where) {
    field *f;
    char shown[64];
    int kind = key_kind(key);
    if (v->type == JSON_NULL) return; /* dataclass defaults dumped as null mean "unset" */
    show_json(v, shown, sizeof shown);
    f = fput(m, key);
    f->is_str = 0;
    if (kind == 'S') {
        if (v->type != JSON_STRING) die("%s: '%s' must be a string, got %s", where, key, shown);
        if (v->len >= sizeof f->str || strlen(v->str) != v->len) die("%s: value of '%s' is too long", where, key);
        f->is_str = 1; memcpy(f->str, v->str, v->len + 1);
    } else if (kind == 'B') {
        if (v->type != JSON_BOOL) die("%s: '%s' must be true or false, got %s", where, key, shown);
        f->num = v->boolean;
    } else if (kind == 'F') {
        if (v->type != JSON_NUMBER) die("%s: '%s' must be a number, got %s", where, key, shown);
        f->num = v->number;
    } else {
        if (v->type != JSON_NUMBER || v->number != floor(v->number)) die("%s: '%s' must be an integer, got %s", where, key, shown);
        if (v->number < -2147483647.0 || v->number > 2147483647.0)
            die("%s: '%s' = %s is out of range (an integer from -2147483647 to 2147483647)", where, key, shown);
        f->num = v->number;
    }
    f->set = 1;
}

/* the configuration's text and tree live in globals while it is read, so that a
   die() on the way leaves nothing unreachable (the leak checker stays quiet) */
static char *g_cfg_text;
static json_value *g_cfg_root;
static void load_config(fmap *m, const char *path) {
    char *text, err[512];
    size_t n = 0;
    json_value *root;
    size_t i, j;
    /* a regular file of at most UTIL_LIMIT_CONFIG (16 MiB) */
    text = (char *)util_read_input(path, UTIL_LIMIT_CONFIG, "config file", 0, &n, err, sizeof err);
    if (!text) die("%s", err);
    g_cfg_text = text;
    root = g_cfg_root = json_parse(text, n, err, sizeof err);
    if (!root) die("config '%s': %s", path, err);
    if (root->type != JSON_OBJECT) die("config '%s' must be a JSON object", path);
    if (json_dup_key(root) >= 0) die("config '%s': key '%s' appears twice", path, root->keys[json_dup_key(root)]);
    for (i = 0; i < root->count; i++) {
        const char *k = root->keys[i];
        const json_value *v = &root->items[i];
        if (!strcmp(k, "compressor") || !strcmp(k, "decoder") || !strcmp(k, "model")) {
            const char *sec = !strcmp(k, "compressor") ? "compressor" : "decoder";
            if (v->type != JSON_OBJECT) die("config '%s': '%s' must be an object", path, k);
            if (json_dup_key(v) >= 0) die("config '%s': key '%s' appears twice in '%s'", path, v->keys[json_dup_key(v)], k);
            if (!strcmp(k, "model") && json_get(root, "decoder")) die("config '%s' has both 'model' and 'decoder'", path);
            for (j = 0; j < v->count; j++) {
                char key[64], where[300];
                if (!in_list(sec_keys, v->keys[j]))
                    die("config '%s': unknown field '%s' in '%s' (known: dim, n_head, n_local_heads, n_layer, dim_fx, use_qk_norm, rope_base, norm_eps, intermediate_size)", path, v->keys[j], k);
                if (!strcmp(v->keys[j], "n_local_heads") && v->items[j].type == JSON_NUMBER && v->items[j].number == -1) continue;
                snprintf(key, sizeof key, "%s.%s", sec, v->keys[j]);
                snprintf(where, sizeof where, "config '%s'", path);
                set_value(m, key, &v->items[j], where);
            }
        } else if (in_list(top_keys, k)) {
            char where[300];
            snprintf(where, sizeof where, "config '%s'", path);
            set_value(m, k, v, where);
        } else if (!in_list(ignored_keys, k)) {
            die("config '%s': unknown field '%s' (known: family, adaptive, vocab_size, chunk_size, block_size, compressor, decoder, model)", path, k);
        }
    }
    json_free(root);
    free(text);
    g_cfg_root = NULL; g_cfg_text = NULL;
}

static void apply_set(fmap *m, const char *kv) {
    const char *eq = strchr(kv, '=');
    char key[64];
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) die("--set needs KEY=VALUE, got '%s'", kv);
    memcpy(key, kv, (size_t)(eq - kv)); key[eq - kv] = 0;
    if (!strncmp(key, "model.", 6)) {
        char tmp[80];
        if (strlen(key) > 50) die("--set: key '%s' is too long", key);
        snprintf(tmp, sizeof tmp, "decoder.%s", key + 6);
        memcpy(key, tmp, strlen(tmp) + 1);
    }
    {
        const char *dot = strchr(key, '.');
        if (dot) {
            if (strncmp(key, "decoder.", 8) && strncmp(key, "compressor.", 11)) die("--set: unknown section in '%s' (decoder, compressor, model)", key);
            if (!in_list(sec_keys, dot + 1)) die("--set: unknown field '%s'", key);
        } else if (!in_list(top_keys, key)) {
            char tmp[80];
            if (!in_list(sec_keys, key) || strlen(key) > 50) die("--set: unknown field '%s'", key);
            snprintf(tmp, sizeof tmp, "decoder.%s", key); /* n_head means decoder.n_head */
            memcpy(key, tmp, strlen(tmp) + 1);
        }
    }
    {
        /* the value as JSON (true, 12, 1e-5); anything else is taken as a string,
           so that the type check below names it */
        const char *val = eq + 1;
        char jerr[16];
        json_value *v = json_parse(val, strlen(val), jerr, sizeof jerr), sv;
        if (!v) {
            memset(&sv, 0, sizeof sv);
            sv.type = JSON_STRING; sv.str = (char *)val; sv.len = strlen(val);
        }
        set_value(m, key, v ? v : &sv, "--set");
        if (v) json_free(v);
    }
}

/* ---- the checkpoint's tensors, by reference name -------------------------- */
/* A source tensor is a stack of row segments of checkpoint tensors (or rows of
   zeros): one segment for a plain tensor; q, k and v stacked into wqkv; the rows
   of a per-chunk-size table picked; a vocabulary padded with zero rows. */
#define MAX_FILES 1024
#define MAX_SEG 16
typedef struct { const ckpt_tensor *t; int file; int64_t row0, nrows; } seg; /* t == NULL: zeros */
typedef struct {
    char name[96];            /* reference name */
    const char *from;         /* the checkpoint's name (of the first segment), for messages */
    ckpt_dtype dtype;
    int ndim;                 /* 1 or 2 (others are reported as they are) */
    int64_t rows, cols;       /* ndim 1: rows = length, cols = 1 */
    int64_t shape[CKPT_MAX_DIMS];
    int nseg; seg segs[MAX_SEG];
    int used;
} src;
static src *g_src;
static size_t g_nsrc, g_capsrc;
static ckpt_file g_ck[MAX_FILES];
static int g_nck;
static const char *g_inputs[MAX_FILES + 8]; /* every file read, for the same-file guard */
static int g_ninputs;

static void add_input(const char *path) {
    if (g_ninputs < (int)(sizeof g_inputs / sizeof g_inputs[0])) g_inputs[g_ninputs++] = path;
}

static src *S(const char *name) {
    size_t i;
    for (i = 0; i < g_nsrc; i++) if (!strcmp(g_src[i].name, name)) return &g_src[i];
    return NULL;
}

static src *new_src(const char *name, const char *from) {
    src *s;
    if (strlen(name) >= sizeof s->name) die("tensor name '%s' is too long", name);
    if (S(name)) die("two tensors of the checkpoint map to '%s' (the second is '%s')", name, from);
    if (g_nsrc == g_capsrc) {
        g_capsrc = g_capsrc ? 2 * g_capsrc : 256;
        g_src = (src *)realloc(g_src, g_capsrc * sizeof *g_src);
        if (!g_src) die("out of memory");
    }
    s = &g_src[g_nsrc++];
    memset(s, 0, sizeof *s);
    strcpy(s->name, name);
    s->from = from;
    return s;
}

static void src_set_shape(src *s, const ckpt_tensor *t) {
    int k;
    s->dtype = t->dtype;
    s->ndim = t->ndim;
    for (k = 0; k < t->ndim && k < CKPT_MAX_DIMS; k++) s->shape[k] = t->shape[k];
    s->rows = t->ndim ? t->shape[0] : 1;
    s->cols = 1;
    for (k = 1; k < t->ndim; k++) s->cols *= t->shape[k];
}

static src *add_plain(const char *name, const ckpt_tensor *t, int file) {
    src *s = new_src(name, t->name);
    src_set_shape(s, t);
    s->nseg = 1;
    s->segs[0].t = t; s->segs[0].file = file; s->segs[0].row0 = 0; s->segs[0].nrows = s->rows;
    return s;
}

static int64_t dim_of(const char *name, int k) {
    const src *s = S(name);
    if (!s || k >= s->ndim) return -1;
    return k == 0 ? s->rows : s->shape[k];
}

/* read rows [r0, r0 + n) of a source as f32 */
static void src_read(const src *s, int64_t r0, int64_t n, float *dst) {
    int i;
    int64_t base = 0;
    char err[512];
    for (i = 0; i < s->nseg && n > 0; i++) {
        const seg *g = &s->segs[i];
        if (r0 < base + g->nrows) {
            int64_t off = r0 - base, k = g->nrows - off < n ? g->nrows - off : n;
            if (!g->t) memset(dst, 0, (size_t)(k * s->cols) * sizeof(float));
            else {
                if (ckpt_read_rows(g->t, g->row0 + off, k, dst, CKPT_F32, err, sizeof err)) die("reading tensor '%s': %s", g->t->name, err);
                ckpt_release(&g_ck[g->file]);
            }
            dst += k * s->cols; r0 += k; n -= k;
        }
        base += g->nrows;
    }
}

static const char *strip(const char *n) {
    for (;;) {
        if (!strncmp(n, "module.", 7)) n += 7;
        else if (!strncmp(n, "_orig_mod.", 10)) n += 10;
        else return n;
    }
}

/* ---- the flash-linear-attention CAT layout (CATForCausalLM) --------------- */
static int g_hf;   /* config.json says model_type "cat" */

static void add_row_part(const char *name, const ckpt_tensor *t, int file, int part, int nparts) {
    src *s = S(name);
    if (!s) { s = new_src(name, t->name); src_set_shape(s, t); s->rows = 0; s->nseg = nparts; }
    if (s->segs[part].t) die("two checkpoint tensors map to part %d of '%s'", part, name);
    if (t->ndim != 2 || t->shape[1] != s->cols) die("'%s' has a shape that does not stack with the other parts of '%s'", t->name, name);
    s->segs[part].t = t; s->segs[part].file = file; s->segs[part].row0 = 0; s->segs[part].nrows = t->shape[0];
    s->rows += t->shape[0];
    s->shape[0] = s->rows;
}

/* a table indexed by chunk size (rows 0..C) becomes the reference's, indexed by log2 */
static void add_chunk_table(const char *name, const ckpt_tensor *t, int file) {
    src *s;
    int64_t c = t->ndim == 2 ? t->shape[0] - 1 : 0;
    int p, np = 0;
    if (c < 1 || (c & (c - 1))) die("'%s' has %lld rows; a table by chunk size needs max_chunk_size + 1 rows, a power of two plus one", t->name, (long long)(c + 1));
    while ((1LL << np) <= c) np++;
    if (np > MAX_SEG) die("'%s': max_chunk_size %lld is too large", t->name, (long long)c);
    s = new_src(name, t->name);
    src_set_shape(s, t);
    s->nseg = np; s->rows = np; s->shape[0] = np;
    for (p = 0; p < np; p++) { s->segs[p].t = t; s->segs[p].file = file; s->segs[p].row0 = 1LL << p; s->segs[p].nrows = 1; }
}

static int ends(const char *s, const char *suf) { size_t a = strlen(s), b = strlen(suf); return a >= b && !strcmp(s + a - b, suf); }

static void add_hf(const char *n, const ckpt_tensor *t, int file) {
    char out[160];
    const char *pre = "", *rest = n;
    int comp = 0;
    if (!strcmp(n, "lm_head.weight")) { add_plain("output.weight", t, file); return; }
    if (ends(n, ".bias")) die("'%s': biases (qkv_bias) are not supported; the reference model has none", n);
    if (strstr(n, "rotary.") || ends(n, "inv_freq")) return; /* derived buffers */
    if (!strncmp(n, "model.compressor.", 17)) { pre = "f."; rest = n + 17; comp = 1; }
    else if (!strncmp(n, "model.", 6)) rest = n + 6;
    else { add_plain(n, t, file); return; }
    if (!comp && !strcmp(rest, "embeddings.weight")) { snprintf(out, sizeof out, "wte.weight"); }
    else if (comp && !strcmp(rest, "wte.weight")) { snprintf(out, sizeof out, "f.wte.weight"); }
    else if (!strcmp(rest, "norm.weight") || !strcmp(rest, "pos_tokens.weight") || !strcmp(rest, "proj_fx.weight")) snprintf(out, sizeof out, "%s%s", pre, rest);
    else if (!comp && !strcmp(rest, "separator.weight")) snprintf(out, sizeof out, "seperator.weight");
    else if (!comp && !strcmp(rest, "adaptive_token.weight")) { add_chunk_table("dummy_fx.weight", t, file); return; }
    else if (comp && !strcmp(rest, "adaptive_tokens.weight")) { add_chunk_table("f.adaptive_token.weight", t, file); return; }
    else if (!strncmp(rest, "layers.", 7)) {
        char *e;
        long L = strtol(rest + 7, &e, 10);
        const char *x;
        static const char *const map[][2] = {
            { "attn_norm.weight", "attention_norm.weight" }, { "mlp_norm.weight", "ffn_norm.weight" },
            { "attn.o_proj.weight", "attention.wo.weight" }, { "o_proj.weight", "attention.wo.weight" },
            { "attn.q_norm.weight", "attention.q_norm.weight" }, { "attn.k_norm.weight", "attention.k_norm.weight" },
            { "mlp.gate_proj.weight", "feed_forward.fc_1.weight" }, { "mlp.up_proj.weight", "feed_forward.fc_2.weight" },
            { "mlp.down_proj.weight", "feed_forward.proj.weight" } };
        static const char *const qkv[3] = { "q_proj.weight", "k_proj.weight", "v_proj.weight" };
        size_t k;
        if (e == rest + 7 || *e != '.' || L < 0 || L > 100000) { add_plain(n, t, file); return; }
        x = e + 1;
        if (!strncmp(x, "attn.", 5) && !comp) x += 5;
        for (k = 0; k < 3; k++) if (!strcmp(x, qkv[k])) {
            snprintf(out, sizeof out, "%slayers.%ld.attention.wqkv.weight", pre, L);
            add_row_part(out, t, file, (int)k, 3);
            return;
        }
        x = e + 1;
        for (k = 0; k < sizeof map / sizeof map[0]; k++) if (!strcmp(x, map[k][0])) {
            snprintf(out, sizeof out, "%slayers.%ld.%s", pre, L, map[k][1]);
            add_plain(out, t, file);
            return;
        }
        add_plain(n, t, file);
        return;
    } else { add_plain(n, t, file); return; }
    add_plain(out, t, file);
}

/* vocabulary tables of the HF layout hold vocab_size rows: pad them to the
   reference's multiple of 256 with zero rows */
static void pad_rows(const char *name, int64_t to) {
    src *s = S(name);
    if (!s || s->rows >= to) return;
    if (s->nseg >= MAX_SEG) die("'%s': too many parts", name);
    s->segs[s->nseg].t = NULL; s->segs[s->nseg].row0 = 0; s->segs[s->nseg].nrows = to - s->rows;
    s->nseg++;
    s->rows = s->shape[0] = to;
}

/* config.json of a Hugging Face directory: the flash-linear-attention CAT layout */
static void fset_num(fmap *m, const char *key, double v) { field *f = fput(m, key); f->num = v; f->set = 1; f->is_str = 0; }
static void fset_str(fmap *m, const char *key, const char *v) { field *f = fput(m, key); snprintf(f->str, sizeof f->str, "%s", v); f->is_str = 1; f->set = 1; }

static void load_hf_config(fmap *m, const char *path) {
    size_t n = 0, i;
    char err[512], *text = (char *)util_read_input(path, UTIL_LIMIT_CONFIG, "config file", 0, &n, err, sizeof err);
    json_value *root;
    const json_value *v;
    static const char *const ints[][2] = {
        { "hidden_size", "decoder.dim" }, { "num_hidden_layers", "decoder.n_layer" }, { "num_heads", "decoder.n_head" },
        { "num_kv_heads", "decoder.n_local_heads" }, { "max_chunk_size", "chunk_size" },
        { "compressor_hidden_size", "compressor.dim" }, { "compressor_num_layers", "compressor.n_layer" },
        { "compressor_num_heads", "compressor.n_head" }, { "max_position_embeddings", "block_size" },
        { "vocab_size", "vocab_size" } };
    if (!text) die("%s", err);
    g_cfg_text = text;   /* reachable while a die() may exit */
    root = g_cfg_root = json_parse(text, n, err, sizeof err);
    if (!root) die("%s: %s", path, err);
    if (root->type != JSON_OBJECT) die("%s must be a JSON object", path);
    if (json_dup_key(root) >= 0) die("%s: key '%s' appears twice", path, root->keys[json_dup_key(root)]);
    {   /* the float fields, when given, are numbers */
        static const char *const nums[] = { "dim_fx", "rope_theta", "norm_eps" };
        for (i = 0; i < 3; i++)
            if ((v = json_get(root, nums[i])) && v->type != JSON_NULL && v->type != JSON_NUMBER) die("%s: '%s' must be a number", path, nums[i]);
    }
    v = json_get(root, "model_type");
    if (!v) {
        fprintf(stderr, "cat-convert: note: %s has no model_type: ignored (the checkpoint is read in the reference layout)\n", path);
        json_free(root);
        free(text);
        return;
    }
    if (v->type != JSON_STRING || strcmp(v->str, "cat"))
        die("%s: model_type %s%s%s is not supported (supported: \"cat\", the flash-linear-attention CAT layout; a directory without config.json holds the reference layout)",
            path, v->type == JSON_STRING ? "\"" : "", v->type == JSON_STRING ? v->str : "(not a string)", v->type == JSON_STRING ? "\"" : "");
    fset_str(m, "family", "cat_adaptive");
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        v = json_get(root, ints[i][0]);
        if (!v || v->type == JSON_NULL) continue;
        if (v->type != JSON_NUMBER || v->number != floor(v->number)) die("%s: '%s' must be an integer", path, ints[i][0]);
        fset_num(m, ints[i][1], v->number);
    }
    if ((v = json_get(root, "dim_fx")) && v->type == JSON_NUMBER) fset_num(m, "compressor.dim_fx", v->number);
    if ((v = json_get(root, "qk_norm")) && v->type != JSON_NULL) {
        if (v->type != JSON_BOOL) die("%s: 'qk_norm' must be true or false", path);
        fset_num(m, "decoder.use_qk_norm", v->boolean);
    }
    fset_num(m, "compressor.use_qk_norm", 0); /* the layout's compressor has no QK-norm */
    v = json_get(root, "rope_theta");
    fset_num(m, "decoder.rope_base", v && v->type == JSON_NUMBER ? v->number : 10000.0);
    fset_num(m, "compressor.rope_base", v && v->type == JSON_NUMBER ? v->number : 10000.0);
    v = json_get(root, "norm_eps");
    fset_num(m, "decoder.norm_eps", v && v->type == JSON_NUMBER ? v->number : 1e-6);
    fset_num(m, "compressor.norm_eps", v && v->type == JSON_NUMBER ? v->number : 1e-6);
    if ((v = json_get(root, "qkv_bias")) && v->type == JSON_BOOL && v->boolean) die("%s: qkv_bias is not supported (the reference model has no biases)", path);
    if ((v = json_get(root, "elementwise_affine")) && v->type == JSON_BOOL && !v->boolean) die("%s: elementwise_affine false is not supported", path);
    if ((v = json_get(root, "hidden_act")) && v->type == JSON_STRING && strcmp(v->str, "swish") && strcmp(v->str, "silu"))
        die("%s: hidden_act '%s' is not supported (swish)", path, v->str);
    if ((v = json_get(root, "tie_word_embeddings")) && v->type == JSON_BOOL && v->boolean) die("%s: tie_word_embeddings is not supported", path);
    {
        const field *q = fget(m, "decoder.use_qk_norm"), *e = fget(m, "decoder.norm_eps");
        if (q && q->num != 0 && e && e->num != 1e-5)
            fprintf(stderr, "cat-convert: note: this layout's q/k norms use eps 1e-5 and its other norms %g; the model file keeps one eps (%g) for all\n", e->num, e->num);
    }
    json_free(root);
    free(text);
    g_cfg_root = NULL; g_cfg_text = NULL;
    g_hf = 1;
}

/* ---- the configuration: given fields, else inferred from the tensors ----------- */
static int64_t find_multiple(int64_t n, int64_t k) { return n % k == 0 ? n : n + k - n % k; }

static int32_t as_i32(fmap *m, const char *key) {
    double v = fnum(m, key);
    if (v != floor(v) || v < -2147483647.0 || v > 2147483647.0) die("config field '%s' = %g is not an integer", key, v);
    return (int32_t)v;
}

/* integer field: from the config, else inferred (inferred < 0: cannot) */
static int32_t pick(fmap *m, const char *key, int64_t inferred, const char *from) {
    if (fhas(m, key)) {
        int32_t v = as_i32(m, key);
        if (inferred >= 0 && v != inferred)
            die("config field '%s' = %d but %s says %lld", key, v, from, (long long)inferred);
        return v;
    }
    if (inferred < 0) die("the checkpoint does not tell '%s': add --set %s=N", key, key);
    return (int32_t)inferred;
}

static int max_layer_index(const char *prefix) {
    size_t i, pl = strlen(prefix);
    int mx = -1;
    for (i = 0; i < g_nsrc; i++) {
        const char *n = g_src[i].name;
        if (!strncmp(n, prefix, pl)) {
            char *end; long v = strtol(n + pl, &end, 10);
            if (end != n + pl && *end == '.' && v >= 0 && v < 100000 && v > mx) mx = (int)v;
        }
    }
    return mx;
}

static void stack_from(fmap *m, const char *sec, const char *pre, int layer_attn_cat, cat_stack_config *b) {
    char key[96], nm[160];
    int64_t inf, hd;
    int ml;
    const char *ap = layer_attn_cat ? "attention.attention." : "attention.";
    snprintf(nm, sizeof nm, "%swte.weight", pre);
    snprintf(key, sizeof key, "%s.dim", sec);
    b->dim = pick(m, key, dim_of(nm, 1), nm);
    snprintf(key, sizeof key, "%s.use_qk_norm", sec);
    snprintf(nm, sizeof nm, "%slayers.0.%sq_norm.weight", pre, ap);
    b->use_qk_norm = fhas(m, key) ? (fnum(m, key) != 0) : (S(nm) != NULL);
    /* heads: QK-norm weights are one head wide (not in a CAT layer, whose heads are 64 wide) */
    hd = !layer_attn_cat && S(nm) ? dim_of(nm, 0) : -1;
    snprintf(key, sizeof key, "%s.n_head", sec);
    if (fhas(m, key)) {
        b->n_head = as_i32(m, key);
        if (b->n_head <= 0 || b->dim % b->n_head) die("config %s.n_head = %d does not divide dim = %d", sec, b->n_head, b->dim);
        if (hd > 0 && b->dim / b->n_head != hd) die("config %s.n_head = %d but %s is %lld wide (%lld heads)", sec, b->n_head, nm, (long long)hd, (long long)(b->dim / hd));
    } else if (hd > 0 && b->dim % hd == 0) b->n_head = (int32_t)(b->dim / hd);
    else die("the checkpoint does not tell the %s's number of attention heads (%s): add --set %s.n_head=N", sec,
             layer_attn_cat ? "a CAT layer's QK-norm is as wide as its 64-wide heads" : "it has no QK-norm weights", sec);
    snprintf(key, sizeof key, "%s.n_layer", sec);
    snprintf(nm, sizeof nm, "%slayers.", pre);
    ml = max_layer_index(nm);
    b->n_layer = pick(m, key, ml + 1 > 0 ? ml + 1 : -1, "the checkpoint's layer count");
    snprintf(nm, sizeof nm, "%slayers.0.feed_forward.fc_1.weight", pre);
    snprintf(key, sizeof key, "%s.intermediate_size", sec);
    inf = dim_of(nm, 0);
    if (!fhas(m, key) && inf < 0) inf = find_multiple((int64_t)(2 * 4 * b->dim / 3), 256);
    b->intermediate_size = pick(m, key, inf, nm);
    b->head_dim = b->dim / b->n_head;
    snprintf(key, sizeof key, "%s.n_local_heads", sec);
    if (layer_attn_cat) b->n_local_heads = b->n_head;
    else {
        snprintf(nm, sizeof nm, "%slayers.0.%swqkv.weight", pre, ap);
        inf = dim_of(nm, 0);
        if (inf > 0 && inf % b->head_dim == 0 && (inf / b->head_dim - b->n_head) > 0 && (inf / b->head_dim - b->n_head) % 2 == 0)
            inf = (inf / b->head_dim - b->n_head) / 2;
        else inf = fhas(m, key) ? -1 : b->n_head;
        b->n_local_heads = pick(m, key, inf, nm);
    }
    snprintf(key, sizeof key, "%s.rope_base", sec);
    b->rope_base = fhas(m, key) ? fnum(m, key) : 10000.0;
    snprintf(key, sizeof key, "%s.norm_eps", sec);
    b->norm_eps = fhas(m, key) ? fnum(m, key) : 1e-5;
    /* consistency of fields the reference derives */
    snprintf(key, sizeof key, "%s.head_dim", sec);
    if (fhas(m, key) && as_i32(m, key) != b->head_dim) die("config %s.head_dim = %d but dim / n_head = %d", sec, as_i32(m, key), b->head_dim);
    snprintf(key, sizeof key, "%s.rope_n_elem", sec);
    if (fhas(m, key) && as_i32(m, key) != b->head_dim) die("config %s.rope_n_elem = %d is not supported (must equal head_dim = %d)", sec, as_i32(m, key), b->head_dim);
}

/* top-level integer, possibly given inside sections too (must agree); 0 when absent */
static int top_int(fmap *m, const char *key, int32_t *out) {
    char k2[96];
    int32_t v = 0, have = 0;
    const char *secs[2] = { "decoder", "compressor" };
    int i;
    if (fhas(m, key)) { v = as_i32(m, key); have = 1; }
    for (i = 0; i < 2; i++) {
        snprintf(k2, sizeof k2, "%s.%s", secs[i], key);
        if (fhas(m, k2)) {
            int32_t w = as_i32(m, k2);
            if (have && w != v) die("config '%s' = %d disagrees with '%s' = %d", k2, w, key, v);
            v = w; have = 1;
        }
    }
    if (have) *out = v;
    return have;
}

static cat_family infer_family(void) {
    if (S("layers.0.attention.expand.weight")) return CAT_FAMILY_CAT_LAYER;
    if (S("f.proj_fx.weight")) return S("seperator.weight") || S("f.adaptive_token.weight") ? CAT_FAMILY_CAT_ADAPTIVE : CAT_FAMILY_CAT;
    return CAT_FAMILY_DENSE;
}

/* tok_vocab: the tokenizer's size (0: none) */
static void build_config(fmap *m, cat_config *c, int random_mode, uint32_t tok_vocab) {
    field *fam = fget(m, "family");
    char err[512];
    int64_t pv;
    int32_t v;
    memset(c, 0, sizeof *c);
    if (fam && fam->set) {
        if (!fam->is_str) die("config 'family' must be a string (\"cat\", \"cat_adaptive\", \"cat_layer\" or \"dense\")");
        if (!strcmp(fam->str, "dense")) c->family = CAT_FAMILY_DENSE;
        else if (!strcmp(fam->str, "cat")) c->family = fnum(m, "adaptive") != 0 ? CAT_FAMILY_CAT_ADAPTIVE : CAT_FAMILY_CAT;
        else if (!strcmp(fam->str, "cat_adaptive")) c->family = CAT_FAMILY_CAT_ADAPTIVE;
        else if (!strcmp(fam->str, "cat_layer")) c->family = CAT_FAMILY_CAT_LAYER;
        else die("config family '%s' is unknown (cat, cat_adaptive, cat_layer, dense)", fam->str);
        if (!random_mode && infer_family() != c->family)
            die("config family '%s' but the checkpoint's tensors are those of a %s model", fam->str, cat_family_name(infer_family()));
    } else if (random_mode) die("config lacks 'family' (\"cat\", \"cat_layer\" or \"dense\")");
    else c->family = infer_family();
    pv = dim_of("wte.weight", 0);
    if (fhas(m, "padded_vocab_size")) c->padded_vocab = as_i32(m, "padded_vocab_size");
    if (top_int(m, "vocab_size", &v)) c->vocab_size = v;
    else if (tok_vocab) c->vocab_size = (int32_t)tok_vocab;
    else if (random_mode) die("config lacks 'vocab_size'");
    else die("the checkpoint does not tell the vocabulary size (its %lld rows are padded): add --set vocab_size=N or a tokenizer", (long long)pv);
    if (!fhas(m, "padded_vocab_size")) c->padded_vocab = (int32_t)(pv > 0 ? pv : find_multiple(c->vocab_size, 256));
    stack_from(m, "decoder", "", c->family == CAT_FAMILY_CAT_LAYER, &c->dec);
    if (c->family == CAT_FAMILY_CAT_LAYER) {
        c->dim_fx = pick(m, "decoder.dim_fx", dim_of("layers.0.attention.expand.weight", 0), "layers.0.attention.expand.weight");
        c->dec.n_local_heads = c->dec.n_head;
    } else if (c->family != CAT_FAMILY_DENSE) {
        stack_from(m, "compressor", "f.", 0, &c->comp);
        c->dim_fx = pick(m, "compressor.dim_fx", dim_of("f.proj_fx.weight", 0) > 0 ? dim_of("f.proj_fx.weight", 0) : c->dec.dim, "f.proj_fx.weight");
    }
    /* chunk size: the compressing matrix is (dim_fx, chunk * dim) */
    if (c->family != CAT_FAMILY_DENSE) {
        const char *nm = c->family == CAT_FAMILY_CAT_LAYER ? "layers.0.attention.compressor.weight" : "f.proj_fx.weight";
        int32_t d = c->family == CAT_FAMILY_CAT_LAYER ? c->dec.dim : c->comp.dim;
        int64_t cols = dim_of(nm, 1);
        int32_t given;
        int has = top_int(m, "chunk_size", &given);
        if (cols > 0 && d > 0 && cols % d == 0) {
            if (has && given != cols / d) die("config chunk_size = %d but %s says %lld", given, nm, (long long)(cols / d));
            c->chunk_size = (int32_t)(cols / d);
        } else if (has) c->chunk_size = given;
        else die("the checkpoint does not tell the chunk size: add --set chunk_size=N");
    }
    /* block size: the compressor's position table has one row per chunk (adaptive: per token) */
    {
        int64_t rows = dim_of("f.pos_tokens.weight", 0), inf = -1;
        int32_t given;
        int has = top_int(m, "block_size", &given);
        if (rows > 0) inf = c->family == CAT_FAMILY_CAT_ADAPTIVE ? rows : rows * c->chunk_size;
        if (has) {
            if (inf > 0 && given != inf) die("config block_size = %d but f.pos_tokens.weight says %lld", given, (long long)inf);
            c->block_size = given;
        } else if (inf > 0) c->block_size = (int32_t)inf;
        else if (random_mode) die("config lacks 'block_size'");
        else {
            c->block_size = 4096;
            fprintf(stderr, "cat-convert: note: the checkpoint does not tell the block size; using 4096 (the released models'); --set block_size=N to change\n");
        }
    }
    if (cat_config_validate(c, err, sizeof err)) die("%s", err);
}

/* ---- reading the inputs --------------------------------------------------- */
static int is_dir(const char *p) { struct stat st; return stat(p, &st) == 0 && S_ISDIR(st.st_mode); }
static int is_file(const char *p) { struct stat st; return stat(p, &st) == 0 && S_ISREG(st.st_mode); }

/* paths made here live until exit (the same-file guard keeps them), then are freed */
static char *g_paths[MAX_FILES + 16];
static int g_npaths;
static void free_paths(void) { while (g_npaths > 0) free(g_paths[--g_npaths]); }
static char *path_join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p;
    if (g_npaths >= (int)(sizeof g_paths / sizeof g_paths[0])) die("more than %d input files", MAX_FILES);
    p = (char *)malloc(n);
    if (!p) die("out of memory");
    snprintf(p, n, "%s/%s", dir, name);
    g_paths[g_npaths++] = p;
    return p;
}

static void open_ckpt(const char *path) {
    char err[512];
    if (g_nck >= MAX_FILES) die("more than %d checkpoint files", MAX_FILES);
    if (ckpt_open(&g_ck[g_nck], path, err, sizeof err)) {
        if (strncmp(err, path, strlen(path)) == 0) die("%s", err);   /* the reader named the file */
        die("%s: %s", path, err);
    }
    add_input(path);
    g_nck++;
}

/* a sharded checkpoint: {"weight_map": {"tensor": "shard file", ...}} */
static void open_index(const char *path) {
    size_t n = 0, i, j;
    char err[512], *text = (char *)util_read_input(path, UTIL_LIMIT_CONFIG, "checkpoint index", 0, &n, err, sizeof err), *dir, *slash;
    json_value *root;
    const json_value *wm;
    if (!text) die("%s", err);
    root = json_parse(text, n, err, sizeof err);
    if (!root) die("%s: %s", path, err);
    wm = json_get(root, "weight_map");
    if (!wm || wm->type != JSON_OBJECT) die("%s: no \"weight_map\" object (the index of a sharded checkpoint)", path);
    add_input(path);
    dir = (char *)malloc(strlen(path) + 2);
    if (!dir) die("out of memory");
    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if (slash) *slash = 0; else strcpy(dir, ".");
    for (i = 0; i < wm->count; i++) {
        const json_value *f = &wm->items[i];
        int seen = 0;
        if (f->type != JSON_STRING || !f->len || strchr(f->str, '/') || !strcmp(f->str, ".."))
            die("%s: tensor '%s' names a bad shard file", path, wm->keys[i]);
        for (j = 0; j < i; j++) if (!strcmp(wm->items[j].str, f->str)) { seen = 1; break; }
        if (!seen) open_ckpt(path_join(dir, f->str));
    }
    /* every tensor of the index must be in its shard; every shard tensor in the index */
    {
        size_t total = 0;
        int k;
        for (k = 0; k < g_nck; k++) total += g_ck[k].n_tensors;
        for (i = 0; i < wm->count; i++) {
            int found = 0;
            for (k = 0; k < g_nck && !found; k++) if (ckpt_find(&g_ck[k], wm->keys[i])) found = 1;
            if (!found) die("%s: tensor '%s' is not in its shard '%s'", path, wm->keys[i], wm->items[i].str);
        }
        if (total != wm->count) die("%s lists %zu tensors, its shards hold %zu", path, wm->count, total);
    }
    free(dir);
    json_free(root);
    free(text);
}

/* IN: a file, an index, or a directory; returns the tokenizer.json found beside (or NULL) */
static const char *open_inputs(const char *in, fmap *m) {
    if (is_dir(in)) {
        static const char *const w[] = { "model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json",
                                         "pytorch_model.bin", "state_dict.pt", NULL };
        char *cfg = path_join(in, "config.json"), *tok = path_join(in, "tokenizer.json");
        int i;
        if (is_file(cfg)) { load_hf_config(m, cfg); add_input(cfg); }
        for (i = 0; w[i]; i++) {
            char *p = path_join(in, w[i]);
            if (is_file(p)) {
                if (strstr(w[i], ".index.json")) open_index(p); else open_ckpt(p);
                break;
            }
        }
        if (!w[i]) die("%s: no model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json or state_dict.pt", in);
        return is_file(tok) ? tok : NULL;
    }
    if (ends(in, ".index.json")) open_index(in);
    else open_ckpt(in);
    return NULL;
}

static void collect_tensors(void) {
    int f;
    size_t k, i, j;
    for (f = 0; f < g_nck; f++) {
        for (k = 0; k < g_ck[f].n_tensors; k++) {
            const ckpt_tensor *t = &g_ck[f].tensors[k];
            if (t->dtype == CKPT_I64 || t->dtype == CKPT_I32 || t->dtype == CKPT_I8) continue; /* integer buffers (step counters) */
            if (g_hf) add_hf(strip(t->name), t, f);
            else {
                const char *n = strip(t->name);
                if (S(n)) die("tensors '%s' and '%s' have the same name once prefixes are stripped", S(n)->from, t->name);
                add_plain(n, t, f);
            }
        }
    }
    for (i = 0; i < g_nsrc; i++) for (j = 0; j < (size_t)g_src[i].nseg; j++)
        if (!g_src[i].segs[j].t && g_src[i].segs[j].nrows == 0) die("'%s': the checkpoint lacks part %d of it (q, k, v)", g_src[i].name, (int)j);
}

/* ---- the tokenizer ------------------------------------------------------- */
static void load_gpt2(tokfile *tf) {
    char err[512];
    if (tokfile_load_gpt2_memory(tf, (const char *)gpt2_encoder_json, gpt2_encoder_json_len, "gpt2 encoder.json",
                                 (const char *)gpt2_vocab_bpe, gpt2_vocab_bpe_len, "gpt2 vocab.bpe", err, sizeof err) != 0)
        die("the built-in GPT-2 tokenizer: %s", err);
}

/* ---- the output ------------------------------------------------------------- */
static uint64_t g_rng = 1;
static float rnd_normal(void) {
    /* xorshift64* + Box-Muller; only for random benchmark models */
    double u1, u2;
    g_rng ^= g_rng >> 12; g_rng ^= g_rng << 25; g_rng ^= g_rng >> 27;
    u1 = ((double)((g_rng * 0x2545F4914F6CDD1Dull) >> 11) + 0.5) / 9007199254740992.0;
    g_rng ^= g_rng >> 12; g_rng ^= g_rng << 25; g_rng ^= g_rng >> 27;
    u2 = ((double)((g_rng * 0x2545F4914F6CDD1Dull) >> 11) + 0.5) / 9007199254740992.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static uint16_t f32_to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

static FILE *g_out;
static size_t write_out(void *user, const void *p, size_t n) { (void)user; return fwrite(p, 1, n, g_out); }

typedef struct { double t0, last; uint64_t total, shown; int tty; } progress;
static void progress_show(progress *pr, uint64_t done, int final) {
    double now = util_now();
    if (!final && now - pr->last < (pr->tty ? 0.25 : 3.0)) return;
    if (final && !pr->tty && pr->shown == done) return; /* already said */
    pr->last = now;
    pr->shown = done;
    fprintf(stderr, "%scat-convert: %.2f of %.2f GB (%3.0f%%), %.0f s%s", pr->tty ? "\r" : "", (double)done / 1e9, (double)pr->total / 1e9,
            pr->total ? 100.0 * (double)done / (double)pr->total : 100.0, now - pr->t0, pr->tty && !final ? "" : "\n");
}

static int g_allow_nonfinite;

/* --dtype q4: the token embeddings (also the output projection when tied) and
   the output projection stay 8-bit: 4 bits there cost the most perplexity
   for the fewest bytes read per token */
static cat_dtype q4_or_q8(const char *name) {
    const size_t n = strlen(name);
    if (!strcmp(name, "output.weight") || (n >= 10 && !strcmp(name + n - 10, "wte.weight"))) return CAT_DTYPE_Q8;
    return CAT_DTYPE_Q4;
}

/* one tensor, a slab of rows at a time: peak memory is a slab, not the tensor */
static void write_tensor(cat_writer *w, const cat_tensor_desc *d, const src *s, progress *pr) {
    const int64_t rows = d->dims[0], cols = d->ndim == 2 ? d->dims[1] : 1;
    const int norm = d->ndim == 1 && !strstr(d->name, "bias"), bias = strstr(d->name, "bias") != NULL;
    int64_t slab = ((int64_t)8 << 20) / (cols * 4), r0, j;
    float *f32;
    uint8_t *scales = NULL;
    void *out;
    char err[512];
    const int quant = d->dtype == CAT_DTYPE_Q8 || d->dtype == CAT_DTYPE_Q4;
    const size_t G = (size_t)((cols + 31) / 32), R = d->dtype == CAT_DTYPE_Q4 ? 16 * G : (size_t)cols;   /* R: bytes of a row's values */
    size_t (*qbytes)(int64_t, int64_t) = d->dtype == CAT_DTYPE_Q4 ? cat_q4_bytes : cat_q8_bytes;
    if (slab < 1) slab = 1;
    if (slab > rows) slab = rows;
    f32 = (float *)malloc((size_t)(slab * cols) * sizeof(float));
    out = malloc(quant ? qbytes(slab, cols) : (size_t)(slab * cols) * 4);
    if (quant) scales = (uint8_t *)malloc((size_t)rows * G * 2);
    if (!f32 || !out || (quant && !scales)) die("out of memory");
    for (r0 = 0; r0 < rows; r0 += slab) {
        int64_t n = rows - r0 < slab ? rows - r0 : slab, nel = n * cols;
        size_t nb;
        if (!s) for (j = 0; j < nel; j++) f32[j] = norm ? 1.0f : bias ? 0.0f : 0.02f * rnd_normal();
        else src_read(s, r0, n, f32);
        if (s && !g_allow_nonfinite) for (j = 0; j < nel; j++) if (!isfinite(f32[j])) {
            int64_t at = r0 * cols + j;
            die("tensor '%s' (from '%s') has a non-finite value (%g) at index %lld ([%lld, %lld]); --allow-nonfinite converts it anyway",
                d->name, s->from, (double)f32[j], (long long)at, (long long)(at / cols), (long long)(at % cols));
        }
        if (quant) {   /* the rows' values go out now, their scales at the end */
            for (j = 0; j < nel; j++) if (!isfinite(f32[j])) die("tensor '%s' has a non-finite value; %s cannot hold it", d->name, cat_dtype_name(d->dtype));
            if (d->dtype == CAT_DTYPE_Q4) cat_q4_quantize(out, f32, n, cols);
            else cat_q8_quantize(out, f32, n, cols);
            memcpy(scales + (size_t)r0 * G * 2, (char *)out + qbytes(n, cols) - (size_t)n * G * 2, (size_t)n * G * 2);
            nb = (size_t)n * R;
        } else if (d->dtype == CAT_DTYPE_BF16) {
            for (j = 0; j < nel; j++) ((uint16_t *)out)[j] = f32_to_bf16(f32[j]);
            nb = (size_t)nel * 2;
        } else { memcpy(out, f32, (size_t)nel * 4); nb = (size_t)nel * 4; }
        if (cat_writer_data(w, out, nb, err, sizeof err)) die("writing '%s': %s (%s)", d->name, err, strerror(errno));
        progress_show(pr, w->file_size ? (uint64_t)ftell(g_out) : 0, 0);
    }
    if (quant) {
        /* the values of all rows, zeros up to the 64-byte boundary, then the scales */
        size_t pad = qbytes(rows, cols) - (size_t)rows * R - (size_t)rows * G * 2;
        memset(out, 0, pad);
        if (cat_writer_data(w, out, pad, err, sizeof err) || cat_writer_data(w, scales, (size_t)rows * G * 2, err, sizeof err))
            die("writing '%s': %s (%s)", d->name, err, strerror(errno));
    }
    free(f32); free(out); free(scales);
}

static void write_model(const char *out, const cat_config *c, cat_tensor_desc *ds, const src **srcs, int nt,
                        const tokfile *tf) {
    cat_writer w;
    cat_tokenizer_data td, *tdp = NULL;
    char err[512];
    progress pr;
    int i;
    if (tf) {
        td.n_vocab = tf->n_vocab; td.tokens = (const char *const *)tf->tokens; td.lens = tf->lens;
        td.n_merges = tf->n_merges; td.merges = tf->merges; td.n_special = tf->n_special; td.special = tf->special;
        tdp = &td;
    }
    snprintf(g_tmp, sizeof g_tmp, "%s.tmp.%ld", out, (long)getpid());
    atexit(cleanup_tmp);
    atexit(free_paths);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    g_out = fopen(g_tmp, "wb");
    if (!g_out) { g_tmp[0] = 0; die("cannot create '%s': %s", out, strerror(errno)); }
    if (cat_writer_begin(&w, write_out, NULL, c, tdp, ds, nt, err, sizeof err)) die("writing '%s': %s", out, err);
    memset(&pr, 0, sizeof pr);
    pr.t0 = pr.last = util_now(); pr.total = w.file_size; pr.tty = isatty(2);
    for (i = 0; i < nt; i++) write_tensor(&w, &ds[i], srcs[i], &pr);
    if (cat_writer_end(&w, err, sizeof err)) die("writing '%s': %s", out, err);
    if (fflush(g_out) || ferror(g_out)) die("writing '%s': %s", out, strerror(errno));
    if (fclose(g_out)) die("writing '%s': %s", out, strerror(errno));
    g_out = NULL;
    if (w.file_size > ((uint64_t)64 << 20)) progress_show(&pr, w.file_size, 1);
    /* check what was written loads, before it takes the final name */
    {
        cat_model *m;
        cat_result r = cat_model_open(g_tmp, &m, err, sizeof err);
        if (r) die("the written file does not load back (%s): %s", cat_result_string(r), err);
        cat_model_close(m);
    }
    if (rename(g_tmp, out)) die("cannot rename '%s' to '%s': %s", g_tmp, out, strerror(errno));
    g_tmp[0] = 0;
    printf("wrote %s: %s, %d tensors, %.2f MB\n", out, cat_family_name(c->family), nt, (double)w.file_size / 1e6);
}

/* OUT must not be one of the inputs (same device and inode: links count) */
static void refuse_same_file(const char *out) {
    struct stat so, si;
    int i;
    if (stat(out, &so) != 0) return;
    if (S_ISDIR(so.st_mode)) die("'%s' is a directory; OUT must be a file", out);
    for (i = 0; i < g_ninputs; i++)
        if (stat(g_inputs[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            die("OUT '%s' is the input file '%s'%s; nothing written", out, g_inputs[i], strcmp(out, g_inputs[i]) ? " (the same file through a link)" : "");
}

/* ---- commands ----------------------------------------------------------- */
static void print_config(const cat_config *c) {
    printf("family            %s\n", cat_family_name(c->family));
    printf("vocab_size        %d (padded %d)\n", c->vocab_size, c->padded_vocab);
    printf("block_size        %d\n", c->block_size);
    if (c->family != CAT_FAMILY_DENSE) printf("chunk_size        %d%s\n", c->chunk_size, c->family == CAT_FAMILY_CAT_ADAPTIVE ? " (largest; test-time 1, 2, 4, ... )" : "");
    if (c->family != CAT_FAMILY_DENSE) printf("dim_fx            %d\n", c->dim_fx);
    printf("%-17s dim %d, heads %d (kv %d), head %d, layers %d, ffn %d, qk_norm %d, rope_base %g, norm_eps %g\n",
           c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE ? "decoder" : "model",
           c->dec.dim, c->dec.n_head, c->dec.n_local_heads, c->dec.head_dim, c->dec.n_layer, c->dec.intermediate_size,
           c->dec.use_qk_norm, c->dec.rope_base, c->dec.norm_eps);
    if (c->family == CAT_FAMILY_CAT_LAYER) printf("cat attention     heads %d, head %d, rope dims %d\n", c->layer_n_head, c->layer_head_dim, c->dec.head_dim);
    if (c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE)
        printf("compressor        dim %d, heads %d (kv %d), head %d, layers %d, ffn %d, qk_norm %d, rope_base %g, norm_eps %g\n",
               c->comp.dim, c->comp.n_head, c->comp.n_local_heads, c->comp.head_dim, c->comp.n_layer, c->comp.intermediate_size,
               c->comp.use_qk_norm, c->comp.rope_base, c->comp.norm_eps);
}

static int cmd_info(const char *path) {
    cat_model *m;
    char err[512];
    cat_result r = cat_model_open(path, &m, err, sizeof err);
    int i, n;
    uint64_t params = 0;
    if (r) die("%s: %s", path, err);
    printf("%s\n", path);
    print_config(cat_model_config(m));
    n = cat_model_tensor_count(m);
    printf("\n%-56s %-5s %-16s %12s %12s\n", "tensor", "type", "shape", "offset", "bytes");
    for (i = 0; i < n; i++) {
        const char *name; cat_dtype dt; int nd; int64_t dims[4]; uint64_t off, nb; char shp[64];
        cat_model_tensor_info(m, i, &name, &dt, &nd, dims, &off, &nb);
        cat_format_shape(shp, sizeof shp, nd, dims);
        printf("%-56s %-5s %-16s %12llu %12llu\n", name, cat_dtype_name(dt), shp, (unsigned long long)off, (unsigned long long)nb);
        { int k; uint64_t e = 1; for (k = 0; k < nd; k++) e *= (uint64_t)dims[k]; params += e; }
    }
    printf("\n%d tensors, %llu parameters, %.2f MB of weights, file %.2f MB\n", n, (unsigned long long)params,
           (double)cat_model_weight_bytes(m) / 1e6, (double)cat_model_file_bytes(m) / 1e6);
    if (cat_model_tokenizer(m)) printf("tokenizer: %u tokens\n", cat_tokenizer_vocab_size(cat_model_tokenizer(m)));
    else printf("tokenizer: none\n");
    {
        /* the KV cache a session holds at the model's context (a small session computes it) */
        cat_session_params sp;
        cat_session *s;
        memset(&sp, 0, sizeof sp);
        sp.max_context = cat_model_config(m)->block_size < 256 ? 0 : 256;
        if (cat_session_open(m, &sp, &s) == CAT_OK) {
            const int32_t L = cat_model_config(m)->block_size;
            printf("kv cache at %d tokens: %llu bytes (f32", L, (unsigned long long)cat_session_kv_bytes_at(s, L));
            if (cat_session_chunk(s)) printf(", chunk %d", cat_session_chunk(s));
            printf(")\n");
            cat_session_close(s);
        }
    }
    cat_model_close(m);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd, *in = NULL, *out = NULL, *cfgpath = NULL, *tokjson = NULL, *vocab = NULL, *merges = NULL, *dtype = NULL;
    const char *sets[64], *dir_tok = NULL;
    int nsets = 0, i, nt, random_mode, no_tok = 0;
    fmap fm;
    cat_config cfg;
    cat_tensor_spec *specs;
    cat_tensor_desc *ds;
    const src **srcs;
    tokfile tf, *tfp = NULL;
    uint64_t seed = 1;
    char err[512];

    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) { usage(argc < 2 ? stderr : stdout); return argc < 2 ? 2 : 0; }
    if (!strcmp(argv[1], "--version")) { cli_version("cat-convert"); return 0; }
    cmd = argv[1];
    if (!strcmp(cmd, "info")) {
        if (argc != 3) { fprintf(stderr, "usage: cat-convert info MODEL\n"); return 2; }
        return cmd_info(argv[2]);
    }
    if (strcmp(cmd, "convert") && strcmp(cmd, "random")) { fprintf(stderr, "cat-convert: unknown command '%s' (convert, info, random; try --help)\n", cmd); return 2; }
    random_mode = !strcmp(cmd, "random");
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (fprintf(stderr, "cat-convert: %s needs a value\n", a), exit(2), (char *)NULL))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--config")) cfgpath = NEXT();
        else if (!strcmp(a, "--set")) { if (nsets >= 64) die("too many --set"); sets[nsets++] = NEXT(); }
        else if (!strcmp(a, "--dtype")) dtype = NEXT();
        else if (!strcmp(a, "--tokenizer")) tokjson = NEXT();
        else if (!strcmp(a, "--vocab")) vocab = NEXT();
        else if (!strcmp(a, "--merges")) merges = NEXT();
        else if (!strcmp(a, "--no-tokenizer")) no_tok = 1;
        else if (!strcmp(a, "--allow-nonfinite")) g_allow_nonfinite = 1;
        else if (!strcmp(a, "--seed")) { const char *v = NEXT(); if (util_parse_u64(v, &seed) != 0) die("--seed needs a whole number from 0 to 18446744073709551615, got '%s'", v); }
        else if (a[0] == '-' && a[1]) {
            static const char *const known[] = {"--config", "--set", "--dtype", "--tokenizer", "--vocab", "--merges", "--no-tokenizer",
                                                "--allow-nonfinite", "--seed", "--help", NULL};
            return cli_unknown("cat-convert", a, known);
        }
        else if (!random_mode && !in) in = a;
        else if (!out) out = a;
        else { fprintf(stderr, "cat-convert: unexpected argument '%s' (try --help)\n", a); return 2; }
#undef NEXT
    }
    if ((!random_mode && !in) || !out) { fprintf(stderr, "cat-convert: %s needs %s (try --help)\n", cmd, random_mode ? "OUT" : "IN and OUT"); return 2; }
    if (random_mode && !cfgpath) { fprintf(stderr, "cat-convert: random needs --config CFG.json\n"); return 2; }
    if (dtype && strcmp(dtype, "f32") && strcmp(dtype, "bf16") && strcmp(dtype, "q8") && strcmp(dtype, "q4")) { fprintf(stderr, "cat-convert: --dtype must be f32, bf16, q8 or q4, not '%s'\n", dtype); return 2; }
    if ((tokjson != NULL) + (vocab || merges) + no_tok > 1) { fprintf(stderr, "cat-convert: give one of --tokenizer, --vocab/--merges and --no-tokenizer\n"); return 2; }
    if (!!vocab != !!merges) { fprintf(stderr, "cat-convert: --vocab and --merges go together\n"); return 2; }

    memset(&fm, 0, sizeof fm);
    if (!random_mode) dir_tok = open_inputs(in, &fm);
    if (cfgpath) { load_config(&fm, cfgpath); add_input(cfgpath); }
    for (i = 0; i < nsets; i++) apply_set(&fm, sets[i]);
    if (tokjson && strcmp(tokjson, "gpt2")) add_input(tokjson);
    if (vocab) { add_input(vocab); add_input(merges); }
    if (dir_tok && !tokjson && !vocab && !no_tok) { tokjson = dir_tok; add_input(dir_tok); }
    refuse_same_file(out);
    collect_tensors();

    /* the tokenizer (it may tell the vocabulary size) */
    if (tokjson || vocab) {
        int rc = 0;
        if (tokjson && !strcmp(tokjson, "gpt2")) load_gpt2(&tf);
        else rc = tokjson ? tokfile_load_hf(&tf, tokjson, err, sizeof err) : tokfile_load_gpt2(&tf, vocab, merges, err, sizeof err);
        if (rc != 0) die("%s", err); /* tokfile messages name the file */
        tfp = &tf;
    } else if (!no_tok && !random_mode && dim_of(g_hf ? "output.weight" : "wte.weight", 0) >= 50257 &&
               dim_of(g_hf ? "output.weight" : "wte.weight", 0) <= 50432 && (!fhas(&fm, "vocab_size") || fnum(&fm, "vocab_size") == 50257)) {
        /* GPT-2's vocabulary (50257, padded to 50432): its tokenizer, built in */
        load_gpt2(&tf);
        tfp = &tf;
        fprintf(stderr, "cat-convert: storing the built-in GPT-2 tokenizer (50257 tokens; --no-tokenizer to store none)\n");
    }
    if (g_hf) {
        /* vocabulary tables hold vocab_size rows: pad to the reference's multiple of 256 */
        int64_t rows = dim_of("output.weight", 0);
        if (rows > 0) {
            int64_t to = find_multiple(rows, 256);
            if (!fhas(&fm, "vocab_size")) fset_num(&fm, "vocab_size", (double)rows);
            pad_rows("wte.weight", to); pad_rows("f.wte.weight", to); pad_rows("output.weight", to);
        }
    }
    build_config(&fm, &cfg, random_mode, tfp ? tfp->n_vocab : 0);
    if (tfp) {
        if ((int64_t)tfp->n_vocab > cfg.padded_vocab) die("the tokenizer has %u tokens but the model only %d (padded)", tfp->n_vocab, cfg.padded_vocab);
        if ((int64_t)tfp->n_vocab != cfg.vocab_size) fprintf(stderr, "cat-convert: note: the tokenizer has %u tokens, the model's vocab_size is %d\n", tfp->n_vocab, cfg.vocab_size);
    }

    nt = cat_config_tensor_specs(&cfg, NULL, 0);
    specs = (cat_tensor_spec *)calloc((size_t)nt, sizeof *specs);
    ds = (cat_tensor_desc *)calloc((size_t)nt, sizeof *ds);
    srcs = (const src **)calloc((size_t)nt, sizeof *srcs);
    if (!specs || !ds || !srcs) die("out of memory");
    cat_config_tensor_specs(&cfg, specs, nt);
    {
        int problems = 0;
        size_t k;
        for (i = 0; i < nt; i++) {
            src *s = random_mode ? NULL : S(specs[i].name);
            memcpy(ds[i].name, specs[i].name, sizeof ds[i].name);
            ds[i].ndim = specs[i].ndim;
            ds[i].dims[0] = specs[i].dims[0]; ds[i].dims[1] = specs[i].dims[1];
            if (random_mode) {
                ds[i].dtype = specs[i].ndim != 2 || !dtype ? CAT_DTYPE_F32 : !strcmp(dtype, "bf16") ? CAT_DTYPE_BF16 : !strcmp(dtype, "q8") ? CAT_DTYPE_Q8
                            : !strcmp(dtype, "q4") ? q4_or_q8(specs[i].name) : CAT_DTYPE_F32;
                continue;
            }
            if (!s) { fprintf(stderr, "cat-convert: %s: tensor '%s' is missing\n", in, specs[i].name); problems++; continue; }
            s->used = 1;
            if (s->ndim != specs[i].ndim || s->rows != specs[i].dims[0] || (specs[i].ndim == 2 && s->shape[1] != specs[i].dims[1])) {
                char got[96], want[96];
                int64_t sh[CKPT_MAX_DIMS];
                int k2;
                for (k2 = 0; k2 < s->ndim; k2++) sh[k2] = s->shape[k2];
                cat_format_shape(got, sizeof got, s->ndim, sh);
                cat_format_shape(want, sizeof want, specs[i].ndim, specs[i].dims);
                fprintf(stderr, "cat-convert: %s: tensor '%s' has shape %s, expected %s\n", in, specs[i].name, got, want);
                problems++; continue;
            }
            srcs[i] = s;
            if (specs[i].ndim == 1 || (dtype && !strcmp(dtype, "f32"))) ds[i].dtype = CAT_DTYPE_F32;
            else if (dtype && !strcmp(dtype, "bf16")) ds[i].dtype = CAT_DTYPE_BF16;
            else if (dtype && !strcmp(dtype, "q8")) ds[i].dtype = CAT_DTYPE_Q8;
            else if (dtype && !strcmp(dtype, "q4")) ds[i].dtype = q4_or_q8(specs[i].name);
            else ds[i].dtype = s->dtype == CKPT_BF16 ? CAT_DTYPE_BF16 : CAT_DTYPE_F32;
        }
        for (k = 0; k < g_nsrc; k++) if (!g_src[k].used) {
            fprintf(stderr, "cat-convert: %s: unexpected tensor '%s' (not part of a %s model with this configuration)\n", in, g_src[k].from, cat_family_name(cfg.family));
            problems++;
        }
        if (problems) die("%s does not match the configuration (%d problem%s above); nothing written", in, problems, problems > 1 ? "s" : "");
    }
    if (random_mode) g_rng = seed * 0x9E3779B97F4A7C15ull + 1;
    write_model(out, &cfg, ds, srcs, nt, tfp);
    if (tfp) tokfile_free(tfp);
    for (i = 0; i < g_nck; i++) ckpt_close(&g_ck[i]);
    free(g_src); free(specs); free(ds); free(srcs);
    return 0;
}
