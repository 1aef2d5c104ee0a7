/* cat.h - v0.1.0 - public domain-style MIT single-header inference library for
   Compress And Attend Transformers (CATs) and their dense peers.

   A CAT cuts the sequence into chunks of C tokens, compresses each completed
   chunk into one vector with a small bidirectional transformer, and decodes the
   current chunk with a dense decoder that attends only to the compressed past
   chunks plus its own chunk. Its KV cache holds about L/C + C entries per layer
   instead of L.

   Families: fixed-chunk CAT, adaptive CAT (test-time chunk size 2^p),
   CAT-as-a-layer, and the dense transformer peer.

   USAGE
     In exactly one C or C++ file:
         #define CAT_IMPLEMENTATION
         #include "cat.h"
     Everywhere else just #include "cat.h".

   EXAMPLE (greedy generation; error handling shortened)
         cat_model *m; cat_session *s; char err[256];
         if (cat_model_open("model.cat", &m, err, sizeof err)) { puts(err); return 1; }
         cat_session_params sp; memset(&sp, 0, sizeof sp);   // zero = defaults
         sp.chunk_size = 16;                                  // adaptive CATs only
         cat_session_open(m, &sp, &s);
         int32_t ids[256]; size_t n;
         cat_tokenizer_encode(cat_model_tokenizer(m), "Genesis 1:1", 11, ids, 256, &n);
         cat_session_feed(s, ids, n, NULL);                   // prefill
         for (int i = 0; i < 64; i++) {
             int32_t t = cat_argmax(cat_session_logits(s), cat_model_config(m)->vocab_size);
             size_t len; const char *piece = cat_tokenizer_token_bytes(cat_model_tokenizer(m), t, &len);
             fwrite(piece, 1, len, stdout);
             if (cat_session_feed(s, &t, 1, NULL) != CAT_OK) break;   // CAT_ERR_CONTEXT when full
         }
         cat_session_close(s); cat_model_close(m);

   BUILD FLAGS
     CAT_IMPLEMENTATION   emit the implementation in this translation unit
     CAT_STATIC           make every function static (private to one file)
     CATDEF               linkage of the public functions (default extern)
     _OPENMP              (set by -fopenmp) parallel matmuls and attention; results
                          are bit-identical for any number of threads
     CAT_NO_MMAP          read model files into memory instead of mapping them
     CAT_MALLOC(sz) / CAT_FREE(p) / CAT_REALLOC(p,sz)   allocator overrides

   ERRORS
     Every fallible call returns a cat_result (CAT_OK == 0); cat_result_string()
     names it. Model loading also writes a sentence naming the problem into an
     optional buffer. The library never prints, exits or aborts.

   THREADS
     A cat_model is read-only after cat_model_open and may be shared by any
     number of sessions in any number of threads. A cat_session belongs to one
     thread at a time.

   MEMORY
     cat_session_open sizes and allocates everything the session needs in one
     arena; feeding tokens allocates nothing. When the context is full
     (params.max_context, at most the model's block_size) cat_session_feed
     returns CAT_ERR_CONTEXT and leaves the session unchanged.

   The file format is documented in FORMAT.md. License (MIT) at the end of file.
*/
#ifndef CAT_H_INCLUDED
#define CAT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define CAT_VERSION_MAJOR 0
#define CAT_VERSION_MINOR 1
#define CAT_VERSION_PATCH 0

#ifndef CATDEF
#ifdef CAT_STATIC
#define CATDEF static
#else
#define CATDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results ---------------------------------------------------------- */
#define CAT_RESULT_LIST(X) \
    X(CAT_OK,               "ok") \
    X(CAT_ERR_IO,           "cannot open or read the file") \
    X(CAT_ERR_NOMEM,        "out of memory") \
    X(CAT_ERR_MAGIC,        "not a cat.h model file (bad magic)") \
    X(CAT_ERR_VERSION,      "unsupported model file version") \
    X(CAT_ERR_TRUNCATED,    "model file is truncated") \
    X(CAT_ERR_FORMAT,       "malformed model file") \
    X(CAT_ERR_CONFIG,       "invalid model configuration") \
    X(CAT_ERR_TENSOR,       "missing, unexpected or malformed tensor") \
    X(CAT_ERR_TOKENIZER,    "invalid tokenizer data") \
    X(CAT_ERR_NO_TOKENIZER, "the model file holds no tokenizer") \
    X(CAT_ERR_ARGS,         "invalid argument") \
    X(CAT_ERR_TOKEN,        "token id out of range") \
    X(CAT_ERR_CHUNK,        "chunk size not supported by this model") \
    X(CAT_ERR_CONTEXT,      "context is full") \
    X(CAT_ERR_BUFFER,       "output buffer too small")

typedef enum {
#define CAT__ENUM(name, text) name,
    CAT_RESULT_LIST(CAT__ENUM)
#undef CAT__ENUM
    CAT_RESULT_COUNT
} cat_result;

CATDEF const char *cat_result_string(cat_result r);

/* ---- configuration ---------------------------------------------------- */
typedef enum {
    CAT_FAMILY_DENSE = 0,        /* transformer.py */
    CAT_FAMILY_CAT = 1,          /* cat_transformer.py (fixed chunk) */
    CAT_FAMILY_CAT_ADAPTIVE = 2, /* cat_transformer_adaptive.py */
    CAT_FAMILY_CAT_LAYER = 3     /* cat_layer.py */
} cat_family;

typedef struct {
    int32_t dim, n_head, n_local_heads, head_dim, n_layer, intermediate_size;
    int32_t use_qk_norm;        /* 0 or 1 */
    int32_t rope_n_elem;        /* dims rotated by RoPE (head_dim, except CAT layers) */
    double rope_base, norm_eps;
} cat_block_config;

typedef struct {
    cat_family family;
    int32_t vocab_size;         /* real vocabulary; ids >= this are padding */
    int32_t padded_vocab;       /* rows of wte / output, width of logits */
    int32_t block_size;         /* maximum context */
    int32_t chunk_size;         /* CATs: chunk size (adaptive: the largest); dense: 0 */
    int32_t dim_fx;             /* CATs: width of a compressed chunk; CAT layer: attention width */
    cat_block_config dec;       /* decoder (or the whole model for dense / CAT layer) */
    cat_block_config comp;      /* compressor (CAT, adaptive CAT only) */
    int32_t layer_n_head;       /* CAT layer: heads of the CAT attention (dim_fx / 64) */
    int32_t layer_head_dim;     /* CAT layer: head size of the CAT attention */
} cat_config;

typedef enum { CAT_DTYPE_F32 = 0, CAT_DTYPE_BF16 = 1 } cat_dtype;

/* Checks a configuration and fills its derived fields (head_dim, rope_n_elem,
   layer_n_head, layer_head_dim). */
CATDEF cat_result cat_config_validate(cat_config *cfg, char *err, size_t errlen);

/* The tensors a model of this configuration holds, by name and shape, in the
   order a converter writes them. Returns the count (fills at most cap). */
typedef struct { char name[96]; int ndim; int64_t dims[2]; } cat_tensor_spec;
CATDEF int cat_config_tensor_specs(const cat_config *cfg, cat_tensor_spec *out, int cap);
CATDEF void cat_format_shape(char *buf, size_t n, int ndim, const int64_t *dims);

typedef struct cat_model cat_model;
typedef struct cat_session cat_session;
typedef struct cat_tokenizer cat_tokenizer;

/* ---- models ----------------------------------------------------------- */
/* err (may be NULL) receives a sentence naming the problem on failure. */
CATDEF cat_result cat_model_open(const char *path, cat_model **out, char *err, size_t errlen);
/* Uses data in place when it is 64-byte aligned (it must then outlive the
   model), otherwise copies it. */
CATDEF cat_result cat_model_open_memory(const void *data, size_t size, cat_model **out, char *err, size_t errlen);
CATDEF void cat_model_close(cat_model *m);
CATDEF const cat_config *cat_model_config(const cat_model *m);
CATDEF const cat_tokenizer *cat_model_tokenizer(const cat_model *m); /* NULL if the file has none */
CATDEF size_t cat_model_weight_bytes(const cat_model *m);
CATDEF size_t cat_model_file_bytes(const cat_model *m);
/* the tensor directory, for tools: returns CAT_ERR_ARGS past the end */
CATDEF int cat_model_tensor_count(const cat_model *m);
CATDEF cat_result cat_model_tensor_info(const cat_model *m, int i, const char **name, cat_dtype *dtype,
                                        int *ndim, int64_t dims[4], uint64_t *offset, uint64_t *nbytes);
CATDEF const char *cat_family_name(cat_family f);
/* Valid test-time chunk size for this model? (1 for adaptive powers of two up to the max) */
CATDEF int cat_model_chunk_ok(const cat_model *m, int32_t chunk);

/* ---- sessions --------------------------------------------------------- */
typedef struct {
    int32_t chunk_size;   /* adaptive CAT: test-time chunk (power of two <= max); 0 = the model's */
    int32_t max_context;  /* tokens the session may hold; 0 = the model's block_size */
    int32_t n_batch;      /* tokens per internal prefill step; 0 = min(512, max_context) */
    int32_t n_threads;    /* OpenMP threads; 0 = OpenMP's default */
} cat_session_params;

CATDEF cat_result cat_session_open(const cat_model *m, const cat_session_params *p, cat_session **out);
/* Feed n tokens. logits: NULL, or room for n * padded_vocab floats that receive
   the next-token logits after each fed token. On an error nothing is fed. */
CATDEF cat_result cat_session_feed(cat_session *s, const int32_t *tokens, size_t n, float *logits);
CATDEF const float *cat_session_logits(const cat_session *s); /* after the last fed token; NULL before any */
CATDEF int32_t cat_session_pos(const cat_session *s);         /* tokens held */
CATDEF int32_t cat_session_chunk(const cat_session *s);       /* chunk size in use (0 for dense) */
CATDEF int32_t cat_session_max_context(const cat_session *s);
CATDEF size_t cat_session_kv_bytes(const cat_session *s);     /* bytes of KV cache live now */
CATDEF size_t cat_session_kv_bytes_at(const cat_session *s, int32_t pos); /* ... when pos tokens are held */
CATDEF size_t cat_session_memory(const cat_session *s);       /* bytes the session allocated */
CATDEF void cat_session_reset(cat_session *s);
CATDEF void cat_session_close(cat_session *s);

/* Full-sequence forward: logits (n * padded_vocab) for every position.
   chunk: test-time chunk for adaptive CATs (0 = the model's). Allocates a
   temporary session. */
CATDEF cat_result cat_forward(const cat_model *m, int32_t chunk, const int32_t *tokens, size_t n, float *logits);

/* ---- sampling --------------------------------------------------------- */
typedef struct { uint64_t state; } cat_rng;
CATDEF void cat_rng_seed(cat_rng *r, uint64_t seed);
CATDEF uint64_t cat_rng_next(cat_rng *r);
CATDEF float cat_rng_float(cat_rng *r); /* [0, 1) */
CATDEF int32_t cat_argmax(const float *logits, int32_t n);

#ifdef __cplusplus
}
#endif
#endif /* CAT_H_INCLUDED */

/* ======================================================================= */
#ifdef CAT_IMPLEMENTATION
#ifndef CAT_IMPLEMENTATION_DONE
#define CAT_IMPLEMENTATION_DONE

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <limits.h>

#if !defined(CAT_NO_MMAP) && (defined(__unix__) || defined(__APPLE__))
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#define CAT__HAVE_MMAP 1
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef CAT_MALLOC
#define CAT_MALLOC(sz) malloc(sz)
#define CAT_FREE(p) free(p)
#define CAT_REALLOC(p, sz) realloc(p, sz)
#endif

#ifdef CAT_STATIC
#define CAT__API static
#else
#define CAT__API
#endif

#define CAT__ALIGN 64
#define CAT__MAX_DIM (1 << 20)
#define CAT__MAX_LAYERS 4096
#define CAT__MAX_CTX (1 << 24)

