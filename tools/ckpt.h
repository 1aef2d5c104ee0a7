/* ckpt.h -- read PyTorch torch.save(state_dict) zip files and .safetensors files.
 *
 * Single-file library in the stb style. Declarations are always visible; the
 * implementation is compiled when CKPT_IMPLEMENTATION is defined before the
 * #include. Functions are static by default (see CKPTDEF below). C99, libc
 * only. MIT licensed (see LICENSE).
 *
 * Supported inputs
 *   - torch.save() zip archives (STORED entries, ZIP64 or not) whose data.pkl
 *     holds a dict / collections.OrderedDict mapping string keys to tensors of
 *     FloatStorage, HalfStorage or BFloat16Storage. Tensor views (storage
 *     offsets, arbitrary non-negative strides, shared storages) are kept as
 *     views; ckpt_read() gathers them.
 *   - safetensors files with F32, F16 and BF16 tensors; no two tensors' data
 *     ranges may overlap (unlike torch views, safetensors has no sharing).
 *   Nothing from the pickle is ever executed: only a fixed list of globals is
 *   recognised and interpreted; anything else is an error.
 *
 * Memory / ownership
 *   - ckpt_open() maps a regular file read-only (POSIX mmap; define
 *     CKPT_NO_MMAP to read it instead, at most UTIL_LIMIT_CHECKPOINT bytes, see
 *     util.h); a FIFO, device or directory is refused at once, without
 *     blocking. ckpt_open_memory() COPIES the caller's
 *     bytes (the caller may free its buffer right after the call). Tensor
 *     storage pointers point into that mapping or buffer and stay valid until
 *     ckpt_close(). ckpt_release() drops the mapped pages read so far from the
 *     process's resident memory (they are read again when touched), so a
 *     caller that reads one tensor at a time stays in bounded memory.
 *   - On failure ckpt_open()/ckpt_open_memory() free everything they allocated
 *     and leave *f zeroed, so calling ckpt_close() afterwards is allowed and does
 *     nothing. ckpt_close() on a zeroed ckpt_file is always safe.
 *   - Every allocation is bounded by a small multiple of the input size.
 *   - numel is NOT bounded by the file size for torch views with zero strides
 *     (e.g. saved expand()ed tensors): callers sizing buffers from numel should
 *     apply their own limit.
 *
 * Return convention (the same in every header under tools/): functions returning int give 0 on success and -1 on failure,
 * with a NUL-terminated message in err (when err != NULL and errlen > 0).
 */
#ifndef CKPT_H
#define CKPT_H

#include <stdint.h>
#include <stddef.h>

/* Linkage: by default every function is static in a translation unit that
   defines CKPT_IMPLEMENTATION (the usual use: each tool/test includes it that
   way). Including without CKPT_IMPLEMENTATION declares the functions extern; to
   share one implementation across files, #define CKPTDEF extern (or empty) in
   all of them and CKPT_IMPLEMENTATION in exactly one. */
#ifndef CKPTDEF
#ifdef CKPT_IMPLEMENTATION
#if defined(__GNUC__) || defined(__clang__)
#define CKPTDEF static __attribute__((unused))
#else
#define CKPTDEF static
#endif
#else
#define CKPTDEF extern
#endif
#endif

/* CKPT_I64, CKPT_I32 and CKPT_I8 (also U8 and BOOL) are integer tensors (buffers
   such as step counters): listed, with their shape, but ckpt_read refuses them. */
typedef enum { CKPT_F32 = 0, CKPT_F16 = 1, CKPT_BF16 = 2, CKPT_I64 = 3, CKPT_I32 = 4, CKPT_I8 = 5 } ckpt_dtype;

#define CKPT_MAX_DIMS 8

typedef struct {
    char *name;              /* NUL-terminated key exactly as stored (no prefix stripping) */
    ckpt_dtype dtype;
    int ndim;                /* 0..CKPT_MAX_DIMS */
    int64_t shape[CKPT_MAX_DIMS];
    int64_t numel;           /* product of shape (1 for ndim 0), overflow-checked */
    /* element with multi-index m is at
       storage + (offset + sum_k m[k]*stride[k]) * elemsize; validated at open */
    const uint8_t *storage;
    uint64_t storage_nbytes;
    int64_t offset;          /* in elements */
    int64_t stride[CKPT_MAX_DIMS];
} ckpt_tensor;

typedef struct {
    ckpt_tensor *tensors;    /* in file order (pickle dict order / safetensors header order) */
    size_t n_tensors;
    void *priv;              /* private: owned buffers */
} ckpt_file;

/* format: 0 = autodetect from magic, 1 = torch zip, 2 = safetensors */
CKPTDEF int  ckpt_open(ckpt_file *f, const char *path, char *err, size_t errlen);
/* Copies data; the caller keeps ownership of its buffer. */
CKPTDEF int  ckpt_open_memory(ckpt_file *f, const void *data, size_t len, int format,
                              char *err, size_t errlen);
CKPTDEF void ckpt_close(ckpt_file *f);
/* Exact name match (binary search); NULL when absent. */
CKPTDEF const ckpt_tensor *ckpt_find(const ckpt_file *f, const char *name);
/* Copy all numel elements in logical row-major order into dst, converted to
   dst_type (CKPT_F32 or CKPT_BF16; CKPT_F16 is also accepted when the source is
   F16, as an exact copy). F32->BF16 rounds to nearest even, NaN stays NaN.
   Output is little-endian. dst must hold numel * elemsize(dst_type) bytes. */
CKPTDEF int  ckpt_read(const ckpt_tensor *t, void *dst, ckpt_dtype dst_type,
                       char *err, size_t errlen);
/* As ckpt_read, for rows [row0, row0 + nrows) of the outermost dimension
   (a tensor of ndim 0 has one row); dst holds nrows * (numel / shape[0]) elements. */
CKPTDEF int  ckpt_read_rows(const ckpt_tensor *t, int64_t row0, int64_t nrows, void *dst,
                            ckpt_dtype dst_type, char *err, size_t errlen);
/* Drop the pages of a mapped file from resident memory (no-op otherwise). */
CKPTDEF void ckpt_release(ckpt_file *f);
/* "F32", "F16", "BF16" (or "?") */
CKPTDEF const char *ckpt_dtype_name(ckpt_dtype t);

#endif /* CKPT_H */

/* ======================================================================== */
#ifdef CKPT_IMPLEMENTATION
#ifndef CKPT__IMPLEMENTED
#define CKPT__IMPLEMENTED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include "util.h" /* util_read_input and the size limits */
#if !defined(CKPT_NO_MMAP) && (defined(__unix__) || defined(__APPLE__))
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#define CKPT__HAVE_MMAP 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CKPT__FMT(a, b) __attribute__((format(printf, a, b)))
#else
#define CKPT__FMT(a, b)
#endif

#define CKPT__MAX_MARKS 256      /* pickle MARK nesting limit */
#define CKPT__JSON_MAX_DEPTH 64  /* safetensors header nesting limit */
#define CKPT__NOH ((size_t)-1)

typedef unsigned long long ckpt__ull;
typedef long long ckpt__ll;

