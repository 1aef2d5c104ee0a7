/* Tests for tools/json.h. Run from the repository root:
 *   cc -std=c99 -Itools tests/test_json.c -lm -o build/test_json && build/test_json
 * Prints one line per check and "N passed, N failed"; exit status 0 iff all pass. */
#define JSON_IMPLEMENTATION
#include "../tools/util.h"
#include "../tools/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "harness.h"

static void check(int ok, const char *what_raw, const char *detail)
{
    char what[200];
    size_t i, o = 0;
    /* make the label printable on one line */
    for (i = 0; what_raw[i] && o + 5 < sizeof what; i++) {
        unsigned char c = (unsigned char)what_raw[i];
        if (c >= 0x20 && c < 0x7f) what[o++] = (char)c;
        else o += (size_t)sprintf(what + o, "\\x%02X", c);
    }
    what[o] = 0;
    if (test_count(ok)) { printf("PASS %s\n", what); }
    else { printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : ""); }
}

/* parse a NUL-free literal but pass only its exact length (not NUL-terminated copy) */
static json_value *parse_exact(const char *s, size_t n, char *err, size_t errlen)
{
    json_value *v;
    char *copy = (char *)malloc(n ? n : 1);
    if (!copy) return NULL;
    memcpy(copy, s, n);
    v = json_parse(copy, n, err, errlen);
    free(copy);
    return v;
}

static json_value *P(const char *s, char *err) { return parse_exact(s, strlen(s), err, 256); }

static void expect_ok(const char *doc)
{
    char err[256], what[400];
    json_value *v = P(doc, err);
    snprintf(what, sizeof what, "accept %.60s", doc);
    check(v != NULL, what, err);
    json_free(v);
}

static void expect_err(const char *doc, const char *needle)
{
    char err[256], what[400], det[600];
    json_value *v = P(doc, err);
    snprintf(what, sizeof what, "reject %.60s", doc);
    snprintf(det, sizeof det, "got %s, err='%s', expected err containing '%s'", v ? "success" : "failure", err, needle);
    check(v == NULL && strstr(err, needle) != NULL && strncmp(err, "line ", 5) == 0, what, det);
    json_free(v);
}

