/* tokfile.h - load GPT-2 style byte-level BPE vocabularies for the cat.h tools.
 *
 * stb-style: in the translation unit that uses it write
 *     #define TOKFILE_IMPLEMENTATION
 *     #include "tokfile.h"
 * (this also includes json.h with JSON_IMPLEMENTATION). All functions are static.
 *
 * Two sources:
 *   - HuggingFace tokenizer.json (model.type "BPE", ByteLevel pre-tokenizer with
 *     add_prefix_space false): model.vocab, model.merges (either "a b" strings or
 *     ["a", "b"] pairs), added_tokens (all of them become "special" tokens for
 *     cat_tokenizer_create, i.e. are matched literally before pre-tokenization,
 *     which is what HF does for added tokens). Configurations that cat.h's
 *     tokenizer would not reproduce exactly are rejected with a message
 *     (a normalizer, another pre-tokenizer, add_prefix_space, byte_fallback,
 *     subword prefixes/suffixes, ignore_merges, dropout, lstrip/rstrip/single_word
 *     added tokens).
 *   - GPT-2's vocab.json + merges.txt (first line may be "#version: ...";
 *     "<|endoftext|>" is special if present in the vocabulary).
 *
 * Validation: ids must be integers, unique and dense 0..n-1 (the error names the
 * duplicate or the gap), every merge's two parts and their concatenation must be
 * in the vocabulary (the error names the merge), token strings must be non-empty
 * and unique.
 *
 * Return convention: the loaders return 0 on success and -1 on failure, with a
 * message in err (as ckpt.h); the private tokfile__ helpers return 1 for success.
 *
 * MIT License (see LICENSE).
 */
#ifndef TOKFILE_H
#define TOKFILE_H

#include <stddef.h>
#include <stdint.h>

/* loaded vocabulary in the arrays cat_tokenizer_create takes */
typedef struct { uint32_t n_vocab; char **tokens; uint32_t *lens; uint32_t n_merges; uint32_t *merges; uint32_t n_special; uint32_t *special; } tokfile;

static int tokfile_load_hf(tokfile *tf, const char *tokenizer_json_path, char *err, size_t errlen);
static int tokfile_load_gpt2(tokfile *tf, const char *vocab_json, const char *merges_txt, char *err, size_t errlen);
/* the same from memory (text need not be NUL-terminated; name is used in messages) */
static int tokfile_load_hf_memory(tokfile *tf, const char *text, size_t len, const char *name, char *err, size_t errlen);
static int tokfile_load_gpt2_memory(tokfile *tf, const char *vocab_text, size_t vocab_len, const char *vocab_name,
                                    const char *merges_text, size_t merges_len, const char *merges_name, char *err, size_t errlen);
static void tokfile_free(tokfile *tf);

#endif /* TOKFILE_H */

#ifdef TOKFILE_IMPLEMENTATION
#ifndef TOKFILE_IMPLEMENTATION_DONE
#define TOKFILE_IMPLEMENTATION_DONE

#ifndef JSON_IMPLEMENTATION
#define JSON_IMPLEMENTATION
#endif
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include "util.h"


