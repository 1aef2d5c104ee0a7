/* fuzz_model: cat.h's model-file loader (cat_model_open_memory) on arbitrary
   bytes. A file that loads must also run: a short cat_forward (each test-time
   chunk size of an adaptive CAT), an incremental session, and, when the file
   holds a tokenizer, encode + decode. MIT License, see LICENSE. */
#include "fuzz.h"
#define CAT_IMPLEMENTATION
#include "../../cat.h"

static void fuzz_model_run(const cat_model *m, const uint8_t *data, size_t size) {
    const cat_config *c = cat_model_config(m);
    const cat_tokenizer *tok = cat_model_tokenizer(m);
    int32_t ids[12];
    int n = c->block_size < 12 ? c->block_size : 12, i, nt;
    int32_t chunk;
    float *lg;
    cat_session *s;
    cat_session_params sp;
    FUZZ_ASSERT(c->vocab_size > 0 && c->padded_vocab >= c->vocab_size);
    nt = cat_model_tensor_count(m);
    for (i = 0; i < nt; i++) {
        const char *name; cat_dtype dt; int nd; int64_t dims[4]; uint64_t off, nb;
        FUZZ_ASSERT(cat_model_tensor_info(m, i, &name, &dt, &nd, dims, &off, &nb) == CAT_OK);
        FUZZ_ASSERT(off + nb <= cat_model_file_bytes(m));
    }
    FUZZ_ASSERT(cat_model_tensor_info(m, nt, NULL, NULL, NULL, NULL, NULL, NULL) == CAT_ERR_ARGS);
    for (i = 0; i < n; i++) ids[i] = (int32_t)((size > (size_t)i ? data[size - 1 - i] : i) % (unsigned)c->vocab_size);
    lg = (float *)malloc(sizeof(float) * (size_t)c->padded_vocab * (size_t)n);
    FUZZ_ASSERT(lg != NULL);
    for (chunk = 0; chunk <= (c->family == CAT_FAMILY_CAT_ADAPTIVE ? c->chunk_size : 0); chunk = chunk ? chunk * 2 : 1) {
        FUZZ_ASSERT(cat_forward(m, chunk, ids, (size_t)n, lg) == CAT_OK);
    }
    memset(&sp, 0, sizeof sp);
    sp.max_context = n;
    sp.n_batch = 3;
    FUZZ_ASSERT(cat_session_open(m, &sp, &s) == CAT_OK);
    FUZZ_ASSERT(cat_session_feed(s, ids, (size_t)n, NULL) == CAT_OK);
    FUZZ_ASSERT(cat_session_feed(s, ids, 1, NULL) == CAT_ERR_CONTEXT);
    ids[0] = c->padded_vocab;
    FUZZ_ASSERT(cat_session_feed(s, ids, 1, NULL) == CAT_ERR_TOKEN);
    cat_session_close(s);
    free(lg);
    if (tok) {
        size_t len = size < 256 ? size : 256, k, got = 0, dlen = 0;
        int32_t *t = (int32_t *)malloc(sizeof(int32_t) * (len + 1));
        FUZZ_ASSERT(t != NULL);
        FUZZ_ASSERT(cat_tokenizer_vocab_size(tok) <= (uint32_t)c->padded_vocab);
        FUZZ_ASSERT(cat_tokenizer_encode(tok, (const char *)data, len, t, len, &got) == CAT_OK && got <= len);
        for (k = 0; k < got; k++) FUZZ_ASSERT(t[k] >= 0 && t[k] < c->padded_vocab);
        FUZZ_ASSERT(cat_tokenizer_decode(tok, t, got, NULL, 0, &dlen) != CAT_ERR_TOKEN);
        free(t);
    }
}

int FUZZ_ENTRY(const uint8_t *data, size_t size) {
    cat_model *m = NULL;
    char err[512];
    cat_result r;
    err[0] = 0;
    r = cat_model_open_memory(data, size, CAT_MEMORY_COPY, &m, err, sizeof err);
    if (r != CAT_OK) {
        FUZZ_ASSERT(m == NULL && err[0] != 0);   /* every failure names its problem */
        FUZZ_ASSERT(strcmp(cat_result_string(r), "unknown error") != 0);
        return 0;
    }
    fuzz_model_run(m, data, size);
    cat_model_close(m);
    return 0;
}
