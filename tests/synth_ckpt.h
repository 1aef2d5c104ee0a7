/* Synthetic checkpoint writers shared by tests/test_ckpt.c and the fuzzing
   seed maker (tests/fuzz/mkseeds.c): a growing byte buffer, a stored zip
   (optionally zip64), a pickle writer in protocol-2 or protocol-4 style, and
   the standard synthetic torch checkpoint built from them.
   MIT License, see LICENSE. */
#ifndef SYNTH_CKPT_H
#define SYNTH_CKPT_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define SYNTH_FN static __attribute__((unused))
#else
#define SYNTH_FN static
#endif

typedef struct { uint8_t *p; size_t n, cap; } buf_t;

SYNTH_FN void bput(buf_t *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->n + n) nc *= 2;
        b->p = (uint8_t *)realloc(b->p, nc);
        if (!b->p) { fprintf(stderr, "out of memory\n"); exit(2); }
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}
SYNTH_FN void bu8(buf_t *b, unsigned v) { uint8_t c = (uint8_t)v; bput(b, &c, 1); }
SYNTH_FN void bu16(buf_t *b, unsigned v) { bu8(b, v & 0xff); bu8(b, (v >> 8) & 0xff); }
SYNTH_FN void bu32(buf_t *b, uint32_t v) { bu16(b, v & 0xffff); bu16(b, v >> 16); }
SYNTH_FN void bu64(buf_t *b, uint64_t v) { bu32(b, (uint32_t)v); bu32(b, (uint32_t)(v >> 32)); }
SYNTH_FN void bstr(buf_t *b, const char *s) { bput(b, s, strlen(s)); }
SYNTH_FN void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
SYNTH_FN uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
SYNTH_FN unsigned rd16(const uint8_t *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }

typedef struct { const char *name; const uint8_t *data; size_t len; } zin_t;
typedef struct { size_t lh[64], cde[64], cd, eocd, z64, loc; } zinfo_t;   /* make_zip: at most 64 entries */

/* stored zip; zip64 != 0: 0xFFFFFFFF markers + zip64 extra fields + zip64 EOCD */
SYNTH_FN buf_t make_zip(const zin_t *e, int n, int zip64, zinfo_t *info) {
    buf_t b = { NULL, 0, 0 };
    zinfo_t zi;
    int i;
    size_t cdsize;
    memset(&zi, 0, sizeof zi);
    for (i = 0; i < n; i++) {
        zi.lh[i] = b.n;
        bu32(&b, 0x04034b50); bu16(&b, 20); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0);
        bu32(&b, 0); bu32(&b, (uint32_t)e[i].len); bu32(&b, (uint32_t)e[i].len);
        bu16(&b, (unsigned)strlen(e[i].name)); bu16(&b, 3);
        bstr(&b, e[i].name);
        bstr(&b, "XYZ"); /* junk local extra field that must be skipped */
        bput(&b, e[i].data, e[i].len);
    }
    zi.cd = b.n;
    for (i = 0; i < n; i++) {
        zi.cde[i] = b.n;
        bu32(&b, 0x02014b50); bu16(&b, 20); bu16(&b, zip64 ? 45 : 20); bu16(&b, 0); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, 0);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        bu16(&b, (unsigned)strlen(e[i].name)); bu16(&b, zip64 ? 28 : 0); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, 0);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)zi.lh[i]);
        bstr(&b, e[i].name);
        if (zip64) { bu16(&b, 1); bu16(&b, 24); bu64(&b, e[i].len); bu64(&b, e[i].len); bu64(&b, zi.lh[i]); }
    }
    cdsize = b.n - zi.cd;
    if (zip64) {
        zi.z64 = b.n;
        bu32(&b, 0x06064b50); bu64(&b, 44); bu16(&b, 45); bu16(&b, 45); bu32(&b, 0); bu32(&b, 0);
        bu64(&b, (uint64_t)n); bu64(&b, (uint64_t)n); bu64(&b, cdsize); bu64(&b, zi.cd);
        zi.loc = b.n;
        bu32(&b, 0x07064b50); bu32(&b, 0); bu64(&b, zi.z64); bu32(&b, 1);
    }
    zi.eocd = b.n;
    bu32(&b, 0x06054b50); bu16(&b, 0); bu16(&b, 0);
    bu16(&b, zip64 ? 0xFFFF : (unsigned)n); bu16(&b, zip64 ? 0xFFFF : (unsigned)n);
    bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cdsize); bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)zi.cd);
    bu16(&b, 0);
    if (info) *info = zi;
    return b;
}