static void tokfile__err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* printable rendering of a token string for messages (buffer of 64 bytes) */
static const char *tokfile__show(const char *s, size_t n, char *buf)
{
    size_t i, o = 0;
    buf[o++] = '"';
    for (i = 0; i < n && o < 52; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
        else if (c < 0x20 || c == 0x7f) o += (size_t)sprintf(buf + o, "\\x%02X", c);
        else buf[o++] = (char)c; /* UTF-8 passes through */
    }
    if (i < n) { memcpy(buf + o, "...", 3); o += 3; }
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

/* a regular file of at most UTIL_LIMIT_TOKENIZER bytes (util.h) */
static char *tokfile__read(const char *path, size_t *len, char *err, size_t errlen)
{
    if (!path) { tokfile__err(err, errlen, "no file name given"); return NULL; }
    return (char *)util_read_input(path, UTIL_LIMIT_TOKENIZER, "tokenizer file", 0, len, err, errlen);
}

static json_value *tokfile__parse_json(const char *text, size_t n, const char *name, char *err, size_t errlen)
{
    char jerr[200];
    json_value *v = json_parse(text, n, jerr, sizeof jerr);
    if (!v) tokfile__err(err, errlen, "%s: %s", name, jerr);
    return v;
}

static void tokfile_free(tokfile *tf)
{
    uint32_t i;
    if (!tf) return;
    if (tf->tokens)
        for (i = 0; i < tf->n_vocab; i++) free(tf->tokens[i]);
    free(tf->tokens);
    free(tf->lens);
    free(tf->merges);
    free(tf->special);
    memset(tf, 0, sizeof *tf);
}

/* ---- string -> id map over tf->tokens ---- */
typedef struct { uint32_t *slots; size_t mask; const tokfile *tf; } tokfile__map;

static size_t tokfile__hash(const char *s, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 0x100000001B3ull; }
    return (size_t)(h ^ (h >> 31));
}

static uint32_t tokfile__map_get(const tokfile__map *m, const char *s, size_t n)
{
    size_t i = tokfile__hash(s, n) & m->mask;
    for (;;) {
        uint32_t id = m->slots[i];
        if (id == UINT32_MAX) return UINT32_MAX;
        if (m->tf->lens[id] == n && memcmp(m->tf->tokens[id], s, n) == 0) return id;
        i = (i + 1) & m->mask;
    }
}

/* builds the map; rejects duplicate strings */
static int tokfile__map_build(tokfile__map *m, const tokfile *tf, const char *what, char *err, size_t errlen)
{
    size_t cap = 16, i;
    char b1[64];
    while (cap < (size_t)tf->n_vocab * 2) cap *= 2;
    m->slots = (uint32_t *)malloc(cap * sizeof(uint32_t));
    if (!m->slots) { tokfile__err(err, errlen, "%s: out of memory", what); return 0; }
    memset(m->slots, 0xFF, cap * sizeof(uint32_t));
    m->mask = cap - 1;
    m->tf = tf;
    for (i = 0; i < tf->n_vocab; i++) {
        size_t j = tokfile__hash(tf->tokens[i], tf->lens[i]) & m->mask;
        while (m->slots[j] != UINT32_MAX) {
            uint32_t o = m->slots[j];
            if (tf->lens[o] == tf->lens[i] && memcmp(tf->tokens[o], tf->tokens[i], tf->lens[i]) == 0) {
                tokfile__err(err, errlen, "%s: token %s appears twice (ids %lu and %lu)", what,
                             tokfile__show(tf->tokens[i], tf->lens[i], b1), (unsigned long)o, (unsigned long)i);
                free(m->slots); m->slots = NULL;
                return 0;
            }
            j = (j + 1) & m->mask;
        }
        m->slots[j] = (uint32_t)i;
    }
    return 1;
}

/* One (string, id) entry from a vocabulary object or the added tokens. */
typedef struct { const char *s; size_t n; long long id; const char *where; } tokfile__entry;

/* Fill tf->tokens/lens from entries; ids must be unique and dense 0..n-1,
   except that an entry may repeat an id with the identical string (HF
   added_tokens that are also in model.vocab). */