CAT__API const char *cat_result_string(cat_result r) {
    static const char *const names[] = {
#define CAT__STR(name, text) text,
        CAT_RESULT_LIST(CAT__STR)
#undef CAT__STR
    };
    if ((int)r < 0 || (int)r >= (int)CAT_RESULT_COUNT) return "unknown error";
    return names[r];
}

CAT__API const char *cat_family_name(cat_family f) {
    switch (f) {
    case CAT_FAMILY_DENSE: return "dense";
    case CAT_FAMILY_CAT: return "cat";
    case CAT_FAMILY_CAT_ADAPTIVE: return "cat_adaptive";
    case CAT_FAMILY_CAT_LAYER: return "cat_layer";
    }
    return "unknown";
}

static void cat__err(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    if (!err || errlen == 0) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- little-endian readers (no struct I/O, no unaligned loads) ---------- */
static uint32_t cat__rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t cat__rd64(const uint8_t *p) {
    return (uint64_t)cat__rd32(p) | ((uint64_t)cat__rd32(p + 4) << 32);
}
static double cat__rdf64(const uint8_t *p) {
    uint64_t u = cat__rd64(p); double d; memcpy(&d, &u, 8); return d;
}
static int cat__host_is_le(void) {
    uint32_t one = 1; uint8_t b; memcpy(&b, &one, 1); return b == 1;
}

/* a bounded cursor over a section of the file */
typedef struct { const uint8_t *p; uint64_t len, off; int bad; } cat__cur;
static int cat__need(cat__cur *c, uint64_t n) {
    if (c->bad || n > c->len - c->off) { c->bad = 1; return 0; }
    return 1;
}
static uint32_t cat__cu32(cat__cur *c) {
    uint32_t v; if (!cat__need(c, 4)) return 0; v = cat__rd32(c->p + c->off); c->off += 4; return v;
}
static uint64_t cat__cu64(cat__cur *c) {
    uint64_t v; if (!cat__need(c, 8)) return 0; v = cat__rd64(c->p + c->off); c->off += 8; return v;
}
static const uint8_t *cat__cbytes(cat__cur *c, uint64_t n) {
    const uint8_t *r; if (!cat__need(c, n)) return NULL; r = c->p + c->off; c->off += n; return r;
}

static float cat__bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16; float f; memcpy(&f, &u, 4); return f;
}

/* ======================================================================= */
/* model                                                                   */
/* ======================================================================= */

typedef struct {
    const void *data;   /* 64-byte aligned inside the mapping */
    cat_dtype dtype;
    int64_t rows, cols; /* 2-D view: rows x cols (1-D tensors: 1 x n) */
} cat__tensor;

typedef struct {
    cat__tensor attn_norm, wqkv, wo, q_norm, k_norm, ffn_norm, fc1, fc2, proj;
    /* CAT layer only */
    cat__tensor expand, comp_w, comp_b, dummy, final_proj;
} cat__layer;

typedef struct {
    char name[96];
    cat_dtype dtype;
    int ndim;
    int64_t dims[4];
    uint64_t offset, nbytes;
    int used;
} cat__dirent;

struct cat_model {
    cat_config cfg;
    /* decoder */
    cat__tensor wte, norm, output, dummy_fx, separator;
    cat__layer *layers;
    /* compressor */
    cat__tensor c_wte, c_pos, c_adaptive, c_norm, c_proj_fx;
    cat__layer *c_layers;
    /* storage */
    const uint8_t *base; uint64_t size;
    void *owned;        /* aligned copy (read fallback / unaligned memory) */
    void *owned_raw;
    void *map; size_t map_len;
    cat__dirent *dir; uint32_t n_dir;
    cat_tokenizer *tok;
    size_t weight_bytes;
};

/* file layout constants (see FORMAT.md) */
#define CAT__MAGIC "CATMODEL"
#define CAT__VERSION 1
#define CAT__HDR 128
enum { CAT__KV_I64 = 1, CAT__KV_F64 = 2, CAT__KV_STR = 3 };

/* forward declaration: the tokenizer (implemented further below) */
static cat_result cat__tokenizer_from_section(cat_tokenizer **out, const uint8_t *p, uint64_t len, char *err, size_t errlen);
CATDEF void cat_tokenizer_free(cat_tokenizer *t);
CATDEF uint32_t cat_tokenizer_vocab_size(const cat_tokenizer *t);

typedef struct {
    int has_family; char family[32];
    int64_t ival[64]; double fval[64]; int iset[64], fset[64];
} cat__kvset;

/* known config keys; index into cat__kvset arrays */
static const char *const cat__int_keys[] = {
    "vocab_size", "padded_vocab_size", "block_size", "chunk_size", "dim_fx",
    "decoder.dim", "decoder.n_head", "decoder.n_local_heads", "decoder.n_layer",
    "decoder.intermediate_size", "decoder.use_qk_norm",
    "compressor.dim", "compressor.n_head", "compressor.n_local_heads", "compressor.n_layer",
    "compressor.intermediate_size", "compressor.use_qk_norm"
};
static const char *const cat__flt_keys[] = {
    "decoder.rope_base", "decoder.norm_eps", "compressor.rope_base", "compressor.norm_eps"
};
#define CAT__NI ((int)(sizeof cat__int_keys / sizeof cat__int_keys[0]))
#define CAT__NF ((int)(sizeof cat__flt_keys / sizeof cat__flt_keys[0]))

static int cat__key_is(const uint8_t *k, uint32_t n, const char *s) {
    return strlen(s) == n && memcmp(k, s, n) == 0;
}

static cat_result cat__parse_kv(cat__cur *c, uint32_t n_kv, cat__kvset *kv, char *err, size_t errlen) {
    uint32_t i; int j;
    memset(kv, 0, sizeof *kv);
    for (i = 0; i < n_kv; i++) {
        uint32_t klen = cat__cu32(c), type;
        const uint8_t *key;
        if (klen == 0 || klen > 256) { if (!c->bad) { cat__err(err, errlen, "config entry %u has a key length of %u (1..256 allowed)", i, klen); return CAT_ERR_FORMAT; } break; }
        key = cat__cbytes(c, klen);
        type = cat__cu32(c);
        if (c->bad) break;
        if (type == CAT__KV_I64) {
            int64_t v = (int64_t)cat__cu64(c);
            if (c->bad) break;
            for (j = 0; j < CAT__NI; j++) if (cat__key_is(key, klen, cat__int_keys[j])) {
                if (kv->iset[j]) { cat__err(err, errlen, "config key '%s' appears twice", cat__int_keys[j]); return CAT_ERR_FORMAT; }
                kv->ival[j] = v; kv->iset[j] = 1;
            }
        } else if (type == CAT__KV_F64) {
            double v = cat__rdf64(cat__cbytes(c, 8) ? c->p + c->off - 8 : (const uint8_t *)"\0\0\0\0\0\0\0\0");
            if (c->bad) break;
            for (j = 0; j < CAT__NF; j++) if (cat__key_is(key, klen, cat__flt_keys[j])) {
                if (kv->fset[j]) { cat__err(err, errlen, "config key '%s' appears twice", cat__flt_keys[j]); return CAT_ERR_FORMAT; }
                kv->fval[j] = v; kv->fset[j] = 1;
            }
        } else if (type == CAT__KV_STR) {
            uint32_t slen = cat__cu32(c);
            const uint8_t *s = cat__cbytes(c, slen);
            if (c->bad) break;
            if (cat__key_is(key, klen, "family")) {
                if (slen == 0 || slen >= sizeof kv->family) { cat__err(err, errlen, "config key 'family' has a bad length %u", slen); return CAT_ERR_FORMAT; }
                memcpy(kv->family, s, slen); kv->family[slen] = 0; kv->has_family = 1;
            }
        } else {
            cat__err(err, errlen, "config entry %u has unknown value type %u", i, type);
            return CAT_ERR_FORMAT;
        }
    }
    if (c->bad) { cat__err(err, errlen, "config section ends in the middle of entry %u", i); return CAT_ERR_TRUNCATED; }
    return CAT_OK;
}

static int cat__is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }
static int cat__log2i(int64_t x) { int p = 0; while (x > 1) { x >>= 1; p++; } return p; }

/* validate one block config and fill its derived fields */
static cat_result cat__block_validate(cat_block_config *b, const char *what, char *err, size_t errlen) {
    const int32_t v[5] = { b->dim, b->n_head, b->n_local_heads, b->n_layer, b->intermediate_size };
    const char *names[5] = { "dim", "n_head", "n_local_heads", "n_layer", "intermediate_size" };
    int k;
    for (k = 0; k < 5; k++) if (v[k] <= 0 || v[k] > CAT__MAX_DIM || (k == 3 && v[k] > CAT__MAX_LAYERS)) {
        cat__err(err, errlen, "config %s.%s = %d is out of range", what, names[k], (int)v[k]); return CAT_ERR_CONFIG;
    }
    if (b->use_qk_norm != 0 && b->use_qk_norm != 1) { cat__err(err, errlen, "config %s.use_qk_norm must be 0 or 1", what); return CAT_ERR_CONFIG; }
    if (!(b->rope_base > 1.0 && b->rope_base < 1e12)) { cat__err(err, errlen, "config %s.rope_base = %g is out of range", what, b->rope_base); return CAT_ERR_CONFIG; }
    if (!(b->norm_eps >= 0.0 && b->norm_eps < 1.0)) { cat__err(err, errlen, "config %s.norm_eps = %g is out of range", what, b->norm_eps); return CAT_ERR_CONFIG; }
    if (b->dim % b->n_head) { cat__err(err, errlen, "config %s.dim = %d is not a multiple of n_head = %d", what, b->dim, b->n_head); return CAT_ERR_CONFIG; }
    if (b->n_head % b->n_local_heads) { cat__err(err, errlen, "config %s.n_head = %d is not a multiple of n_local_heads = %d", what, b->n_head, b->n_local_heads); return CAT_ERR_CONFIG; }
    b->head_dim = b->dim / b->n_head;
    if (b->head_dim % 2) { cat__err(err, errlen, "config %s: head size %d is odd (RoPE needs an even size)", what, b->head_dim); return CAT_ERR_CONFIG; }
    b->rope_n_elem = b->head_dim;
    return CAT_OK;
}

