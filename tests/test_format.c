/* test_format: corrupt model files give error codes, never crashes; API misuse
   gives error codes; results do not depend on how tokens are batched; a q8
   file of the earlier layout (f32 scales) is refused, saying to convert again.
   usage: test_format FIXTURES_DIR CAT_CONVERT_BINARY */
#define CAT_IMPLEMENTATION
#include "cat.h"
#include "../tools/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* open a (possibly corrupt) copy from memory; returns the result, fills err */
static cat_result try_open(const unsigned char *b, size_t n, char *err, size_t errlen) {
    cat_model *m = NULL;
    cat_result r;
    unsigned char *copy = (unsigned char *)malloc(n ? n : 1);
    if (n) memcpy(copy, b, n);
    err[0] = 0;
    r = cat_model_open_memory(copy, n, CAT_MEMORY_COPY, &m, err, errlen);
    if (r == CAT_OK) {
        /* a file that loads must also run */
        float *lg = (float *)malloc(sizeof(float) * (size_t)cat_model_config(m)->padded_vocab * 5);
        int32_t t[5] = { 1, 2, 3, 4, 5 };
        cat_forward(m, 0, t, 5, lg);
        free(lg);
        cat_model_close(m);
    }
    free(copy);
    return r;
}

/* directory walk: offset of entry i's fields */
typedef struct { size_t name, name_len, dtype, ndim, dims, offset, nbytes; } ent;
static int walk(const unsigned char *b, ent *e, int cap) {
    uint64_t dir = util_rd64(b + CAT_HDR_DIR_OFFSET);
    uint32_t n = util_rd32(b + CAT_HDR_N_TENSORS), i;
    size_t p = (size_t)dir;
    for (i = 0; i < n && (int)i < cap; i++) {
        e[i].name_len = p; e[i].name = p + 4; p += 4 + util_rd32(b + p);
        e[i].dtype = p; e[i].ndim = p + 4; p += 8;
        e[i].dims = p; p += 8 * util_rd32(b + e[i].ndim);
        e[i].offset = p; e[i].nbytes = p + 8; p += 16;
    }
    return (int)n;
}

