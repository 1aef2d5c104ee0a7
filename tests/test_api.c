/* test_api: cat.h seen from a second translation unit. This file includes cat.h
   WITHOUT CAT_IMPLEMENTATION and is linked with one that has it (api_impl.c), so
   every call below goes through the public declarations alone. It is built as
   C99, C11 and C++ with warnings as errors (Makefile), and calls every public
   function at least once (tests/run.sh checks that list against the header).
   usage: test_api MODEL   (a model file with a tokenizer, e.g. the KJV demo)
   MIT License, see LICENSE. */
#include "cat.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = (char *)malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
        *size = (size_t)n;
    }
    fclose(f);
    return buf;
}

struct wbuf { unsigned char *p; size_t n, cap; };
static size_t wbuf_write(void *user, const void *d, size_t n) {
    struct wbuf *b = (struct wbuf *)user;
    if (n > b->cap - b->n) return 0;
    memcpy(b->p + b->n, d, n); b->n += n;
    return n;
}

static void test_names(void) {
    CHECK(strcmp(cat_result_string(CAT_OK), "ok") == 0, "cat_result_string(CAT_OK)");
    CHECK(strcmp(cat_result_string((cat_result)-1), "unknown error") == 0, "cat_result_string out of range");
    CHECK(strcmp(cat_family_name(CAT_FAMILY_CAT_ADAPTIVE), "cat_adaptive") == 0, "cat_family_name");
    CHECK(strcmp(cat_dtype_name(CAT_DTYPE_BF16), "bf16") == 0, "cat_dtype_name");
    CHECK(cat_kernels() != NULL && cat_kernels()[0] != 0, "cat_kernels");
}

static void test_q8(void) {
    float w[64];
    unsigned char q[512];
    int i;
    for (i = 0; i < 64; i++) w[i] = (float)(i - 32) / 8.0f;
    /* 2 rows of 32: the values (64 bytes; q4: 32, padded to 64), then 2 half-precision scales */
    CHECK(cat_q8_bytes(2, 32) == 68, "cat_q8_bytes: %zu", cat_q8_bytes(2, 32));
    CHECK(cat_q4_bytes(2, 32) == 68 && cat_q4_bytes(1, 33) == 64 + 4, "cat_q4_bytes: %zu", cat_q4_bytes(2, 32));
    memset(q, 0xEE, sizeof q);
    cat_q8_quantize(q, w, 2, 32);
    /* row 0 runs -4 .. -0.125: -4 is q = -127, -0.125 is -4 (d = 4 / 127 as a half) */
    CHECK((signed char)q[0] == -127 && (signed char)q[31] == -4, "cat_q8_quantize: q %d %d", (signed char)q[0], (signed char)q[31]);
    memset(q, 0xEE, sizeof q);
    cat_q4_quantize(q, w, 2, 32);
    /* q4 row 0: d = -4 / -8 = 0.5, so -4 is q = -8 (nibble 0) and -0.125 rounds to 0 (nibble 8) */
    CHECK((q[0] & 15) == 0 && (q[15] >> 4) == 8 && q[32] == 0 && q[63] == 0, "cat_q4_quantize: %02x %02x", q[0], q[15]);
}