static void ckpt__seterr(char *err, size_t errlen, const char *fmt, ...) CKPT__FMT(3, 4);
static void ckpt__seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Printable rendering of a (possibly binary) name for messages. buf >= 80 bytes. */
static const char *ckpt__q(char *buf, const void *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i, o = 0, lim = n > 64 ? 60 : n;
    for (i = 0; i < lim; i++) buf[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    if (lim < n) { buf[o++] = '.'; buf[o++] = '.'; buf[o++] = '.'; }
    buf[o] = 0;
    return buf;
}

static void ckpt__fmt_dims(char *buf, size_t cap, int nd, const int64_t *d)
{
    size_t o = 0;
    int k;
    buf[0] = 0;
    o += (size_t)snprintf(buf, cap, "[");
    for (k = 0; k < nd && o < cap; k++)
        o += (size_t)snprintf(buf + o, cap - o, k ? ",%lld" : "%lld", (ckpt__ll)d[k]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

static uint16_t ckpt__u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t ckpt__u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t ckpt__u64(const uint8_t *p)
{
    return (uint64_t)ckpt__u32(p) | ((uint64_t)ckpt__u32(p + 4) << 32);
}

static size_t ckpt__esize(ckpt_dtype t)
{
    switch (t) {
    case CKPT_F32: return 4;
    case CKPT_F16: return 2;
    case CKPT_BF16: return 2;
    case CKPT_I64: return 8;
    case CKPT_I32: return 4;
    case CKPT_I8: return 1;
    }
    return 0;
}

CKPTDEF const char *ckpt_dtype_name(ckpt_dtype t)
{
    switch (t) {
    case CKPT_F32: return "F32";
    case CKPT_F16: return "F16";
    case CKPT_BF16: return "BF16";
    case CKPT_I64: return "I64";
    case CKPT_I32: return "I32";
    case CKPT_I8: return "I8";
    }
    return "?";
}

/* Grow *ptr (array of elsz-byte elements, capacity *cap) to hold need elements.
   Returns the (possibly moved) array, or NULL on failure (old array untouched). */
static void *ckpt__reserve(void *ptr, size_t *cap, size_t need, size_t elsz)
{
    size_t nc;
    void *np;
    if (need <= *cap && ptr) return ptr;
    nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > ((size_t)-1) / 2) return NULL;
        nc *= 2;
    }
    if (nc > ((size_t)-1) / elsz) return NULL;
    np = realloc(ptr, nc * elsz);
    if (!np) return NULL;
    *cap = nc;
    return np;
}

/* numel of a shape with overflow check; -1 on overflow/negative */
static int64_t ckpt__numel(int nd, const int64_t *shape)
{
    int64_t n = 1;
    int k;
    for (k = 0; k < nd; k++) {
        if (shape[k] < 0) return -1;
        if (shape[k] != 0 && n > INT64_MAX / shape[k]) return -1;
        n *= shape[k];
    }
    return n;
}

/* Largest element index touched by a view (numel > 0); -1 on overflow/invalid. */
static int64_t ckpt__max_index(int64_t off, int nd, const int64_t *shape, const int64_t *stride)
{
    int64_t m = off;
    int k;
    if (off < 0) return -1;
    for (k = 0; k < nd; k++) {
        int64_t s = shape[k] - 1, st = stride[k], term;
        if (s < 0 || st < 0) return -1;
        if (st != 0 && s > INT64_MAX / st) return -1;
        term = s * st;
        if (m > INT64_MAX - term) return -1;
        m += term;
    }
    return m;
}

typedef struct {
    uint8_t *buf;            /* file contents */
    size_t len;
    ckpt_tensor **sorted;    /* tensors sorted by name, for ckpt_find */
    int fd;                  /* >= 0: buf is a read-only mapping of this file */
} ckpt__priv;

static void ckpt__free_file(ckpt_file *f)
{
    size_t i;
    ckpt__priv *pv = (ckpt__priv *)f->priv;
    if (f->tensors) {
        for (i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
        free(f->tensors);
    }
    if (pv) {
#ifdef CKPT__HAVE_MMAP
        if (pv->fd >= 0) { munmap(pv->buf, pv->len); close(pv->fd); }
        else
#endif
        free(pv->buf);
        free(pv->sorted);
        free(pv);
    }
    memset(f, 0, sizeof *f);
}

CKPTDEF void ckpt_close(ckpt_file *f)
{
    if (f) ckpt__free_file(f);
}

static int ckpt__tcmp(const void *a, const void *b)
{
    const ckpt_tensor *x = *(const ckpt_tensor *const *)a;
    const ckpt_tensor *y = *(const ckpt_tensor *const *)b;
    return strcmp(x->name, y->name);
}

/* Build the sorted index and reject duplicate names. */
static int ckpt__index(ckpt_file *f, const char *what, char *err, size_t errlen)
{
    ckpt__priv *pv = (ckpt__priv *)f->priv;
    size_t i, n = f->n_tensors;
    char qb[80];
    pv->sorted = (ckpt_tensor **)malloc((n ? n : 1) * sizeof(ckpt_tensor *));
    if (!pv->sorted) { ckpt__seterr(err, errlen, "out of memory"); return -1; }
    for (i = 0; i < n; i++) pv->sorted[i] = &f->tensors[i];
    qsort(pv->sorted, n, sizeof(ckpt_tensor *), ckpt__tcmp);
    for (i = 1; i < n; i++) {
        if (strcmp(pv->sorted[i - 1]->name, pv->sorted[i]->name) == 0) {
            const char *nm = pv->sorted[i]->name;
            ckpt__seterr(err, errlen, "%s: duplicate tensor name '%s'", what,
                         ckpt__q(qb, nm, strlen(nm)));
            return -1;
        }
    }
    return 0;
}

CKPTDEF const ckpt_tensor *ckpt_find(const ckpt_file *f, const char *name)
{
    const ckpt__priv *pv;
    size_t lo = 0, hi;
    if (!f || !name || !f->priv) return NULL;
    pv = (const ckpt__priv *)f->priv;
    if (!pv->sorted) return NULL;
    hi = f->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(pv->sorted[mid]->name, name);
        if (c == 0) return pv->sorted[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

/* Copy a counted string into a fresh NUL-terminated one; rejects embedded NUL. */
static char *ckpt__strdup_n(const uint8_t *s, size_t n)
{
    char *r;
    if (memchr(s, 0, n)) return NULL;
    r = (char *)malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

/* ------------------------------------------------------------------------ */
/* zip                                                                      */

typedef struct {
    const uint8_t *name;
    size_t nlen;
    uint64_t off;   /* data offset in file */
    uint64_t size;
} ckpt__zent;

static int ckpt__zcmp(const void *a, const void *b)
{
    const ckpt__zent *x = (const ckpt__zent *)a, *y = (const ckpt__zent *)b;
    size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
    int c = n ? memcmp(x->name, y->name, n) : 0;
    if (c) return c;
    return (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

static const ckpt__zent *ckpt__zfind(const ckpt__zent *e, size_t n, const void *name, size_t nlen)
{
    ckpt__zent key;
    size_t lo = 0, hi = n;
    key.name = (const uint8_t *)name;
    key.nlen = nlen;
    key.off = key.size = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ckpt__zcmp(&e[mid], &key);
        if (c == 0) return &e[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

static int ckpt__zip_read(const uint8_t *b, size_t len, ckpt__zent **out, size_t *nout,
                          char *err, size_t errlen)
{
    uint64_t L = len, eocd = 0, i, lo, cdoff, cdsize, nent, limit, pos, k;
    uint32_t disk, cddisk;
    int found = 0;
    ckpt__zent *ents;
    char qb[80];

    *out = NULL;
    *nout = 0;
    if (L < 22) {
        ckpt__seterr(err, errlen, "zip: file is %llu bytes, too small to hold an end of central directory record (22 bytes)", (ckpt__ull)L);
        return -1;
    }
    lo = (L - 22 > 65535) ? L - 22 - 65535 : 0;
    for (i = L - 22;; i--) {
        if (b[i] == 'P' && ckpt__u32(b + i) == 0x06054b50u && i + 22 + ckpt__u16(b + i + 20) <= L) {
            eocd = i;
            found = 1;
            break;
        }
        if (i == lo) break;
    }
    if (!found) {
        ckpt__seterr(err, errlen, "zip: end of central directory record not found in the last %llu bytes (not a zip file, or truncated)", (ckpt__ull)(L - lo));
        return -1;
    }
    disk = ckpt__u16(b + eocd + 4);
    cddisk = ckpt__u16(b + eocd + 6);
    nent = ckpt__u16(b + eocd + 10);
    cdsize = ckpt__u32(b + eocd + 12);
    cdoff = ckpt__u32(b + eocd + 16);
    limit = eocd;
    if (eocd >= 20 && ckpt__u32(b + eocd - 20) == 0x07064b50u) {
        uint64_t loc = eocd - 20, z = ckpt__u64(b + loc + 8);
        if (z > loc || loc - z < 56) {
            ckpt__seterr(err, errlen, "zip: ZIP64 end of central directory record offset %llu is invalid (locator at %llu, file size %llu)", (ckpt__ull)z, (ckpt__ull)loc, (ckpt__ull)L);
            return -1;
        }
        if (ckpt__u32(b + z) != 0x06064b50u) {
            ckpt__seterr(err, errlen, "zip: bad ZIP64 end of central directory signature at offset %llu", (ckpt__ull)z);
            return -1;
        }
        disk = ckpt__u32(b + z + 16);
        cddisk = ckpt__u32(b + z + 20);
        nent = ckpt__u64(b + z + 32);
        cdsize = ckpt__u64(b + z + 40);
        cdoff = ckpt__u64(b + z + 48);
        limit = z;
    } else if (nent == 0xFFFFu || cdsize == 0xFFFFFFFFu || cdoff == 0xFFFFFFFFu) {
        ckpt__seterr(err, errlen, "zip: end of central directory record has ZIP64 markers but there is no ZIP64 locator");
        return -1;
    }
    if (disk != 0 || cddisk != 0) {
        ckpt__seterr(err, errlen, "zip: multi-disk archives are not supported (disk %u, central directory disk %u)", (unsigned)disk, (unsigned)cddisk);
        return -1;
    }
    if (cdoff > L) {
        ckpt__seterr(err, errlen, "zip: central directory offset %llu is past the end of the file (size %llu)", (ckpt__ull)cdoff, (ckpt__ull)L);
        return -1;
    }
    if (cdoff > limit || cdsize > limit - cdoff) {
        ckpt__seterr(err, errlen, "zip: central directory (offset %llu, size %llu) runs past the end of central directory record at offset %llu (file size %llu)", (ckpt__ull)cdoff, (ckpt__ull)cdsize, (ckpt__ull)limit, (ckpt__ull)L);
        return -1;
    }
    if (nent > cdsize / 46) {
        ckpt__seterr(err, errlen, "zip: %llu entries cannot fit in a central directory of %llu bytes", (ckpt__ull)nent, (ckpt__ull)cdsize);
        return -1;
    }
    ents = (ckpt__zent *)calloc((size_t)(nent ? nent : 1), sizeof *ents);
    if (!ents) {
        ckpt__seterr(err, errlen, "out of memory");
        return -1;
    }
    pos = 0;
    for (k = 0; k < nent; k++) {
        const uint8_t *p = b + cdoff + pos;
        uint32_t flags, method, nl, xl, cl, dstart;
        uint64_t csz, usz, loff, data, x, xe;
        const uint8_t *name;
        if (cdsize - pos < 46) {
            ckpt__seterr(err, errlen, "zip: central directory entry %llu at offset %llu is truncated", (ckpt__ull)k, (ckpt__ull)(cdoff + pos));
            goto fail;
        }
        if (ckpt__u32(p) != 0x02014b50u) {
            ckpt__seterr(err, errlen, "zip: bad central directory entry signature for entry %llu at offset %llu", (ckpt__ull)k, (ckpt__ull)(cdoff + pos));
            goto fail;
        }
        flags = ckpt__u16(p + 8);
        method = ckpt__u16(p + 10);
        csz = ckpt__u32(p + 20);
        usz = ckpt__u32(p + 24);
        nl = ckpt__u16(p + 28);
        xl = ckpt__u16(p + 30);
        cl = ckpt__u16(p + 32);
        dstart = ckpt__u16(p + 34);
        loff = ckpt__u32(p + 42);
        if ((uint64_t)46 + nl + xl + cl > cdsize - pos) {
            ckpt__seterr(err, errlen, "zip: central directory entry %llu at offset %llu runs past the end of the central directory", (ckpt__ull)k, (ckpt__ull)(cdoff + pos));
            goto fail;
        }
        name = p + 46;
        /* ZIP64 extended information extra field */
        x = 46 + (uint64_t)nl;
        xe = x + xl;
        while (xe - x >= 4) {
            uint32_t id = ckpt__u16(p + x), sz = ckpt__u16(p + x + 2);
            uint64_t q, qe;
            if (sz > xe - x - 4) {
                ckpt__seterr(err, errlen, "zip: entry '%s' has a malformed extra field", ckpt__q(qb, name, nl));
                goto fail;
            }
            q = x + 4;
            qe = q + sz;
            if (id == 1) {
                if (usz == 0xFFFFFFFFu) { if (qe - q < 8) goto z64short; usz = ckpt__u64(p + q); q += 8; }
                if (csz == 0xFFFFFFFFu) { if (qe - q < 8) goto z64short; csz = ckpt__u64(p + q); q += 8; }
                if (loff == 0xFFFFFFFFu) { if (qe - q < 8) goto z64short; loff = ckpt__u64(p + q); q += 8; }
                if (dstart == 0xFFFFu) { if (qe - q < 4) goto z64short; dstart = ckpt__u32(p + q); }
            }
            x = qe;
        }
        if (usz == 0xFFFFFFFFu || csz == 0xFFFFFFFFu || loff == 0xFFFFFFFFu || dstart == 0xFFFFu) {
        z64short:
            ckpt__seterr(err, errlen, "zip: entry '%s' needs ZIP64 extra field values that are missing", ckpt__q(qb, name, nl));
            goto fail;
        }
        if (flags & 1u) {
            ckpt__seterr(err, errlen, "zip: entry '%s' is encrypted", ckpt__q(qb, name, nl));
            goto fail;
        }
        if (method != 0) {
            ckpt__seterr(err, errlen, "zip: entry '%s' is compressed (method %u); only stored (uncompressed) entries are supported", ckpt__q(qb, name, nl), (unsigned)method);
            goto fail;
        }
        if (csz != usz) {
            ckpt__seterr(err, errlen, "zip: stored entry '%s' has compressed size %llu != uncompressed size %llu", ckpt__q(qb, name, nl), (ckpt__ull)csz, (ckpt__ull)usz);
            goto fail;
        }
        if (loff > L || L - loff < 30) {
            ckpt__seterr(err, errlen, "zip: entry '%s' local header offset %llu is past the end of the file (size %llu)", ckpt__q(qb, name, nl), (ckpt__ull)loff, (ckpt__ull)L);
            goto fail;
        }
        if (ckpt__u32(b + loff) != 0x04034b50u) {
            ckpt__seterr(err, errlen, "zip: entry '%s' has a bad local header signature at offset %llu", ckpt__q(qb, name, nl), (ckpt__ull)loff);
            goto fail;
        }
        data = loff + 30 + (uint64_t)ckpt__u16(b + loff + 26) + ckpt__u16(b + loff + 28);
        if (data > L || usz > L - data) {
            ckpt__seterr(err, errlen, "zip: entry '%s' data (offset %llu, size %llu) runs past the end of the file (size %llu)", ckpt__q(qb, name, nl), (ckpt__ull)data, (ckpt__ull)usz, (ckpt__ull)L);
            goto fail;
        }
        ents[k].name = name;
        ents[k].nlen = nl;
        ents[k].off = data;
        ents[k].size = usz;
        pos += 46 + (uint64_t)nl + xl + cl;
    }
    qsort(ents, (size_t)nent, sizeof *ents, ckpt__zcmp);
    for (k = 1; k < nent; k++) {
        if (ckpt__zcmp(&ents[k - 1], &ents[k]) == 0) {
            ckpt__seterr(err, errlen, "zip: duplicate entry name '%s'", ckpt__q(qb, ents[k].name, ents[k].nlen));
            goto fail;
        }
    }
    *out = ents;
    *nout = (size_t)nent;
    return 0;
fail:
    free(ents);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* pickle VM                                                                 */

enum {
    CKPT__P_NONE, CKPT__P_BOOL, CKPT__P_INT, CKPT__P_FLOAT, CKPT__P_STR, CKPT__P_BYTES,
    CKPT__P_TUPLE, CKPT__P_LIST, CKPT__P_DICT, CKPT__P_GLOBAL, CKPT__P_STORAGE, CKPT__P_TENSOR
};

enum {
    CKPT__G_ODICT, CKPT__G_REBUILD_V2, CKPT__G_REBUILD_PARAM, CKPT__G_REBUILD_PARAM_STATE,
    CKPT__G_FROM_TYPE_V2, CKPT__G_PARAMETER, CKPT__G_TENSOR,
    CKPT__G_FLOAT_ST, CKPT__G_HALF_ST, CKPT__G_BF16_ST,
    CKPT__G_LONG_ST, CKPT__G_INT_ST, CKPT__G_BYTE_ST, CKPT__G_CHAR_ST, CKPT__G_BOOL_ST
};

static const struct { const char *mod, *name; int id; } ckpt__globals[] = {
    { "collections", "OrderedDict", CKPT__G_ODICT },
    { "torch._utils", "_rebuild_tensor_v2", CKPT__G_REBUILD_V2 },
    { "torch._utils", "_rebuild_parameter", CKPT__G_REBUILD_PARAM },
    { "torch._utils", "_rebuild_parameter_with_state", CKPT__G_REBUILD_PARAM_STATE },
    { "torch._tensor", "_rebuild_from_type_v2", CKPT__G_FROM_TYPE_V2 },
    { "torch.nn.parameter", "Parameter", CKPT__G_PARAMETER },
    { "torch", "Tensor", CKPT__G_TENSOR },
    { "torch", "FloatStorage", CKPT__G_FLOAT_ST },
    { "torch", "HalfStorage", CKPT__G_HALF_ST },
    { "torch", "BFloat16Storage", CKPT__G_BF16_ST },
    { "torch", "LongStorage", CKPT__G_LONG_ST },
    { "torch", "IntStorage", CKPT__G_INT_ST },
    { "torch", "ByteStorage", CKPT__G_BYTE_ST },
    { "torch", "CharStorage", CKPT__G_CHAR_ST },
    { "torch", "BoolStorage", CKPT__G_BOOL_ST }
};

typedef struct {
    int type;
    int aux;            /* GLOBAL: id; STORAGE: dtype; TENSOR: index into tens */
    int64_t i;          /* INT/BOOL value; FLOAT bits; STORAGE numel */
    const uint8_t *s;   /* STR/BYTES bytes; STORAGE data */
    size_t slen;
    size_t *items;      /* TUPLE/LIST items; DICT key,value pairs */
    size_t n, cap;
} ckpt__pobj;

typedef struct {
    size_t storage;     /* object handle */
    int64_t off;
    int ndim;
    int64_t shape[CKPT_MAX_DIMS], stride[CKPT_MAX_DIMS];
} ckpt__ptens;

typedef struct {
    const uint8_t *p;
    size_t n, pos, opoff;
    ckpt__pobj *obj;
    size_t nobj, capobj;
    size_t *stack;
    size_t sp, capstack;
    size_t marks[CKPT__MAX_MARKS];
    size_t nmarks;
    size_t *memo;       /* handle + 1; 0 = empty */
    size_t nmemo, capmemo, memo_count;
    ckpt__ptens *tens;
    size_t ntens, captens;
    /* archive */
    const uint8_t *file;
    const ckpt__zent *ents;
    size_t nents;
    const uint8_t *prefix;
    size_t prefix_len;
    char *err;
    size_t errlen;
} ckpt__pvm;

static const char *ckpt__ptname(int t)
{
    static const char *names[] = { "None", "a bool", "an int", "a float", "a str", "a bytes object", "a tuple",
                                   "a list", "a dict", "a global", "a storage", "a tensor" };
    return (t >= 0 && t <= CKPT__P_TENSOR) ? names[t] : "?";
}

static void ckpt__pvm_free(ckpt__pvm *vm)
{
    size_t i;
    for (i = 0; i < vm->nobj; i++) free(vm->obj[i].items);
    free(vm->obj);
    free(vm->stack);
    free(vm->memo);
    free(vm->tens);
}

static int ckpt__poom(ckpt__pvm *vm)
{
    ckpt__seterr(vm->err, vm->errlen, "out of memory");
    return -1;
}

static size_t ckpt__pnew(ckpt__pvm *vm, int type)
{
    void *np = ckpt__reserve(vm->obj, &vm->capobj, vm->nobj + 1, sizeof(ckpt__pobj));
    ckpt__pobj *o;
    if (!np) { ckpt__poom(vm); return CKPT__NOH; }
    vm->obj = (ckpt__pobj *)np;
    o = &vm->obj[vm->nobj];
    memset(o, 0, sizeof *o);
    o->type = type;
    return vm->nobj++;
}

static int ckpt__ppush(ckpt__pvm *vm, size_t h)
{
    void *np;
    if (h == CKPT__NOH) return -1;
    np = ckpt__reserve(vm->stack, &vm->capstack, vm->sp + 1, sizeof(size_t));
    if (!np) return ckpt__poom(vm);
    vm->stack = (size_t *)np;
    vm->stack[vm->sp++] = h;
    return 0;
}

static size_t ckpt__pfloor(const ckpt__pvm *vm) { return vm->nmarks ? vm->marks[vm->nmarks - 1] : 0; }

static int ckpt__underflow(ckpt__pvm *vm, const char *op)
{
    ckpt__seterr(vm->err, vm->errlen, "pickle: stack underflow in %s at offset %zu", op, vm->opoff);
    return -1;
}

static int ckpt__ppop(ckpt__pvm *vm, size_t *h, const char *op)
{
    if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, op);
    *h = vm->stack[--vm->sp];
    return 0;
}

static int ckpt__ppopmark(ckpt__pvm *vm, size_t *m, const char *op)
{
    if (vm->nmarks == 0) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s at offset %zu without a preceding MARK", op, vm->opoff);
        return -1;
    }
    *m = vm->marks[--vm->nmarks];
    return 0;
}

static int ckpt__padd(ckpt__pvm *vm, size_t c, size_t item)
{
    ckpt__pobj *o = &vm->obj[c];
    void *np = ckpt__reserve(o->items, &o->cap, o->n + 1, sizeof(size_t));
    if (!np) return ckpt__poom(vm);
    o->items = (size_t *)np;
    o->items[o->n++] = item;
    return 0;
}

static int ckpt__pneed(ckpt__pvm *vm, size_t k, const char *op)
{
    if (vm->n - vm->pos < k) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s at offset %zu: argument is truncated (needs %zu bytes, %zu left)", op, vm->opoff, k, vm->n - vm->pos);
        return -1;
    }
    return 0;
}

/* new tuple/list from stack[from..sp) (consumes those entries) */
static int ckpt__pseq(ckpt__pvm *vm, int type, size_t from)
{
    size_t h = ckpt__pnew(vm, type), k;
    ckpt__pobj *o;
    if (h == CKPT__NOH) return -1;
    o = &vm->obj[h];
    if (vm->sp > from) {
        o->items = (size_t *)malloc((vm->sp - from) * sizeof(size_t));
        if (!o->items) return ckpt__poom(vm);
        o->cap = vm->sp - from;
        for (k = from; k < vm->sp; k++) o->items[o->n++] = vm->stack[k];
    }
    vm->sp = from;
    return ckpt__ppush(vm, h);
}

static int ckpt__pstr(ckpt__pvm *vm, int type, uint64_t len, const char *op)
{
    size_t h;
    if (len > vm->n - vm->pos) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s at offset %zu: length %llu runs past the end of the pickle (%zu bytes left)", op, vm->opoff, (ckpt__ull)len, vm->n - vm->pos);
        return -1;
    }
    h = ckpt__pnew(vm, type);
    if (h == CKPT__NOH) return -1;
    vm->obj[h].s = vm->p + vm->pos;
    vm->obj[h].slen = (size_t)len;
    vm->pos += (size_t)len;
    return ckpt__ppush(vm, h);
}

static int ckpt__pint(ckpt__pvm *vm, int64_t v)
{
    size_t h = ckpt__pnew(vm, CKPT__P_INT);
    if (h == CKPT__NOH) return -1;
    vm->obj[h].i = v;
    return ckpt__ppush(vm, h);
}

static int ckpt__pglobal(ckpt__pvm *vm, const uint8_t *mod, size_t ml, const uint8_t *nm, size_t nl)
{
    size_t i, h;
    char qa[80], qb[80];
    for (i = 0; i < sizeof ckpt__globals / sizeof ckpt__globals[0]; i++) {
        if (strlen(ckpt__globals[i].mod) == ml && memcmp(ckpt__globals[i].mod, mod, ml) == 0 &&
            strlen(ckpt__globals[i].name) == nl && memcmp(ckpt__globals[i].name, nm, nl) == 0) {
            h = ckpt__pnew(vm, CKPT__P_GLOBAL);
            if (h == CKPT__NOH) return -1;
            vm->obj[h].aux = ckpt__globals[i].id;
            return ckpt__ppush(vm, h);
        }
    }
    ckpt__seterr(vm->err, vm->errlen, "pickle: unsupported global '%s.%s' at offset %zu (only torch tensor/storage rebuild functions and collections.OrderedDict are allowed)",
                 ckpt__q(qa, mod, ml), ckpt__q(qb, nm, nl), vm->opoff);
    return -1;
}

static int ckpt__pmemo_put(ckpt__pvm *vm, uint64_t idx, const char *op)
{
    size_t h;
    if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, op);
    h = vm->stack[vm->sp - 1];
    if (idx > (uint64_t)vm->n + 256) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s index %llu at offset %zu is implausibly large for a %zu-byte pickle", op, (ckpt__ull)idx, vm->opoff, vm->n);
        return -1;
    }
    if (idx >= vm->nmemo) {
        void *np = ckpt__reserve(vm->memo, &vm->capmemo, (size_t)idx + 1, sizeof(size_t));
        if (!np) return ckpt__poom(vm);
        vm->memo = (size_t *)np;
        memset(vm->memo + vm->nmemo, 0, ((size_t)idx + 1 - vm->nmemo) * sizeof(size_t));
        vm->nmemo = (size_t)idx + 1;
    }
    if (vm->memo[idx] == 0) vm->memo_count++;
    vm->memo[idx] = h + 1;
    return 0;
}

static int ckpt__pmemo_get(ckpt__pvm *vm, uint64_t idx, const char *op)
{
    if (idx >= vm->nmemo || vm->memo[idx] == 0) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s index %llu at offset %zu refers to an empty memo slot", op, (ckpt__ull)idx, vm->opoff);
        return -1;
    }
    return ckpt__ppush(vm, vm->memo[idx] - 1);
}

static int ckpt__pgetint(ckpt__pvm *vm, size_t h, int64_t *v, const char *what)
{
    const ckpt__pobj *o = &vm->obj[h];
    if (o->type != CKPT__P_INT && o->type != CKPT__P_BOOL) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: %s must be an int, got %s (offset %zu)", what, ckpt__ptname(o->type), vm->opoff);
        return -1;
    }
    *v = o->i;
    return 0;
}

static int ckpt__pdims(ckpt__pvm *vm, size_t h, int64_t *d, int *nd, const char *what)
{
    const ckpt__pobj *o = &vm->obj[h];
    size_t k;
    if (o->type != CKPT__P_TUPLE && o->type != CKPT__P_LIST) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: tensor %s must be a tuple, got %s (offset %zu)", what, ckpt__ptname(o->type), vm->opoff);
        return -1;
    }
    if (o->n > CKPT_MAX_DIMS) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: tensor %s has %zu dimensions, at most %d are supported (offset %zu)", what, o->n, CKPT_MAX_DIMS, vm->opoff);
        return -1;
    }
    for (k = 0; k < o->n; k++) {
        if (ckpt__pgetint(vm, o->items[k], &d[k], what)) return -1;
        if (d[k] < 0) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: tensor %s has a negative entry %lld (offset %zu)", what, (ckpt__ll)d[k], vm->opoff);
            return -1;
        }
    }
    *nd = (int)o->n;
    return 0;
}