static void test_corrupt(const unsigned char *good, size_t n) {
    unsigned char *b = (unsigned char *)malloc(n);
    char err[512];
    cat_result r;
    ent e[256];
    int ne, i, j = 0;
    size_t cut;
    uint64_t kv = util_rd64(good + CAT_HDR_KV_OFFSET), dir = util_rd64(good + CAT_HDR_DIR_OFFSET), data = util_rd64(good + CAT_HDR_DATA_OFFSET);
    const size_t bounds[] = { 0, 1, 7, CAT_HDR_VERSION, CAT_HDR_FLAGS, CAT_HDR_FILE_SIZE, CAT_HDR_DIR_SIZE, CAT_FILE_HEADER_SIZE - 1, CAT_FILE_HEADER_SIZE, (size_t)kv + 3, (size_t)kv + 20, (size_t)dir - 1, (size_t)dir,
                              (size_t)dir + 5, (size_t)data - 1, (size_t)data, (size_t)data + 100, n - 1 };

    r = try_open(good, n, err, sizeof err);
    CHECK(r == CAT_OK, "the good file opens: %s", err);

    /* truncation at every structural boundary and at 97 evenly spaced lengths */
    for (i = 0; i < (int)(sizeof bounds / sizeof bounds[0]); i++) {
        cut = bounds[i] < n ? bounds[i] : n - 1;
        r = try_open(good, cut, err, sizeof err);
        CHECK(r != CAT_OK && err[0], "truncated at %zu: %s", cut, cat_result_string(r));
    }
    for (i = 1; i < 98; i++) {
        cut = n * (size_t)i / 98;
        r = try_open(good, cut, err, sizeof err);
        CHECK(r != CAT_OK && err[0], "truncated at %zu of %zu: %s", cut, n, cat_result_string(r));
    }
    /* wrong magic, version, size */
    memcpy(b, good, n); b[CAT_HDR_MAGIC] = 'X';
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_MAGIC, "bad magic -> CAT_ERR_MAGIC");
    memcpy(b, good, n); util_wr32(b + CAT_HDR_VERSION, CAT_FILE_VERSION + 1);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_VERSION && strstr(err, "version"), "version 2 -> CAT_ERR_VERSION (%s)", err);
    memcpy(b, good, n); util_wr64(b + CAT_HDR_FILE_SIZE, n + 1);
    CHECK(try_open(b, n, err, sizeof err) != CAT_OK, "file size mismatch");
    memcpy(b, good, n); util_wr64(b + CAT_HDR_DIR_OFFSET, n - 4);
    CHECK(try_open(b, n, err, sizeof err) != CAT_OK, "directory near the end of the file");
    memcpy(b, good, n); util_wr64(b + CAT_HDR_DIR_SIZE, UINT64_MAX - 10);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "directory size overflows");
    memcpy(b, good, n); util_wr32(b + CAT_HDR_N_TENSORS, 0xFFFFFFFFu);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "absurd tensor count");
    memcpy(b, good, n); util_wr32(b + CAT_HDR_N_KV, 0xFFFFFFFFu);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "absurd config count");
    memcpy(b, good, n); util_wr64(b + CAT_HDR_DATA_OFFSET, data + 1);
    CHECK(try_open(b, n, err, sizeof err) != CAT_OK, "unaligned data section");
    /* reserved fields, overlapping sections, trailing config bytes */
    memcpy(b, good, n); util_wr32(b + 12, 1);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "flags"), "non-zero flags: %s", err);
    memcpy(b, good, n); b[100] = 1;
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "reserved"), "non-zero reserved header byte: %s", err);
    memcpy(b, good, n); util_wr64(b + 32, dir - kv + 8);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "config section") && strstr(err, "overlaps the tensor directory"), "config section overlapping the directory: %s", err);
    memcpy(b, good, n); util_wr64(b + 40, data); util_wr64(b + 48, 64);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "overlaps the tensor data"), "tokenizer section inside the data: %s", err);
    memcpy(b, good, n); util_wr64(b + 56, kv); util_wr64(b + 24, dir);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "overlaps"), "config and directory offsets swapped (sizes not): %s", err);
    memcpy(b, good, n); util_wr32(b + 88, util_rd32(good + 88) - 1);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "bytes after its"), "trailing bytes after the config entries: %s", err);

    ne = walk(good, e, 256);
    CHECK(ne > 4 && ne <= 256, "directory walk (%d tensors)", ne);
    if (ne < 5 || ne > 256) { free(b); return; }
    /* tensor offsets and sizes outside the file */
    memcpy(b, good, n); util_wr64(b + e[0].offset, n);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "outside"), "offset past the end: %s", err);
    memcpy(b, good, n); util_wr64(b + e[1].offset, util_rd64(good + e[1].offset) + 32);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "unaligned tensor offset");
    memcpy(b, good, n); util_wr64(b + e[2].nbytes, util_rd64(good + e[2].nbytes) + 4);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "nbytes disagrees with shape");
    /* shape products that overflow, absurd and zero dimensions */
    for (i = 0; i < ne; i++) if (util_rd32(good + e[i].ndim) == 2) break;
    memcpy(b, good, n); util_wr64(b + e[i].dims, (uint64_t)1 << 31); util_wr64(b + e[i].dims + 8, (uint64_t)1 << 31);
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_FORMAT && strstr(err, "overflow"), "shape product overflow: %s", err);
    memcpy(b, good, n); util_wr64(b + e[i].dims, (uint64_t)1 << 40);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "absurd dimension");
    memcpy(b, good, n); util_wr64(b + e[i].dims, 0);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "zero dimension");
    memcpy(b, good, n); util_wr32(b + e[i].ndim, 9);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "9 dimensions");
    memcpy(b, good, n); util_wr32(b + e[i].dtype, 7);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT && strstr(err, "dtype"), "unknown dtype: %s", err);
    memcpy(b, good, n); util_wr32(b + e[i].name_len, 0xFFFFFF00u);
    CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "absurd name length");
    /* two tensors on the same bytes: the second norm vector moved onto the first */
    for (i = 0; i < ne; i++) if (util_rd32(good + e[i].ndim) == 1) break;
    for (j = i + 1; j < ne; j++) if (util_rd32(good + e[j].ndim) == 1 && util_rd64(good + e[j].nbytes) == util_rd64(good + e[i].nbytes)) break;
    CHECK(j < ne, "two vectors of one size");
    if (j < ne) {
        memcpy(b, good, n); util_wr64(b + e[j].offset, util_rd64(good + e[i].offset));
        r = try_open(b, n, err, sizeof err);
        CHECK(r == CAT_ERR_FORMAT && strstr(err, "overlap"), "overlapping tensors: %s", err);
    }
    /* a missing tensor (renamed) and a duplicate (two of the same length) */
    memcpy(b, good, n); b[e[0].name] = 'X';
    r = try_open(b, n, err, sizeof err);
    CHECK(r == CAT_ERR_TENSOR && strstr(err, "missing"), "renamed tensor reported missing: %s", err);
    for (i = 0; i < ne; i++) for (j = i + 1; j < ne; j++) {
        if (util_rd32(good + e[i].name_len) == util_rd32(good + e[j].name_len)) goto found;
    }
