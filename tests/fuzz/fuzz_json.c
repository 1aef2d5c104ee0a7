/* fuzz_json: json.h (the configuration and tokenizer.json reader) on arbitrary
   bytes; a document that parses is walked, and the values are checked against
   what the parser promises. MIT License, see LICENSE. */
#include "fuzz.h"
#define JSON_IMPLEMENTATION
#include "../../tools/json.h"

static size_t fuzz_json_walk(const json_value *v, int depth) {
    size_t i, n = 1;
    long long ll;
    FUZZ_ASSERT(depth <= JSON_MAX_DEPTH + 1);
    switch (v->type) {
    case JSON_NULL: break;
    case JSON_BOOL: FUZZ_ASSERT(v->boolean == 0 || v->boolean == 1); break;
    case JSON_NUMBER:
        FUZZ_ASSERT(v->number == v->number);   /* never NaN */
        if (json_is_int(v, &ll)) FUZZ_ASSERT((double)ll == v->number);
        break;
    case JSON_STRING: FUZZ_ASSERT(v->str && v->str[v->len] == 0); break;
    case JSON_ARRAY:
        for (i = 0; i < v->count; i++) n += fuzz_json_walk(&v->items[i], depth + 1);
        FUZZ_ASSERT(json_get(v, "x") == NULL);
        break;
    case JSON_OBJECT:
        for (i = 0; i < v->count; i++) {
            const json_value *g;
            FUZZ_ASSERT(v->keys[i] && v->keys[i][v->key_lens[i]] == 0);
            n += fuzz_json_walk(&v->items[i], depth + 1);
            /* json_get finds the last value of a key (keys with NULs aside) */
            if (strlen(v->keys[i]) == v->key_lens[i]) {
                g = json_get(v, v->keys[i]);
                FUZZ_ASSERT(g != NULL && g >= &v->items[i]);
            }
        }
        break;
    }
    return n;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size) {
    char err[256];
    json_value *v;
    err[0] = 0;
    v = json_parse((const char *)data, size, err, sizeof err);
    if (!v) { FUZZ_ASSERT(err[0] != 0 && strstr(err, "line ") == err); return 0; }
    /* every value takes at least one byte of input */
    FUZZ_ASSERT(fuzz_json_walk(v, 0) <= size + 1);
    json_free(v);
    return 0;
}
