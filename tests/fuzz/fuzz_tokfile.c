/* fuzz_tokfile: tokfile.h's vocabulary loaders on arbitrary bytes.
   Input: byte 0 picks the loader: even = HuggingFace tokenizer.json (the rest),
   odd = GPT-2 vocab.json + merges.txt (the rest, split at its first NUL byte).
   A vocabulary that loads is built into a cat.h tokenizer (as cat-convert
   does), which then encodes and decodes the input. MIT License, see LICENSE. */
#include "fuzz.h"
#define CAT_IMPLEMENTATION
#include "../../cat.h"
#define TOKFILE_IMPLEMENTATION
#include "../../tools/tokfile.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size) {
    tokfile tf;
    char err[512];
    int ok;
    cat_tokenizer *t = NULL;
    cat_result r;
    (void)tokfile_load_hf; (void)tokfile_load_gpt2;   /* the path versions read files */
    if (size < 1) return 0;
    err[0] = 0;
    if (data[0] % 2 == 0) {
        ok = tokfile_load_hf_memory(&tf, (const char *)data + 1, size - 1, "fuzz.json", err, sizeof err) == 0;
    } else {
        const uint8_t *nul = (const uint8_t *)memchr(data + 1, 0, size - 1);
        size_t vlen = nul ? (size_t)(nul - (data + 1)) : size - 1;
        const char *merges = nul ? (const char *)nul + 1 : "";
        size_t mlen = nul ? size - 2 - vlen : 0;
        ok = tokfile_load_gpt2_memory(&tf, (const char *)data + 1, vlen, "vocab.json", merges, mlen, "merges.txt", err, sizeof err) == 0;
    }
    if (!ok) { FUZZ_ASSERT(err[0] != 0); return 0; }
    FUZZ_ASSERT(tf.n_vocab > 0 && tf.n_vocab <= size);
    r = cat_tokenizer_create(&t, tf.n_vocab, (const char *const *)tf.tokens, tf.lens, tf.n_merges, tf.merges, tf.n_special, tf.special);
    /* tokfile checks everything cat_tokenizer_create does: what loads, builds */
    FUZZ_ASSERT(r == CAT_OK);
    {
        size_t n = 0, k, dlen = 0;
        int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * (size + 1));
        FUZZ_ASSERT(ids != NULL);
        r = cat_tokenizer_encode(t, (const char *)data, size, ids, size, &n);
        FUZZ_ASSERT(r == CAT_OK && n <= size);
        for (k = 0; k < n; k++) FUZZ_ASSERT(ids[k] >= 0 && (uint32_t)ids[k] < tf.n_vocab);
        r = cat_tokenizer_decode(t, ids, n, NULL, 0, &dlen);
        FUZZ_ASSERT(r == CAT_OK || r == CAT_ERR_BUFFER);
        free(ids);
        cat_tokenizer_free(t);
    }
    tokfile_free(&tf);
    return 0;
}