CAT__API cat_result cat_config_validate(cat_config *cfg, char *err, size_t errlen) {
    cat_result r;
    if ((int)cfg->family < 0 || (int)cfg->family > CAT_FAMILY_CAT_LAYER) { cat__err(err, errlen, "config family %d is unknown", (int)cfg->family); return CAT_ERR_CONFIG; }
    if (cfg->vocab_size <= 0 || cfg->vocab_size > (1 << 24)) { cat__err(err, errlen, "config vocab_size = %d is out of range", (int)cfg->vocab_size); return CAT_ERR_CONFIG; }
    if (cfg->padded_vocab < cfg->vocab_size || cfg->padded_vocab > (1 << 24)) { cat__err(err, errlen, "config padded_vocab_size = %d must be >= vocab_size = %d", (int)cfg->padded_vocab, (int)cfg->vocab_size); return CAT_ERR_CONFIG; }
    if (cfg->block_size <= 0 || cfg->block_size > CAT__MAX_CTX) { cat__err(err, errlen, "config block_size = %d is out of range", (int)cfg->block_size); return CAT_ERR_CONFIG; }
    r = cat__block_validate(&cfg->dec, cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? "decoder" : "model", err, errlen);
    if (r) return r;
    if (cfg->family == CAT_FAMILY_DENSE) { cfg->chunk_size = 0; cfg->dim_fx = 0; return CAT_OK; }
    if (cfg->chunk_size <= 0 || cfg->chunk_size > 4096 || cfg->chunk_size > cfg->block_size) { cat__err(err, errlen, "config chunk_size = %d is out of range (1..min(4096, block_size))", (int)cfg->chunk_size); return CAT_ERR_CONFIG; }
    if (cfg->dim_fx <= 0 || cfg->dim_fx > CAT__MAX_DIM) { cat__err(err, errlen, "config dim_fx = %d is out of range", (int)cfg->dim_fx); return CAT_ERR_CONFIG; }
    if (cfg->block_size % cfg->chunk_size) { cat__err(err, errlen, "config block_size = %d is not a multiple of chunk_size = %d", (int)cfg->block_size, (int)cfg->chunk_size); return CAT_ERR_CONFIG; }
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        cfg->layer_n_head = cfg->dim_fx / 64;
        if (cfg->layer_n_head < 1 || cfg->dim_fx % cfg->layer_n_head) { cat__err(err, errlen, "config dim_fx = %d: a CAT layer needs dim_fx >= 64 and divisible by dim_fx / 64 heads", (int)cfg->dim_fx); return CAT_ERR_CONFIG; }
        cfg->layer_head_dim = cfg->dim_fx / cfg->layer_n_head;
        if (cfg->dec.head_dim > cfg->layer_head_dim) { cat__err(err, errlen, "config: RoPE size %d (dim / n_head) exceeds the CAT layer head size %d", (int)cfg->dec.head_dim, (int)cfg->layer_head_dim); return CAT_ERR_CONFIG; }
        if ((int64_t)cfg->chunk_size * cfg->dec.dim > ((int64_t)1 << 28)) { cat__err(err, errlen, "config chunk_size * dim is too large"); return CAT_ERR_CONFIG; }
        return CAT_OK;
    }
    cfg->layer_n_head = cfg->layer_head_dim = 0;
    if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE && !cat__is_pow2(cfg->chunk_size)) { cat__err(err, errlen, "config chunk_size = %d must be a power of two for an adaptive CAT", (int)cfg->chunk_size); return CAT_ERR_CONFIG; }
    if (cfg->dim_fx != cfg->dec.dim) { cat__err(err, errlen, "config compressor dim_fx = %d must equal the decoder dim = %d", (int)cfg->dim_fx, (int)cfg->dec.dim); return CAT_ERR_CONFIG; }
    r = cat__block_validate(&cfg->comp, "compressor", err, errlen);
    if (r) return r;
    if ((int64_t)cfg->chunk_size * cfg->comp.dim > ((int64_t)1 << 28)) { cat__err(err, errlen, "config chunk_size * compressor.dim is too large"); return CAT_ERR_CONFIG; }
    return CAT_OK;
}

static cat_result cat__config_from_kv(const cat__kvset *kv, cat_config *cfg, char *err, size_t errlen) {
    int i;
    memset(cfg, 0, sizeof *cfg);
    if (!kv->has_family) { cat__err(err, errlen, "config lacks 'family'"); return CAT_ERR_CONFIG; }
    if (!strcmp(kv->family, "dense")) cfg->family = CAT_FAMILY_DENSE;
    else if (!strcmp(kv->family, "cat")) cfg->family = CAT_FAMILY_CAT;
    else if (!strcmp(kv->family, "cat_adaptive")) cfg->family = CAT_FAMILY_CAT_ADAPTIVE;
    else if (!strcmp(kv->family, "cat_layer")) cfg->family = CAT_FAMILY_CAT_LAYER;
    else { cat__err(err, errlen, "config family '%s' is unknown (dense, cat, cat_adaptive, cat_layer)", kv->family); return CAT_ERR_CONFIG; }
    for (i = 0; i < CAT__NI; i++) {
        int needed = i < 3 || (i >= 5 && i <= 9) || (cfg->family != CAT_FAMILY_DENSE && (i == 3 || i == 4)) ||
                     ((cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_ADAPTIVE) && i >= 11 && i <= 15);
        if (needed && !kv->iset[i]) { cat__err(err, errlen, "config lacks '%s'", cat__int_keys[i]); return CAT_ERR_CONFIG; }
        if (kv->iset[i] && (kv->ival[i] < INT32_MIN || kv->ival[i] > INT32_MAX)) { cat__err(err, errlen, "config '%s' = %lld is out of range", cat__int_keys[i], (long long)kv->ival[i]); return CAT_ERR_CONFIG; }
    }
    cfg->vocab_size = (int32_t)kv->ival[0];
    cfg->padded_vocab = (int32_t)kv->ival[1];
    cfg->block_size = (int32_t)kv->ival[2];
    cfg->chunk_size = (int32_t)kv->ival[3];
    cfg->dim_fx = (int32_t)kv->ival[4];
    {
        cat_block_config *b[2];
        int ib, k;
        b[0] = &cfg->dec; b[1] = &cfg->comp;
        for (k = 0; k < 2; k++) {
            ib = k ? 11 : 5;
            b[k]->dim = (int32_t)kv->ival[ib + 0];
            b[k]->n_head = (int32_t)kv->ival[ib + 1];
            b[k]->n_local_heads = (int32_t)kv->ival[ib + 2];
            b[k]->n_layer = (int32_t)kv->ival[ib + 3];
            b[k]->intermediate_size = (int32_t)kv->ival[ib + 4];
            b[k]->use_qk_norm = kv->iset[ib + 5] ? (int32_t)kv->ival[ib + 5] : 0;
            b[k]->rope_base = kv->fset[2 * k] ? kv->fval[2 * k] : 10000.0;
            b[k]->norm_eps = kv->fset[2 * k + 1] ? kv->fval[2 * k + 1] : 1e-5;
        }
    }
    return cat_config_validate(cfg, err, errlen);
}

/* ---- the tensors a configuration needs ----------------------------------- */
/* Emits every tensor of a model in file order; dst[i] (when m is given) is
   where the loader binds it. Returns the count (may exceed cap). */
static int cat__specs(const cat_config *c, cat_model *m, cat_tensor_spec *out, cat__tensor **dst, int cap) {
    int n = 0, i, j;
    const cat_block_config *d = &c->dec;
    const int64_t PV = c->padded_vocab;
#define CAT__EMIT(ptr, nd, a, b, ...) do { if (n < cap) { \
        snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__); \
        out[n].ndim = (nd); out[n].dims[0] = (a); out[n].dims[1] = (nd) == 2 ? (b) : 0; \
        if (dst) dst[n] = m ? (ptr) : NULL; } n++; } while (0)
    CAT__EMIT(m ? &m->wte : NULL, 2, PV, d->dim, "wte.weight");
    for (j = 0; j < 2; j++) {
        const int comp = j == 1;
        const cat_block_config *b = comp ? &c->comp : d;
        const char *pre = comp ? "f." : "";
        const int cl = !comp && c->family == CAT_FAMILY_CAT_LAYER;
        const char *ap = cl ? "attention.attention." : "attention.";
        const int64_t aw = cl ? c->dim_fx : b->dim;
        const int64_t H = cl ? c->layer_n_head : b->n_head, KV = cl ? c->layer_n_head : b->n_local_heads;
        const int64_t hd = cl ? c->layer_head_dim : b->head_dim;
        if (comp && c->family != CAT_FAMILY_CAT && c->family != CAT_FAMILY_CAT_ADAPTIVE) break;
        if (comp) {
            const int ad = c->family == CAT_FAMILY_CAT_ADAPTIVE;
            CAT__EMIT(m ? &m->c_wte : NULL, 2, PV, b->dim, "f.wte.weight");
            CAT__EMIT(m ? &m->c_pos : NULL, 2, ad ? c->block_size : c->block_size / c->chunk_size, b->dim, "f.pos_tokens.weight");
            if (ad) CAT__EMIT(m ? &m->c_adaptive : NULL, 2, cat__log2i(c->chunk_size) + 1, b->dim, "f.adaptive_token.weight");
        }
        for (i = 0; i < b->n_layer; i++) {
            cat__layer *L = m ? (comp ? &m->c_layers[i] : &m->layers[i]) : NULL;
            CAT__EMIT(L ? &L->attn_norm : NULL, 1, b->dim, 0, "%slayers.%d.attention_norm.weight", pre, i);
            CAT__EMIT(L ? &L->wqkv : NULL, 2, (H + 2 * KV) * hd, aw, "%slayers.%d.%swqkv.weight", pre, i, ap);
            CAT__EMIT(L ? &L->wo : NULL, 2, aw, H * hd, "%slayers.%d.%swo.weight", pre, i, ap);
            if (b->use_qk_norm) {
                CAT__EMIT(L ? &L->q_norm : NULL, 1, hd, 0, "%slayers.%d.%sq_norm.weight", pre, i, ap);
                CAT__EMIT(L ? &L->k_norm : NULL, 1, hd, 0, "%slayers.%d.%sk_norm.weight", pre, i, ap);
            }
            if (cl) {
                CAT__EMIT(L ? &L->expand : NULL, 2, c->dim_fx, d->dim, "layers.%d.attention.expand.weight", i);
                CAT__EMIT(L ? &L->comp_w : NULL, 2, c->dim_fx, (int64_t)c->chunk_size * d->dim, "layers.%d.attention.compressor.weight", i);
                CAT__EMIT(L ? &L->comp_b : NULL, 1, c->dim_fx, 0, "layers.%d.attention.compressor.bias", i);
                CAT__EMIT(L ? &L->dummy : NULL, 2, 1, c->dim_fx, "layers.%d.attention.dummy_fx.weight", i);
                CAT__EMIT(L ? &L->final_proj : NULL, 2, d->dim, c->dim_fx, "layers.%d.attention.final_proj.weight", i);
            }
            CAT__EMIT(L ? &L->ffn_norm : NULL, 1, b->dim, 0, "%slayers.%d.ffn_norm.weight", pre, i);
            CAT__EMIT(L ? &L->fc1 : NULL, 2, b->intermediate_size, b->dim, "%slayers.%d.feed_forward.fc_1.weight", pre, i);
            CAT__EMIT(L ? &L->fc2 : NULL, 2, b->intermediate_size, b->dim, "%slayers.%d.feed_forward.fc_2.weight", pre, i);
            CAT__EMIT(L ? &L->proj : NULL, 2, b->dim, b->intermediate_size, "%slayers.%d.feed_forward.proj.weight", pre, i);
        }
        if (comp) {
            CAT__EMIT(m ? &m->c_norm : NULL, 1, b->dim, 0, "f.norm.weight");
            CAT__EMIT(m ? &m->c_proj_fx : NULL, 2, c->dim_fx, (int64_t)c->chunk_size * b->dim, "f.proj_fx.weight");
        }
    }
    if (c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE) {
        const int ad = c->family == CAT_FAMILY_CAT_ADAPTIVE;
        CAT__EMIT(m ? &m->dummy_fx : NULL, 2, ad ? cat__log2i(c->chunk_size) + 1 : 1, d->dim, "dummy_fx.weight");
        if (ad) CAT__EMIT(m ? &m->separator : NULL, 2, 1, d->dim, "seperator.weight");
    }
    CAT__EMIT(m ? &m->norm : NULL, 1, d->dim, 0, "norm.weight");
    CAT__EMIT(m ? &m->output : NULL, 2, PV, d->dim, "output.weight");
#undef CAT__EMIT
    return n;
}

CAT__API int cat_config_tensor_specs(const cat_config *cfg, cat_tensor_spec *out, int cap) {
    return cat__specs(cfg, NULL, out, NULL, cap);
}

static cat__dirent *cat__find(cat_model *m, const char *name) {
    uint32_t i;
    for (i = 0; i < m->n_dir; i++) if (!strcmp(m->dir[i].name, name)) return &m->dir[i];
    return NULL;
}

CAT__API void cat_format_shape(char *buf, size_t n, int ndim, const int64_t *d) {
    int i; size_t o = 0;
    if (!n) return;
    buf[0] = 0;
    o += (size_t)snprintf(buf + o, n - o, "[");
    for (i = 0; i < ndim && o < n; i++) o += (size_t)snprintf(buf + o, n - o, i ? ", %lld" : "%lld", (long long)d[i]);
    if (o < n) snprintf(buf + o, n - o, "]");
}

