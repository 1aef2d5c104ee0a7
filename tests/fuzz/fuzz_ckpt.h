/* fuzz_ckpt.h: the body shared by the checkpoint-reader harnesses
   (fuzz_zip_pickle.c, fuzz_safetensors.c): open arbitrary bytes as one format;
   a file that opens has every tensor looked up and read in both output types,
   a failure must name its problem. MIT License, see LICENSE. */
#ifndef FUZZ_CKPT_H
#define FUZZ_CKPT_H
#include "fuzz.h"
#define CKPT_IMPLEMENTATION
#include "../../tools/ckpt.h"

/* reads every tensor of an opened file */
static void fuzz_ckpt_read_all(const ckpt_file *f) {
    size_t i;
    char err[256];
    for (i = 0; i < f->n_tensors; i++) {
        const ckpt_tensor *t = &f->tensors[i];
        void *buf;
        FUZZ_ASSERT(t->name != NULL);
        FUZZ_ASSERT(t->ndim >= 0 && t->ndim <= CKPT_MAX_DIMS);
        FUZZ_ASSERT(ckpt_find(f, t->name) != NULL);
        /* numel is not bounded by the file for zero-stride views: cap reads */
        if (t->numel < 0 || t->numel > (1 << 20)) continue;
        buf = malloc((size_t)t->numel * 4 + 4);
        FUZZ_ASSERT(buf != NULL);
        if (ckpt_read(t, buf, CKPT_F32, err, sizeof err) != 0) FUZZ_ASSERT(err[0] != 0);
        if (ckpt_read(t, buf, CKPT_BF16, err, sizeof err) != 0) FUZZ_ASSERT(err[0] != 0);
        free(buf);
    }
    FUZZ_ASSERT(ckpt_find(f, "\x01no such tensor") == NULL);
}

static int fuzz_ckpt_one(const uint8_t *data, size_t size, int format) {
    ckpt_file f;
    char err[512];
    err[0] = 0;
    if (ckpt_open_memory(&f, data, size, format, err, sizeof err) == 0) {
        fuzz_ckpt_read_all(&f);
        ckpt_close(&f);
    } else {
        FUZZ_ASSERT(err[0] != 0);       /* every failure names its problem */
        ckpt_close(&f);                 /* allowed after a failed open */
    }
    return 0;
}
#endif
