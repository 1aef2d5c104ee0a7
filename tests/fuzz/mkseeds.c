/* mkseeds: writes small seed inputs for the fuzz harnesses (see seeds.sh).
   usage: mkseeds OUT_DIR FIXTURES_DIR
   Writes OUT_DIR/zip_pickle/ (synthetic torch zips in every pickle style the
   reader knows, and each fixture's real data.pkl with shortened storages),
   OUT_DIR/safetensors/ (a synthetic file and each fixture's real header with
   shortened data), and a tiny byte-level BPE vocabulary in both file forms:
   OUT_DIR/tiny_tokenizer.json, OUT_DIR/tiny_vocab.json, OUT_DIR/tiny_merges.txt.
   MIT License, see LICENSE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint8_t *p; size_t n, cap; } buf_t;
static void bput(buf_t *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->n + n) nc *= 2;
        b->p = (uint8_t *)realloc(b->p, nc);
        if (!b->p) { fprintf(stderr, "mkseeds: out of memory\n"); exit(2); }
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void bu8(buf_t *b, unsigned v) { uint8_t c = (uint8_t)v; bput(b, &c, 1); }
static void bu16(buf_t *b, unsigned v) { bu8(b, v & 0xff); bu8(b, (v >> 8) & 0xff); }
static void bu32(buf_t *b, uint32_t v) { bu16(b, v & 0xffff); bu16(b, v >> 16); }
static void bu64(buf_t *b, uint64_t v) { bu32(b, (uint32_t)v); bu32(b, (uint32_t)(v >> 32)); }
static void bstr(buf_t *b, const char *s) { bput(b, s, strlen(s)); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static unsigned rd16(const uint8_t *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }

static const char *g_out;
static void save(const char *sub, const char *name, const void *d, size_t n) {
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s%s%s", g_out, sub, *sub ? "/" : "", name);
    f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f)) { fprintf(stderr, "mkseeds: cannot write %s\n", path); exit(2); }
}
static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); n = ftell(f); fseek(f, 0, SEEK_SET);
    b = (uint8_t *)malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(b); return NULL; }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ---- zip (stored entries; zip64 optional) ---- */
typedef struct { char name[256]; const uint8_t *data; size_t len; } zin_t;
static buf_t make_zip(const zin_t *e, int n, int zip64) {
    buf_t b = { NULL, 0, 0 };
    size_t lh[64], cd, cdsize;
    int i;
    for (i = 0; i < n; i++) {
        lh[i] = b.n;
        bu32(&b, 0x04034b50); bu16(&b, 20); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0); bu16(&b, 0);
        bu32(&b, 0); bu32(&b, (uint32_t)e[i].len); bu32(&b, (uint32_t)e[i].len);
        bu16(&b, (unsigned)strlen(e[i].name)); bu16(&b, 0);
        bstr(&b, e[i].name);
        bput(&b, e[i].data, e[i].len);
    }
    cd = b.n;
    for (i = 0; i < n; i++) {
        bu32(&b, 0x02014b50); bu16(&b, 20); bu16(&b, zip64 ? 45 : 20); bu16(&b, 0); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, 0);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        bu16(&b, (unsigned)strlen(e[i].name)); bu16(&b, zip64 ? 28 : 0); bu16(&b, 0);
        bu16(&b, 0); bu16(&b, 0); bu32(&b, 0);
        bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)lh[i]);
        bstr(&b, e[i].name);
        if (zip64) { bu16(&b, 1); bu16(&b, 24); bu64(&b, e[i].len); bu64(&b, e[i].len); bu64(&b, lh[i]); }
    }
    cdsize = b.n - cd;
    if (zip64) {
        size_t z64 = b.n;
        bu32(&b, 0x06064b50); bu64(&b, 44); bu16(&b, 45); bu16(&b, 45); bu32(&b, 0); bu32(&b, 0);
        bu64(&b, (uint64_t)n); bu64(&b, (uint64_t)n); bu64(&b, cdsize); bu64(&b, cd);
        bu32(&b, 0x07064b50); bu32(&b, 0); bu64(&b, z64); bu32(&b, 1);
    }
    bu32(&b, 0x06054b50); bu16(&b, 0); bu16(&b, 0);
    bu16(&b, zip64 ? 0xFFFF : (unsigned)n); bu16(&b, zip64 ? 0xFFFF : (unsigned)n);
    bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cdsize); bu32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cd);
    bu16(&b, 0);
    return b;
}