static cat_result cat__bind_all(cat_model *m, char *err, size_t errlen) {
    const cat_config *c = &m->cfg;
    int n, i;
    uint32_t k;
    cat_tensor_spec *specs;
    cat__tensor **dst;
    cat_result r = CAT_OK;
    m->layers = (cat__layer *)CAT_MALLOC(sizeof(cat__layer) * (size_t)c->dec.n_layer);
    if (c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE)
        m->c_layers = (cat__layer *)CAT_MALLOC(sizeof(cat__layer) * (size_t)c->comp.n_layer);
    if (!m->layers || ((c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE) && !m->c_layers)) return CAT_ERR_NOMEM;
    memset(m->layers, 0, sizeof(cat__layer) * (size_t)c->dec.n_layer);
    if (m->c_layers) memset(m->c_layers, 0, sizeof(cat__layer) * (size_t)c->comp.n_layer);
    n = cat__specs(c, m, NULL, NULL, 0);
    specs = (cat_tensor_spec *)CAT_MALLOC(sizeof(cat_tensor_spec) * (size_t)n);
    dst = (cat__tensor **)CAT_MALLOC(sizeof(cat__tensor *) * (size_t)n);
    if (!specs || !dst) { CAT_FREE(specs); CAT_FREE(dst); return CAT_ERR_NOMEM; }
    cat__specs(c, m, specs, dst, n);
    for (i = 0; i < n && !r; i++) {
        const cat_tensor_spec *sp = &specs[i];
        cat__dirent *e = cat__find(m, sp->name);
        if (!e) { cat__err(err, errlen, "tensor '%s' is missing", sp->name); r = CAT_ERR_TENSOR; break; }
        if (e->ndim != sp->ndim || e->dims[0] != sp->dims[0] || (sp->ndim == 2 && e->dims[1] != sp->dims[1])) {
            char got[96], exp[96];
            cat_format_shape(got, sizeof got, e->ndim, e->dims);
            cat_format_shape(exp, sizeof exp, sp->ndim, sp->dims);
            cat__err(err, errlen, "tensor '%s' has shape %s, expected %s", sp->name, got, exp);
            r = CAT_ERR_TENSOR; break;
        }
        if (sp->ndim == 1 && e->dtype != CAT_DTYPE_F32) { cat__err(err, errlen, "tensor '%s' is a vector and must be stored as f32", sp->name); r = CAT_ERR_TENSOR; break; }
        dst[i]->data = m->base + e->offset;
        dst[i]->dtype = e->dtype;
        dst[i]->rows = sp->ndim == 2 ? sp->dims[0] : 1;
        dst[i]->cols = sp->ndim == 2 ? sp->dims[1] : sp->dims[0];
        e->used = 1;
        m->weight_bytes += (size_t)e->nbytes;
    }
    CAT_FREE(specs); CAT_FREE(dst);
    if (r) return r;
    for (k = 0; k < m->n_dir; k++) if (!m->dir[k].used) {
        cat__err(err, errlen, "tensor '%s' is not part of a %s model with this configuration", m->dir[k].name, cat_family_name(c->family));
        return CAT_ERR_TENSOR;
    }
    return CAT_OK;
}

static cat_result cat__load(cat_model *m, char *err, size_t errlen) {
    const uint8_t *b = m->base;
    uint64_t size = m->size, kv_off, kv_size, tok_off, tok_size, dir_off, dir_size, data_off, data_size, fsize;
    uint32_t version, n_kv, n_t, i;
    cat__kvset kv;
    cat__cur c;
    cat_result r;
    if (!cat__host_is_le()) { cat__err(err, errlen, "big-endian hosts are not supported"); return CAT_ERR_FORMAT; }
    if (size < 8 || memcmp(b, CAT__MAGIC, 8) != 0) { cat__err(err, errlen, "not a cat.h model file: the first bytes are not \"CATMODEL\" (convert checkpoints with cat-convert)"); return CAT_ERR_MAGIC; }
    if (size < CAT__HDR) { cat__err(err, errlen, "file of %llu bytes is shorter than the %d-byte header", (unsigned long long)size, CAT__HDR); return CAT_ERR_TRUNCATED; }
    version = cat__rd32(b + 8);
    if (version != CAT__VERSION) { cat__err(err, errlen, "model file version %u is not supported (this build reads version %d)", version, CAT__VERSION); return CAT_ERR_VERSION; }
    fsize = cat__rd64(b + 16);
    kv_off = cat__rd64(b + 24); kv_size = cat__rd64(b + 32);
    tok_off = cat__rd64(b + 40); tok_size = cat__rd64(b + 48);
    dir_off = cat__rd64(b + 56); dir_size = cat__rd64(b + 64);
    data_off = cat__rd64(b + 72); data_size = cat__rd64(b + 80);
    n_kv = cat__rd32(b + 88); n_t = cat__rd32(b + 92);
    if (fsize != size) {
        cat__err(err, errlen, "the header says the file has %llu bytes but it has %llu (truncated or padded)", (unsigned long long)fsize, (unsigned long long)size);
        return fsize > size ? CAT_ERR_TRUNCATED : CAT_ERR_FORMAT;
    }
#define CAT__SEC(o, s, nm) \
    if ((o) < CAT__HDR || (o) > size || (s) > size - (o)) { \
        cat__err(err, errlen, "%s section [%llu, +%llu) lies outside the file of %llu bytes", nm, (unsigned long long)(o), (unsigned long long)(s), (unsigned long long)size); \
        return CAT_ERR_FORMAT; }
    CAT__SEC(kv_off, kv_size, "config");
    CAT__SEC(dir_off, dir_size, "tensor directory");
    CAT__SEC(data_off, data_size, "tensor data");
    if (tok_size) { CAT__SEC(tok_off, tok_size, "tokenizer"); }
#undef CAT__SEC
    if (data_off % CAT__ALIGN) { cat__err(err, errlen, "tensor data offset %llu is not 64-byte aligned", (unsigned long long)data_off); return CAT_ERR_FORMAT; }
    if ((uint64_t)n_kv > kv_size / 12) { cat__err(err, errlen, "config count %u cannot fit in a %llu-byte section", n_kv, (unsigned long long)kv_size); return CAT_ERR_FORMAT; }
    if ((uint64_t)n_t > dir_size / 32) { cat__err(err, errlen, "tensor count %u cannot fit in a %llu-byte directory", n_t, (unsigned long long)dir_size); return CAT_ERR_FORMAT; }
    c.p = b + kv_off; c.len = kv_size; c.off = 0; c.bad = 0;
    r = cat__parse_kv(&c, n_kv, &kv, err, errlen);
    if (r) return r;
    r = cat__config_from_kv(&kv, &m->cfg, err, errlen);
    if (r) return r;
    /* tensor directory */
    m->dir = (cat__dirent *)CAT_MALLOC(sizeof(cat__dirent) * (n_t ? n_t : 1));
    if (!m->dir) return CAT_ERR_NOMEM;
    m->n_dir = n_t;
    c.p = b + dir_off; c.len = dir_size; c.off = 0; c.bad = 0;
    for (i = 0; i < n_t; i++) {
        cat__dirent *e = &m->dir[i];
        uint32_t nlen = cat__cu32(&c), dt, nd, k;
        const uint8_t *nm;
        uint64_t numel = 1, esz;
        memset(e, 0, sizeof *e);
        if (c.bad) break;
        if (nlen == 0 || nlen >= sizeof e->name) { cat__err(err, errlen, "tensor %u has a name length of %u (1..%d allowed)", i, nlen, (int)sizeof e->name - 1); return CAT_ERR_FORMAT; }
        nm = cat__cbytes(&c, nlen);
        dt = cat__cu32(&c); nd = cat__cu32(&c);
        if (c.bad) break;
        memcpy(e->name, nm, nlen); e->name[nlen] = 0;
        if (memchr(e->name, 0, nlen)) { cat__err(err, errlen, "tensor %u has a NUL byte in its name", i); return CAT_ERR_FORMAT; }
        if (dt > CAT_DTYPE_BF16) { cat__err(err, errlen, "tensor '%s' has unknown dtype %u", e->name, dt); return CAT_ERR_FORMAT; }
        if (nd < 1 || nd > 4) { cat__err(err, errlen, "tensor '%s' has %u dimensions (1..4 allowed)", e->name, nd); return CAT_ERR_FORMAT; }
        e->dtype = (cat_dtype)dt; e->ndim = (int)nd;
        for (k = 0; k < nd; k++) {
            uint64_t dk = cat__cu64(&c);
            if (c.bad) break;
            if (dk == 0 || dk > ((uint64_t)1 << 31)) { cat__err(err, errlen, "tensor '%s' dimension %u = %llu is out of range", e->name, k, (unsigned long long)dk); return CAT_ERR_FORMAT; }
            if (numel > ((uint64_t)1 << 40) / dk) { cat__err(err, errlen, "tensor '%s' has too many elements (shape product overflows)", e->name); return CAT_ERR_FORMAT; }
            numel *= dk; e->dims[k] = (int64_t)dk;
        }
        e->offset = cat__cu64(&c); e->nbytes = cat__cu64(&c);
        if (c.bad) break;
        esz = e->dtype == CAT_DTYPE_F32 ? 4 : 2;
        if (e->nbytes != numel * esz) { cat__err(err, errlen, "tensor '%s' claims %llu bytes, its shape needs %llu", e->name, (unsigned long long)e->nbytes, (unsigned long long)(numel * esz)); return CAT_ERR_FORMAT; }
        if (e->offset % CAT__ALIGN) { cat__err(err, errlen, "tensor '%s' offset %llu is not 64-byte aligned", e->name, (unsigned long long)e->offset); return CAT_ERR_FORMAT; }
        if (e->offset > data_size || e->nbytes > data_size - e->offset) { cat__err(err, errlen, "tensor '%s' [%llu, +%llu) lies outside the %llu-byte data section", e->name, (unsigned long long)e->offset, (unsigned long long)e->nbytes, (unsigned long long)data_size); return CAT_ERR_FORMAT; }
        e->offset += data_off;
        for (k = 0; k < i; k++) if (!strcmp(m->dir[k].name, e->name)) { cat__err(err, errlen, "tensor '%s' appears twice", e->name); return CAT_ERR_FORMAT; }
    }
    if (c.bad) { cat__err(err, errlen, "tensor directory ends in the middle of entry %u", i); return CAT_ERR_TRUNCATED; }
    r = cat__bind_all(m, err, errlen);
    if (r) return r;
    if (tok_size) {
        r = cat__tokenizer_from_section(&m->tok, b + tok_off, tok_size, err, errlen);
        if (r) return r;
    }
    return CAT_OK;
}

CAT__API void cat_model_close(cat_model *m) {
    if (!m) return;
#ifdef CAT__HAVE_MMAP
    if (m->map) munmap(m->map, m->map_len);
#endif
    if (m->tok) cat_tokenizer_free(m->tok);
    CAT_FREE(m->owned_raw);
    CAT_FREE(m->layers);
    CAT_FREE(m->c_layers);
    CAT_FREE(m->dir);
    CAT_FREE(m);
}

static cat_result cat__finish_open(cat_model *m, cat_model **out, char *err, size_t errlen) {
    cat_result r = cat__load(m, err, errlen);
    if (r) { cat_model_close(m); *out = NULL; return r; }
    *out = m;
    return CAT_OK;
}

static void *cat__aligned_alloc(size_t size, void **raw) {
    uint8_t *p;
    if (size > SIZE_MAX - CAT__ALIGN) return NULL;
    p = (uint8_t *)CAT_MALLOC(size + CAT__ALIGN);
    *raw = p;
    if (!p) return NULL;
    return p + (CAT__ALIGN - ((uintptr_t)p % CAT__ALIGN)) % CAT__ALIGN;
}