static int tokfile__fill_vocab(tokfile *tf, const tokfile__entry *e, size_t n_entries, const char *what, char *err, size_t errlen)
{
    size_t i, n = 0;
    long long max_id = -1;
    char b1[64], b2[64];
    uint32_t *owner;
    for (i = 0; i < n_entries; i++) {
        if (e[i].id < 0 || e[i].id >= (long long)INT32_MAX) {
            tokfile__err(err, errlen, "%s: %s: token %s has invalid id %lld", what, e[i].where, tokfile__show(e[i].s, e[i].n, b1), e[i].id);
            return 0;
        }
        if (e[i].n == 0) { tokfile__err(err, errlen, "%s: %s: empty token string (id %lld)", what, e[i].where, e[i].id); return 0; }
        if (e[i].n > UINT32_MAX) { tokfile__err(err, errlen, "%s: %s: token string too long", what, e[i].where); return 0; }
        if (e[i].id > max_id) max_id = e[i].id;
    }
    if (n_entries == 0) { tokfile__err(err, errlen, "%s: empty vocabulary", what); return 0; }
    if ((unsigned long long)max_id >= (unsigned long long)n_entries) {
        /* cannot be dense: find the first gap */
        unsigned char *seen = (unsigned char *)calloc(n_entries, 1);
        size_t gap = 0;
        if (!seen) { tokfile__err(err, errlen, "%s: out of memory", what); return 0; }
        for (i = 0; i < n_entries; i++) if (e[i].id < (long long)n_entries) seen[e[i].id] = 1;
        while (gap < n_entries && seen[gap]) gap++;
        free(seen);
        tokfile__err(err, errlen, "%s: token ids are not dense 0..n-1: no token has id %lu, but the largest id is %lld",
                     what, (unsigned long)gap, max_id);
        return 0;
    }
    n = (size_t)max_id + 1;
    owner = (uint32_t *)malloc(n * sizeof(uint32_t));
    tf->tokens = (char **)calloc(n, sizeof(char *));
    tf->lens = (uint32_t *)calloc(n, sizeof(uint32_t));
    if (!owner || !tf->tokens || !tf->lens) { free(owner); tokfile__err(err, errlen, "%s: out of memory", what); return 0; }
    tf->n_vocab = (uint32_t)n;
    memset(owner, 0xFF, n * sizeof(uint32_t));
    for (i = 0; i < n_entries; i++) {
        size_t id = (size_t)e[i].id;
        if (owner[id] != UINT32_MAX) {
            const tokfile__entry *o = &e[owner[id]];
            if (o->n == e[i].n && memcmp(o->s, e[i].s, e[i].n) == 0) continue; /* same token listed twice */
            tokfile__err(err, errlen, "%s: id %lu is used twice: %s (%s) and %s (%s)", what, (unsigned long)id,
                         tokfile__show(o->s, o->n, b1), o->where, tokfile__show(e[i].s, e[i].n, b2), e[i].where);
            free(owner);
            return 0;
        }
        owner[id] = (uint32_t)i;
        tf->tokens[id] = (char *)malloc(e[i].n + 1);
        if (!tf->tokens[id]) { free(owner); tokfile__err(err, errlen, "%s: out of memory", what); return 0; }
        memcpy(tf->tokens[id], e[i].s, e[i].n);
        tf->tokens[id][e[i].n] = 0;
        tf->lens[id] = (uint32_t)e[i].n;
    }
    for (i = 0; i < n; i++)
        if (owner[i] == UINT32_MAX) {
            tokfile__err(err, errlen, "%s: token ids are not dense 0..n-1: no token has id %lu (n = %lu)", what, (unsigned long)i, (unsigned long)n);
            free(owner);
            return 0;
        }
    free(owner);
    return 1;
}

/* entries from a JSON object {"token": id, ...} appended to *e */
static int tokfile__vocab_entries(const json_value *vocab, tokfile__entry *e, size_t *n, const char *what, const char *where, char *err, size_t errlen)
{
    size_t i;
    char b1[64];
    if (!vocab || vocab->type != JSON_OBJECT) { tokfile__err(err, errlen, "%s: %s is not an object", what, where); return 0; }
    for (i = 0; i < vocab->count; i++) {
        long long id;
        if (!json_is_int(&vocab->items[i], &id)) {
            tokfile__err(err, errlen, "%s: %s: token %s: id is not an integer", what, where, tokfile__show(vocab->keys[i], vocab->key_lens[i], b1));
            return 0;
        }
        e[*n].s = vocab->keys[i];
        e[*n].n = vocab->key_lens[i];
        e[*n].id = id;
        e[*n].where = where;
        (*n)++;
    }
    return 1;
}