static int ckpt__pcall(ckpt__pvm *vm, size_t fn, size_t args, int depth, size_t *res)
{
    const ckpt__pobj *f = &vm->obj[fn], *a = &vm->obj[args];
    if (f->type != CKPT__P_GLOBAL) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: REDUCE at offset %zu calls %s, not a global", vm->opoff, ckpt__ptname(f->type));
        return -1;
    }
    if (a->type != CKPT__P_TUPLE) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: REDUCE at offset %zu: arguments are %s, not a tuple", vm->opoff, ckpt__ptname(a->type));
        return -1;
    }
    switch (f->aux) {
    case CKPT__G_ODICT:
        if (a->n != 0) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: OrderedDict called with %zu arguments at offset %zu (only OrderedDict() is supported)", a->n, vm->opoff);
            return -1;
        }
        *res = ckpt__pnew(vm, CKPT__P_DICT);
        return *res == CKPT__NOH ? -1 : 0;
    case CKPT__G_REBUILD_V2: {
        ckpt__ptens t;
        size_t h;
        int nd2 = 0;
        void *np;
        if (a->n != 6 && a->n != 7) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: _rebuild_tensor_v2 expects 6 or 7 arguments, got %zu (offset %zu)", a->n, vm->opoff);
            return -1;
        }
        memset(&t, 0, sizeof t);
        if (vm->obj[a->items[0]].type != CKPT__P_STORAGE) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: _rebuild_tensor_v2 first argument is %s, not a storage (offset %zu)", ckpt__ptname(vm->obj[a->items[0]].type), vm->opoff);
            return -1;
        }
        t.storage = a->items[0];
        if (ckpt__pgetint(vm, a->items[1], &t.off, "storage offset")) return -1;
        if (t.off < 0) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: negative storage offset %lld (offset %zu)", (ckpt__ll)t.off, vm->opoff);
            return -1;
        }
        if (ckpt__pdims(vm, a->items[2], t.shape, &t.ndim, "size")) return -1;
        if (ckpt__pdims(vm, a->items[3], t.stride, &nd2, "stride")) return -1;
        if (nd2 != t.ndim) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: tensor size has %d dimensions but stride has %d (offset %zu)", t.ndim, nd2, vm->opoff);
            return -1;
        }
        np = ckpt__reserve(vm->tens, &vm->captens, vm->ntens + 1, sizeof(ckpt__ptens));
        if (!np) return ckpt__poom(vm);
        vm->tens = (ckpt__ptens *)np;
        if (vm->ntens >= 0x7fffffff) return ckpt__poom(vm);
        h = ckpt__pnew(vm, CKPT__P_TENSOR);
        if (h == CKPT__NOH) return -1;
        vm->tens[vm->ntens] = t;
        vm->obj[h].aux = (int)vm->ntens;
        vm->ntens++;
        *res = h;
        return 0;
    }
    case CKPT__G_REBUILD_PARAM:
    case CKPT__G_REBUILD_PARAM_STATE:
        if (a->n < 1 || vm->obj[a->items[0]].type != CKPT__P_TENSOR) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: _rebuild_parameter expects a tensor as first argument (offset %zu)", vm->opoff);
            return -1;
        }
        *res = a->items[0];
        return 0;
    case CKPT__G_FROM_TYPE_V2:
        /* (func, new_type, args, state) -> func(*args); type and state ignored */
        if (depth > 0 || a->n != 4) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: unsupported _rebuild_from_type_v2 call at offset %zu", vm->opoff);
            return -1;
        }
        if (ckpt__pcall(vm, a->items[0], a->items[2], depth + 1, res)) return -1;
        if (vm->obj[*res].type != CKPT__P_TENSOR) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: _rebuild_from_type_v2 at offset %zu did not produce a tensor", vm->opoff);
            return -1;
        }
        return 0;
    default:
        ckpt__seterr(vm->err, vm->errlen, "pickle: global at offset %zu is not callable here", vm->opoff);
        return -1;
    }
}

