/* json.h - a small, bounded, validating DOM JSON parser (RFC 8259) for the cat.h tools.
 *
 * stb-style: include this header wherever it is needed, and in exactly one
 * translation unit (or in every one: all functions are static) write
 *
 *     #define JSON_IMPLEMENTATION
 *     #include "json.h"
 *
 * All functions are static, so the header is meant for the command-line tools
 * only; it is not part of the cat.h library.
 *
 * Return convention (the same in every header under tools/): json_parse and json_get return NULL
 * on failure (json_parse with a message in err); json_is_int answers 1 for yes.
 *
 * Behaviour:
 *   - The whole document must be one JSON value, optionally surrounded by
 *     whitespace (space, \t, \n, \r). A leading UTF-8 byte order mark is skipped.
 *     Anything else after the value is an error ("trailing garbage").
 *   - Nesting deeper than JSON_MAX_DEPTH (256) arrays/objects is rejected.
 *   - Strings: escapes \" \\ \/ \b \f \n \r \t \uXXXX are decoded to UTF-8,
 *     surrogate pairs are combined; a lone surrogate is an error. Unescaped
 *     control characters (< 0x20) are an error. Raw bytes >= 0x80 are copied
 *     through unchanged (they are not checked for UTF-8 validity).
 *     Strings may contain NUL bytes (from \u0000); use .len.
 *   - Numbers follow the RFC 8259 grammar exactly
 *     (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?). The validated text is
 *     copied and converted with strtod; the '.' is replaced by the current
 *     locale's decimal point first, so the result does not depend on
 *     LC_NUMERIC. Numbers whose magnitude overflows a double are an error.
 *   - Object keys are kept in file order; duplicate keys are kept as well
 *     (json_get returns the LAST one, like most parsers); json_dup_key finds
 *     them, for readers (configurations) that must refuse duplicates.
 *   - Memory use is proportional to the input size (each array/object item
 *     array has capacity at most twice its count, and every item consumes at
 *     least one byte of input). Recursion depth is bounded by JSON_MAX_DEPTH.
 *   - The input need not be NUL-terminated; exactly len bytes are read.
 *
 * On error json_parse returns NULL and writes "line L col C: message" into
 * err (if err != NULL && errlen > 0). Lines and columns are 1-based, columns
 * count bytes.
 *
 * MIT License (see LICENSE).
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;
typedef struct json_value json_value;
struct json_value {
    json_type type;
    int boolean;              /* JSON_BOOL */
    double number;            /* JSON_NUMBER */
    char *str; size_t len;    /* JSON_STRING: decoded UTF-8 (escapes, \uXXXX incl. surrogate pairs), NUL-terminated; len excludes NUL (may contain \0 from \u0000) */
    json_value *items; size_t count;  /* JSON_ARRAY: items[count]; JSON_OBJECT: values[count] */
    char **keys; size_t *key_lens;    /* JSON_OBJECT: decoded keys, NUL-terminated, in file order */
};

#ifndef JSON_MAX_DEPTH
#define JSON_MAX_DEPTH 256
#endif

static json_value *json_parse(const char *text, size_t len, char *err, size_t errlen); /* NULL on error */
static void json_free(json_value *v);
static const json_value *json_get(const json_value *obj, const char *key); /* NULL if not object or missing */
static int json_is_int(const json_value *v, long long *out); /* 1 if number and integral & in range */
/* the index of the first key of obj that an earlier key repeats, or -1 (none, or not an
   object); quadratic in the key count: for small objects such as configurations */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((unused))
#endif
static long json_dup_key(const json_value *obj);

#endif /* JSON_H */

#ifdef JSON_IMPLEMENTATION
#ifndef JSON_IMPLEMENTATION_DONE
#define JSON_IMPLEMENTATION_DONE

#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <errno.h>
#include <locale.h>
#include <math.h>

typedef struct {
    const char *start, *p, *end;
    char *err; size_t errlen;
    int failed;
} json__parser;

static void json__error(json__parser *ps, const char *at, const char *fmt, ...)
{
    const char *q;
    size_t line = 1, col = 1;
    va_list ap;
    char msg[200];
    if (ps->failed) return; /* keep the first error */
    ps->failed = 1;
    if (!ps->err || ps->errlen == 0) return;
    if (at > ps->end) at = ps->end;
    for (q = ps->start; q < at; q++) {
        if (*q == '\n') { line++; col = 1; } else col++;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "line %lu col %lu: %s", (unsigned long)line, (unsigned long)col, msg);
}