int main(void)
{
    char err[256];
    json_value *v;
    const json_value *x;
    long long ll;

    /* --- basic values --- */
    v = P("  {\"a\": 1, \"b\": [true, false, null, -2.5e3, \"s\"], \"c\": {}, \"d\": []}\n", err);
    check(v && v->type == JSON_OBJECT && v->count == 4, "object with 4 members", err);
    if (v) {
        x = json_get(v, "a");
        check(x && json_is_int(x, &ll) && ll == 1, "a == 1", NULL);
        x = json_get(v, "b");
        check(x && x->type == JSON_ARRAY && x->count == 5, "b is array[5]", NULL);
        if (x && x->count == 5) {
            check(x->items[0].type == JSON_BOOL && x->items[0].boolean == 1, "b[0] true", NULL);
            check(x->items[1].type == JSON_BOOL && x->items[1].boolean == 0, "b[1] false", NULL);
            check(x->items[2].type == JSON_NULL, "b[2] null", NULL);
            check(x->items[3].type == JSON_NUMBER && x->items[3].number == -2500.0, "b[3] -2.5e3", NULL);
            check(x->items[4].type == JSON_STRING && x->items[4].len == 1 && strcmp(x->items[4].str, "s") == 0, "b[4] \"s\"", NULL);
        }
        x = json_get(v, "c");
        check(x && x->type == JSON_OBJECT && x->count == 0, "c is {}", NULL);
        x = json_get(v, "d");
        check(x && x->type == JSON_ARRAY && x->count == 0, "d is []", NULL);
        check(json_get(v, "zz") == NULL, "missing key -> NULL", NULL);
        check(strcmp(v->keys[0], "a") == 0 && strcmp(v->keys[3], "d") == 0, "keys in file order", NULL);
        check(json_get(json_get(v, "b"), "a") == NULL, "json_get on array -> NULL", NULL);
    }
    json_free(v);

    expect_ok("0");
    expect_ok("-0");
    expect_ok("\"\"");
    expect_ok("null");
    expect_ok(" [ 1 , 2 ] ");
    expect_ok("1E+2");
    expect_ok("1e-2");
    expect_ok("0.5");
    expect_ok("123456789012345678901234567890");
    expect_ok("\xEF\xBB\xBF{}");

    /* duplicate keys: kept, json_get returns the last */
    v = P("{\"k\":1,\"k\":2}", err);
    check(v && v->count == 2 && json_is_int(json_get(v, "k"), &ll) && ll == 2, "duplicate key: json_get returns last", err);
    json_free(v);
    v = P("{\"a\":1,\"k\":1,\"b\":{\"k\":0},\"k\":2}", err);
    check(v && json_dup_key(v) == 3 && json_dup_key(&v->items[2]) == -1, "json_dup_key finds the repeated key, not one in a nested object", err);
    json_free(v);
    v = P("{\"a\":1,\"a\\u0000\":2}", err);
    check(v && json_dup_key(v) == -1, "json_dup_key: keys differing after a NUL are different", err);
    json_free(v);

    /* --- escapes --- */
    v = P("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"", err);
    check(v && v->type == JSON_STRING && v->len == 17 && memcmp(v->str, "a\"b\\c/d\be\ff\ng\rh\ti", 18) == 0, "simple escapes", err);
    json_free(v);
    v = P("\"\\u0041\\u00e9\\u20AC\\u0000x\"", err);
    check(v && v->len == 1 + 2 + 3 + 1 + 1 && memcmp(v->str, "A\xC3\xA9\xE2\x82\xAC\0x", 9) == 0 && v->str[8] == 0,
          "\\u escapes incl. \\u0000 (len counts embedded NUL)", err);
    json_free(v);
    v = P("\"\\uD83D\\uDE00\"", err);
    check(v && v->len == 4 && memcmp(v->str, "\xF0\x9F\x98\x80", 4) == 0, "surrogate pair -> U+1F600", err);
    json_free(v);
    v = P("\"\\udbff\\udfff\"", err);
    check(v && v->len == 4 && memcmp(v->str, "\xF4\x8F\xBF\xBF", 4) == 0, "surrogate pair -> U+10FFFF (lowercase hex)", err);
    json_free(v);
    v = P("\"caf\xC3\xA9 \xFF\xFE raw\"", err);
    check(v && v->len == 12 && memcmp(v->str, "caf\xC3\xA9 \xFF\xFE raw", 12) == 0, "raw bytes >= 0x80 kept as is", err);
    json_free(v);
    v = P("{\"\\u00e9t\\u00e9\": 3}", err);
    check(v && v->count == 1 && v->key_lens[0] == 5 && json_get(v, "\xC3\xA9t\xC3\xA9") != NULL, "escaped key decoded", err);
    json_free(v);

    expect_err("\"\\uD800\"", "surrogate");
    expect_err("\"\\uD800\\u0041\"", "surrogate");
    expect_err("\"\\uDC00\"", "lone low surrogate");
    expect_err("\"\\u12\"", "\\u escape");
    expect_err("\"\\u12G4\"", "\\u escape");
    expect_err("\"\\x\"", "invalid escape");
    expect_err("\"a\tb\"", "control character");
    expect_err("\"a\nb\"", "control character");

    /* --- numbers --- */
    expect_err("01", "leading zero");
    expect_err("-", "expected a digit");
    expect_err("+1", "unexpected character");
    expect_err(".5", "unexpected character");
    expect_err("1.", "after '.'");
    expect_err("1.e5", "after '.'");
    expect_err("1e", "exponent");
    expect_err("1e+", "exponent");
    expect_err("0x10", "trailing garbage");
    expect_err("1e999", "out of range");
    expect_err("-1e999", "out of range");
    expect_err("NaN", "unexpected character");
    expect_err("Infinity", "unexpected character");
    expect_err("[1,]", "unexpected character ']'");
    expect_err("[,1]", "unexpected character ','");
    expect_err("{\"a\":1,}", "expected a string key");
    expect_err("{a:1}", "expected a string key");
    expect_err("{\"a\" 1}", "expected ':'");
    expect_err("[1 2]", "expected ',' or ']'");
    expect_err("tru", "unexpected character 't'");
    expect_err("nul", "unexpected character 'n'");
    v = P("[1e-400, 3.14159, -0.0, 9007199254740993, 1.5, 1e300]", err);
    check(v && v->count == 6 && v->items[0].number == 0.0 && fabs(v->items[1].number - 3.14159) < 1e-12,
          "underflow -> 0, decimals", err);
    if (v && v->count == 6) {
        check(json_is_int(&v->items[2], &ll) && ll == 0, "json_is_int(-0.0) == 0", NULL);
        check(json_is_int(&v->items[3], &ll) && ll == 9007199254740992LL, "json_is_int(2^53+1) rounds as double", NULL);
        check(!json_is_int(&v->items[4], &ll), "json_is_int(1.5) fails", NULL);
        check(!json_is_int(&v->items[5], &ll), "json_is_int(1e300) fails (out of range)", NULL);
    }
    json_free(v);
    v = P("[-9223372036854775808, 9223372036854775807]", err);
    check(v && json_is_int(&v->items[0], &ll) && ll == (-9223372036854775807LL - 1), "json_is_int(-2^63)", err);
    check(v && !json_is_int(&v->items[1], &ll), "json_is_int(2^63) fails (rounds to 2^63)", NULL);
    json_free(v);
    v = P("\"1\"", err);
    check(v && !json_is_int(v, &ll), "json_is_int(string) fails", NULL);
    json_free(v);

    /* --- trailing garbage, truncation, empties --- */
    expect_err("", "unexpected end of input");
    expect_err("   \n ", "unexpected end of input");
    expect_err("{} {}", "trailing garbage");
    expect_err("[1] x", "trailing garbage");
    expect_err("nullx", "trailing garbage");
    expect_err("{\"a\":1}}", "trailing garbage");
    expect_err("{\"a\":", "unexpected end of input");
    expect_err("{\"a\"", "unexpected end of input");
    expect_err("{\"a", "unterminated string");
    expect_err("[1, 2", "unexpected end of input");
    expect_err("[", "unexpected end of input");
    expect_err("{", "unexpected end of input");
    expect_err("\"abc", "unterminated string");
    expect_err("\"abc\\", "unterminated string");
    expect_err("\"\\uD83D\\uDE0", "unterminated string");
    {
        /* NUL byte in the middle of the document */
        static const char doc[] = "[1,\0 2]";
        v = parse_exact(doc, sizeof doc - 1, err, sizeof err);
        check(v == NULL && strstr(err, "0x00") != NULL, "embedded NUL outside string rejected", err);
        json_free(v);
        /* exact-length parse: buffer not NUL-terminated, number at the very end */
        v = parse_exact("[12345]", 6, err, sizeof err);
        check(v == NULL && strstr(err, "unexpected end of input") != NULL, "length respected (truncated '[12345')", err);
        json_free(v);
        v = parse_exact("123456", 3, err, sizeof err);
        check(v && v->type == JSON_NUMBER && v->number == 123.0, "length respected (number '123')", err);
        json_free(v);
    }
    /* error position */
    v = P("{\n  \"a\": 1,\n  \"b\": ?\n}", err);
    check(v == NULL && strncmp(err, "line 3 col 8:", 13) == 0, "error position line 3 col 8", err);
    json_free(v);
    /* small error buffer and NULL err are fine */
    {
        char tiny[8];
        v = json_parse("[", 1, tiny, sizeof tiny);
        check(v == NULL && strlen(tiny) == 7, "error truncated to errlen", tiny);
        v = json_parse("[", 1, NULL, 0);
        check(v == NULL, "NULL err buffer", NULL);
    }

    /* --- nesting depth --- */
    {
        char *doc = (char *)malloc(2 * 300 + 1);
        int d;
        for (d = 256; d <= 257; d++) {
            int i;
            char what[64];
            for (i = 0; i < d; i++) { doc[i] = '['; doc[2 * d - 1 - i] = ']'; }
            v = json_parse(doc, (size_t)(2 * d), err, sizeof err);
            snprintf(what, sizeof what, "nesting depth %d %s", d, d <= 256 ? "accepted" : "rejected");
            check(d <= 256 ? v != NULL : (v == NULL && strstr(err, "nesting") != NULL), what, err);
            json_free(v);
        }
        for (d = 0; d < 300; d++) doc[d] = (d % 2) ? '[' : '{';
        v = json_parse(doc, 300, err, sizeof err);
        check(v == NULL, "unterminated deep mixed nesting rejected", err);
        json_free(v);
        /* 100000 opening brackets: rejected quickly, no stack overflow */
        {
            size_t n = 100000;
            char *big = (char *)malloc(n);
            memset(big, '[', n);
            v = json_parse(big, n, err, sizeof err);
            check(v == NULL && strstr(err, "nesting deeper than 256") != NULL, "100000 '[' rejected (depth)", err);
            json_free(v);
            free(big);
        }
        free(doc);
    }

    /* --- big flat array (growth) --- */
    {
        size_t n = 100000, i, len = 0;
        char *doc = (char *)malloc(n * 8 + 2);
        int ok = 1;
        doc[len++] = '[';
        for (i = 0; i < n; i++) len += (size_t)sprintf(doc + len, "%s%lu", i ? "," : "", (unsigned long)i);
        doc[len++] = ']';
        v = json_parse(doc, len, err, sizeof err);
        ok = v && v->type == JSON_ARRAY && v->count == n;
        for (i = 0; ok && i < n; i++) ok = json_is_int(&v->items[i], &ll) && ll == (long long)i;
        check(ok, "array of 100000 integers", err);
        json_free(v);
        free(doc);
    }

    /* --- every truncation of a valid document fails cleanly --- */
    {
        const char *doc = "{\"k\":[1,-2.5e+3,\"x\\u00e9\\uD83D\\uDE00\",true,false,null,{\"z\":{}}]}";
        size_t n = strlen(doc), i;
        int ok = 1;
        for (i = 0; i < n; i++) {
            v = parse_exact(doc, i, err, sizeof err);
            if (v) { ok = 0; json_free(v); }
        }
        v = parse_exact(doc, n, err, sizeof err);
        check(ok && v != NULL, "all proper prefixes of a document rejected, full one accepted", err);
        json_free(v);
    }

    /* --- repository fixtures --- */
    {
        static const char *fixtures[] = {
            "tests/fixtures/cat_adaptive_c16.json", "tests/fixtures/cat_c4.json", "tests/fixtures/cat_c4_bf16.json",
            "tests/fixtures/cat_c4_statedict.json", "tests/fixtures/cat_c8_qk_gqa.json", "tests/fixtures/cat_layer_c4.json",
            "tests/fixtures/dense.json", "tests/fixtures/summary.json",
            "models/kjv/tokenizer.json", "models/kjv/vocab.json",
        };
        size_t i;
        for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
            size_t n = 0;
            char *text = (char *)util_read_file(fixtures[i], &n);
            char what[300];
            snprintf(what, sizeof what, "parse %s", fixtures[i]);
            if (!text) { check(0, what, "cannot read file (run from the repository root)"); continue; }
            v = json_parse(text, n, err, sizeof err);
            check(v != NULL && (v->type == JSON_OBJECT || v->type == JSON_ARRAY), what, err);
            if (v && i == 1) {
                long long vs = 0;
                check(json_is_int(json_get(v, "vocab_size"), &vs) && vs == 300, "cat_c4.json vocab_size == 300", NULL);
                check(json_get(json_get(v, "decoder"), "n_layer") != NULL, "cat_c4.json decoder.n_layer present", NULL);
            }
            json_free(v);
            free(text);
        }
    }

    return test_report();
}