static void test_model(cat_model *m, const char *path) {
    const cat_config *cfg = cat_model_config(m);
    cat_config copy = *cfg;
    char err[256], shape[64], *name = NULL;
    const char *tname = NULL;
    cat_dtype dt;
    int ndim = 0, n_specs, n_t;
    int64_t dims[4];
    uint64_t off = 0, nb = 0;
    cat_tensor_spec *specs;
    void *data;
    size_t size = 0;
    cat_model *m2 = NULL;
    (void)name;
    CHECK(cat_config_validate(&copy, err, sizeof err) == CAT_OK, "cat_config_validate: %s", err);
    n_specs = cat_config_tensor_specs(cfg, NULL, 0);
    n_t = cat_model_tensor_count(m);
    CHECK(n_specs > 0 && n_specs == n_t, "cat_config_tensor_specs %d, cat_model_tensor_count %d", n_specs, n_t);
    specs = (cat_tensor_spec *)malloc(sizeof *specs * (size_t)(n_specs > 0 ? n_specs : 1));
    CHECK(specs && cat_config_tensor_specs(cfg, specs, n_specs) == n_specs, "cat_config_tensor_specs fills");
    if (specs) {
        cat_format_shape(shape, sizeof shape, specs[0].ndim, specs[0].dims);
        CHECK(shape[0] == '[', "cat_format_shape: %s", shape);
    }
    free(specs);
    CHECK(cat_model_tensor_info(m, 0, &tname, &dt, &ndim, dims, &off, &nb) == CAT_OK && tname && ndim > 0 && nb > 0,
          "cat_model_tensor_info 0");
    CHECK(cat_model_tensor_info(m, n_t, &tname, &dt, &ndim, dims, &off, &nb) == CAT_ERR_ARGS, "cat_model_tensor_info past the end");
    CHECK(cat_model_weight_bytes(m) > 0 && cat_model_weight_bytes(m) <= cat_model_file_bytes(m),
          "cat_model_weight_bytes %zu, cat_model_file_bytes %zu", cat_model_weight_bytes(m), cat_model_file_bytes(m));
    CHECK(cat_model_chunk_ok(m, cfg->chunk_size) == 1, "cat_model_chunk_ok(model's chunk)");
    CHECK(cat_model_chunk_ok(m, 3) == 0, "cat_model_chunk_ok(3)");
    {   /* read into memory instead of mapped: the same model */
        cat_result r = cat_model_load(path, &m2, err, sizeof err);
        CHECK(r == CAT_OK, "cat_model_load: %s", err);
        if (r == CAT_OK) {
            CHECK(cat_model_file_bytes(m2) == cat_model_file_bytes(m) && cat_model_tensor_count(m2) == cat_model_tensor_count(m),
                  "cat_model_load: %zu bytes, %d tensors", cat_model_file_bytes(m2), cat_model_tensor_count(m2));
            cat_model_close(m2);
        }
        CHECK(cat_model_load(NULL, &m2, err, sizeof err) == CAT_ERR_ARGS, "cat_model_load(NULL)");
    }
    data = read_file(path, &size);
    CHECK(data != NULL, "read %s", path);
    if (data) {
        cat_result r = cat_model_open_memory(data, size, CAT_MEMORY_COPY, &m2, err, sizeof err);
        CHECK(r == CAT_OK, "cat_model_open_memory: %s", err);
        if (r == CAT_OK) {
            CHECK(cat_model_file_bytes(m2) == size, "cat_model_file_bytes of a model in memory");
            cat_model_close(m2);
        }
        {   /* in place: aligned data is used as it is; misaligned data is refused, not copied */
            unsigned char *raw = (unsigned char *)malloc(size + 65), *al;
            CHECK(raw != NULL, "malloc");
            if (raw) {
                al = raw + (64 - (size_t)((uintptr_t)raw % 64)) % 64;
                memcpy(al, data, size);
                err[0] = 0;
                CHECK(cat_model_open_memory(al, size, CAT_MEMORY_IN_PLACE, &m2, err, sizeof err) == CAT_OK, "in place: %s", err);
                if (m2) cat_model_close(m2);
                m2 = NULL;
                memmove(al + 1, al, size);
                err[0] = 0;
                CHECK(cat_model_open_memory(al + 1, size, CAT_MEMORY_IN_PLACE, &m2, err, sizeof err) == CAT_ERR_ARGS
                      && m2 == NULL && err[0], "misaligned data in place is refused");
                CHECK(cat_model_open_memory(al + 1, size, CAT_MEMORY_COPY, &m2, err, sizeof err) == CAT_OK, "misaligned copied");
                if (m2) cat_model_close(m2);
                free(raw);
            }
        }
        {   /* the writer rebuilds the file from the model's parts */
            cat_tensor_desc *ds = (cat_tensor_desc *)calloc((size_t)n_t, sizeof *ds);
            struct wbuf wb;
            cat_writer w;
            int i;
            wb.p = (unsigned char *)malloc(size); wb.n = 0; wb.cap = size;
            r = ds && wb.p ? CAT_OK : CAT_ERR_NOMEM;
            for (i = 0; i < n_t && !r; i++) {
                const char *nm = NULL;
                cat_model_tensor_info(m, i, &nm, &ds[i].dtype, &ds[i].ndim, ds[i].dims, &off, &nb);
                snprintf(ds[i].name, sizeof ds[i].name, "%s", nm);
                CHECK(cat_tensor_bytes(ds[i].dtype, ds[i].ndim, ds[i].dims) == nb, "cat_tensor_bytes");
            }
            if (!r) r = cat_writer_begin(&w, wbuf_write, &wb, cfg, NULL, ds, n_t, err, sizeof err);
            for (i = 0; i < n_t && !r; i++) {
                cat_model_tensor_info(m, i, NULL, NULL, NULL, NULL, &off, &nb);
                r = cat_writer_data(&w, (const unsigned char *)data + off, (size_t)nb, err, sizeof err);
            }
            if (!r) r = cat_writer_end(&w, err, sizeof err);
            CHECK(r == CAT_OK && wb.n == w.file_size, "cat_writer_begin, cat_writer_data, cat_writer_end: %s", err);
            free(ds); free(wb.p);
        }
        free(data);
    }
}