found:
    if (j < ne) {
        memcpy(b, good, n);
        memcpy(b + e[j].name, good + e[i].name, util_rd32(good + e[i].name_len));
        r = try_open(b, n, err, sizeof err);
        CHECK(r == CAT_ERR_FORMAT && strstr(err, "twice"), "duplicate tensor: %s", err);
    }
    /* a configuration that contradicts the tensors: find decoder.dim in the config and change it */
    {
        const char *key = "decoder.intermediate_size";
        size_t p, kl = strlen(key);
        for (p = (size_t)kv; p + kl + 16 < (size_t)dir; p++) if (util_rd32(good + p) == kl && !memcmp(good + p + 4, key, kl)) break;
        CHECK(p + kl + 16 < (size_t)dir, "found %s in the config", key);
        if (p + kl + 16 < (size_t)dir) {
            memcpy(b, good, n); util_wr64(b + p + 4 + kl + 4, util_rd64(good + p + 4 + kl + 4) * 2);
            r = try_open(b, n, err, sizeof err);
            CHECK(r == CAT_ERR_TENSOR && strstr(err, "expected"), "config contradicting tensors: %s", err);
            memcpy(b, good, n); util_wr64(b + p + 4 + kl + 4, (uint64_t)1 << 40);
            r = try_open(b, n, err, sizeof err);
            CHECK(r == CAT_ERR_CONFIG, "absurd config value: %s", err);
            memcpy(b, good, n); util_wr32(b + p + 4 + kl, 9);
            CHECK(try_open(b, n, err, sizeof err) == CAT_ERR_FORMAT, "unknown config value type");
        }
    }
    /* random single-byte corruption of the header, config and directory: never a crash */
    {
        uint64_t st = 12345;
        int k, ok = 0;
        for (k = 0; k < 600; k++) {
            size_t at;
            st ^= st << 13; st ^= st >> 7; st ^= st << 17;
            at = (size_t)(st % data);
            memcpy(b, good, n);
            b[at] ^= (unsigned char)(1u << (st >> 60 & 7));
            if (try_open(b, n, err, sizeof err) == CAT_OK) ok++;
        }
        printf("600 random bit flips in the metadata: %d still load (and run)\n", ok);
        test_count(1);
    }
    free(b);
}

/* the writer (cat_writer_*): a file rebuilt from a model's parts is the same
   file; a tokenizer round-trips; misuse and failed writes are error codes */
typedef struct { unsigned char *p; size_t n, cap; int fail_at; } membuf;
static size_t mem_write(void *user, const void *d, size_t n) {
    membuf *m = (membuf *)user;
    if (m->fail_at >= 0 && m->n + n > (size_t)m->fail_at) return 0;
    if (m->n + n > m->cap) { m->cap = (m->n + n) * 2; m->p = (unsigned char *)realloc(m->p, m->cap); }
    memcpy(m->p + m->n, d, n); m->n += n;
    return n;
}

