/* mkckpt: checkpoints for the converter's tests and `make release-check`,
   written with the project's own writers (tests/synth_ckpt.h; no Python).
 *
 *   mkckpt release cat|vanilla OUT.pt [SEED]
 *       a torch.save() zip of random weights at the released models' exact
 *       shapes (keys prefixed 'module.', float32), streamed to disk in bounded
 *       memory: the adaptive CAT (0.98 B parameters, 3.9 GB) or the vanilla
 *       transformer (0.26 B, 1.0 GB)
 *   mkckpt release tiny OUT.pt: a small dense model with GPT-2's padded vocabulary
 *   mkckpt shard IN OUTDIR N
 *       IN's tensors as N safetensors shards plus model.safetensors.index.json
 *   mkckpt hf IN OUTDIR CFG.json
 *       an adaptive CAT in the reference layout renamed into the flash-linear-
 *       attention layout (model_type "cat"): OUTDIR/model.safetensors and
 *       OUTDIR/config.json (from the reference config CFG.json; its compressor
 *       must have no QK-norm and no GQA, and both stacks one rope_base and eps)
 *   mkckpt nonfinite IN OUT.safetensors NAME INDEX
 *       IN with element INDEX of tensor NAME set to NaN
 *
 * MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200809L
#define CKPT_IMPLEMENTATION
#include "ckpt.h"
#define JSON_IMPLEMENTATION
#include "json.h"
#include "util.h"
#include "synth_ckpt.h"

#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

static void die(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "mkckpt: ");
    va_start(ap, fmt); vfprintf(stderr, fmt, ap); va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

/* ---- safetensors writing: tensors held as f32 in memory -------------------- */
typedef struct { char name[160]; int ndim; int64_t shape[4]; float *data; int i64; } tens; /* i64: one int64 zero */