/* add merge k = (a, b); checks parts and result */
static int tokfile__add_merge(tokfile *tf, const tokfile__map *m, size_t k, const char *a, size_t an, const char *b, size_t bn,
                              char **scratch, size_t *scap, const char *what, const char *where, char *err, size_t errlen)
{
    uint32_t ia = tokfile__map_get(m, a, an), ib = tokfile__map_get(m, b, bn), ir;
    char b1[64], b2[64], b3[64];
    if (ia == UINT32_MAX || ib == UINT32_MAX) {
        tokfile__err(err, errlen, "%s: %s %lu (%s %s): %s is not in the vocabulary", what, where, (unsigned long)k,
                     tokfile__show(a, an, b1), tokfile__show(b, bn, b2), ia == UINT32_MAX ? b1 : b2);
        return 0;
    }
    if (an + bn > *scap) {
        char *ns = (char *)realloc(*scratch, an + bn);
        if (!ns) { tokfile__err(err, errlen, "%s: out of memory", what); return 0; }
        *scratch = ns; *scap = an + bn;
    }
    memcpy(*scratch, a, an);
    memcpy(*scratch + an, b, bn);
    ir = tokfile__map_get(m, *scratch, an + bn);
    if (ir == UINT32_MAX) {
        tokfile__err(err, errlen, "%s: %s %lu (%s %s): the merged token %s is not in the vocabulary", what, where, (unsigned long)k,
                     tokfile__show(a, an, b1), tokfile__show(b, bn, b2), tokfile__show(*scratch, an + bn, b3));
        return 0;
    }
    tf->merges[2 * k] = ia;
    tf->merges[2 * k + 1] = ib;
    return 1;
}

static const char *tokfile__get_str(const json_value *o, const char *key)
{
    const json_value *v = json_get(o, key);
    return v && v->type == JSON_STRING ? v->str : NULL;
}

/* 1 if key is absent, null, false, or an empty string */
static int tokfile__unset(const json_value *o, const char *key)
{
    const json_value *v = json_get(o, key);
    return !v || v->type == JSON_NULL || (v->type == JSON_BOOL && !v->boolean) || (v->type == JSON_STRING && v->len == 0);
}

static int tokfile__check_hf_config(const json_value *root, const char *what, char *err, size_t errlen)
{
    const json_value *model = json_get(root, "model"), *pre = json_get(root, "pre_tokenizer"), *norm = json_get(root, "normalizer");
    const json_value *aps, *ur;
    const char *type;
    if (!model || model->type != JSON_OBJECT) { tokfile__err(err, errlen, "%s: no \"model\" object", what); return 0; }
    type = tokfile__get_str(model, "type");
    if (type && strcmp(type, "BPE") != 0) { tokfile__err(err, errlen, "%s: model.type is \"%s\", only \"BPE\" is supported", what, type); return 0; }
    if (!tokfile__unset(model, "dropout")) {
        const json_value *d = json_get(model, "dropout");
        if (!(d && d->type == JSON_NUMBER && d->number == 0.0)) { tokfile__err(err, errlen, "%s: model.dropout is not supported", what); return 0; }
    }
    if (!tokfile__unset(model, "byte_fallback")) { tokfile__err(err, errlen, "%s: model.byte_fallback is not supported", what); return 0; }
    if (!tokfile__unset(model, "ignore_merges")) { tokfile__err(err, errlen, "%s: model.ignore_merges is not supported", what); return 0; }
    if (!tokfile__unset(model, "continuing_subword_prefix")) { tokfile__err(err, errlen, "%s: model.continuing_subword_prefix is not supported", what); return 0; }
    if (!tokfile__unset(model, "end_of_word_suffix")) { tokfile__err(err, errlen, "%s: model.end_of_word_suffix is not supported", what); return 0; }
    if (norm && norm->type != JSON_NULL) { tokfile__err(err, errlen, "%s: a normalizer is not supported (only GPT-2 style byte-level BPE)", what); return 0; }
    if (!pre || pre->type != JSON_OBJECT) { tokfile__err(err, errlen, "%s: pre_tokenizer must be ByteLevel (GPT-2 style)", what); return 0; }
    type = tokfile__get_str(pre, "type");
    if (!type || strcmp(type, "ByteLevel") != 0) { tokfile__err(err, errlen, "%s: pre_tokenizer.type is \"%s\", only \"ByteLevel\" is supported", what, type ? type : "?"); return 0; }
    aps = json_get(pre, "add_prefix_space"); /* HF's default is true */
    if (!aps || aps->type != JSON_BOOL || aps->boolean) { tokfile__err(err, errlen, "%s: pre_tokenizer.add_prefix_space must be false", what); return 0; }
    ur = json_get(pre, "use_regex"); /* default true */
    if (ur && !(ur->type == JSON_BOOL && ur->boolean)) { tokfile__err(err, errlen, "%s: pre_tokenizer.use_regex must be true", what); return 0; }
    return 1;
}