CAT__API cat_result cat_model_open_memory(const void *data, size_t size, cat_model **out, char *err, size_t errlen) {
    cat_model *m;
    if (!out) return CAT_ERR_ARGS;
    *out = NULL;
    if (!data && size) return CAT_ERR_ARGS;
    m = (cat_model *)CAT_MALLOC(sizeof *m);
    if (!m) return CAT_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    if ((uintptr_t)data % CAT__ALIGN == 0) {
        m->base = (const uint8_t *)data;
    } else {
        void *p = cat__aligned_alloc(size, &m->owned_raw);
        if (!p) { CAT_FREE(m); return CAT_ERR_NOMEM; }
        if (size) memcpy(p, data, size);
        m->base = (const uint8_t *)p;
    }
    m->size = size;
    return cat__finish_open(m, out, err, errlen);
}

CAT__API cat_result cat_model_open(const char *path, cat_model **out, char *err, size_t errlen) {
    cat_model *m;
    FILE *f;
    long long len;
    if (!out || !path) return CAT_ERR_ARGS;
    *out = NULL;
    m = (cat_model *)CAT_MALLOC(sizeof *m);
    if (!m) return CAT_ERR_NOMEM;
    memset(m, 0, sizeof *m);
#ifdef CAT__HAVE_MMAP
    {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0) { cat__err(err, errlen, "cannot open '%s'", path); CAT_FREE(m); return CAT_ERR_IO; }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); cat__err(err, errlen, "'%s' is not a regular file", path); CAT_FREE(m); return CAT_ERR_IO; }
        if (st.st_size > 0) {
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p != MAP_FAILED) {
                close(fd);
                m->map = p; m->map_len = (size_t)st.st_size;
                m->base = (const uint8_t *)p; m->size = (uint64_t)st.st_size;
                return cat__finish_open(m, out, err, errlen);
            }
        }
        close(fd);
    }
#endif
    f = fopen(path, "rb");
    if (!f) { cat__err(err, errlen, "cannot open '%s'", path); CAT_FREE(m); return CAT_ERR_IO; }
    if (fseek(f, 0, SEEK_END) != 0 || (len = (long long)ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f); cat__err(err, errlen, "cannot determine the size of '%s'", path); CAT_FREE(m); return CAT_ERR_IO;
    }
    {
        void *p = cat__aligned_alloc((size_t)len, &m->owned_raw);
        if (!p) { fclose(f); CAT_FREE(m); return CAT_ERR_NOMEM; }
        if (len && fread(p, 1, (size_t)len, f) != (size_t)len) {
            fclose(f); cat__err(err, errlen, "cannot read '%s'", path); CAT_FREE(m->owned_raw); CAT_FREE(m); return CAT_ERR_IO;
        }
        m->base = (const uint8_t *)p; m->size = (uint64_t)len;
    }
    fclose(f);
    return cat__finish_open(m, out, err, errlen);
}

CAT__API const cat_config *cat_model_config(const cat_model *m) { return &m->cfg; }
CAT__API const cat_tokenizer *cat_model_tokenizer(const cat_model *m) { return m->tok; }
CAT__API size_t cat_model_weight_bytes(const cat_model *m) { return m->weight_bytes; }
CAT__API size_t cat_model_file_bytes(const cat_model *m) { return (size_t)m->size; }
CAT__API int cat_model_tensor_count(const cat_model *m) { return (int)m->n_dir; }
CAT__API cat_result cat_model_tensor_info(const cat_model *m, int i, const char **name, cat_dtype *dtype,
                                          int *ndim, int64_t dims[4], uint64_t *offset, uint64_t *nbytes) {
    const cat__dirent *e;
    int k;
    if (!m || i < 0 || (uint32_t)i >= m->n_dir) return CAT_ERR_ARGS;
    e = &m->dir[i];
    if (name) *name = e->name;
    if (dtype) *dtype = e->dtype;
    if (ndim) *ndim = e->ndim;
    if (dims) for (k = 0; k < 4; k++) dims[k] = k < e->ndim ? e->dims[k] : 0;
    if (offset) *offset = e->offset;
    if (nbytes) *nbytes = e->nbytes;
    return CAT_OK;
}

CAT__API int cat_model_chunk_ok(const cat_model *m, int32_t chunk) {
    const cat_config *c = &m->cfg;
    if (c->family == CAT_FAMILY_DENSE) return chunk == 0;
    if (c->family == CAT_FAMILY_CAT_ADAPTIVE) return chunk == 0 || (cat__is_pow2(chunk) && chunk <= c->chunk_size);
    return chunk == 0 || chunk == c->chunk_size;
}

/* ======================================================================= */
/* kernels                                                                 */
/* ======================================================================= */

