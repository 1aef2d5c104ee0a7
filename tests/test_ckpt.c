/* Unit tests for tools/ckpt.h.
 *
 *   cc -std=c99 -Wall -Wextra -pedantic -Itools tests/test_ckpt.c -o test_ckpt
 *   ./test_ckpt [fixture-dir]          (default tests/fixtures)
 *
 * Prints one line per check and ends with "N passed, M failed"; exit status 0
 * iff nothing failed. Run it under -fsanitize=address,undefined to also check
 * for memory errors and leaks on every malformed input.
 */
#define CKPT_IMPLEMENTATION
#include "ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "synth_ckpt.h"

#include "harness.h"
static const char *g_dir = "tests/fixtures";

static void check(int ok, const char *fmt, ...) {
    va_list ap;
    printf("%s - ", ok ? "ok  " : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    test_count(ok);
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

static void bfree(buf_t *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static uint8_t *load_file(const char *name, size_t *len) {
    char path[1024];
    FILE *fp;
    long sz;
    uint8_t *p;
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    p = (uint8_t *)malloc(sz > 0 ? (size_t)sz : 1);
    if (p && fread(p, 1, (size_t)sz, fp) != (size_t)sz) { free(p); p = NULL; }
    fclose(fp);
    *len = (size_t)sz;
    return p;
}

/* open must fail with a non-empty message (containing needle, if given) */
static int try_fail(const void *d, size_t n, int format, const char *needle, char *err, size_t errlen) {
    ckpt_file f;
    int rc;
    err[0] = 0;
    rc = ckpt_open_memory(&f, d, n, format, err, errlen);
    if (rc == 0) { ckpt_close(&f); snprintf(err, errlen, "(unexpectedly opened)"); return 0; }
    ckpt_close(&f); /* must be safe after a failed open */
    if (rc != -1 || err[0] == 0) return 0;
    if (needle && !strstr(err, needle)) return 0;
    return 1;
}

static void expect_fail(const char *what, const void *d, size_t n, int format, const char *needle) {
    char err[512];
    int ok = try_fail(d, n, format, needle, err, sizeof err);
    check(ok, "%s -> \"%s\"", what, err);
}

/* open only: -1 failed with a message, -2 failed without one, 0 opened */
static int try_open(const void *d, size_t n) {
    ckpt_file f;
    char err[256];
    err[0] = 0;
    if (ckpt_open_memory(&f, d, n, 0, err, sizeof err)) return err[0] ? -1 : -2;
    ckpt_close(&f);
    return 0;
}

/* open and read every tensor (used by fuzzing: must never crash) */
static int open_and_read_all(const void *d, size_t n, int format) {
    ckpt_file f;
    char err[256];
    size_t i;
    if (ckpt_open_memory(&f, d, n, format, err, sizeof err)) {
        if (err[0] == 0) return -2; /* failure without a message */
        return -1;
    }
    for (i = 0; i < f.n_tensors; i++) {
        const ckpt_tensor *t = &f.tensors[i];
        void *dst;
        if (t->numel > (1 << 20)) continue; /* broadcast views may be huge */
        dst = malloc((size_t)t->numel * 4 + 4);
        if (ckpt_read(t, dst, CKPT_F32, err, sizeof err) != 0 || ckpt_read(t, dst, CKPT_BF16, err, sizeof err) != 0) {
            free(dst);
            ckpt_close(&f);
            return -3;
        }
        free(dst);
    }
    ckpt_close(&f);
    return 0;
}

static const char *strip_prefix(const char *s) {
    if (strncmp(s, "module.", 7) == 0) return s + 7;
    if (strncmp(s, "_orig_mod.", 10) == 0) return s + 10;
    return s;
}

static const ckpt_tensor *find_stripped(const ckpt_file *f, const char *name) {
    size_t i;
    for (i = 0; i < f->n_tensors; i++)
        if (strcmp(strip_prefix(f->tensors[i].name), name) == 0) return &f->tensors[i];
    return NULL;
}

static int same_shape(const ckpt_tensor *a, const ckpt_tensor *b) {
    int k;
    if (a->ndim != b->ndim || a->numel != b->numel) return 0;
    for (k = 0; k < a->ndim; k++) if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

static uint8_t *read_as(const ckpt_tensor *t, ckpt_dtype dt) {
    char err[256];
    size_t es = dt == CKPT_F32 ? 4 : 2;
    uint8_t *p = (uint8_t *)malloc((size_t)t->numel * es + 1);
    if (!p) return NULL;
    if (ckpt_read(t, p, dt, err, sizeof err)) {
        printf("# read '%s' failed: %s\n", t->name, err);
        free(p);
        return NULL;
    }
    return p;
}

/* independent reference for F32 -> BF16 round-to-nearest-even */
static unsigned ref_bf16(uint32_t b) {
    uint32_t hi = b >> 16, lo = b & 0xffff;
    if (((b >> 23) & 0xff) == 0xff && (b & 0x7fffff)) return 1; /* NaN: caller checks NaN-ness */
    if (lo > 0x8000 || (lo == 0x8000 && (hi & 1))) hi++;
    return hi & 0xffff;
}

/* ------------------------------------------------------------------------ */
/* fixtures                                                                  */

static const char *k_pairs[] = { "cat_c4", "cat_c4_bf16", "cat_c8_qk_gqa", "cat_adaptive_c16", "cat_layer_c4", "dense" };
#define N_PAIRS (sizeof k_pairs / sizeof k_pairs[0])

static void test_pair(const char *base) {
    char pt[256], st[256], path[1024], err[512];
    ckpt_file a, b;
    size_t i, nbad_shape = 0, nbad_data = 0, nmissing = 0, nbad_raw = 0;
    snprintf(pt, sizeof pt, "%s.pt", base);
    snprintf(st, sizeof st, "%s.safetensors", base);
    snprintf(path, sizeof path, "%s/%s", g_dir, pt);
    if (ckpt_open(&a, path, err, sizeof err)) { check(0, "open %s: %s", pt, err); return; }
    check(a.n_tensors > 0, "open %s (%zu tensors)", pt, a.n_tensors);
    snprintf(path, sizeof path, "%s/%s", g_dir, st);
    if (ckpt_open(&b, path, err, sizeof err)) { check(0, "open %s: %s", st, err); ckpt_close(&a); return; }
    check(b.n_tensors > 0, "open %s (%zu tensors)", st, b.n_tensors);
    check(a.n_tensors == b.n_tensors, "%s: same tensor count in .pt and .safetensors (%zu vs %zu)", base, a.n_tensors, b.n_tensors);
    for (i = 0; i < a.n_tensors; i++) {
        const ckpt_tensor *ta = &a.tensors[i], *tb = find_stripped(&b, strip_prefix(ta->name));
        uint8_t *da, *db;
        if (!tb) { nmissing++; continue; }
        if (!same_shape(ta, tb) || ta->dtype != tb->dtype) { nbad_shape++; continue; }
        da = read_as(ta, CKPT_F32);
        db = read_as(tb, CKPT_F32);
        if (!da || !db || memcmp(da, db, (size_t)ta->numel * 4) != 0) nbad_data++;
        free(da);
        free(db);
        /* native-type read equals the safetensors bytes */
        da = read_as(ta, ta->dtype == CKPT_F32 ? CKPT_F32 : CKPT_BF16);
        if (!da || (ta->dtype != CKPT_F16 && memcmp(da, tb->storage, (size_t)tb->storage_nbytes) != 0)) nbad_raw++;
        free(da);
    }
    check(nmissing == 0, "%s: every .pt tensor is in .safetensors by (stripped) name (%zu missing)", base, nmissing);
    check(nbad_shape == 0, "%s: shapes and dtypes agree (%zu differ)", base, nbad_shape);
    check(nbad_data == 0, "%s: F32 reads are bit-identical (%zu differ)", base, nbad_data);
    check(nbad_raw == 0, "%s: native-type reads equal the safetensors bytes (%zu differ)", base, nbad_raw);
    ckpt_close(&a);
    ckpt_close(&b);
}

static void test_statedict(void) {
    char path[1024], err[512];
    ckpt_file a, b;
    size_t i, nbad = 0, nshared = 0, nnonzero = 0;
    snprintf(path, sizeof path, "%s/cat_c4_statedict.pt", g_dir);
    if (ckpt_open(&a, path, err, sizeof err)) { check(0, "open cat_c4_statedict.pt: %s", err); return; }
    check(1, "open cat_c4_statedict.pt (OrderedDict + _metadata, %zu tensors)", a.n_tensors);
    snprintf(path, sizeof path, "%s/cat_c4.pt", g_dir);
    if (ckpt_open(&b, path, err, sizeof err)) { check(0, "open cat_c4.pt: %s", err); ckpt_close(&a); return; }
    check(a.n_tensors == b.n_tensors, "statedict: same tensor count as cat_c4.pt (%zu vs %zu)", a.n_tensors, b.n_tensors);
    for (i = 0; i < a.n_tensors; i++) {
        const ckpt_tensor *ta = &a.tensors[i], *tb = ckpt_find(&b, ta->name);
        uint8_t *da, *db;
        if (ta->storage == a.tensors[0].storage) nshared++;
        if (ta->offset != 0) nnonzero++;
        if (!tb || !same_shape(ta, tb) || ta->dtype != tb->dtype) { nbad++; continue; }
        da = read_as(ta, CKPT_F32);
        db = read_as(tb, CKPT_F32);
        if (!da || !db || memcmp(da, db, (size_t)ta->numel * 4) != 0) nbad++;
        free(da);
        free(db);
    }
    check(nshared == a.n_tensors && nnonzero == a.n_tensors, "statedict: all %zu tensors are views into one storage at nonzero offsets (%zu shared, %zu nonzero)", a.n_tensors, nshared, nnonzero);
    check(nbad == 0, "statedict: equal to cat_c4.pt tensor for tensor (%zu differ)", nbad);
    check(ckpt_find(&a, "f.wte.weight") != NULL && ckpt_find(&a, "f.wte.weightx") == NULL && ckpt_find(&a, "") == NULL,
          "ckpt_find finds an existing key and rejects missing ones");
    ckpt_close(&a);
    ckpt_close(&b);
}

static void test_bf16(void) {
    char path[1024], err[512];
    ckpt_file a, c;
    size_t i, nbad = 0, nbad32 = 0, nround = 0;
    snprintf(path, sizeof path, "%s/cat_c4_bf16.pt", g_dir);
    if (ckpt_open(&a, path, err, sizeof err)) { check(0, "open cat_c4_bf16.pt: %s", err); return; }
    for (i = 0; i < a.n_tensors; i++) {
        const ckpt_tensor *t = &a.tensors[i];
        uint8_t *d16 = read_as(t, CKPT_BF16), *d32 = read_as(t, CKPT_F32);
        int64_t e;
        if (t->dtype != CKPT_BF16 || !d16 || !d32 || t->offset != 0 ||
            memcmp(d16, t->storage, (size_t)t->numel * 2) != 0) nbad++;
        else
            for (e = 0; e < t->numel; e++)
                if (d32[4 * e] != 0 || d32[4 * e + 1] != 0 || d32[4 * e + 2] != d16[2 * e] || d32[4 * e + 3] != d16[2 * e + 1]) { nbad32++; break; }
        free(d16);
        free(d32);
    }
    check(nbad == 0, "bf16: BF16 read of cat_c4_bf16.pt is an exact copy (%zu differ)", nbad);
    check(nbad32 == 0, "bf16: F32 read of BF16 data is exact (%zu differ)", nbad32);
    ckpt_close(&a);

    /* F32 -> BF16 rounding against an independent reference on a real file */
    snprintf(path, sizeof path, "%s/cat_c4.safetensors", g_dir);
    if (ckpt_open(&c, path, err, sizeof err)) { check(0, "open cat_c4.safetensors: %s", err); return; }
    for (i = 0; i < c.n_tensors; i++) {
        const ckpt_tensor *t = &c.tensors[i];
        uint8_t *d16 = read_as(t, CKPT_BF16);
        int64_t e;
        if (!d16) { nround++; continue; }
        for (e = 0; e < t->numel; e++)
            if (rd16(d16 + 2 * e) != ref_bf16(rd32(t->storage + 4 * e))) { nround++; break; }
        free(d16);
    }
    check(nround == 0, "F32 -> BF16 read of cat_c4.safetensors matches round-to-nearest-even (%zu differ)", nround);
    ckpt_close(&c);
}

static void test_all_fixtures_open(void) {
    static const char *names[] = { "cat_c4.pt", "cat_c4.safetensors", "cat_c4_bf16.pt", "cat_c4_bf16.safetensors",
                                   "cat_c8_qk_gqa.pt", "cat_c8_qk_gqa.safetensors", "cat_adaptive_c16.pt",
                                   "cat_adaptive_c16.safetensors", "cat_layer_c4.pt", "cat_layer_c4.safetensors",
                                   "dense.pt", "dense.safetensors", "cat_c4_statedict.pt" };
    size_t i, len;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t *d = load_file(names[i], &len);
        ckpt_file f;
        char err[512];
        int fmt = strstr(names[i], ".pt") ? 1 : 2, rc1, rc2;
        if (!d) { check(0, "load %s", names[i]); continue; }
        rc1 = ckpt_open_memory(&f, d, len, 0, err, sizeof err);
        if (rc1 == 0) ckpt_close(&f);
        rc2 = ckpt_open_memory(&f, d, len, fmt, err, sizeof err);
        if (rc2 == 0) ckpt_close(&f);
        check(rc1 == 0 && rc2 == 0, "%s opens from memory (autodetect and explicit format %d)", names[i], fmt);
        expect_fail(fmt == 1 ? "torch file opened as safetensors" : "safetensors file opened as torch zip", d, len, 3 - fmt, NULL);
        free(d);
    }
}

/* ------------------------------------------------------------------------ */
/* conversions and strided reads on hand-made tensors                        */

static void test_conversions(void) {
    static const uint16_t h[] = { 0x3C00, 0xC000, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x7E01, 0x8000, 0x7BFF, 0x0400 };
    static const uint32_t hf[] = { 0x3F800000, 0xC0000000, 0x33800000, 0x387FC000, 0x7F800000, 0xFF800000, 0x7FC02000, 0x80000000, 0x477FE000, 0x38800000 };
    uint8_t st[64], out[64];
    ckpt_tensor t;
    char err[256];
    int i, ok;

    /* F16 -> F32 exactness incl. subnormals, inf, NaN payload, -0 */
    memset(&t, 0, sizeof t);
    t.name = (char *)"h";
    t.dtype = CKPT_F16;
    t.ndim = 1;
    t.shape[0] = 10;
    t.stride[0] = 1;
    t.numel = 10;
    for (i = 0; i < 10; i++) { st[2 * i] = (uint8_t)h[i]; st[2 * i + 1] = (uint8_t)(h[i] >> 8); }
    t.storage = st;
    t.storage_nbytes = 20;
    ok = ckpt_read(&t, out, CKPT_F32, err, sizeof err) == 0;
    for (i = 0; ok && i < 10; i++) ok = rd32(out + 4 * i) == hf[i];
    check(ok, "F16 -> F32 is exact (normal, subnormal, inf, NaN, -0, max)");
    ok = ckpt_read(&t, out, CKPT_F16, err, sizeof err) == 0 && memcmp(out, st, 20) == 0;
    check(ok, "F16 -> F16 is an exact copy");

    /* F32 -> BF16 rounding */
    {
        static const uint32_t f[] = { 0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, 0x7F7FFFFF, 0x7FC00001, 0xFF800001, 0x00000001, 0x80000000 };
        static const uint16_t bf[] = { 0x3F80, 0x3F82, 0x3F81, 0x3F80, 0x7F80, 0, 0, 0x0000, 0x8000 };
        memset(&t, 0, sizeof t);
        t.name = (char *)"f";
        t.dtype = CKPT_F32;
        t.ndim = 1;
        t.shape[0] = 9;
        t.stride[0] = 1;
        t.numel = 9;
        for (i = 0; i < 9; i++) wr32(st + 4 * i, f[i]);
        t.storage = st;
        t.storage_nbytes = 36;
        ok = ckpt_read(&t, out, CKPT_BF16, err, sizeof err) == 0;
        for (i = 0; ok && i < 9; i++) {
            unsigned v = rd16(out + 2 * i);
            if (i == 5 || i == 6) ok = (v & 0x7F80) == 0x7F80 && (v & 0x7F) != 0 && ((v & 0x8000) != 0) == (i == 6);
            else ok = v == bf[i];
        }
        check(ok, "F32 -> BF16 rounds to nearest even, overflows to inf, keeps NaN a NaN (with sign)");
        ok = ckpt_read(&t, out, CKPT_F16, err, sizeof err) == -1 && err[0] != 0;
        check(ok, "F32 -> F16 is rejected -> \"%s\"", err);
    }

    /* strided / offset / broadcast / scalar reads: storage holds 0..11 as F32 */
    for (i = 0; i < 12; i++) {
        float v = (float)i;
        uint32_t b;
        memcpy(&b, &v, 4);
        wr32(st + 4 * i, b);
    }
    {
        struct { int nd; int64_t off, sh[3], str[3]; int n; float want[12]; const char *what; } cs[] = {
            { 2, 0, { 3, 4 }, { 4, 1 }, 12, { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, "contiguous 3x4" },
            { 2, 0, { 4, 3 }, { 1, 4 }, 12, { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, "transposed 4x3" },
            { 1, 5, { 3 }, { 3 }, 3, { 5, 8, 11 }, "offset 5 stride 3" },
            { 2, 2, { 2, 3 }, { 0, 1 }, 6, { 2, 3, 4, 2, 3, 4 }, "broadcast (stride 0)" },
            { 0, 7, { 0 }, { 0 }, 1, { 7 }, "scalar at offset 7" },
            { 3, 1, { 2, 2, 2 }, { 6, 1, 3 }, 8, { 1, 4, 2, 5, 7, 10, 8, 11 }, "3-d permuted, offset 1" },
            { 2, 0, { 0, 5 }, { 5, 1 }, 0, { 0 }, "empty (0 x 5)" }
        };
        size_t c;
        for (c = 0; c < sizeof cs / sizeof cs[0]; c++) {
            int k;
            memset(&t, 0, sizeof t);
            t.name = (char *)"v";
            t.dtype = CKPT_F32;
            t.ndim = cs[c].nd;
            for (k = 0; k < 3; k++) { t.shape[k] = cs[c].sh[k]; t.stride[k] = cs[c].str[k]; }
            t.offset = cs[c].off;
            t.numel = cs[c].n;
            t.storage = st;
            t.storage_nbytes = 48;
            memset(out, 0xAB, sizeof out);
            ok = ckpt_read(&t, out, CKPT_F32, err, sizeof err) == 0;
            for (k = 0; ok && k < cs[c].n; k++) {
                float v;
                uint32_t b = rd32(out + 4 * k);
                memcpy(&v, &b, 4);
                ok = v == cs[c].want[k];
            }
            if (ok && cs[c].n == 0) ok = out[0] == 0xAB;
            check(ok, "ckpt_read %s", cs[c].what);
        }
        memset(&t, 0, sizeof t);
        t.name = (char *)"v";
        t.dtype = CKPT_F32;
        t.ndim = 2;
        t.shape[0] = 3; t.shape[1] = 4;
        t.stride[0] = 4; t.stride[1] = 1;
        t.offset = 1;
        t.numel = 12;
        t.storage = st;
        t.storage_nbytes = 48;
        check(ckpt_read(&t, out, CKPT_F32, err, sizeof err) == -1 && err[0], "ckpt_read rejects a view past its storage -> \"%s\"", err);
        t.offset = 0;
        t.numel = 11;
        check(ckpt_read(&t, out, CKPT_F32, err, sizeof err) == -1 && err[0], "ckpt_read rejects numel inconsistent with shape -> \"%s\"", err);
    }
    check(strcmp(ckpt_dtype_name(CKPT_F32), "F32") == 0 && strcmp(ckpt_dtype_name(CKPT_F16), "F16") == 0 &&
          strcmp(ckpt_dtype_name(CKPT_BF16), "BF16") == 0, "ckpt_dtype_name");
}

/* ------------------------------------------------------------------------ */
/* synthetic torch zips                                                     */


static buf_t torch_with_pickle(const uint8_t *pkl, size_t plen) {
    return make_torch(pkl, plen, 0, NULL);
}

static int check_synthetic(const ckpt_file *f) {
    static const float wa[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, wb[12] = { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 },
                       wc[2] = { 5, 8 }, we[6] = { 2, 3, 4, 2, 3, 4 };
    static const uint32_t wh[4] = { 0x3F800000, 0xC0000000, 0x33800000, 0x7F800000 };
    struct { const char *n; const float *w; int cnt; } cs[4];
    const ckpt_tensor *t;
    uint8_t out[64];
    char err[256];
    int c, k;
    cs[0].n = "a"; cs[0].w = wa; cs[0].cnt = 12;
    cs[1].n = "b"; cs[1].w = wb; cs[1].cnt = 12;
    cs[2].n = "c"; cs[2].w = wc; cs[2].cnt = 2;
    cs[3].n = "e"; cs[3].w = we; cs[3].cnt = 6;
    if (f->n_tensors != 6) return 0;
    for (c = 0; c < 4; c++) {
        t = ckpt_find(f, cs[c].n);
        if (!t || t->dtype != CKPT_F32 || t->numel != cs[c].cnt || ckpt_read(t, out, CKPT_F32, err, sizeof err)) return 0;
        for (k = 0; k < cs[c].cnt; k++) {
            float v;
            uint32_t b = rd32(out + 4 * k);
            memcpy(&v, &b, 4);
            if (v != cs[c].w[k]) return 0;
        }
    }
    t = ckpt_find(f, "h");
    if (!t || t->dtype != CKPT_F16 || ckpt_read(t, out, CKPT_F32, err, sizeof err)) return 0;
    for (k = 0; k < 4; k++) if (rd32(out + 4 * k) != wh[k]) return 0;
    t = ckpt_find(f, "s");
    if (!t || t->dtype != CKPT_BF16 || t->ndim != 0 || t->numel != 1 || ckpt_read(t, out, CKPT_F32, err, sizeof err)) return 0;
    if (rd32(out) != 0x3FC00000) return 0;
    if (ckpt_read(t, out, CKPT_BF16, err, sizeof err) || out[0] != 0xC0 || out[1] != 0x3F) return 0;
    if (strcmp(f->tensors[0].name, "a") != 0 || strcmp(f->tensors[5].name, "s") != 0) return 0;
    return 1;
}

static void test_synthetic_torch(void) {
    int p4, od, z64;
    char err[512];
    for (p4 = 0; p4 < 2; p4++)
        for (od = 0; od < 2; od++)
            for (z64 = 0; z64 < 2; z64++) {
                buf_t pk = make_pickle(p4, od), z = make_torch(pk.p, pk.n, z64, NULL);
                ckpt_file f;
                int ok = ckpt_open_memory(&f, z.p, z.n, 0, err, sizeof err) == 0;
                if (!ok) printf("# %s\n", err);
                if (ok) { ok = check_synthetic(&f); ckpt_close(&f); }
                check(ok, "synthetic torch zip (protocol %d, %s, %s): views, F16, BF16 scalar read correctly",
                      p4 ? 4 : 2, od ? "OrderedDict+BUILD" : "dict", z64 ? "ZIP64" : "plain zip");
                bfree(&pk);
                bfree(&z);
            }
}

/* build a pickle from raw bytes and check that opening the zip fails */
static void expect_pickle_fail(const char *what, const uint8_t *pk, size_t n, const char *needle) {
    buf_t z = torch_with_pickle(pk, n);
    expect_fail(what, z.p, z.n, 0, needle);
    bfree(&z);
}

static void test_malformed_pickles(void) {
    static const int64_t s34[2] = { 3, 4 }, t41[2] = { 4, 1 }, s44[2] = { 4, 4 }, neg[2] = { 4, -1 };
    buf_t b = { NULL, 0, 0 };
    int i;

    g_p4 = 0;
    { static const uint8_t p[] = { 0x80, 2, '}', 'I', '1', '\n', '.' }; expect_pickle_fail("pickle: unknown opcode", p, sizeof p, "unsupported opcode 0x49 at offset 3"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 0xFF, '.' }; expect_pickle_fail("pickle: opcode 0xff", p, sizeof p, "unsupported opcode 0xff"); }
    { static const uint8_t p[] = { 0x80, 9, '}', '.' }; expect_pickle_fail("pickle: protocol 9", p, sizeof p, "protocol"); }
    { static const uint8_t p[] = { 0x80, 2, 's', '.' }; expect_pickle_fail("pickle: SETITEM stack underflow", p, sizeof p, "stack underflow"); }
    { static const uint8_t p[] = { 0x80, 2, '.' }; expect_pickle_fail("pickle: STOP on empty stack", p, sizeof p, "stack underflow"); }
    { static const uint8_t p[] = { 0x80, 2, '}', '(', 'R', '.' }; expect_pickle_fail("pickle: REDUCE underflow across MARK", p, sizeof p, "stack underflow"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 't', '.' }; expect_pickle_fail("pickle: TUPLE without MARK", p, sizeof p, "MARK"); }
    { static const uint8_t p[] = { 0x80, 2, 'j', 0xFF, 0xFF, 0xFF, 0xFF, '.' }; expect_pickle_fail("pickle: absurd LONG_BINGET index", p, sizeof p, "LONG_BINGET index 4294967295"); }
    { static const uint8_t p[] = { 0x80, 2, 'h', 3, '.' }; expect_pickle_fail("pickle: BINGET of empty memo slot", p, sizeof p, "empty memo"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 'r', 0xFF, 0xFF, 0xFF, 0xFF, '.' }; expect_pickle_fail("pickle: absurd LONG_BINPUT index", p, sizeof p, "implausibly large"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, '.' }; expect_pickle_fail("pickle: 9-byte LONG1", p, sizeof p, "too large"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 'X', 0xFF, 0xFF, 0xFF, 0x7F, 'a', '.' }; expect_pickle_fail("pickle: BINUNICODE length past end", p, sizeof p, "past the end"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80, '.' }; expect_pickle_fail("pickle: BINUNICODE8 huge length", p, sizeof p, "past the end"); }
    { static const uint8_t p[] = { 0x80, 4, 0x95, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, '}', '.' }; expect_pickle_fail("pickle: FRAME past end", p, sizeof p, "FRAME"); }
    { static const uint8_t p[] = { 0x80, 2, '}' }; expect_pickle_fail("pickle: no STOP", p, sizeof p, "without a STOP"); }
    { static const uint8_t p[] = { 0x80, 2, 'N', '.' }; expect_pickle_fail("pickle: top-level None", p, sizeof p, "top-level object is None"); }
    { static const uint8_t p[] = { 0x80, 2, 'K', 1, 'K', 2, 'b', '.' }; expect_pickle_fail("pickle: BUILD on int", p, sizeof p, "BUILD"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 'K', 1, 'K', 2, 's', '.' }; expect_pickle_fail("pickle: non-str key", p, sizeof p, "not a str"); }
    { static const uint8_t p[] = { 0x80, 2, '}', 'X', 1, 0, 0, 0, 'a', 'K', 2, 's', '.' }; expect_pickle_fail("pickle: value not a tensor", p, sizeof p, "value for key 'a' is an int, not a tensor"); }
    { static const uint8_t p[] = { 0x80, 2, 'c', 't', 'o', 'r', 'c', 'h', '\n', 'F', '.' }; expect_pickle_fail("pickle: unterminated GLOBAL", p, sizeof p, "GLOBAL"); }

    bfree(&b);
    bu8(&b, 0x80); bu8(&b, 2);
    bu8(&b, 'c'); bstr(&b, "os\nsystem\n"); bu8(&b, '('); bstr(&b, "X\x02\0\0\0ls"); bu8(&b, 't'); bu8(&b, 'R'); bu8(&b, '.');
    expect_pickle_fail("pickle: unknown global os.system", b.p, b.n, "unsupported global 'os.system'");
    bfree(&b);
    bu8(&b, 0x80); bu8(&b, 4); pk_str(&b, "builtins"); pk_str(&b, "eval"); bu8(&b, 0x93); bu8(&b, '.');
    expect_pickle_fail("pickle: unknown STACK_GLOBAL builtins.eval", b.p, b.n, "unsupported global 'builtins.eval'");
    bfree(&b);
    bu8(&b, 0x80); bu8(&b, 2);
    for (i = 0; i < 1000; i++) bu8(&b, '(');
    bu8(&b, '.');
    expect_pickle_fail("pickle: absurd MARK nesting", b.p, b.n, "nesting");
    bfree(&b);
    bu8(&b, 0x80); bu8(&b, 2);
    for (i = 0; i < 100000; i++) bu8(&b, ')');
    bu8(&b, '.');
    expect_pickle_fail("pickle: 100000 pushes then STOP of a tuple", b.p, b.n, "top-level object is a tuple");
    bfree(&b);

    /* tensor-level errors */
#define TENSOR_CASE(what, needle, stype, key, numel, off, nd, sh, st)                 \
    do {                                                                              \
        bu8(&b, 0x80); bu8(&b, 2); bu8(&b, '}'); bu8(&b, '(');                       \
        pk_str(&b, "w"); pk_tensor(&b, stype, key, numel, off, nd, sh, st, 0);        \
        bu8(&b, 'u'); bu8(&b, '.');                                                   \
        expect_pickle_fail(what, b.p, b.n, needle);                                   \
        bfree(&b);                                                                    \
    } while (0)
    TENSOR_CASE("torch: storage entry too small for its numel", "declares 13 F32 elements", "FloatStorage", "0", 13, 0, 2, s34, t41);
    TENSOR_CASE("torch: storage numel huge", "declares", "FloatStorage", "0", (int64_t)1 << 40, 0, 2, s34, t41);
    TENSOR_CASE("torch: view past the end of its storage", "reaches past its storage", "FloatStorage", "0", 12, 0, 2, s44, t41);
    TENSOR_CASE("torch: view at offset past storage", "reaches past its storage", "FloatStorage", "0", 12, 1, 2, s34, t41);
    TENSOR_CASE("torch: negative stride", "negative", "FloatStorage", "0", 12, 0, 2, s34, neg);
    TENSOR_CASE("torch: missing storage entry", "no archive entry 'arch/data/9'", "FloatStorage", "9", 1, 0, 2, s34, t41);
    TENSOR_CASE("torch: unsupported storage type", "unsupported global 'torch.DoubleStorage'", "DoubleStorage", "0", 1, 0, 2, s34, t41);
#undef TENSOR_CASE
    {
        static const int64_t big[8] = { 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1, 1, 1, 1 }, z8[8] = { 0 };
        bu8(&b, 0x80); bu8(&b, 2); bu8(&b, '}'); bu8(&b, '(');
        pk_str(&b, "w"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 8, big, z8, 0);
        bu8(&b, 'u'); bu8(&b, '.');
        expect_pickle_fail("torch: numel overflow (2^80 elements)", b.p, b.n, "too many elements");
        bfree(&b);
    }
    /* duplicate key */
    {
        bu8(&b, 0x80); bu8(&b, 2); bu8(&b, '}'); bu8(&b, '(');
        pk_str(&b, "w"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 2, s34, t41, 0);
        pk_str(&b, "w"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 2, s34, t41, 0);
        bu8(&b, 'u'); bu8(&b, '.');
        expect_pickle_fail("torch: duplicate key", b.p, b.n, "duplicate tensor name 'w'");
        bfree(&b);
    }

    /* every truncation of a valid pickle inside a valid zip must fail */
    {
        buf_t pk = make_pickle(0, 1);
        size_t k, bad = 0;
        char err[512];
        for (k = 0; k < pk.n; k++) {
            buf_t z = torch_with_pickle(pk.p, k);
            if (!try_fail(z.p, z.n, 0, NULL, err, sizeof err)) bad++;
            bfree(&z);
        }
        check(bad == 0, "pickle truncated at each of %zu lengths is rejected (%zu not rejected)", pk.n, bad);
        bfree(&pk);
    }
}

static void test_malformed_zip(void) {
    buf_t pk = make_pickle(0, 0), z;
    zinfo_t zi;
    size_t k, bad;
    char err[512];
    z = make_torch(pk.p, pk.n, 0, &zi);

#define MUTATE(desc, needle, stmt)                    \
    do {                                              \
        uint8_t *m = (uint8_t *)malloc(z.n);          \
        memcpy(m, z.p, z.n);                          \
        stmt;                                         \
        expect_fail(desc, m, z.n, 0, needle);         \
        free(m);                                      \
    } while (0)
    MUTATE("zip: wrong magic (autodetect)", "unrecognized", memset(m, 'Z', 4));
    {
        uint8_t *m = (uint8_t *)malloc(z.n);
        memcpy(m, z.p, z.n);
        memset(m, 'Z', 4);
        expect_fail("zip: wrong local header magic (format 1)", m, z.n, 1, "bad local header signature");
        free(m);
    }
    MUTATE("zip: EOCD central directory offset past the end", "central directory offset 16777215 is past the end of the file", wr32(m + zi.eocd + 16, 0xFFFFFF));
    MUTATE("zip: EOCD central directory size too large", "runs past the end of central directory", wr32(m + zi.eocd + 12, 0xFFFF));
    MUTATE("zip: EOCD entry count too large", "cannot fit", (m[zi.eocd + 10] = 0xFF, m[zi.eocd + 11] = 0x7F));
    MUTATE("zip: EOCD signature destroyed", "end of central directory record not found", m[zi.eocd] = 'Q');
    MUTATE("zip: multi-disk", "multi-disk", m[zi.eocd + 4] = 1);
    MUTATE("zip: central directory entry local header offset past the end", "local header offset 268435440 is past the end", wr32(m + zi.cde[2] + 42, 0x0FFFFFF0));
    MUTATE("zip: central directory entry local header offset inside data", "bad local header signature", wr32(m + zi.cde[2] + 42, 1));
    MUTATE("zip: entry size past the end", "runs past the end of the file", (wr32(m + zi.cde[2] + 20, 0x7FFFFFF), wr32(m + zi.cde[2] + 24, 0x7FFFFFF)));
    MUTATE("zip: compressed (deflate) entry", "compressed (method 8)", m[zi.cde[2] + 10] = 8);
    MUTATE("zip: encrypted entry", "encrypted", m[zi.cde[0] + 8] = 1);
    MUTATE("zip: stored entry with csize != usize", "compressed size", wr32(m + zi.cde[2] + 20, 4));
    MUTATE("zip: central directory entry signature", "bad central directory entry signature", m[zi.cde[3]] = 'Q');
    MUTATE("zip: central directory name length past directory", "runs past the end of the central directory", (m[zi.cde[5] + 28] = 0xFF, m[zi.cde[5] + 29] = 0xFF));
    MUTATE("zip: duplicate entry name", "duplicate entry name", m[zi.cde[4] + 46 + 10] = '1');
    MUTATE("torch: no data.pkl", "no '<archive>/data.pkl'", m[zi.cde[0] + 46 + 9] = 'x');
    MUTATE("torch: byteorder big", "byteorder", memcpy(m + zi.lh[1] + 30 + 14 + 3, "bigend", 6));
    MUTATE("zip: ZIP64 markers without a locator", "no ZIP64 locator", wr32(m + zi.eocd + 16, 0xFFFFFFFFu));
    bfree(&z);

    /* ZIP64 variant */
    z = make_torch(pk.p, pk.n, 1, &zi);
    MUTATE("zip64: record central directory offset past the end", "central directory offset 1099511627776 is past the end", wr64(m + zi.z64 + 48, (uint64_t)1 << 40));
    MUTATE("zip64: locator record offset out of range", "ZIP64 end of central directory record offset", wr64(m + zi.loc + 8, (uint64_t)-8));
    MUTATE("zip64: bad record signature", "bad ZIP64", m[zi.z64] = 'Q');
    MUTATE("zip64: huge entry count", "cannot fit", wr64(m + zi.z64 + 32, (uint64_t)1 << 60));
    MUTATE("zip64: extra field offset past the end", "past the end", wr64(m + zi.cde[2] + 46 + 11 + 4 + 16, (uint64_t)1 << 50));
    MUTATE("zip64: extra field missing", "ZIP64 extra field values that are missing", m[zi.cde[2] + 46 + 11] = 9);
    MUTATE("zip64: extra field too short", "missing", m[zi.cde[2] + 46 + 11 + 2] = 8);
    MUTATE("zip64: extra field size past extra area", "malformed extra field", m[zi.cde[2] + 46 + 11 + 2] = 200);
#undef MUTATE

    /* every truncation of the synthetic zip is rejected */
    bad = 0;
    for (k = 0; k < z.n; k++)
        if (!try_fail(z.p, k, 0, NULL, err, sizeof err)) bad++;
    check(bad == 0, "synthetic ZIP64 torch file truncated at each of %zu lengths is rejected (%zu not)", z.n, bad);
    bfree(&z);
    bfree(&pk);
}

/* locate zip structures in a real file without the library */
static size_t zip_boundaries(const uint8_t *d, size_t n, size_t *pts, size_t *npts, size_t max) {
    size_t cd0;
    size_t i, e = 0, cd = 0, cdn = 0, k = 0;
    for (i = n - 22;; i--) {
        if (rd32(d + i) == 0x06054b50) { e = i; break; }
        if (i == 0) break;
    }
    pts[k++] = e;
    pts[k++] = e + 22;
    if (e >= 20 && rd32(d + e - 20) == 0x07064b50) {
        size_t z = (size_t)rd64(d + e - 12);
        pts[k++] = e - 20;
        pts[k++] = z;
        cd = (size_t)rd64(d + z + 48);
        cdn = (size_t)rd64(d + z + 32);
    } else {
        cd = rd32(d + e + 16);
        cdn = rd16(d + e + 10);
    }
    pts[k++] = cd;
    cd0 = cd;
    for (i = 0; i < cdn && k < max; i++) {
        pts[k++] = cd;
        pts[k++] = rd32(d + cd + 42);
        pts[k++] = rd32(d + cd + 42) + 30;
        cd += 46 + rd16(d + cd + 28) + rd16(d + cd + 30) + rd16(d + cd + 32);
    }
    *npts = k;
    return cd0;
}

static void test_fixture_truncations(void) {
    static const char *pts_files[] = { "cat_c4.pt", "cat_c4_statedict.pt" };
    static const char *st_files[] = { "cat_c4.safetensors", "cat_c4_bf16.safetensors" };
    size_t f, len, k, i, bad, ntried;
    char err[512];
    for (f = 0; f < 2; f++) {
        uint8_t *d = load_file(pts_files[f], &len);
        size_t pts[4096], np = 0;
        if (!d) { check(0, "load %s", pts_files[f]); continue; }
        bad = ntried = 0;
        for (k = 0; k < 64; k++) {
            ntried++;
            if (!try_fail(d, len * k / 64, 0, NULL, err, sizeof err)) bad++;
        }
        (void)zip_boundaries(d, len, pts, &np, 4000);
        for (i = 0; i < np; i++) {
            size_t c;
            for (c = pts[i] >= 2 ? pts[i] - 2 : 0; c <= pts[i] + 2 && c < len; c++) {
                ntried++;
                if (!try_fail(d, c, 0, NULL, err, sizeof err)) bad++;
            }
        }
        for (k = 1; k < 23; k++) {
            ntried++;
            if (!try_fail(d, len - k, 0, NULL, err, sizeof err)) bad++;
        }
        check(bad == 0, "%s: %zu truncations (every 1/64 and around EOCD/ZIP64/central directory/local headers) rejected (%zu not)", pts_files[f], ntried, bad);

        /* remove a slice of file data but keep the directory (stale offsets) */
        {
            size_t cdoff = 0, tail;
            cdoff = zip_boundaries(d, len, pts, &np, 8);
            tail = len - cdoff;
            bad = ntried = 0;
            for (k = 0; k < 64; k++) {
                size_t cut = cdoff * k / 64;
                uint8_t *m = (uint8_t *)malloc(cut + tail);
                memcpy(m, d, cut);
                memcpy(m + cut, d + cdoff, tail);
                ntried++;
                if (!try_fail(m, cut + tail, 0, NULL, err, sizeof err)) bad++;
                free(m);
            }
            check(bad == 0, "%s: %zu files with data removed before an intact directory rejected (%zu not), e.g. \"%s\"", pts_files[f], ntried, bad, err);
        }
        /* storage entry too small: shrink the sizes of data/0 in the central directory */
        if (f == 1) {
            uint8_t *m = (uint8_t *)malloc(len);
            size_t cd;
            memcpy(m, d, len);
            cd = zip_boundaries(d, len, pts, &np, 8);
            cd += 46 + rd16(m + cd + 28) + rd16(m + cd + 30) + rd16(m + cd + 32); /* second entry: data/0 */
            wr32(m + cd + 20, 1000);
            wr32(m + cd + 24, 1000);
            expect_fail("cat_c4_statedict.pt with storage entry shrunk to 1000 bytes", m, len, 0, "declares 250855 F32 elements");
            free(m);
        }
        free(d);
    }
    for (f = 0; f < 2; f++) {
        uint8_t *d = load_file(st_files[f], &len);
        uint64_t hl;
        if (!d) { check(0, "load %s", st_files[f]); continue; }
        hl = rd64(d);
        bad = ntried = 0;
        for (k = 0; k < 64; k++) {
            ntried++;
            if (!try_fail(d, len * k / 64, 0, NULL, err, sizeof err)) bad++;
        }
        for (k = 0; k < 24; k++) { ntried++; if (!try_fail(d, k, 2, NULL, err, sizeof err)) bad++; }
        for (k = (size_t)hl; k < (size_t)hl + 16; k++) { ntried++; if (!try_fail(d, k, 0, NULL, err, sizeof err)) bad++; }
        for (k = 1; k < 16; k++) { ntried++; if (!try_fail(d, len - k, 0, NULL, err, sizeof err)) bad++; }
        check(bad == 0, "%s: %zu truncations (every 1/64, around the header length and the header end) rejected (%zu not)", st_files[f], ntried, bad);
        {
            uint8_t *m = (uint8_t *)malloc(len);
            memcpy(m, d, len);
            wr64(m, (uint64_t)len);
            expect_fail("safetensors: header length > file", m, len, 0, "exceeds the file size");
            wr64(m, (uint64_t)-1);
            expect_fail("safetensors: header length 2^64-1", m, len, 2, "exceeds the file size");
            memcpy(m, d, len);
            m[8] = '[';
            expect_fail("safetensors: header is not an object (format 2)", m, len, 2, "expected '{'");
            free(m);
        }
        free(d);
    }
}

/* ------------------------------------------------------------------------ */
/* safetensors                                                               */

static buf_t make_st(const char *hdr, size_t datalen) {
    buf_t b = { NULL, 0, 0 };
    size_t i;
    bu64(&b, strlen(hdr));
    bstr(&b, hdr);
    for (i = 0; i < datalen; i++) bu8(&b, (unsigned)(i * 7 + 1));
    return b;
}

static void st_fail(const char *what, const char *hdr, size_t datalen, const char *needle) {
    buf_t b = make_st(hdr, datalen);
    expect_fail(what, b.p, b.n, 0, needle);
    bfree(&b);
}

static void test_safetensors(void) {
    char err[512];
    ckpt_file f;
    buf_t b;
    int ok;
    size_t i;

    b = make_st("{\"__metadata__\":{\"format\":\"pt\",\"x\":\"\\u00e9\"},"
                "\"a\\u00e9\\\"b\\\\/\\ud83d\\ude00\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12],\"extra\":[1,{\"q\":null},-2.5e3,true]},"
                "\"s\" : { \"shape\" : [ ] , \"dtype\" : \"BF16\", \"data_offsets\" : [12, 14] },"
                "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[14,14]}}   ", 14);
    ok = ckpt_open_memory(&f, b.p, b.n, 0, err, sizeof err) == 0;
    if (!ok) printf("# %s\n", err);
    if (ok) {
        const ckpt_tensor *t = ckpt_find(&f, "a\xc3\xa9\"b\\/\xf0\x9f\x98\x80");
        ok = f.n_tensors == 3 && t && t->dtype == CKPT_F16 && t->ndim == 2 && t->shape[1] == 3 && t->stride[0] == 3 && t->stride[1] == 1 && t->numel == 6;
        t = ckpt_find(&f, "s");
        ok = ok && t && t->ndim == 0 && t->numel == 1 && t->dtype == CKPT_BF16;
        t = ckpt_find(&f, "z");
        ok = ok && t && t->numel == 0 && ckpt_read(t, NULL, CKPT_F32, err, sizeof err) == 0;
        ckpt_close(&f);
    }
    check(ok, "safetensors: escapes, surrogate pairs, metadata, extra fields, scalar, empty tensor, padding");
    bfree(&b);

    b = make_st(" \n {\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4);
    ok = ckpt_open_memory(&f, b.p, b.n, 0, err, sizeof err) == 0 && f.n_tensors == 1;
    if (ok) ckpt_close(&f);
    check(ok, "safetensors: header with leading whitespace is autodetected");
    bfree(&b);

    b = make_st("{}", 0);
    ok = ckpt_open_memory(&f, b.p, b.n, 0, err, sizeof err) == 0 && f.n_tensors == 0;
    if (ok) ckpt_close(&f);
    check(ok, "safetensors: empty header {} gives 0 tensors");
    bfree(&b);

    st_fail("safetensors: data_offsets out of range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8,
            "safetensors: tensor 'a' data_offsets [4,12] outside the data section of 8 bytes");
    st_fail("safetensors: data_offsets reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8, "outside the data section");
    st_fail("safetensors: shape inconsistent with offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes");
    st_fail("safetensors: unsupported dtype", "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "unsupported dtype 'F64'");
    st_fail("safetensors: duplicate key", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "duplicate tensor name 'a'");
    st_fail("safetensors: two tensors share their data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
            "safetensors: the data of tensors 'a' [0,8] and 'b' [0,8] overlap");
    st_fail("safetensors: data ranges overlap by 2 bytes", "{\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,6]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
            "overlap");
    st_fail("safetensors: missing data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8, "missing 'data_offsets'");
    st_fail("safetensors: missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "missing 'dtype'");
    st_fail("safetensors: negative dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 8, "non-negative integers");
    st_fail("safetensors: fractional dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 8, "non-negative integers");
    st_fail("safetensors: leading zero", "{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", 8, "non-negative integers");
    st_fail("safetensors: 9 dims", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 8, "more than 8 dimensions");
    st_fail("safetensors: numel overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 8, "too many elements");
    st_fail("safetensors: byte count overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,2],\"data_offsets\":[0,4]}}", 8, "too many elements");
    st_fail("safetensors: integer overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", 8, "too large");
    st_fail("safetensors: unterminated string", "{\"a", 8, "unterminated string");
    st_fail("safetensors: bad escape", "{\"a\\q\":{}}", 8, "invalid escape");
    st_fail("safetensors: lone surrogate", "{\"a\\udc00\":{}}", 8, "invalid escape");
    st_fail("safetensors: \\u0000 in name", "{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "\\u0000");
    st_fail("safetensors: control char in string", "{\"a\nb\":{}}", 8, "control character");
    st_fail("safetensors: trailing garbage", "{} x", 8, "unexpected data after the header");
    st_fail("safetensors: missing comma", "{\"a\":{\"dtype\":\"F32\" \"shape\":[1],\"data_offsets\":[0,4]}}", 8, "expected '}'");
    st_fail("safetensors: tensor entry not an object", "{\"a\":[1,2]}", 8, "expected '{'");
    st_fail("safetensors: metadata not an object", "{\"__metadata__\":\"x\"}", 8, "__metadata__ is not an object");
    st_fail("safetensors: bad literal", "{\"__metadata__\":{\"k\":nul}}", 8, "unexpected character");
    st_fail("safetensors: truncated header", "{\"a\":{\"dtype\":", 8, "ends unexpectedly");
    {
        buf_t h = { NULL, 0, 0 };
        bstr(&h, "{\"__metadata__\":{\"k\":");
        for (i = 0; i < 10000; i++) bu8(&h, '[');
        for (i = 0; i < 10000; i++) bu8(&h, ']');
        bstr(&h, "}}");
        bu8(&h, 0);
        st_fail("safetensors: absurd nesting in __metadata__", (const char *)h.p, 0, "nested deeper than 64");
        bfree(&h);
    }
    {
        static const uint8_t tiny[] = { 3, 0, 0, 0 };
        expect_fail("safetensors: 4-byte file (format 2)", tiny, sizeof tiny, 2, "too small");
        expect_fail("autodetect: 4-byte file", tiny, sizeof tiny, 0, "unrecognized");
        expect_fail("autodetect: empty input", tiny, 0, 0, "unrecognized");
        expect_fail("invalid format number", tiny, sizeof tiny, 7, "invalid format 7");
    }
    {
        static const uint8_t legacy[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8 };
        expect_fail("legacy torch pickle format", legacy, sizeof legacy, 0, "legacy");
    }
    {
        /* a safetensors header of 0x480 bytes: the file starts 0x80 0x04 like a
           pickle, and must still be recognized as safetensors */
        static uint8_t st[8 + 0x480 + 4];
        const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        ckpt_file g;
        memset(st, 0, sizeof st);
        st[0] = 0x80; st[1] = 0x04;
        memset(st + 8, ' ', 0x480);
        memcpy(st + 8, h, strlen(h));
        ok = ckpt_open_memory(&g, st, sizeof st, 0, err, sizeof err) == 0 && g.n_tensors == 1;
        check(ok, "autodetect: safetensors whose header length starts like a pickle (0x80 0x04) -> \"%s\"", ok ? "opened" : err);
        ckpt_close(&g);
    }
    ok = ckpt_open(&f, "/nonexistent/dir/x.pt", err, sizeof err) == -1 && err[0] && f.priv == NULL && f.tensors == NULL;
    check(ok, "ckpt_open of a missing file fails -> \"%s\"", err);
    ckpt_close(&f);
    ckpt_close(&f);
    check(1, "ckpt_close is safe on a failed/closed file (twice)");
    ok = ckpt_open(&f, g_dir, err, sizeof err) == -1 && err[0];
    check(ok, "ckpt_open of a directory fails -> \"%s\"", err);
    ok = ckpt_open_memory(&f, NULL, 0, 0, NULL, 0) == -1;
    check(ok, "errors with a NULL err buffer do not crash");
}

/* ------------------------------------------------------------------------ */
/* fuzz-style mutation: nothing may crash; failures must carry a message     */

static void fuzz(const char *what, const uint8_t *d, size_t n, size_t from, size_t to, int read) {
    static const int deltas[] = { -1, 1, 0x80, 0x40 };
    size_t i, nt = 0, nok = 0, nbad = 0;
    int v;
    uint8_t *m = (uint8_t *)malloc(n);
    memcpy(m, d, n);
    for (i = from; i < to && i < n; i++) {
        uint8_t orig = m[i];
        for (v = 0; v < 6; v++) {
            int rc;
            if (v < 4) m[i] = (uint8_t)(orig + deltas[v]);
            else m[i] = v == 4 ? 0x00 : 0xFF;
            if (m[i] == orig) continue;
            rc = read ? open_and_read_all(m, n, 0) : try_open(m, n);
            nt++;
            if (rc == 0) nok++;
            else if (rc != -1) nbad++;
        }
        m[i] = orig;
    }
    free(m);
    check(nbad == 0, "%s: %zu single-byte mutations, no crash, %zu still open, every failure has a message, opened tensors read (%zu bad)", what, nt, nok, nbad);
}

static void test_fuzz(void) {
    buf_t pk = make_pickle(0, 1), z = make_torch(pk.p, pk.n, 0, NULL), z64, pk4, st;
    zinfo_t zi;
    fuzz("synthetic torch zip (protocol 2, OrderedDict)", z.p, z.n, 0, z.n, 1);
    pk4 = make_pickle(1, 0);
    z64 = make_torch(pk4.p, pk4.n, 1, &zi);
    fuzz("synthetic torch ZIP64 (protocol 4)", z64.p, z64.n, 0, z64.n, 1);
    st = make_st("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                 "\"b\\u00e9\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[12,14]}}", 14);
    fuzz("synthetic safetensors", st.p, st.n, 0, st.n, 1);
    {
        size_t len;
        uint8_t *d = load_file("cat_c4_statedict.pt", &len);
        if (d) {
            /* data.pkl is the first entry: its bytes follow the first local header */
            size_t p0 = 30 + rd16(d + 26) + rd16(d + 28);
            fuzz("cat_c4_statedict.pt data.pkl bytes (first 24, open only)", d, len, p0, p0 + 24, 0);
            free(d);
        }
    }
    bfree(&pk);
    bfree(&z);
    bfree(&pk4);
    bfree(&z64);
    bfree(&st);
}

int main(int argc, char **argv) {
    size_t i;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) g_dir = argv[1];
    init_storages();
    test_all_fixtures_open();
    for (i = 0; i < N_PAIRS; i++) test_pair(k_pairs[i]);
    test_statedict();
    test_bf16();
    test_conversions();
    test_synthetic_torch();
    test_malformed_pickles();
    test_malformed_zip();
    test_fixture_truncations();
    test_safetensors();
    test_fuzz();
    return test_report();
}