static void write_safetensors(const char *path, tens *t, int n) {
    buf_t h = { NULL, 0, 0 };
    uint64_t off = 0, len;
    int i, k;
    FILE *f = fopen(path, "wb");
    char tmp[512];
    if (!f) die("cannot create %s", path);
    bstr(&h, "{");
    for (i = 0; i < n; i++) {
        uint64_t numel = 1;
        for (k = 0; k < t[i].ndim; k++) numel *= (uint64_t)t[i].shape[k];
        if (t[i].i64) {
            snprintf(tmp, sizeof tmp, "%s\"%s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[%llu,%llu]}", i ? "," : "", t[i].name,
                     (unsigned long long)off, (unsigned long long)(off + 8));
            bstr(&h, tmp);
            off += 8;
            continue;
        }
        snprintf(tmp, sizeof tmp, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[", i ? "," : "", t[i].name);
        bstr(&h, tmp);
        for (k = 0; k < t[i].ndim; k++) { snprintf(tmp, sizeof tmp, "%s%lld", k ? "," : "", (long long)t[i].shape[k]); bstr(&h, tmp); }
        snprintf(tmp, sizeof tmp, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + 4 * numel));
        bstr(&h, tmp);
        off += 4 * numel;
    }
    bstr(&h, "}");
    while (h.n % 8) bstr(&h, " ");
    len = h.n;
    { uint8_t l[8]; for (k = 0; k < 8; k++) l[k] = (uint8_t)(len >> (8 * k)); fwrite(l, 1, 8, f); }
    fwrite(h.p, 1, h.n, f);
    for (i = 0; i < n; i++) {
        uint64_t numel = 1;
        static const uint8_t zero8[8] = { 0 };
        if (t[i].i64) { fwrite(zero8, 1, 8, f); continue; }
        for (k = 0; k < t[i].ndim; k++) numel *= (uint64_t)t[i].shape[k];
        if (fwrite(t[i].data, 4, numel, f) != numel) die("cannot write %s", path);
    }
    free(h.p);
    if (fclose(f)) die("cannot write %s", path);
}

static int load_all(const char *path, ckpt_file *ck, tens **out) {
    char err[512];
    size_t i;
    int k;
    tens *t;
    if (ckpt_open(ck, path, err, sizeof err)) die("%s: %s", path, err);
    t = (tens *)calloc(ck->n_tensors ? ck->n_tensors : 1, sizeof *t);
    if (!t) die("out of memory");
    for (i = 0; i < ck->n_tensors; i++) {
        const ckpt_tensor *c = &ck->tensors[i];
        snprintf(t[i].name, sizeof t[i].name, "%s", c->name);
        t[i].ndim = c->ndim;
        for (k = 0; k < c->ndim && k < 4; k++) t[i].shape[k] = c->shape[k];
        t[i].data = (float *)malloc((size_t)(c->numel ? c->numel : 1) * 4);
        if (!t[i].data || ckpt_read(c, t[i].data, CKPT_F32, err, sizeof err)) die("%s: %s", c->name, err);
    }
    *out = t;
    return (int)ck->n_tensors;
}

static int cmd_shard(const char *in, const char *dir, int nshards) {
    ckpt_file ck;
    tens *t;
    int n = load_all(in, &ck, &t), s, i, per;
    char path[1024], name[64];
    FILE *idx;
    if (nshards < 1 || nshards > n) die("bad shard count %d", nshards);
    mkdir(dir, 0777);
    per = (n + nshards - 1) / nshards;
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    idx = fopen(path, "w");
    if (!idx) die("cannot create %s", path);
    fprintf(idx, "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
    for (s = 0; s * per < n; s++) {
        int m = n - s * per < per ? n - s * per : per;
        snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, nshards);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        write_safetensors(path, t + s * per, m);
        for (i = 0; i < m; i++) fprintf(idx, "%s\"%s\": \"%s\"", s + i ? ", " : "", t[s * per + i].name, name);
    }
    fprintf(idx, "}}\n");
    fclose(idx);
    for (i = 0; i < n; i++) free(t[i].data);
    free(t);
    ckpt_close(&ck);
    return 0;
}

static int cmd_nonfinite(const char *in, const char *out, const char *name, long long at) {
    ckpt_file ck;
    tens *t;
    int n = load_all(in, &ck, &t), i, hit = 0;
    for (i = 0; i < n; i++) if (!strcmp(t[i].name, name)) { t[i].data[at] = (float)NAN; hit = 1; }
    if (!hit) die("no tensor '%s'", name);
    write_safetensors(out, t, n);
    for (i = 0; i < n; i++) free(t[i].data);
    free(t);
    ckpt_close(&ck);
    return 0;
}

/* ---- the flash-linear-attention layout ------------------------------------------ */
static const json_value *jget(const json_value *o, const char *a, const char *b) {
    const json_value *s = json_get(o, a);
    return s ? json_get(s, b) : NULL;
}
static double jnum(const json_value *v, double def) { return v && v->type == JSON_NUMBER ? v->number : def; }

static int cmd_hf(const char *in, const char *dir, const char *cfgpath) {
    ckpt_file ck;
    tens *t, *o;
    int n = load_all(in, &ck, &t), i, no = 0;
    size_t len;
    char *text = (char *)util_read_file(cfgpath, &len), err[256], path[1024];
    json_value *cfg;
    FILE *f;
    int64_t chunk, cdim, dim, hd_dec;
    if (!text || !(cfg = json_parse(text, len, err, sizeof err))) die("%s: cannot read", cfgpath);
    if (jnum(jget(cfg, "compressor", "use_qk_norm"), 0) != 0 || jnum(jget(cfg, "compressor", "n_local_heads"), -1) > 0)
        die("%s: this layout's compressor has no QK-norm and no GQA", cfgpath);
    chunk = (int64_t)jnum(json_get(cfg, "chunk_size"), 0);
    cdim = (int64_t)jnum(jget(cfg, "compressor", "dim"), 0);
    dim = (int64_t)jnum(jget(cfg, "decoder", "dim"), 0);
    hd_dec = dim / (int64_t)jnum(jget(cfg, "decoder", "n_head"), 1);
    (void)cdim;
    o = (tens *)calloc((size_t)n * 3 + 8, sizeof *o);
    if (!o) die("out of memory");
    for (i = 0; i < n; i++) {
        const char *nm = t[i].name, *rest;
        while (!strncmp(nm, "module.", 7) || !strncmp(nm, "_orig_mod.", 10)) nm += nm[0] == 'm' ? 7 : 10;
        char pre[64];
        int comp = !strncmp(nm, "f.", 2);
        rest = comp ? nm + 2 : nm;
        snprintf(pre, sizeof pre, comp ? "model.compressor." : "model.");
#define OUT(...) do { if (snprintf(o[no].name, sizeof o[no].name, __VA_ARGS__) >= (int)sizeof o[no].name) { \
            fprintf(stderr, "mkckpt: tensor name too long\n"); exit(1); } \
        o[no].ndim = t[i].ndim; memcpy(o[no].shape, t[i].shape, sizeof o[no].shape); o[no].data = t[i].data; no++; } while (0)
        if (!strcmp(nm, "output.weight")) OUT("lm_head.weight");
        else if (!strcmp(nm, "wte.weight")) OUT("model.embeddings.weight");
        else if (!strcmp(nm, "f.wte.weight")) OUT("model.compressor.wte.weight");
        else if (!strcmp(rest, "norm.weight") || !strcmp(rest, "pos_tokens.weight") || !strcmp(rest, "proj_fx.weight")) OUT("%s%s", pre, rest);
        else if (!strcmp(nm, "seperator.weight")) OUT("model.separator.weight");
        else if (!strcmp(nm, "dummy_fx.weight") || !strcmp(nm, "f.adaptive_token.weight")) {
            /* indexed by log2(chunk) -> by chunk: rows 1, 2, 4, ..., C; the others zero */
            int64_t r, c = t[i].shape[1];
            float *d = (float *)calloc((size_t)((chunk + 1) * c), 4);
            if (!d) die("out of memory");
            for (r = 0; (1LL << r) <= chunk; r++) memcpy(d + (1LL << r) * c, t[i].data + r * c, (size_t)c * 4);
            snprintf(o[no].name, sizeof o[no].name, "%s", comp ? "model.compressor.adaptive_tokens.weight" : "model.adaptive_token.weight");
            o[no].ndim = 2; o[no].shape[0] = chunk + 1; o[no].shape[1] = c; o[no].data = d; no++;
        } else if (!strncmp(rest, "layers.", 7)) {
            char *e;
            long L = strtol(rest + 7, &e, 10);
            const char *x = e + 1, *ap = comp ? "" : "attn.";
            if (!strcmp(x, "attention_norm.weight")) OUT("%slayers.%ld.attn_norm.weight", pre, L);
            else if (!strcmp(x, "ffn_norm.weight")) OUT("%slayers.%ld.mlp_norm.weight", pre, L);
            else if (!strcmp(x, "attention.wo.weight")) OUT("%slayers.%ld.%so_proj.weight", pre, L, ap);
            else if (!strcmp(x, "attention.q_norm.weight")) OUT("%slayers.%ld.attn.q_norm.weight", pre, L);
            else if (!strcmp(x, "attention.k_norm.weight")) OUT("%slayers.%ld.attn.k_norm.weight", pre, L);
            else if (!strcmp(x, "feed_forward.fc_1.weight")) OUT("%slayers.%ld.mlp.gate_proj.weight", pre, L);
            else if (!strcmp(x, "feed_forward.fc_2.weight")) OUT("%slayers.%ld.mlp.up_proj.weight", pre, L);
            else if (!strcmp(x, "feed_forward.proj.weight")) OUT("%slayers.%ld.mlp.down_proj.weight", pre, L);
            else if (!strcmp(x, "attention.wqkv.weight")) {
                /* rows [q | k | v]: q is dim wide, k and v (rows - dim) / 2 each */
                int64_t cols = t[i].shape[1], q = cols, kv = (t[i].shape[0] - q) / 2;
                const char *part[3] = { "q_proj", "k_proj", "v_proj" };
                int64_t r0[3], nr[3];
                int p;
                r0[0] = 0; nr[0] = q; r0[1] = q; nr[1] = kv; r0[2] = q + kv; nr[2] = kv;
                for (p = 0; p < 3; p++) {
                    snprintf(o[no].name, sizeof o[no].name, "%slayers.%ld.%s%s.weight", pre, L, ap, part[p]);
                    o[no].ndim = 2; o[no].shape[0] = nr[p]; o[no].shape[1] = cols; o[no].data = t[i].data + r0[p] * cols; no++;
                }
            } else die("unexpected tensor '%s'", nm);
        } else die("unexpected tensor '%s'", nm);
#undef OUT
    }
    /* an integer buffer, as the layout's model holds (the converter skips it) */
    snprintf(o[no].name, sizeof o[no].name, "model._train_chunk_size_step");
    o[no].i64 = 1; no++;
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    write_safetensors(path, o, no);
    snprintf(path, sizeof path, "%s/config.json", dir);
    f = fopen(path, "w");
    if (!f) die("cannot create %s", path);
    fprintf(f, "{\n  \"architectures\": [\"CATForCausalLM\"],\n  \"model_type\": \"cat\",\n  \"hidden_size\": %lld,\n"
               "  \"num_hidden_layers\": %d,\n  \"num_heads\": %d,\n  \"num_kv_heads\": %s,\n  \"max_chunk_size\": %lld,\n"
               "  \"dim_fx\": %lld,\n  \"compressor_hidden_size\": %d,\n  \"compressor_num_layers\": %d,\n  \"compressor_num_heads\": %d,\n"
               "  \"qk_norm\": %s,\n  \"qkv_bias\": false,\n  \"rope_theta\": %g,\n  \"norm_eps\": %g,\n  \"max_position_embeddings\": %d,\n"
               "  \"vocab_size\": %lld,\n  \"hidden_act\": \"swish\",\n  \"tie_word_embeddings\": false,\n  \"fuse_norm\": true\n}\n",
            (long long)dim, (int)jnum(jget(cfg, "decoder", "n_layer"), 0), (int)jnum(jget(cfg, "decoder", "n_head"), 0),
            jnum(jget(cfg, "decoder", "n_local_heads"), -1) > 0 ? "2" : "null", (long long)chunk, (long long)dim,
            (int)jnum(jget(cfg, "compressor", "dim"), 0), (int)jnum(jget(cfg, "compressor", "n_layer"), 0),
            (int)jnum(jget(cfg, "compressor", "n_head"), 0),
            jnum(jget(cfg, "decoder", "use_qk_norm"), 0) != 0 ? "true" : "false",
            jnum(jget(cfg, "decoder", "rope_base"), 10000), jnum(jget(cfg, "decoder", "norm_eps"), 1e-5),
            (int)jnum(json_get(cfg, "block_size"), 0), (long long)t[0].shape[0]);
    fclose(f);
    (void)hd_dec;
    json_free(cfg);
    free(text);
    return 0;
}

