/* cat-convert: torch state_dict.pt / safetensors checkpoints -> cat.h model files.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200809L
#define CAT_IMPLEMENTATION
#include "../cat.h"
#define CKPT_IMPLEMENTATION
#include "ckpt.h"
#define JSON_IMPLEMENTATION
#include "json.h"
#define TOKFILE_IMPLEMENTATION
#include "tokfile.h"
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static void usage(FILE *f) {
    fprintf(f,
        "usage:\n"
        "  cat-convert convert IN OUT --config CFG.json [options]\n"
        "      IN is a torch state_dict .pt file or a .safetensors file; OUT the model file.\n"
        "  cat-convert info MODEL\n"
        "      print a model file's configuration, tensors and sizes.\n"
        "  cat-convert random OUT --config CFG.json [--dtype D] [--seed S]\n"
        "      write a model of the configured shape with random weights (for benchmarks).\n"
        "\n"
        "convert / random options:\n"
        "  --config FILE        model configuration, with the reference's constructor field\n"
        "                       names: family, adaptive, vocab_size, chunk_size, block_size,\n"
        "                       compressor{...}, decoder{...} or model{...} (dim, n_head,\n"
        "                       n_local_heads, n_layer, dim_fx, use_qk_norm, rope_base,\n"
        "                       norm_eps, intermediate_size)\n"
        "  --set KEY=VALUE      override a configuration field, e.g. --set block_size=1024,\n"
        "                       --set decoder.n_local_heads=4 (repeatable)\n"
        "  --dtype f32|bf16|q8  weight type in the file (default: keep f32 and bf16 sources,\n"
        "                       f16 becomes f32); q8: 8-bit weights with a scale per group\n"
        "                       of 32 (about 1.1 bytes a weight); vectors (norms, biases)\n"
        "                       are always f32\n"
        "  --tokenizer FILE     store the tokenizer from a HuggingFace tokenizer.json\n"
        "  --vocab FILE --merges FILE   ... or from GPT-2 style vocab.json + merges.txt\n"
        "  --seed S             random: seed (default 1)\n"
        "  --version            print the version and exit\n"
        "  -h, --help           this text\n"
        "\n"
        "Shapes the checkpoint determines (dims, layer counts, intermediate size, padded\n"
        "vocabulary, key/value heads, QK-norm) are inferred when the configuration omits\n"
        "them and cross-checked when it gives them. Keys prefixed 'module.' or\n"
        "'_orig_mod.' are stripped. OUT is written to a temporary file and renamed into\n"
        "place only when complete.\n");
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
        } else if (!in_list(top_keys, key)) die("--set: unknown field '%s'", key);
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

/* ---- the checkpoint, by stripped name ------------------------------------ */
typedef struct { const char *name; const ckpt_tensor *t; int used; } named;
static named *g_named;
static size_t g_nnamed;

static const ckpt_tensor *T(const char *name) {
    size_t i;
    for (i = 0; i < g_nnamed; i++) if (!strcmp(g_named[i].name, name)) return g_named[i].t;
    return NULL;
}

static const char *strip(const char *n) {
    for (;;) {
        if (!strncmp(n, "module.", 7)) n += 7;
        else if (!strncmp(n, "_orig_mod.", 10)) n += 10;
        else return n;
    }
}

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
    if (inferred < 0) die("config lacks '%s' and the checkpoint cannot tell it", key);
    return (int32_t)inferred;
}

static int max_layer_index(const char *prefix) {
    size_t i, pl = strlen(prefix);
    int mx = -1;
    for (i = 0; i < g_nnamed; i++) {
        const char *n = g_named[i].name;
        if (!strncmp(n, prefix, pl)) {
            char *end; long v = strtol(n + pl, &end, 10);
            if (end != n + pl && *end == '.' && v >= 0 && v < 100000 && v > mx) mx = (int)v;
        }
    }
    return mx;
}

static int64_t dim_of(const char *name, int k) {
    const ckpt_tensor *t = T(name);
    if (!t || k >= t->ndim) return -1;
    return t->shape[k];
}