static void test_writer(const unsigned char *good, size_t n) {
    cat_model *m;
    char err[512];
    cat_tensor_desc *ds;
    const unsigned char **data;
    membuf mb = { NULL, 0, 0, -1 };
    cat_writer w;
    int nt, i;
    cat_result r;
    if (cat_model_open_memory(good, n, CAT_MEMORY_COPY, &m, err, sizeof err)) { CHECK(0, "open: %s", err); return; }
    nt = cat_model_tensor_count(m);
    ds = (cat_tensor_desc *)calloc((size_t)nt, sizeof *ds);
    data = (const unsigned char **)calloc((size_t)nt, sizeof *data);
    for (i = 0; i < nt; i++) {
        const char *name; uint64_t off, nb;
        cat_model_tensor_info(m, i, &name, &ds[i].dtype, &ds[i].ndim, ds[i].dims, &off, &nb);
        snprintf(ds[i].name, sizeof ds[i].name, "%s", name);
        data[i] = good + off;
        CHECK(cat_tensor_bytes(ds[i].dtype, ds[i].ndim, ds[i].dims) == nb, "cat_tensor_bytes of '%s'", name);
    }
    r = cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, nt, err, sizeof err);
    CHECK(r == CAT_OK && w.file_size == n, "writer begin (%s), file size %llu of %zu", err, (unsigned long long)w.file_size, n);
    /* tensor data in uneven pieces: alignment padding is the writer's job */
    for (i = 0; i < nt && !r; i++) {
        uint64_t nb = cat_tensor_bytes(ds[i].dtype, ds[i].ndim, ds[i].dims), half = nb / 3;
        r = cat_writer_data(&w, data[i], (size_t)half, err, sizeof err);
        if (!r) r = cat_writer_data(&w, data[i] + half, (size_t)(nb - half), err, sizeof err);
    }
    CHECK(r == CAT_OK && cat_writer_end(&w, err, sizeof err) == CAT_OK, "writer data and end: %s", err);
    CHECK(mb.n == n && !memcmp(mb.p, good, n), "the rebuilt file is byte for byte the file");
    /* errors */
    mb.n = 0;
    CHECK(cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, nt, err, sizeof err) == CAT_OK, "begin again");
    CHECK(cat_writer_end(&w, err, sizeof err) == CAT_ERR_TENSOR && strstr(err, ds[0].name), "end before the data: %s", err);
    mb.n = 0;
    cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, 1, err, sizeof err);
    cat_writer_data(&w, data[0], (size_t)cat_tensor_bytes(ds[0].dtype, ds[0].ndim, ds[0].dims), err, sizeof err);
    CHECK(cat_writer_data(&w, data[0], 1, err, sizeof err) == CAT_ERR_TENSOR, "more data than the directory holds: %s", err);
    mb.n = 0; mb.fail_at = 200;
    r = cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, nt, err, sizeof err);
    CHECK(r == CAT_ERR_IO && strstr(err, "cannot write"), "a failed write: %s", err);
    mb.fail_at = -1; mb.n = 0;
    ds[1].name[0] = 0;
    CHECK(cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, nt, err, sizeof err) == CAT_ERR_TENSOR, "empty tensor name: %s", err);
    ds[1].name[0] = 'x'; ds[1].dtype = CAT_DTYPE_Q8; ds[1].ndim = 1;
    CHECK(cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), NULL, ds, nt, err, sizeof err) == CAT_ERR_TENSOR, "q8 vector: %s", err);
    CHECK(cat_tensor_bytes(CAT_DTYPE_F32, 5, ds[0].dims) == 0, "five dimensions have no size");
    /* a tokenizer goes in and comes back */
    {
        static const char *const toks[4] = { "a", "b", "ab", "<|endoftext|>" };
        static const uint32_t lens[4] = { 1, 1, 2, 13 }, merges[2] = { 0, 1 }, special[1] = { 3 };
        cat_tokenizer_data td;
        cat_model *m2;
        int32_t ids[4];
        size_t nid = 0;
        td.n_vocab = 4; td.tokens = toks; td.lens = lens; td.n_merges = 1; td.merges = merges; td.n_special = 1; td.special = special;
        for (i = 0; i < nt; i++) { cat_model_tensor_info(m, i, NULL, &ds[i].dtype, &ds[i].ndim, ds[i].dims, NULL, NULL); }
        snprintf(ds[1].name, sizeof ds[1].name, "%s", "");
        { const char *name = ""; cat_model_tensor_info(m, 1, &name, NULL, NULL, NULL, NULL, NULL); snprintf(ds[1].name, sizeof ds[1].name, "%s", name); }
        mb.n = 0;
        r = cat_writer_begin(&w, mem_write, &mb, cat_model_config(m), &td, ds, nt, err, sizeof err);
        for (i = 0; i < nt && !r; i++) r = cat_writer_data(&w, data[i], (size_t)cat_tensor_bytes(ds[i].dtype, ds[i].ndim, ds[i].dims), err, sizeof err);
        if (!r) r = cat_writer_end(&w, err, sizeof err);
        CHECK(r == CAT_OK, "writing with a tokenizer: %s", err);
        r = cat_model_open_memory(mb.p, mb.n, CAT_MEMORY_COPY, &m2, err, sizeof err);
        CHECK(r == CAT_OK, "the file with a tokenizer opens: %s", err);
        if (!r) {
            CHECK(cat_model_tokenizer(m2) && cat_tokenizer_vocab_size(cat_model_tokenizer(m2)) == 4 &&
                  cat_tokenizer_encode(cat_model_tokenizer(m2), "ab<|endoftext|>", 15, ids, 4, &nid) == CAT_OK && nid == 2 && ids[0] == 2 && ids[1] == 3,
                  "the tokenizer round-trips (ab, <|endoftext|> -> 2 3)");
            cat_model_close(m2);
        }
    }
    free(mb.p); free(ds); free(data);
    cat_model_close(m);
}