static int ckpt__ppersid(ckpt__pvm *vm, size_t pid, size_t *res)
{
    const ckpt__pobj *t = &vm->obj[pid], *s0, *key;
    const ckpt__zent *e;
    int64_t numel;
    ckpt_dtype dt;
    uint8_t *name;
    size_t nlen, esz, h;
    char qb[80], qn[80];
    if (t->type != CKPT__P_TUPLE || t->n != 5) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: persistent id at offset %zu is not a 5-tuple ('storage', type, key, location, numel)", vm->opoff);
        return -1;
    }
    s0 = &vm->obj[t->items[0]];
    if (s0->type != CKPT__P_STR || s0->slen != 7 || memcmp(s0->s, "storage", 7) != 0) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: persistent id at offset %zu does not start with 'storage'", vm->opoff);
        return -1;
    }
    if (vm->obj[t->items[1]].type != CKPT__P_GLOBAL) goto badtype;
    switch (vm->obj[t->items[1]].aux) {
    case CKPT__G_FLOAT_ST: dt = CKPT_F32; break;
    case CKPT__G_HALF_ST: dt = CKPT_F16; break;
    case CKPT__G_BF16_ST: dt = CKPT_BF16; break;
    case CKPT__G_LONG_ST: dt = CKPT_I64; break;
    case CKPT__G_INT_ST: dt = CKPT_I32; break;
    case CKPT__G_BYTE_ST: case CKPT__G_CHAR_ST: case CKPT__G_BOOL_ST: dt = CKPT_I8; break;
    default: goto badtype;
    }
    key = &vm->obj[t->items[2]];
    if (key->type != CKPT__P_STR) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: storage key at offset %zu is %s, not a str", vm->opoff, ckpt__ptname(key->type));
        return -1;
    }
    if (ckpt__pgetint(vm, t->items[4], &numel, "storage numel")) return -1;
    if (numel < 0) {
        ckpt__seterr(vm->err, vm->errlen, "pickle: storage '%s' has negative numel %lld", ckpt__q(qb, key->s, key->slen), (ckpt__ll)numel);
        return -1;
    }
    nlen = vm->prefix_len + 5 + key->slen;
    name = (uint8_t *)malloc(nlen);
    if (!name) return ckpt__poom(vm);
    memcpy(name, vm->prefix, vm->prefix_len);
    memcpy(name + vm->prefix_len, "data/", 5);
    memcpy(name + vm->prefix_len + 5, key->s, key->slen);
    e = ckpt__zfind(vm->ents, vm->nents, name, nlen);
    if (!e) {
        ckpt__seterr(vm->err, vm->errlen, "torch: storage '%s' has no archive entry '%s'", ckpt__q(qb, key->s, key->slen), ckpt__q(qn, name, nlen));
        free(name);
        return -1;
    }
    free(name);
    esz = ckpt__esize(dt);
    if ((uint64_t)numel > e->size / esz) {
        ckpt__seterr(vm->err, vm->errlen, "torch: storage '%s' entry has %llu bytes but the pickle declares %lld %s elements (%d bytes each)",
                     ckpt__q(qb, key->s, key->slen), (ckpt__ull)e->size, (ckpt__ll)numel, ckpt_dtype_name(dt), (int)esz);
        return -1;
    }
    h = ckpt__pnew(vm, CKPT__P_STORAGE);
    if (h == CKPT__NOH) return -1;
    vm->obj[h].aux = (int)dt;
    vm->obj[h].i = numel;
    vm->obj[h].s = vm->file + e->off;
    *res = h;
    return 0;
badtype:
    ckpt__seterr(vm->err, vm->errlen, "pickle: persistent id at offset %zu: storage type is not torch.FloatStorage, HalfStorage or BFloat16Storage", vm->opoff);
    return -1;
}