static void block_from(fmap *m, const char *sec, const char *pre, int layer_attn_cat, cat_stack_config *b) {
    char key[96], nm[160];
    int64_t inf;
    int ml;
    const char *ap = layer_attn_cat ? "attention.attention." : "attention.";
    snprintf(nm, sizeof nm, "%swte.weight", pre);
    snprintf(key, sizeof key, "%s.dim", sec);
    b->dim = pick(m, key, dim_of(nm, 1), nm);
    snprintf(key, sizeof key, "%s.n_head", sec);
    if (!fhas(m, key)) die("config lacks '%s' (the number of attention heads)", key);
    b->n_head = as_i32(m, key);
    if (b->n_head <= 0 || b->dim % b->n_head) die("config %s.n_head = %d does not divide dim = %d", sec, b->n_head, b->dim);
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
    snprintf(key, sizeof key, "%s.use_qk_norm", sec);
    snprintf(nm, sizeof nm, "%slayers.0.%sq_norm.weight", pre, ap);
    b->use_qk_norm = fhas(m, key) ? (fnum(m, key) != 0) : (T(nm) != NULL);
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

/* top-level integer, possibly given inside sections too (must agree) */
static int32_t top_int(fmap *m, const char *key, int required) {
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
    if (!have && required) die("config lacks '%s'", key);
    return v;
}

static void build_config(fmap *m, cat_config *c) {
    field *fam = fget(m, "family");
    char err[512];
    int64_t pv;
    memset(c, 0, sizeof *c);
    if (!fam || !fam->set || !fam->is_str) die("config lacks 'family' (\"cat\", \"cat_layer\" or \"dense\")");
    if (!strcmp(fam->str, "dense")) c->family = CAT_FAMILY_DENSE;
    else if (!strcmp(fam->str, "cat")) c->family = fnum(m, "adaptive") != 0 ? CAT_FAMILY_CAT_ADAPTIVE : CAT_FAMILY_CAT;
    else if (!strcmp(fam->str, "cat_adaptive")) c->family = CAT_FAMILY_CAT_ADAPTIVE;
    else if (!strcmp(fam->str, "cat_layer")) c->family = CAT_FAMILY_CAT_LAYER;
    else die("config family '%s' is unknown (cat, cat_layer, dense)", fam->str);
    c->vocab_size = top_int(m, "vocab_size", 1);
    c->block_size = top_int(m, "block_size", 1);
    pv = dim_of("wte.weight", 0);
    if (fhas(m, "padded_vocab_size")) c->padded_vocab = as_i32(m, "padded_vocab_size");
    else c->padded_vocab = (int32_t)(pv > 0 ? pv : find_multiple(c->vocab_size, 256));
    if (c->family != CAT_FAMILY_DENSE) c->chunk_size = top_int(m, "chunk_size", 1);
    block_from(m, "decoder", "", 0, &c->dec);
    if (c->family == CAT_FAMILY_CAT_LAYER) {
        c->dim_fx = pick(m, "decoder.dim_fx", dim_of("layers.0.attention.expand.weight", 0), "layers.0.attention.expand.weight");
        c->dec.n_local_heads = c->dec.n_head;
    } else if (c->family != CAT_FAMILY_DENSE) {
        block_from(m, "compressor", "f.", 0, &c->comp);
        c->dim_fx = fhas(m, "compressor.dim_fx") ? as_i32(m, "compressor.dim_fx") : c->dec.dim;
    }
    if (cat_config_validate(c, err, sizeof err)) die("%s", err);
}

/* ---- writing ------------------------------------------------------------ */
typedef struct {
    cat_tensor_spec spec;
    cat_dtype dtype;
    const ckpt_tensor *src;
    uint64_t offset, nbytes;
} otensor;

static void put32(FILE *f, uint32_t v) { unsigned char b[4]; b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24); fwrite(b, 1, 4, f); }
static void put64(FILE *f, uint64_t v) { put32(f, (uint32_t)v); put32(f, (uint32_t)(v >> 32)); }
static void putf64(FILE *f, double d) { uint64_t u; memcpy(&u, &d, 8); put64(f, u); }
static void putstr(FILE *f, const char *s) { put32(f, (uint32_t)strlen(s)); fwrite(s, 1, strlen(s), f); }