/* ---- pickle (protocol 2 or 4 style) ---- */
static int g_p4;
static void pk_str(buf_t *b, const char *s) {
    size_t n = strlen(s);
    if (g_p4 && n < 256) { bu8(b, 0x8c); bu8(b, (unsigned)n); }
    else { bu8(b, 'X'); bu32(b, (uint32_t)n); }
    bput(b, s, n);
    if (g_p4) bu8(b, 0x94);
}
static void pk_global(buf_t *b, const char *mod, const char *name) {
    if (g_p4) { pk_str(b, mod); pk_str(b, name); bu8(b, 0x93); bu8(b, 0x94); return; }
    bu8(b, 'c'); bstr(b, mod); bu8(b, '\n'); bstr(b, name); bu8(b, '\n');
}
static void pk_int(buf_t *b, int64_t v) {
    if (v >= 0 && v < 256) { bu8(b, 'K'); bu8(b, (unsigned)v); }
    else if (v >= 0 && v < 65536) { bu8(b, 'M'); bu16(b, (unsigned)v); }
    else { bu8(b, 'J'); bu32(b, (uint32_t)(int32_t)v); }
}
static void pk_tensor(buf_t *b, const char *stype, const char *key, int64_t numel, int64_t off,
                      int nd, const int64_t *shape, const int64_t *stride, int as_param) {
    int k;
    if (as_param) pk_global(b, "torch._utils", "_rebuild_parameter");
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    bu8(b, '('); bu8(b, '(');
    pk_str(b, "storage"); pk_global(b, "torch", stype); pk_str(b, key); pk_str(b, "cpu"); pk_int(b, numel);
    bu8(b, 't'); bu8(b, 'Q');
    pk_int(b, off);
    bu8(b, '('); for (k = 0; k < nd; k++) pk_int(b, shape[k]); bu8(b, 't');
    bu8(b, '('); for (k = 0; k < nd; k++) pk_int(b, stride[k]); bu8(b, 't');
    bu8(b, 0x89);
    pk_global(b, "collections", "OrderedDict"); bu8(b, ')'); bu8(b, 'R');
    bu8(b, 't'); bu8(b, 'R');
    if (as_param) { bu8(b, 0x89); bu8(b, ')'); bu8(b, 0x87); bu8(b, 'R'); }
}
static buf_t make_pickle(int p4, int odict) {
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
    pk_str(&b, "module.b"); pk_tensor(&b, "FloatStorage", "0", 12, 0, 2, sb, tb, 1);
    pk_str(&b, "c"); pk_tensor(&b, "FloatStorage", "0", 12, 5, 1, sc, tc, 0);
    pk_str(&b, "e"); pk_tensor(&b, "FloatStorage", "0", 12, 2, 2, se, te, 0);
    pk_str(&b, "h"); pk_tensor(&b, "HalfStorage", "1", 4, 0, 1, sh, th, 0);
    pk_str(&b, "s"); pk_tensor(&b, "BFloat16Storage", "2", 1, 0, 0, NULL, NULL, 0);
    bu8(&b, 'u');
    if (odict) {
        bu8(&b, '}');
        pk_str(&b, "_metadata");
        pk_global(&b, "collections", "OrderedDict"); bu8(&b, ')'); bu8(&b, 'R');
        pk_str(&b, ""); bu8(&b, '}'); pk_str(&b, "version"); pk_int(&b, 1); bu8(&b, 's'); bu8(&b, 's');
        bu8(&b, 's'); bu8(&b, 'b');
    }
    bu8(&b, '.');
    return b;
}