static void test_tokenizer(const cat_model *m) {
    const cat_tokenizer *tok = cat_model_tokenizer(m);
    const char *text = "In the beginning God created the heaven and the earth.";
    int32_t ids[128];
    size_t n = 0, len = 0, out_len = 0;
    char out[256];
    const char *piece;
    cat_tokenizer *t = NULL;
    const char *const toks[4] = { "a", "b", "ab", "<|endoftext|>" };
    const uint32_t lens[4] = { 1, 1, 2, 13 };
    const uint32_t merges[2] = { 0, 1 };
    const uint32_t special[1] = { 3 };
    CHECK(tok != NULL, "the model has a tokenizer");
    if (!tok) return;
    CHECK(cat_tokenizer_vocab_size(tok) > 0, "cat_tokenizer_vocab_size");
    CHECK(cat_tokenizer_encode(tok, text, strlen(text), ids, 128, &n) == CAT_OK && n > 0, "cat_tokenizer_encode");
    CHECK(cat_tokenizer_decode(tok, ids, n, out, sizeof out, &out_len) == CAT_OK && out_len == strlen(text)
          && memcmp(out, text, out_len) == 0, "cat_tokenizer_decode round trip");
    piece = cat_tokenizer_token_bytes(tok, ids[0], &len);
    CHECK(piece && len > 0, "cat_tokenizer_token_bytes");
    CHECK(piece && cat_tokenizer_find(tok, piece, len) == ids[0], "cat_tokenizer_find");
    CHECK(cat_tokenizer_create(&t, 4, toks, lens, 1, merges, 1, special) == CAT_OK, "cat_tokenizer_create");
    if (t) {
        CHECK(cat_tokenizer_encode(t, "ab<|endoftext|>", 15, ids, 128, &n) == CAT_OK && n == 2 && ids[0] == 2 && ids[1] == 3,
              "encode with a merge and a special token");
        CHECK(cat_tokenizer_eot(t) == 3, "cat_tokenizer_eot");
        CHECK(cat_tokenizer_is_special(t, 3) == 1 && cat_tokenizer_is_special(t, 2) == 0, "cat_tokenizer_is_special");
        cat_tokenizer_free(t);
    }
}