static int tokfile_load_hf_memory(tokfile *tf, const char *text, size_t len, const char *path, char *err, size_t errlen)
{
    json_value *root;
    const json_value *model, *vocab, *mlist, *added;
    tokfile__entry *e = NULL;
    size_t n_e = 0, i, scap = 0;
    tokfile__map map;
    char *scratch = NULL;
    char b1[64];
    int ok = 0;
    memset(tf, 0, sizeof *tf);
    map.slots = NULL;
    if (err && errlen) err[0] = 0;
    if (!path) path = "tokenizer.json";
    if (!text) { text = ""; len = 0; }
    root = tokfile__parse_json(text, len, path, err, errlen);
    if (!root) return -1;
    if (root->type != JSON_OBJECT) { tokfile__err(err, errlen, "%s: not a JSON object", path); goto done; }
    if (!tokfile__check_hf_config(root, path, err, errlen)) goto done;
    model = json_get(root, "model");
    vocab = json_get(model, "vocab");
    mlist = json_get(model, "merges");
    added = json_get(root, "added_tokens");
    if (!vocab || vocab->type != JSON_OBJECT) { tokfile__err(err, errlen, "%s: model.vocab is missing or not an object", path); goto done; }
    if (!mlist || mlist->type != JSON_ARRAY) { tokfile__err(err, errlen, "%s: model.merges is missing or not an array", path); goto done; }
    if (added && added->type != JSON_ARRAY && added->type != JSON_NULL) { tokfile__err(err, errlen, "%s: added_tokens is not an array", path); goto done; }
    if (added && added->type == JSON_NULL) added = NULL;

    e = (tokfile__entry *)malloc((vocab->count + (added ? added->count : 0) + 1) * sizeof *e);
    if (!e) { tokfile__err(err, errlen, "%s: out of memory", path); goto done; }
    if (!tokfile__vocab_entries(vocab, e, &n_e, path, "model.vocab", err, errlen)) goto done;
    if (added) {
        for (i = 0; i < added->count; i++) {
            const json_value *a = &added->items[i], *content = json_get(a, "content");
            long long id;
            if (a->type != JSON_OBJECT || !content || content->type != JSON_STRING || !json_is_int(json_get(a, "id"), &id)) {
                tokfile__err(err, errlen, "%s: added_tokens[%lu] needs an integer \"id\" and a string \"content\"", path, (unsigned long)i);
                goto done;
            }
            if (!tokfile__unset(a, "lstrip") || !tokfile__unset(a, "rstrip") || !tokfile__unset(a, "single_word")) {
                tokfile__err(err, errlen, "%s: added_tokens[%lu] %s: lstrip/rstrip/single_word are not supported", path, (unsigned long)i,
                             tokfile__show(content->str, content->len, b1));
                goto done;
            }
            e[n_e].s = content->str;
            e[n_e].n = content->len;
            e[n_e].id = id;
            e[n_e].where = "added_tokens";
            n_e++;
        }
    }
    if (!tokfile__fill_vocab(tf, e, n_e, path, err, errlen)) goto done;
    if (added && added->count) {
        tf->special = (uint32_t *)malloc(added->count * sizeof(uint32_t));
        if (!tf->special) { tokfile__err(err, errlen, "%s: out of memory", path); goto done; }
        for (i = 0; i < added->count; i++) {
            long long id = 0;
            json_is_int(json_get(&added->items[i], "id"), &id);
            tf->special[tf->n_special++] = (uint32_t)id;
        }
    }
    if (!tokfile__map_build(&map, tf, path, err, errlen)) goto done;
    if (mlist->count > UINT32_MAX / 2) { tokfile__err(err, errlen, "%s: too many merges", path); goto done; }
    tf->merges = (uint32_t *)malloc((mlist->count * 2 + 1) * sizeof(uint32_t));
    if (!tf->merges) { tokfile__err(err, errlen, "%s: out of memory", path); goto done; }
    for (i = 0; i < mlist->count; i++) {
        const json_value *m = &mlist->items[i];
        if (m->type == JSON_STRING) {
            /* "a b": exactly one space (HF splits on ' ' and wants two parts) */
            const char *sp = (const char *)memchr(m->str, ' ', m->len);
            if (!sp || memchr(sp + 1, ' ', m->len - (size_t)(sp - m->str) - 1) || sp == m->str || sp + 1 == m->str + m->len) {
                tokfile__err(err, errlen, "%s: model.merges[%lu] %s is not of the form \"left right\"", path, (unsigned long)i, tokfile__show(m->str, m->len, b1));
                goto done;
            }
            if (!tokfile__add_merge(tf, &map, i, m->str, (size_t)(sp - m->str), sp + 1, m->len - (size_t)(sp - m->str) - 1,
                                    &scratch, &scap, path, "model.merges", err, errlen)) goto done;
        } else if (m->type == JSON_ARRAY && m->count == 2 && m->items[0].type == JSON_STRING && m->items[1].type == JSON_STRING) {
            if (!tokfile__add_merge(tf, &map, i, m->items[0].str, m->items[0].len, m->items[1].str, m->items[1].len,
                                    &scratch, &scap, path, "model.merges", err, errlen)) goto done;
        } else {
            tokfile__err(err, errlen, "%s: model.merges[%lu] is neither \"left right\" nor [\"left\", \"right\"]", path, (unsigned long)i);
            goto done;
        }
    }
    tf->n_merges = (uint32_t)mlist->count;
    ok = 1;
done:
    free(scratch);
    free(map.slots);
    free(e);
    json_free(root);
    if (!ok) tokfile_free(tf);
    return ok ? 0 : -1;
}

