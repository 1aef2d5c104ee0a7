/* gen_unicode.c - generate the Unicode range tables used by cat.h's GPT-2
 * pre-tokenizer (\p{L}, \p{N} and \s).
 *
 * Build and run (Debian: apt-get install unicode-data):
 *   cc -std=c99 -O2 tools/gen_unicode.c -o build/gen_unicode
 *   build/gen_unicode [/usr/share/unicode/UnicodeData.txt [/usr/share/unicode/PropList.txt]] > tables.inc
 * and paste the output into the tokenizer's implementation section.
 *
 * Classes:
 *   L  = General_Category Lu, Ll, Lt, Lm, Lo      (regex \p{L})
 *   N  = General_Category Nd, Nl, No              (regex \p{N})
 *   WS = White_Space property (PropList.txt)       (regex \s)
 * White_Space is what \s means both in the Python `regex` module (used by
 * OpenAI's GPT-2 encoder.py) and in Oniguruma (used by HuggingFace
 * tokenizers). Python's built-in `re` additionally treats U+001C..U+001F as
 * \s (str.isspace); GPT-2 does not use `re`, so those are not whitespace here.
 *
 * UnicodeData.txt lists large blocks as "<Name, First>" / "<Name, Last>" line
 * pairs; every code point in between gets the category of the pair.
 *
 * MIT License (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CP 0x110000

static unsigned char cls[MAX_CP]; /* bit 1: L, bit 2: N, bit 4: WS */

static int parse_hex(const char *s, unsigned long *out, const char **end) {
    char *e;
    unsigned long v = strtoul(s, &e, 16);
    if (e == s) return 0;
    *out = v;
    if (end) *end = e;
    return 1;
}

static int read_unicode_data(const char *path) {
    FILE *f = fopen(path, "r");
    char line[1024];
    unsigned long first = 0;
    int have_first = 0;
    long n_lines = 0;
    if (!f) { fprintf(stderr, "gen_unicode: cannot open %s\n", path); return 0; }
    while (fgets(line, sizeof line, f)) {
        /* fields: code;name;category;... */
        char *name, *cat, *semi;
        unsigned long cp, c;
        unsigned char bits = 0;
        n_lines++;
        if (!parse_hex(line, &cp, NULL) || cp >= MAX_CP) { fprintf(stderr, "gen_unicode: %s:%ld: bad code point\n", path, n_lines); fclose(f); return 0; }
        name = strchr(line, ';');
        if (!name) { fprintf(stderr, "gen_unicode: %s:%ld: missing fields\n", path, n_lines); fclose(f); return 0; }
        name++;
        cat = strchr(name, ';');
        if (!cat) { fprintf(stderr, "gen_unicode: %s:%ld: missing fields\n", path, n_lines); fclose(f); return 0; }
        *cat++ = 0;
        semi = strchr(cat, ';');
        if (!semi || semi - cat != 2) { fprintf(stderr, "gen_unicode: %s:%ld: bad category\n", path, n_lines); fclose(f); return 0; }
        *semi = 0;
        if (cat[0] == 'L' && strchr("ultmo", cat[1])) bits = 1;
        else if (cat[0] == 'N' && strchr("dlo", cat[1])) bits = 2;
        if (strstr(name, ", First>")) {
            first = cp; have_first = 1;
            cls[cp] |= bits;
            continue;
        }
        if (strstr(name, ", Last>")) {
            if (!have_first || first > cp) { fprintf(stderr, "gen_unicode: %s:%ld: Last without First\n", path, n_lines); fclose(f); return 0; }
            for (c = first; c <= cp; c++) cls[c] |= bits;
            have_first = 0;
            continue;
        }
        cls[cp] |= bits;
    }
    fclose(f);
    if (n_lines < 1000) { fprintf(stderr, "gen_unicode: %s: too few lines\n", path); return 0; }
    return 1;
}

static int read_white_space(const char *path) {
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0;
    if (!f) { fprintf(stderr, "gen_unicode: cannot open %s\n", path); return 0; }
    while (fgets(line, sizeof line, f)) {
        /* "0009..000D    ; White_Space # ..." or "0020          ; White_Space # ..." */
        unsigned long lo, hi, c;
        const char *p;
        if (line[0] == '#' || !parse_hex(line, &lo, &p)) continue;
        hi = lo;
        if (p[0] == '.' && p[1] == '.' && !parse_hex(p + 2, &hi, &p)) continue;
        while (*p == ' ') p++;
        if (*p != ';') continue;
        p++;
        while (*p == ' ') p++;
        if (strncmp(p, "White_Space", 11) != 0 || (p[11] != ' ' && p[11] != '#' && p[11] != '\n')) continue;
        if (hi >= MAX_CP || lo > hi) { fprintf(stderr, "gen_unicode: %s: bad range\n", path); fclose(f); return 0; }
        for (c = lo; c <= hi; c++) cls[c] |= 4;
        n++;
    }
    fclose(f);
    if (n == 0) { fprintf(stderr, "gen_unicode: %s: no White_Space entries\n", path); return 0; }
    return 1;
}

static void emit(const char *name, unsigned char bit, const char *what) {
    unsigned long c = 0, lo, n = 0, total = 0;
    int col = 0;
    /* count first */
    for (c = 0; c < MAX_CP; c++)
        if ((cls[c] & bit) && (c == 0 || !(cls[c - 1] & bit))) n++;
    printf("/* %s: %lu ranges */\n", what, n);
    printf("static const uint32_t %s[%lu][2] = {\n", name, n);
    c = 0;
    while (c < MAX_CP) {
        if (!(cls[c] & bit)) { c++; continue; }
        lo = c;
        while (c < MAX_CP && (cls[c] & bit)) c++;
        total += c - lo;
        if (col == 0) printf("   ");
        printf(" {0x%lX,0x%lX},", lo, c - 1);
        if (++col == 6) { printf("\n"); col = 0; }
    }
    if (col) printf("\n");
    printf("};\n");
    fprintf(stderr, "gen_unicode: %s: %lu ranges, %lu code points\n", name, n, total);
}

int main(int argc, char **argv) {
    const char *ud = argc > 1 ? argv[1] : "/usr/share/unicode/UnicodeData.txt";
    const char *pl = argc > 2 ? argv[2] : "/usr/share/unicode/PropList.txt";
    unsigned long c;
    if (argc > 3 || (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
        fprintf(stderr, "usage: gen_unicode [UnicodeData.txt [PropList.txt]] > tables.inc\n");
        return 2;
    }
    if (!read_unicode_data(ud) || !read_white_space(pl)) return 1;
    for (c = 0; c < MAX_CP; c++)
        if ((cls[c] & 4) && (cls[c] & 3)) { fprintf(stderr, "gen_unicode: U+%04lX is both whitespace and L/N\n", c); return 1; }
    printf("/* Generated by tools/gen_unicode.c from the Unicode Character Database\n"
           "   (UnicodeData.txt, PropList.txt). Sorted, disjoint, inclusive ranges. Do not edit. */\n");
    emit("cat__uni_letter", 1, "\\p{L} = Lu Ll Lt Lm Lo");
    emit("cat__uni_number", 2, "\\p{N} = Nd Nl No");
    emit("cat__uni_space", 4, "\\s = White_Space");
    return 0;
}