/* pickle writer; p4 selects protocol-4 style opcodes (FRAME, SHORT_BINUNICODE,
   STACK_GLOBAL, MEMOIZE) instead of protocol-2 ones */
static int g_p4;
SYNTH_FN void pk_str(buf_t *b, const char *s) {
    size_t n = strlen(s);
    if (g_p4 && n < 256) { bu8(b, 0x8c); bu8(b, (unsigned)n); }
    else { bu8(b, 'X'); bu32(b, (uint32_t)n); }
    bput(b, s, n);
    if (g_p4) bu8(b, 0x94);
}
SYNTH_FN void pk_global(buf_t *b, const char *mod, const char *name) {
    if (g_p4) { pk_str(b, mod); pk_str(b, name); bu8(b, 0x93); bu8(b, 0x94); return; }
    bu8(b, 'c'); bstr(b, mod); bu8(b, '\n'); bstr(b, name); bu8(b, '\n');
}
SYNTH_FN void pk_int(buf_t *b, int64_t v) {
    if (v >= 0 && v < 256) { bu8(b, 'K'); bu8(b, (unsigned)v); }
    else if (v >= 0 && v < 65536) { bu8(b, 'M'); bu16(b, (unsigned)v); }
    else if (v >= INT32_MIN && v <= INT32_MAX) { bu8(b, 'J'); bu32(b, (uint32_t)(int32_t)v); }
    else { int k; bu8(b, 0x8a); bu8(b, 8); for (k = 0; k < 8; k++) bu8(b, (unsigned)((uint64_t)v >> (8 * k)) & 0xff); }
}
SYNTH_FN void pk_tensor(buf_t *b, const char *stype, const char *key, int64_t numel, int64_t off,
                      int nd, const int64_t *shape, const int64_t *stride, int as_param) {
    int k;
    if (as_param) pk_global(b, "torch._utils", "_rebuild_parameter");
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    bu8(b, '(');
    bu8(b, '(');
    pk_str(b, "storage");
    pk_global(b, "torch", stype);
    pk_str(b, key);
    pk_str(b, "cpu");
    pk_int(b, numel);
    bu8(b, 't');
    bu8(b, 'Q');
    pk_int(b, off);
    bu8(b, '(');
    for (k = 0; k < nd; k++) pk_int(b, shape[k]);
    bu8(b, 't');
    bu8(b, '(');
    for (k = 0; k < nd; k++) pk_int(b, stride[k]);
    bu8(b, 't');
    bu8(b, 0x89);
    pk_global(b, "collections", "OrderedDict");
    bu8(b, ')');
    bu8(b, 'R');
    bu8(b, 't');
    bu8(b, 'R');
    if (as_param) { bu8(b, 0x89); bu8(b, ')'); bu8(b, 0x87); bu8(b, 'R'); }
}

static uint8_t g_st0[48], g_st1[8], g_st2[2];

SYNTH_FN void init_storages(void) {
    static const uint16_t h[4] = { 0x3C00, 0xC000, 0x0001, 0x7C00 };
    int i;
    for (i = 0; i < 12; i++) {
        float v = (float)i;
        uint32_t b;
        memcpy(&b, &v, 4);
        wr32(g_st0 + 4 * i, b);
    }
    for (i = 0; i < 4; i++) { g_st1[2 * i] = (uint8_t)h[i]; g_st1[2 * i + 1] = (uint8_t)(h[i] >> 8); }
    g_st2[0] = 0xC0; g_st2[1] = 0x3F; /* bf16 1.5 */
}

/* the standard synthetic pickle: tensors a (3x4), b (transposed view), c (offset/stride),
   e (broadcast), h (F16), s (BF16 scalar); odict: OrderedDict + BUILD(_metadata) */