/* ---- release-shaped random checkpoints ---------------------------------------- */
static uint64_t g_rng;
static float rnd(void) {
    /* xorshift64*, uniform in [-sqrt(3), sqrt(3)) * 0.02 (variance 0.02^2) */
    g_rng ^= g_rng >> 12; g_rng ^= g_rng << 25; g_rng ^= g_rng >> 27;
    return (float)(((double)((g_rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0 * 2.0 - 1.0) * 1.7320508 * 0.02);
}

typedef struct { char name[128]; int ndim; int64_t shape[2]; } rspec;
static rspec g_specs[512];
static int g_ns;
static void spec(int ndim, int64_t a, int64_t b, const char *fmt, ...) {
    va_list ap;
    rspec *s = &g_specs[g_ns++];
    va_start(ap, fmt); vsnprintf(s->name, sizeof s->name, fmt, ap); va_end(ap);
    s->ndim = ndim; s->shape[0] = a; s->shape[1] = b;
}
static void stack(const char *pre, int layers, int64_t dim, int64_t heads, int qk) {
    int64_t hd = dim / heads, ff = ((2 * 4 * dim / 3) + 255) / 256 * 256;
    int L;
    for (L = 0; L < layers; L++) {
        spec(1, dim, 0, "%slayers.%d.attention_norm.weight", pre, L);
        spec(2, 3 * dim, dim, "%slayers.%d.attention.wqkv.weight", pre, L);
        spec(2, dim, dim, "%slayers.%d.attention.wo.weight", pre, L);
        if (qk) { spec(1, hd, 0, "%slayers.%d.attention.q_norm.weight", pre, L); spec(1, hd, 0, "%slayers.%d.attention.k_norm.weight", pre, L); }
        spec(1, dim, 0, "%slayers.%d.ffn_norm.weight", pre, L);
        spec(2, ff, dim, "%slayers.%d.feed_forward.fc_1.weight", pre, L);
        spec(2, ff, dim, "%slayers.%d.feed_forward.fc_2.weight", pre, L);
        spec(2, dim, ff, "%slayers.%d.feed_forward.proj.weight", pre, L);
    }
}

static int cmd_release(const char *kind, const char *out, uint64_t seed) {
    const int64_t PV = 50432, block = 4096;
    tzw_t w;
    buf_t pk = { NULL, 0, 0 };
    int i;
    float *chunk = (float *)malloc((size_t)1 << 22);
    if (!chunk) die("out of memory");
    if (!strcmp(kind, "cat")) {
        const int64_t C = 32, cd = 1024, dd = 2048;
        spec(2, PV, dd, "wte.weight");
        spec(2, PV, cd, "f.wte.weight");
        spec(2, block, cd, "f.pos_tokens.weight");
        spec(2, 6, cd, "f.adaptive_token.weight");
        stack("f.", 3, cd, 16, 1);
        spec(1, cd, 0, "f.norm.weight");
        spec(2, dd, C * cd, "f.proj_fx.weight");
        stack("", 12, dd, 32, 1);
        spec(2, 6, dd, "dummy_fx.weight");
        spec(2, 1, dd, "seperator.weight");
        spec(1, dd, 0, "norm.weight");
        spec(2, PV, dd, "output.weight");
    } else if (!strcmp(kind, "vanilla")) {
        spec(2, PV, 1024, "wte.weight");
        stack("", 12, 1024, 16, 1);
        spec(1, 1024, 0, "norm.weight");
        spec(2, PV, 1024, "output.weight");
    } else if (!strcmp(kind, "tiny")) {
        /* GPT-2's padded vocabulary on a small dense model, for the tokenizer default */
        spec(2, PV, 64, "wte.weight");
        stack("", 2, 64, 4, 1);
        spec(1, 64, 0, "norm.weight");
        spec(2, PV, 64, "output.weight");
    } else die("release: kind is cat, vanilla or tiny");
    g_rng = seed * 0x9E3779B97F4A7C15ull + 7;
    if (tzw_open(&w, out, "state_dict")) die("cannot create %s", out);
    /* pickle: {'module.NAME': tensor(storage i), ...} in protocol 2 */
    g_p4 = 0;
    bu8(&pk, 0x80); bu8(&pk, 2); bu8(&pk, '}'); bu8(&pk, '(');
    for (i = 0; i < g_ns; i++) {
        rspec *s = &g_specs[i];
        int64_t numel = s->shape[0] * (s->ndim == 2 ? s->shape[1] : 1), done = 0;
        int64_t stride[2];
        char key[32], name[160];
        int norm = s->ndim == 1;
        stride[0] = s->ndim == 2 ? s->shape[1] : 1; stride[1] = 1;
        snprintf(key, sizeof key, "%d", i);
        snprintf(name, sizeof name, "module.%s", s->name);
        pk_str(&pk, name);
        pk_tensor(&pk, "FloatStorage", key, numel, 0, s->ndim, s->shape, stride, 0);
        snprintf(name, sizeof name, "data/%d", i);
        if (tzw_begin(&w, name, (uint64_t)numel * 4)) die("cannot write %s", out);
        while (done < numel) {
            int64_t n = numel - done < (1 << 20) ? numel - done : (1 << 20), j;
            for (j = 0; j < n; j++) chunk[j] = norm ? 1.0f : rnd();
            if (tzw_data(&w, chunk, (size_t)n * 4)) die("cannot write %s", out);
            done += n;
        }
        if (tzw_end(&w)) die("cannot write %s", out);
    }
    bu8(&pk, 'u'); bu8(&pk, '.');
    if (tzw_close(&w, pk.p, pk.n)) die("cannot write %s", out);
    free(pk.p);
    free(chunk);
    return 0;
}

int main(int argc, char **argv) {
    (void)json_is_int;
    if (argc >= 4 && !strcmp(argv[1], "release")) return cmd_release(argv[2], argv[3], argc > 4 ? strtoull(argv[4], NULL, 10) : 1);
    if (argc == 5 && !strcmp(argv[1], "shard")) return cmd_shard(argv[2], argv[3], atoi(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "hf")) return cmd_hf(argv[2], argv[3], argv[4]);
    if (argc == 6 && !strcmp(argv[1], "nonfinite")) return cmd_nonfinite(argv[2], argv[3], argv[4], atoll(argv[5]));
    fprintf(stderr, "usage: mkckpt release cat|vanilla|tiny OUT.pt [SEED] | shard IN OUTDIR N | hf IN OUTDIR CFG.json | nonfinite IN OUT NAME INDEX\n");
    return 2;
}