static void synthetic_torch(void) {
    static uint8_t st0[48], st1[8], st2[2] = { 0xC0, 0x3F };
    static const uint16_t h[4] = { 0x3C00, 0xC000, 0x0001, 0x7C00 };
    int i, p4, od, z;
    for (i = 0; i < 12; i++) { float v = (float)i; uint32_t u; memcpy(&u, &v, 4); st0[4 * i] = (uint8_t)u; st0[4 * i + 1] = (uint8_t)(u >> 8); st0[4 * i + 2] = (uint8_t)(u >> 16); st0[4 * i + 3] = (uint8_t)(u >> 24); }
    for (i = 0; i < 4; i++) { st1[2 * i] = (uint8_t)h[i]; st1[2 * i + 1] = (uint8_t)(h[i] >> 8); }
    for (p4 = 0; p4 < 2; p4++) for (od = 0; od < 2; od++) for (z = 0; z < 2; z++) {
        buf_t pk = make_pickle(p4, od), zb;
        zin_t e[6];
        char name[64];
        strcpy(e[0].name, "arch/data.pkl"); e[0].data = pk.p; e[0].len = pk.n;
        strcpy(e[1].name, "arch/byteorder"); e[1].data = (const uint8_t *)"little"; e[1].len = 6;
        strcpy(e[2].name, "arch/data/0"); e[2].data = st0; e[2].len = sizeof st0;
        strcpy(e[3].name, "arch/data/1"); e[3].data = st1; e[3].len = sizeof st1;
        strcpy(e[4].name, "arch/data/2"); e[4].data = st2; e[4].len = sizeof st2;
        strcpy(e[5].name, "arch/version"); e[5].data = (const uint8_t *)"3\n"; e[5].len = 2;
        zb = make_zip(e, 6, z);
        snprintf(name, sizeof name, "synthetic_p%d_%s_%s.pt", p4 ? 4 : 2, od ? "odict" : "dict", z ? "zip64" : "zip");
        save("zip_pickle", name, zb.p, zb.n);
        free(pk.p); free(zb.p);
    }
}

/* a fixture's entries (found through the central directory), storages
   shortened to 64 bytes: the real pickle */
static void real_torch(const char *fx, const char *base) {
    char path[1024], name[300];
    size_t len, p, cd, eocd;
    uint8_t *b;
    zin_t e[64];
    int n = 0, k, cnt;
    buf_t zb;
    snprintf(path, sizeof path, "%s/%s.pt", fx, base);
    if (!(b = slurp(path, &len))) return;
    for (eocd = len >= 22 ? len - 22 : 0; eocd > 0 && rd32(b + eocd) != 0x06054b50; eocd--) {}
    if (rd32(b + eocd) != 0x06054b50) { free(b); return; }
    cnt = (int)rd16(b + eocd + 10);
    cd = rd32(b + eocd + 16);
    for (p = cd, k = 0; k < cnt && n < 64 && p + 46 <= len && rd32(b + p) == 0x02014b50; k++) {
        size_t sz = rd32(b + p + 20), nl = rd16(b + p + 28), xl = rd16(b + p + 30), cl = rd16(b + p + 32), lh = rd32(b + p + 42), d;
        if (nl >= sizeof e[n].name || lh + 30 > len) break;
        memcpy(e[n].name, b + p + 46, nl); e[n].name[nl] = 0;
        d = lh + 30 + rd16(b + lh + 26) + rd16(b + lh + 28);
        if (d + sz > len) break;
        e[n].data = b + d;
        e[n].len = strstr(e[n].name, "/data/") && sz > 64 ? 64 : sz;
        n++;
        p += 46 + nl + xl + cl;
    }
    if (n) {
        zb = make_zip(e, n, 0);
        snprintf(name, sizeof name, "real_%s.pt", base);
        save("zip_pickle", name, zb.p, zb.n);
        free(zb.p);
    }
    free(b);
}

static void synthetic_safetensors(void) {
    const char *hdr = "{\"__metadata__\":{\"format\":\"pt\"},"
                      "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                      "\"module.h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
                      "\"s\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[32,34]}}";
    buf_t b = { NULL, 0, 0 };
    int i;
    bu64(&b, strlen(hdr)); bstr(&b, hdr);
    for (i = 0; i < 6; i++) { float v = (float)i - 2.5f; bput(&b, &v, 4); }
    bu16(&b, 0x3C00); bu16(&b, 0xC000); bu16(&b, 0x0001); bu16(&b, 0x7C00); bu16(&b, 0x3FC0);
    save("safetensors", "synthetic.safetensors", b.p, b.n);
    free(b.p);
}

static void real_safetensors(const char *fx, const char *base) {
    char path[1024], name[300];
    size_t len, hl;
    uint8_t *b;
    snprintf(path, sizeof path, "%s/%s.safetensors", fx, base);
    if (!(b = slurp(path, &len)) || len < 8) { free(b); return; }
    hl = rd32(b);
    if (8 + hl + 64 <= len) {
        snprintf(name, sizeof name, "real_%s_header.safetensors", base);
        save("safetensors", name, b, 8 + hl + 64);
    }
    free(b);
}