SYNTH_FN buf_t make_pickle(int p4, int odict) {
    buf_t b = { NULL, 0, 0 };
    static const int64_t sa[2] = { 3, 4 }, ta[2] = { 4, 1 }, sb[2] = { 4, 3 }, tb[2] = { 1, 4 },
                         sc[1] = { 2 }, tc[1] = { 3 }, se[2] = { 2, 3 }, te[2] = { 0, 1 }, sh[1] = { 4 }, th[1] = { 1 };
    g_p4 = p4;
    bu8(&b, 0x80); bu8(&b, p4 ? 4 : 2);
    if (p4) { bu8(&b, 0x95); bu64(&b, 0); }
    if (odict) { pk_global(&b, "collections", "OrderedDict"); bu8(&b, ')'); bu8(&b, 'R'); }
    else bu8(&b, '}');
    if (!p4) { bu8(&b, 'q'); bu8(&b, 0); }
    bu8(&b, '(');
    pk_str(&b, "a"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 2, sa, ta, 0);
    pk_str(&b, "b"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 2, sb, tb, 1);
    pk_str(&b, "c"); pk_tensor(&b, "FloatStorage", "0", 12, 5, 1, sc, tc, 0);
    pk_str(&b, "e"); pk_tensor(&b, "FloatStorage", "0", 12, 2, 2, se, te, 0);
    pk_str(&b, "h"); pk_tensor(&b, "HalfStorage", "1", 4, 0, 1, sh, th, 0);
    pk_str(&b, "s"); pk_tensor(&b, "BFloat16Storage", "2", 1, 0, 0, NULL, NULL, 0);
    bu8(&b, 'u');
    if (odict) {
        /* state: {'_metadata': OrderedDict({'': {'version': 1}})} like state_dict() */
        bu8(&b, '}');
        pk_str(&b, "_metadata");
        pk_global(&b, "collections", "OrderedDict"); bu8(&b, ')'); bu8(&b, 'R');
        pk_str(&b, ""); bu8(&b, '}'); pk_str(&b, "version"); pk_int(&b, 1); bu8(&b, 's'); bu8(&b, 's');
        bu8(&b, 's');
        bu8(&b, 'b');
    }
    bu8(&b, '.');
    return b;
}

SYNTH_FN buf_t make_torch(const uint8_t *pkl, size_t plen, int zip64, zinfo_t *info) {
    zin_t e[6];
    e[0].name = "arch/data.pkl"; e[0].data = pkl; e[0].len = plen;
    e[1].name = "arch/byteorder"; e[1].data = (const uint8_t *)"little"; e[1].len = 6;
    e[2].name = "arch/data/0"; e[2].data = g_st0; e[2].len = sizeof g_st0;
    e[3].name = "arch/data/1"; e[3].data = g_st1; e[3].len = sizeof g_st1;
    e[4].name = "arch/data/2"; e[4].data = g_st2; e[4].len = sizeof g_st2;
    e[5].name = "arch/version"; e[5].data = (const uint8_t *)"3\n"; e[5].len = 2;
    return make_zip(e, 6, zip64, info);
}

/* A streaming torch.save() zip writer, for checkpoints too large to build in
   memory (tests/mkckpt.c writes release-shaped ones): STORED entries, zip64
   throughout, CRC-32 patched into each local header after its data. Usage:
   tzw_open; per storage tzw_begin / tzw_data... / tzw_end; tzw_close with the
   pickle (data.pkl). */
typedef struct {
    FILE *f;
    char prefix[64];
    struct { char name[160]; uint64_t off, size; uint32_t crc; } *e;
    size_t n, cap;
    uint64_t pos, cur_size;
    uint32_t crc;
} tzw_t;