static float cat__dot(const float *a, const float *b, int n) {
    float s[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    int i = 0, k;
    for (; i + 8 <= n; i += 8) for (k = 0; k < 8; k++) s[k] += a[i + k] * b[i + k];
    for (; i < n; i++) s[0] += a[i] * b[i];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static float cat__dot_bf16(const float *a, const uint16_t *b, int n) {
    float s[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    int i = 0, k;
    for (; i + 8 <= n; i += 8) for (k = 0; k < 8; k++) s[k] += a[i + k] * cat__bf16_to_f32(b[i + k]);
    for (; i < n; i++) s[0] += a[i] * cat__bf16_to_f32(b[i]);
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* y[i][o] = sum_k x[i][k] * W[o][k]  (x: n rows of W->cols; y: n rows of ldy) */
static void cat__matmul(float *y, int ldy, const float *x, int n, const cat__tensor *W, int nth) {
    const int in = (int)W->cols, out = (int)W->rows;
    int o;
    (void)nth;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static) if (out * (int64_t)n * in > 32768)
#endif
    for (o = 0; o < out; o++) {
        int i;
        if (W->dtype == CAT_DTYPE_F32) {
            const float *w = (const float *)W->data + (size_t)o * in;
            for (i = 0; i < n; i++) y[(size_t)i * ldy + o] = cat__dot(x + (size_t)i * in, w, in);
        } else {
            const uint16_t *w = (const uint16_t *)W->data + (size_t)o * in;
            for (i = 0; i < n; i++) y[(size_t)i * ldy + o] = cat__dot_bf16(x + (size_t)i * in, w, in);
        }
    }
}

/* one row of a table (embedding lookup) into f32 */
static void cat__row(float *dst, const cat__tensor *t, int64_t row) {
    int64_t j, n = t->cols;
    if (t->dtype == CAT_DTYPE_F32) memcpy(dst, (const float *)t->data + row * n, sizeof(float) * (size_t)n);
    else {
        const uint16_t *s = (const uint16_t *)t->data + row * n;
        for (j = 0; j < n; j++) dst[j] = cat__bf16_to_f32(s[j]);
    }
}

static void cat__rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    double ss = 0;
    float r;
    int i;
    for (i = 0; i < n; i++) ss += (double)x[i] * x[i];
    r = (float)(1.0 / sqrt(ss / n + (double)eps));
    for (i = 0; i < n; i++) y[i] = (x[i] * r) * w[i];
}

static float cat__silu(float x) { return x / (1.0f + expf(-x)); }

/* ======================================================================= */
/* sessions                                                                */
/* ======================================================================= */

/* A slot is one row of the attention sequence: a token, a compressed chunk
   (fx), a separator, or a compressor input. Its key/value goes either to the
   global list (fx slots, or every token of a dense model) or to the local list
   of its block. It sees global entries [0, ng) and local entries
   [loc0, loc0 + nl) of its block. */
typedef struct {
    int32_t pos;    /* RoPE position */
    int32_t ng;     /* visible global entries */
    int32_t loc0;   /* block start in the local array */
    int32_t nl;     /* visible local entries */
    int32_t gidx;   /* >= 0: writes global[gidx]; else writes local[loc0 + lidx] */
    int32_t lidx;
} cat__slot;

typedef struct {
    const cat_block_config *b;
    int n_head, n_kv, hd, rn;   /* attention geometry (CAT layer differs from b) */
    const float *cos, *sin;     /* [maxpos][rn/2] */
} cat__geom;

struct cat_session {
    const cat_model *m;
    cat_config cfg;
    int32_t c;            /* chunk size in use (0 dense) */
    int32_t p;            /* adaptive: log2(c) */
    int32_t S;            /* decoder group slots per chunk: 1 (fx) or 2 (fx, sep); 0 dense/CAT layer */
    int32_t P;            /* compressor prefix slots: 1 (pos) or 2 (adaptive, pos) */
    int32_t max_ctx, n_batch, nth;
    int32_t pos;          /* tokens held */
    int32_t nfx;          /* global entries held (CATs: 1 + completed chunks) */
    int32_t has_logits;
    /* caches: per layer */
    int32_t kvd;          /* key/value width per entry */
    int32_t gcap, lcap;   /* global entries per layer, persistent local entries per layer */
    float *gk, *gv;       /* [layers][gcap][kvd] */
    float *lk, *lv;       /* [layers][lcap][kvd] */
    int32_t nloc;         /* persistent local entries held */
    int32_t *chunk_ids;   /* current chunk's tokens [c] */
    float *chunk_xn;      /* CAT layer: [layers][c][dim] normed inputs of the current chunk */
    float *logits;        /* [padded_vocab] */
    /* RoPE tables */
    float *dcos, *dsin;   /* decoder: [dmaxpos][rn/2] */
    float *ccos, *csin;   /* compressor */
    cat__geom dg, cg;
    /* scratch */
    int32_t slot_cap, loc_cap, comp_cap, ent_cap;
    cat__slot *slots;     /* [slot_cap] */
    int32_t *out_slot;    /* [n_batch] which slot gives each token's logits */
    int32_t *skind, *sref;/* [slot_cap] what each slot holds: token t, fx of chunk, separator */
    int32_t *cids;        /* token ids of the chunks compressed in one step */
    float *sk, *sv;       /* local scratch [loc_cap][kvd] */
    float *x, *xn, *qkv, *att, *h1, *h2, *y; /* activations */
    float *fx;            /* compressed chunks [n_batch/c + 2][dim] */
    float *flat;          /* compressor flatten [chunks][C_max * comp.dim] */
    float *scores;        /* [nth][ent_cap] */
    void *arena;
    size_t arena_size;
};

static int cat__nthreads(int want) {
#ifdef _OPENMP
    return want > 0 ? want : omp_get_max_threads();
#else
    (void)want;
    return 1;
#endif
}

static void cat__rope_table(float *cs, float *sn, int maxpos, int rn, double base) {
    int half = rn / 2, i, t;
    for (t = 0; t < maxpos; t++) for (i = 0; i < half; i++) {
        /* float32 throughout, as the reference computes it */
        float e = (float)(2 * i) / (float)rn;
        float inv = 1.0f / powf((float)base, e);
        float ang = (float)t * inv;
        cs[(size_t)t * half + i] = cosf(ang);
        sn[(size_t)t * half + i] = sinf(ang);
    }
}

static void cat__rope(float *v, const cat__geom *g, int pos) {
    int half = g->rn / 2, i;
    const float *cs = g->cos + (size_t)pos * half, *sn = g->sin + (size_t)pos * half;
    for (i = 0; i < half; i++) {
        float a = v[i], b = v[i + half];
        v[i] = a * cs[i] - b * sn[i];
        v[i + half] = b * cs[i] + a * sn[i];
    }
}

/* attention over n slots whose inputs are xin[n][W->cols]; writes out[n][n_head*hd]
   gk/gv: global entries of this layer (may be NULL if no slot uses them). */
static void cat__attention(cat_session *s, const cat__geom *g, const cat__layer *L, const float *xin, int n,
                           const cat__slot *sl, float *gk, float *gv, float *out) {
    const int H = g->n_head, KV = g->n_kv, hd = g->hd, kvd = KV * hd, qd = H * hd, w = qd + 2 * kvd;
    const float eps = (float)g->b->norm_eps, scale = 1.0f / sqrtf((float)hd);
    float *qkv = s->qkv;
    int i, task;
    cat__matmul(qkv, w, xin, n, &L->wqkv, s->nth);
    for (i = 0; i < n; i++) {
        float *q = qkv + (size_t)i * w, *k = q + qd, *v = k + kvd, *dk, *dv;
        int h;
        for (h = 0; h < H; h++) {
            if (g->b->use_qk_norm) cat__rmsnorm(q + h * hd, q + h * hd, (const float *)L->q_norm.data, hd, eps);
            cat__rope(q + h * hd, g, sl[i].pos);
        }
        for (h = 0; h < KV; h++) {
            if (g->b->use_qk_norm) cat__rmsnorm(k + h * hd, k + h * hd, (const float *)L->k_norm.data, hd, eps);
            cat__rope(k + h * hd, g, sl[i].pos);
        }
        if (sl[i].gidx >= 0) { dk = gk + (size_t)sl[i].gidx * kvd; dv = gv + (size_t)sl[i].gidx * kvd; }
        else { dk = s->sk + (size_t)(sl[i].loc0 + sl[i].lidx) * kvd; dv = s->sv + (size_t)(sl[i].loc0 + sl[i].lidx) * kvd; }
        memcpy(dk, k, sizeof(float) * (size_t)kvd);
        memcpy(dv, v, sizeof(float) * (size_t)kvd);
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(s->nth) schedule(dynamic, 4) if (n * H > 4)
#endif
    for (task = 0; task < n * H; task++) {
        int si = task / H, h = task % H, kh = h / (H / KV), e, ng = sl[si].ng, nl = sl[si].nl, j;
        const float *q = qkv + (size_t)si * w + h * hd;
#ifdef _OPENMP
        float *sc = s->scores + (size_t)omp_get_thread_num() * s->ent_cap;
#else
        float *sc = s->scores;
#endif
        float mx = -INFINITY, sum = 0.0f, inv;
        float *o = out + (size_t)si * qd + h * hd;
        const float *lkb = s->sk + (size_t)sl[si].loc0 * kvd + kh * hd, *lvb = s->sv + (size_t)sl[si].loc0 * kvd + kh * hd;
        for (e = 0; e < ng; e++) { sc[e] = cat__dot(q, gk + (size_t)e * kvd + kh * hd, hd) * scale; if (sc[e] > mx) mx = sc[e]; }
        for (e = 0; e < nl; e++) { sc[ng + e] = cat__dot(q, lkb + (size_t)e * kvd, hd) * scale; if (sc[ng + e] > mx) mx = sc[ng + e]; }
        for (e = 0; e < ng + nl; e++) { sc[e] = expf(sc[e] - mx); sum += sc[e]; }
        inv = 1.0f / sum;
        for (j = 0; j < hd; j++) o[j] = 0.0f;
        for (e = 0; e < ng; e++) { const float *vv = gv + (size_t)e * kvd + kh * hd; float p = sc[e] * inv; for (j = 0; j < hd; j++) o[j] += p * vv[j]; }
        for (e = 0; e < nl; e++) { const float *vv = lvb + (size_t)e * kvd; float p = sc[ng + e] * inv; for (j = 0; j < hd; j++) o[j] += p * vv[j]; }
    }
}

/* feed-forward half of a block: x += proj(silu(fc1(n)) * fc2(n)), n = ffn_norm(x) */
static void cat__ffn(cat_session *s, const cat_block_config *b, const cat__layer *L, float *x, int n) {
    const int D = b->dim, I = b->intermediate_size;
    int i, j;
    for (i = 0; i < n; i++) cat__rmsnorm(s->xn + (size_t)i * D, x + (size_t)i * D, (const float *)L->ffn_norm.data, D, (float)b->norm_eps);
    cat__matmul(s->h1, I, s->xn, n, &L->fc1, s->nth);
    cat__matmul(s->h2, I, s->xn, n, &L->fc2, s->nth);
    for (i = 0; i < n * I; i++) s->h1[i] = cat__silu(s->h1[i]) * s->h2[i];
    cat__matmul(s->y, D, s->h1, n, &L->proj, s->nth);
    for (i = 0; i < n; i++) for (j = 0; j < D; j++) x[(size_t)i * D + j] += s->y[(size_t)i * D + j];
}

/* a standard pre-norm block over n slots: x += wo(attn(norm(x))); x += ffn */
static void cat__block(cat_session *s, const cat__geom *g, const cat__layer *L, float *x, int n,
                       const cat__slot *sl, float *gk, float *gv) {
    const cat_block_config *b = g->b;
    const int D = b->dim;
    int i, j;
    for (i = 0; i < n; i++) cat__rmsnorm(s->xn + (size_t)i * D, x + (size_t)i * D, (const float *)L->attn_norm.data, D, (float)b->norm_eps);
    cat__attention(s, g, L, s->xn, n, sl, gk, gv, s->att);
    cat__matmul(s->y, D, s->att, n, &L->wo, s->nth);
    for (i = 0; i < n; i++) for (j = 0; j < D; j++) x[(size_t)i * D + j] += s->y[(size_t)i * D + j];
    cat__ffn(s, b, L, x, n);
}

static void cat__compress_run(cat_session *s, const int32_t *ids, int k0, int nch, float *fx_out);
static void cat__session_prime(cat_session *s);

CAT__API cat_result cat_session_open(const cat_model *m, const cat_session_params *pp, cat_session **out) {
    cat_session_params p;
    cat_session *s;
    const cat_config *cfg;
    size_t total = 0;
    uint8_t *a;
    int32_t L, kvd, D, maxrows, wmax, qkvw, attw, hw, fxw, chunks_cap;
    if (!m || !out) return CAT_ERR_ARGS;
    *out = NULL;
    cfg = &m->cfg;
    if (pp) p = *pp; else memset(&p, 0, sizeof p);
    if (p.chunk_size < 0 || p.max_context < 0 || p.n_batch < 0 || p.n_threads < 0) return CAT_ERR_ARGS;
    if (!cat_model_chunk_ok(m, p.chunk_size)) {
        if (!(cfg->family == CAT_FAMILY_DENSE)) return CAT_ERR_CHUNK;
        return CAT_ERR_CHUNK;
    }
    s = (cat_session *)CAT_MALLOC(sizeof *s);
    if (!s) return CAT_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->m = m; s->cfg = *cfg;
    s->max_ctx = p.max_context ? p.max_context : cfg->block_size;
    if (s->max_ctx > cfg->block_size) s->max_ctx = cfg->block_size;
    s->n_batch = p.n_batch ? p.n_batch : 512;
    if (s->n_batch > s->max_ctx) s->n_batch = s->max_ctx;
    s->nth = cat__nthreads(p.n_threads);
    L = cfg->dec.n_layer;
    D = cfg->dec.dim;
    switch (cfg->family) {
    case CAT_FAMILY_DENSE:
        s->c = 0; s->S = 0; s->P = 0;
        s->kvd = cfg->dec.n_local_heads * cfg->dec.head_dim;
        s->gcap = s->max_ctx; s->lcap = 1;
        break;
    case CAT_FAMILY_CAT:
    case CAT_FAMILY_CAT_ADAPTIVE:
        s->c = p.chunk_size ? p.chunk_size : cfg->chunk_size;
        s->p = cat__log2i(s->c);
        s->S = cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? 2 : 1;
        s->P = s->S;
        s->kvd = cfg->dec.n_local_heads * cfg->dec.head_dim;
        s->gcap = 1 + s->max_ctx / s->c;
        s->lcap = s->c + s->S;
        break;
    case CAT_FAMILY_CAT_LAYER:
        s->c = cfg->chunk_size; s->S = 1; s->P = 0;
        s->kvd = cfg->layer_n_head * cfg->layer_head_dim;
        s->gcap = 1 + s->max_ctx / s->c;
        s->lcap = s->c + 1;
        break;
    }
    kvd = s->kvd;
    chunks_cap = s->c ? s->n_batch / s->c + 2 : 0;
    s->slot_cap = 2 * s->n_batch + 2;
    s->loc_cap = s->c ? chunks_cap * (s->c + 2) + s->lcap : 1;
    s->comp_cap = (cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_ADAPTIVE) ? chunks_cap * (s->c + s->P) : 0;
    maxrows = s->slot_cap > s->comp_cap ? s->slot_cap : s->comp_cap;
    /* widest activation row */
    wmax = D; qkvw = (cfg->dec.n_head + 2 * cfg->dec.n_local_heads) * cfg->dec.head_dim;
    attw = cfg->dec.n_head * cfg->dec.head_dim; hw = cfg->dec.intermediate_size;
    fxw = 0;
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        int32_t lq = 3 * cfg->dim_fx;
        if (cfg->dim_fx > wmax) wmax = cfg->dim_fx;
        if (lq > qkvw) qkvw = lq;
        if (cfg->dim_fx > attw) attw = cfg->dim_fx;
        if (cfg->dim_fx > hw) hw = cfg->dim_fx;
        fxw = cfg->chunk_size * D;
    }
    if (s->comp_cap) {
        const cat_block_config *f = &cfg->comp;
        int32_t cq = (f->n_head + 2 * f->n_local_heads) * f->head_dim;
        if (f->dim > wmax) wmax = f->dim;
        if (cq > qkvw) qkvw = cq;
        if (f->n_head * f->head_dim > attw) attw = f->n_head * f->head_dim;
        if (f->intermediate_size > hw) hw = f->intermediate_size;
        fxw = cfg->chunk_size * f->dim;
        if (s->comp_cap > s->loc_cap) s->loc_cap = s->comp_cap;
        if (f->n_local_heads * f->head_dim > kvd) kvd = f->n_local_heads * f->head_dim;
    }
    s->ent_cap = s->gcap + s->lcap + (s->c ? s->c + 2 + s->P : 0) + 1;
    /* arena layout */
#define CAT__SZ(count, type) (((size_t)(count) * sizeof(type) + 63) & ~(size_t)63)
    {
        size_t kvL = (size_t)L * kvd;
        total += 2 * CAT__SZ((size_t)s->gcap * kvL, float);
        total += 2 * CAT__SZ((size_t)s->lcap * kvL, float);
        total += CAT__SZ(s->c ? s->c : 1, int32_t);
        total += cfg->family == CAT_FAMILY_CAT_LAYER ? CAT__SZ((size_t)L * s->c * D, float) : 0;
        total += CAT__SZ(cfg->padded_vocab, float);
        total += 2 * CAT__SZ((size_t)(cfg->family == CAT_FAMILY_DENSE ? s->max_ctx : s->c + 3) * cfg->dec.head_dim, float);
        total += s->comp_cap ? 2 * CAT__SZ((size_t)(s->c + s->P) * cfg->comp.head_dim, float) : 0;
        total += CAT__SZ(s->slot_cap > s->comp_cap ? s->slot_cap : s->comp_cap, cat__slot);
        total += CAT__SZ(s->n_batch, int32_t);
        total += 2 * CAT__SZ(s->slot_cap, int32_t);
        total += CAT__SZ((size_t)(chunks_cap ? chunks_cap : 1) * (s->c ? s->c : 1), int32_t);
        total += 2 * CAT__SZ((size_t)s->loc_cap * kvd, float);
        total += 3 * CAT__SZ((size_t)maxrows * wmax, float);   /* x, xn, y */
        total += CAT__SZ((size_t)maxrows * qkvw, float);
        total += CAT__SZ((size_t)maxrows * attw, float);
        total += 2 * CAT__SZ((size_t)maxrows * hw, float);
        total += CAT__SZ((size_t)(chunks_cap ? chunks_cap : 1) * (cfg->dim_fx > D ? cfg->dim_fx : D), float);
        total += CAT__SZ((size_t)(chunks_cap ? chunks_cap : 1) * (fxw ? fxw : 1), float);
        total += CAT__SZ((size_t)s->nth * s->ent_cap, float);
    }
    s->arena = CAT_MALLOC(total + 64);
    if (!s->arena) { CAT_FREE(s); return CAT_ERR_NOMEM; }
    s->arena_size = total + 64;
    a = (uint8_t *)s->arena + (64 - ((uintptr_t)s->arena % 64)) % 64;
#define CAT__TAKE(ptr, count, type) do { (ptr) = (type *)(void *)a; a += CAT__SZ(count, type); } while (0)
    {
        size_t kvL = (size_t)L * s->kvd;
        CAT__TAKE(s->gk, (size_t)s->gcap * kvL, float);
        CAT__TAKE(s->gv, (size_t)s->gcap * kvL, float);
        CAT__TAKE(s->lk, (size_t)s->lcap * kvL, float);
        CAT__TAKE(s->lv, (size_t)s->lcap * kvL, float);
        /* (sized with the wider kvd above; harmless) */
        a += 0;
    }
    CAT__TAKE(s->chunk_ids, s->c ? s->c : 1, int32_t);
    if (cfg->family == CAT_FAMILY_CAT_LAYER) CAT__TAKE(s->chunk_xn, (size_t)L * s->c * D, float);
    CAT__TAKE(s->logits, cfg->padded_vocab, float);
    {
        int dmax = cfg->family == CAT_FAMILY_DENSE ? s->max_ctx : s->c + 3;
        CAT__TAKE(s->dcos, (size_t)dmax * cfg->dec.head_dim, float);
        CAT__TAKE(s->dsin, (size_t)dmax * cfg->dec.head_dim, float);
        s->dg.b = &s->cfg.dec;
        if (cfg->family == CAT_FAMILY_CAT_LAYER) {
            s->dg.n_head = cfg->layer_n_head; s->dg.n_kv = cfg->layer_n_head; s->dg.hd = cfg->layer_head_dim;
            s->dg.rn = cfg->dec.head_dim;
        } else {
            s->dg.n_head = cfg->dec.n_head; s->dg.n_kv = cfg->dec.n_local_heads; s->dg.hd = cfg->dec.head_dim;
            s->dg.rn = cfg->dec.head_dim;
        }
        cat__rope_table(s->dcos, s->dsin, dmax, s->dg.rn, cfg->dec.rope_base);
        s->dg.cos = s->dcos; s->dg.sin = s->dsin;
    }
    if (s->comp_cap) {
        int cmax = s->c + s->P;
        CAT__TAKE(s->ccos, (size_t)cmax * cfg->comp.head_dim, float);
        CAT__TAKE(s->csin, (size_t)cmax * cfg->comp.head_dim, float);
        s->cg.b = &s->cfg.comp;
        s->cg.n_head = cfg->comp.n_head; s->cg.n_kv = cfg->comp.n_local_heads; s->cg.hd = cfg->comp.head_dim;
        s->cg.rn = cfg->comp.head_dim;
        cat__rope_table(s->ccos, s->csin, cmax, s->cg.rn, cfg->comp.rope_base);
        s->cg.cos = s->ccos; s->cg.sin = s->csin;
    }
    CAT__TAKE(s->slots, s->slot_cap > s->comp_cap ? s->slot_cap : s->comp_cap, cat__slot);
    CAT__TAKE(s->out_slot, s->n_batch, int32_t);
    CAT__TAKE(s->skind, s->slot_cap, int32_t);
    CAT__TAKE(s->sref, s->slot_cap, int32_t);
    CAT__TAKE(s->cids, (size_t)(chunks_cap ? chunks_cap : 1) * (s->c ? s->c : 1), int32_t);
    CAT__TAKE(s->sk, (size_t)s->loc_cap * kvd, float);
    CAT__TAKE(s->sv, (size_t)s->loc_cap * kvd, float);
    CAT__TAKE(s->x, (size_t)maxrows * wmax, float);
    CAT__TAKE(s->xn, (size_t)maxrows * wmax, float);
    CAT__TAKE(s->y, (size_t)maxrows * wmax, float);
    CAT__TAKE(s->qkv, (size_t)maxrows * qkvw, float);
    CAT__TAKE(s->att, (size_t)maxrows * attw, float);
    CAT__TAKE(s->h1, (size_t)maxrows * hw, float);
    CAT__TAKE(s->h2, (size_t)maxrows * hw, float);
    CAT__TAKE(s->fx, (size_t)(chunks_cap ? chunks_cap : 1) * (cfg->dim_fx > D ? cfg->dim_fx : D), float);
    CAT__TAKE(s->flat, (size_t)(chunks_cap ? chunks_cap : 1) * (fxw ? fxw : 1), float);
    CAT__TAKE(s->scores, (size_t)s->nth * s->ent_cap, float);
#undef CAT__TAKE
#undef CAT__SZ
    cat__session_prime(s);
    *out = s;
    return CAT_OK;
}

CAT__API void cat_session_close(cat_session *s) {
    if (!s) return;
    CAT_FREE(s->arena);
    CAT_FREE(s);
}

/* ---- compressor -------------------------------------------------------- */
static void cat__compress_run(cat_session *s, const int32_t *ids, int k0, int nch, float *fx_out) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    const cat_block_config *f = &cfg->comp;
    const int Dc = f->dim, c = s->c, P = s->P, R = c + P, Cmax = cfg->chunk_size, n = nch * R;
    cat__slot *sl = s->slots;
    float *x = s->x;
    int ch, i, l;
    for (ch = 0; ch < nch; ch++) {
        float *xr = x + (size_t)ch * R * Dc;
        if (P == 2) { cat__row(xr, &m->c_adaptive, s->p); cat__row(xr + Dc, &m->c_pos, k0 + ch); }
        else cat__row(xr, &m->c_pos, k0 + ch);
        for (i = 0; i < c; i++) cat__row(xr + (size_t)(P + i) * Dc, &m->c_wte, ids[ch * c + i]);
    }
    for (ch = 0; ch < nch; ch++) for (i = 0; i < R; i++) {
        cat__slot *t = &sl[ch * R + i];   /* bidirectional: each sees its whole chunk */
        t->pos = i; t->ng = 0; t->gidx = -1; t->loc0 = ch * R; t->lidx = i; t->nl = R;
    }
    for (l = 0; l < f->n_layer; l++) cat__block(s, &s->cg, &m->c_layers[l], x, n, sl, NULL, NULL);
    /* final norm, drop the prefix slots, flatten, project */
    {
        const int in = Cmax * Dc;
        float *flat = s->flat;
        for (ch = 0; ch < nch; ch++) {
            float *dst = flat + (size_t)ch * in;
            if (c == Cmax) {
                for (i = 0; i < c; i++) cat__rmsnorm(dst + (size_t)i * Dc, x + ((size_t)ch * R + P + i) * Dc, (const float *)m->c_norm.data, Dc, (float)f->norm_eps);
            } else {
                /* bilinear resize of proj_fx along its input axis (align_corners=False)
                   applied as the transpose on the input: scatter each of the c*Dc
                   inputs onto the two source columns it interpolates between. */
                const int nin = c * Dc;
                float *tmp = s->xn; /* free here */
                const float scl = (float)in / (float)nin;
                int jj;
                for (i = 0; i < c; i++) cat__rmsnorm(tmp + (size_t)i * Dc, x + ((size_t)ch * R + P + i) * Dc, (const float *)m->c_norm.data, Dc, (float)f->norm_eps);
                for (jj = 0; jj < in; jj++) dst[jj] = 0.0f;
                for (jj = 0; jj < nin; jj++) {
                    float src = ((float)jj + 0.5f) * scl - 0.5f;
                    int i0, i1;
                    float l1;
                    if (src < 0) src = 0;
                    i0 = (int)src;
                    if (i0 > in - 1) i0 = in - 1;
                    i1 = i0 < in - 1 ? i0 + 1 : i0;
                    l1 = src - (float)i0;
                    dst[i0] += (1.0f - l1) * tmp[jj];
                    dst[i1] += l1 * tmp[jj];
                }
            }
        }
        cat__matmul(fx_out, cfg->dim_fx, flat, nch, &m->c_proj_fx, s->nth);
    }
}

/* ---- feeding ------------------------------------------------------------ */
enum { CAT__K_TOK = 0, CAT__K_FX = 1, CAT__K_SEP = 2, CAT__K_DUMMY = 3 };

/* Lay out the slots for tokens at positions p0 .. p0+n-1. A token that is not
   the last of its chunk is one token slot in its block; the last token of a
   chunk is not needed as a slot (no query ever sees it and its output is not
   used): the chunk's fx slot (and, adaptive, the separator after it) stand in
   its place and give its next-token logits. Returns the slot count. */
static int cat__build_slots(cat_session *s, int p0, int n) {
    const int c = s->c, S = s->S, kf = c ? p0 / c : 0, stride = c + S;
    int t, ns = 0;
    for (t = 0; t < n; t++) {
        const int P = p0 + t;
        cat__slot *sl = &s->slots[ns];
        if (!c) {
            sl->pos = P; sl->ng = P + 1; sl->gidx = P; sl->loc0 = 0; sl->lidx = 0; sl->nl = 0;
            s->skind[ns] = CAT__K_TOK; s->sref[ns] = t; s->out_slot[t] = ns++;
        } else {
            const int k = P / c, j = P % c;
            if (j < c - 1) {
                sl->pos = S + j; sl->ng = k + 1; sl->gidx = -1;
                sl->loc0 = (k - kf) * stride; sl->lidx = S - 1 + j; sl->nl = S + j;
                s->skind[ns] = CAT__K_TOK; s->sref[ns] = t; s->out_slot[t] = ns++;
            } else {
                sl->pos = 0; sl->ng = k + 2; sl->gidx = k + 1; sl->loc0 = 0; sl->lidx = 0; sl->nl = 0;
                s->skind[ns] = CAT__K_FX; s->sref[ns] = k; ns++;
                if (S == 2) {
                    sl = &s->slots[ns];
                    sl->pos = 1; sl->ng = k + 2; sl->gidx = -1;
                    sl->loc0 = (k + 1 - kf) * stride; sl->lidx = 0; sl->nl = 1;
                    s->skind[ns] = CAT__K_SEP; s->sref[ns] = k; ns++;
                }
                s->out_slot[t] = ns - 1;
            }
        }
    }
    return ns;
}

/* persistent local entries of layer l <-> the local scratch */
static void cat__local_in(cat_session *s, int l) {
    size_t kvd = (size_t)s->kvd, off = (size_t)l * s->lcap * kvd;
    if (s->nloc) {
        memcpy(s->sk, s->lk + off, sizeof(float) * s->nloc * kvd);
        memcpy(s->sv, s->lv + off, sizeof(float) * s->nloc * kvd);
    }
}
static void cat__local_out(cat_session *s, int l, int from, int cnt) {
    size_t kvd = (size_t)s->kvd, off = (size_t)l * s->lcap * kvd;
    if (cnt) {
        memcpy(s->lk + off, s->sk + (size_t)from * kvd, sizeof(float) * cnt * kvd);
        memcpy(s->lv + off, s->sv + (size_t)from * kvd, sizeof(float) * cnt * kvd);
    }
}

/* ids of the chunks completed by tokens p0 .. p0+n-1 into s->cids; returns the
   count and the first chunk index in *k0 */
static int cat__completed_chunks(cat_session *s, const int32_t *tok, int p0, int n, int *k0) {
    const int c = s->c;
    int nch = 0, t;
    *k0 = -1;
    for (t = 0; t < n; t++) {
        const int P = p0 + t;
        if (P % c == c - 1) {
            int k = P / c, j;
            if (*k0 < 0) *k0 = k;
            for (j = 0; j < c; j++) {
                int q = k * c + j;
                s->cids[nch * c + j] = q >= p0 ? tok[q - p0] : s->chunk_ids[j];
            }
            nch++;
        }
    }
    return nch;
}

static void cat__after_batch(cat_session *s, const int32_t *tok, int p0, int n) {
    const int c = s->c, pe = p0 + n;
    if (c) {
        int k = pe / c, j, q;
        for (j = 0; j < pe % c; j++) { q = k * c + j; if (q >= p0) s->chunk_ids[j] = tok[q - p0]; }
        s->nfx = 1 + k;
        s->nloc = s->S - 1 + pe % c;
    } else {
        s->nfx = pe;
    }
    s->pos = pe;
}

/* final norm + output projection for the token rows requested */
static void cat__logits(cat_session *s, const float *x, int D, int n, float *logits) {
    const cat_model *m = s->m;
    const float eps = (float)s->cfg.dec.norm_eps;
    const int PV = s->cfg.padded_vocab;
    int t;
    if (logits) {
        for (t = 0; t < n; t++) cat__rmsnorm(s->xn + (size_t)t * D, x + (size_t)s->out_slot[t] * D, (const float *)m->norm.data, D, eps);
        cat__matmul(logits, PV, s->xn, n, &m->output, s->nth);
        memcpy(s->logits, logits + (size_t)(n - 1) * PV, sizeof(float) * PV);
    } else {
        cat__rmsnorm(s->xn, x + (size_t)s->out_slot[n - 1] * D, (const float *)m->norm.data, D, eps);
        cat__matmul(s->logits, PV, s->xn, 1, &m->output, s->nth);
    }
    s->has_logits = 1;
}

/* dense, CAT and adaptive CAT: one batch of n <= n_batch tokens */
static void cat__feed_decoder(cat_session *s, const int32_t *tok, int n, float *logits) {
    const cat_model *m = s->m;
    const int D = s->cfg.dec.dim, c = s->c, S = s->S, p0 = s->pos;
    int ns, i, l, k0 = 0, nch = 0;
    if (c) {
        nch = cat__completed_chunks(s, tok, p0, n, &k0);
        if (nch) cat__compress_run(s, s->cids, k0, nch, s->fx);
    }
    ns = cat__build_slots(s, p0, n);
    for (i = 0; i < ns; i++) {
        float *xr = s->x + (size_t)i * D;
        switch (s->skind[i]) {
        case CAT__K_TOK: cat__row(xr, &m->wte, tok[s->sref[i]]); break;
        case CAT__K_FX: memcpy(xr, s->fx + (size_t)(s->sref[i] - k0) * D, sizeof(float) * D); break;
        default: cat__row(xr, &m->separator, 0); break;
        }
    }
    for (l = 0; l < s->cfg.dec.n_layer; l++) {
        size_t go = (size_t)l * s->gcap * s->kvd;
        cat__local_in(s, l);
        cat__block(s, &s->dg, &m->layers[l], s->x, ns, s->slots, s->gk + go, s->gv + go);
        if (c) cat__local_out(s, l, ((p0 + n) / c - p0 / c) * (c + S), S - 1 + (p0 + n) % c);
    }
    cat__logits(s, s->x, D, n, logits);
    cat__after_batch(s, tok, p0, n);
}

/* CAT as a layer: one batch */
static void cat__feed_layer(cat_session *s, const int32_t *tok, int n, float *logits) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    const int D = cfg->dec.dim, FX = cfg->dim_fx, c = s->c, p0 = s->pos;
    const float eps = (float)cfg->dec.norm_eps;
    int ns, i, j, l, t, k0 = 0, nch;
    float *x = s->x, *in = s->h1;
    /* chunks completed in this batch (ids unused here; only their count and first index) */
    nch = cat__completed_chunks(s, tok, p0, n, &k0);
    ns = cat__build_slots(s, p0, n);
    for (t = 0; t < n; t++) cat__row(x + (size_t)t * D, &m->wte, tok[t]);
    for (l = 0; l < cfg->dec.n_layer; l++) {
        const cat__layer *L = &m->layers[l];
        size_t go = (size_t)l * s->gcap * s->kvd;
        float *cxn = s->chunk_xn + (size_t)l * c * D;
        for (t = 0; t < n; t++) cat__rmsnorm(s->xn + (size_t)t * D, x + (size_t)t * D, (const float *)L->attn_norm.data, D, eps);
        /* slot inputs: expand(normed token) or compressor(normed chunk) + bias */
        cat__matmul(in, FX, s->xn, n, &L->expand, s->nth);
        if (nch) {
            int ch;
            for (ch = 0; ch < nch; ch++) {
                int k = k0 + ch;
                for (j = 0; j < c; j++) {
                    int q = k * c + j;
                    const float *src = q >= p0 ? s->xn + (size_t)(q - p0) * D : cxn + (size_t)j * D;
                    memcpy(s->flat + ((size_t)ch * c + j) * D, src, sizeof(float) * D);
                }
            }
            cat__matmul(s->fx, FX, s->flat, nch, &L->comp_w, s->nth);
            for (i = 0; i < ns; i++) if (s->skind[i] == CAT__K_FX) {
                const float *f = s->fx + (size_t)(s->sref[i] - k0) * FX, *bias = (const float *)L->comp_b.data;
                float *d = in + (size_t)i * FX;
                for (j = 0; j < FX; j++) d[j] = f[j] + bias[j];
            }
        }
        /* keep the normed inputs of the unfinished chunk for its compression later */
        for (t = 0; t < n; t++) {
            int P = p0 + t;
            if (P / c == (p0 + n) / c) memcpy(cxn + (size_t)(P % c) * D, s->xn + (size_t)t * D, sizeof(float) * D);
        }
        cat__local_in(s, l);
        cat__attention(s, &s->dg, L, in, ns, s->slots, s->gk + go, s->gv + go, s->att);
        cat__local_out(s, l, ((p0 + n) / c - p0 / c) * (c + 1), (p0 + n) % c);
        cat__matmul(s->y, FX, s->att, ns, &L->wo, s->nth);
        cat__matmul(s->xn, D, s->y, ns, &L->final_proj, s->nth);
        for (t = 0; t < n; t++) for (j = 0; j < D; j++) x[(size_t)t * D + j] += s->xn[(size_t)t * D + j];
        cat__ffn(s, &cfg->dec, L, x, n);
    }
    /* one slot per token here, so token rows are slot rows */
    cat__logits(s, x, D, n, logits);
    cat__after_batch(s, tok, p0, n);
}