static double maxdiff(const float *a, const float *b, size_t n) {
    double m = 0; size_t i;
    for (i = 0; i < n; i++) { double d = fabs((double)a[i] - b[i]); if (!(d <= m)) m = d; }
    return m;
}

/* API misuse and batching independence on a model file */
static void test_api(const char *path) {
    cat_model *m;
    cat_session *s;
    cat_session_params sp;
    char err[512];
    const cat_config *c;
    int32_t tok[80];
    float *full, *part;
    int i, PV, n;
    const int batches[] = { 1, 2, 3, 5, 7, 16, 80 };
    if (cat_model_open(path, &m, err, sizeof err)) { CHECK(0, "open %s: %s", path, err); return; }
    c = cat_model_config(m);
    PV = c->padded_vocab;
    n = c->block_size < 80 ? c->block_size : 80;
    for (i = 0; i < n; i++) tok[i] = (i * 37 + 11) % c->vocab_size;
    full = (float *)malloc(sizeof(float) * (size_t)PV * n);
    part = (float *)malloc(sizeof(float) * (size_t)PV * n);
    CHECK(cat_forward(m, 0, tok, (size_t)n, full) == CAT_OK, "%s: full forward", path);
    for (i = 0; i < (int)(sizeof batches / sizeof batches[0]); i++) {
        double d;
        memset(&sp, 0, sizeof sp);
        sp.n_batch = batches[i];
        CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "session n_batch %d", batches[i]);
        /* feed in uneven pieces too */
        CHECK(cat_session_feed(s, tok, 3, part) == CAT_OK && cat_session_feed(s, tok + 3, (size_t)n - 3, part + (size_t)3 * PV) == CAT_OK, "feed");
        d = maxdiff(full, part, (size_t)PV * n);
        CHECK(d < 1e-4, "%s: n_batch %d gives the same logits (max diff %g)", path, batches[i], d);
        CHECK(cat_session_pos(s) == n, "position after feeding");
        /* errors leave the session unchanged */
        tok[0] = PV;
        CHECK(cat_session_feed(s, tok, 1, NULL) == CAT_ERR_TOKEN, "token id = padded vocab is rejected");
        tok[0] = -1;
        CHECK(cat_session_feed(s, tok, 1, NULL) == CAT_ERR_TOKEN, "negative token id is rejected");
        tok[0] = 11;
        CHECK(cat_session_pos(s) == n, "rejected feeds change nothing");
        cat_session_reset(s);
        CHECK(cat_session_pos(s) == 0 && cat_session_logits(s) == NULL, "reset");
        CHECK(cat_session_feed(s, tok, (size_t)n, NULL) == CAT_OK && maxdiff(cat_session_logits(s), full + (size_t)(n - 1) * PV, PV) < 1e-4, "after reset the same");
        cat_session_close(s);
    }
    /* several sequences in one session, fed together, equal each fed alone */
    {
        const int NS = 3;
        int32_t sq[3 * 80], tk[3 * 80];
        float *multi = (float *)malloc(sizeof(float) * (size_t)PV * 3 * 80), *one = (float *)malloc(sizeof(float) * (size_t)PV * 80);
        int len[3], q, k, cnt = 0, nb;
        len[0] = n; len[1] = n / 2 + 1; len[2] = n / 3 + 2;
        for (nb = 0; nb < 2; nb++) {
            memset(&sp, 0, sizeof sp);
            sp.n_seq = NS;
            sp.n_batch = nb ? 5 : 0;   /* steps smaller than the input too */
            CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "session with %d sequences", NS);
            /* prompts of different lengths fed together, then token-by-token steps of all three */
            cnt = 0;
            for (q = 0; q < NS; q++) for (k = 0; k < len[q] / 2; k++) { sq[cnt] = q; tk[cnt] = (k * (7 + q) + q) % c->vocab_size; cnt++; }
            for (k = 0; k < n; k++) for (q = 0; q < NS; q++) if (k >= len[q] / 2 && k < len[q]) { sq[cnt] = q; tk[cnt] = (k * (7 + q) + q) % c->vocab_size; cnt++; }
            CHECK(cat_session_feed_multi(s, sq, tk, (size_t)cnt / 2, multi) == CAT_OK &&
                  cat_session_feed_multi(s, sq + cnt / 2, tk + cnt / 2, (size_t)(cnt - cnt / 2), multi + (size_t)(cnt / 2) * PV) == CAT_OK, "multi feed");
            for (q = 0; q < NS; q++) {
                int32_t own[80];
                double dmax = 0;
                int w = 0, e;
                cat_session *s1;
                for (e = 0; e < len[q]; e++) own[e] = (e * (7 + q) + q) % c->vocab_size;
                memset(&sp, 0, sizeof sp);
                cat_session_open(m, &sp, &s1);
                cat_session_feed(s1, own, (size_t)len[q], one);
                for (e = 0; e < cnt; e++) if (sq[e] == q) { double d = maxdiff(multi + (size_t)e * PV, one + (size_t)w * PV, PV); if (d > dmax) dmax = d; w++; }
                CHECK(w == len[q] && dmax < 1e-4, "%s: sequence %d of %d (n_batch %d) equals it alone (max diff %g)", path, q, NS, sp.n_batch, dmax);
                CHECK(cat_session_seq_pos(s, q) == len[q] && maxdiff(cat_session_seq_logits(s, q), one + (size_t)(len[q] - 1) * PV, PV) < 1e-4, "sequence %d state", q);
                cat_session_close(s1);
            }
            sq[0] = NS;
            CHECK(cat_session_feed_multi(s, sq, tk, 1, NULL) == CAT_ERR_ARGS, "sequence id out of range");
            cat_session_seq_reset(s, 1);
            CHECK(cat_session_seq_pos(s, 1) == 0 && cat_session_seq_pos(s, 0) == len[0], "reset of one sequence");
            cat_session_close(s);
        }
        free(multi); free(one);
    }
    /* context limits */
    memset(&sp, 0, sizeof sp);
    sp.max_context = 8;
    CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "small session");
    CHECK(cat_session_feed(s, tok, 9, NULL) == CAT_ERR_CONTEXT, "over-long prompt -> CAT_ERR_CONTEXT");
    CHECK(cat_session_feed(s, tok, 8, NULL) == CAT_OK, "exactly full");
    CHECK(cat_session_feed(s, tok, 1, NULL) == CAT_ERR_CONTEXT, "one past full -> CAT_ERR_CONTEXT");
    cat_session_close(s);
    CHECK(cat_forward(m, 0, tok, (size_t)c->block_size + 1, full) == CAT_ERR_CONTEXT || c->block_size + 1 > 80, "forward past block_size");
    /* chunk sizes */
    memset(&sp, 0, sizeof sp);
    sp.chunk_size = 3;
    CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_CHUNK, "chunk 3 rejected");
    if (c->family != CAT_FAMILY_DENSE) {
        sp.chunk_size = c->chunk_size * 2;
        CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_CHUNK, "chunk above the model's rejected");
    }
    if (c->family == CAT_FAMILY_CAT_ADAPTIVE) {
        int cs;
        for (cs = 1; cs <= c->chunk_size; cs *= 2) {
            sp.chunk_size = cs;
            CHECK(cat_session_open(m, &sp, &s) == CAT_OK, "adaptive chunk %d accepted", cs);
            cat_session_close(s);
        }
    }
    sp.chunk_size = -1;
    CHECK(cat_session_open(m, &sp, &s) == CAT_ERR_ARGS, "negative chunk rejected");
    free(full); free(part);
    cat_model_close(m);
}