static void test_session(const cat_model *m) {
    const cat_config *cfg = cat_model_config(m);
    const int32_t PV = cfg->padded_vocab;
    int32_t toks[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, seq[2] = { 0, 1 }, two[2] = { 9, 9 };
    cat_session_params sp;
    cat_session *s = NULL;
    float *full = (float *)malloc(sizeof(float) * 8 * (size_t)PV);
    cat_result r;
    memset(&sp, 0, sizeof sp);
    sp.n_seq = 2;
    r = cat_session_open(m, &sp, &s);
    CHECK(r == CAT_OK, "cat_session_open: %s", cat_result_string(r));
    if (r || !full) { free(full); return; }
    CHECK(cat_session_logits(s) == NULL, "no logits before any token");
    CHECK(cat_session_feed(s, toks, 8, NULL) == CAT_OK, "cat_session_feed");
    CHECK(cat_session_pos(s) == 8 && cat_session_seq_pos(s, 0) == 8 && cat_session_seq_pos(s, 1) == 0, "positions");
    CHECK(cat_session_logits(s) != NULL && cat_session_seq_logits(s, 0) == cat_session_logits(s), "cat_session_seq_logits");
    CHECK(cat_session_n_seq(s) == 2, "cat_session_n_seq");
    CHECK(cat_session_kernels(s) && strcmp(cat_session_kernels(s), cat_kernels()) == 0, "cat_session_kernels: the default kernels");
    CHECK(cat_session_chunk(s) == cfg->chunk_size, "cat_session_chunk");
    CHECK(cat_session_max_context(s) == cfg->block_size, "cat_session_max_context");
    CHECK(cat_session_kv_bytes(s) == cat_session_kv_bytes_at(s, 8) && cat_session_kv_bytes(s) > 0, "cat_session_kv_bytes");
    CHECK(cat_session_memory(s) > cat_session_kv_bytes_at(s, cfg->block_size), "cat_session_memory");
    {   /* KV-cache types and the budget (tests/test_kvcache.c checks them in depth) */
        size_t bytes = 0, need = 0;
        int32_t ch = 0;
        CHECK(cat_session_kv_type(s) == CAT_DTYPE_F32, "cat_session_kv_type");
        CHECK(cat_session_scratch_bytes(s) < cat_session_memory(s), "cat_session_scratch_bytes");
        CHECK(cat_session_bytes(m, &sp, &bytes) == CAT_OK && bytes == cat_session_memory(s), "cat_session_bytes");
        CHECK(cat_model_kv_bytes(m, 0, 8, 2, CAT_DTYPE_F32) == 2 * cat_session_kv_bytes_at(s, 8), "cat_model_kv_bytes");
        CHECK(cat_model_fit_budget(m, 1, 0, 1, CAT_DTYPE_Q8, &ch, &need) == CAT_ERR_BUDGET && need > 1, "cat_model_fit_budget");
    }
    CHECK(cat_session_feed_multi(s, seq, two, 2, NULL) == CAT_OK && cat_session_seq_pos(s, 1) == 1, "cat_session_feed_multi");
    cat_session_seq_reset(s, 1);
    CHECK(cat_session_seq_pos(s, 1) == 0 && cat_session_seq_pos(s, 0) == 9, "cat_session_seq_reset");
    {   /* session state (tests/test_state.c checks it bit for bit) */
        const int32_t *held = cat_session_seq_tokens(s, 0);
        size_t need = cat_session_seq_state_size(s, 0), wrote = 0;
        void *buf = malloc(need);
        CHECK(held && held[0] == 1 && held[8] == 9, "cat_session_seq_tokens");
        CHECK(cat_session_seq_copy(s, 0, 1) == CAT_OK && cat_session_seq_pos(s, 1) == 9, "cat_session_seq_copy");
        CHECK(cat_session_seq_truncate(s, 1, 3) == CAT_OK && cat_session_seq_pos(s, 1) == 3, "cat_session_seq_truncate");
        CHECK(buf && cat_session_seq_state_save(s, 0, buf, need, &wrote) == CAT_OK && wrote == need, "cat_session_seq_state_save");
        CHECK(buf && cat_session_seq_state_load(s, 1, buf, need) == CAT_OK && cat_session_seq_pos(s, 1) == 9, "cat_session_seq_state_load");
        free(buf);
    }
    cat_session_reset(s);
    CHECK(cat_session_pos(s) == 0, "cat_session_reset");
    cat_session_close(s);
    CHECK(cat_forward(m, 0, toks, 8, full) == CAT_OK, "cat_forward");
    CHECK(cat_argmax(full, cfg->vocab_size) >= 0, "cat_argmax");
    {
        cat_rng g;
        cat_sampler smp;
        cat_sampler_params p;
        float f;
        int32_t id;
        cat_rng_seed(&g, 42);
        (void)cat_rng_next(&g);
        f = cat_rng_float(&g);
        CHECK(f >= 0.0f && f < 1.0f, "cat_rng_float");
        memset(&p, 0, sizeof p);
        p.temperature = 0.8f; p.top_k = 40; p.top_p = 0.95f; p.seed = 7;
        CHECK(cat_sampler_init(&smp, &p, cfg->vocab_size) == CAT_OK, "cat_sampler_init");
        CHECK(cat_sampler_sample(&smp, full, &id) == CAT_OK && id >= 0 && id < cfg->vocab_size, "cat_sampler_sample: %d", (int)id);
        cat_sampler_accept(&smp, id);
        {
            float *pr = (float *)malloc((size_t)cfg->vocab_size * sizeof *pr);
            double sum = 0;
            int32_t i;
            CHECK(pr && cat_sampler_probs(&smp, full, pr) == CAT_OK, "cat_sampler_probs");
            for (i = 0; pr && i < cfg->vocab_size; i++) sum += pr[i];
            CHECK(sum > 0.999 && sum < 1.001, "cat_sampler_probs sums to %g", sum);
            free(pr);
        }
        cat_sampler_free(&smp);
    }
    free(full);
}

/* the getters' NULL rule: 0, NULL or -1 for a NULL object; close, free and reset do nothing */
static void test_null(void) {
    const cat_model *m = NULL;
    const cat_session *s = NULL;
    const cat_tokenizer *t = NULL;
    size_t len = 1;
    CHECK(cat_model_config(m) == NULL && cat_model_tokenizer(m) == NULL, "model getters of NULL: NULL");
    CHECK(cat_model_weight_bytes(m) == 0 && cat_model_file_bytes(m) == 0 && cat_model_tensor_count(m) == 0
          && cat_model_chunk_ok(m, 0) == 0, "model getters of NULL: 0");
    CHECK(cat_model_tensor_info(m, 0, NULL, NULL, NULL, NULL, NULL, NULL) == CAT_ERR_ARGS, "cat_model_tensor_info(NULL)");
    CHECK(cat_session_logits(s) == NULL && cat_session_seq_logits(s, 0) == NULL, "session logits of NULL: NULL");
    CHECK(cat_session_pos(s) == 0 && cat_session_seq_pos(s, 0) == -1 && cat_session_n_seq(s) == 0 && cat_session_kernels(s) == NULL && cat_session_chunk(s) == 0
          && cat_session_max_context(s) == 0, "session getters of NULL: 0 (seq_pos: -1)");
    CHECK(cat_session_kv_bytes(s) == 0 && cat_session_kv_bytes_at(s, 10) == 0 && cat_session_memory(s) == 0, "session sizes of NULL: 0");
    CHECK(cat_tokenizer_vocab_size(t) == 0 && cat_tokenizer_token_bytes(t, 0, &len) == NULL && len == 0
          && cat_tokenizer_find(t, "a", 1) == -1 && cat_tokenizer_eot(t) == -1 && cat_tokenizer_is_special(t, 0) == 0,
          "tokenizer getters of NULL");
    CHECK(cat_config_validate(NULL, NULL, 0) == CAT_ERR_ARGS, "cat_config_validate(NULL)");
    cat_model_close(NULL);
    cat_session_close(NULL);
    cat_session_reset(NULL);
    cat_session_seq_reset(NULL, 0);
    cat_tokenizer_free(NULL);
    cat_sampler_free(NULL);
    CHECK(1, "close, free and reset of NULL return");
}

int main(int argc, char **argv) {
    cat_model *m = NULL;
    char err[256];
    cat_result r;
    if (argc != 2) { fprintf(stderr, "usage: test_api MODEL\n"); return 2; }
    test_names();
    test_null();
    test_q8();
    err[0] = 0;
    CHECK(cat_model_open("/nonexistent/model.cat", &m, err, sizeof err) == CAT_ERR_IO && err[0], "open a missing file");
    r = cat_model_open(argv[1], &m, err, sizeof err);
    CHECK(r == CAT_OK, "cat_model_open %s: %s", argv[1], err);
    if (r == CAT_OK) {
        test_model(m, argv[1]);
        test_tokenizer(m);
        test_session(m);
        cat_model_close(m);
    }
    return test_report();
}