/* block 0's leading slots: the dummy fx (and separator), before any token */
static void cat__session_prime(cat_session *s) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    int l;
    s->pos = 0; s->nfx = 0; s->nloc = 0; s->has_logits = 0;
    if (cfg->family == CAT_FAMILY_DENSE) return;
    s->slots[0].pos = 0; s->slots[0].ng = 1; s->slots[0].gidx = 0; s->slots[0].loc0 = 0; s->slots[0].lidx = 0; s->slots[0].nl = 0;
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        for (l = 0; l < cfg->dec.n_layer; l++) {
            size_t go = (size_t)l * s->gcap * s->kvd;
            cat__row(s->h1, &m->layers[l].dummy, 0);
            cat__attention(s, &s->dg, &m->layers[l], s->h1, 1, s->slots, s->gk + go, s->gv + go, s->att);
        }
    } else {
        const int D = cfg->dec.dim, n = s->S;
        cat__row(s->x, &m->dummy_fx, cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? s->p : 0);
        if (n == 2) {
            cat__row(s->x + D, &m->separator, 0);
            s->slots[1].pos = 1; s->slots[1].ng = 1; s->slots[1].gidx = -1; s->slots[1].loc0 = 0; s->slots[1].lidx = 0; s->slots[1].nl = 1;
        }
        for (l = 0; l < cfg->dec.n_layer; l++) {
            size_t go = (size_t)l * s->gcap * s->kvd;
            cat__block(s, &s->dg, &m->layers[l], s->x, n, s->slots, s->gk + go, s->gv + go);
            cat__local_out(s, l, 0, n - 1);
        }
        s->nloc = n - 1;
    }
    s->nfx = 1;
}