/* a q8 model file laid out again: every q8 tensor with f32 scales (the
   layout of an earlier cat-convert: its values, then one float per 32) when
   f32_scales, else as it is (so the copy must equal the file); tensors in
   directory order, 64-byte aligned, as the writer places them */
static unsigned char *relayout_q8(const unsigned char *good, size_t n, int f32_scales, size_t *outn, int *nq8) {
    const uint64_t data = util_rd64(good + CAT_HDR_DATA_OFFSET);
    ent e[256];
    int ne = walk(good, e, 256), i;
    uint64_t pos = 0, total = 0;
    unsigned char *b;
    *nq8 = 0;
    if (ne > 256) return NULL;
    for (i = 0; i < ne; i++) total = (total + 63) / 64 * 64 + 2 * util_rd64(good + e[i].nbytes);   /* room enough */
    b = (unsigned char *)calloc((size_t)(data + total), 1);
    memcpy(b, good, (size_t)data);
    for (i = 0; i < ne; i++) {
        const unsigned char *src = good + data + util_rd64(good + e[i].offset);
        uint64_t nb = util_rd64(good + e[i].nbytes);
        pos = (pos + 63) / 64 * 64;
        if (util_rd32(good + e[i].dtype) == CAT_DTYPE_Q8 && f32_scales) {
            const uint64_t rows = util_rd64(good + e[i].dims), cols = util_rd64(good + e[i].dims + 8), ng = rows * ((cols + 31) / 32);
            const uint64_t vb = nb - 2 * ng;   /* the values and their padding to 64 bytes */
            uint64_t g;
            memcpy(b + data + pos, src, (size_t)vb);
            for (g = 0; g < ng; g++) {
                const float f = cat__f16_to_f32((uint16_t)(src[vb + 2 * g] | src[vb + 2 * g + 1] << 8));
                uint32_t u;
                memcpy(&u, &f, 4);
                util_wr32(b + data + pos + vb + 4 * g, u);
            }
            nb = vb + 4 * ng;
            (*nq8)++;
        } else memcpy(b + data + pos, src, (size_t)nb);
        util_wr64(b + e[i].offset, pos); util_wr64(b + e[i].nbytes, nb);
        pos += nb;
    }
    util_wr64(b + CAT_HDR_FILE_SIZE, data + pos); util_wr64(b + CAT_HDR_DATA_SIZE, pos);
    *outn = (size_t)(data + pos);
    (void)n;
    return b;
}