static int tokfile_load_gpt2_memory(tokfile *tf, const char *vocab_text, size_t vocab_len, const char *vocab_json,
                                    const char *merges_text, size_t len, const char *merges_txt, char *err, size_t errlen)
{
    json_value *root;
    tokfile__entry *e = NULL;
    size_t n_e = 0, cap_m = 0, scap = 0, lineno = 0, k = 0;
    tokfile__map map;
    const char *p, *end;
    char *scratch = NULL;
    char b1[64];
    int ok = 0;
    uint32_t eot;
    memset(tf, 0, sizeof *tf);
    map.slots = NULL;
    if (err && errlen) err[0] = 0;
    if (!vocab_json) vocab_json = "vocab.json";
    if (!merges_txt) merges_txt = "merges.txt";
    if (!vocab_text) { vocab_text = ""; vocab_len = 0; }
    if (!merges_text) { merges_text = ""; len = 0; }
    root = tokfile__parse_json(vocab_text, vocab_len, vocab_json, err, errlen);
    if (!root) return -1;
    e = (tokfile__entry *)malloc((root->type == JSON_OBJECT ? root->count : 0) * sizeof *e + 1);
    if (!e) { tokfile__err(err, errlen, "%s: out of memory", vocab_json); goto done; }
    if (!tokfile__vocab_entries(root, e, &n_e, vocab_json, "vocabulary", err, errlen)) goto done;
    if (!tokfile__fill_vocab(tf, e, n_e, vocab_json, err, errlen)) goto done;
    if (!tokfile__map_build(&map, tf, vocab_json, err, errlen)) goto done;
    eot = tokfile__map_get(&map, "<|endoftext|>", 13);
    if (eot != UINT32_MAX) {
        tf->special = (uint32_t *)malloc(sizeof(uint32_t));
        if (!tf->special) { tokfile__err(err, errlen, "out of memory"); goto done; }
        tf->special[0] = eot;
        tf->n_special = 1;
    }
    p = merges_text;
    end = merges_text + len;
    while (p < end) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p)), *le, *sp;
        char where[64];
        if (!nl) nl = end;
        le = nl;
        if (le > p && le[-1] == '\r') le--;
        lineno++;
        if (lineno == 1 && le - p >= 8 && memcmp(p, "#version", 8) == 0) { p = nl < end ? nl + 1 : end; continue; }
        if (le == p) {
            /* empty lines are allowed only at the end */
            const char *q = nl;
            while (q < end && (*q == '\n' || *q == '\r')) q++;
            if (q != end) { tokfile__err(err, errlen, "%s: line %lu: empty line", merges_txt, (unsigned long)lineno); goto done; }
            break;
        }
        sp = (const char *)memchr(p, ' ', (size_t)(le - p));
        if (!sp || sp == p || sp + 1 == le || memchr(sp + 1, ' ', (size_t)(le - sp - 1))) {
            tokfile__err(err, errlen, "%s: line %lu: %s is not of the form \"left right\"", merges_txt, (unsigned long)lineno, tokfile__show(p, (size_t)(le - p), b1));
            goto done;
        }
        if (k == cap_m) {
            uint32_t *nm;
            cap_m = cap_m ? cap_m * 2 : 1024;
            if (cap_m > UINT32_MAX / 2) { tokfile__err(err, errlen, "%s: too many merges", merges_txt); goto done; }
            nm = (uint32_t *)realloc(tf->merges, cap_m * 2 * sizeof(uint32_t));
            if (!nm) { tokfile__err(err, errlen, "%s: out of memory", merges_txt); goto done; }
            tf->merges = nm;
        }
        snprintf(where, sizeof where, "line %lu, merge", (unsigned long)lineno);
        if (!tokfile__add_merge(tf, &map, k, p, (size_t)(sp - p), sp + 1, (size_t)(le - sp - 1), &scratch, &scap,
                                merges_txt, where, err, errlen)) goto done;
        k++;
        p = nl < end ? nl + 1 : end;
    }
    tf->n_merges = (uint32_t)k;
    ok = 1;