static void json__free_contents(json_value *v)
{
    size_t i;
    switch (v->type) {
    case JSON_STRING:
        free(v->str);
        break;
    case JSON_ARRAY:
        for (i = 0; i < v->count; i++) json__free_contents(&v->items[i]);
        free(v->items);
        break;
    case JSON_OBJECT:
        for (i = 0; i < v->count; i++) {
            json__free_contents(&v->items[i]);
            free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
        free(v->key_lens);
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
    v->type = JSON_NULL;
}

static void json_free(json_value *v)
{
    if (!v) return;
    json__free_contents(v);
    free(v);
}

static void json__skip_ws(json__parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int json__hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t json__put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ps->p points at the opening quote. On success *out is malloc'd (NUL-terminated). */
static int json__parse_string(json__parser *ps, char **out, size_t *out_len)
{
    const char *open = ps->p;
    const char *q = ps->p + 1;
    size_t n = 0;
    char *buf, *o;
    /* First pass: find the closing quote and validate, so that the output
       buffer can be sized exactly by the raw length (decoding never grows). */
    while (q < ps->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20) { json__error(ps, q, "control character 0x%02x in string (must be escaped)", c); return 0; }
        if (c == '\\') {
            q++;
            if (q >= ps->end) break;
        }
        q++;
    }
    if (q >= ps->end) { json__error(ps, open, "unterminated string"); return 0; }
    buf = (char *)malloc((size_t)(q - open)); /* raw content length + 1 for the NUL */
    if (!buf) { json__error(ps, open, "out of memory"); return 0; }
    o = buf;
    q = open + 1;
    while (*q != '"') {
        if (*q != '\\') { *o++ = *q++; continue; }
        q++;
        switch (*q) {
        case '"': *o++ = '"'; q++; break;
        case '\\': *o++ = '\\'; q++; break;
        case '/': *o++ = '/'; q++; break;
        case 'b': *o++ = '\b'; q++; break;
        case 'f': *o++ = '\f'; q++; break;
        case 'n': *o++ = '\n'; q++; break;
        case 'r': *o++ = '\r'; q++; break;
        case 't': *o++ = '\t'; q++; break;
        case 'u': {
            unsigned cp, lo;
            const char *esc = q - 1;
            if (ps->end - (q + 1) < 4 || !json__hex4(q + 1, &cp)) {
                json__error(ps, esc, "invalid \\u escape (need 4 hex digits)"); free(buf); return 0;
            }
            q += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (ps->end - q < 6 || q[0] != '\\' || q[1] != 'u' || !json__hex4(q + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    json__error(ps, esc, "high surrogate \\u%04X not followed by a low surrogate", cp); free(buf); return 0;
                }
                q += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                json__error(ps, esc, "lone low surrogate \\u%04X", cp); free(buf); return 0;
            }
            o += json__put_utf8(o, cp);
            break;
        }
        default:
            json__error(ps, q - 1, "invalid escape '\\%c'", (*q >= 0x20 && *q < 0x7f) ? *q : '?');
            free(buf);
            return 0;
        }
    }
    n = (size_t)(o - buf);
    buf[n] = 0;
    ps->p = q + 1;
    *out = buf;
    *out_len = n;
    return 1;
}

static int json__is_digit(char c) { return c >= '0' && c <= '9'; }

static int json__parse_number(json__parser *ps, double *out)
{
    const char *s = ps->p, *q = ps->p;
    char small[64], *buf;
    size_t n, i;
    double d;
    char *endp;
    char dp;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || !json__is_digit(*q)) { json__error(ps, q, "invalid number: expected a digit"); return 0; }
    if (*q == '0') {
        q++;
        if (q < ps->end && json__is_digit(*q)) { json__error(ps, q, "invalid number: leading zero"); return 0; }
    } else {
        while (q < ps->end && json__is_digit(*q)) q++;
    }
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || !json__is_digit(*q)) { json__error(ps, q, "invalid number: expected a digit after '.'"); return 0; }
        while (q < ps->end && json__is_digit(*q)) q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || !json__is_digit(*q)) { json__error(ps, q, "invalid number: expected a digit in the exponent"); return 0; }
        while (q < ps->end && json__is_digit(*q)) q++;
    }
    n = (size_t)(q - s);
    buf = n < sizeof small ? small : (char *)malloc(n + 1);
    if (!buf) { json__error(ps, s, "out of memory"); return 0; }
    memcpy(buf, s, n);
    buf[n] = 0;
    /* make strtod locale-independent: use the locale's decimal point */
    {
        const struct lconv *lc = localeconv();
        dp = (lc && lc->decimal_point && lc->decimal_point[0] && !lc->decimal_point[1]) ? lc->decimal_point[0] : '.';
    }
    if (dp != '.')
        for (i = 0; i < n; i++) if (buf[i] == '.') buf[i] = dp;
    errno = 0;
    d = strtod(buf, &endp);
    if (endp != buf + n) {
        if (buf != small) free(buf);
        json__error(ps, s, "invalid number");
        return 0;
    }
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
        if (buf != small) free(buf);
        json__error(ps, s, "number out of range");
        return 0;
    }
    if (buf != small) free(buf);
    ps->p = q;
    *out = d;
    return 1;
}