/* a q8 file of the earlier layout (f32 scales) is refused with a message that
   says what to do, by the library (from memory and from a file) and by a tool */
static void test_old_q8(const char *fx, const char *conv, const char *dir) {
    char cmd[2048], path[512], old_path[512], err[512];
    size_t n, n0, n1;
    unsigned char *good, *same, *old;
    int nq8 = 0, nq8_same = 0;
    cat_model *m = NULL;
    cat_result r;
    FILE *f;
    snprintf(path, sizeof path, "%s/test_format_q8.cat", dir);
    snprintf(old_path, sizeof old_path, "%s/test_format_q8_old.cat", dir);
    snprintf(cmd, sizeof cmd, "%s convert %s/cat_c4.safetensors %s --config %s/cat_c4.json --dtype q8 >/dev/null", conv, fx, path, fx);
    if (system(cmd) != 0) { CHECK(0, "convert cat_c4 to q8"); return; }
    good = (unsigned char *)util_read_file(path, &n);
    if (!good) { CHECK(0, "read %s", path); return; }
    CHECK(try_open(good, n, err, sizeof err) == CAT_OK, "the q8 file opens: %s", err);
    /* the re-layout itself is faithful: without the f32 scales it gives the file back */
    same = relayout_q8(good, n, 0, &n0, &nq8_same);
    CHECK(same && n0 == n && !memcmp(same, good, n), "a q8 file laid out again with its half scales is the same file");
    CHECK(same && try_open(same, n0, err, sizeof err) == CAT_OK, "and opens: %s", err);
    old = relayout_q8(good, n, 1, &n1, &nq8);
    CHECK(old && nq8 > 0 && n1 > n, "%d q8 tensors given f32 scales (%zu bytes, was %zu)", nq8, n1, n);
    if (old) {
        r = try_open(old, n1, err, sizeof err);
        CHECK(r == CAT_ERR_FORMAT && strstr(err, "f32 scales") && strstr(err, "convert the model again"), "the earlier q8 layout from memory: %s: %s", cat_result_string(r), err);
        f = fopen(old_path, "wb");
        CHECK(f && fwrite(old, 1, n1, f) == n1 && fclose(f) == 0, "write %s", old_path);
        err[0] = 0;
        r = cat_model_open(old_path, &m, err, sizeof err);
        CHECK(r == CAT_ERR_FORMAT && m == NULL && strstr(err, "convert the model again"), "the earlier q8 layout from a file: %s: %s", cat_result_string(r), err);
        if (r == CAT_OK) cat_model_close(m);
        /* the tool: a non-zero exit and the message on stderr */
        {
            char out_path[520], *msg;
            size_t ml = 0;
            int rc;
            snprintf(out_path, sizeof out_path, "%s.err", old_path);
            snprintf(cmd, sizeof cmd, "%s info %s >/dev/null 2>%s", conv, old_path, out_path);
            rc = system(cmd);
            msg = (char *)util_read_file(out_path, &ml);
            CHECK(rc != 0 && msg && ml && strstr(msg, "convert the model again") != NULL, "cat-convert info on the earlier q8 layout: exit %d, %s", rc, msg ? msg : "(no output)");
            free(msg);
            remove(out_path);
        }
        remove(old_path);
    }
    free(good); free(same); free(old);
    remove(path);
}