done:
    free(scratch);
    free(map.slots);
    free(e);
    json_free(root);
    if (!ok) tokfile_free(tf);
    return ok ? 0 : -1;
}

static int tokfile_load_hf(tokfile *tf, const char *path, char *err, size_t errlen)
{
    size_t n = 0;
    char *text;
    int ok;
    memset(tf, 0, sizeof *tf);
    text = tokfile__read(path, &n, err, errlen);
    if (!text) return -1;
    ok = tokfile_load_hf_memory(tf, text, n, path, err, errlen) == 0;
    free(text);
    return ok ? 0 : -1;
}

static int tokfile_load_gpt2(tokfile *tf, const char *vocab_json, const char *merges_txt, char *err, size_t errlen)
{
    size_t vn = 0, mn = 0;
    char *vtext, *mtext;
    int ok;
    memset(tf, 0, sizeof *tf);
    vtext = tokfile__read(vocab_json, &vn, err, errlen);
    if (!vtext) return -1;
    mtext = tokfile__read(merges_txt, &mn, err, errlen);
    if (!mtext) { free(vtext); return -1; }
    ok = tokfile_load_gpt2_memory(tf, vtext, vn, vocab_json, mtext, mn, merges_txt, err, errlen) == 0;
    free(vtext);
    free(mtext);
    return ok ? 0 : -1;
}

#endif /* TOKFILE_IMPLEMENTATION_DONE */
#endif /* TOKFILE_IMPLEMENTATION */