static int g_nkv;
static void kv_i(FILE *f, const char *k, int64_t v) { if (f) { putstr(f, k); put32(f, 1); put64(f, (uint64_t)v); } g_nkv++; }
static void kv_f(FILE *f, const char *k, double v) { if (f) { putstr(f, k); put32(f, 2); putf64(f, v); } g_nkv++; }
static void kv_s(FILE *f, const char *k, const char *v) { if (f) { putstr(f, k); put32(f, 3); putstr(f, v); } g_nkv++; }

static void write_block_kv(FILE *f, const char *sec, const cat_stack_config *b) {
    char k[64];
    snprintf(k, sizeof k, "%s.dim", sec); kv_i(f, k, b->dim);
    snprintf(k, sizeof k, "%s.n_head", sec); kv_i(f, k, b->n_head);
    snprintf(k, sizeof k, "%s.n_local_heads", sec); kv_i(f, k, b->n_local_heads);
    snprintf(k, sizeof k, "%s.n_layer", sec); kv_i(f, k, b->n_layer);
    snprintf(k, sizeof k, "%s.intermediate_size", sec); kv_i(f, k, b->intermediate_size);
    snprintf(k, sizeof k, "%s.use_qk_norm", sec); kv_i(f, k, b->use_qk_norm);
    snprintf(k, sizeof k, "%s.rope_base", sec); kv_f(f, k, b->rope_base);
    snprintf(k, sizeof k, "%s.norm_eps", sec); kv_f(f, k, b->norm_eps);
}

static void write_kv(FILE *f, const cat_config *c) {
    g_nkv = 0;
    kv_s(f, "family", cat_family_name(c->family));
    kv_i(f, "vocab_size", c->vocab_size);
    kv_i(f, "padded_vocab_size", c->padded_vocab);
    kv_i(f, "block_size", c->block_size);
    if (c->family != CAT_FAMILY_DENSE) { kv_i(f, "chunk_size", c->chunk_size); kv_i(f, "dim_fx", c->dim_fx); }
    write_block_kv(f, "decoder", &c->dec);
    if (c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE) write_block_kv(f, "compressor", &c->comp);
}

static void write_tok(FILE *f, const tokfile *tf) {
    uint32_t i;
    put32(f, tf->n_vocab); put32(f, tf->n_merges); put32(f, tf->n_special);
    for (i = 0; i < tf->n_vocab; i++) { put32(f, tf->lens[i]); fwrite(tf->tokens[i], 1, tf->lens[i], f); }
    for (i = 0; i < 2 * tf->n_merges; i++) put32(f, tf->merges[i]);
    for (i = 0; i < tf->n_special; i++) put32(f, tf->special[i]);
}

static uint64_t tok_size(const tokfile *tf) {
    uint64_t n = 12 + 8ull * tf->n_merges + 4ull * tf->n_special;
    uint32_t i;
    for (i = 0; i < tf->n_vocab; i++) n += 4 + tf->lens[i];
    return n;
}

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

static char g_tmp[4200];
static void cleanup_tmp(void) { if (g_tmp[0]) { remove(g_tmp); g_tmp[0] = 0; } }