static int json__match(json__parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) { ps->p += n; return 1; }
    return 0;
}

static int json__parse_value(json__parser *ps, json_value *v, int depth);

static int json__parse_array(json__parser *ps, json_value *v, int depth)
{
    size_t cap = 0;
    const char *open = ps->p;
    v->type = JSON_ARRAY;
    ps->p++; /* '[' */
    json__skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return 1; }
    for (;;) {
        json__skip_ws(ps);
        if (v->count == cap) {
            size_t nc = cap ? cap * 2 : 4;
            json_value *ni = (json_value *)realloc(v->items, nc * sizeof *ni);
            if (!ni) { json__error(ps, ps->p, "out of memory"); return 0; }
            v->items = ni; cap = nc;
        }
        memset(&v->items[v->count], 0, sizeof v->items[0]);
        v->items[v->count].type = JSON_NULL;
        if (!json__parse_value(ps, &v->items[v->count], depth + 1)) {
            json__free_contents(&v->items[v->count]);
            return 0;
        }
        v->count++;
        json__skip_ws(ps);
        if (ps->p >= ps->end) { json__error(ps, ps->p, "unexpected end of input in array opened at offset %lu", (unsigned long)(open - ps->start)); return 0; }
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == ']') { ps->p++; return 1; }
        json__error(ps, ps->p, "expected ',' or ']' in array");
        return 0;
    }
}

static int json__parse_object(json__parser *ps, json_value *v, int depth)
{
    size_t cap = 0;
    const char *open = ps->p;
    v->type = JSON_OBJECT;
    ps->p++; /* '{' */
    json__skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return 1; }
    for (;;) {
        char *key; size_t klen;
        json__skip_ws(ps);
        if (ps->p >= ps->end) { json__error(ps, ps->p, "unexpected end of input in object opened at offset %lu", (unsigned long)(open - ps->start)); return 0; }
        if (*ps->p != '"') { json__error(ps, ps->p, "expected a string key in object"); return 0; }
        if (v->count == cap) {
            size_t nc = cap ? cap * 2 : 4;
            json_value *ni; char **nk; size_t *nl;
            ni = (json_value *)realloc(v->items, nc * sizeof *ni);
            if (!ni) { json__error(ps, ps->p, "out of memory"); return 0; }
            v->items = ni;
            nk = (char **)realloc(v->keys, nc * sizeof *nk);
            if (!nk) { json__error(ps, ps->p, "out of memory"); return 0; }
            v->keys = nk;
            nl = (size_t *)realloc(v->key_lens, nc * sizeof *nl);
            if (!nl) { json__error(ps, ps->p, "out of memory"); return 0; }
            v->key_lens = nl;
            cap = nc;
        }
        if (!json__parse_string(ps, &key, &klen)) return 0;
        json__skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            free(key);
            if (ps->p >= ps->end) json__error(ps, ps->p, "unexpected end of input: expected ':' after key");
            else json__error(ps, ps->p, "expected ':' after key");
            return 0;
        }
        ps->p++;
        json__skip_ws(ps);
        memset(&v->items[v->count], 0, sizeof v->items[0]);
        v->items[v->count].type = JSON_NULL;
        if (!json__parse_value(ps, &v->items[v->count], depth + 1)) {
            json__free_contents(&v->items[v->count]);
            free(key);
            return 0;
        }
        v->keys[v->count] = key;
        v->key_lens[v->count] = klen;
        v->count++;
        json__skip_ws(ps);
        if (ps->p >= ps->end) { json__error(ps, ps->p, "unexpected end of input in object opened at offset %lu", (unsigned long)(open - ps->start)); return 0; }
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == '}') { ps->p++; return 1; }
        json__error(ps, ps->p, "expected ',' or '}' in object");
        return 0;
    }
}