SYNTH_FN uint32_t tzw_crc32(uint32_t crc, const uint8_t *p, size_t n) {
    static uint32_t table[256];
    static int init;
    size_t i;
    if (!init) {
        uint32_t k, c;
        int j;
        for (k = 0; k < 256; k++) { c = k; for (j = 0; j < 8; j++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1; table[k] = c; }
        init = 1;
    }
    crc = ~crc;
    for (i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

SYNTH_FN int tzw_put(tzw_t *w, const void *p, size_t n) {
    if (n && fwrite(p, 1, n, w->f) != n) return -1;
    w->pos += n;
    return 0;
}

SYNTH_FN int tzw_open(tzw_t *w, const char *path, const char *prefix) {
    memset(w, 0, sizeof *w);
    w->f = fopen(path, "wb");
    snprintf(w->prefix, sizeof w->prefix, "%s", prefix);
    return w->f ? 0 : -1;
}

/* an entry of `size` bytes named PREFIX/name; the data follows with tzw_data */
SYNTH_FN int tzw_begin(tzw_t *w, const char *name, uint64_t size) {
    buf_t b = { NULL, 0, 0 };
    char full[160];
    int rc;
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->e = realloc(w->e, w->cap * sizeof *w->e);
        if (!w->e) return -1;
    }
    snprintf(full, sizeof full, "%s/%s", w->prefix, name);
    snprintf(w->e[w->n].name, sizeof w->e[w->n].name, "%s", full);
    w->e[w->n].off = w->pos;
    w->e[w->n].size = size;
    /* pad the data to a 64-byte boundary with the extra field, as torch does */
    {
        uint64_t data_at = w->pos + 30 + strlen(full) + 20 + 4;
        unsigned pad = (unsigned)((64 - data_at % 64) % 64);
        bu32(&b, 0x04034b50); bu16(&b, 45); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0);
        bu32(&b, 0); bu32(&b, 0xFFFFFFFFu); bu32(&b, 0xFFFFFFFFu);
        bu16(&b, (unsigned)strlen(full)); bu16(&b, 20 + 4 + pad);
        bstr(&b, full);
        bu16(&b, 1); bu16(&b, 16); bu64(&b, size); bu64(&b, size);
        bu16(&b, 0xcafe); bu16(&b, pad);
        while (pad--) bu8(&b, 'Z');
    }
    rc = tzw_put(w, b.p, b.n);
    free(b.p);
    w->crc = 0;
    w->cur_size = 0;
    return rc;
}

SYNTH_FN int tzw_data(tzw_t *w, const void *p, size_t n) {
    w->crc = tzw_crc32(w->crc, (const uint8_t *)p, n);
    w->cur_size += n;
    return tzw_put(w, p, n);
}

SYNTH_FN int tzw_end(tzw_t *w) {
    uint8_t c[4];
    long long here = (long long)w->pos;
    if (w->cur_size != w->e[w->n].size) return -1;
    w->e[w->n].crc = w->crc;
    wr32(c, w->crc);
    if (fseek(w->f, (long)(w->e[w->n].off + 14), SEEK_SET) || fwrite(c, 1, 4, w->f) != 4 || fseek(w->f, (long)here, SEEK_SET)) return -1;
    w->n++;
    return 0;
}

SYNTH_FN int tzw_entry(tzw_t *w, const char *name, const void *p, size_t n) {
    return tzw_begin(w, name, n) || tzw_data(w, p, n) || tzw_end(w) ? -1 : 0;
}

/* writes data.pkl, version, byteorder and the central directory; closes */
SYNTH_FN int tzw_close(tzw_t *w, const uint8_t *pkl, size_t plen) {
    buf_t b = { NULL, 0, 0 };
    uint64_t cd, cdsize, z64;
    size_t i;
    int rc;
    if (tzw_entry(w, "data.pkl", pkl, plen) || tzw_entry(w, "byteorder", "little", 6) || tzw_entry(w, "version", "3\n", 2)) { fclose(w->f); return -1; }
    cd = w->pos;
    for (i = 0; i < w->n; i++) {
        bu32(&b, 0x02014b50); bu16(&b, 45); bu16(&b, 45); bu16(&b, 0); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, w->e[i].crc);
        bu32(&b, 0xFFFFFFFFu); bu32(&b, 0xFFFFFFFFu);
        bu16(&b, (unsigned)strlen(w->e[i].name)); bu16(&b, 28); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, 0); bu32(&b, 0xFFFFFFFFu);
        bstr(&b, w->e[i].name);
        bu16(&b, 1); bu16(&b, 24); bu64(&b, w->e[i].size); bu64(&b, w->e[i].size); bu64(&b, w->e[i].off);
    }
    cdsize = b.n;
    z64 = cd + b.n;
    bu32(&b, 0x06064b50); bu64(&b, 44); bu16(&b, 45); bu16(&b, 45); bu32(&b, 0); bu32(&b, 0);
    bu64(&b, (uint64_t)w->n); bu64(&b, (uint64_t)w->n); bu64(&b, cdsize); bu64(&b, cd);
    bu32(&b, 0x07064b50); bu32(&b, 0); bu64(&b, z64); bu32(&b, 1);
    bu32(&b, 0x06054b50); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0xFFFF); bu16(&b, 0xFFFF);
    bu32(&b, 0xFFFFFFFFu); bu32(&b, 0xFFFFFFFFu); bu16(&b, 0);
    rc = tzw_put(w, b.p, b.n);
    free(b.p);
    free(w->e);
    if (fclose(w->f)) rc = -1;
    return rc;
}

#endif