int main(int argc, char **argv) {
    const char *fx = argc > 1 ? argv[1] : "tests/fixtures";
    const char *conv = argc > 2 ? argv[2] : "build/cat-convert";
    const char *cases[] = { "cat_c4", "cat_c8_qk_gqa", "cat_adaptive_c16", "cat_layer_c4", "dense", "cat_c4_bf16" };
    char cmd[2048], path[512];
    size_t n;
    unsigned char *good;
    int i;
    cat_model *m;
    char err[256];

    CHECK(cat_model_open("/nonexistent/model.cat", &m, err, sizeof err) == CAT_ERR_IO && strstr(err, "cannot open"), "missing file -> CAT_ERR_IO");
    CHECK(cat_model_open_memory(NULL, 0, CAT_MEMORY_COPY, &m, err, sizeof err) != CAT_OK, "empty memory");
    CHECK(strcmp(cat_result_string(CAT_ERR_CONTEXT), "context is full") == 0 && strcmp(cat_result_string((cat_result)999), "unknown error") == 0, "result strings");
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        {
            /* next to the converter binary, so parallel builds do not collide */
            const char *slash = strrchr(conv, '/');
            int dl = slash ? (int)(slash - conv) : 1;
            snprintf(path, sizeof path, "%.*s/test_format_%s.cat", dl, slash ? conv : ".", cases[i]);
        }
        snprintf(cmd, sizeof cmd, "%s convert %s/%s.safetensors %s --config %s/%s.json >/dev/null", conv, fx, cases[i], path, fx, cases[i]);
        if (system(cmd) != 0) { CHECK(0, "convert %s", cases[i]); continue; }
        good = (unsigned char *)util_read_file(path, &n);
        if (!good) { CHECK(0, "read %s", path); continue; }
        if (i < 2) test_corrupt(good, n);
        if (i == 0 || i == 2) test_writer(good, n);
        test_api(path);
        free(good);
        remove(path);
    }
    {
        const char *slash = strrchr(conv, '/');
        char dir[400];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - conv) : 1, slash ? conv : ".");
        test_old_q8(fx, conv, dir);
    }
    return test_report();
}