/* Runs the pickle; on success *result is the handle of the final object. */
static int ckpt__prun(ckpt__pvm *vm, size_t *result)
{
    const uint8_t *p = vm->p;
    size_t h, h2, m, k;
    uint64_t u;
    for (;;) {
        uint8_t op;
        if (vm->pos >= vm->n) {
            ckpt__seterr(vm->err, vm->errlen, "pickle: data ends at offset %zu without a STOP opcode", vm->pos);
            return -1;
        }
        vm->opoff = vm->pos;
        op = p[vm->pos++];
        switch (op) {
        case 0x80: /* PROTO */
            if (ckpt__pneed(vm, 1, "PROTO")) return -1;
            if (p[vm->pos] > 5) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: unsupported protocol %u at offset %zu", (unsigned)p[vm->pos], vm->opoff);
                return -1;
            }
            vm->pos++;
            break;
        case 0x95: /* FRAME */
            if (ckpt__pneed(vm, 8, "FRAME")) return -1;
            u = ckpt__u64(p + vm->pos);
            vm->pos += 8;
            if (u > vm->n - vm->pos) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: FRAME at offset %zu of %llu bytes runs past the end of the pickle", vm->opoff, (ckpt__ull)u);
                return -1;
            }
            break;
        case '.': /* STOP */
            if (ckpt__ppop(vm, &h, "STOP")) return -1;
            *result = h;
            return 0;
        case '(': /* MARK */
            if (vm->nmarks >= CKPT__MAX_MARKS) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: MARK nesting deeper than %d at offset %zu", CKPT__MAX_MARKS, vm->opoff);
                return -1;
            }
            vm->marks[vm->nmarks++] = vm->sp;
            break;
        case '}': /* EMPTY_DICT */
            if (ckpt__ppush(vm, ckpt__pnew(vm, CKPT__P_DICT))) return -1;
            break;
        case ']': /* EMPTY_LIST */
            if (ckpt__ppush(vm, ckpt__pnew(vm, CKPT__P_LIST))) return -1;
            break;
        case ')': /* EMPTY_TUPLE */
            if (ckpt__ppush(vm, ckpt__pnew(vm, CKPT__P_TUPLE))) return -1;
            break;
        case 'N': /* NONE */
            if (ckpt__ppush(vm, ckpt__pnew(vm, CKPT__P_NONE))) return -1;
            break;
        case 0x88: case 0x89: /* NEWTRUE / NEWFALSE */
            h = ckpt__pnew(vm, CKPT__P_BOOL);
            if (h == CKPT__NOH) return -1;
            vm->obj[h].i = (op == 0x88);
            if (ckpt__ppush(vm, h)) return -1;
            break;
        case 't': /* TUPLE */
            if (ckpt__ppopmark(vm, &m, "TUPLE")) return -1;
            if (ckpt__pseq(vm, CKPT__P_TUPLE, m)) return -1;
            break;
        case 'l': /* LIST */
            if (ckpt__ppopmark(vm, &m, "LIST")) return -1;
            if (ckpt__pseq(vm, CKPT__P_LIST, m)) return -1;
            break;
        case 0x85: case 0x86: case 0x87: /* TUPLE1..3 */
            k = (size_t)(op - 0x84);
            if (vm->sp < ckpt__pfloor(vm) + k) return ckpt__underflow(vm, "TUPLEn");
            if (ckpt__pseq(vm, CKPT__P_TUPLE, vm->sp - k)) return -1;
            break;
        case 'q': /* BINPUT */
            if (ckpt__pneed(vm, 1, "BINPUT")) return -1;
            u = p[vm->pos++];
            if (ckpt__pmemo_put(vm, u, "BINPUT")) return -1;
            break;
        case 'r': /* LONG_BINPUT */
            if (ckpt__pneed(vm, 4, "LONG_BINPUT")) return -1;
            u = ckpt__u32(p + vm->pos);
            vm->pos += 4;
            if (ckpt__pmemo_put(vm, u, "LONG_BINPUT")) return -1;
            break;
        case 0x94: /* MEMOIZE */
            if (ckpt__pmemo_put(vm, vm->memo_count, "MEMOIZE")) return -1;
            break;
        case 'h': /* BINGET */
            if (ckpt__pneed(vm, 1, "BINGET")) return -1;
            u = p[vm->pos++];
            if (ckpt__pmemo_get(vm, u, "BINGET")) return -1;
            break;
        case 'j': /* LONG_BINGET */
            if (ckpt__pneed(vm, 4, "LONG_BINGET")) return -1;
            u = ckpt__u32(p + vm->pos);
            vm->pos += 4;
            if (ckpt__pmemo_get(vm, u, "LONG_BINGET")) return -1;
            break;
        case 'J': /* BININT */
            if (ckpt__pneed(vm, 4, "BININT")) return -1;
            u = ckpt__u32(p + vm->pos);
            vm->pos += 4;
            if (ckpt__pint(vm, u >= 0x80000000u ? (int64_t)u - (int64_t)0x100000000 : (int64_t)u)) return -1;
            break;
        case 'K': /* BININT1 */
            if (ckpt__pneed(vm, 1, "BININT1")) return -1;
            if (ckpt__pint(vm, p[vm->pos++])) return -1;
            break;
        case 'M': /* BININT2 */
            if (ckpt__pneed(vm, 2, "BININT2")) return -1;
            u = ckpt__u16(p + vm->pos);
            vm->pos += 2;
            if (ckpt__pint(vm, (int64_t)u)) return -1;
            break;
        case 0x8a: case 0x8b: { /* LONG1 / LONG4 */
            uint64_t len, v = 0;
            size_t i;
            const char *nm = op == 0x8a ? "LONG1" : "LONG4";
            if (ckpt__pneed(vm, op == 0x8a ? 1 : 4, nm)) return -1;
            if (op == 0x8a) len = p[vm->pos++];
            else { len = ckpt__u32(p + vm->pos); vm->pos += 4; }
            if (len > 8) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: %s at offset %zu: integer of %llu bytes is too large", nm, vm->opoff, (ckpt__ull)len);
                return -1;
            }
            if (ckpt__pneed(vm, (size_t)len, nm)) return -1;
            for (i = 0; i < len; i++) v |= (uint64_t)p[vm->pos + i] << (8 * i);
            if (len > 0 && len < 8 && (p[vm->pos + len - 1] & 0x80)) v |= ~(uint64_t)0 << (8 * len);
            vm->pos += (size_t)len;
            if (ckpt__pint(vm, v > (uint64_t)INT64_MAX ? -(int64_t)(~v) - 1 : (int64_t)v)) return -1;
            break;
        }
        case 'G': /* BINFLOAT */
            if (ckpt__pneed(vm, 8, "BINFLOAT")) return -1;
            h = ckpt__pnew(vm, CKPT__P_FLOAT);
            if (h == CKPT__NOH) return -1;
            /* the value itself is never needed */
            vm->pos += 8;
            if (ckpt__ppush(vm, h)) return -1;
            break;
        case 'X': /* BINUNICODE */
        case 'B': /* BINBYTES */
            if (ckpt__pneed(vm, 4, op == 'X' ? "BINUNICODE" : "BINBYTES")) return -1;
            u = ckpt__u32(p + vm->pos);
            vm->pos += 4;
            if (ckpt__pstr(vm, op == 'X' ? CKPT__P_STR : CKPT__P_BYTES, u, op == 'X' ? "BINUNICODE" : "BINBYTES")) return -1;
            break;
        case 0x8c: /* SHORT_BINUNICODE */
        case 'C': /* SHORT_BINBYTES */
            if (ckpt__pneed(vm, 1, "SHORT_BINUNICODE")) return -1;
            u = p[vm->pos++];
            if (ckpt__pstr(vm, op == 'C' ? CKPT__P_BYTES : CKPT__P_STR, u, op == 'C' ? "SHORT_BINBYTES" : "SHORT_BINUNICODE")) return -1;
            break;
        case 0x8d: /* BINUNICODE8 */
        case 0x8e: /* BINBYTES8 */
            if (ckpt__pneed(vm, 8, "BINUNICODE8")) return -1;
            u = ckpt__u64(p + vm->pos);
            vm->pos += 8;
            if (ckpt__pstr(vm, op == 0x8d ? CKPT__P_STR : CKPT__P_BYTES, u, op == 0x8d ? "BINUNICODE8" : "BINBYTES8")) return -1;
            break;
        case 'c': { /* GLOBAL */
            const uint8_t *a = p + vm->pos, *nl1, *nl2;
            nl1 = (const uint8_t *)memchr(a, '\n', vm->n - vm->pos);
            nl2 = nl1 ? (const uint8_t *)memchr(nl1 + 1, '\n', (size_t)(p + vm->n - (nl1 + 1))) : NULL;
            if (!nl2) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: GLOBAL at offset %zu: unterminated module/name", vm->opoff);
                return -1;
            }
            vm->pos = (size_t)(nl2 + 1 - p);
            if (ckpt__pglobal(vm, a, (size_t)(nl1 - a), nl1 + 1, (size_t)(nl2 - nl1 - 1))) return -1;
            break;
        }
        case 0x93: /* STACK_GLOBAL */
            if (ckpt__ppop(vm, &h2, "STACK_GLOBAL")) return -1;
            if (ckpt__ppop(vm, &h, "STACK_GLOBAL")) return -1;
            if (vm->obj[h].type != CKPT__P_STR || vm->obj[h2].type != CKPT__P_STR) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: STACK_GLOBAL at offset %zu needs two strings", vm->opoff);
                return -1;
            }
            if (ckpt__pglobal(vm, vm->obj[h].s, vm->obj[h].slen, vm->obj[h2].s, vm->obj[h2].slen)) return -1;
            break;
        case 'R': /* REDUCE */
        case 0x81: /* NEWOBJ (cls, args): treated like REDUCE */
            if (ckpt__ppop(vm, &h2, op == 'R' ? "REDUCE" : "NEWOBJ")) return -1;
            if (ckpt__ppop(vm, &h, op == 'R' ? "REDUCE" : "NEWOBJ")) return -1;
            if (ckpt__pcall(vm, h, h2, 0, &m)) return -1;
            if (ckpt__ppush(vm, m)) return -1;
            break;
        case 'b': /* BUILD */
            if (ckpt__ppop(vm, &h2, "BUILD")) return -1;
            if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, "BUILD");
            h = vm->stack[vm->sp - 1];
            if (vm->obj[h].type != CKPT__P_DICT && vm->obj[h].type != CKPT__P_TENSOR) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: BUILD at offset %zu on %s is not supported", vm->opoff, ckpt__ptname(vm->obj[h].type));
                return -1;
            }
            /* state (e.g. OrderedDict _metadata) is accepted and ignored */
            break;
        case 's': /* SETITEM */
            if (ckpt__ppop(vm, &h2, "SETITEM")) return -1;
            if (ckpt__ppop(vm, &h, "SETITEM")) return -1;
            if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, "SETITEM");
            m = vm->stack[vm->sp - 1];
            if (vm->obj[m].type != CKPT__P_DICT) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: SETITEM at offset %zu on %s, not a dict", vm->opoff, ckpt__ptname(vm->obj[m].type));
                return -1;
            }
            if (ckpt__padd(vm, m, h) || ckpt__padd(vm, m, h2)) return -1;
            break;
        case 'u': /* SETITEMS */
        case 'e': /* APPENDS */
            if (ckpt__ppopmark(vm, &m, op == 'u' ? "SETITEMS" : "APPENDS")) return -1;
            if (m == 0 || m <= ckpt__pfloor(vm)) return ckpt__underflow(vm, op == 'u' ? "SETITEMS" : "APPENDS");
            h = vm->stack[m - 1];
            if (vm->obj[h].type != (op == 'u' ? CKPT__P_DICT : CKPT__P_LIST)) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: %s at offset %zu on %s", op == 'u' ? "SETITEMS" : "APPENDS", vm->opoff, ckpt__ptname(vm->obj[h].type));
                return -1;
            }
            if (op == 'u' && ((vm->sp - m) & 1)) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: SETITEMS at offset %zu with an odd number of stack items", vm->opoff);
                return -1;
            }
            for (k = m; k < vm->sp; k++)
                if (ckpt__padd(vm, h, vm->stack[k])) return -1;
            vm->sp = m;
            break;
        case 'a': /* APPEND */
            if (ckpt__ppop(vm, &h2, "APPEND")) return -1;
            if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, "APPEND");
            h = vm->stack[vm->sp - 1];
            if (vm->obj[h].type != CKPT__P_LIST) {
                ckpt__seterr(vm->err, vm->errlen, "pickle: APPEND at offset %zu on %s, not a list", vm->opoff, ckpt__ptname(vm->obj[h].type));
                return -1;
            }
            if (ckpt__padd(vm, h, h2)) return -1;
            break;
        case 'Q': /* BINPERSID */
            if (ckpt__ppop(vm, &h, "BINPERSID")) return -1;
            if (ckpt__ppersid(vm, h, &m)) return -1;
            if (ckpt__ppush(vm, m)) return -1;
            break;
        case '0': /* POP */
            if (vm->sp > ckpt__pfloor(vm)) vm->sp--;
            else if (vm->nmarks) vm->nmarks--;
            else return ckpt__underflow(vm, "POP");
            break;
        case '1': /* POP_MARK */
            if (ckpt__ppopmark(vm, &m, "POP_MARK")) return -1;
            vm->sp = m;
            break;
        case '2': /* DUP */
            if (vm->sp <= ckpt__pfloor(vm)) return ckpt__underflow(vm, "DUP");
            if (ckpt__ppush(vm, vm->stack[vm->sp - 1])) return -1;
            break;
        default:
            ckpt__seterr(vm->err, vm->errlen, "pickle: unsupported opcode 0x%02x at offset %zu", (unsigned)op, vm->opoff);
            return -1;
        }
    }
}