static int json__parse_value(json__parser *ps, json_value *v, int depth)
{
    char c;
    json__skip_ws(ps);
    if (ps->p >= ps->end) { json__error(ps, ps->p, "unexpected end of input: expected a value"); return 0; }
    c = *ps->p;
    switch (c) {
    case '{':
    case '[':
        if (depth >= JSON_MAX_DEPTH) { json__error(ps, ps->p, "nesting deeper than %d", JSON_MAX_DEPTH); return 0; }
        return c == '{' ? json__parse_object(ps, v, depth) : json__parse_array(ps, v, depth);
    case '"':
        v->type = JSON_STRING;
        return json__parse_string(ps, &v->str, &v->len);
    case 't':
        if (json__match(ps, "true")) { v->type = JSON_BOOL; v->boolean = 1; return 1; }
        break;
    case 'f':
        if (json__match(ps, "false")) { v->type = JSON_BOOL; v->boolean = 0; return 1; }
        break;
    case 'n':
        if (json__match(ps, "null")) { v->type = JSON_NULL; return 1; }
        break;
    default:
        if (c == '-' || json__is_digit(c)) {
            v->type = JSON_NUMBER;
            return json__parse_number(ps, &v->number);
        }
        break;
    }
    if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
        json__error(ps, ps->p, "unexpected character '%c'", c);
    else
        json__error(ps, ps->p, "unexpected byte 0x%02x", (unsigned char)c);
    return 0;
}

static json_value *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    json__parser ps;
    json_value *v;
    if (err && errlen) err[0] = 0;
    ps.start = ps.p = text ? text : "";
    ps.end = ps.start + (text ? len : 0);
    ps.err = err; ps.errlen = errlen; ps.failed = 0;
    if (ps.end - ps.p >= 3 && (unsigned char)ps.p[0] == 0xEF && (unsigned char)ps.p[1] == 0xBB && (unsigned char)ps.p[2] == 0xBF)
        ps.p += 3;
    v = (json_value *)calloc(1, sizeof *v);
    if (!v) { json__error(&ps, ps.p, "out of memory"); return NULL; }
    v->type = JSON_NULL;
    if (!json__parse_value(&ps, v, 0)) { json_free(v); return NULL; }
    json__skip_ws(&ps);
    if (ps.p != ps.end) { json__error(&ps, ps.p, "trailing garbage after the JSON value"); json_free(v); return NULL; }
    return v;
}

static const json_value *json_get(const json_value *obj, const char *key)
{
    size_t i, n;
    if (!obj || obj->type != JSON_OBJECT || !key) return NULL;
    n = strlen(key);
    for (i = obj->count; i-- > 0;)
        if (obj->key_lens[i] == n && memcmp(obj->keys[i], key, n) == 0) return &obj->items[i];
    return NULL;
}

static long json_dup_key(const json_value *obj)
{
    size_t i, j;
    if (!obj || obj->type != JSON_OBJECT) return -1;
    for (i = 1; i < obj->count; i++)
        for (j = 0; j < i; j++)
            if (obj->key_lens[i] == obj->key_lens[j] && memcmp(obj->keys[i], obj->keys[j], obj->key_lens[i]) == 0) return (long)i;
    return -1;
}

static int json_is_int(const json_value *v, long long *out)
{
    double d;
    if (!v || v->type != JSON_NUMBER) return 0;
    d = v->number;
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0; /* also rejects NaN */
    if (floor(d) != d) return 0;
    if (out) *out = (long long)d;
    return 1;
}

#endif /* JSON_IMPLEMENTATION_DONE */
#endif /* JSON_IMPLEMENTATION */