/* ---- a tiny GPT-2 style vocabulary ---- */
static unsigned byte_cp(unsigned b) {
    /* GPT-2's bytes_to_unicode */
    unsigned k = 0, c;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return b;
    for (c = 0; c < b; c++) if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255))) k++;
    return 256 + k;
}
static void put_utf8(buf_t *o, unsigned cp) {
    if (cp < 0x80) bu8(o, cp);
    else { bu8(o, 0xC0 | (cp >> 6)); bu8(o, 0x80 | (cp & 0x3F)); }
}
static void json_tok(buf_t *o, const char *s) {   /* s: bytes; written in the unicode form, JSON-quoted */
    bu8(o, '"');
    for (; *s; s++) {
        unsigned cp = byte_cp((unsigned char)*s);
        if (cp == '"' || cp == '\\') bu8(o, '\\');
        put_utf8(o, cp);
    }
    bu8(o, '"');
}
static void tiny_vocab(void) {
    static const char *const words[][2] = { { " ", "t" }, { "h", "e" }, { "t", "h" }, { "th", "e" }, { " t", "he" }, { "a", "n" }, { "an", "d" }, { " ", "and" } };
    const int nw = (int)(sizeof words / sizeof words[0]);
    buf_t v = { NULL, 0, 0 }, m = { NULL, 0, 0 }, hf = { NULL, 0, 0 }, hm = { NULL, 0, 0 };
    int i, id = 0;
    char s[2] = { 0, 0 }, w[16];
    bu8(&v, '{');
    for (i = 1; i < 256; i++) {   /* byte 0 too, as "Ā" */
        s[0] = (char)i;
        json_tok(&v, s); bstr(&v, ":"); { char t[16]; snprintf(t, sizeof t, "%d,", id++); bstr(&v, t); }
    }
    { char t[32]; bstr(&v, "\"\xc4\x80\":"); snprintf(t, sizeof t, "%d,", id++); bstr(&v, t); }
    bstr(&m, "#version: 0.2\n");
    bstr(&hm, "[");
    for (i = 0; i < nw; i++) {
        char t[16];
        snprintf(w, sizeof w, "%s%s", words[i][0], words[i][1]);
        json_tok(&v, w); snprintf(t, sizeof t, ":%d,", id++); bstr(&v, t);
        {   /* merges.txt line: unicode forms separated by a space */
            buf_t a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
            json_tok(&a, words[i][0]); json_tok(&b, words[i][1]);
            bput(&m, a.p + 1, a.n - 2); bu8(&m, ' '); bput(&m, b.p + 1, b.n - 2); bu8(&m, '\n');
            if (i) bu8(&hm, ',');
            bu8(&hm, '"'); bput(&hm, a.p + 1, a.n - 2); bu8(&hm, ' '); bput(&hm, b.p + 1, b.n - 2); bu8(&hm, '"');
            free(a.p); free(b.p);
        }
    }
    bu8(&hm, ']');
    { char t[64]; snprintf(t, sizeof t, "\"<|endoftext|>\":%d}", id); bstr(&v, t); }
    save("", "tiny_vocab.json", v.p, v.n);
    save("", "tiny_merges.txt", m.p, m.n);
    bstr(&hf, "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":");
    { char t[16]; snprintf(t, sizeof t, "%d", id); bstr(&hf, t); }
    bstr(&hf, ",\"content\":\"<|endoftext|>\",\"special\":true}],\"normalizer\":null,"
              "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
              "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"vocab\":");
    bput(&hf, v.p, v.n);
    bstr(&hf, ",\"merges\":");
    bput(&hf, hm.p, hm.n);
    bstr(&hf, "}}");
    save("", "tiny_tokenizer.json", hf.p, hf.n);
    free(v.p); free(m.p); free(hf.p); free(hm.p);
}

int main(int argc, char **argv) {
    static const char *const bases[] = { "dense", "cat_c4", "cat_c4_bf16", "cat_c4_statedict", "cat_c8_qk_gqa", "cat_adaptive_c16", "cat_layer_c4" };
    size_t i;
    if (argc != 3) { fprintf(stderr, "usage: mkseeds OUT_DIR FIXTURES_DIR\n"); return 2; }
    g_out = argv[1];
    synthetic_torch();
    synthetic_safetensors();
    for (i = 0; i < sizeof bases / sizeof bases[0]; i++) { real_torch(argv[2], bases[i]); real_safetensors(argv[2], bases[i]); }
    tiny_vocab();
    return 0;
}