static int ckpt__load_torch(ckpt_file *f, const uint8_t *b, size_t len, char *err, size_t errlen)
{
    ckpt__zent *ents = NULL;
    size_t nents = 0, i, ndp = 0, res = 0, npairs;
    const ckpt__zent *pkl = NULL, *bo;
    ckpt__pvm vm;
    const ckpt__pobj *d;
    char qb[80], sb[200], tb[200];
    int rc = -1;

    memset(&vm, 0, sizeof vm);
    if (ckpt__zip_read(b, len, &ents, &nents, err, errlen)) return -1;
    for (i = 0; i < nents; i++) {
        const ckpt__zent *e = &ents[i];
        size_t j, slashes = 0;
        if (e->nlen < 9 || memcmp(e->name + e->nlen - 9, "/data.pkl", 9) != 0) continue;
        for (j = 0; j < e->nlen; j++) slashes += e->name[j] == '/';
        if (slashes != 1) continue;
        pkl = e;
        ndp++;
    }
    if (ndp != 1) {
        ckpt__seterr(err, errlen, ndp ? "torch: zip has %zu '<archive>/data.pkl' entries, expected one" :
                     "torch: zip has no '<archive>/data.pkl' entry (%zu entries; not a torch.save file?)", ndp ? ndp : nents);
        goto done;
    }
    vm.prefix = pkl->name;
    vm.prefix_len = pkl->nlen - 8;
    {
        uint8_t *tmp = (uint8_t *)malloc(vm.prefix_len + 9);
        if (!tmp) { ckpt__seterr(err, errlen, "out of memory"); goto done; }
        memcpy(tmp, vm.prefix, vm.prefix_len);
        memcpy(tmp + vm.prefix_len, "byteorder", 9);
        bo = ckpt__zfind(ents, nents, tmp, vm.prefix_len + 9);
        free(tmp);
        if (bo && !(bo->size == 6 && memcmp(b + bo->off, "little", 6) == 0)) {
            ckpt__seterr(err, errlen, "torch: byteorder is '%s', only 'little' is supported", ckpt__q(qb, b + bo->off, (size_t)bo->size));
            goto done;
        }
    }
    vm.p = b + pkl->off;
    vm.n = (size_t)pkl->size;
    vm.ents = ents;
    vm.nents = nents;
    vm.err = err;
    vm.errlen = errlen;
    vm.file = b;
    if (ckpt__prun(&vm, &res)) goto done;
    d = &vm.obj[res];
    if (d->type != CKPT__P_DICT) {
        ckpt__seterr(err, errlen, "pickle: top-level object is %s, expected a dict of tensors", ckpt__ptname(d->type));
        goto done;
    }
    npairs = d->n / 2;
    f->tensors = (ckpt_tensor *)calloc(npairs ? npairs : 1, sizeof(ckpt_tensor));
    if (!f->tensors) { ckpt__seterr(err, errlen, "out of memory"); goto done; }
    for (i = 0; i < npairs; i++) {
        const ckpt__pobj *k = &vm.obj[d->items[2 * i]], *v = &vm.obj[d->items[2 * i + 1]], *st;
        const ckpt__ptens *pt;
        ckpt_tensor *t = &f->tensors[i];
        size_t esz;
        int64_t mx;
        if (k->type != CKPT__P_STR) {
            ckpt__seterr(err, errlen, "pickle: dict key %zu is %s, not a str", i, ckpt__ptname(k->type));
            goto done;
        }
        if (v->type != CKPT__P_TENSOR) {
            ckpt__seterr(err, errlen, "pickle: value for key '%s' is %s, not a tensor", ckpt__q(qb, k->s, k->slen), ckpt__ptname(v->type));
            goto done;
        }
        t->name = ckpt__strdup_n(k->s, k->slen);
        if (!t->name) {
            ckpt__seterr(err, errlen, "pickle: key '%s' contains a NUL byte (or out of memory)", ckpt__q(qb, k->s, k->slen));
            goto done;
        }
        f->n_tensors = i + 1;
        pt = &vm.tens[v->aux];
        st = &vm.obj[pt->storage];
        t->dtype = (ckpt_dtype)st->aux;
        esz = ckpt__esize(t->dtype);
        t->ndim = pt->ndim;
        memcpy(t->shape, pt->shape, sizeof t->shape);
        memcpy(t->stride, pt->stride, sizeof t->stride);
        t->offset = pt->off;
        t->storage = st->s;
        t->storage_nbytes = (uint64_t)st->i * esz;
        t->numel = ckpt__numel(t->ndim, t->shape);
        ckpt__fmt_dims(sb, sizeof sb, t->ndim, t->shape);
        ckpt__fmt_dims(tb, sizeof tb, t->ndim, t->stride);
        if (t->numel < 0) {
            ckpt__seterr(err, errlen, "torch: tensor '%s' shape %s has too many elements", ckpt__q(qb, t->name, strlen(t->name)), sb);
            goto done;
        }
        if (t->numel > 0) {
            mx = ckpt__max_index(t->offset, t->ndim, t->shape, t->stride);
            if (mx < 0 || mx >= st->i) {
                ckpt__seterr(err, errlen, "torch: tensor '%s' (offset %lld, shape %s, stride %s) reaches past its storage of %lld elements",
                             ckpt__q(qb, t->name, strlen(t->name)), (ckpt__ll)t->offset, sb, tb, (ckpt__ll)st->i);
                goto done;
            }
        }
    }
    rc = 0;
done:
    ckpt__pvm_free(&vm);
    free(ents);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* safetensors                                                              */

typedef struct {
    const uint8_t *p;
    size_t n, pos;
    char *err;
    size_t errlen;
} ckpt__js;

static void ckpt__jws(ckpt__js *j)
{
    while (j->pos < j->n && (j->p[j->pos] == ' ' || j->p[j->pos] == '\t' || j->p[j->pos] == '\n' || j->p[j->pos] == '\r'))
        j->pos++;
}

static int ckpt__jeof(ckpt__js *j)
{
    ckpt__seterr(j->err, j->errlen, "safetensors: header JSON ends unexpectedly at header offset %zu", j->pos);
    return -1;
}

static int ckpt__jexpect(ckpt__js *j, char c)
{
    ckpt__jws(j);
    if (j->pos >= j->n) return ckpt__jeof(j);
    if (j->p[j->pos] != (uint8_t)c) {
        char qb[80];
        ckpt__seterr(j->err, j->errlen, "safetensors: expected '%c' at header offset %zu, found '%s'", c, j->pos, ckpt__q(qb, j->p + j->pos, 1));
        return -1;
    }
    j->pos++;
    return 0;
}

static int ckpt__jhex4(const uint8_t *s, uint32_t *v)
{
    int k;
    *v = 0;
    for (k = 0; k < 4; k++) {
        uint8_t c = s[k];
        uint32_t d;
        if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
        else return -1;
        *v = (*v << 4) | d;
    }
    return 0;
}

/* Parses a JSON string at the current position (after whitespace). If out is
   non-NULL, *out receives a malloc'd NUL-terminated decoded copy. */
static int ckpt__jstring(ckpt__js *j, char **out, size_t *outlen)
{
    size_t start, end, i, o = 0;
    char *buf = NULL;
    ckpt__jws(j);
    if (out) *out = NULL;
    if (j->pos >= j->n) return ckpt__jeof(j);
    if (j->p[j->pos] != '"') {
        ckpt__seterr(j->err, j->errlen, "safetensors: expected a string at header offset %zu", j->pos);
        return -1;
    }
    start = ++j->pos;
    while (j->pos < j->n && j->p[j->pos] != '"') {
        if (j->p[j->pos] < 0x20) {
            ckpt__seterr(j->err, j->errlen, "safetensors: control character in string at header offset %zu", j->pos);
            return -1;
        }
        j->pos += (j->p[j->pos] == '\\') ? 2 : 1;
    }
    if (j->pos >= j->n) {
        ckpt__seterr(j->err, j->errlen, "safetensors: unterminated string starting at header offset %zu", start - 1);
        return -1;
    }
    end = j->pos++;
    if (out) {
        buf = (char *)malloc(end - start + 1);
        if (!buf) { ckpt__seterr(j->err, j->errlen, "out of memory"); return -1; }
    }
    for (i = start; i < end;) {
        uint8_t c = j->p[i];
        uint32_t cp, lo;
        if (c != '\\') {
            if (buf) buf[o] = (char)c;
            o++;
            i++;
            continue;
        }
        c = j->p[i + 1]; /* i + 1 < end by the scan above */
        i += 2;
        switch (c) {
        case '"': case '\\': case '/': cp = c; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
            if (end - i < 4 || ckpt__jhex4(j->p + i, &cp)) goto badesc;
            i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) goto badesc;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - i < 6 || j->p[i] != '\\' || j->p[i + 1] != 'u' || ckpt__jhex4(j->p + i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    goto badesc;
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) {
                ckpt__seterr(j->err, j->errlen, "safetensors: \\u0000 in string at header offset %zu", i - 6);
                free(buf);
                return -1;
            }
            break;
        default:
            goto badesc;
        }
        if (cp < 0x80) {
            if (buf) buf[o] = (char)cp;
            o += 1;
        } else if (cp < 0x800) {
            if (buf) { buf[o] = (char)(0xC0 | (cp >> 6)); buf[o + 1] = (char)(0x80 | (cp & 0x3F)); }
            o += 2;
        } else if (cp < 0x10000) {
            if (buf) { buf[o] = (char)(0xE0 | (cp >> 12)); buf[o + 1] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[o + 2] = (char)(0x80 | (cp & 0x3F)); }
            o += 3;
        } else {
            if (buf) { buf[o] = (char)(0xF0 | (cp >> 18)); buf[o + 1] = (char)(0x80 | ((cp >> 12) & 0x3F)); buf[o + 2] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[o + 3] = (char)(0x80 | (cp & 0x3F)); }
            o += 4;
        }
    }
    if (buf) {
        buf[o] = 0;
        *out = buf;
    }
    if (outlen) *outlen = o;
    return 0;
badesc:
    ckpt__seterr(j->err, j->errlen, "safetensors: invalid escape sequence in string at header offset %zu", i);
    free(buf);
    return -1;
}

static int ckpt__juint(ckpt__js *j, uint64_t *v, const char *what, const char *tname)
{
    size_t s;
    char qb[80];
    ckpt__jws(j);
    s = j->pos;
    *v = 0;
    if (j->pos >= j->n) return ckpt__jeof(j);
    if (j->p[j->pos] < '0' || j->p[j->pos] > '9') goto bad;
    if (j->p[j->pos] == '0' && j->pos + 1 < j->n && j->p[j->pos + 1] >= '0' && j->p[j->pos + 1] <= '9') goto bad;
    while (j->pos < j->n && j->p[j->pos] >= '0' && j->p[j->pos] <= '9') {
        uint64_t d = (uint64_t)(j->p[j->pos] - '0');
        if (*v > (UINT64_MAX - d) / 10) {
            ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' %s value at header offset %zu is too large", ckpt__q(qb, tname, strlen(tname)), what, s);
            return -1;
        }
        *v = *v * 10 + d;
        j->pos++;
    }
    if (j->pos < j->n && (j->p[j->pos] == '.' || j->p[j->pos] == 'e' || j->p[j->pos] == 'E')) goto bad;
    return 0;
bad:
    ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' %s must be non-negative integers (header offset %zu)", ckpt__q(qb, tname, strlen(tname)), what, s);
    return -1;
}

static int ckpt__jskip(ckpt__js *j, int depth)
{
    uint8_t c;
    ckpt__jws(j);
    if (j->pos >= j->n) return ckpt__jeof(j);
    c = j->p[j->pos];
    if (c == '{' || c == '[') {
        uint8_t close = c == '{' ? '}' : ']';
        if (depth >= CKPT__JSON_MAX_DEPTH) {
            ckpt__seterr(j->err, j->errlen, "safetensors: header JSON nested deeper than %d at header offset %zu", CKPT__JSON_MAX_DEPTH, j->pos);
            return -1;
        }
        j->pos++;
        ckpt__jws(j);
        if (j->pos < j->n && j->p[j->pos] == close) { j->pos++; return 0; }
        for (;;) {
            if (c == '{') {
                if (ckpt__jstring(j, NULL, NULL) || ckpt__jexpect(j, ':')) return -1;
            }
            if (ckpt__jskip(j, depth + 1)) return -1;
            ckpt__jws(j);
            if (j->pos >= j->n) return ckpt__jeof(j);
            if (j->p[j->pos] == ',') { j->pos++; continue; }
            if (j->p[j->pos] == close) { j->pos++; return 0; }
            ckpt__seterr(j->err, j->errlen, "safetensors: expected ',' or '%c' at header offset %zu", close, j->pos);
            return -1;
        }
    }
    if (c == '"') return ckpt__jstring(j, NULL, NULL);
    if (c == '-' || (c >= '0' && c <= '9')) {
        size_t s = j->pos, nd = 0;
        if (c == '-') j->pos++;
        while (j->pos < j->n && j->p[j->pos] >= '0' && j->p[j->pos] <= '9') { j->pos++; nd++; }
        if (nd && j->pos < j->n && j->p[j->pos] == '.') {
            j->pos++;
            nd = 0;
            while (j->pos < j->n && j->p[j->pos] >= '0' && j->p[j->pos] <= '9') { j->pos++; nd++; }
        }
        if (nd && j->pos < j->n && (j->p[j->pos] == 'e' || j->p[j->pos] == 'E')) {
            j->pos++;
            if (j->pos < j->n && (j->p[j->pos] == '+' || j->p[j->pos] == '-')) j->pos++;
            nd = 0;
            while (j->pos < j->n && j->p[j->pos] >= '0' && j->p[j->pos] <= '9') { j->pos++; nd++; }
        }
        if (!nd) {
            ckpt__seterr(j->err, j->errlen, "safetensors: malformed number at header offset %zu", s);
            return -1;
        }
        return 0;
    }
    {
        static const char *lits[3] = { "true", "false", "null" };
        int k;
        for (k = 0; k < 3; k++) {
            size_t l = strlen(lits[k]);
            if (j->n - j->pos >= l && memcmp(j->p + j->pos, lits[k], l) == 0) { j->pos += l; return 0; }
        }
    }
    {
        char qb[80];
        ckpt__seterr(j->err, j->errlen, "safetensors: unexpected character '%s' at header offset %zu", ckpt__q(qb, j->p + j->pos, 1), j->pos);
    }
    return -1;
}