static int write_model(const char *out, const cat_config *c, otensor *ts, int nt, const tokfile *tf, int random_init) {
    FILE *f;
    uint64_t kv_size, dir_size = 0, data_size = 0, kv_off = 128, tok_off, dir_off, data_off, fsize, tsz = tf ? tok_size(tf) : 0;
    int i;
    long long pos;
    void *buf = NULL;
    size_t bufcap = 0;
    char err[512];
    const int progress = nt > 20 && isatty(2);
    {
        /* measure the config section (and count its entries) by writing it once */
        FILE *tmp = tmpfile();
        if (!tmp) die("cannot create a temporary file");
        write_kv(tmp, c);
        kv_size = (uint64_t)ftell(tmp);
        fclose(tmp);
    }
    for (i = 0; i < nt; i++) {
        dir_size += 4 + strlen(ts[i].spec.name) + 8 + 8ull * ts[i].spec.ndim + 16;
        data_size = (data_size + 63) & ~63ull;
        ts[i].offset = data_size;
        if (ts[i].dtype == CAT_DTYPE_Q8) ts[i].nbytes = cat_q8_bytes(ts[i].spec.dims[0], ts[i].spec.dims[1]);
        else ts[i].nbytes = (uint64_t)ts[i].spec.dims[0] * (ts[i].spec.ndim == 2 ? (uint64_t)ts[i].spec.dims[1] : 1) * (ts[i].dtype == CAT_DTYPE_F32 ? 4 : 2);
        data_size += ts[i].nbytes;
    }
    tok_off = tf ? kv_off + kv_size : 0;
    dir_off = kv_off + kv_size + tsz;
    data_off = (dir_off + dir_size + 63) & ~63ull;
    fsize = data_off + data_size;

    snprintf(g_tmp, sizeof g_tmp, "%s.tmp.%ld", out, (long)getpid());
    atexit(cleanup_tmp);
    f = fopen(g_tmp, "wb");
    if (!f) { g_tmp[0] = 0; die("cannot create '%s': %s", out, strerror(errno)); }
    fwrite("CATMODEL", 1, 8, f);
    put32(f, 1); put32(f, 0); put64(f, fsize);
    put64(f, kv_off); put64(f, kv_size);
    put64(f, tok_off); put64(f, tsz);
    put64(f, dir_off); put64(f, dir_size);
    put64(f, data_off); put64(f, data_size);
    put32(f, (uint32_t)g_nkv); put32(f, (uint32_t)nt);
    for (pos = 96; pos < 128; pos++) fputc(0, f);
    write_kv(f, c);
    if (tf) write_tok(f, tf);
    for (i = 0; i < nt; i++) {
        int k;
        putstr(f, ts[i].spec.name);
        put32(f, (uint32_t)ts[i].dtype); put32(f, (uint32_t)ts[i].spec.ndim);
        for (k = 0; k < ts[i].spec.ndim; k++) put64(f, (uint64_t)ts[i].spec.dims[k]);
        put64(f, ts[i].offset); put64(f, ts[i].nbytes);
    }
    pos = (long long)ftell(f);
    while ((uint64_t)pos < data_off) { fputc(0, f); pos++; }
    for (i = 0; i < nt; i++) {
        uint64_t at = data_off + ts[i].offset;
        while ((uint64_t)pos < at) { fputc(0, f); pos++; }
        {
            /* q8 goes through an f32 copy of the whole matrix first */
            size_t need = ts[i].dtype == CAT_DTYPE_Q8 ? (size_t)ts[i].spec.dims[0] * (size_t)ts[i].spec.dims[1] * 4 + (size_t)ts[i].nbytes : (size_t)ts[i].nbytes;
            if (need > bufcap) { free(buf); bufcap = need; buf = malloc(bufcap); if (!buf) die("out of memory"); }
        }
        if (ts[i].dtype == CAT_DTYPE_Q8) {
            float *f32 = (float *)((char *)buf + ts[i].nbytes);
            uint64_t j, nel = (uint64_t)ts[i].spec.dims[0] * (uint64_t)ts[i].spec.dims[1];
            if (random_init) for (j = 0; j < nel; j++) f32[j] = 0.02f * rnd_normal();
            else if (ckpt_read(ts[i].src, f32, CKPT_F32, err, sizeof err)) { fclose(f); die("reading tensor '%s': %s", ts[i].spec.name, err); }
            for (j = 0; j < nel; j++) if (!isfinite(f32[j])) { fclose(f); die("tensor '%s' has a non-finite value; q8 cannot hold it", ts[i].spec.name); }
            cat_q8_quantize(buf, f32, ts[i].spec.dims[0], ts[i].spec.dims[1]);
        } else if (random_init) {
            uint64_t j, nel = ts[i].nbytes / (ts[i].dtype == CAT_DTYPE_F32 ? 4 : 2);
            int is_norm = ts[i].spec.ndim == 1 && !strstr(ts[i].spec.name, "bias");
            float sd = 0.02f;
            for (j = 0; j < nel; j++) {
                float v = is_norm ? 1.0f : (strstr(ts[i].spec.name, "bias") ? 0.0f : sd * rnd_normal());
                if (ts[i].dtype == CAT_DTYPE_F32) ((float *)buf)[j] = v;
                else ((uint16_t *)buf)[j] = f32_to_bf16(v);
            }
        } else if (ckpt_read(ts[i].src, buf, ts[i].dtype == CAT_DTYPE_F32 ? CKPT_F32 : CKPT_BF16, err, sizeof err)) {
            fclose(f); die("reading tensor '%s': %s", ts[i].spec.name, err);
        }
        if (fwrite(buf, 1, (size_t)ts[i].nbytes, f) != (size_t)ts[i].nbytes) { fclose(f); die("writing '%s': %s", out, strerror(errno)); }
        pos += (long long)ts[i].nbytes;
        if (progress && ((i + 1) % 10 == 0 || i + 1 == nt)) fprintf(stderr, "\rcat-convert: %d/%d tensors", i + 1, nt);
    }
    if (progress) fprintf(stderr, "\n");
    free(buf);
    if (fflush(f) || ferror(f)) { fclose(f); die("writing '%s': %s", out, strerror(errno)); }
    if (fclose(f)) die("writing '%s': %s", out, strerror(errno));
    /* check what was written loads, before it takes the final name */
    {
        cat_model *m;
        cat_result r = cat_model_open(g_tmp, &m, err, sizeof err);
        if (r) die("the written file does not load back (%s): %s", cat_result_string(r), err);
        cat_model_close(m);
    }
    if (rename(g_tmp, out)) die("cannot rename '%s' to '%s': %s", g_tmp, out, strerror(errno));
    g_tmp[0] = 0;
    printf("wrote %s: %s, %d tensors, %.2f MB\n", out, cat_family_name(c->family), nt, (double)fsize / 1e6);
    return 0;
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
    cat_model_close(m);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd, *in = NULL, *out = NULL, *cfgpath = NULL, *tokjson = NULL, *vocab = NULL, *merges = NULL, *dtype = NULL;
    const char *sets[64];
    int nsets = 0, i, nt, random_mode;
    fmap fm;
    cat_config cfg;
    ckpt_file ck;
    char err[512];
    otensor *ts;
    cat_tensor_spec *specs;
    tokfile tf, *tfp = NULL;
    uint64_t seed = 1;

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
        else if (!strcmp(a, "--seed")) { const char *v = NEXT(); if (!util_parse_u64(v, &seed)) die("--seed needs a whole number from 0 to 18446744073709551615, got '%s'", v); }
        else if (a[0] == '-' && a[1]) {
            static const char *const known[] = {"--config", "--set", "--dtype", "--tokenizer", "--vocab", "--merges", "--seed", "--help", NULL};
            return cli_unknown("cat-convert", a, known);
        }
        else if (!random_mode && !in) in = a;
        else if (!out) out = a;
        else { fprintf(stderr, "cat-convert: unexpected argument '%s' (try --help)\n", a); return 2; }
#undef NEXT
    }
    if ((!random_mode && !in) || !out) { fprintf(stderr, "cat-convert: %s needs %s (try --help)\n", cmd, random_mode ? "OUT" : "IN and OUT"); return 2; }
    if (!cfgpath) { fprintf(stderr, "cat-convert: --config CFG.json is required (checkpoints carry no configuration)\n"); return 2; }
    if (dtype && strcmp(dtype, "f32") && strcmp(dtype, "bf16") && strcmp(dtype, "q8")) { fprintf(stderr, "cat-convert: --dtype must be f32, bf16 or q8, not '%s'\n", dtype); return 2; }
    if (tokjson && (vocab || merges)) { fprintf(stderr, "cat-convert: give --tokenizer or --vocab/--merges, not both\n"); return 2; }
    if (!!vocab != !!merges) { fprintf(stderr, "cat-convert: --vocab and --merges go together\n"); return 2; }

    memset(&fm, 0, sizeof fm);
    load_config(&fm, cfgpath);
    for (i = 0; i < nsets; i++) apply_set(&fm, sets[i]);

    memset(&ck, 0, sizeof ck);
    if (!random_mode) {
        size_t k, j;
        if (ckpt_open(&ck, in, err, sizeof err)) die("%s: %s", in, err);
        g_named = (named *)calloc(ck.n_tensors ? ck.n_tensors : 1, sizeof(named));
        if (!g_named) die("out of memory");
        for (k = 0; k < ck.n_tensors; k++) {
            g_named[k].name = strip(ck.tensors[k].name);
            g_named[k].t = &ck.tensors[k];
            for (j = 0; j < k; j++) if (!strcmp(g_named[j].name, g_named[k].name))
                die("%s: tensors '%s' and '%s' have the same name once prefixes are stripped", in, ck.tensors[j].name, ck.tensors[k].name);
        }
        g_nnamed = ck.n_tensors;
    }
    build_config(&fm, &cfg);

    nt = cat_config_tensor_specs(&cfg, NULL, 0);
    specs = (cat_tensor_spec *)calloc((size_t)nt, sizeof *specs);
    ts = (otensor *)calloc((size_t)nt, sizeof *ts);
    if (!specs || !ts) die("out of memory");
    cat_config_tensor_specs(&cfg, specs, nt);
    {
        int problems = 0;
        size_t k;
        for (i = 0; i < nt; i++) {
            const ckpt_tensor *t = random_mode ? NULL : T(specs[i].name);
            ts[i].spec = specs[i];
            if (random_mode) {
                ts[i].dtype = specs[i].ndim != 2 || !dtype ? CAT_DTYPE_F32 : !strcmp(dtype, "bf16") ? CAT_DTYPE_BF16 : !strcmp(dtype, "q8") ? CAT_DTYPE_Q8 : CAT_DTYPE_F32;
                continue;
            }
            if (!t) { fprintf(stderr, "cat-convert: %s: tensor '%s' is missing\n", in, specs[i].name); problems++; continue; }
            for (k = 0; k < g_nnamed; k++) if (g_named[k].t == t) g_named[k].used = 1;
            if (t->ndim != specs[i].ndim || t->shape[0] != specs[i].dims[0] || (specs[i].ndim == 2 && t->shape[1] != specs[i].dims[1])) {
                char got[96], want[96];
                cat_format_shape(got, sizeof got, t->ndim, t->shape);
                cat_format_shape(want, sizeof want, specs[i].ndim, specs[i].dims);
                fprintf(stderr, "cat-convert: %s: tensor '%s' has shape %s, expected %s\n", in, specs[i].name, got, want);
                problems++; continue;
            }
            ts[i].src = t;
            if (specs[i].ndim == 1 || (dtype && !strcmp(dtype, "f32"))) ts[i].dtype = CAT_DTYPE_F32;
            else if (dtype && !strcmp(dtype, "bf16")) ts[i].dtype = CAT_DTYPE_BF16;
            else if (dtype && !strcmp(dtype, "q8")) ts[i].dtype = CAT_DTYPE_Q8;
            else ts[i].dtype = t->dtype == CKPT_BF16 ? CAT_DTYPE_BF16 : CAT_DTYPE_F32;
        }
        for (k = 0; k < g_nnamed; k++) if (!g_named[k].used) {
            fprintf(stderr, "cat-convert: %s: unexpected tensor '%s' (not part of a %s model with this configuration)\n", in, g_named[k].t->name, cat_family_name(cfg.family));
            problems++;
        }
        if (problems) die("%s does not match the configuration (%d problem%s above); nothing written", in, problems, problems > 1 ? "s" : "");
    }
    if (tokjson || vocab) {
        int rc = tokjson ? tokfile_load_hf(&tf, tokjson, err, sizeof err) : tokfile_load_gpt2(&tf, vocab, merges, err, sizeof err);
        if (!rc) die("%s", err); /* tokfile messages name the file */
        if ((int64_t)tf.n_vocab > cfg.padded_vocab) die("the tokenizer has %u tokens but the model only %d (padded)", tf.n_vocab, cfg.padded_vocab);
        if ((int64_t)tf.n_vocab != cfg.vocab_size) fprintf(stderr, "cat-convert: note: the tokenizer has %u tokens, the model's vocab_size is %d\n", tf.n_vocab, cfg.vocab_size);
        tfp = &tf;
    }
    if (random_mode) g_rng = seed * 0x9E3779B97F4A7C15ull + 1;
    write_model(out, &cfg, ts, nt, tfp, random_mode);
    if (tfp) tokfile_free(tfp);
    if (!random_mode) ckpt_close(&ck);
    free(g_named); free(specs); free(ts);
    return 0;
}