CAT__API void cat_session_reset(cat_session *s) { if (s) cat__session_prime(s); }

CAT__API cat_result cat_session_feed(cat_session *s, const int32_t *tokens, size_t n, float *logits) {
    size_t i, done = 0;
    const int32_t PV = s ? s->cfg.padded_vocab : 0;
    if (!s || (!tokens && n)) return CAT_ERR_ARGS;
    if (n == 0) return CAT_OK;
    for (i = 0; i < n; i++) if (tokens[i] < 0 || tokens[i] >= PV) return CAT_ERR_TOKEN;
    if (n > (size_t)(s->max_ctx - s->pos)) return CAT_ERR_CONTEXT;
    while (done < n) {
        int b = (int)((n - done) < (size_t)s->n_batch ? (n - done) : (size_t)s->n_batch);
        float *lg = logits ? logits + done * (size_t)PV : NULL;
        if (s->cfg.family == CAT_FAMILY_CAT_LAYER) cat__feed_layer(s, tokens + done, b, lg);
        else cat__feed_decoder(s, tokens + done, b, lg);
        done += (size_t)b;
    }
    return CAT_OK;
}

CAT__API const float *cat_session_logits(const cat_session *s) { return s && s->has_logits ? s->logits : NULL; }
CAT__API int32_t cat_session_pos(const cat_session *s) { return s->pos; }
CAT__API int32_t cat_session_chunk(const cat_session *s) { return s->c; }
CAT__API int32_t cat_session_max_context(const cat_session *s) { return s->max_ctx; }
CAT__API size_t cat_session_memory(const cat_session *s) { return s->arena_size + sizeof *s; }

CAT__API size_t cat_session_kv_bytes_at(const cat_session *s, int32_t pos) {
    size_t entries, per = (size_t)s->cfg.dec.n_layer * 2 * (size_t)s->kvd * sizeof(float);
    if (pos < 0) pos = 0;
    if (s->c) {
        /* global: dummy + completed chunks; local: separator + tokens of the current chunk */
        entries = (size_t)(1 + pos / s->c) + (size_t)(s->S - 1 + pos % s->c);
    } else entries = (size_t)pos;
    return entries * per;
}
CAT__API size_t cat_session_kv_bytes(const cat_session *s) { return cat_session_kv_bytes_at(s, s->pos); }

CAT__API cat_result cat_forward(const cat_model *m, int32_t chunk, const int32_t *tokens, size_t n, float *logits) {
    cat_session_params p;
    cat_session *s;
    cat_result r;
    if (!m || !logits || (!tokens && n)) return CAT_ERR_ARGS;
    if (n > (size_t)m->cfg.block_size) return CAT_ERR_CONTEXT;
    memset(&p, 0, sizeof p);
    p.chunk_size = chunk;
    p.max_context = (int32_t)(n ? n : 1);
    p.n_batch = p.max_context;
    r = cat_session_open(m, &p, &s);
    if (r) return r;
    r = cat_session_feed(s, tokens, n, logits);
    cat_session_close(s);
    return r;
}

/* ---- sampling ------------------------------------------------------------ */
CAT__API void cat_rng_seed(cat_rng *r, uint64_t seed) { r->state = seed ^ 0x9E3779B97F4A7C15ull; if (!r->state) r->state = 1; }
CAT__API uint64_t cat_rng_next(cat_rng *r) {
    /* xorshift64* */
    uint64_t x = r->state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
CAT__API float cat_rng_float(cat_rng *r) { return (float)(cat_rng_next(r) >> 40) / 16777216.0f; }
CAT__API int32_t cat_argmax(const float *logits, int32_t n) {
    int32_t i, best = 0;
    for (i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
}

/* ---- tokenizer (placeholder until the BPE lands) ---------------------- */
struct cat_tokenizer { int unused; };
static cat_result cat__tokenizer_from_section(cat_tokenizer **out, const uint8_t *p, uint64_t len, char *err, size_t errlen) {
    (void)p; (void)len; (void)err; (void)errlen; *out = NULL; return CAT_OK;
}
CAT__API void cat_tokenizer_free(cat_tokenizer *t) { CAT_FREE(t); }
CAT__API uint32_t cat_tokenizer_vocab_size(const cat_tokenizer *t) { (void)t; return 0; }

#endif /* CAT_IMPLEMENTATION_DONE */
#endif /* CAT_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 The cat.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
