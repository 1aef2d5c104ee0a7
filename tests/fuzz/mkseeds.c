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

#include "../synth_ckpt.h"

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

static void synthetic_torch(void) {
    int p4, od, z;
    init_storages();
    for (p4 = 0; p4 < 2; p4++) for (od = 0; od < 2; od++) for (z = 0; z < 2; z++) {
        buf_t pk = make_pickle(p4, od), zb = make_torch(pk.p, pk.n, z, NULL);
        char name[64];
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
    static char names[64][256];
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
        if (nl >= sizeof names[n] || lh + 30 > len) break;
        memcpy(names[n], b + p + 46, nl); names[n][nl] = 0;
        e[n].name = names[n];
        d = lh + 30 + rd16(b + lh + 26) + rd16(b + lh + 28);
        if (d + sz > len) break;
        e[n].data = b + d;
        e[n].len = strstr(e[n].name, "/data/") && sz > 64 ? 64 : sz;
        n++;
        p += 46 + nl + xl + cl;
    }
    if (n) {
        zb = make_zip(e, n, 0, NULL);
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