static int ckpt__jtensor(ckpt__js *j, ckpt_tensor *t, uint64_t *beg, uint64_t *end)
{
    int have_dt = 0, have_shape = 0, have_off = 0;
    char qb[80];
    const char *nm = ckpt__q(qb, t->name, strlen(t->name));
    if (ckpt__jexpect(j, '{')) return -1;
    ckpt__jws(j);
    if (j->pos < j->n && j->p[j->pos] == '}') { j->pos++; goto check; }
    for (;;) {
        char *key = NULL;
        size_t kl = 0;
        if (ckpt__jstring(j, &key, &kl)) return -1;
        if (ckpt__jexpect(j, ':')) { free(key); return -1; }
        if (strcmp(key, "dtype") == 0) {
            char *dt = NULL;
            size_t dl = 0;
            free(key);
            if (ckpt__jstring(j, &dt, &dl)) return -1;
            if (strcmp(dt, "F32") == 0) t->dtype = CKPT_F32;
            else if (strcmp(dt, "F16") == 0) t->dtype = CKPT_F16;
            else if (strcmp(dt, "BF16") == 0) t->dtype = CKPT_BF16;
            else if (strcmp(dt, "I64") == 0) t->dtype = CKPT_I64;
            else if (strcmp(dt, "I32") == 0) t->dtype = CKPT_I32;
            else if (strcmp(dt, "I8") == 0 || strcmp(dt, "U8") == 0 || strcmp(dt, "BOOL") == 0) t->dtype = CKPT_I8;
            else {
                char qd[80];
                ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' has unsupported dtype '%s' (supported: F32, F16, BF16; I64, I32, I8, U8, BOOL as integer buffers)", nm, ckpt__q(qd, dt, dl));
                free(dt);
                return -1;
            }
            free(dt);
            have_dt = 1;
        } else if (strcmp(key, "shape") == 0) {
            free(key);
            if (ckpt__jexpect(j, '[')) return -1;
            t->ndim = 0;
            ckpt__jws(j);
            if (j->pos < j->n && j->p[j->pos] == ']') j->pos++;
            else for (;;) {
                uint64_t v;
                if (t->ndim >= CKPT_MAX_DIMS) {
                    ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' has more than %d dimensions", nm, CKPT_MAX_DIMS);
                    return -1;
                }
                if (ckpt__juint(j, &v, "shape", t->name)) return -1;
                if (v > (uint64_t)INT64_MAX) {
                    ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' dimension %llu is too large", nm, (ckpt__ull)v);
                    return -1;
                }
                t->shape[t->ndim++] = (int64_t)v;
                ckpt__jws(j);
                if (j->pos >= j->n) return ckpt__jeof(j);
                if (j->p[j->pos] == ',') { j->pos++; continue; }
                if (ckpt__jexpect(j, ']')) return -1;
                break;
            }
            have_shape = 1;
        } else if (strcmp(key, "data_offsets") == 0) {
            free(key);
            if (ckpt__jexpect(j, '[') || ckpt__juint(j, beg, "data_offsets", t->name) || ckpt__jexpect(j, ',') ||
                ckpt__juint(j, end, "data_offsets", t->name) || ckpt__jexpect(j, ']'))
                return -1;
            have_off = 1;
        } else {
            free(key);
            if (ckpt__jskip(j, 2)) return -1;
        }
        ckpt__jws(j);
        if (j->pos >= j->n) return ckpt__jeof(j);
        if (j->p[j->pos] == ',') { j->pos++; continue; }
        if (ckpt__jexpect(j, '}')) return -1;
        break;
    }
check:
    if (!have_dt || !have_shape || !have_off) {
        ckpt__seterr(j->err, j->errlen, "safetensors: tensor '%s' is missing '%s'", nm, !have_dt ? "dtype" : !have_shape ? "shape" : "data_offsets");
        return -1;
    }
    return 0;
}

static int ckpt__cmp_storage(const void *a, const void *b)
{
    const ckpt_tensor *x = *(const ckpt_tensor *const *)a, *y = *(const ckpt_tensor *const *)b;
    return x->storage < y->storage ? -1 : x->storage > y->storage;
}

/* safetensors: no two tensors' data ranges overlap (empty tensors occupy nothing);
   sorted by start, so n log n for any header */
static int ckpt__st_overlap(ckpt_file *f, const uint8_t *data, char *err, size_t errlen)
{
    const ckpt_tensor **v;
    size_t i, n = 0;
    char qa[80], qb[80];
    if (f->n_tensors < 2) return 0;
    v = (const ckpt_tensor **)malloc(sizeof *v * f->n_tensors);
    if (!v) { ckpt__seterr(err, errlen, "out of memory"); return -1; }
    for (i = 0; i < f->n_tensors; i++) if (f->tensors[i].storage_nbytes) v[n++] = &f->tensors[i];
    qsort(v, n, sizeof *v, ckpt__cmp_storage);
    for (i = 1; i < n; i++) if (v[i - 1]->storage + v[i - 1]->storage_nbytes > v[i]->storage) {
        const ckpt_tensor *a = v[i - 1], *b = v[i];
        ckpt__seterr(err, errlen, "safetensors: the data of tensors '%s' [%llu,%llu] and '%s' [%llu,%llu] overlap",
                     ckpt__q(qa, a->name, strlen(a->name)), (ckpt__ull)(a->storage - data), (ckpt__ull)(a->storage - data + a->storage_nbytes),
                     ckpt__q(qb, b->name, strlen(b->name)), (ckpt__ull)(b->storage - data), (ckpt__ull)(b->storage - data + b->storage_nbytes));
        free(v);
        return -1;
    }
    free(v);
    return 0;
}

static int ckpt__load_st(ckpt_file *f, const uint8_t *b, size_t len, char *err, size_t errlen)
{
    uint64_t hl, dlen;
    const uint8_t *data;
    ckpt__js j;
    size_t cap = 0;
    char qb[80], sb[200];
    if (len < 8) {
        ckpt__seterr(err, errlen, "safetensors: file is %zu bytes, too small for the 8-byte header length", len);
        return -1;
    }
    hl = ckpt__u64(b);
    if (hl > (uint64_t)len - 8) {
        ckpt__seterr(err, errlen, "safetensors: header length %llu exceeds the file size minus 8 (%llu)", (ckpt__ull)hl, (ckpt__ull)(len - 8));
        return -1;
    }
    data = b + 8 + hl;
    dlen = (uint64_t)len - 8 - hl;
    j.p = b + 8;
    j.n = (size_t)hl;
    j.pos = 0;
    j.err = err;
    j.errlen = errlen;
    if (ckpt__jexpect(&j, '{')) return -1;
    ckpt__jws(&j);
    if (j.pos < j.n && j.p[j.pos] == '}') j.pos++;
    else for (;;) {
        char *key = NULL;
        size_t kl = 0;
        if (ckpt__jstring(&j, &key, &kl)) return -1;
        if (ckpt__jexpect(&j, ':')) { free(key); return -1; }
        if (strcmp(key, "__metadata__") == 0) {
            free(key);
            ckpt__jws(&j);
            if (j.pos < j.n && j.p[j.pos] != '{') {
                ckpt__seterr(err, errlen, "safetensors: __metadata__ is not an object (header offset %zu)", j.pos);
                return -1;
            }
            if (ckpt__jskip(&j, 1)) return -1;
        } else {
            ckpt_tensor *t;
            uint64_t beg = 0, end = 0, nbytes;
            void *np;
            if (kl != strlen(key)) {
                ckpt__seterr(err, errlen, "safetensors: tensor name contains a NUL byte");
                free(key);
                return -1;
            }
            np = ckpt__reserve(f->tensors, &cap, f->n_tensors + 1, sizeof(ckpt_tensor));
            if (!np) { free(key); ckpt__seterr(err, errlen, "out of memory"); return -1; }
            f->tensors = (ckpt_tensor *)np;
            t = &f->tensors[f->n_tensors++];
            memset(t, 0, sizeof *t);
            t->name = key;
            if (ckpt__jtensor(&j, t, &beg, &end)) return -1;
            t->numel = ckpt__numel(t->ndim, t->shape);
            ckpt__fmt_dims(sb, sizeof sb, t->ndim, t->shape);
            if (t->numel < 0 || (uint64_t)t->numel > UINT64_MAX / ckpt__esize(t->dtype)) {
                ckpt__seterr(err, errlen, "safetensors: tensor '%s' shape %s has too many elements", ckpt__q(qb, key, kl), sb);
                return -1;
            }
            nbytes = (uint64_t)t->numel * ckpt__esize(t->dtype);
            if (beg > end || end > dlen) {
                ckpt__seterr(err, errlen, "safetensors: tensor '%s' data_offsets [%llu,%llu] outside the data section of %llu bytes",
                             ckpt__q(qb, key, kl), (ckpt__ull)beg, (ckpt__ull)end, (ckpt__ull)dlen);
                return -1;
            }
            if (end - beg != nbytes) {
                ckpt__seterr(err, errlen, "safetensors: tensor '%s' %s shape %s needs %llu bytes but data_offsets [%llu,%llu] span %llu bytes",
                             ckpt__q(qb, key, kl), ckpt_dtype_name(t->dtype), sb, (ckpt__ull)nbytes, (ckpt__ull)beg, (ckpt__ull)end, (ckpt__ull)(end - beg));
                return -1;
            }
            t->storage = data + beg;
            t->storage_nbytes = nbytes;
            t->offset = 0;
            if (t->ndim > 0) {
                int k;
                t->stride[t->ndim - 1] = 1;
                for (k = t->ndim - 2; k >= 0; k--)
                    t->stride[k] = t->stride[k + 1] * (t->shape[k + 1] ? t->shape[k + 1] : 1);
            }
        }
        ckpt__jws(&j);
        if (j.pos >= j.n) return ckpt__jeof(&j);
        if (j.p[j.pos] == ',') { j.pos++; continue; }
        if (ckpt__jexpect(&j, '}')) return -1;
        break;
    }
    ckpt__jws(&j);
    if (j.pos != j.n) {
        ckpt__seterr(err, errlen, "safetensors: unexpected data after the header object at header offset %zu", j.pos);
        return -1;
    }
    return ckpt__st_overlap(f, data, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* open                                                                     */

/* Takes ownership of buf (malloc'd, or mapped from fd when fd >= 0), frees
   everything on failure. */
static int ckpt__open_owned(ckpt_file *f, uint8_t *buf, size_t len, int fd, int format, char *err, size_t errlen)
{
    ckpt__priv *pv;
    int rc;
    memset(f, 0, sizeof *f);
    pv = (ckpt__priv *)calloc(1, sizeof *pv);
    if (!pv) {
#ifdef CKPT__HAVE_MMAP
        if (fd >= 0) { munmap(buf, len); close(fd); }
        else
#endif
        free(buf);
        ckpt__seterr(err, errlen, "out of memory");
        return -1;
    }
    pv->buf = buf;
    pv->len = len;
    pv->fd = fd;
    f->priv = pv;
    if (format == 0) {
        if (len >= 4 && buf[0] == 'P' && buf[1] == 'K' && ((buf[2] == 3 && buf[3] == 4) || (buf[2] == 5 && buf[3] == 6)))
            format = 1;
        else if (len >= 9 && buf[8] == '{' && ckpt__u64(buf) <= (uint64_t)len - 8)
            format = 2; /* before the pickle check: a header length such as 0x480 starts with 0x80 0x04 */
        else if (len >= 2 && buf[0] == 0x80 && buf[1] <= 5) {
            ckpt__seterr(err, errlen, "legacy (non-zip) torch.save format is not supported; re-save with torch >= 1.6 or convert to safetensors");
            goto fail;
        } else if (len >= 9 && ckpt__u64(buf) <= (uint64_t)len - 8) {
            size_t i = 8;
            while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) i++;
            if (i >= len || buf[i] != '{') goto unknown;
            format = 2;
        } else if (len >= 9 && buf[8] == '{')
            format = 2; /* safetensors with a bad header length: let the parser say so */
        else {
        unknown:
            ckpt__seterr(err, errlen, "unrecognized file format (%zu bytes): neither a zip archive (torch.save) nor safetensors", len);
            goto fail;
        }
    }
    if (format == 1) rc = ckpt__load_torch(f, buf, len, err, errlen);
    else if (format == 2) rc = ckpt__load_st(f, buf, len, err, errlen);
    else {
        ckpt__seterr(err, errlen, "invalid format %d (0 = auto, 1 = torch zip, 2 = safetensors)", format);
        goto fail;
    }
    if (rc) goto fail;
    if (ckpt__index(f, format == 1 ? "torch" : "safetensors", err, errlen)) goto fail;
    if (err && errlen) err[0] = 0;
    return 0;
fail:
    ckpt__free_file(f);
    return -1;
}

CKPTDEF int ckpt_open_memory(ckpt_file *f, const void *data, size_t len, int format, char *err, size_t errlen)
{
    uint8_t *buf;
    if (!f) { ckpt__seterr(err, errlen, "ckpt_open_memory: NULL file"); return -1; }
    memset(f, 0, sizeof *f);
    if (!data && len) { ckpt__seterr(err, errlen, "ckpt_open_memory: NULL data"); return -1; }
    buf = (uint8_t *)malloc(len ? len : 1);
    if (!buf) { ckpt__seterr(err, errlen, "out of memory (%zu bytes)", len); return -1; }
    if (len) memcpy(buf, data, len);
    return ckpt__open_owned(f, buf, len, -1, format, err, errlen);
}

CKPTDEF int ckpt_open(ckpt_file *f, const char *path, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t len = 0;
    if (!f) { ckpt__seterr(err, errlen, "ckpt_open: NULL file"); return -1; }
    memset(f, 0, sizeof *f);
    if (!path) { ckpt__seterr(err, errlen, "ckpt_open: NULL path"); return -1; }
#ifdef CKPT__HAVE_MMAP
    {
        /* a regular file is mapped, not read: its pages are only resident
           while a tensor is read (see ckpt_release); O_NONBLOCK: a FIFO must
           not block the open (it is refused below) */
        struct stat st;
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uint64_t)st.st_size <= (uint64_t)((size_t)-1 / 2)) {
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p != MAP_FAILED) return ckpt__open_owned(f, (uint8_t *)p, (size_t)st.st_size, fd, 0, err, errlen);
        }
        if (fd >= 0) close(fd);
    }
#endif
    /* otherwise read: a regular file only (a FIFO or device is refused without
       blocking), at most UTIL_LIMIT_CHECKPOINT bytes */
    buf = (uint8_t *)util_read_input(path, UTIL_LIMIT_CHECKPOINT, "checkpoint", 0, &len, err, errlen);
    if (!buf) return -1;
    return ckpt__open_owned(f, buf, len, -1, 0, err, errlen);
}

CKPTDEF void ckpt_release(ckpt_file *f)
{
#ifdef CKPT__HAVE_MMAP
    ckpt__priv *pv = f ? (ckpt__priv *)f->priv : NULL;
    /* mapping the file again at the same address discards the pages read so
       far from this process (the page cache keeps them); pointers stay valid */
    if (pv && pv->fd >= 0)
        (void)mmap(pv->buf, pv->len, PROT_READ, MAP_PRIVATE | MAP_FIXED, pv->fd, 0);
#else
    (void)f;
#endif
}

/* ------------------------------------------------------------------------ */
/* element conversion                                                       */

static uint32_t ckpt__h2f(uint32_t h)
{
    uint32_t s = (h & 0x8000u) << 16, e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
    if (e == 0) {
        if (m == 0) return s;
        e = 113;
        while (!(m & 0x400u)) { m <<= 1; e--; }
        return s | (e << 23) | ((m & 0x3FFu) << 13);
    }
    if (e == 31) return s | 0x7F800000u | (m << 13);
    return s | ((e + 112) << 23) | (m << 13);
}

static uint32_t ckpt__f2bf(uint32_t b)
{
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return (b >> 16) | 0x40u; /* quiet NaN, sign kept */
    return (b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;
}

static void ckpt__convert_row(const uint8_t *src, int64_t sstride_el, int64_t n, ckpt_dtype st,
                              uint8_t *out, ckpt_dtype dt)
{
    size_t ses = ckpt__esize(st), des = ckpt__esize(dt);
    int64_t i;
    if (st == dt) {
        if (sstride_el == 1) { memcpy(out, src, (size_t)n * ses); return; }
        for (i = 0; i < n; i++) memcpy(out + (size_t)i * des, src + (size_t)(i * sstride_el) * ses, ses);
        return;
    }
    for (i = 0; i < n; i++) {
        const uint8_t *p = src + (size_t)(i * sstride_el) * ses;
        uint32_t bits;
        if (st == CKPT_F32) bits = ckpt__u32(p);
        else if (st == CKPT_BF16) bits = (uint32_t)ckpt__u16(p) << 16;
        else bits = ckpt__h2f(ckpt__u16(p));
        if (dt == CKPT_F32) {
            out[0] = (uint8_t)bits; out[1] = (uint8_t)(bits >> 8);
            out[2] = (uint8_t)(bits >> 16); out[3] = (uint8_t)(bits >> 24);
            out += 4;
        } else {
            uint32_t h = ckpt__f2bf(bits);
            out[0] = (uint8_t)h; out[1] = (uint8_t)(h >> 8);
            out += 2;
        }
    }
}

CKPTDEF int ckpt_read(const ckpt_tensor *t, void *dst, ckpt_dtype dst_type, char *err, size_t errlen)
{
    size_t ses, des;
    int64_t numel, inner, istride, outer, o, idx[CKPT_MAX_DIMS];
    int nd, k;
    uint8_t *out = (uint8_t *)dst;
    const char *nm;
    if (!t) { ckpt__seterr(err, errlen, "ckpt_read: NULL tensor"); return -1; }
    nm = t->name ? t->name : "?";
    ses = ckpt__esize(t->dtype);
    if (!ses) { ckpt__seterr(err, errlen, "ckpt_read: tensor '%s' has invalid dtype %d", nm, (int)t->dtype); return -1; }
    des = ckpt__esize(dst_type);
    if (t->dtype == CKPT_I64 || t->dtype == CKPT_I32 || t->dtype == CKPT_I8 ||
        !(dst_type == CKPT_F32 || dst_type == CKPT_BF16 || (dst_type == CKPT_F16 && t->dtype == CKPT_F16))) {
        ckpt__seterr(err, errlen, "ckpt_read: tensor '%s': conversion %s -> %s is not supported", nm, ckpt_dtype_name(t->dtype), ckpt_dtype_name(dst_type));
        return -1;
    }
    if (t->ndim < 0 || t->ndim > CKPT_MAX_DIMS) { ckpt__seterr(err, errlen, "ckpt_read: tensor '%s' has invalid ndim %d", nm, t->ndim); return -1; }
    nd = t->ndim;
    numel = ckpt__numel(nd, t->shape);
    if (numel < 0 || numel != t->numel) { ckpt__seterr(err, errlen, "ckpt_read: tensor '%s' numel does not match its shape", nm); return -1; }
    if (numel == 0) return 0;
    {
        int64_t mx = ckpt__max_index(t->offset, nd, t->shape, t->stride);
        if (!t->storage || mx < 0 || (uint64_t)mx >= t->storage_nbytes / ses) {
            ckpt__seterr(err, errlen, "ckpt_read: tensor '%s' view reaches past its storage of %llu bytes", nm, (ckpt__ull)t->storage_nbytes);
            return -1;
        }
    }
    if (!dst) { ckpt__seterr(err, errlen, "ckpt_read: NULL destination"); return -1; }
    if (nd == 0) {
        ckpt__convert_row(t->storage + (size_t)t->offset * ses, 1, 1, t->dtype, out, dst_type);
        return 0;
    }
    inner = t->shape[nd - 1];
    istride = t->stride[nd - 1];
    outer = numel / inner;
    for (k = 0; k < nd; k++) idx[k] = 0;
    for (o = 0; o < outer; o++) {
        int64_t base = t->offset;
        for (k = 0; k < nd - 1; k++) base += idx[k] * t->stride[k];
        ckpt__convert_row(t->storage + (size_t)base * ses, istride, inner, t->dtype, out, dst_type);
        out += (size_t)inner * des;
        for (k = nd - 2; k >= 0; k--) {
            if (++idx[k] < t->shape[k]) break;
            idx[k] = 0;
        }
    }
    return 0;
}

CKPTDEF int ckpt_read_rows(const ckpt_tensor *t, int64_t row0, int64_t nrows, void *dst, ckpt_dtype dst_type,
                           char *err, size_t errlen)
{
    ckpt_tensor v;
    if (!t) { ckpt__seterr(err, errlen, "ckpt_read_rows: NULL tensor"); return -1; }
    if (t->ndim == 0) {
        if (row0 != 0 || nrows != 1) { ckpt__seterr(err, errlen, "ckpt_read_rows: a scalar has one row"); return -1; }
        return ckpt_read(t, dst, dst_type, err, errlen);
    }
    if (t->ndim < 0 || t->ndim > CKPT_MAX_DIMS || row0 < 0 || nrows < 0 || row0 > t->shape[0] || nrows > t->shape[0] - row0) {
        ckpt__seterr(err, errlen, "ckpt_read_rows: rows [%lld, +%lld) outside tensor '%s'", (ckpt__ll)row0, (ckpt__ll)nrows, t->name ? t->name : "?");
        return -1;
    }
    v = *t;
    v.shape[0] = nrows;
    v.numel = ckpt__numel(v.ndim, v.shape);
    if (nrows == 0) return 0;
    if (row0 && t->stride[0] && row0 > (INT64_MAX - t->offset) / t->stride[0]) {
        ckpt__seterr(err, errlen, "ckpt_read_rows: offset overflows");
        return -1;
    }
    v.offset = t->offset + row0 * t->stride[0];
    return ckpt_read(&v, dst, dst_type, err, errlen);
}

#endif /* CKPT__IMPLEMENTED */
#endif /* CKPT_IMPLEMENTATION */
