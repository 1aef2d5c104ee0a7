/* cat.h - v0.1.0 - public domain-style MIT single-header inference library for
   Compress And Attend Transformers (CATs) and their dense peers.

   A CAT cuts the sequence into chunks of C tokens, compresses each completed
   chunk into one vector with a small bidirectional transformer, and decodes the
   current chunk with a dense decoder that attends only to the compressed past
   chunks plus its own chunk. Its KV cache holds about L/C + C entries per layer
   instead of L.

   Families: fixed-chunk CAT, adaptive CAT (test-time chunk size 2^log2c),
   CAT-as-a-layer, and the dense transformer peer.

   MAP (search for a section's name in capitals to find its banner)
     Public API: declarations, seen by every file that includes cat.h
       RESULTS          cat_result (one X-macro list) and cat_result_string
       CONFIGURATION    cat_config, cat_stack_config, validation, the tensor list
       MODELS           open (file or memory), close, getters, tensor directory, q8
                        and q4 quantizers, the file format constants and the writer
       SESSIONS         parameters, open, feed (one or many sequences), getters, cat_forward
       SAMPLING         RNG, argmax, the sampler (penalties, temperature, top-k/p, min-p)
       TOKENIZER        GPT-2 byte-level BPE (left out by CAT_NO_TOKENIZER)
     Implementation: only where CAT_IMPLEMENTATION is defined
       1 BASICS         allocator and linkage macros, names, error helpers, LE readers
       2 MODEL FILE     model structs, config keys and checks, tensor specs, the
                        writer, the loader, open/close, getters
       3 KERNELS        the session's thread pool, the q8/q4 formats (half-precision
                        scales) and the activations' quantization for integer dot
                        products, the kernel table chosen at run time (CAT_KERNELS),
                        the q8/q4 matrices' copy in tiles for the kernels that read
                        them (cat__tile_all), KV-cache rows (f32/bf16/q8), RMSNorm,
                        SiLU; the kernels themselves are in 11
       4 SESSION STATE  slots, each sequence's caches, struct cat_session
       5 LAYERS         RoPE, attention (cache write, then attend), feed-forward, one layer
       6 COMPRESSOR     the tokens of completed chunks -> their fx
       7 STEP           slots and the CAT mask, one pass of a batch through the layers
       8 SESSIONS       the arena layout, open/reset/close, feed, getters, cat_forward
       9 SAMPLING       RNG, argmax, the sampler
      10 TOKENIZER      Unicode tables, UTF-8, byte map, merges, create, encode, decode
      11 KERNEL PASSES  compiled once per instruction set (scalar, NEON, AVX2+FMA,
                        AVX2+FMA+AVX-VNNI, AVX-512, AVX-512+VNNI,
                        AVX-512+VNNI+BF16): matmul over f32/bf16
                        weights, integer dot products for q8/q4 weights, row decode,
                        attention scores and weighted sums (one query or up to 4
                        together), exp, softmax and silu; each pass ends with its
                        table cat__kern_<name>

   GLOSSARY (the paper's words -> the code's names)
     chunk               C consecutive tokens; c in a session (cat_session_chunk), the
                         model's cfg.chunk_size (adaptive CATs: the largest, c = 2^log2c)
     compressed chunk,   the compressor's output for one completed chunk, dim_fx wide:
       fx                cat__compress writes it; in the decoder it is an fx slot
                         (CAT__K_FX); compressor weights are the model's c_* tensors
     dummy fx            m->dummy_fx: the fx slot that opens every sequence, before any
                         chunk is complete (adaptive: one row per chunk size); written
                         by cat__seq_prime
     separator           m->separator: adaptive CATs put it after each fx (CAT__K_SEP)
     chunk-resetting     positions restart in every chunk: its fx at 0, the separator
       RoPE              at 1, its tokens from n_lead on (cat__slot.pos, cat__build_slots);
                         compressor inputs count 0.. within their chunk
     the CAT mask        a token of chunk k sees the fx of chunks 0..k (global entries
                         [0, ng)) and the earlier slots of its own chunk (local entries
                         [loc0, loc0 + nl)); attention reads only those (cat__slot)
     compressed KV       a sequence's global list gk/gv: the keys and values of its fx
       cache             slots, gcap = 1 + max_context / c entries a layer (a dense model
                         keeps every token there)
     the current chunk   a sequence's local list lk/lv (lcap = c + n_lead entries a
                         layer), refilled chunk by chunk; chunk_ids holds its tokens
                         until the chunk completes and is compressed
     stack               cat_stack_config: the settings of one transformer stack, the
                         decoder (cfg.dec) or the compressor (cfg.comp)
     layer               one transformer layer: cat__layer (weights), cat__layer_forward
     prefix              the n_prefix compressor slots before a chunk's tokens: the
                         chunk's index (c_pos) and, adaptive, its size (c_adaptive)
     slot, step, run     a row of the attention sequence (cat__slot); one pass of a batch
                         of tokens through the layers; one sequence's tokens in a step
     block_size          the reference models' name for the maximum context
     CAT as a layer      CAT_FAMILY_CAT_LAYER: each layer compresses its own normed input
                         (cat__step_layer)

   USAGE
     In exactly one C or C++ file:
         #define CAT_IMPLEMENTATION
         #include "cat.h"
     Everywhere else just #include "cat.h".

   EXAMPLE (greedy generation on the demo model that `make run` builds; the same
   program as in README.md, where a test compiles it as C99 and as C++)
       #define CAT_IMPLEMENTATION          // in exactly one .c file; elsewhere just #include "cat.h"
       #include "cat.h"
       #include <stdio.h>
       #include <string.h>

       int main(void) {
           cat_model *m; cat_session *s; char err[256];
           if (cat_model_open("build/kjv_cat.cat", &m, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
           cat_session_params sp; memset(&sp, 0, sizeof sp);       // zero = defaults
           sp.chunk_size = 16;                                      // adaptive CATs: test-time chunk
           if (cat_session_open(m, &sp, &s)) return 1;
           int32_t ids[256]; size_t n;
           if (cat_tokenizer_encode(cat_model_tokenizer(m), "Genesis 1:1", 11, ids, 256, &n)) return 1;
           cat_session_feed(s, ids, n, NULL);                       // prefill
           for (int i = 0; i < 64; i++) {
               int32_t t = cat_argmax(cat_session_logits(s), cat_model_config(m)->vocab_size);
               size_t len; const char *piece = cat_tokenizer_token_bytes(cat_model_tokenizer(m), t, &len);
               fwrite(piece, 1, len, stdout);
               if (cat_session_feed(s, &t, 1, NULL)) break;           // CAT_ERR_CONTEXT when full
           }
           printf("\nKV cache: %zu bytes\n", cat_session_kv_bytes(s));
           cat_session_close(s); cat_model_close(m);
           return 0;
       }

   BUILD FLAGS
     CAT_IMPLEMENTATION   emit the implementation in this translation unit
     CAT_STATIC           make every function static (private to one file)
     CATDEF               linkage of the public functions (default extern)
     CAT_BUILD_SHARED     building a shared library (make lib): the public functions
                          get default visibility, so that with -fvisibility=hidden
                          only the API is exported
     CAT_NO_THREADS       one thread. Otherwise a session runs its matmuls and
                          attention on a pool of POSIX threads of its own (link
                          with -pthread; params.n_threads); where there are no
                          POSIX threads, OpenMP (-fopenmp) if enabled. Results are
                          bit-identical for any number of threads, and waiting
                          threads sleep after a short spin, so a busy machine
                          does not stall them
     CAT_NO_DISPATCH      x86 with gcc/clang: only the kernels of the compiler's
                          target (default: scalar, AVX2, AVX2+AVX-VNNI (gcc 11,
                          clang 12 and later), AVX-512, AVX-512+VNNI and
                          AVX-512+VNNI+BF16 kernels in one binary, chosen at run
                          time; the header includes itself once per set, by the
                          name CAT_SELF, "cat.h" unless you define it;
                          CAT_KERNELS=scalar|avx2|avx2vnni|avx512|avx512vnni|
                          avx512bf16 in the environment forces a path)
     CAT_NO_MMAP          read model files into memory instead of mapping them
     CAT_NO_TOKENIZER     leave out the tokenizer (its API, code and Unicode tables)
     CAT_MALLOC(sz) / CAT_FREE(p) / CAT_REALLOC(p,sz)   allocator overrides: define
                          all three or none (#error otherwise)

   ERRORS AND RETURN VALUES
     Every fallible call returns a cat_result (CAT_OK == 0); cat_result_string()
     names it; each declaration lists the codes it returns. Model loading also
     writes a sentence naming the problem into an optional buffer. The library
     never prints, exits or aborts. NULL: every getter returns 0, NULL or the
     documented -1 for a NULL object; every close, free and reset does nothing.

   SAMPLING
     cat_argmax(logits, vocab_size) is greedy decoding. For sampling, fill a
     cat_sampler_params (zero = off for every field; temperature 0 = greedy),
     cat_sampler_init(&smp, &params, vocab_size), then per step
     cat_sampler_sample(&smp, cat_session_logits(s)) and feed the id it returns;
     cat_sampler_free(&smp) at the end. The sampler holds its own RNG (seeded
     from params.seed: the same seed gives the same text) and the history the
     repeat penalties look at (cat_sampler_accept adds prompt tokens to it).
     Order: penalties, then temperature, top-k, top-p, min-p (see SAMPLING
     below). Padded ids (>= vocab_size) are never drawn. cat_sampler_probs gives
     the distribution a draw would use.

   THREADS
     A cat_model is read-only after cat_model_open and may be shared by any
     number of sessions in any number of threads. A cat_session belongs to one
     thread at a time.

   MEMORY
     cat_session_open sizes and allocates everything the session needs in one
     arena; feeding tokens allocates nothing. When the context is full
     (params.max_context, at most the model's block_size) cat_session_feed
     returns CAT_ERR_CONTEXT and leaves the session unchanged.
     params.kv_type stores the KV cache as f32 (default), bf16 or q8 (about
     1/2 and 0.28 of the bytes); params.kv_budget_bytes caps the cache of all
     sequences at max_context: an adaptive CAT then picks the smallest chunk
     size that fits (cat_model_fit_budget says which, or the least budget).
     cat_session_bytes tells what a session would allocate, before opening it.

   The file format is documented in FORMAT.md. License (MIT) at the end of file.
*/
#ifndef CAT_H_INCLUDED
#define CAT_H_INCLUDED

/* the implementation asks glibc for madvise (huge pages for the weights, see
   cat__advise_huge) where cat.h comes before any other header of the file that
   defines CAT_IMPLEMENTATION; elsewhere it does without */
#if defined(CAT_IMPLEMENTATION) && defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#include <stddef.h>
#include <stdint.h>

#define CAT_VERSION_MAJOR 0
#define CAT_VERSION_MINOR 1
#define CAT_VERSION_PATCH 0

#ifndef CATDEF
#ifdef CAT_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define CATDEF static __attribute__((unused))
#else
#define CATDEF static
#endif
#elif defined(CAT_BUILD_SHARED) && (defined(__GNUC__) || defined(__clang__))
#define CATDEF extern __attribute__((visibility("default")))
#else
#define CATDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------------------
   RESULTS: every fallible call returns a cat_result; CAT_OK is 0. */
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
    X(CAT_ERR_BUFFER,       "output buffer too small") \
    X(CAT_ERR_STATE,        "saved state does not belong to this model and session") \
    X(CAT_ERR_NONFINITE,    "non-finite logits (NaN or Inf)") \
    X(CAT_ERR_BUDGET,       "the KV cache does not fit the memory budget")

typedef enum {
#define CAT__ENUM(name, text) name,
    CAT_RESULT_LIST(CAT__ENUM)
#undef CAT__ENUM
    CAT_RESULT_COUNT
} cat_result;

CATDEF const char *cat_result_string(cat_result r);

/* ----------------------------------------------------------------------------
   CONFIGURATION: what a model is (family, sizes of its stacks). */
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
} cat_stack_config;

typedef struct {
    cat_family family;
    int32_t vocab_size;         /* real vocabulary; ids >= this are padding */
    int32_t padded_vocab;       /* rows of wte / output, width of logits */
    int32_t block_size;         /* maximum context */
    int32_t chunk_size;         /* CATs: chunk size (adaptive: the largest); dense: 0 */
    int32_t dim_fx;             /* CATs: width of a compressed chunk; CAT layer: attention width */
    cat_stack_config dec;       /* decoder (or the whole model for dense / CAT layer) */
    cat_stack_config comp;      /* compressor (CAT, adaptive CAT only) */
    int32_t layer_n_head;       /* CAT layer: heads of the CAT attention (dim_fx / 64) */
    int32_t layer_head_dim;     /* CAT layer: head size of the CAT attention */
} cat_config;

typedef enum { CAT_DTYPE_F32 = 0, CAT_DTYPE_BF16 = 1, CAT_DTYPE_Q8 = 2, CAT_DTYPE_Q4 = 3 } cat_dtype;

/* Checks a configuration and fills its derived fields (head_dim, rope_n_elem,
   layer_n_head, layer_head_dim). Returns CAT_OK, or CAT_ERR_CONFIG with a sentence
   in err (may be NULL); CAT_ERR_ARGS for cfg NULL. */
CATDEF cat_result cat_config_validate(cat_config *cfg, char *err, size_t errlen);

/* The tensors a model of this configuration holds, by name and shape, in the
   order a converter writes them. Returns the count (fills at most cap entries; out
   may be NULL with cap 0 to count). */
typedef struct { char name[96]; int ndim; int64_t dims[2]; } cat_tensor_spec;
CATDEF int cat_config_tensor_specs(const cat_config *cfg, cat_tensor_spec *out, int cap);
/* writes "[d0, d1]" (at most n bytes, NUL-terminated) for messages */
CATDEF void cat_format_shape(char *buf, size_t n, int ndim, const int64_t *dims);

/* ---- the model file format (FORMAT.md describes it for people) ---------
   Defined here once: the reader (cat_model_open) and the writer (cat_writer_*)
   share these constants and the table of configuration keys. A file is a
   128-byte little-endian header, the configuration section (key/value
   entries), the tokenizer section (optional), the tensor directory and the
   tensor data, every tensor 64-byte aligned. */
#define CAT_FILE_MAGIC "CATMODEL"          /* 8 bytes, no NUL */
#define CAT_FILE_VERSION 1
#define CAT_FILE_HEADER_SIZE 128
#define CAT_FILE_ALIGN 64
/* byte offsets of the header's fields (u32 or u64, see FORMAT.md) */
enum {
    CAT_HDR_MAGIC = 0, CAT_HDR_VERSION = 8, CAT_HDR_FLAGS = 12, CAT_HDR_FILE_SIZE = 16,
    CAT_HDR_KV_OFFSET = 24, CAT_HDR_KV_SIZE = 32, CAT_HDR_TOK_OFFSET = 40, CAT_HDR_TOK_SIZE = 48,
    CAT_HDR_DIR_OFFSET = 56, CAT_HDR_DIR_SIZE = 64, CAT_HDR_DATA_OFFSET = 72, CAT_HDR_DATA_SIZE = 80,
    CAT_HDR_N_KV = 88, CAT_HDR_N_TENSORS = 92, CAT_HDR_RESERVED = 96
};
/* type codes of configuration values */
typedef enum { CAT_KV_I64 = 1, CAT_KV_F64 = 2, CAT_KV_STR = 3 } cat_kv_type;
/* the configuration section: the string key "family" (dense, cat, cat_adaptive,
   cat_layer) first, then these keys, in this order, for the families in their
   scope. X(cat_config field, key, type, scope, default when optional).
   Scopes: CAT_KEY_ALL and CAT_KEY_OPT every family; CAT_KEY_CHUNKED every family
   but dense; CAT_KEY_COMP and CAT_KEY_COMP_OPT cat and cat_adaptive (the
   compressor). *_OPT keys may be absent (then the default holds). An i64 key
   fills an int32_t field, an f64 key a double. */
enum { CAT_KEY_ALL, CAT_KEY_OPT, CAT_KEY_CHUNKED, CAT_KEY_COMP, CAT_KEY_COMP_OPT };
#define CAT_CONFIG_KEYS(X) \
    X(vocab_size,             "vocab_size",                   CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(padded_vocab,           "padded_vocab_size",            CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(block_size,             "block_size",                   CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(chunk_size,             "chunk_size",                   CAT_KV_I64, CAT_KEY_CHUNKED,  0) \
    X(dim_fx,                 "dim_fx",                       CAT_KV_I64, CAT_KEY_CHUNKED,  0) \
    X(dec.dim,                "decoder.dim",                  CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(dec.n_head,             "decoder.n_head",               CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(dec.n_local_heads,      "decoder.n_local_heads",        CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(dec.n_layer,            "decoder.n_layer",              CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(dec.intermediate_size,  "decoder.intermediate_size",    CAT_KV_I64, CAT_KEY_ALL,      0) \
    X(dec.use_qk_norm,        "decoder.use_qk_norm",          CAT_KV_I64, CAT_KEY_OPT,      0) \
    X(dec.rope_base,          "decoder.rope_base",            CAT_KV_F64, CAT_KEY_OPT,      10000.0) \
    X(dec.norm_eps,           "decoder.norm_eps",             CAT_KV_F64, CAT_KEY_OPT,      1e-5) \
    X(comp.dim,               "compressor.dim",               CAT_KV_I64, CAT_KEY_COMP,     0) \
    X(comp.n_head,            "compressor.n_head",            CAT_KV_I64, CAT_KEY_COMP,     0) \
    X(comp.n_local_heads,     "compressor.n_local_heads",     CAT_KV_I64, CAT_KEY_COMP,     0) \
    X(comp.n_layer,           "compressor.n_layer",           CAT_KV_I64, CAT_KEY_COMP,     0) \
    X(comp.intermediate_size, "compressor.intermediate_size", CAT_KV_I64, CAT_KEY_COMP,     0) \
    X(comp.use_qk_norm,       "compressor.use_qk_norm",       CAT_KV_I64, CAT_KEY_COMP_OPT, 0) \
    X(comp.rope_base,         "compressor.rope_base",         CAT_KV_F64, CAT_KEY_COMP_OPT, 10000.0) \
    X(comp.norm_eps,          "compressor.norm_eps",          CAT_KV_F64, CAT_KEY_COMP_OPT, 1e-5)

/* Bytes of one tensor's data (f32, bf16; q8, q4: see FORMAT.md); 0 for a shape or
   type the format does not allow (ndim 1..4, each dim 1..2^31, q8 and q4 only 2-d). */
CATDEF uint64_t cat_tensor_bytes(cat_dtype dtype, int ndim, const int64_t *dims);

/* The writer: begin with the configuration, the tokenizer (or NULL) and the
   tensor directory; then give the tensors' data in directory order, in pieces
   of any size (alignment padding is inserted between tensors), so a converter
   holds one tensor, or part of one, at a time; then end, which checks that
   every byte was given. Bytes go out through write(user, data, n), which
   returns n on success. The tensors array must stay valid until the end.
   Errors: CAT_ERR_ARGS, CAT_ERR_CONFIG, CAT_ERR_TENSOR (a bad entry, or data
   that does not fit the directory), CAT_ERR_TOKENIZER, CAT_ERR_IO (write
   failed), with a sentence in err. */
typedef size_t (*cat_write_fn)(void *user, const void *data, size_t n);
typedef struct {
    char name[96];              /* 1..95 bytes */
    cat_dtype dtype;
    int ndim;                   /* 1..4 */
    int64_t dims[4];            /* outermost first */
} cat_tensor_desc;
typedef struct {                /* a tokenizer, as cat_tokenizer_create takes it */
    uint32_t n_vocab; const char *const *tokens; const uint32_t *lens;
    uint32_t n_merges; const uint32_t *merges;    /* n_merges (left, right) pairs */
    uint32_t n_special; const uint32_t *special;
} cat_tokenizer_data;
typedef struct {
    uint64_t file_size;         /* the whole file, set by cat_writer_begin */
    /* private */
    cat_write_fn write_; void *user_;
    const cat_tensor_desc *tensors_; int n_tensors_, cur_, failed_;
    uint64_t pos_, data_off_, tensor_off_, cur_done_;
} cat_writer;
CATDEF cat_result cat_writer_begin(cat_writer *w, cat_write_fn write, void *user, const cat_config *cfg,
                                   const cat_tokenizer_data *tok, const cat_tensor_desc *tensors, int n_tensors,
                                   char *err, size_t errlen);
CATDEF cat_result cat_writer_data(cat_writer *w, const void *data, size_t n, char *err, size_t errlen);
CATDEF cat_result cat_writer_end(cat_writer *w, char *err, size_t errlen);

typedef struct cat_model cat_model;
typedef struct cat_session cat_session;
typedef struct cat_tokenizer cat_tokenizer;

/* ----------------------------------------------------------------------------
   MODELS: open a model file (mapped, or from memory), read what it holds. */
/* Opens a model file (mapped read-only where the system can, else read into memory).
   Returns CAT_OK and *out, or an error (CAT_ERR_IO, CAT_ERR_MAGIC, CAT_ERR_VERSION,
   CAT_ERR_TRUNCATED, CAT_ERR_FORMAT, CAT_ERR_CONFIG, CAT_ERR_TENSOR, CAT_ERR_TOKENIZER,
   CAT_ERR_NOMEM) with *out = NULL and a sentence naming the problem in err (may be NULL). */
CATDEF cat_result cat_model_open(const char *path, cat_model **out, char *err, size_t errlen);
/* As cat_model_open, but the file is read into memory the model owns instead of
   mapped (llama.cpp's --no-mmap): it takes the read's time and the file's size in
   RAM, and then no weight page is faulted in or dropped by the system. On a
   machine that pages out cold file pages (this project's VMs do), mapped weights
   may be read from disk again; a 3 GB f32 model decoded 1.5-3x faster loaded. */
CATDEF cat_result cat_model_load(const char *path, cat_model **out, char *err, size_t errlen);
/* How cat_model_open_memory holds the bytes it is given. */
typedef enum {
    CAT_MEMORY_COPY = 0,    /* the model copies them: data may be freed as soon as the call returns */
    CAT_MEMORY_IN_PLACE = 1 /* the weights are read from data in place: data must be 64-byte aligned
                               (else CAT_ERR_ARGS, nothing copied) and outlive the model */
} cat_memory_mode;
/* A model file already in memory (size bytes at data), held as mode says. Returns as
   cat_model_open, and CAT_ERR_ARGS for NULL data with size > 0, an unknown mode, or
   CAT_MEMORY_IN_PLACE with data not 64-byte aligned. */
CATDEF cat_result cat_model_open_memory(const void *data, size_t size, cat_memory_mode mode, cat_model **out,
                                        char *err, size_t errlen);
CATDEF void cat_model_close(cat_model *m);                            /* NULL: nothing */
/* Getters (these and the session's and tokenizer's below): a NULL object gives 0, NULL,
   or -1 where -1 is the documented "none". */
CATDEF const cat_config *cat_model_config(const cat_model *m);
CATDEF const cat_tokenizer *cat_model_tokenizer(const cat_model *m); /* NULL if the file has none */
CATDEF size_t cat_model_weight_bytes(const cat_model *m);           /* bytes of the weight tensors */
CATDEF size_t cat_model_file_bytes(const cat_model *m);             /* bytes of the whole file */
/* The tensor directory, for tools: the count, and entry i (any output pointer may be
   NULL); CAT_ERR_ARGS for i out of range. */
CATDEF int cat_model_tensor_count(const cat_model *m);
CATDEF cat_result cat_model_tensor_info(const cat_model *m, int i, const char **name, cat_dtype *dtype,
                                        int *ndim, int64_t dims[4], uint64_t *offset, uint64_t *nbytes);
CATDEF const char *cat_family_name(cat_family f);   /* "dense", "cat", ...; "unknown" */
CATDEF const char *cat_dtype_name(cat_dtype t);      /* "f32", "bf16", "q8", "q4"; "unknown" */
/* the kernels a session runs by default on this CPU: "avx512vnni", "avx512",
   "avx2vnni", "avx2", "neon", "neon-dotprod" (arm64 built for the Armv8.2 dot
   product, e.g. -march=armv8.2-a+dotprod: q8 / q4 with sdot) or "scalar" (x86:
   chosen at run time; CAT_KERNELS=scalar|avx2|avx2vnni|avx512|avx512vnni|avx512bf16
   in the environment picks one the CPU runs); cat_session_kernels: a session's */
CATDEF const char *cat_kernels(void);
/* 8-bit and 4-bit weights (FORMAT.md: a half-precision scale per 32 values):
   bytes of a rows x cols q8 / q4 matrix, and quantizing one (src finite) */
CATDEF size_t cat_q8_bytes(int64_t rows, int64_t cols);
CATDEF void cat_q8_quantize(void *dst, const float *src, int64_t rows, int64_t cols);
CATDEF size_t cat_q4_bytes(int64_t rows, int64_t cols);
CATDEF void cat_q4_quantize(void *dst, const float *src, int64_t rows, int64_t cols);
/* 1 if chunk is a valid test-time chunk size for this model (0: the model's own; adaptive
   CATs: any power of two up to the model's), else 0 */
CATDEF int cat_model_chunk_ok(const cat_model *m, int32_t chunk);

/* ----------------------------------------------------------------------------
   SESSIONS: feed tokens of one or more sequences, read the next-token logits. */
typedef struct {
    int32_t chunk_size;   /* adaptive CAT: test-time chunk (power of two <= max); 0 = the model's */
    int32_t max_context;  /* tokens the session may hold; 0 = the model's block_size */
    int32_t n_batch;      /* tokens per internal prefill step; 0 = min(512, max_context) */
    int32_t n_threads;    /* threads (at most 256); 0 = OMP_NUM_THREADS in an OpenMP build, else the CPUs online */
    int32_t n_seq;        /* independent sequences held and decoded together; 0 = 1 */
    cat_dtype kv_type;    /* KV-cache entries: CAT_DTYPE_F32 (0, the default), CAT_DTYPE_BF16, or
                             CAT_DTYPE_Q8 (8 bits with a float scale per 32 values of a head) */
    uint64_t kv_budget_bytes; /* 0 = none. Else the KV cache of all n_seq sequences at max_context
                             tokens must fit: an adaptive CAT with chunk_size 0 takes the smallest
                             chunk size that fits; otherwise the chunk in use must fit.
                             CAT_ERR_BUDGET when nothing fits (see cat_model_fit_budget) */
    int32_t bf16_dot;     /* bf16 weights times activations rounded to bf16 (AVX512_BF16
                             vdpbf16ps; logits move by up to ~0.08 on the demo) or times f32
                             activations (exact products): 0 = automatic (bf16 activations on
                             CPUs that issue vdpbf16ps as fast as an FMA, AMD Zen 4 and later:
                             1.8x prefill, 2.9x decode there; else f32), 1 = bf16 activations
                             wherever the CPU has AVX512_BF16, 2 = f32 activations always */
} cat_session_params;

/* Opens a session on m (p may be NULL: all defaults), allocating everything it will need.
   Returns CAT_OK and *out; CAT_ERR_ARGS (NULL m or out, a negative field, n_seq > 4096),
   CAT_ERR_CHUNK (chunk_size not valid for the model), CAT_ERR_NOMEM. The model must
   outlive the session. */
CATDEF cat_result cat_session_open(const cat_model *m, const cat_session_params *p, cat_session **out);
/* The bytes cat_session_open would allocate with these parameters (what
   cat_session_memory then reports), without allocating them. */
CATDEF cat_result cat_session_bytes(const cat_model *m, const cat_session_params *p, size_t *bytes);
/* Feed n tokens. logits: NULL, or room for n * padded_vocab floats that receive
   the next-token logits after each fed token. Returns CAT_OK; CAT_ERR_ARGS (NULL s, or
   NULL tokens with n > 0), CAT_ERR_TOKEN (an id < 0 or >= padded_vocab), CAT_ERR_CONTEXT
   (the tokens do not fit in max_context). On an error nothing is fed. */
CATDEF cat_result cat_session_feed(cat_session *s, const int32_t *tokens, size_t n, float *logits);
/* Batched: tokens[i] goes to sequence seq[i] (0 <= seq[i] < n_seq; each
   sequence's tokens in order). All sequences run through the layers together,
   so every weight read serves all of them. logits as above, row i for token i.
   Returns as cat_session_feed, and CAT_ERR_ARGS for a sequence id out of range. */
CATDEF cat_result cat_session_feed_multi(cat_session *s, const int32_t *seq, const int32_t *tokens, size_t n, float *logits);
/* padded_vocab logits after the last token fed (to sequence 0 / to sequence seq); NULL
   before any, or for seq out of range. Valid until the next feed, reset or close. */
CATDEF const float *cat_session_logits(const cat_session *s);
CATDEF const float *cat_session_seq_logits(const cat_session *s, int32_t seq);
CATDEF int32_t cat_session_seq_pos(const cat_session *s, int32_t seq); /* tokens held; -1: no such seq */
CATDEF void cat_session_seq_reset(cat_session *s, int32_t seq);      /* empties one sequence */
CATDEF int32_t cat_session_n_seq(const cat_session *s);
CATDEF const char *cat_session_kernels(const cat_session *s); /* NULL for NULL */
CATDEF int32_t cat_session_pos(const cat_session *s);         /* tokens held (sequence 0) */
CATDEF int32_t cat_session_chunk(const cat_session *s);       /* chunk size in use (0 for dense) */
CATDEF int32_t cat_session_max_context(const cat_session *s); /* tokens a sequence may hold */
CATDEF size_t cat_session_kv_bytes(const cat_session *s);     /* bytes of KV cache live now */
CATDEF size_t cat_session_kv_bytes_at(const cat_session *s, int32_t pos); /* ... when pos tokens are held */
CATDEF size_t cat_session_memory(const cat_session *s);       /* bytes the session allocated */
CATDEF size_t cat_session_scratch_bytes(const cat_session *s); /* ... of which not KV cache */
CATDEF cat_dtype cat_session_kv_type(const cat_session *s);

/* KV-cache bytes of n_seq sequences (0 = 1) holding context tokens (0 = the
   block size) at a chunk size (0 = the model's; ignored for dense models),
   with entries of kv_type: what cat_session_kv_bytes_at reports. 0 when the
   chunk size is not valid for the model. */
CATDEF size_t cat_model_kv_bytes(const cat_model *m, int32_t chunk, int32_t context, int32_t n_seq, cat_dtype kv_type);
/* The chunk size a session with these parameters takes under budget bytes of
   KV cache: *chunk in: the requested chunk (0 = the model's, or for an
   adaptive CAT: the smallest that fits), out: the chunk chosen; *need: its
   KV bytes. When nothing fits, returns CAT_ERR_BUDGET and *need is the
   smallest budget that would fit (*chunk: the chunk size it would take). */
CATDEF cat_result cat_model_fit_budget(const cat_model *m, uint64_t budget, int32_t context, int32_t n_seq, cat_dtype kv_type,
                                       int32_t *chunk, size_t *need);
CATDEF void cat_session_reset(cat_session *s);   /* empties every sequence; NULL: nothing */
CATDEF void cat_session_close(cat_session *s);   /* NULL: nothing */

/* Session state: rewind, fork, save and restore one sequence. */
/* the tokens sequence seq holds (cat_session_seq_pos of them); NULL for a bad seq */
CATDEF const int32_t *cat_session_seq_tokens(const cat_session *s, int32_t seq);
/* Rewind sequence seq to its first n_tokens tokens (0 .. its pos), exactly as if it
   had never been fed more: its logits are again those after token n_tokens - 1 (none
   at 0) and feeding continues from there, bit-identically. Cheap inside the current
   chunk (the last kept token is fed again) and at a chunk boundary (the chunk before
   is compressed again); inside an earlier, completed chunk that chunk's compressed
   entry is dropped and its kept tokens are fed again. The CAT layer feeds the whole
   chunk before a boundary again (its compression needs the chunk's hidden states). */
CATDEF cat_result cat_session_seq_truncate(cat_session *s, int32_t seq, int32_t n_tokens);
/* Make sequence dst a copy of sequence src (caches, tokens, logits): fork a prompt fed
   once into several continuations, each going on as a fresh session would. */
CATDEF cat_result cat_session_seq_copy(cat_session *s, int32_t src, int32_t dst);
/* A sequence's state as bytes (for a prompt cache, or to resume later): its tokens,
   logits and live cache entries, tied to the model (a fingerprint of its tensors) and
   to the session's chunk size; in this machine's byte order. load checks everything
   and leaves the sequence unchanged on an error (CAT_ERR_STATE: another model or
   chunk size; CAT_ERR_CONTEXT: more tokens than this session holds). */
CATDEF size_t cat_session_seq_state_size(const cat_session *s, int32_t seq);
CATDEF cat_result cat_session_seq_state_save(const cat_session *s, int32_t seq, void *buf, size_t cap, size_t *written);
CATDEF cat_result cat_session_seq_state_load(cat_session *s, int32_t seq, const void *buf, size_t len);

/* Full-sequence forward: logits (n * padded_vocab) for every position.
   chunk: test-time chunk for adaptive CATs (0 = the model's). Allocates a
   temporary session. Returns as cat_session_open and cat_session_feed, and
   CAT_ERR_CONTEXT when n > block_size. */
CATDEF cat_result cat_forward(const cat_model *m, int32_t chunk, const int32_t *tokens, size_t n, float *logits);

/* ----------------------------------------------------------------------------
   SAMPLING: choose the next token from logits. */
typedef struct { uint64_t state; } cat_rng;
CATDEF void cat_rng_seed(cat_rng *r, uint64_t seed);
CATDEF uint64_t cat_rng_next(cat_rng *r);   /* 64 random bits (xorshift64*) */
CATDEF float cat_rng_float(cat_rng *r);     /* uniform in [0, 1) */
CATDEF int32_t cat_argmax(const float *logits, int32_t n);  /* first index of the largest of n */

/* Sampling, in this order: the penalties (as llama.cpp applies them: the logit
   of every distinct token among the last repeat_last_n seen, c times, is divided
   by repeat_penalty when positive and multiplied by it otherwise, then lowered by
   c * frequency_penalty + presence_penalty), then greedy at
   temperature 0, else softmax(logits / T) restricted to the top_k most likely
   (0 = all), to the smallest set whose probability reaches top_p (1 = all) and
   to the tokens at least min_p times as likely as the most likely one. Only ids
   below vocab_size are ever sampled (the padded ones are masked). The RNG state
   and the penalty's history live in the sampler. Every field's zero is "off". */
typedef struct {
    float temperature;    /* 0 = greedy */
    int32_t top_k;        /* 0 = off */
    float top_p;          /* 0 or 1 = off */
    uint64_t seed;
    float min_p;          /* 0 = off; in [0, 1] */
    float repeat_penalty; /* 0 or 1 = off; > 1 discourages repeats, < 1 favours them */
    int32_t repeat_last_n; /* tokens of history the penalties look at; 0 = 64 */
    float frequency_penalty; /* 0 = off; subtracted once per occurrence */
    float presence_penalty;  /* 0 = off; subtracted once if the token occurs */
} cat_sampler_params;
typedef struct {
    cat_sampler_params p;
    cat_rng rng;
    int32_t vocab;
    float *prob;        /* [vocab] */
    int32_t *idx;       /* [vocab] */
    int32_t *recent;    /* [repeat_last_n] ring of the last tokens seen (a penalty on only) */
    int32_t n_recent, recent_next;
} cat_sampler;
/* Returns CAT_OK; CAT_ERR_ARGS for a NULL pointer, vocab_size <= 0 or a field out of its
   range; CAT_ERR_NOMEM. Free with cat_sampler_free. */
CATDEF cat_result cat_sampler_init(cat_sampler *s, const cat_sampler_params *p, int32_t vocab_size);
/* Draws the next token from logits (vocab_size floats, or more: the padding
   is ignored) into *token, records it in the penalty's history and returns
   CAT_OK. A logit of -INFINITY masks its token (never drawn); when any of the
   logits it may sample (ids below vocab_size) is NaN or +Inf, or all are -Inf
   (a model with non-finite weights, an overflow), it returns CAT_ERR_NONFINITE
   and *token = -1, at every temperature, without advancing the RNG or the
   history; CAT_ERR_ARGS for NULL pointers. */
CATDEF cat_result cat_sampler_sample(cat_sampler *s, const float *logits, int32_t *token);
/* Records a token the sampler did not pick (a prompt token, user input) in the
   penalty's history; ids outside 0..vocab_size-1 are ignored. */
CATDEF void cat_sampler_accept(cat_sampler *s, int32_t token);
/* The distribution sample() would draw from (vocab_size probabilities, zero for
   the excluded tokens; one-hot at temperature 0), without drawing; like sample(),
   CAT_ERR_NONFINITE for NaN or infinite logits. */
CATDEF cat_result cat_sampler_probs(cat_sampler *s, const float *logits, float *probs);
CATDEF void cat_sampler_free(cat_sampler *s);   /* NULL: nothing */

/* ----------------------------------------------------------------------------
   TOKENIZER: text <-> token ids (GPT-2 byte-level BPE). */
#ifndef CAT_NO_TOKENIZER

/* tokens[i]: the vocabulary string of id i in GPT-2's byte-to-unicode form (as in vocab.json),
   UTF-8, length lens[i] (need not be NUL-terminated; must not be empty; strings must be unique);
   merges: n_merges pairs (left id, right id) in rank order (rank 0 = highest priority; the merged
   token is the vocab entry for left+right concatenated, which must exist; if a pair is listed
   twice, the later rank wins, like encoder.py and HF);
   special: ids of special tokens (e.g. <|endoftext|>) whose strings are matched literally in the
   text before pre-tokenization, and which decode to their string literally.
   Errors: CAT_ERR_ARGS (NULL pointers, n_vocab == 0 or > INT32_MAX), CAT_ERR_TOKENIZER (empty or
   duplicate token string, id out of range, merge result missing), CAT_ERR_NOMEM. */
CATDEF cat_result cat_tokenizer_create(cat_tokenizer **out, uint32_t n_vocab, const char *const *tokens, const uint32_t *lens,
                                uint32_t n_merges, const uint32_t *merges, uint32_t n_special, const uint32_t *special);
CATDEF void cat_tokenizer_free(cat_tokenizer *t);                   /* NULL: nothing */
CATDEF uint32_t cat_tokenizer_vocab_size(const cat_tokenizer *t);   /* tokens (0 for NULL) */
/* Encode len bytes of text (UTF-8 or arbitrary bytes; need not be NUL-terminated).
   Writes up to max_ids ids and sets *n_ids to the number of ids of the whole text.
   The count never exceeds len, so max_ids = len always suffices.
   Returns CAT_ERR_BUFFER if max_ids < *n_ids (ids holds the first max_ids ids; ids may be NULL
   when max_ids == 0, to query the size), CAT_ERR_ARGS for NULL pointers, CAT_ERR_NOMEM. */
CATDEF cat_result cat_tokenizer_encode(const cat_tokenizer *t, const char *text, size_t len, int32_t *ids, size_t max_ids, size_t *n_ids);
/* Raw bytes of one token (after the unicode-to-byte mapping; special tokens: their literal string).
   The bytes are followed by a NUL (not counted in *len; a token may itself contain NUL bytes).
   NULL (and *len = 0) for an out-of-range id. len may be NULL. */
CATDEF const char *cat_tokenizer_token_bytes(const cat_tokenizer *t, int32_t id, size_t *len);
/* Decode n ids into out (cap bytes; no NUL terminator is written). *out_len = total bytes.
   CAT_ERR_TOKEN for an out-of-range id (then *out_len = 0, nothing written), CAT_ERR_ARGS for NULL pointers;
   CAT_ERR_BUFFER if cap < *out_len (out holds the first cap bytes). out may be NULL if cap == 0. */
CATDEF cat_result cat_tokenizer_decode(const cat_tokenizer *t, const int32_t *ids, size_t n, char *out, size_t cap, size_t *out_len);

/* id of the token whose string (raw bytes) is s[0..len), or -1 (also for t NULL) */
CATDEF int32_t cat_tokenizer_find(const cat_tokenizer *t, const char *s, size_t len);
/* id of the end-of-text token <|endoftext|>, or -1 when the tokenizer has none (or t is NULL) */
CATDEF int32_t cat_tokenizer_eot(const cat_tokenizer *t);
/* 1 if id is one of the special tokens, else 0 */
CATDEF int cat_tokenizer_is_special(const cat_tokenizer *t, int32_t id);
#endif /* CAT_NO_TOKENIZER */

#ifdef __cplusplus
}
#endif
#endif /* CAT_H_INCLUDED */

/* ======================================================================= */
#ifdef CAT_IMPLEMENTATION
#ifndef CAT_IMPLEMENTATION_DONE
#define CAT_IMPLEMENTATION_DONE

/* ----------------------------------------------------------------------------
   1 BASICS: allocator and linkage macros, names, error helpers, little-endian readers. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <limits.h>
#include <float.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#define CAT__HAVE_POSIX 1
#if !defined(CAT_NO_MMAP)
#include <sys/mman.h>
#define CAT__HAVE_MMAP 1
#endif
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

/* allocator overrides: all three or none */
#if defined(CAT_MALLOC) || defined(CAT_FREE) || defined(CAT_REALLOC)
#if !defined(CAT_MALLOC) || !defined(CAT_FREE) || !defined(CAT_REALLOC)
#error "cat.h: define all of CAT_MALLOC, CAT_FREE and CAT_REALLOC, or none of them"
#endif
#else
#define CAT_MALLOC(sz) malloc(sz)
#define CAT_FREE(p) free(p)
#define CAT_REALLOC(p, sz) realloc(p, sz)
#endif

#ifdef CAT_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define CAT__API static __attribute__((unused))
#else
#define CAT__API static
#endif
#else
#define CAT__API
#endif

#define CAT__ALIGN CAT_FILE_ALIGN
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

CAT__API const char *cat_dtype_name(cat_dtype t) {
    switch (t) {
    case CAT_DTYPE_F32: return "f32";
    case CAT_DTYPE_BF16: return "bf16";
    case CAT_DTYPE_Q8: return "q8";
    case CAT_DTYPE_Q4: return "q4";
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

/* writes the message (when err is not NULL) and returns the code:
   return cat__fail(err, errlen, CAT_ERR_CONFIG, "n_head %d ...", n); */
static cat_result cat__fail(char *err, size_t errlen, cat_result code, const char *fmt, ...) {
    va_list ap;
    if (!err || errlen == 0) return code;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- little-endian readers (no struct I/O, no unaligned loads) ---------- */
static uint32_t cat__rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t cat__rd64(const uint8_t *p) {
    return (uint64_t)cat__rd32(p) | ((uint64_t)cat__rd32(p + 4) << 32);
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

/* ----------------------------------------------------------------------------
   2 MODEL FILE: the model in memory, its configuration keys and checks, the
   tensors a configuration needs, the loader that validates every field of a file. */

typedef struct {
    const void *data;   /* 64-byte aligned inside the mapping */
    cat_dtype dtype;
    int64_t rows, cols; /* 2-D view: rows x cols (1-D tensors: 1 x n) */
    const void *tl;     /* q8 / q4 matrices: a copy in tiles (cat__tile) for the kernels that read them, or NULL */
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
    void *tiles_raw;    /* the q8 / q4 matrices in tiles (cat__tile_all), or NULL */
    void *map; size_t map_len;
    cat__dirent *dir; uint32_t n_dir;
    cat__dirent **by_name;  /* the directory sorted by name (lookups, duplicate check) */
    cat_tokenizer *tok;
    size_t weight_bytes;
};


#ifndef CAT_NO_TOKENIZER
/* forward declaration: the tokenizer (implemented further below) */
static cat_result cat__tokenizer_from_section(cat_tokenizer **out, const uint8_t *p, uint64_t len, char *err, size_t errlen);
#endif

/* the configuration keys as a table (CAT_CONFIG_KEYS), for the reader and the writer */
typedef struct { const char *key; cat_kv_type type; int scope; size_t offset; double def; } cat__keyrow;
#define CAT__KEYROW(field, key, type, scope, def) { key, type, scope, offsetof(cat_config, field), def },
static const cat__keyrow cat__keys[] = { CAT_CONFIG_KEYS(CAT__KEYROW) };
#undef CAT__KEYROW
#define CAT__NKEYS ((int)(sizeof cat__keys / sizeof cat__keys[0]))

static int cat__key_in_scope(int scope, cat_family f) {
    if (scope == CAT_KEY_ALL || scope == CAT_KEY_OPT) return 1;
    if (scope == CAT_KEY_CHUNKED) return f != CAT_FAMILY_DENSE;
    return f == CAT_FAMILY_CAT || f == CAT_FAMILY_CAT_ADAPTIVE;
}

typedef struct {
    int has_family; char family[32];
    int set[CAT__NKEYS]; int64_t ival[CAT__NKEYS]; double fval[CAT__NKEYS];
} cat__kvset;

static int cat__key_is(const uint8_t *k, uint32_t n, const char *s) {
    return strlen(s) == n && memcmp(k, s, n) == 0;
}

static cat_result cat__parse_kv(cat__cur *c, uint32_t n_kv, cat__kvset *kv, char *err, size_t errlen) {
    uint32_t i; int j;
    memset(kv, 0, sizeof *kv);
    for (i = 0; i < n_kv; i++) {
        uint32_t klen = cat__cu32(c), type;
        const uint8_t *key;
        int64_t iv = 0; double fv = 0; uint32_t slen = 0; const uint8_t *s = NULL;
        if (klen == 0 || klen > 256) { if (!c->bad) { cat__err(err, errlen, "config entry %u has a key length of %u (1..256 allowed)", i, klen); return CAT_ERR_FORMAT; } break; }
        key = cat__cbytes(c, klen);
        type = cat__cu32(c);
        if (c->bad) break;
        if (type == CAT_KV_I64) iv = (int64_t)cat__cu64(c);
        else if (type == CAT_KV_F64) { uint64_t u = cat__cu64(c); memcpy(&fv, &u, 8); }
        else if (type == CAT_KV_STR) { slen = cat__cu32(c); s = cat__cbytes(c, slen); }
        else { cat__err(err, errlen, "config entry %u has unknown value type %u", i, type); return CAT_ERR_FORMAT; }
        if (c->bad) break;
        if (cat__key_is(key, klen, "family")) {
            if (type != CAT_KV_STR) { cat__err(err, errlen, "config key 'family' must be a string"); return CAT_ERR_FORMAT; }
            if (slen == 0 || slen >= sizeof kv->family) { cat__err(err, errlen, "config key 'family' has a bad length %u", slen); return CAT_ERR_FORMAT; }
            if (kv->has_family) { cat__err(err, errlen, "config key 'family' appears twice"); return CAT_ERR_FORMAT; }
            memcpy(kv->family, s, slen); kv->family[slen] = 0; kv->has_family = 1;
            continue;
        }
        for (j = 0; j < CAT__NKEYS; j++) if (cat__key_is(key, klen, cat__keys[j].key)) {
            if ((uint32_t)cat__keys[j].type != type) { cat__err(err, errlen, "config key '%s' has value type %u, expected %d", cat__keys[j].key, type, (int)cat__keys[j].type); return CAT_ERR_FORMAT; }
            if (kv->set[j]) { cat__err(err, errlen, "config key '%s' appears twice", cat__keys[j].key); return CAT_ERR_FORMAT; }
            kv->ival[j] = iv; kv->fval[j] = fv; kv->set[j] = 1;
        }
    }
    if (c->bad) { cat__err(err, errlen, "config section ends in the middle of entry %u", i); return CAT_ERR_TRUNCATED; }
    return CAT_OK;
}

static int cat__is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }
static int cat__log2i(int64_t x) { int p = 0; while (x > 1) { x >>= 1; p++; } return p; }

/* validate one stack's settings (decoder or compressor) and fill its derived fields */
static cat_result cat__stack_validate(cat_stack_config *b, const char *what, char *err, size_t errlen) {
    const int32_t v[5] = { b->dim, b->n_head, b->n_local_heads, b->n_layer, b->intermediate_size };
    const char *names[5] = { "dim", "n_head", "n_local_heads", "n_layer", "intermediate_size" };
    int k;
    for (k = 0; k < 5; k++) if (v[k] <= 0 || v[k] > CAT__MAX_DIM || (k == 3 && v[k] > CAT__MAX_LAYERS)) {
        return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.%s = %d is out of range", what, names[k], (int)v[k]);
    }
    if (b->use_qk_norm != 0 && b->use_qk_norm != 1) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.use_qk_norm must be 0 or 1", what);
    if (!(b->rope_base > 1.0 && b->rope_base < 1e12)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.rope_base = %g is out of range", what, b->rope_base);
    if (!(b->norm_eps >= 0.0 && b->norm_eps < 1.0)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.norm_eps = %g is out of range", what, b->norm_eps);
    if (b->dim % b->n_head) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.dim = %d is not a multiple of n_head = %d", what, b->dim, b->n_head);
    if (b->n_head % b->n_local_heads) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s.n_head = %d is not a multiple of n_local_heads = %d", what, b->n_head, b->n_local_heads);
    b->head_dim = b->dim / b->n_head;
    if (b->head_dim % 2) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config %s: head size %d is odd (RoPE needs an even size)", what, b->head_dim);
    b->rope_n_elem = b->head_dim;
    return CAT_OK;
}

CAT__API cat_result cat_config_validate(cat_config *cfg, char *err, size_t errlen) {
    cat_result r;
    if (!cfg) return cat__fail(err, errlen, CAT_ERR_ARGS, "no configuration (NULL)");
    if ((int)cfg->family < 0 || (int)cfg->family > CAT_FAMILY_CAT_LAYER) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config family %d is unknown", (int)cfg->family);
    if (cfg->vocab_size <= 0 || cfg->vocab_size > (1 << 24)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config vocab_size = %d is out of range", (int)cfg->vocab_size);
    if (cfg->padded_vocab < cfg->vocab_size || cfg->padded_vocab > (1 << 24)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config padded_vocab_size = %d must be >= vocab_size = %d", (int)cfg->padded_vocab, (int)cfg->vocab_size);
    if (cfg->block_size <= 0 || cfg->block_size > CAT__MAX_CTX) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config block_size = %d is out of range", (int)cfg->block_size);
    r = cat__stack_validate(&cfg->dec, cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? "decoder" : "model", err, errlen);
    if (r) return r;
    if (cfg->family == CAT_FAMILY_DENSE) { cfg->chunk_size = 0; cfg->dim_fx = 0; return CAT_OK; }
    if (cfg->chunk_size <= 0 || cfg->chunk_size > 4096 || cfg->chunk_size > cfg->block_size) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config chunk_size = %d is out of range (1..min(4096, block_size))", (int)cfg->chunk_size);
    if (cfg->dim_fx <= 0 || cfg->dim_fx > CAT__MAX_DIM) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config dim_fx = %d is out of range", (int)cfg->dim_fx);
    if (cfg->block_size % cfg->chunk_size) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config block_size = %d is not a multiple of chunk_size = %d", (int)cfg->block_size, (int)cfg->chunk_size);
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        cfg->layer_n_head = cfg->dim_fx / 64;
        if (cfg->layer_n_head < 1 || cfg->dim_fx % cfg->layer_n_head) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config dim_fx = %d: a CAT layer needs dim_fx >= 64 and divisible by dim_fx / 64 heads", (int)cfg->dim_fx);
        cfg->layer_head_dim = cfg->dim_fx / cfg->layer_n_head;
        if (cfg->dec.head_dim > cfg->layer_head_dim) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config: RoPE size %d (dim / n_head) exceeds the CAT layer head size %d", (int)cfg->dec.head_dim, (int)cfg->layer_head_dim);
        if ((int64_t)cfg->chunk_size * cfg->dec.dim > ((int64_t)1 << 28)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config chunk_size * dim is too large");
        return CAT_OK;
    }
    cfg->layer_n_head = cfg->layer_head_dim = 0;
    if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE && !cat__is_pow2(cfg->chunk_size)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config chunk_size = %d must be a power of two for an adaptive CAT", (int)cfg->chunk_size);
    if (cfg->dim_fx != cfg->dec.dim) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config compressor dim_fx = %d must equal the decoder dim = %d", (int)cfg->dim_fx, (int)cfg->dec.dim);
    r = cat__stack_validate(&cfg->comp, "compressor", err, errlen);
    if (r) return r;
    if ((int64_t)cfg->chunk_size * cfg->comp.dim > ((int64_t)1 << 28)) return cat__fail(err, errlen, CAT_ERR_CONFIG, "config chunk_size * compressor.dim is too large");
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
    for (i = 0; i < CAT__NKEYS; i++) {
        const cat__keyrow *k = &cat__keys[i];
        const int optional = k->scope == CAT_KEY_OPT || k->scope == CAT_KEY_COMP_OPT;
        char *field = (char *)cfg + k->offset;
        if (!kv->set[i] && !optional && cat__key_in_scope(k->scope, cfg->family)) { cat__err(err, errlen, "config lacks '%s'", k->key); return CAT_ERR_CONFIG; }
        if (k->type == CAT_KV_I64) {
            int32_t v = (int32_t)k->def;
            if (kv->set[i]) {
                if (kv->ival[i] < INT32_MIN || kv->ival[i] > INT32_MAX) { cat__err(err, errlen, "config '%s' = %lld is out of range", k->key, (long long)kv->ival[i]); return CAT_ERR_CONFIG; }
                v = (int32_t)kv->ival[i];
            }
            memcpy(field, &v, sizeof v);
        } else {
            double v = kv->set[i] ? kv->fval[i] : k->def;
            memcpy(field, &v, sizeof v);
        }
    }
    return cat_config_validate(cfg, err, errlen);
}

/* ---- the writer -------------------------------------------------------- */
CAT__API uint64_t cat_tensor_bytes(cat_dtype dtype, int ndim, const int64_t *dims) {
    uint64_t numel = 1;
    int k;
    if (!dims || ndim < 1 || ndim > 4) return 0;
    for (k = 0; k < ndim; k++) {
        if (dims[k] < 1 || dims[k] > ((int64_t)1 << 31)) return 0;
        if (numel > ((uint64_t)1 << 40) / (uint64_t)dims[k]) return 0;
        numel *= (uint64_t)dims[k];
    }
    if (dtype == CAT_DTYPE_F32) return numel * 4;
    if (dtype == CAT_DTYPE_BF16) return numel * 2;
    if (dtype == CAT_DTYPE_Q8) return ndim == 2 ? (uint64_t)cat_q8_bytes(dims[0], dims[1]) : 0;
    if (dtype == CAT_DTYPE_Q4) return ndim == 2 ? (uint64_t)cat_q4_bytes(dims[0], dims[1]) : 0;
    return 0;
}

static cat_result cat__w(cat_writer *w, const void *p, size_t n, char *err, size_t errlen) {
    if (n && w->write_(w->user_, p, n) != n) { w->failed_ = 1; cat__err(err, errlen, "cannot write the model file (at byte %llu)", (unsigned long long)w->pos_); return CAT_ERR_IO; }
    w->pos_ += n;
    return CAT_OK;
}
static cat_result cat__w32(cat_writer *w, uint32_t v, char *err, size_t errlen) {
    uint8_t b[4]; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24);
    return cat__w(w, b, 4, err, errlen);
}
static cat_result cat__w64(cat_writer *w, uint64_t v, char *err, size_t errlen) {
    cat_result r = cat__w32(w, (uint32_t)v, err, errlen);
    return r ? r : cat__w32(w, (uint32_t)(v >> 32), err, errlen);
}
static cat_result cat__wstr(cat_writer *w, const char *s, size_t n, char *err, size_t errlen) {
    cat_result r = cat__w32(w, (uint32_t)n, err, errlen);
    return r ? r : cat__w(w, s, n, err, errlen);
}
static cat_result cat__wzeros(cat_writer *w, uint64_t to, char *err, size_t errlen) {
    static const uint8_t zeros[CAT_FILE_ALIGN] = { 0 };
    while (w->pos_ < to) {
        size_t n = to - w->pos_ < sizeof zeros ? (size_t)(to - w->pos_) : sizeof zeros;
        cat_result r = cat__w(w, zeros, n, err, errlen);
        if (r) return r;
    }
    return CAT_OK;
}
/* the configuration section; w == NULL only measures. Returns the size, counts entries in *n. */
static cat_result cat__write_kv(cat_writer *w, const cat_config *c, uint64_t *size, uint32_t *n, char *err, size_t errlen) {
    const char *fam = cat_family_name(c->family);
    int i;
    cat_result r = CAT_OK;
    *size = 4 + 6 + 4 + 4 + strlen(fam); *n = 1;
    if (w && ((r = cat__wstr(w, "family", 6, err, errlen)) || (r = cat__w32(w, CAT_KV_STR, err, errlen)) || (r = cat__wstr(w, fam, strlen(fam), err, errlen)))) return r;
    for (i = 0; i < CAT__NKEYS && !r; i++) {
        const cat__keyrow *k = &cat__keys[i];
        const char *field = (const char *)c + k->offset;
        uint64_t u;
        if (!cat__key_in_scope(k->scope, c->family)) continue;
        *size += 4 + strlen(k->key) + 4 + 8; (*n)++;
        if (!w) continue;
        if (k->type == CAT_KV_I64) { int32_t v; memcpy(&v, field, sizeof v); u = (uint64_t)(int64_t)v; }
        else { double v; memcpy(&v, field, sizeof v); memcpy(&u, &v, 8); }
        if (!(r = cat__wstr(w, k->key, strlen(k->key), err, errlen)) && !(r = cat__w32(w, (uint32_t)k->type, err, errlen))) r = cat__w64(w, u, err, errlen);
    }
    return r;
}

CAT__API cat_result cat_writer_begin(cat_writer *w, cat_write_fn write, void *user, const cat_config *cfg,
                                     const cat_tokenizer_data *tok, const cat_tensor_desc *tensors, int n_tensors,
                                     char *err, size_t errlen) {
    cat_config c;
    uint64_t kv_size, tok_size = 0, dir_size = 0, data_size = 0, kv_off = CAT_FILE_HEADER_SIZE, tok_off, dir_off, data_off;
    uint32_t n_kv, i;
    int t, k;
    cat_result r;
    if (!w || !write || !cfg || (!tensors && n_tensors) || n_tensors < 0) { cat__err(err, errlen, "cat_writer_begin: NULL argument"); return CAT_ERR_ARGS; }
    memset(w, 0, sizeof *w);
    w->failed_ = 1;
    c = *cfg;
    r = cat_config_validate(&c, err, errlen);
    if (r) return r;
    if (tok) {
        if (!tok->n_vocab || !tok->tokens || !tok->lens || (tok->n_merges && !tok->merges) || (tok->n_special && !tok->special)) { cat__err(err, errlen, "cat_writer_begin: incomplete tokenizer"); return CAT_ERR_ARGS; }
        if (tok->n_vocab > (uint32_t)c.padded_vocab) { cat__err(err, errlen, "the tokenizer has %u tokens but the model only %d (padded)", tok->n_vocab, (int)c.padded_vocab); return CAT_ERR_TOKENIZER; }
        tok_size = 12 + 8ull * tok->n_merges + 4ull * tok->n_special;
        for (i = 0; i < tok->n_vocab; i++) tok_size += 4 + (uint64_t)tok->lens[i];
    }
    for (t = 0; t < n_tensors; t++) {
        const cat_tensor_desc *d = &tensors[t];
        const char *z = (const char *)memchr(d->name, 0, sizeof d->name);
        size_t nl = z ? (size_t)(z - d->name) : sizeof d->name;
        uint64_t nb = cat_tensor_bytes(d->dtype, d->ndim, d->dims);
        if (nl == 0 || nl >= sizeof d->name) { cat__err(err, errlen, "tensor %d has a name of %d bytes (1..95 allowed)", t, (int)nl); return CAT_ERR_TENSOR; }
        if (!nb) { cat__err(err, errlen, "tensor '%s' has a type or shape the format does not allow", d->name); return CAT_ERR_TENSOR; }
        dir_size += 4 + nl + 8 + 8ull * (uint64_t)d->ndim + 16;
        data_size = (data_size + CAT_FILE_ALIGN - 1) / CAT_FILE_ALIGN * CAT_FILE_ALIGN + nb;
    }
    r = cat__write_kv(NULL, &c, &kv_size, &n_kv, err, errlen);
    if (r) return r;
    tok_off = tok ? kv_off + kv_size : 0;
    dir_off = kv_off + kv_size + tok_size;
    data_off = (dir_off + dir_size + CAT_FILE_ALIGN - 1) / CAT_FILE_ALIGN * CAT_FILE_ALIGN;
    w->write_ = write; w->user_ = user; w->tensors_ = tensors; w->n_tensors_ = n_tensors;
    w->data_off_ = data_off; w->file_size = data_off + data_size;
    w->failed_ = 0;
#define CAT__TRY(x) do { if ((r = (x)) != CAT_OK) return r; } while (0)
    /* header */
    CAT__TRY(cat__w(w, CAT_FILE_MAGIC, 8, err, errlen));
    CAT__TRY(cat__w32(w, CAT_FILE_VERSION, err, errlen)); CAT__TRY(cat__w32(w, 0, err, errlen));
    CAT__TRY(cat__w64(w, w->file_size, err, errlen));
    CAT__TRY(cat__w64(w, kv_off, err, errlen)); CAT__TRY(cat__w64(w, kv_size, err, errlen));
    CAT__TRY(cat__w64(w, tok_off, err, errlen)); CAT__TRY(cat__w64(w, tok_size, err, errlen));
    CAT__TRY(cat__w64(w, dir_off, err, errlen)); CAT__TRY(cat__w64(w, dir_size, err, errlen));
    CAT__TRY(cat__w64(w, data_off, err, errlen)); CAT__TRY(cat__w64(w, data_size, err, errlen));
    CAT__TRY(cat__w32(w, n_kv, err, errlen)); CAT__TRY(cat__w32(w, (uint32_t)n_tensors, err, errlen));
    CAT__TRY(cat__wzeros(w, CAT_FILE_HEADER_SIZE, err, errlen));
    /* configuration */
    CAT__TRY(cat__write_kv(w, &c, &kv_size, &n_kv, err, errlen));
    /* tokenizer */
    if (tok) {
        CAT__TRY(cat__w32(w, tok->n_vocab, err, errlen)); CAT__TRY(cat__w32(w, tok->n_merges, err, errlen)); CAT__TRY(cat__w32(w, tok->n_special, err, errlen));
        for (i = 0; i < tok->n_vocab; i++) CAT__TRY(cat__wstr(w, tok->tokens[i], tok->lens[i], err, errlen));
        for (i = 0; i < 2 * tok->n_merges; i++) CAT__TRY(cat__w32(w, tok->merges[i], err, errlen));
        for (i = 0; i < tok->n_special; i++) CAT__TRY(cat__w32(w, tok->special[i], err, errlen));
    }
    /* directory */
    data_size = 0;
    for (t = 0; t < n_tensors; t++) {
        const cat_tensor_desc *d = &tensors[t];
        uint64_t nb = cat_tensor_bytes(d->dtype, d->ndim, d->dims);
        data_size = (data_size + CAT_FILE_ALIGN - 1) / CAT_FILE_ALIGN * CAT_FILE_ALIGN;
        CAT__TRY(cat__wstr(w, d->name, strlen(d->name), err, errlen));
        CAT__TRY(cat__w32(w, (uint32_t)d->dtype, err, errlen)); CAT__TRY(cat__w32(w, (uint32_t)d->ndim, err, errlen));
        for (k = 0; k < d->ndim; k++) CAT__TRY(cat__w64(w, (uint64_t)d->dims[k], err, errlen));
        CAT__TRY(cat__w64(w, data_size, err, errlen)); CAT__TRY(cat__w64(w, nb, err, errlen));
        data_size += nb;
    }
#undef CAT__TRY
    return cat__wzeros(w, data_off, err, errlen);
}

CAT__API cat_result cat_writer_data(cat_writer *w, const void *data, size_t n, char *err, size_t errlen) {
    const uint8_t *p = (const uint8_t *)data;
    if (!w || (!data && n)) { cat__err(err, errlen, "cat_writer_data: NULL argument"); return CAT_ERR_ARGS; }
    if (w->failed_) { cat__err(err, errlen, "cat_writer_data: the writer failed before"); return CAT_ERR_ARGS; }
    while (n) {
        const cat_tensor_desc *d;
        uint64_t nb, take;
        cat_result r;
        if (w->cur_ >= w->n_tensors_) { w->failed_ = 1; cat__err(err, errlen, "more tensor data than the directory holds"); return CAT_ERR_TENSOR; }
        d = &w->tensors_[w->cur_];
        nb = cat_tensor_bytes(d->dtype, d->ndim, d->dims);
        if (w->cur_done_ == 0 && (r = cat__wzeros(w, w->data_off_ + w->tensor_off_, err, errlen))) return r;
        take = nb - w->cur_done_ < n ? nb - w->cur_done_ : n;
        if ((r = cat__w(w, p, (size_t)take, err, errlen))) return r;
        p += take; n -= (size_t)take; w->cur_done_ += take;
        if (w->cur_done_ == nb) {
            w->cur_++; w->cur_done_ = 0;
            w->tensor_off_ = (w->tensor_off_ + nb + CAT_FILE_ALIGN - 1) / CAT_FILE_ALIGN * CAT_FILE_ALIGN;
        }
    }
    return CAT_OK;
}

CAT__API cat_result cat_writer_end(cat_writer *w, char *err, size_t errlen) {
    if (!w) return CAT_ERR_ARGS;
    if (w->failed_) { cat__err(err, errlen, "cat_writer_end: the writer failed before"); return CAT_ERR_ARGS; }
    if (w->cur_ < w->n_tensors_) { w->failed_ = 1; cat__err(err, errlen, "tensor '%s' has not been written in full", w->tensors_[w->cur_].name); return CAT_ERR_TENSOR; }
    if (w->pos_ != w->file_size) { w->failed_ = 1; cat__err(err, errlen, "wrote %llu bytes, the header says %llu", (unsigned long long)w->pos_, (unsigned long long)w->file_size); return CAT_ERR_IO; }
    return CAT_OK;
}

/* ---- the tensors a configuration needs ----------------------------------- */
/* Emits every tensor of a model in file order; dst[i] (when m is given) is
   where the loader binds it. Returns the count (may exceed cap). */
static int cat__specs(const cat_config *c, cat_model *m, cat_tensor_spec *out, cat__tensor **dst, int cap) {
    int n = 0, i, j;
    const cat_stack_config *d = &c->dec;
    const int64_t PV = c->padded_vocab;
#define CAT__EMIT(ptr, nd, a, b, ...) do { if (n < cap) { \
        snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__); \
        out[n].ndim = (nd); out[n].dims[0] = (a); out[n].dims[1] = (nd) == 2 ? (b) : 0; \
        if (dst) dst[n] = m ? (ptr) : NULL; } n++; } while (0)
    CAT__EMIT(m ? &m->wte : NULL, 2, PV, d->dim, "wte.weight");
    for (j = 0; j < 2; j++) {
        const int comp = j == 1;
        const cat_stack_config *b = comp ? &c->comp : d;
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
    uint32_t lo = 0, hi = m->n_dir;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->by_name[mid]->name, name);
        if (c == 0) return m->by_name[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}
static int cat__dirent_cmp(const void *a, const void *b) {
    return strcmp((*(cat__dirent *const *)a)->name, (*(cat__dirent *const *)b)->name);
}
static int cat__dirent_cmp_offset(const void *a, const void *b) {
    uint64_t x = (*(cat__dirent *const *)a)->offset, y = (*(cat__dirent *const *)b)->offset;
    return x < y ? -1 : x > y;
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
    /* A file holds exactly the tensors its configuration needs. Compare the
       counts before allocating anything sized by the configuration (layer
       counts), so that a hostile header cannot make the loader allocate more
       than its directory, whose size the file bounds. With too few tensors,
       the first n_dir + 1 specs name a missing one. */
    n = cat__specs(c, NULL, NULL, NULL, 0);
    if (n > (int)m->n_dir) {
        specs = (cat_tensor_spec *)CAT_MALLOC(sizeof(cat_tensor_spec) * ((size_t)m->n_dir + 1));
        if (!specs) return CAT_ERR_NOMEM;
        cat__specs(c, NULL, specs, NULL, (int)m->n_dir + 1);
        for (i = 0; i < (int)m->n_dir && cat__find(m, specs[i].name); i++) {}
        cat__err(err, errlen, "tensor '%s' is missing (a %s model with this configuration has %d tensors, the file %u)",
                 specs[i].name, cat_family_name(c->family), n, m->n_dir);
        CAT_FREE(specs);
        return CAT_ERR_TENSOR;
    }
    m->layers = (cat__layer *)CAT_MALLOC(sizeof(cat__layer) * (size_t)c->dec.n_layer);
    if (c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE)
        m->c_layers = (cat__layer *)CAT_MALLOC(sizeof(cat__layer) * (size_t)c->comp.n_layer);
    if (!m->layers || ((c->family == CAT_FAMILY_CAT || c->family == CAT_FAMILY_CAT_ADAPTIVE) && !m->c_layers)) return CAT_ERR_NOMEM;
    memset(m->layers, 0, sizeof(cat__layer) * (size_t)c->dec.n_layer);
    if (m->c_layers) memset(m->c_layers, 0, sizeof(cat__layer) * (size_t)c->comp.n_layer);
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
    for (k = 0; k < m->n_dir; k++) if (!m->dir[k].used)
        return cat__fail(err, errlen, CAT_ERR_TENSOR, "tensor '%s' is not part of a %s model with this configuration", m->dir[k].name, cat_family_name(c->family));
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
    if (size < 8 || memcmp(b, CAT_FILE_MAGIC, 8) != 0) { cat__err(err, errlen, "not a cat.h model file: the first bytes are not \"CATMODEL\" (convert checkpoints with cat-convert)"); return CAT_ERR_MAGIC; }
    if (size < CAT_FILE_HEADER_SIZE) { cat__err(err, errlen, "file of %llu bytes is shorter than the %d-byte header", (unsigned long long)size, CAT_FILE_HEADER_SIZE); return CAT_ERR_TRUNCATED; }
    version = cat__rd32(b + CAT_HDR_VERSION);
    if (version != CAT_FILE_VERSION) { cat__err(err, errlen, "model file version %u is not supported (this build reads version %d)", version, CAT_FILE_VERSION); return CAT_ERR_VERSION; }
    fsize = cat__rd64(b + CAT_HDR_FILE_SIZE);
    kv_off = cat__rd64(b + CAT_HDR_KV_OFFSET); kv_size = cat__rd64(b + CAT_HDR_KV_SIZE);
    tok_off = cat__rd64(b + CAT_HDR_TOK_OFFSET); tok_size = cat__rd64(b + CAT_HDR_TOK_SIZE);
    dir_off = cat__rd64(b + CAT_HDR_DIR_OFFSET); dir_size = cat__rd64(b + CAT_HDR_DIR_SIZE);
    data_off = cat__rd64(b + CAT_HDR_DATA_OFFSET); data_size = cat__rd64(b + CAT_HDR_DATA_SIZE);
    n_kv = cat__rd32(b + CAT_HDR_N_KV); n_t = cat__rd32(b + CAT_HDR_N_TENSORS);
    if (fsize != size) {
        cat__err(err, errlen, "the header says the file has %llu bytes but it has %llu (truncated or padded)", (unsigned long long)fsize, (unsigned long long)size);
        return fsize > size ? CAT_ERR_TRUNCATED : CAT_ERR_FORMAT;
    }
    if (cat__rd32(b + CAT_HDR_FLAGS) != 0) return cat__fail(err, errlen, CAT_ERR_FORMAT, "the header's flags field is 0x%x; no flags are defined (it must be 0)", cat__rd32(b + CAT_HDR_FLAGS));
    for (i = CAT_HDR_RESERVED; i < CAT_FILE_HEADER_SIZE; i++) if (b[i]) return cat__fail(err, errlen, CAT_ERR_FORMAT, "reserved header byte %u is not zero", i);
#define CAT__SEC(o, s, nm) \
    if ((o) < CAT_FILE_HEADER_SIZE || (o) > size || (s) > size - (o)) { \
        cat__err(err, errlen, "%s section [%llu, +%llu) lies outside the file of %llu bytes", nm, (unsigned long long)(o), (unsigned long long)(s), (unsigned long long)size); \
        return CAT_ERR_FORMAT; }
    CAT__SEC(kv_off, kv_size, "config");
    CAT__SEC(dir_off, dir_size, "tensor directory");
    CAT__SEC(data_off, data_size, "tensor data");
    if (tok_size) { CAT__SEC(tok_off, tok_size, "tokenizer"); }
#undef CAT__SEC
    {
        /* the sections do not overlap one another (the header is below all of them) */
        const char *nm[4] = { "config", "tokenizer", "tensor directory", "tensor data" };
        const uint64_t so[4] = { kv_off, tok_off, dir_off, data_off }, ss[4] = { kv_size, tok_size, dir_size, data_size };
        int x, y;
        for (x = 0; x < 4; x++) for (y = x + 1; y < 4; y++)
            if (ss[x] && ss[y] && so[x] < so[y] + ss[y] && so[y] < so[x] + ss[x]) {
                cat__err(err, errlen, "the %s section [%llu, +%llu) overlaps the %s section [%llu, +%llu)", nm[x], (unsigned long long)so[x],
                         (unsigned long long)ss[x], nm[y], (unsigned long long)so[y], (unsigned long long)ss[y]);
                return CAT_ERR_FORMAT;
            }
    }
    if (data_off % CAT__ALIGN) { cat__err(err, errlen, "tensor data offset %llu is not 64-byte aligned", (unsigned long long)data_off); return CAT_ERR_FORMAT; }
    if ((uint64_t)n_kv > kv_size / 12) { cat__err(err, errlen, "config count %u cannot fit in a %llu-byte section", n_kv, (unsigned long long)kv_size); return CAT_ERR_FORMAT; }
    if ((uint64_t)n_t > dir_size / 32) { cat__err(err, errlen, "tensor count %u cannot fit in a %llu-byte directory", n_t, (unsigned long long)dir_size); return CAT_ERR_FORMAT; }
    c.p = b + kv_off; c.len = kv_size; c.off = 0; c.bad = 0;
    r = cat__parse_kv(&c, n_kv, &kv, err, errlen);
    if (r) return r;
    if (c.off != kv_size) {
        cat__err(err, errlen, "the config section has %llu bytes after its %u entries", (unsigned long long)(kv_size - c.off), n_kv);
        return CAT_ERR_FORMAT;
    }
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
        if (dt > CAT_DTYPE_Q4) { cat__err(err, errlen, "tensor '%s' has unknown dtype %u", e->name, dt); return CAT_ERR_FORMAT; }
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
        if (e->dtype >= CAT_DTYPE_Q8 && nd != 2) {
            cat__err(err, errlen, "tensor '%s' is %s but has %u dimensions (%s is for matrices)", e->name, cat_dtype_name(e->dtype), nd, cat_dtype_name(e->dtype));
            return CAT_ERR_FORMAT;
        }
        esz = cat_tensor_bytes(e->dtype, e->ndim, e->dims);
        if (e->dtype == CAT_DTYPE_Q8 && e->nbytes != esz && e->nbytes == esz + 2 * (uint64_t)e->dims[0] * (uint64_t)((e->dims[1] + 31) / 32)) {
            cat__err(err, errlen, "tensor '%s' is q8 with f32 scales, the layout of an earlier cat-convert: convert the model again", e->name);
            return CAT_ERR_FORMAT;
        }
        if (e->nbytes != esz) { cat__err(err, errlen, "tensor '%s' claims %llu bytes, its shape and type need %llu", e->name, (unsigned long long)e->nbytes, (unsigned long long)esz); return CAT_ERR_FORMAT; }
        if (e->offset % CAT__ALIGN) { cat__err(err, errlen, "tensor '%s' offset %llu is not 64-byte aligned", e->name, (unsigned long long)e->offset); return CAT_ERR_FORMAT; }
        if (e->offset > data_size || e->nbytes > data_size - e->offset) {
            cat__err(err, errlen, "tensor '%s' [%llu, +%llu) lies outside the %llu-byte data section", e->name,
                     (unsigned long long)e->offset, (unsigned long long)e->nbytes, (unsigned long long)data_size);
            return CAT_ERR_FORMAT;
        }
        e->offset += data_off;
    }
    if (c.bad) { cat__err(err, errlen, "tensor directory ends in the middle of entry %u", i); return CAT_ERR_TRUNCATED; }
    /* names are unique: sort an index by name (n log n, not n^2, for a hostile directory) */
    m->by_name = (cat__dirent **)CAT_MALLOC(sizeof(cat__dirent *) * (n_t ? n_t : 1));
    if (!m->by_name) return CAT_ERR_NOMEM;
    for (i = 0; i < n_t; i++) m->by_name[i] = &m->dir[i];
    if (n_t > 1) qsort(m->by_name, n_t, sizeof(cat__dirent *), cat__dirent_cmp);
    for (i = 1; i < n_t; i++) if (!strcmp(m->by_name[i - 1]->name, m->by_name[i]->name)) {
        cat__err(err, errlen, "tensor '%s' appears twice", m->by_name[i]->name); return CAT_ERR_FORMAT;
    }
    /* no two tensors share bytes: sort the same index by offset and compare neighbours
       (every tensor has at least one byte), then sort it back by name */
    if (n_t > 1) {
        qsort(m->by_name, n_t, sizeof(cat__dirent *), cat__dirent_cmp_offset);
        for (i = 1; i < n_t; i++) {
            const cat__dirent *x = m->by_name[i - 1], *y = m->by_name[i];
            if (x->offset + x->nbytes > y->offset) {
                cat__err(err, errlen, "tensors '%s' [%llu, +%llu) and '%s' [%llu, +%llu) overlap", x->name, (unsigned long long)(x->offset - data_off),
                         (unsigned long long)x->nbytes, y->name, (unsigned long long)(y->offset - data_off), (unsigned long long)y->nbytes);
                return CAT_ERR_FORMAT;
            }
        }
        qsort(m->by_name, n_t, sizeof(cat__dirent *), cat__dirent_cmp);
    }
    r = cat__bind_all(m, err, errlen);
    if (r) return r;
#ifndef CAT_NO_TOKENIZER
    if (tok_size) {
        r = cat__tokenizer_from_section(&m->tok, b + tok_off, tok_size, err, errlen);
        if (r) return r;
        if (cat_tokenizer_vocab_size(m->tok) > (uint32_t)m->cfg.padded_vocab) {
            cat__err(err, errlen, "the tokenizer has %u tokens but the model's vocabulary only %d (padded)", cat_tokenizer_vocab_size(m->tok), (int)m->cfg.padded_vocab);
            return CAT_ERR_TOKENIZER;
        }
    }
#endif
    return CAT_OK;
}

CAT__API void cat_model_close(cat_model *m) {
    if (!m) return;
#ifdef CAT__HAVE_MMAP
    if (m->map) munmap(m->map, m->map_len);
#endif
#ifndef CAT_NO_TOKENIZER
    if (m->tok) cat_tokenizer_free(m->tok);
#endif
    CAT_FREE(m->owned_raw);
    CAT_FREE(m->tiles_raw);
    CAT_FREE(m->layers);
    CAT_FREE(m->c_layers);
    CAT_FREE(m->dir);
    CAT_FREE(m->by_name);
    CAT_FREE(m);
}

static cat_result cat__tile_all(cat_model *m);
static cat_result cat__finish_open(cat_model *m, cat_model **out, char *err, size_t errlen) {
    cat_result r = cat__load(m, err, errlen);
    if (!r) r = cat__tile_all(m);
    if (r) { cat_model_close(m); *out = NULL; return r; }
    *out = m;
    return CAT_OK;
}

/* Weights read into memory (cat_model_load, the tiles): transparent huge pages
   where the system gives them on request (Linux, "madvise" mode), asked before
   the pages are first written. Decode streams gigabytes a token; 2 MB pages
   take the TLB misses of 4 KB ones out of that stream. */
#if defined(CAT__HAVE_MMAP) && (defined(MADV_DONTNEED) || (defined(MADV_HUGEPAGE) && !defined(CAT__NO_HUGE)))
/* madvise for the whole 4 KB pages inside [p, p + n) */
static void cat__advise_pages(const void *p, size_t n, int advice) {
    const uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (b > a) (void)madvise((void *)a, (size_t)(b - a), advice);
}
#endif
static void cat__advise_huge(void *p, size_t n) {
#if defined(CAT__HAVE_MMAP) && defined(MADV_HUGEPAGE) && !defined(CAT__NO_HUGE)
    if (n >= ((size_t)4 << 20)) cat__advise_pages(p, n, MADV_HUGEPAGE);
#else
    (void)p; (void)n;
#endif
}
static void *cat__aligned_alloc(size_t size, void **raw) {
    uint8_t *p;
    if (size > SIZE_MAX - CAT__ALIGN) return NULL;
    p = (uint8_t *)CAT_MALLOC(size + CAT__ALIGN);
    *raw = p;
    if (!p) return NULL;
    return p + (CAT__ALIGN - ((uintptr_t)p % CAT__ALIGN)) % CAT__ALIGN;
}

CAT__API cat_result cat_model_open_memory(const void *data, size_t size, cat_memory_mode mode, cat_model **out,
                                          char *err, size_t errlen) {
    cat_model *m;
    if (!out) return CAT_ERR_ARGS;
    *out = NULL;
    if (!data && size) return cat__fail(err, errlen, CAT_ERR_ARGS, "no data (NULL) for a model of %zu bytes", size);
    if (mode != CAT_MEMORY_COPY && mode != CAT_MEMORY_IN_PLACE)
        return cat__fail(err, errlen, CAT_ERR_ARGS, "unknown memory mode %d", (int)mode);
    if (mode == CAT_MEMORY_IN_PLACE && (uintptr_t)data % CAT__ALIGN != 0)
        return cat__fail(err, errlen, CAT_ERR_ARGS, "CAT_MEMORY_IN_PLACE needs 64-byte aligned data (the tensors are used in place)");
    m = (cat_model *)CAT_MALLOC(sizeof *m);
    if (!m) return CAT_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    if (mode == CAT_MEMORY_IN_PLACE) {
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

static cat_result cat__model_path(const char *path, int map, cat_model **out, char *err, size_t errlen) {
    cat_model *m;
    FILE *f;
    long long len;
    (void)map;   /* without mmap every file is read */
    if (!out || !path) return CAT_ERR_ARGS;
    *out = NULL;
    m = (cat_model *)CAT_MALLOC(sizeof *m);
    if (!m) return CAT_ERR_NOMEM;
    memset(m, 0, sizeof *m);
#ifdef CAT__HAVE_POSIX
    {
        /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        struct stat st;
        if (fd < 0) { CAT_FREE(m); return cat__fail(err, errlen, CAT_ERR_IO, "cannot open '%s'", path); }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            cat__err(err, errlen, "'%s' is not a regular file (%s)", path, S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) ? "a character device" :
                     S_ISBLK(st.st_mode) ? "a block device" : S_ISDIR(st.st_mode) ? "a directory" : "a special file");
            CAT_FREE(m); return CAT_ERR_IO;
        }
#ifdef CAT__HAVE_MMAP
        if (map && st.st_size > 0) {
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p != MAP_FAILED) {
                close(fd);
                m->map = p; m->map_len = (size_t)st.st_size;
                m->base = (const uint8_t *)p; m->size = (uint64_t)st.st_size;
                return cat__finish_open(m, out, err, errlen);
            }
        }
#endif
        close(fd);
    }
#endif
    f = fopen(path, "rb");
    if (!f) { CAT_FREE(m); return cat__fail(err, errlen, CAT_ERR_IO, "cannot open '%s'", path); }
    if (fseek(f, 0, SEEK_END) != 0 || (len = (long long)ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f); cat__err(err, errlen, "cannot determine the size of '%s'", path); CAT_FREE(m); return CAT_ERR_IO;
    }
    {
        void *p = cat__aligned_alloc((size_t)len, &m->owned_raw);
        if (!p) { fclose(f); CAT_FREE(m); return CAT_ERR_NOMEM; }
        cat__advise_huge(p, (size_t)len);
        if (len && fread(p, 1, (size_t)len, f) != (size_t)len) {
            fclose(f); cat__err(err, errlen, "cannot read '%s'", path); CAT_FREE(m->owned_raw); CAT_FREE(m); return CAT_ERR_IO;
        }
        m->base = (const uint8_t *)p; m->size = (uint64_t)len;
    }
    fclose(f);
    return cat__finish_open(m, out, err, errlen);
}

CAT__API cat_result cat_model_open(const char *path, cat_model **out, char *err, size_t errlen) {
    return cat__model_path(path, 1, out, err, errlen);
}
CAT__API cat_result cat_model_load(const char *path, cat_model **out, char *err, size_t errlen) {
    return cat__model_path(path, 0, out, err, errlen);
}

CAT__API const cat_config *cat_model_config(const cat_model *m) { return m ? &m->cfg : NULL; }
CAT__API const cat_tokenizer *cat_model_tokenizer(const cat_model *m) { return m ? m->tok : NULL; }
CAT__API size_t cat_model_weight_bytes(const cat_model *m) { return m ? m->weight_bytes : 0; }
CAT__API size_t cat_model_file_bytes(const cat_model *m) { return m ? (size_t)m->size : 0; }
CAT__API int cat_model_tensor_count(const cat_model *m) { return m ? (int)m->n_dir : 0; }
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
    const cat_config *c = m ? &m->cfg : NULL;
    if (!c) return 0;
    if (c->family == CAT_FAMILY_DENSE) return chunk == 0;
    if (c->family == CAT_FAMILY_CAT_ADAPTIVE) return chunk == 0 || (cat__is_pow2(chunk) && chunk <= c->chunk_size);
    return chunk == 0 || chunk == c->chunk_size;
}

/* ----------------------------------------------------------------------------
   3 KERNELS: the thread pool, the kernel table chosen at run time, KV-cache rows,
   RMSNorm and SiLU (the kernels of each instruction set: section 11); results are
   bit-identical for any thread count. */
/* ======================================================================= */
/* threads: a pool of the session's own                                    */
/* ======================================================================= */
/* Parallel work is a job of n independent items (tiles of output rows, or
   heads): each item writes its own outputs with the same operations whoever
   runs it, so results are bit-identical for any thread count. The calling
   thread works too, taking items one at a time from a shared counter as the
   workers do: a worker the OS has not scheduled yet takes nothing, so the
   caller never waits for a thread that has not started, only for items
   already taken. Waiting threads spin for a short while (CAT__SPIN pauses,
   tens of microseconds: the gap between two matmuls of a decode step) and
   then sleep on a condition variable, so that with other processes on the
   cores no thread burns its time slice waiting for a descheduled partner.
   POSIX threads with gcc / clang atomics; elsewhere OpenMP if enabled, else
   one thread. CAT_NO_THREADS forces one thread. */
typedef void (*cat__job_fn)(void *ctx, int64_t item, int tid);

#if !defined(CAT_NO_THREADS) && (defined(__unix__) || defined(__APPLE__)) && (defined(__GNUC__) || defined(__clang__))
#define CAT__POOL_PTHREAD 1
#include <pthread.h>
#include <unistd.h>
#ifndef CAT__SPIN
#define CAT__SPIN 4096
#endif
#if defined(__x86_64__) || defined(__i386__)
#define CAT__PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CAT__PAUSE() __asm__ __volatile__("yield")
#else
#define CAT__PAUSE() ((void)0)
#endif
#define CAT__LD_A(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define CAT__LD_R(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define CAT__ST_R(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)

typedef struct cat__pool cat__pool;
typedef struct { cat__pool *p; int id; } cat__warg;
struct cat__pool {
    int nth;                /* threads working on a job, the caller included */
    int nw;                 /* workers started (nth - 1) */
    pthread_t *th;
    cat__warg *args;
    pthread_mutex_t mu;
    pthread_cond_t wake;    /* workers sleep here between jobs */
    pthread_cond_t idle;    /* the caller sleeps here until a job is done */
    /* The job word: generation (16 bits) | items (24) | next item (24). A
       worker claims an item by compare-and-swap on the whole word, so the
       claim is valid for the job that word describes; fn and ctx stay fixed
       until every item of that job is done. */
    uint64_t word;
    cat__job_fn fn;
    void *ctx;
    int64_t done;           /* items of the current job finished */
    size_t bytes;           /* allocated */
    int sleepers, waiting, stop;
};

/* take and run items of the current job until none is left */
static void cat__pool_work(cat__pool *p, int tid) {
    for (;;) {
        uint64_t v = CAT__LD_A(&p->word), nv = v + 1;
        const int64_t i = (int64_t)(v & 0xFFFFFF), n = (int64_t)((v >> 24) & 0xFFFFFF);
        cat__job_fn fn;
        void *ctx;
        if (i >= n) return;
        if (!__atomic_compare_exchange_n(&p->word, &v, nv, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
        fn = CAT__LD_R(&p->fn); ctx = CAT__LD_R(&p->ctx);
        fn(ctx, i, tid);
        if (__atomic_add_fetch(&p->done, 1, __ATOMIC_ACQ_REL) == n && __atomic_load_n(&p->waiting, __ATOMIC_SEQ_CST)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->idle);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *cat__pool_main(void *arg) {
    cat__warg *a = (cat__warg *)arg;
    cat__pool *p = a->p;
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        uint64_t v;
        for (;;) {   /* wait for a job of another generation */
            if (CAT__LD_A(&p->stop)) return NULL;
            v = CAT__LD_A(&p->word);
            if ((v >> 48) != seen) break;
            if (++spins < CAT__SPIN) { CAT__PAUSE(); continue; }
            pthread_mutex_lock(&p->mu);
            __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            while (!__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST) && (__atomic_load_n(&p->word, __ATOMIC_SEQ_CST) >> 48) == seen)
                pthread_cond_wait(&p->wake, &p->mu);
            __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        seen = v >> 48;
        cat__pool_work(p, a->id);
    }
}

/* the bytes cat__pool_open(nth) allocates */
static size_t cat__pool_size(int nth) {
    return nth <= 1 ? 0 : sizeof(cat__pool) + (sizeof(pthread_t) + sizeof(cat__warg)) * (size_t)(nth - 1) + 16;
}

/* a pool of nth threads (the caller and nth - 1 workers) in one allocation;
   fewer threads if some cannot start; *out = NULL (one thread) when nth <= 1 */
static cat_result cat__pool_open(int nth, cat__pool **out) {
    cat__pool *p;
    size_t bytes;
    int i;
    *out = NULL;
    if (nth <= 1) return CAT_OK;
    bytes = cat__pool_size(nth);
    p = (cat__pool *)CAT_MALLOC(bytes);
    if (!p) return CAT_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->bytes = bytes;
    p->th = (pthread_t *)(void *)(((uintptr_t)(p + 1) + 15) & ~(uintptr_t)15);
    p->args = (cat__warg *)(void *)(p->th + (nth - 1));
    if (pthread_mutex_init(&p->mu, NULL) != 0) { CAT_FREE(p); return CAT_OK; }
    if (pthread_cond_init(&p->wake, NULL) != 0) { pthread_mutex_destroy(&p->mu); CAT_FREE(p); return CAT_OK; }
    if (pthread_cond_init(&p->idle, NULL) != 0) { pthread_cond_destroy(&p->wake); pthread_mutex_destroy(&p->mu); CAT_FREE(p); return CAT_OK; }
    for (i = 0; i < nth - 1; i++) {
        p->args[i].p = p; p->args[i].id = i + 1;
        if (pthread_create(&p->th[i], NULL, cat__pool_main, &p->args[i]) != 0) break;
    }
    p->nw = i;
    p->nth = i + 1;
    *out = p;
    return CAT_OK;
}

static void cat__pool_close(cat__pool *p) {
    int i;
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nw; i++) pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->idle); pthread_cond_destroy(&p->wake); pthread_mutex_destroy(&p->mu);
    CAT_FREE(p);
}

static int cat__pool_threads(const cat__pool *p) { return p ? p->nth : 1; }
static size_t cat__pool_bytes(const cat__pool *p) { return p ? p->bytes : 0; }

/* run fn(ctx, i, tid) for i < n (n < 2^24), tid < cat__pool_threads(p) */
static void cat__par(cat__pool *p, cat__job_fn fn, void *ctx, int64_t n) {
    uint64_t gen;
    int spins = 0;
    int64_t i;
    if (!p || n <= 1 || n > 0xFFFFFF) { for (i = 0; i < n; i++) fn(ctx, i, 0); return; }
    CAT__ST_R(&p->fn, fn); CAT__ST_R(&p->ctx, ctx);
    __atomic_store_n(&p->done, 0, __ATOMIC_RELAXED);
    gen = ((CAT__LD_R(&p->word) >> 48) + 1) & 0xFFFF;
    __atomic_store_n(&p->word, (gen << 48) | ((uint64_t)n << 24), __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&p->sleepers, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    cat__pool_work(p, 0);
    /* every item is taken: wait for the ones other threads are running */
    while (CAT__LD_A(&p->done) < n) {
        if (++spins < CAT__SPIN) { CAT__PAUSE(); continue; }
        pthread_mutex_lock(&p->mu);
        __atomic_store_n(&p->waiting, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&p->done, __ATOMIC_SEQ_CST) < n) pthread_cond_wait(&p->idle, &p->mu);
        __atomic_store_n(&p->waiting, 0, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&p->mu);
    }
}
#undef CAT__LD_A
#undef CAT__LD_R
#undef CAT__ST_R

#else /* OpenMP or one thread */

typedef struct cat__pool { int nth; } cat__pool;
static size_t cat__pool_size(int nth) {
#ifndef _OPENMP
    nth = 1;
#endif
    return nth <= 1 ? 0 : sizeof(cat__pool);
}
static cat_result cat__pool_open(int nth, cat__pool **out) {
    *out = NULL;
#ifndef _OPENMP
    nth = 1;
#endif
    if (nth <= 1) return CAT_OK;
    *out = (cat__pool *)CAT_MALLOC(sizeof **out);
    if (!*out) return CAT_ERR_NOMEM;
    (*out)->nth = nth;
    return CAT_OK;
}
static void cat__pool_close(cat__pool *p) { CAT_FREE(p); }
static int cat__pool_threads(const cat__pool *p) { return p ? p->nth : 1; }
static size_t cat__pool_bytes(const cat__pool *p) { return p ? sizeof *p : 0; }
static void cat__par(cat__pool *p, cat__job_fn fn, void *ctx, int64_t n) {
    int64_t i;
    (void)p;
#ifdef _OPENMP
    if (p && n > 1) {
#pragma omp parallel for num_threads(p->nth) schedule(dynamic, 1)
        for (i = 0; i < n; i++) fn(ctx, i, omp_get_thread_num());
        return;
    }
#endif
    for (i = 0; i < n; i++) fn(ctx, i, 0);
}
#endif


/* ======================================================================= */
/* kernels: q8 / q4 formats, activation quantization, row lookup, the    */
/* ======================================================================= */
/* Standalone use: this block gives the types cat.h already defines. */

/* Q8 FORMAT (dtype 2) and Q4 FORMAT (dtype 3)
   A rows x cols matrix (any cols >= 1) is cut along each row into groups of
   32 consecutive values; the last group of a row holds cols % 32 values when
   cols is not a multiple of 32. G = ceil(cols / 32) groups per row.
   Byte layout of the tensor data (cat_q8_bytes / cat_q4_bytes(rows, cols) bytes):
     offset 0:  the values, row-major, R bytes a row:
                q8: R = cols int8 values q (row r starts at r * cols);
                q4: R = 16 * G bytes; group g of row r is the 16 bytes at
                r * R + 16 * g, whose byte j holds value 32 g + j in its low
                nibble and value 32 g + 16 + j in its high nibble, each as
                q + 8 (q in -8..7); nibbles past cols are 8 (q = 0)
     offset S = round_up(rows * R, 64):
                rows * G scales d, IEEE half precision (binary16, little-endian),
                row-major (scale of row r, group g at S + 2 * (r * G + g))
     bytes between rows * R and S are zero.
   Value: W[r][c] = (float)q * (float)d (exact: 8 or 4 bits times 11).
   Quantization (cat_q8_quantize, cat_q4_quantize), per group: q8: m = max |w|,
   d = m / 127; q4: m = the value of largest magnitude (the first if tied),
   d = m / -8; then d is rounded to the nearest half (ties to even; at most
   65504 in magnitude) and q = round-half-away-from-zero(w / d) clamped to
   [-127, 127] (q8; -128 never occurs) or [-8, 7] (q4), with the rounded d
   (q = 0 everywhere when it is 0). Inputs must be finite. Size per 32
   weights: 34 bytes (q8) or 18 (q4).
   Files of an earlier layout (q8 with f32 scales) are refused with a message.

   NUMERICS (every dtype, every path)
   f32 and bf16 weights: an output y[i][o] is the f32 dot product of x row i
   with the decoded f32 weight row o (bf16: exact widening), computed as:
   16 lane sums s[l] (l = 0..15), lane l takes k = l, l+16, l+32, ... in
   increasing order, each step s[l] = fma(x[k], w[k], s[l]) (the last partial
   block of 16 is zero padded), then the fixed tree
     ((s0+s8)+(s4+s12)) + ((s2+s10)+(s6+s14))  +  ((s1+s9)+(s5+s13)) + ((s3+s11)+(s7+s15))
   i.e. r8[l] = s[l]+s[l+8]; r4[l] = r8[l]+r8[l+4]; r2[l] = r4[l]+r4[l+2]; r2[0]+r2[1].
   The sequence depends on nothing but x row i, W row o and cols: not on the
   thread count, on n, on which rows share a tile, nor on the position in the
   batch (prefill and one-token decode give the same bits). cat__scores (attention) uses the
   same order, so a score == cat__matmul of the query by one key row. The AVX-512,
   AVX2 and NEON paths give identical bits to one another; the scalar path does
   too where the C library has a fast fmaf (FP_FAST_FMAF), else it rounds the
   product separately (relative difference ~1e-7 * sqrt(cols)).
   q8 and q4 weights: integer dot products. Each row of x is first quantized
   like a q8 weight row, but with an f32 scale: per group g of 32, m = max |x|,
   e_g = m / 127, a = round-half-away-from-zero(x * (127 / m)) clamped to
   [-127, 127] (a = 0, e_g = 0 when m = 0; e_g = NaN when the group holds a
   NaN or an infinity, so the outputs are NaN). Then, from s = 0, for each
   group g = 0, 1, ..., G - 1 in turn:
     s = fma((float)T_g, d_g * e_g, s)   (d_g * e_g rounded to f32 once)
   where T_g is the exact integer sum of the group's products q * a (columns
   past cols count as 0; |T_g| < 2^19, so (float)T_g is exact); the output is
   s. Every path (scalar with a fused fmaf, AVX2 with or without AVX-VNNI,
   AVX-512 with or without VNNI, NEON with or without sdot) gives these bits,
   for any n and thread count; they differ from the f32 product by the
   rounding of x (about 0.4% of a group's largest value).
   Attention: a query's scores are the dot products above (times 1/sqrt(hd));
   softmax takes their max m, p_e = exp(s_e - m) with cat__exp (fixed
   operations, below cat__wsum), their sum in 16 lanes (lane l takes e = l,
   l + 16, ... in turn) and the tree, then p_e * (1 / sum); the output is
   o = sum of p_e * v_e, one fma per element, rows in order. In prefill up to
   4 queries of one head that see the same keys are computed together (each
   key row read once for all); per query the operations are those of one
   alone. silu(h) = h / (1 + exp(-h)) with the same exp. Every path gives the
   same bits (the scalar path where fmaf is fused). */

/* Runtime choice: on x86 with gcc or clang the kernels below are compiled once
   per instruction set (scalar, AVX2+FMA, AVX2+FMA with AVX-VNNI and AVX-512
   with VNNI for the integer dot products of q8 / q4 weights, AVX-512), each
   pass under a target pragma (CAT__TARGET_PUSH), by including this file again
   (CAT_SELF names it: "cat.h" unless renamed), and once more for AVX-512 with
   VNNI and AVX512_BF16 (bf16 weights by bf16 activations); a session takes the
   best one the CPU has, in this order: avx512bf16 (only where a session asks
   for bf16 dot products), avx512vnni, avx512, avx2vnni, avx2, scalar (or
   CAT_KERNELS=scalar, avx2, avx2vnni, avx512, avx512vnni or avx512bf16 in the
   environment, when the CPU has it), so a build without -march=native runs
   the AVX-512 kernels on an AVX-512 CPU. The avx2vnni pass needs gcc 11 or
   clang 12; older compilers leave it out. Elsewhere, or with CAT_NO_DISPATCH,
   one pass for the instruction set the compiler targets (NEON on aarch64;
   avx2vnni where __AVXVNNI__ is defined and __AVX512F__ is not). */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && !defined(CAT_NO_DISPATCH)
#define CAT__DISPATCH 1
#endif
#ifndef CAT_SELF
#define CAT_SELF "cat.h"
#endif
#if defined(CAT__DISPATCH) || defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
/* the avx2vnni pass: AVX-VNNI (vpdpbusd on 256-bit registers, VEX encoded)
   needs gcc 11 or clang 12 (Apple's clang 14) */
#if defined(CAT__DISPATCH) && (defined(__clang__) ? __clang_major__ >= (defined(__apple_build_version__) ? 14 : 12) : \
                               (__GNUC__ >= 11 && !defined(__INTEL_COMPILER)))
#define CAT__HAVE_AVXVNNI 1
#include <cpuid.h>
#endif
#if defined(__ARM_NEON) || defined(__ARM_NEON__)
#include <arm_neon.h>
#endif
/* an AMD CPU (x86 with gcc or clang): its Zen 4 and 5 issue vdpbf16ps as fast as
   an FMA, and read a stream of memory faster than several side by side (see
   cat__kern_pick, cat__mvn_item) */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define CAT__AMD() (__builtin_cpu_is("amd") != 0)
#else
#define CAT__AMD() 0
#endif

/* g++ 12 warns about its own _mm512_undefined_* inside inlined intrinsics (GCC bug 105593) */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && (defined(__AVX512F__) || defined(CAT__DISPATCH))
#define CAT__GCC_PR105593 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CAT__INLINE static __inline__ __attribute__((always_inline))
#define CAT__UNUSED __attribute__((unused))   /* used by some kernel passes only */
#else
#define CAT__INLINE static
#define CAT__UNUSED
#endif

#define CAT__KC 1024 /* k chunk (multiple of 32): the weight chunk (6 rows, 24 KB in f32) stays in L1 */
#define CAT__MB 64   /* x rows per block: accumulators MB*NR*16 floats on the stack */
#define CAT__QMB 128 /* q8 / q4: x rows per block (the weights are interleaved once for them) */
#define CAT__QDEC 4  /* q8 / q4: a block of at most this many x rows takes the decode kernel (cat__q_block) */

#ifdef FP_FAST_FMAF
#define CAT__FMA(a, b, c) fmaf(a, b, c)
#else
#define CAT__FMA(a, b, c) ((a) * (b) + (c))
#endif


/* IEEE half precision <-> f32 (exact widening; narrowing rounds to nearest
   even, overflow to infinity, NaN stays NaN) */
static float cat__f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
    uint32_t u;
    float f;
    if (e == 0) {   /* zero or subnormal: m * 2^-24 */
        f = (float)m * 5.9604644775390625e-08f;
        return sign ? -f : f;
    }
    u = e == 31 ? sign | 0x7F800000u | (m << 13) : sign | ((e + 112) << 23) | (m << 13);
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t cat__f32_to_f16(float f) {
    uint32_t u, sign, e, m;
    memcpy(&u, &f, 4);
    sign = (u >> 16) & 0x8000u;
    e = (u >> 23) & 0xFFu; m = u & 0x7FFFFFu;
    if (e == 255) return (uint16_t)(sign | 0x7C00u | (m ? 0x200u : 0));
    if (e >= 113) {   /* normal half (or overflow): round 23 -> 10 bits of mantissa */
        uint32_t v = ((e - 112) << 10) | (m >> 13), rest = m & 0x1FFFu;
        if (rest > 0x1000u || (rest == 0x1000u && (v & 1u))) v++;
        return (uint16_t)(v >= 0x7C00u ? sign | 0x7C00u : sign | v);
    }
    if (e < 102) return (uint16_t)sign;   /* below half the smallest subnormal */
    {   /* subnormal half: the value is (m | 2^23) * 2^(e - 150); units of 2^-24 */
        const uint32_t mm = m | 0x800000u, sh = 126 - e, v = mm >> sh, rest = mm & ((1u << sh) - 1u), halfu = 1u << (sh - 1);
        return (uint16_t)(sign | (v + (rest > halfu || (rest == halfu && (v & 1u)))));
    }
}

/* bytes of one row's values (q8: cols; q4: 16 per group) and of the whole tensor */
static size_t cat__qrow_bytes(cat_dtype t, int64_t cols) {
    return t == CAT_DTYPE_Q4 ? (size_t)((cols + 31) / 32) * 16 : (size_t)cols;
}
static size_t cat__quant_bytes(cat_dtype t, int64_t rows, int64_t cols) {
    const size_t nq = (size_t)rows * cat__qrow_bytes(t, cols), g = (size_t)((cols + 31) / 32);
    return ((nq + 63) & ~(size_t)63) + (size_t)rows * g * 2;
}
CAT__API size_t cat_q8_bytes(int64_t rows, int64_t cols) { return cat__quant_bytes(CAT_DTYPE_Q8, rows, cols); }
CAT__API size_t cat_q4_bytes(int64_t rows, int64_t cols) { return cat__quant_bytes(CAT_DTYPE_Q4, rows, cols); }
/* the scales of a q8 / q4 tensor (half precision, G per row) */
static const uint16_t *cat__qscales(const cat__tensor *t) {
    const size_t nq = (size_t)t->rows * cat__qrow_bytes(t->dtype, t->cols);
    return (const uint16_t *)(const void *)((const uint8_t *)t->data + ((nq + 63) & ~(size_t)63));
}

/* a q8 / q4 matrix in tiles (cat__tile): the bytes of one group of 32 columns
   of a tile's 16 rows, of one tile, and where the tile of rows o0 .. o0 + 15 starts */
static int64_t cat__tile_qb(cat_dtype t) { return t == CAT_DTYPE_Q4 ? 256 : 512; }
#ifndef CAT__TCH
#define CAT__TCH 2   /* groups a chunk of a tile (even: a chunk's scales fill whole 64-byte lines) */
#endif
#if CAT__TCH < 2 || CAT__TCH % 2
#error "CAT__TCH must be even (the tiles' 64-byte loads need whole lines of scales)"
#endif
/* the bytes of a chunk of ng groups: their values, then their scales padded to 64 bytes */
static int64_t cat__tile_chunk(int64_t QB, int64_t ng) { return ng * QB + ((32 * ng + 63) & ~(int64_t)63); }
static size_t cat__tile_bytes(cat_dtype t, int64_t cols) {
    const int64_t G = (cols + 31) / 32, QB = cat__tile_qb(t), rest = G % CAT__TCH;
    return (size_t)((G / CAT__TCH) * cat__tile_chunk(QB, CAT__TCH) + (rest ? cat__tile_chunk(QB, rest) : 0));
}
static const uint8_t *cat__tile_at(const cat__tensor *W, int64_t o0) CAT__UNUSED;   /* the AVX-512 passes' */
static const uint8_t *cat__tile_at(const cat__tensor *W, int64_t o0) {
    return (const uint8_t *)W->tl + (size_t)(o0 / 16) * cat__tile_bytes(W->dtype, W->cols);
}
static void cat__quantize(cat_dtype t, void *dst, const float *src, int64_t rows, int64_t cols) {
    const int64_t G = (cols + 31) / 32;
    const size_t R = cat__qrow_bytes(t, cols), nq = (size_t)rows * R, s0 = (nq + 63) & ~(size_t)63;
    const float lim = t == CAT_DTYPE_Q4 ? 7.0f : 127.0f, low = t == CAT_DTYPE_Q4 ? -8.0f : -127.0f;
    uint8_t *q = (uint8_t *)dst, *sc = (uint8_t *)dst + s0;
    int64_t r, g, c;
    memset(q, t == CAT_DTYPE_Q4 ? 0x88 : 0, nq);
    memset(q + nq, 0, s0 - nq);
    for (r = 0; r < rows; r++) for (g = 0; g < G; g++) {
        const int64_t c0 = g * 32, c1 = c0 + 32 < cols ? c0 + 32 : cols;
        const float *w = src + r * cols;
        float big = 0.0f, d;
        uint16_t h;
        for (c = c0; c < c1; c++) if (fabsf(w[c]) > fabsf(big)) big = w[c];
        d = t == CAT_DTYPE_Q4 ? big / -8.0f : fabsf(big) / 127.0f;
        h = cat__f32_to_f16(d);
        if ((h & 0x7C00u) == 0x7C00u) h = (uint16_t)((h & 0x8000u) | 0x7BFFu);   /* at most 65504 */
        d = cat__f16_to_f32(h);
        for (c = c0; c < c1; c++) {
            float v = d != 0.0f ? roundf(w[c] / d) : 0.0f;
            if (v > lim) v = lim;
            if (v < low) v = low;
            if (t == CAT_DTYPE_Q8) q[(size_t)r * R + (size_t)c] = (uint8_t)(int8_t)v;
            else {
                uint8_t *b = q + (size_t)r * R + (size_t)g * 16 + (size_t)((c - c0) & 15);
                const unsigned nib = (unsigned)((int)v + 8);
                *b = (uint8_t)(c - c0 < 16 ? (*b & 0xF0u) | nib : (*b & 0x0Fu) | (nib << 4));
            }
        }
        sc[2 * (size_t)(r * G + g)] = (uint8_t)(h & 0xFF);
        sc[2 * (size_t)(r * G + g) + 1] = (uint8_t)(h >> 8);
    }
}
CAT__API void cat_q8_quantize(void *dst, const float *src, int64_t rows, int64_t cols) { cat__quantize(CAT_DTYPE_Q8, dst, src, rows, cols); }
CAT__API void cat_q4_quantize(void *dst, const float *src, int64_t rows, int64_t cols) { cat__quantize(CAT_DTYPE_Q4, dst, src, rows, cols); }

/* one value of a q8 / q4 weight row (the integer q; the scale is apart) */
static int cat__qval(int q4, const uint8_t *row, int64_t c) {
    if (!q4) return (int)(int8_t)row[c];
    {
        const uint8_t b = row[(c / 32) * 16 + (c & 15)];
        return (int)((c & 16) ? b >> 4 : b & 15) - 8;
    }
}

/* Quantized activations for the integer dot products (see NUMERICS): n rows of
   in values, P = ceil(in / 64) pairs of groups a row, laid out as
     a:  int8[n][64 P]   the values (0 past in)
     u:  uint8[n][64 P]  a + 128 (for vpdpbusd, unsigned by signed)
     s:  int32[n][2 P]   the sum of a over each group of 32 (exact)
     e:  f32[n][2 P]     the group scale e_g
   (cat__xq_bytes(n, in) bytes, more than these need; each part 64-byte aligned) */
typedef struct { int8_t *a; uint8_t *u; int32_t *s; float *e; int64_t P; } cat__xq;
static size_t cat__xq_bytes(int64_t n, int64_t in) { return (size_t)n * (size_t)((in + 63) / 64) * (64 + 64 + 64) + 192; }
static cat__xq cat__xq_at(void *buf, int64_t n, int64_t in) {
    cat__xq q;
    uint8_t *p = (uint8_t *)(((uintptr_t)buf + 63) & ~(uintptr_t)63);
    q.P = (in + 63) / 64;
    q.a = (int8_t *)(void *)p; p += (size_t)n * (size_t)q.P * 64;
    q.u = p; p += (size_t)n * (size_t)q.P * 64;
    q.s = (int32_t *)(void *)p; p += ((size_t)n * (size_t)q.P * 8 + 63) & ~(size_t)63;
    q.e = (float *)(void *)p;
    return q;
}
/* quantize group g of one row xr (in values) into q's row r. Rounding half
   away from zero without libm: t = the value truncated (exact below 2^23),
   then one step away from zero when the rest is at least one half (v - t is
   exact). */
static void cat__xq_group(const cat__xq *q, const float *xr, int64_t in, int64_t r, int64_t g) {
    int8_t *a = q->a + (size_t)r * (size_t)q->P * 64;
    const int64_t c0 = g * 32, nc = in - c0 >= 32 ? 32 : in - c0 > 0 ? in - c0 : 0;
    float v[32], m = 0.0f, inv, eg;
    int c, bad = 0;
    int32_t sum = 0;
    for (c = 0; c < 32; c++) v[c] = c < nc ? xr[c0 + c] : 0.0f;
    for (c = 0; c < 32; c++) { const float u = fabsf(v[c]); m = u > m ? u : m; bad |= !(u <= FLT_MAX); }
    if (bad) m = 0.0f;
    inv = m > 0.0f ? 127.0f / m : 0.0f;
    eg = bad ? NAN : m / 127.0f;
    if (bad) memset(a + c0, 0, 32);
    else for (c = 0; c < 32; c++) {
        float u = v[c] * inv, t;
        u = u > 127.0f ? 127.0f : u < -127.0f ? -127.0f : u;
        t = (float)(int)u;
        t += (float)((u - t >= 0.5f) - (u - t <= -0.5f));
        a[c0 + c] = (int8_t)(int)t;
    }
    for (c = 0; c < 32; c++) { sum += a[c0 + c]; q->u[(size_t)r * (size_t)q->P * 64 + (size_t)(c0 + c)] = (uint8_t)(a[c0 + c] + 128); }
    q->s[(size_t)r * (size_t)q->P * 2 + (size_t)g] = sum;
    q->e[(size_t)r * (size_t)q->P * 2 + (size_t)g] = eg;
}
/* quantize rows [r0, r1) of x (row stride in) into q */
static void cat__xq_rows(const cat__xq *q, const float *x, int64_t in, int64_t r0, int64_t r1) CAT__UNUSED;
static void cat__xq_rows(const cat__xq *q, const float *x, int64_t in, int64_t r0, int64_t r1) {
    int64_t r, g;
    for (r = r0; r < r1; r++) for (g = 0; g < 2 * q->P; g++) cat__xq_group(q, x + (size_t)r * (size_t)in, in, r, g);
}

/* software prefetch of the cache line `ahead` bytes past p (a hint; never
   faults): CAT__PREFETCH into every cache level, CAT__PREFETCH_L2 into L2
   and below (x86 prefetcht2) */
#if defined(__GNUC__) || defined(__clang__)
#define CAT__PREFETCH(p, ahead) __builtin_prefetch((const void *)(uintptr_t)((uintptr_t)(p) + (ahead)))
#define CAT__PREFETCH_L2(p, ahead) __builtin_prefetch((const void *)(uintptr_t)((uintptr_t)(p) + (ahead)), 0, 1)
#else
#define CAT__PREFETCH(p, ahead) ((void)0)
#define CAT__PREFETCH_L2(p, ahead) ((void)0)
#endif
/* decode from tiles (cat__q_dec_tl): the weights this many bytes ahead are
   fetched into L2. AMD EPYC Zen 4, a 143 MB q8 matrix, 1 thread: 10.7-11.6
   GB/s with prefetcht0 4 KB ahead (earlier tuned on a Zen 5), 16.0-17.6 with
   prefetcht2 8 KB ahead, 18.7-20.4 at 16 KB, 18.0-18.6 at 32 KB (the same
   buffer read by a plain loop: 25-28 GB/s). That was with tiles in chunks of
   16 groups (two streams, cat__tile); on a Zen 5, with chunks of 4 groups,
   the kernel read 0.69-0.82x a plain loop's speed with this prefetch and
   0.73-0.88x without (5 alternated runs: no difference) */
#ifndef CAT__TPF
#define CAT__TPF 16384
#endif
/* bf16 decode by bf16 dot products (cat__mvdp_item) on one thread: the weights
   this many bytes ahead are fetched into L2. AMD EPYC Zen 5, dense 2048 x 12
   bf16 (1.5 GB), tok/s against no prefetch in 9 alternated rounds: faster in
   8 (about 4%); with 2 threads slower in every one of 4 rounds (4-10%, also
   when kept inside a thread's item), so it is left to one thread. The same
   for f32 weights (cat__mv_row) was slower at 8 and 16 KB, 1 thread. */
#ifndef CAT__DPF
#define CAT__DPF 16384
#endif

static float *cat__align64(float *p) { return (float *)(void *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }
/* one row of W (an embedding-table lookup) into f32 */
static void cat__row(float *dst, const cat__tensor *t, int64_t row) {
    const int64_t n = t->cols;
    int64_t j;
    if (t->dtype == CAT_DTYPE_F32) memcpy(dst, (const float *)t->data + row * n, sizeof(float) * (size_t)n);
    else if (t->dtype == CAT_DTYPE_BF16) {
        const uint16_t *s = (const uint16_t *)t->data + row * n;
        for (j = 0; j < n; j++) dst[j] = cat__bf16_to_f32(s[j]);
    } else {
        const uint8_t *s = (const uint8_t *)t->data + (size_t)row * cat__qrow_bytes(t->dtype, n);
        const uint16_t *d = cat__qscales(t) + row * ((n + 31) / 32);
        for (j = 0; j < n; j++) dst[j] = (float)cat__qval(t->dtype == CAT_DTYPE_Q4, s, j) * cat__f16_to_f32(d[j / 32]);
    }
}

/* Attention reads one head's keys and values at a stride of the KV row (a
   cache line or more apart): prefetch the lines of the row 16 ahead, so that
   several rows are on their way while one is used. */
#define CAT__AHEAD 16
static void cat__prefetch_row(const float *p, int n) {
    int l;
    for (l = 0; l < n; l += 16) CAT__PREFETCH(p + l, 0);
}

/* jobs of the matmul: blocks of weight rows (decode), tiles of x rows by weight rows */
typedef struct { float *y; int ldy; const float *x; int n; const cat__tensor *W; int64_t rows; int row4; } cat__mv_job;
/* the weight rows of a decode item: a multiple of 16 holding about 131072
   weights (64 rows of 2048 columns), while every thread still gets 8 items or
   more (used by the AVX-512 kernels only). Each item is claimed with an
   atomic operation that two cores contend for: with 16 rows of 512 columns 2
   threads decoded a dense 512 x 8 f32 model 1.3-1.4x as fast as 1, with 64
   rows 1.8-2.1x. And each item is a stream of memory the prefetchers pick up
   anew: on an AMD EPYC Zen 5, dense 2048 x 12, 2 threads, 64-row items
   instead of 16-row ones (128 KB f32) decoded bf16 1.12-1.22x as fast (4 of
   4 alternated rounds) and f32 0.98-1.11x (4 of 5 faster); 1 thread level */
/* blocks of 16 weight rows a decode item takes: about `target` (weights or
   bytes) at `per_row` a row, as long as every thread still gets 8 items of
   the nblk blocks or more; at least 1 (cat__mv_item_rows, cat__matmul_q) */
static int64_t cat__item_blocks(int64_t target, int64_t per_row, int64_t nblk, const cat__pool *pool) {
    int64_t g = target / (16 * (per_row > 0 ? per_row : 1));
    const int64_t most = nblk / (8 * (int64_t)cat__pool_threads(pool));
    if (g > most) g = most;
    return g > 1 ? g : 1;
}
static int64_t cat__mv_item_rows(const cat__tensor *W, const cat__pool *pool) CAT__UNUSED;
static int64_t cat__mv_item_rows(const cat__tensor *W, const cat__pool *pool) {
    return 16 * cat__item_blocks(131072, W->cols, W->rows / 16, pool);
}
typedef struct { float *y; int ldy; const float *x; int n; const cat__tensor *W; int64_t ntile, ngrp; } cat__mm_job;
/* a job item of the matrix-matrix kernels: a block of x rows by a group of
   tiles of output columns wide enough (48 or 16 columns: whole 64-byte lines of
   y when its rows are aligned) that two threads never write one line */
#define CAT__NG(nr) ((nr) == 6 ? 8 : (nr) == 2 ? 8 : 16)

#define CAT__AG 4   /* queries of one head that attend together (prefill) */

/* the kernels of one instruction set: cat__kern_NAME */
typedef struct {
    const char *name;
    /* xs: xs_bytes of scratch for the activations of q8 / q4 weights (quantized,
       cat__xq_bytes) and of the bf16 dot products (bf16, 2 bytes a value) */
    void (*matmul)(float *y, int ldy, const float *x, int n, const cat__tensor *W, cat__pool *pool, void *xs, size_t xs_bytes);
    void (*scores)(float *sc, const float *q, const float *k, size_t stride, int n, int hd, float scale);
    void (*wsum)(float *o, const float *p, const float *v, size_t stride, int n, int hd);
    /* G <= CAT__AG queries of one head against the same rows, per query the bits of the two above */
    void (*scores_g)(float *const *sc, const float *const *q, int G, const float *k, size_t stride, int n, int hd, float scale);
    void (*wsum_g)(float *const *o, const float *const *p, const int *n, int G, const float *v, size_t stride, int hd);
    void (*softmax)(float *p, int n);                          /* in place */
    void (*silu_mul)(float *h, const float *g, int64_t n);     /* h = silu(h) * g */
    int tiles;   /* the q8 / q4 kernels read the matrices in tiles (cat__tensor.tl) where the model has them */
} cat__kern;

#define CAT__KPASS 1
#ifdef CAT__DISPATCH
/* CAT__TARGET_PUSH("isa,...") ... CAT__TARGET_POP: the functions between are
   compiled for those instruction sets (gcc: a target pragma; clang: an
   attribute pushed onto every function) */
#define CAT__PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define CAT__TARGET_PUSH(t) CAT__PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define CAT__TARGET_POP CAT__PRAGMA(clang attribute pop)
#else
#define CAT__TARGET_PUSH(t) CAT__PRAGMA(GCC push_options) CAT__PRAGMA(GCC target(t))
#define CAT__TARGET_POP CAT__PRAGMA(GCC pop_options)
#endif
#define CAT__ISA 0
#include CAT_SELF
#undef CAT__ISA
#define CAT__ISA 2
CAT__TARGET_PUSH("avx2,fma")
#include CAT_SELF
CAT__TARGET_POP
#ifdef CAT__HAVE_AVXVNNI
#define CAT__AVXVNNI 1   /* the AVX2 pass again, its q8 / q4 sums by vpdpbusd */
CAT__TARGET_PUSH("avx2,fma,avxvnni")
#include CAT_SELF
CAT__TARGET_POP
#undef CAT__AVXVNNI
#endif
#undef CAT__ISA
#define CAT__ISA 3
CAT__TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#include CAT_SELF
CAT__TARGET_POP
#undef CAT__ISA
#define CAT__ISA 5
CAT__TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")
#include CAT_SELF
CAT__TARGET_POP
#undef CAT__ISA
#define CAT__ISA 4
CAT__TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512bf16,avx2,fma")
#include CAT_SELF
CAT__TARGET_POP
#undef CAT__ISA

/* the best kernels this CPU runs, or those CAT_KERNELS names if it runs them;
   bf16dot as cat_session_params.bf16_dot: 0 automatic (the bf16 dot products
   on AMD, whose Zen 4 and 5 issue vdpbf16ps at the FMA rate, where Intel's
   Sapphire Rapids issues it at half: measured 0.71-0.74x of f32 prefill
   there), 1 wherever the CPU has them, 2 never */
static const cat__kern *cat__kern_pick(int bf16dot) {
    const cat__kern *best = &cat__kern_scalar, *want = NULL;
    const char *e = getenv("CAT_KERNELS");
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    const int vnni = avx512 && __builtin_cpu_supports("avx512vnni");
    const int bf16 = vnni && __builtin_cpu_supports("avx512bf16");
#ifdef CAT__HAVE_AVXVNNI
    unsigned int ra = 0, rb = 0, rc = 0, rd = 0;   /* AVX-VNNI: cpuid leaf 7, subleaf 1, eax bit 4 */
    const int avxvnni = avx2 && __get_cpuid_count(7, 1, &ra, &rb, &rc, &rd) && (ra & (1u << 4)) != 0;
#endif
    if (avx2) best = &cat__kern_avx2;
#ifdef CAT__HAVE_AVXVNNI
    if (avxvnni) best = &cat__kern_avx2vnni;
#endif
    if (avx512) best = &cat__kern_avx512;
    if (vnni) best = &cat__kern_avx512vnni;
    if (bf16 && (bf16dot == 1 || (bf16dot == 0 && CAT__AMD()))) best = &cat__kern_avx512bf16;
    if (e && strcmp(e, "scalar") == 0) want = &cat__kern_scalar;
    if (e && strcmp(e, "avx2") == 0 && avx2) want = &cat__kern_avx2;
#ifdef CAT__HAVE_AVXVNNI
    if (e && strcmp(e, "avx2vnni") == 0 && avxvnni) want = &cat__kern_avx2vnni;
#endif
    if (e && strcmp(e, "avx512") == 0 && avx512) want = &cat__kern_avx512;
    if (e && strcmp(e, "avx512vnni") == 0 && vnni) want = &cat__kern_avx512vnni;
    if (e && strcmp(e, "avx512bf16") == 0 && bf16) want = &cat__kern_avx512bf16;
    return want ? want : best;
}
#undef CAT__PRAGMA
#undef CAT__TARGET_PUSH
#undef CAT__TARGET_POP
#else
#if defined(__AVX512F__)
#define CAT__ISA 3
#elif defined(__AVX2__) && defined(__FMA__)
#define CAT__ISA 2
#if defined(__AVXVNNI__)
#define CAT__AVXVNNI 1
#endif
#elif defined(__aarch64__) && (defined(__ARM_NEON) || defined(__ARM_NEON__))
#define CAT__ISA 1
#else
#define CAT__ISA 0
#endif
#include CAT_SELF
#undef CAT__ISA
static const cat__kern *cat__kern_pick(int bf16dot) {
    (void)bf16dot;
#if defined(__AVX512F__)
    return &cat__kern_avx512;
#elif defined(__AVX2__) && defined(__FMA__) && defined(__AVXVNNI__)
    return &cat__kern_avx2vnni;
#elif defined(__AVX2__) && defined(__FMA__)
    return &cat__kern_avx2;
#elif defined(__aarch64__) && (defined(__ARM_NEON) || defined(__ARM_NEON__))
    return &cat__kern_neon;
#else
    return &cat__kern_scalar;
#endif
}
#undef CAT__AVXVNNI
#endif
#undef CAT__KPASS
CAT__API const char *cat_kernels(void) { return cat__kern_pick(0)->name; }

/* ---- q8 / q4 matrices in tiles --------------------------------------------
   Decode reads a weight matrix once a token. In the file a q8 / q4 matrix is
   rows of values and, apart, rows of scales: 16 rows of output at a time are
   32 streams of memory, more than the hardware prefetchers follow. Where the
   kernels read tiles (the AVX-512 ones), the model keeps a copy of each q8 /
   q4 matrix (those that multiply, not the embeddings) in tiles of 16 rows,
   each one stream: its groups of 32 columns in chunks of CAT__TCH (2), a
   chunk's groups one after another, QB bytes each, then the chunk's scales
   (one 64-byte line). With chunks of 16 groups the scales lay 8 KB (q8) past
   the values read with them, a second stream: on AMD EPYC Zen 5 decode read
   tiles of 16 groups at 0.46-0.61x the speed of a plain loop over the same
   bytes, of 2 groups at 0.70-0.86x (q8 and q4 alike; same bits).
     q8 (QB 512): 8 blocks of 64 bytes, block t the 4 values 32 g + 4 t .. + 3
        of the 16 rows (row r at bytes 4 r; 0 past the row's end), plus 128
        (the unsigned operand of vpdpbusd)
     q4 (QB 256): 4 blocks of 64 bytes, block t the 4 bytes 16 g + 4 t .. + 3
        of the 16 rows as the file holds them (8 values a row)
     scales: 16 halves a group (row r at r), the chunk's padded to 64 bytes
   The last tile of a matrix whose rows are not a multiple of 16 repeats its
   last row. The integer sums and their order are those of the file layout, so
   the bits are the same (NUMERICS). The copy takes the matrices' size again in
   memory: from a mapped file, the pages it was made from are dropped from the
   process (madvise, where cat.h gets it) and are read again only by kernels
   that do not read tiles; cat_model_load's copy in memory stays whole. */
static void cat__tile(uint8_t *dst, const cat__tensor *W) {
    const int64_t G = (W->cols + 31) / 32, in = W->cols, R = (int64_t)cat__qrow_bytes(W->dtype, W->cols);
    const int q4 = W->dtype == CAT_DTYPE_Q4;
    const int64_t QB = cat__tile_qb(W->dtype);
    const uint8_t *src = (const uint8_t *)W->data;
    const uint16_t *sc = cat__qscales(W);
    int64_t b, g0, j, t, r;
    for (b = 0; b < (W->rows + 15) / 16; b++) {
        for (g0 = 0; g0 < G; g0 += CAT__TCH) {
            const int64_t ng = G - g0 < CAT__TCH ? G - g0 : CAT__TCH, cb = cat__tile_chunk(QB, ng);
            memset(dst + ng * QB + 32 * ng, 0, (size_t)(cb - ng * QB - 32 * ng));   /* the scales' padding: the loop writes every other byte */
            for (r = 0; r < 16; r++) {
                const int64_t row = 16 * b + r < W->rows ? 16 * b + r : W->rows - 1;
                const uint8_t *w = src + row * R;
                for (j = 0; j < ng; j++) {
                    for (t = 0; t < QB / 64; t++) {
                        const int64_t c = q4 ? 16 * (g0 + j) + 4 * t : 32 * (g0 + j) + 4 * t;
                        const int64_t nb = q4 ? 4 : in - c >= 4 ? 4 : in - c > 0 ? in - c : 0;
                        uint32_t v = 0;
                        if (nb == 4) memcpy(&v, w + c, 4);
                        else if (nb > 0) { uint8_t b4[4] = { 0, 0, 0, 0 }; memcpy(b4, w + c, (size_t)nb); memcpy(&v, b4, 4); }
                        if (!q4) v ^= 0x80808080u;
                        memcpy(dst + j * QB + 64 * t + 4 * r, &v, 4);
                    }
                    memcpy(dst + ng * QB + 2 * (16 * j + r), sc + row * G + g0 + j, 2);
                }
            }
            dst += cb;
        }
    }
}
/* the tiled copies, where the kernels this CPU runs read them (CAT_KERNELS
   naming other kernels: none) */
static cat_result cat__tile_all(cat_model *m) {
    const int n = cat__specs(&m->cfg, NULL, NULL, NULL, 0);
    cat_tensor_spec *specs;
    cat__tensor **dst;
    size_t total = 0, off = 0;
    uint8_t *p = NULL;
    int i, pass;
    if (!cat__kern_pick(0)->tiles) return CAT_OK;
    specs = (cat_tensor_spec *)CAT_MALLOC(sizeof(cat_tensor_spec) * (size_t)n);
    dst = (cat__tensor **)CAT_MALLOC(sizeof(cat__tensor *) * (size_t)n);
    if (!specs || !dst) { CAT_FREE(specs); CAT_FREE(dst); return CAT_ERR_NOMEM; }
    cat__specs(&m->cfg, m, specs, dst, n);
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            cat__tensor *W = dst[i];
            size_t tb;
            if ((W->dtype != CAT_DTYPE_Q8 && W->dtype != CAT_DTYPE_Q4) || specs[i].ndim != 2) continue;
            if (W == &m->wte || W == &m->c_wte || W == &m->c_pos || W == &m->c_adaptive) continue;   /* rows looked up, not multiplied */
            if (W->rows < 16) continue;   /* a tile would be mostly padding: the copy stays under twice the matrix */
            tb = cat__tile_bytes(W->dtype, W->cols) * (size_t)((W->rows + 15) / 16);
            if (pass == 0) { total += tb; continue; }
            cat__tile(p + off, W);
            W->tl = p + off;
            off += tb;
#if defined(CAT__HAVE_MMAP) && defined(MADV_DONTNEED)
            /* a mapped file's pages just read: out of the process (the kernels read the tiles) */
            if (m->map) cat__advise_pages(W->data, cat__quant_bytes(W->dtype, W->rows, W->cols), MADV_DONTNEED);
#endif
        }
        if (pass == 0) {
            if (!total) break;
            p = (uint8_t *)cat__aligned_alloc(total, &m->tiles_raw);
            if (!p) { CAT_FREE(specs); CAT_FREE(dst); return CAT_ERR_NOMEM; }
            cat__advise_huge(p, total);
        }
    }
    CAT_FREE(specs); CAT_FREE(dst);
    return CAT_OK;
}

/* ---- KV-cache entry types ------------------------------------------------
   The cache holds one row per head and entry: hd values as f32, as bf16
   (rounded to nearest even), or as q8: hd int8 values followed by one float
   scale per group of 32 (a head size that is not a multiple of 32 is one
   group), value = q * scale, scale = max|x| / 127, as the q8 weights. The
   score and weighted-sum kernels read f32 rows in place; other types are
   decoded CAT__KVB rows at a time into a per-thread buffer and handed to the
   same kernels, so every type runs the same arithmetic on the decoded
   values, and a full forward and a token-by-token one give the same bits. */
#define CAT__KVB 64
static int cat__kv_group(int hd) { return hd % 32 == 0 ? 32 : hd; }
/* bytes of one head's row of the cache */
static size_t cat__kv_row_bytes(cat_dtype t, int hd) {
    switch (t) {
    case CAT_DTYPE_BF16: return (size_t)hd * 2;
    case CAT_DTYPE_Q8: return (size_t)hd + 4 * (size_t)(hd / cat__kv_group(hd));
    default: return (size_t)hd * 4;
    }
}
static uint16_t cat__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);   /* NaN stays NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
/* encode one head's row */
static void cat__kv_write(uint8_t *dst, const float *src, int hd, cat_dtype t) {
    int j, g0;
    if (t == CAT_DTYPE_BF16) {
        for (j = 0; j < hd; j++) { uint16_t h = cat__f32_to_bf16(src[j]); memcpy(dst + 2 * j, &h, 2); }
    } else if (t == CAT_DTYPE_Q8) {
        const int G = cat__kv_group(hd);
        for (g0 = 0; g0 < hd; g0 += G) {
            float amax = 0.0f, d;
            for (j = g0; j < g0 + G; j++) { float a = fabsf(src[j]); if (a > amax) amax = a; }
            d = amax / 127.0f;
            for (j = g0; j < g0 + G; j++) {
                float v = amax > 0.0f ? roundf(src[j] / d) : 0.0f;
                if (v > 127.0f) v = 127.0f;
                if (v < -127.0f) v = -127.0f;
                dst[j] = (uint8_t)(int8_t)v;
            }
            memcpy(dst + hd + 4 * (g0 / G), &d, 4);
        }
    } else memcpy(dst, src, sizeof(float) * (size_t)hd);
}
/* decode one head's row */
static void cat__kv_read(float *dst, const uint8_t *src, int hd, cat_dtype t) {
    int j = 0, g0;
    if (t == CAT_DTYPE_BF16) {
#if defined(__AVX512F__)
        for (; j + 16 <= hd; j += 16)
            _mm512_storeu_ps(dst + j, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(src + 2 * j))), 16)));
#endif
        for (; j < hd; j++) { uint16_t h; memcpy(&h, src + 2 * j, 2); dst[j] = cat__bf16_to_f32(h); }
    } else if (t == CAT_DTYPE_Q8) {
        const int G = cat__kv_group(hd);
        for (g0 = 0; g0 < hd; g0 += G) {
            float d;
            memcpy(&d, src + hd + 4 * (g0 / G), 4);
            j = g0;
#if defined(__AVX512F__)
            {
                const __m512 dv = _mm512_set1_ps(d);
                for (; j + 16 <= g0 + G; j += 16)
                    _mm512_storeu_ps(dst + j, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + j)))), dv));
            }
#endif
            for (; j < g0 + G; j++) dst[j] = (float)(int8_t)src[j] * d;
        }
    } else memcpy(dst, src, sizeof(float) * (size_t)hd);
}
/* scores of G <= CAT__AG queries q[g] against n rows of keys stride bytes
   apart, into sc[g] (tmp: CAT__KVB * hd floats): the rows of a type other
   than f32 are decoded CAT__KVB at a time, once for all the queries */
static void cat__kv_scores_g(const cat__kern *kn, float *const *sc, const float *const *q, int G, const uint8_t *k, size_t stride, int n, int hd, float scale, cat_dtype t, float *tmp) {
    float *scb[CAT__AG];
    int e0, e, c, g;
    if (t == CAT_DTYPE_F32) { kn->scores_g(sc, q, G, (const float *)(const void *)k, stride / 4, n, hd, scale); return; }
    for (e0 = 0; e0 < n; e0 += CAT__KVB) {
        c = n - e0 < CAT__KVB ? n - e0 : CAT__KVB;
        for (e = 0; e < c; e++) cat__kv_read(tmp + (size_t)e * hd, k + (size_t)(e0 + e) * stride, hd, t);
        for (g = 0; g < G; g++) scb[g] = sc[g] + e0;
        kn->scores_g(scb, q, G, tmp, (size_t)hd, c, hd, scale);
    }
}
/* o[g] += sum of p[g][e] * value row e for e < n[g] */
static void cat__kv_wsum_g(const cat__kern *kn, float *const *o, const float *const *p, const int *n, int G, const uint8_t *v, size_t stride, int hd, cat_dtype t, float *tmp) {
    const float *pb[CAT__AG];
    int nb[CAT__AG], e0, e, c, g, nmax = 0;
    for (g = 0; g < G; g++) if (n[g] > nmax) nmax = n[g];
    if (t == CAT_DTYPE_F32) { kn->wsum_g(o, p, n, G, (const float *)(const void *)v, stride / 4, hd); return; }
    for (e0 = 0; e0 < nmax; e0 += CAT__KVB) {
        c = nmax - e0 < CAT__KVB ? nmax - e0 : CAT__KVB;
        for (e = 0; e < c; e++) cat__kv_read(tmp + (size_t)e * hd, v + (size_t)(e0 + e) * stride, hd, t);
        for (g = 0; g < G; g++) { pb[g] = p[g] + e0; nb[g] = n[g] - e0 < 0 ? 0 : n[g] - e0 < c ? n[g] - e0 : c; }
        kn->wsum_g(o, pb, nb, G, tmp, (size_t)hd, hd);
    }
}

#ifdef CAT__GCC_PR105593
#pragma GCC diagnostic pop
#endif

static void cat__rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    double ss = 0;
    float r;
    int i;
    for (i = 0; i < n; i++) ss += (double)x[i] * x[i];
    r = (float)(1.0 / sqrt(ss / n + (double)eps));
    for (i = 0; i < n; i++) y[i] = (x[i] * r) * w[i];
}


/* ----------------------------------------------------------------------------
   4 SESSION STATE: slots (rows of the attention sequence), each sequence's
   compressed KV cache and current chunk, and the session that holds them. */

/* A slot is one row of the attention sequence: a token, a compressed chunk
   (fx), a separator, or a compressor input. Its key/value goes either to the
   global list of its sequence (fx slots, or every token of a dense model) or
   to the local list of its chunk. It sees global entries [0, ng) and local
   entries [loc0, loc0 + nl) of the local scratch. */
typedef struct {
    int32_t pos;    /* RoPE position */
    int32_t ng;     /* visible global entries */
    int32_t loc0;   /* its chunk's start in the local scratch */
    int32_t nl;     /* visible local entries */
    int32_t gidx;   /* >= 0: writes global[gidx]; else writes local[loc0 + lidx] */
    int32_t lidx;
    int32_t seq;    /* whose caches */
    int32_t lsc;    /* 1: its chunk's local entries are in the step's scratch (a chunk the
                       step opened); 0: in the sequence's own current-chunk list */
} cat__slot;

typedef struct {
    const cat_stack_config *stack;
    int n_head, n_kv, hd, rn;   /* attention geometry (the CAT layer's differs from b) */
    const float *cos, *sin;     /* [maxpos][rn/2] */
} cat__geom;

/* the state of one sequence */
typedef struct {
    int32_t pos;          /* tokens held */
    int32_t has_logits;
    uint8_t *gk, *gv;     /* [layers][kv heads][gcap] rows of a head (cat__kv_row_bytes): one head's keys are contiguous */
    uint8_t *lk, *lv;     /* [layers][kv heads][lcap] rows */
    int32_t *chunk_ids;   /* the current chunk's tokens [c] */
    int32_t *toks;        /* every token held [max_ctx] (truncate feeds them again) */
    float *chunk_xn;      /* CAT layer: [layers][c][dim] normed inputs of the current chunk */
    float *logits;        /* [padded_vocab] */
} cat__seq;

/* one sequence's tokens within a step */
typedef struct {
    int32_t seq, p0, n, first;   /* first: index of its first token in the step's grouped order */
    int32_t base;                /* its region of the local scratch */
    int32_t ch0, nch;            /* its completed chunks in the step's chunk list */
} cat__run;

struct cat_session {
    const cat_model *m;
    cat_config cfg;
    int32_t c;            /* chunk size in use (0 dense) */
    int32_t log2c;        /* adaptive: log2(c) */
    int32_t n_lead;       /* slots that lead each chunk in the decoder: its fx, + the separator when
                             adaptive (1 or 2); 0 dense */
    int32_t n_prefix;     /* compressor prefix slots: 1 (pos) or 2 (adaptive token, pos) */
    int32_t max_ctx, n_batch, n_seq, nth;
    int32_t kvd;          /* key/value width of a decoder cache entry */
    cat_dtype kv_type;    /* type of the decoder's cache entries */
    size_t kv_entry;      /* bytes of one entry's keys (or values) of one layer: kv heads x cat__kv_row_bytes */
    int32_t gcap, lcap;   /* global and persistent local entries per layer per sequence */
    cat__seq *seqs;
    /* RoPE tables */
    float *dcos, *dsin, *ccos, *csin;
    cat__geom dg, cg;
    /* scratch for one step */
    int32_t slot_cap, loc_cap, chunk_cap, ent_cap;
    cat__slot *slots;
    int32_t *skind, *sref;  /* what each slot holds: token (index in the step), fx (chunk list index), separator */
    int32_t *out_slot;      /* [n_batch] slot giving each token's logits */
    int32_t *order;         /* [n_batch] grouped position -> index in the caller's arrays */
    int32_t *gtok;          /* [n_batch] tokens in grouped order */
    cat__run *runs;         /* [n_seq] */
    int32_t *cnt;           /* [n_seq] */
    int32_t *cids, *ck;     /* completed chunks: ids [chunk_cap][c], chunk index */
    uint8_t *sk, *sv;       /* local scratch [loc_cap][kv heads] rows (the compressor's: f32) */
    float *kvtmp;           /* [nth][CAT__KVB * head_dim] decoded rows (non-f32 caches) */
    float *x, *xn, *qkv, *att, *h1, *h2, *y;
    float *fx;              /* [chunk_cap][max(dim_fx, dim)] */
    float *flat;            /* [chunk_cap][chunk * width] compressor / CAT-layer chunk inputs */
    float *scores;          /* [nth][CAT__AG][ent_cap] */
    cat__pool *pool;        /* NULL: one thread */
    const cat__kern *kern;  /* the kernels in use */
    void *xs;               /* activations for q8 / q4 weights and the bf16 dot products (or NULL) */
    size_t xs_bytes;
    float *lgt;             /* [n_seq][padded_vocab] last-token logits of a step (n_seq > 1) */
    void *arena;
    size_t arena_size;
};

/* threads when the caller asks for 0: OpenMP's default (OMP_NUM_THREADS) in an
   OpenMP build, else the processors online */
static int cat__nthreads(int want) {
    if (want > 0) return want < 256 ? want : 256;
#ifdef _OPENMP
    return omp_get_max_threads();
#elif defined(CAT__POOL_PTHREAD) && defined(_SC_NPROCESSORS_ONLN)
    { long n = sysconf(_SC_NPROCESSORS_ONLN); return n > 0 ? (n < 256 ? (int)n : 256) : 1; }
#else
    return 1;
#endif
}

/* ----------------------------------------------------------------------------
   5 LAYERS: RoPE, attention (write the new keys and values, then attend), the
   feed-forward half, and one pre-norm transformer layer. */

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

/* y = x W^T with the session's kernels and threads */
static void cat__mm(const cat_session *s, float *y, int ldy, const float *x, int n, const cat__tensor *W) {
    s->kern->matmul(y, ldy, x, n, W, s->pool, s->xs, s->xs_bytes);
}

/* the queries, keys and values of n slots whose inputs are xin[n][L->wqkv.cols], into
   s->qkv (rows of q | k | v), QK-normed and rotated to each slot's position */
static void cat__qkv(cat_session *s, const cat__geom *g, const cat__layer *L, const float *xin, int n, const cat__slot *sl) {
    const int H = g->n_head, KV = g->n_kv, hd = g->hd, kvd = KV * hd, qd = H * hd, w = qd + 2 * kvd;
    const float eps = (float)g->stack->norm_eps;
    int i, h;
    cat__mm(s, s->qkv, w, xin, n, &L->wqkv);
    for (i = 0; i < n; i++) {
        float *q = s->qkv + (size_t)i * w, *k = q + qd;
        for (h = 0; h < H; h++) {
            if (g->stack->use_qk_norm) cat__rmsnorm(q + h * hd, q + h * hd, (const float *)L->q_norm.data, hd, eps);
            cat__rope(q + h * hd, g, sl[i].pos);
        }
        for (h = 0; h < KV; h++) {
            if (g->stack->use_qk_norm) cat__rmsnorm(k + h * hd, k + h * hd, (const float *)L->k_norm.data, hd, eps);
            cat__rope(k + h * hd, g, sl[i].pos);
        }
    }
}

/* each slot's key and value (from s->qkv) into the list the slot writes: the step's
   scratch (rows of kvd), or its sequence's compressed KV cache or current chunk of
   this layer (head-major) */
static void cat__cache_write(cat_session *s, const cat__geom *g, int n, const cat__slot *sl, int layer) {
    const int KV = g->n_kv, hd = g->hd, kvd = KV * hd, qd = g->n_head * hd, w = qd + 2 * kvd;
    /* the decoder's cache holds entries of the session's type; the compressor's
       keys and values (layer < 0) live only in the step's scratch, as f32 */
    const cat_dtype kt = layer >= 0 ? s->kv_type : CAT_DTYPE_F32;
    const size_t rb = cat__kv_row_bytes(kt, hd), eb = (size_t)KV * rb;   /* bytes of a head's row, of an entry */
    const size_t goff = layer >= 0 ? (size_t)layer * s->gcap * eb : 0, loff = layer >= 0 ? (size_t)layer * s->lcap * eb : 0;
    int i, h;
    for (i = 0; i < n; i++) {
        const float *k = s->qkv + (size_t)i * w + qd, *v = k + kvd;
        uint8_t *dk, *dv;
        if (sl[i].lsc) {  /* the step's scratch: entries of KV rows */
            dk = s->sk + (size_t)(sl[i].loc0 + sl[i].lidx) * eb; dv = s->sv + (size_t)(sl[i].loc0 + sl[i].lidx) * eb;
            for (h = 0; h < KV; h++) {
                cat__kv_write(dk + (size_t)h * rb, k + (size_t)h * hd, hd, kt);
                cat__kv_write(dv + (size_t)h * rb, v + (size_t)h * hd, hd, kt);
            }
        } else {          /* the sequence's lists: head-major */
            const cat__seq *q2 = &s->seqs[sl[i].seq];
            const int glob = sl[i].gidx >= 0;
            const size_t cap = glob ? (size_t)s->gcap : (size_t)s->lcap, at = glob ? (size_t)sl[i].gidx : (size_t)sl[i].lidx;
            dk = glob ? q2->gk + goff : q2->lk + loff;
            dv = glob ? q2->gv + goff : q2->lv + loff;
            for (h = 0; h < KV; h++) {
                cat__kv_write(dk + ((size_t)h * cap + at) * rb, k + (size_t)h * hd, hd, kt);
                cat__kv_write(dv + ((size_t)h * cap + at) * rb, v + (size_t)h * hd, hd, kt);
            }
        }
    }
}

/* each slot's queries (from s->qkv) attend to the entries the CAT mask lets it see:
   global [0, ng) and local [loc0, loc0 + nl); writes out[n][n_head * hd]. One item
   of the threads' job: one head of a block of CAT__AG slots, whose runs of slots
   that read the same keys (one sequence, one local list) attend together. */
typedef struct { cat_session *s; const cat__geom *g; const cat__slot *sl; float *out; cat_dtype kt; size_t rb, goff, loff; int n; } cat__att_job;
static int cat__same_keys(const cat__slot *a, const cat__slot *b) {
    return a->seq == b->seq && a->lsc == b->lsc && (!a->lsc || a->loc0 == b->loc0);
}
/* slots [s0, s0 + G) (G <= CAT__AG, same keys), head h */
static void cat__att_run(const cat__att_job *J, int s0, int G, int h, int tid) {
    cat_session *s = J->s;
    const cat__slot *sl = J->sl;
    const int H = J->g->n_head, KV = J->g->n_kv, hd = J->g->hd, kvd = KV * hd, qd = H * hd, w = qd + 2 * kvd;
    const float scale = 1.0f / sqrtf((float)hd);
    const cat_dtype kt = J->kt;
    const size_t rb = J->rb, eb = (size_t)KV * rb, goff = J->goff, loff = J->loff;
    const int kh = h / (H / KV);
    const cat__slot *a = &sl[s0];
    const size_t gh = (size_t)kh * s->gcap * rb, lh = (size_t)kh * s->lcap * rb, lstride = a->lsc ? eb : rb;
    float *tmp = s->kvtmp ? s->kvtmp + (size_t)tid * CAT__KVB * s->dg.hd : NULL;
    float *sc[CAT__AG] = { 0 }, *scl[CAT__AG] = { 0 }, *o[CAT__AG] = { 0 };
    const float *q[CAT__AG] = { 0 }, *p[CAT__AG] = { 0 }, *pl[CAT__AG] = { 0 };
    int ng[CAT__AG], nl[CAT__AG], ngmax = 0, nlmax = 0, g, j;
    const uint8_t *gkb, *gvb, *lkb, *lvb;
    for (g = 0; g < G; g++) {
        ng[g] = sl[s0 + g].ng; nl[g] = sl[s0 + g].nl;
        if (ng[g] > ngmax) ngmax = ng[g];
        if (nl[g] > nlmax) nlmax = nl[g];
    }
    if (G > 1) for (g = 0; g < G; g++) if (ng[g] + nlmax > s->ent_cap) {   /* no room for the extra scores: one at a time */
        for (j = 0; j < G; j++) cat__att_run(J, s0 + j, 1, h, tid);
        return;
    }
    gkb = ngmax ? s->seqs[a->seq].gk + goff + gh : NULL; gvb = ngmax ? s->seqs[a->seq].gv + goff + gh : NULL;
    lkb = a->lsc ? s->sk + (size_t)a->loc0 * eb + kh * rb : s->seqs[a->seq].lk + loff + lh;
    lvb = a->lsc ? s->sv + (size_t)a->loc0 * eb + kh * rb : s->seqs[a->seq].lv + loff + lh;
    for (g = 0; g < G; g++) {
        sc[g] = s->scores + ((size_t)tid * CAT__AG + g) * s->ent_cap;
        scl[g] = sc[g] + ng[g];
        q[g] = s->qkv + (size_t)(s0 + g) * w + h * hd;
        o[g] = J->out + (size_t)(s0 + g) * qd + h * hd;
    }
    /* scores of every query against the most rows any of them sees (the
       others' extra scores are not used; a query's local scores start after
       its own global ones, overwriting those extras) */
    if (ngmax) cat__kv_scores_g(s->kern, sc, q, G, gkb, rb, ngmax, hd, scale, kt, tmp);
    if (nlmax) cat__kv_scores_g(s->kern, scl, q, G, lkb, lstride, nlmax, hd, scale, kt, tmp);
    for (g = 0; g < G; g++) {
        float *c = sc[g];
        s->kern->softmax(c, ng[g] + nl[g]);
        for (j = 0; j < hd; j++) o[g][j] = 0.0f;
        p[g] = c; pl[g] = c + ng[g];
    }
    if (ngmax) cat__kv_wsum_g(s->kern, o, p, ng, G, gvb, rb, hd, kt, tmp);
    if (nlmax) cat__kv_wsum_g(s->kern, o, pl, nl, G, lvb, lstride, hd, kt, tmp);
}
static void cat__att_item(void *ctx, int64_t task, int tid) {
    const cat__att_job *J = (const cat__att_job *)ctx;
    const int H = J->g->n_head, b = (int)(task / H), h = (int)(task % H);
    const int s1 = (b + 1) * CAT__AG < J->n ? (b + 1) * CAT__AG : J->n;
    int r, e;
    for (r = b * CAT__AG; r < s1; r = e) {
        for (e = r + 1; e < s1 && cat__same_keys(&J->sl[r], &J->sl[e]); e++) {}
        cat__att_run(J, r, e - r, h, tid);
    }
}
static void cat__attend(cat_session *s, const cat__geom *g, int n, const cat__slot *sl, int layer, float *out) {
    cat__att_job J;
    J.s = s; J.g = g; J.sl = sl; J.out = out; J.n = n;
    J.kt = layer >= 0 ? s->kv_type : CAT_DTYPE_F32;   /* the compressor's scratch is f32 */
    J.rb = cat__kv_row_bytes(J.kt, g->hd);
    J.goff = layer >= 0 ? (size_t)layer * s->gcap * g->n_kv * J.rb : 0;
    J.loff = layer >= 0 ? (size_t)layer * s->lcap * g->n_kv * J.rb : 0;
    cat__par(n * g->n_head > 4 ? s->pool : NULL, cat__att_item, &J, (int64_t)((n + CAT__AG - 1) / CAT__AG) * g->n_head);
}

/* attention over n slots: project, write the new keys and values, attend.
   layer >= 0: global entries come from each slot's sequence's cache of that layer;
   layer < 0 (the compressor): every entry is in the step's scratch. */
static void cat__attention(cat_session *s, const cat__geom *g, const cat__layer *L, const float *xin, int n,
                           const cat__slot *sl, int layer, float *out) {
    cat__qkv(s, g, L, xin, n, sl);
    cat__cache_write(s, g, n, sl, layer);
    cat__attend(s, g, n, sl, layer, out);
}

/* feed-forward half of a layer: x += proj(silu(fc1(n)) * fc2(n)), n = ffn_norm(x) */
static void cat__ffn(cat_session *s, const cat_stack_config *b, const cat__layer *L, float *x, int n) {
    const int D = b->dim, I = b->intermediate_size;
    int i, j;
    for (i = 0; i < n; i++) cat__rmsnorm(s->xn + (size_t)i * D, x + (size_t)i * D, (const float *)L->ffn_norm.data, D, (float)b->norm_eps);
    cat__mm(s, s->h1, I, s->xn, n, &L->fc1);
    cat__mm(s, s->h2, I, s->xn, n, &L->fc2);
    s->kern->silu_mul(s->h1, s->h2, (int64_t)n * I);
    cat__mm(s, s->y, D, s->h1, n, &L->proj);
    for (i = 0; i < n; i++) for (j = 0; j < D; j++) x[(size_t)i * D + j] += s->y[(size_t)i * D + j];
}

/* one pre-norm transformer layer over n slots: x += wo(attn(norm(x))); x += ffn */
static void cat__layer_forward(cat_session *s, const cat__geom *g, const cat__layer *L, float *x, int n, const cat__slot *sl, int layer) {
    const cat_stack_config *b = g->stack;
    const int D = b->dim;
    int i, j;
    for (i = 0; i < n; i++) cat__rmsnorm(s->xn + (size_t)i * D, x + (size_t)i * D, (const float *)L->attn_norm.data, D, (float)b->norm_eps);
    cat__attention(s, g, L, s->xn, n, sl, layer, s->att);
    cat__mm(s, s->y, D, s->att, n, &L->wo);
    for (i = 0; i < n; i++) for (j = 0; j < D; j++) x[(size_t)i * D + j] += s->y[(size_t)i * D + j];
    cat__ffn(s, b, L, x, n);
}

/* ----------------------------------------------------------------------------
   6 COMPRESSOR: the tokens of each completed chunk -> its compressed chunk (fx). */
/* Compress the nch chunks listed in s->cids / s->ck (token ids, chunk index);
   writes fx_out[nch][dim_fx]. All chunks run as one batch: every weight is
   read once for all of them. */
static void cat__compress(cat_session *s, int nch, float *fx_out) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    const cat_stack_config *f = &cfg->comp;
    const int Dc = f->dim, c = s->c, npre = s->n_prefix, R = c + npre, Cmax = cfg->chunk_size, n = nch * R, in = Cmax * Dc;
    cat__slot *sl = s->slots;
    float *x = s->x;
    int ch, i, l;
    for (ch = 0; ch < nch; ch++) {
        float *xr = x + (size_t)ch * R * Dc;
        if (npre == 2) { cat__row(xr, &m->c_adaptive, s->log2c); cat__row(xr + Dc, &m->c_pos, s->ck[ch]); }
        else cat__row(xr, &m->c_pos, s->ck[ch]);
        for (i = 0; i < c; i++) cat__row(xr + (size_t)(npre + i) * Dc, &m->c_wte, s->cids[ch * c + i]);
        for (i = 0; i < R; i++) {
            cat__slot *t = &sl[ch * R + i];   /* bidirectional: each sees its whole chunk */
            t->pos = i; t->ng = 0; t->gidx = -1; t->loc0 = ch * R; t->lidx = i; t->nl = R; t->seq = 0; t->lsc = 1;
        }
    }
    for (l = 0; l < f->n_layer; l++) cat__layer_forward(s, &s->cg, &m->c_layers[l], x, n, sl, -1);
    /* final norm, drop the prefix slots, flatten, project */
    for (ch = 0; ch < nch; ch++) {
        float *dst = s->flat + (size_t)ch * in;
        if (c == Cmax) {
            for (i = 0; i < c; i++) cat__rmsnorm(dst + (size_t)i * Dc, x + ((size_t)ch * R + npre + i) * Dc, (const float *)m->c_norm.data, Dc, (float)f->norm_eps);
        } else {
            /* The reference resizes proj_fx (dim_fx x Cmax*Dc) to (dim_fx x c*Dc) by
               bilinear interpolation along its input axis (align_corners=False), then
               multiplies. The same product: scatter each of the c*Dc inputs onto the
               two source columns it interpolates between, and multiply by proj_fx. */
            const int nin = c * Dc;
            const float scl = (float)in / (float)nin;
            float *tmp = s->xn;
            int jj;
            for (i = 0; i < c; i++) cat__rmsnorm(tmp + (size_t)i * Dc, x + ((size_t)ch * R + npre + i) * Dc, (const float *)m->c_norm.data, Dc, (float)f->norm_eps);
            for (jj = 0; jj < in; jj++) dst[jj] = 0.0f;
            for (jj = 0; jj < nin; jj++) {
                float src = ((float)jj + 0.5f) * scl - 0.5f, l1;
                int i0, i1;
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
    cat__mm(s, fx_out, cfg->dim_fx, s->flat, nch, &m->c_proj_fx);
}

/* ----------------------------------------------------------------------------
   7 STEP: tokens of one or more sequences laid out as slots under the CAT
   mask, and one pass of them through the layers. */
enum { CAT__K_TOK = 0, CAT__K_FX = 1, CAT__K_SEP = 2 };

/* Lay out the slots of run r. A token that is not the last of its chunk is one
   token slot in its chunk; the last token of a chunk needs no slot (no query
   sees it and its output is unused): the chunk's fx slot (adaptive: and the
   separator after it) stands in its place and gives its next-token logits. */
static int cat__build_slots(cat_session *s, const cat__run *r, int ns) {
    const int c = s->c, lead = s->n_lead, kf = c ? r->p0 / c : 0, stride = c + lead;
    int t, chn = r->ch0;
    for (t = 0; t < r->n; t++) {
        const int pos = r->p0 + t, ti = r->first + t;
        cat__slot *sl = &s->slots[ns];
        sl->seq = r->seq; sl->lsc = 0;
        if (!c) {
            sl->pos = pos; sl->ng = pos + 1; sl->gidx = pos; sl->loc0 = 0; sl->lidx = 0; sl->nl = 0;
            s->skind[ns] = CAT__K_TOK; s->sref[ns] = ti; s->out_slot[ti] = ns++;
        } else {
            const int k = pos / c, j = pos % c;
            if (j < c - 1) {
                sl->pos = lead + j; sl->ng = k + 1; sl->gidx = -1;
                sl->lsc = k > kf; sl->loc0 = k > kf ? r->base + (k - kf - 1) * stride : 0;
                sl->lidx = lead - 1 + j; sl->nl = lead + j;
                s->skind[ns] = CAT__K_TOK; s->sref[ns] = ti; s->out_slot[ti] = ns++;
            } else {
                sl->pos = 0; sl->ng = k + 2; sl->gidx = k + 1; sl->loc0 = 0; sl->lidx = 0; sl->nl = 0;
                s->skind[ns] = CAT__K_FX; s->sref[ns] = chn++; ns++;
                if (lead == 2) {
                    sl = &s->slots[ns];
                    sl->seq = r->seq; sl->pos = 1; sl->ng = k + 2; sl->gidx = -1;
                    sl->lsc = 1; sl->loc0 = r->base + (k - kf) * stride; sl->lidx = 0; sl->nl = 1;
                    s->skind[ns] = CAT__K_SEP; s->sref[ns] = -1; ns++;
                }
                s->out_slot[ti] = ns - 1;
            }
        }
    }
    return ns;
}

/* A step writes the current chunk's entries of a sequence in place; chunks the
   step opens live in its scratch, and the last of them becomes the sequence's
   current chunk when the step ends. */
static void cat__local_out(cat_session *s, const cat__run *r, int l) {
    const cat__seq *q = &s->seqs[r->seq];
    const int c = s->c, pe = r->p0 + r->n, kf = r->p0 / c, ke = pe / c, cnt = s->n_lead - 1 + pe % c;
    const size_t eb = s->kv_entry, rb = cat__kv_row_bytes(s->kv_type, s->dg.hd), off = (size_t)l * s->lcap * eb;
    const size_t from = (size_t)r->base + (size_t)(ke - kf - 1) * (c + s->n_lead);
    int t, h;
    if (ke > kf && cnt > 0)  /* scratch entries into the head-major list, row by row as stored */
        for (t = 0; t < cnt; t++) for (h = 0; h < s->dg.n_kv; h++) {
            memcpy(q->lk + off + ((size_t)h * s->lcap + t) * rb, s->sk + (from + t) * eb + (size_t)h * rb, rb);
            memcpy(q->lv + off + ((size_t)h * s->lcap + t) * rb, s->sv + (from + t) * eb + (size_t)h * rb, rb);
        }
}

/* the chunks that tokens of run r complete, appended to the step's chunk list */
static int cat__collect_chunks(cat_session *s, cat__run *r, int nch) {
    const int c = s->c;
    const cat__seq *q = &s->seqs[r->seq];
    int t, j;
    r->ch0 = nch;
    for (t = 0; t < r->n; t++) {
        const int pos = r->p0 + t;
        if (pos % c == c - 1) {
            const int k = pos / c;
            for (j = 0; j < c; j++) {
                const int at = k * c + j;
                s->cids[nch * c + j] = at >= r->p0 ? s->gtok[r->first + at - r->p0] : q->chunk_ids[j];
            }
            s->ck[nch] = k;
            nch++;
        }
    }
    r->nch = nch - r->ch0;
    return nch;
}

static void cat__after_run(cat_session *s, const cat__run *r) {
    cat__seq *q = &s->seqs[r->seq];
    const int c = s->c, pe = r->p0 + r->n;
    memcpy(q->toks + r->p0, s->gtok + r->first, sizeof(int32_t) * (size_t)r->n);
    if (c) {
        const int k = pe / c;
        int j;
        for (j = 0; j < pe % c; j++) { const int at = k * c + j; if (at >= r->p0) q->chunk_ids[j] = s->gtok[r->first + at - r->p0]; }
    }
    q->pos = pe;
}

/* final norm + output projection; rows: every token (logits != NULL, in the
   caller's order) or the last token of each run */
static void cat__logits(cat_session *s, const float *x, int nruns, int ntok, float *logits) {
    const cat_model *m = s->m;
    const float eps = (float)s->cfg.dec.norm_eps;
    const int PV = s->cfg.padded_vocab, D = s->cfg.dec.dim;
    int t, r;
    if (logits) {
        /* rows in the caller's order */
        for (t = 0; t < ntok; t++) cat__rmsnorm(s->xn + (size_t)s->order[t] * D, x + (size_t)s->out_slot[t] * D, (const float *)m->norm.data, D, eps);
        cat__mm(s, logits, PV, s->xn, ntok, &m->output);
        for (r = 0; r < nruns; r++) {
            const cat__run *u = &s->runs[r];
            cat__seq *q = &s->seqs[u->seq];
            memcpy(q->logits, logits + (size_t)s->order[u->first + u->n - 1] * PV, sizeof(float) * PV);
            q->has_logits = 1;
        }
    } else {
        for (r = 0; r < nruns; r++) {
            const cat__run *u = &s->runs[r];
            cat__rmsnorm(s->xn + (size_t)r * D, x + (size_t)s->out_slot[u->first + u->n - 1] * D, (const float *)m->norm.data, D, eps);
        }
        if (nruns == 1) cat__mm(s, s->seqs[s->runs[0].seq].logits, PV, s->xn, 1, &m->output);
        else cat__mm(s, s->lgt, PV, s->xn, nruns, &m->output);
        for (r = 0; r < nruns; r++) {
            cat__seq *q = &s->seqs[s->runs[r].seq];
            if (nruns > 1) memcpy(q->logits, s->lgt + (size_t)r * PV, sizeof(float) * PV);
            q->has_logits = 1;
        }
    }
}

/* dense, CAT and adaptive CAT */
static void cat__step_decoder(cat_session *s, int nruns, int ntok, float *logits) {
    const cat_model *m = s->m;
    const int D = s->cfg.dec.dim;
    int ns = 0, i, l, r, nch = 0;
    if (s->c) {
        for (r = 0; r < nruns; r++) nch = cat__collect_chunks(s, &s->runs[r], nch);
        if (nch) cat__compress(s, nch, s->fx);
    }
    for (r = 0; r < nruns; r++) ns = cat__build_slots(s, &s->runs[r], ns);
    for (i = 0; i < ns; i++) {
        float *xr = s->x + (size_t)i * D;
        switch (s->skind[i]) {
        case CAT__K_TOK: cat__row(xr, &m->wte, s->gtok[s->sref[i]]); break;
        case CAT__K_FX: memcpy(xr, s->fx + (size_t)s->sref[i] * D, sizeof(float) * D); break;
        default: cat__row(xr, &m->separator, 0); break;
        }
    }
    for (l = 0; l < s->cfg.dec.n_layer; l++) {
        cat__layer_forward(s, &s->dg, &m->layers[l], s->x, ns, s->slots, l);
        if (s->c) for (r = 0; r < nruns; r++) cat__local_out(s, &s->runs[r], l);
    }
    cat__logits(s, s->x, nruns, ntok, logits);
    for (r = 0; r < nruns; r++) cat__after_run(s, &s->runs[r]);
}

/* CAT as a layer: every layer compresses its own (normed) input */
static void cat__step_layer(cat_session *s, int nruns, int ntok, float *logits) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    const int D = cfg->dec.dim, FX = cfg->dim_fx, c = s->c;
    const float eps = (float)cfg->dec.norm_eps;
    int ns = 0, i, j, l, t, r, nch = 0;
    float *x = s->x, *in = s->h1;
    for (r = 0; r < nruns; r++) nch = cat__collect_chunks(s, &s->runs[r], nch);
    for (r = 0; r < nruns; r++) ns = cat__build_slots(s, &s->runs[r], ns);
    /* one slot per token here (lead = 1), in grouped order: slot i is token i */
    for (t = 0; t < ntok; t++) cat__row(x + (size_t)t * D, &m->wte, s->gtok[t]);
    for (l = 0; l < cfg->dec.n_layer; l++) {
        const cat__layer *L = &m->layers[l];
        for (t = 0; t < ntok; t++) cat__rmsnorm(s->xn + (size_t)t * D, x + (size_t)t * D, (const float *)L->attn_norm.data, D, eps);
        /* slot inputs: expand(normed token), or compressor(normed chunk) + bias */
        cat__mm(s, in, FX, s->xn, ntok, &L->expand);
        if (nch) {
            int ch = 0;
            for (r = 0; r < nruns; r++) {
                const cat__run *u = &s->runs[r];
                const float *cxn = s->seqs[u->seq].chunk_xn + (size_t)l * c * D;
                int k2;
                for (k2 = 0; k2 < u->nch; k2++, ch++) {
                    const int k = s->ck[ch];
                    for (j = 0; j < c; j++) {
                        const int at = k * c + j;
                        const float *src = at >= u->p0 ? s->xn + (size_t)(u->first + at - u->p0) * D : cxn + (size_t)j * D;
                        memcpy(s->flat + ((size_t)ch * c + j) * D, src, sizeof(float) * D);
                    }
                }
            }
            cat__mm(s, s->fx, FX, s->flat, nch, &L->comp_w);
            for (i = 0; i < ns; i++) if (s->skind[i] == CAT__K_FX) {
                const float *f = s->fx + (size_t)s->sref[i] * FX, *bias = (const float *)L->comp_b.data;
                float *d = in + (size_t)i * FX;
                for (j = 0; j < FX; j++) d[j] = f[j] + bias[j];
            }
        }
        /* keep the normed inputs of each unfinished chunk for its compression later */
        for (r = 0; r < nruns; r++) {
            const cat__run *u = &s->runs[r];
            float *cxn = s->seqs[u->seq].chunk_xn + (size_t)l * c * D;
            for (t = 0; t < u->n; t++) {
                const int pos = u->p0 + t;
                if (pos / c == (u->p0 + u->n) / c) memcpy(cxn + (size_t)(pos % c) * D, s->xn + (size_t)(u->first + t) * D, sizeof(float) * D);
            }
        }
        cat__attention(s, &s->dg, L, in, ns, s->slots, l, s->att);
        for (r = 0; r < nruns; r++) cat__local_out(s, &s->runs[r], l);
        cat__mm(s, s->y, FX, s->att, ns, &L->wo);
        cat__mm(s, s->xn, D, s->y, ns, &L->final_proj);
        for (t = 0; t < ntok; t++) for (j = 0; j < D; j++) x[(size_t)t * D + j] += s->xn[(size_t)t * D + j];
        cat__ffn(s, &cfg->dec, L, x, ntok);
    }
    cat__logits(s, x, nruns, ntok, logits);
    for (r = 0; r < nruns; r++) cat__after_run(s, &s->runs[r]);
}

/* ----------------------------------------------------------------------------
   8 SESSIONS: the arena layout (measured, then carved), open, reset, close, feed,
   the getters, and the full-sequence forward. */

/* chunk 0's leading slots of sequence j (the dummy fx and, adaptive, the separator) */
static void cat__seq_prime(cat_session *s, int j) {
    const cat_model *m = s->m;
    const cat_config *cfg = &s->cfg;
    cat__seq *q = &s->seqs[j];
    cat__slot *sl = s->slots;
    int l;
    q->pos = 0; q->has_logits = 0;
    if (cfg->family == CAT_FAMILY_DENSE) return;
    sl[0].pos = 0; sl[0].ng = 1; sl[0].gidx = 0; sl[0].loc0 = 0; sl[0].lidx = 0; sl[0].nl = 0; sl[0].seq = j; sl[0].lsc = 0;
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        for (l = 0; l < cfg->dec.n_layer; l++) {
            cat__row(s->h1, &m->layers[l].dummy, 0);
            cat__attention(s, &s->dg, &m->layers[l], s->h1, 1, sl, l, s->att);
        }
    } else {
        const int D = cfg->dec.dim, n = s->n_lead;
        cat__row(s->x, &m->dummy_fx, cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? s->log2c : 0);
        if (n == 2) {
            cat__row(s->x + D, &m->separator, 0);
            sl[1].pos = 1; sl[1].ng = 1; sl[1].gidx = -1; sl[1].loc0 = 0; sl[1].lidx = 0; sl[1].nl = 1; sl[1].seq = j; sl[1].lsc = 0;
        }
        for (l = 0; l < cfg->dec.n_layer; l++) cat__layer_forward(s, &s->dg, &m->layers[l], s->x, n, sl, l);
    }
}

/* the decoder cache's geometry: kv heads and head size */
static void cat__kv_geom(const cat_config *cfg, int *nkv, int *hd) {
    if (cfg->family == CAT_FAMILY_CAT_LAYER) { *nkv = cfg->layer_n_head; *hd = cfg->layer_head_dim; }
    else { *nkv = cfg->dec.n_local_heads; *hd = cfg->dec.head_dim; }
}
/* cache entries live when pos tokens are held, at chunk c (0: dense) with S
   slots per completed chunk: global: dummy + completed chunks; local: separator
   + tokens of the current chunk (the last token of a chunk never needs an entry) */
static size_t cat__kv_entries(int32_t c, int32_t S, int32_t pos) {
    if (pos < 0) pos = 0;
    return c ? (size_t)(1 + pos / c) + (size_t)(S - 1 + pos % c) : (size_t)pos;
}
/* bytes of KV cache per entry, all layers, keys and values */
static size_t cat__kv_entry_bytes(const cat_config *cfg, cat_dtype t) {
    int nkv, hd;
    cat__kv_geom(cfg, &nkv, &hd);
    return (size_t)cfg->dec.n_layer * 2 * (size_t)nkv * cat__kv_row_bytes(t, hd);
}

CAT__API size_t cat_model_kv_bytes(const cat_model *m, int32_t chunk, int32_t context, int32_t n_seq, cat_dtype kv_type) {
    const cat_config *cfg;
    int32_t c, S;
    if (!m || chunk < 0 || context < 0 || n_seq < 0 || (unsigned)kv_type > (unsigned)CAT_DTYPE_Q8) return 0;
    cfg = &m->cfg;
    if (cfg->family != CAT_FAMILY_DENSE && !cat_model_chunk_ok(m, chunk)) return 0;
    if (!context || context > cfg->block_size) context = cfg->block_size;
    c = cfg->family == CAT_FAMILY_DENSE ? 0 : chunk ? chunk : cfg->chunk_size;
    S = cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? 2 : 1;
    return cat__kv_entries(c, S, context) * cat__kv_entry_bytes(cfg, kv_type) * (size_t)(n_seq ? n_seq : 1);
}

CAT__API cat_result cat_model_fit_budget(const cat_model *m, uint64_t budget, int32_t context, int32_t n_seq, cat_dtype kv_type,
                                         int32_t *chunk, size_t *need) {
    int32_t c, best = 0;
    size_t b, least = 0;
    if (!m || !chunk || !need || *chunk < 0) return CAT_ERR_ARGS;
    if (m->cfg.family != CAT_FAMILY_DENSE && !cat_model_chunk_ok(m, *chunk)) return CAT_ERR_CHUNK;
    if (m->cfg.family == CAT_FAMILY_CAT_ADAPTIVE && *chunk == 0) {
        /* smallest chunk size that fits (the best quality); else the least bytes */
        for (c = 1; c <= m->cfg.chunk_size; c *= 2) {
            b = cat_model_kv_bytes(m, c, context, n_seq, kv_type);
            if (!b) return CAT_ERR_ARGS;
            if (b <= budget) { *chunk = c; *need = b; return CAT_OK; }
            if (!best || b < least) { best = c; least = b; }
        }
        *chunk = best; *need = least;
        return CAT_ERR_BUDGET;
    }
    c = m->cfg.family == CAT_FAMILY_DENSE ? 0 : *chunk ? *chunk : m->cfg.chunk_size;
    b = cat_model_kv_bytes(m, c, context, n_seq, kv_type);
    if (!b && context) return CAT_ERR_ARGS;
    *chunk = c; *need = b;
    return b <= budget ? CAT_OK : CAT_ERR_BUDGET;
}

/* Every parameter resolved in one place: zero means the default documented at
   cat_session_params. */
static cat_result cat__session_params(cat_session *s, const cat_model *m, const cat_session_params *pp) {
    cat_session_params p;
    const cat_config *cfg = &m->cfg;
    if (pp) p = *pp; else memset(&p, 0, sizeof p);
    if (p.chunk_size < 0 || p.max_context < 0 || p.n_batch < 0 || p.n_threads < 0 || p.n_seq < 0 || p.n_seq > 4096)
        return CAT_ERR_ARGS;
    if (!cat_model_chunk_ok(m, p.chunk_size)) return CAT_ERR_CHUNK;
    if ((unsigned)p.kv_type > (unsigned)CAT_DTYPE_Q8 || (unsigned)p.bf16_dot > 2u) return CAT_ERR_ARGS;
    if (p.kv_budget_bytes) {
        int32_t c = p.chunk_size;
        size_t need;
        cat_result r = cat_model_fit_budget(m, p.kv_budget_bytes, p.max_context, p.n_seq, p.kv_type, &c, &need);
        if (r) return r;
        if (cfg->family == CAT_FAMILY_CAT_ADAPTIVE) p.chunk_size = c;
    }
    s->m = m; s->cfg = *cfg;
    s->kv_type = p.kv_type;
    {
        int nkv, khd;
        cat__kv_geom(cfg, &nkv, &khd);
        s->kv_entry = (size_t)nkv * cat__kv_row_bytes(s->kv_type, khd);
        s->dg.hd = khd;   /* set again with the rest of the geometry */
    }
    s->max_ctx = p.max_context ? p.max_context : cfg->block_size;
    if (s->max_ctx > cfg->block_size) s->max_ctx = cfg->block_size;
    s->n_seq = p.n_seq ? p.n_seq : 1;
    s->n_batch = p.n_batch ? p.n_batch : 512;
    if (s->n_batch > s->max_ctx * s->n_seq) s->n_batch = s->max_ctx * s->n_seq;
    if (s->n_batch < s->n_seq) s->n_batch = s->n_seq;   /* one decode step of every sequence fits */
    s->nth = cat__nthreads(p.n_threads);
    s->kern = cat__kern_pick(p.bf16_dot);
    switch (cfg->family) {
    case CAT_FAMILY_DENSE:
        s->c = 0; s->n_lead = 0; s->n_prefix = 0;
        s->kvd = cfg->dec.n_local_heads * cfg->dec.head_dim;
        s->gcap = s->max_ctx; s->lcap = 0;
        break;
    case CAT_FAMILY_CAT:
    case CAT_FAMILY_CAT_ADAPTIVE:
        s->c = p.chunk_size ? p.chunk_size : cfg->chunk_size;
        s->log2c = cat__log2i(s->c);
        s->n_lead = cfg->family == CAT_FAMILY_CAT_ADAPTIVE ? 2 : 1;
        s->n_prefix = s->n_lead;
        s->kvd = cfg->dec.n_local_heads * cfg->dec.head_dim;
        s->gcap = 1 + s->max_ctx / s->c;
        s->lcap = s->c + s->n_lead;
        break;
    case CAT_FAMILY_CAT_LAYER:
        s->c = cfg->chunk_size; s->n_lead = 1; s->n_prefix = 0;
        s->kvd = cfg->layer_n_head * cfg->layer_head_dim;
        s->gcap = 1 + s->max_ctx / s->c;
        s->lcap = s->c + 1;
        break;
    }
    return CAT_OK;
}

/* the sizes of a step's scratch: the most rows a step lays out and the widest
   row any stack writes into each buffer */
typedef struct {
    int32_t rows;      /* slots of a step (decoder or compressor) */
    int32_t width;     /* x, xn, y */
    int32_t qkv, att, hidden;
    int32_t flat;      /* one chunk's flattened input to the compressor's projection (or a CAT layer's) */
    int32_t kvd;       /* a row of the local scratch */
    int32_t rope_dec;  /* positions of the decoder's RoPE table */
    int32_t rope_comp; /* positions of the compressor's RoPE table (0: none) */
} cat__scratch;

static void cat__scratch_sizes(cat_session *s, cat__scratch *d) {
    const cat_config *cfg = &s->cfg;
    s->chunk_cap = s->c ? s->n_batch / s->c + s->n_seq + 1 : 0;
    s->slot_cap = 2 * s->n_batch + 2;
    /* each sequence's region: its chunks touched in a step, plus the persistent entries */
    s->loc_cap = s->c ? (s->n_batch / s->c + s->n_seq) * (s->c + s->n_lead) : 1;
    d->rows = s->slot_cap;
    d->width = cfg->dec.dim;
    d->qkv = (cfg->dec.n_head + 2 * cfg->dec.n_local_heads) * cfg->dec.head_dim;
    d->att = cfg->dec.n_head * cfg->dec.head_dim;
    d->hidden = cfg->dec.intermediate_size;
    d->flat = 1;
    d->kvd = s->kvd;
    d->rope_comp = 0;
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        if (cfg->dim_fx > d->width) d->width = cfg->dim_fx;
        if (3 * cfg->dim_fx > d->qkv) d->qkv = 3 * cfg->dim_fx;
        if (cfg->dim_fx > d->att) d->att = cfg->dim_fx;
        if (cfg->dim_fx > d->hidden) d->hidden = cfg->dim_fx;
        d->flat = cfg->chunk_size * cfg->dec.dim;
    }
    if (cfg->family == CAT_FAMILY_CAT || cfg->family == CAT_FAMILY_CAT_ADAPTIVE) {
        const cat_stack_config *f = &cfg->comp;
        const int32_t crow = s->chunk_cap * (s->c + s->n_prefix);
        d->rope_comp = s->c + s->n_prefix;
        if (crow > d->rows) d->rows = crow;
        if (crow > s->loc_cap) s->loc_cap = crow;
        if (f->dim > d->width) d->width = f->dim;
        if ((f->n_head + 2 * f->n_local_heads) * f->head_dim > d->qkv) d->qkv = (f->n_head + 2 * f->n_local_heads) * f->head_dim;
        if (f->n_head * f->head_dim > d->att) d->att = f->n_head * f->head_dim;
        if (f->intermediate_size > d->hidden) d->hidden = f->intermediate_size;
        if (f->n_local_heads * f->head_dim > d->kvd) d->kvd = f->n_local_heads * f->head_dim;
        d->flat = cfg->chunk_size * f->dim;
    }
    s->ent_cap = s->gcap + s->lcap + d->rope_comp + 2;
    d->rope_dec = cfg->family == CAT_FAMILY_DENSE ? s->max_ctx : s->c + 2;
    s->xs_bytes = 0;
    {   /* scratch for the activations of any matmul's rows (at most d->rows or
           chunk_cap): quantized for q8 / q4 matrices, bf16 for the bf16 dot products */
        const int64_t rows = d->rows > s->chunk_cap ? d->rows : s->chunk_cap;
        const int bf16dot = strcmp(s->kern->name, "avx512bf16") == 0;
        uint32_t e;
        for (e = 0; e < s->m->n_dir; e++) {
            const cat__dirent *de = &s->m->dir[e];
            size_t need = 0;
            if (de->ndim != 2) continue;
            if (de->dtype == CAT_DTYPE_Q8 || de->dtype == CAT_DTYPE_Q4) need = cat__xq_bytes(rows, de->dims[1]);
            else if (de->dtype == CAT_DTYPE_BF16 && bf16dot) need = 2 * (size_t)rows * (size_t)de->dims[1];
            if (need > s->xs_bytes) s->xs_bytes = need;
        }
    }
}

/* The arena, walked twice: first to measure (at == NULL: only sizes add up),
   then to carve (every pointer set). Each buffer is 64-byte aligned. */
typedef struct { uint8_t *at; size_t used; } cat__arena;
static void *cat__take(cat__arena *a, size_t count, size_t size) {
    void *p = a->at ? a->at + a->used : NULL;
    a->used += (count * size + 63) & ~(size_t)63;
    return p;
}
#define CAT__TAKE(a, ptr, count, type) ((ptr) = (type *)cat__take(a, (size_t)(count), sizeof(type)))

/* every buffer of a session, once */
static void cat__session_layout(cat_session *s, const cat__scratch *d, cat__arena *a) {
    const cat_config *cfg = &s->cfg;
    const size_t L = (size_t)cfg->dec.n_layer, D = (size_t)cfg->dec.dim, PV = (size_t)cfg->padded_vocab;
    const size_t chunks = s->chunk_cap ? (size_t)s->chunk_cap : 1, c1 = s->c ? (size_t)s->c : 1;
    const size_t rows = (size_t)d->rows;
    int32_t j;
    CAT__TAKE(a, s->seqs, s->n_seq, cat__seq);
    for (j = 0; j < s->n_seq; j++) {
        cat__seq measuring, *q = a->at ? &s->seqs[j] : &measuring;
        CAT__TAKE(a, q->gk, L * s->gcap * s->kv_entry, uint8_t);   /* compressed KV cache */
        CAT__TAKE(a, q->gv, L * s->gcap * s->kv_entry, uint8_t);
        CAT__TAKE(a, q->lk, L * (s->lcap ? s->lcap : 1) * s->kv_entry, uint8_t);  /* the current chunk */
        CAT__TAKE(a, q->lv, L * (s->lcap ? s->lcap : 1) * s->kv_entry, uint8_t);
        CAT__TAKE(a, q->chunk_ids, c1, int32_t);
        CAT__TAKE(a, q->toks, s->max_ctx, int32_t);              /* every token held */
        if (cfg->family == CAT_FAMILY_CAT_LAYER) CAT__TAKE(a, q->chunk_xn, L * s->c * D, float);
        CAT__TAKE(a, q->logits, PV, float);
    }
    CAT__TAKE(a, s->dcos, (size_t)d->rope_dec * cfg->dec.head_dim / 2 + 1, float);
    CAT__TAKE(a, s->dsin, (size_t)d->rope_dec * cfg->dec.head_dim / 2 + 1, float);
    if (d->rope_comp) {
        CAT__TAKE(a, s->ccos, (size_t)d->rope_comp * cfg->comp.head_dim / 2 + 1, float);
        CAT__TAKE(a, s->csin, (size_t)d->rope_comp * cfg->comp.head_dim / 2 + 1, float);
    }
    CAT__TAKE(a, s->slots, rows, cat__slot);
    CAT__TAKE(a, s->skind, rows, int32_t);
    CAT__TAKE(a, s->sref, rows, int32_t);
    CAT__TAKE(a, s->out_slot, s->n_batch, int32_t);
    CAT__TAKE(a, s->order, s->n_batch, int32_t);
    CAT__TAKE(a, s->gtok, s->n_batch, int32_t);
    CAT__TAKE(a, s->runs, s->n_seq, cat__run);
    CAT__TAKE(a, s->cnt, s->n_seq, int32_t);
    CAT__TAKE(a, s->cids, chunks * c1, int32_t);
    CAT__TAKE(a, s->ck, chunks, int32_t);
    CAT__TAKE(a, s->sk, (size_t)s->loc_cap * d->kvd * sizeof(float), uint8_t);   /* f32 rows are the widest */
    CAT__TAKE(a, s->sv, (size_t)s->loc_cap * d->kvd * sizeof(float), uint8_t);
    CAT__TAKE(a, s->x, rows * d->width, float);
    CAT__TAKE(a, s->xn, rows * d->width, float);
    CAT__TAKE(a, s->y, rows * d->width, float);
    CAT__TAKE(a, s->qkv, rows * d->qkv, float);
    CAT__TAKE(a, s->att, rows * d->att, float);
    CAT__TAKE(a, s->h1, rows * d->hidden, float);
    CAT__TAKE(a, s->h2, rows * d->hidden, float);
    CAT__TAKE(a, s->fx, chunks * (size_t)(cfg->dim_fx > cfg->dec.dim ? cfg->dim_fx : cfg->dec.dim), float);
    CAT__TAKE(a, s->flat, chunks * d->flat, float);
    CAT__TAKE(a, s->scores, (size_t)s->nth * CAT__AG * s->ent_cap, float);
    if (s->kv_type != CAT_DTYPE_F32) CAT__TAKE(a, s->kvtmp, (size_t)s->nth * CAT__KVB * s->dg.hd, float);
    if (s->n_seq > 1) CAT__TAKE(a, s->lgt, (size_t)s->n_seq * PV, float);
    if (s->xs_bytes) CAT__TAKE(a, s->xs, s->xs_bytes, uint8_t);
}
#undef CAT__TAKE

/* the attention geometry of each stack and its RoPE tables */
static void cat__session_geometry(cat_session *s, const cat__scratch *d) {
    const cat_config *cfg = &s->cfg;
    s->dg.stack = &s->cfg.dec;
    if (cfg->family == CAT_FAMILY_CAT_LAYER) {
        s->dg.n_head = cfg->layer_n_head; s->dg.n_kv = cfg->layer_n_head; s->dg.hd = cfg->layer_head_dim;
    } else {
        s->dg.n_head = cfg->dec.n_head; s->dg.n_kv = cfg->dec.n_local_heads; s->dg.hd = cfg->dec.head_dim;
    }
    s->dg.rn = cfg->dec.head_dim;
    cat__rope_table(s->dcos, s->dsin, d->rope_dec, s->dg.rn, cfg->dec.rope_base);
    s->dg.cos = s->dcos; s->dg.sin = s->dsin;
    if (d->rope_comp) {
        s->cg.stack = &s->cfg.comp;
        s->cg.n_head = cfg->comp.n_head; s->cg.n_kv = cfg->comp.n_local_heads; s->cg.hd = cfg->comp.head_dim;
        s->cg.rn = cfg->comp.head_dim;
        cat__rope_table(s->ccos, s->csin, d->rope_comp, s->cg.rn, cfg->comp.rope_base);
        s->cg.cos = s->ccos; s->cg.sin = s->csin;
    }
}

/* measure != NULL: only size the arena (*measure = the bytes the session would take) */
static cat_result cat__session_open(const cat_model *m, const cat_session_params *pp, cat_session **out, size_t *measure) {
    cat_session *s;
    cat__scratch d;
    cat__arena a;
    cat_result r;
    int32_t j;
    if (!m || !out) return CAT_ERR_ARGS;
    *out = NULL;
    s = (cat_session *)CAT_MALLOC(sizeof *s);
    if (!s) return CAT_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    r = cat__session_params(s, m, pp);
    if (r) { CAT_FREE(s); return r; }
    cat__scratch_sizes(s, &d);
    a.at = NULL; a.used = 0;
    cat__session_layout(s, &d, &a);                    /* measure */
    s->arena_size = a.used + 64;
    if (measure) { *measure = s->arena_size + sizeof *s + cat__pool_size(s->nth); CAT_FREE(s); return CAT_OK; }
    s->arena = CAT_MALLOC(s->arena_size);
    if (!s->arena) { CAT_FREE(s); return CAT_ERR_NOMEM; }
    memset(s->arena, 0, s->arena_size);
    {   /* fault every page in now, so that feeding never stops for the kernel
           to map memory (a compiler may turn malloc + memset into calloc,
           whose fresh pages stay unmapped until written) */
        volatile uint8_t *pg = (volatile uint8_t *)s->arena;
        size_t off;
        for (off = 0; off < s->arena_size; off += 4096) pg[off] = 0;
    }
    a.at = (uint8_t *)s->arena + (64 - ((uintptr_t)s->arena % 64)) % 64;
    a.used = 0;
    cat__session_layout(s, &d, &a);                    /* carve */
    cat__session_geometry(s, &d);
    if (cat__pool_open(s->nth, &s->pool) != CAT_OK) { cat_session_close(s); return CAT_ERR_NOMEM; }
    s->nth = cat__pool_threads(s->pool);   /* fewer if some threads cannot start */
    for (j = 0; j < s->n_seq; j++) cat__seq_prime(s, j);
    *out = s;
    return CAT_OK;
}

CAT__API cat_result cat_session_open(const cat_model *m, const cat_session_params *p, cat_session **out) {
    return cat__session_open(m, p, out, NULL);
}
CAT__API cat_result cat_session_bytes(const cat_model *m, const cat_session_params *p, size_t *bytes) {
    cat_session *s;
    if (!bytes) return CAT_ERR_ARGS;
    *bytes = 0;
    return cat__session_open(m, p, &s, bytes);
}

CAT__API void cat_session_close(cat_session *s) {
    if (!s) return;
    cat__pool_close(s->pool);
    CAT_FREE(s->arena);
    CAT_FREE(s);
}

CAT__API void cat_session_reset(cat_session *s) {
    int j;
    if (s) for (j = 0; j < s->n_seq; j++) cat__seq_prime(s, j);
}
CAT__API void cat_session_seq_reset(cat_session *s, int32_t seq) {
    if (s && seq >= 0 && seq < s->n_seq) cat__seq_prime(s, seq);
}

/* one step over ntok <= n_batch tokens already grouped by sequence in s->gtok / s->runs */
static void cat__step(cat_session *s, int nruns, int ntok, float *logits) {
    int r, base = 0;
    for (r = 0; r < nruns; r++) {
        cat__run *u = &s->runs[r];
        u->base = base;
        if (s->c) base += (u->n / s->c + 1) * (s->c + s->n_lead);
    }
    if (s->cfg.family == CAT_FAMILY_CAT_LAYER) cat__step_layer(s, nruns, ntok, logits);
    else cat__step_decoder(s, nruns, ntok, logits);
}

/* tokens[i] goes to sequence seq[i] (seq NULL: all to sequence one) */
static cat_result cat__feed(cat_session *s, const int32_t *seq, int32_t one, const int32_t *tokens, size_t n, float *logits) {
    const int32_t PV = s->cfg.padded_vocab;
    int32_t *cnt = s->cnt;
    size_t i, at;
    int j;
    if (n && !tokens) return CAT_ERR_ARGS;
    for (i = 0; i < n; i++) {
        if (seq && (seq[i] < 0 || seq[i] >= s->n_seq)) return CAT_ERR_ARGS;
        if (tokens[i] < 0 || tokens[i] >= PV) return CAT_ERR_TOKEN;
    }
    /* room in every sequence, checked before anything is fed */
    for (j = 0; j < s->n_seq; j++) cnt[j] = 0;
    for (i = 0; i < n; i++) {
        j = seq ? seq[i] : one;
        if (cnt[j] >= s->max_ctx - s->seqs[j].pos) return CAT_ERR_CONTEXT;
        cnt[j]++;
    }
    /* steps of up to n_batch tokens in the caller's order, grouped by sequence */
    for (at = 0; at < n;) {
        const size_t take = n - at < (size_t)s->n_batch ? n - at : (size_t)s->n_batch;
        int nr = 0, g = 0;
        for (j = 0; j < s->n_seq; j++) cnt[j] = 0;
        for (i = at; i < at + take; i++) cnt[seq ? seq[i] : one]++;
        for (j = 0; j < s->n_seq; j++) if (cnt[j]) {
            cat__run *u = &s->runs[nr++];
            u->seq = j; u->n = cnt[j]; u->p0 = s->seqs[j].pos; u->first = g;
            cnt[j] = g;                     /* from here on: where its next token goes */
            g += u->n;
        }
        for (i = at; i < at + take; i++) {
            const int w = cnt[seq ? seq[i] : one]++;
            s->gtok[w] = tokens[i];
            s->order[w] = (int32_t)(i - at);
        }
        cat__step(s, nr, (int)take, logits ? logits + at * (size_t)PV : NULL);
        at += take;
    }
    return CAT_OK;
}

CAT__API cat_result cat_session_feed(cat_session *s, const int32_t *tokens, size_t n, float *logits) {
    if (!s) return CAT_ERR_ARGS;
    return cat__feed(s, NULL, 0, tokens, n, logits);
}
CAT__API cat_result cat_session_feed_multi(cat_session *s, const int32_t *seq, const int32_t *tokens, size_t n, float *logits) {
    if (!s || (n && !seq)) return CAT_ERR_ARGS;
    return cat__feed(s, seq, 0, tokens, n, logits);
}

CAT__API const float *cat_session_logits(const cat_session *s) { return cat_session_seq_logits(s, 0); }
CAT__API const float *cat_session_seq_logits(const cat_session *s, int32_t seq) {
    return s && seq >= 0 && seq < s->n_seq && s->seqs[seq].has_logits ? s->seqs[seq].logits : NULL;
}
CAT__API int32_t cat_session_pos(const cat_session *s) { return s ? s->seqs[0].pos : 0; }
CAT__API int32_t cat_session_seq_pos(const cat_session *s, int32_t seq) {
    return s && seq >= 0 && seq < s->n_seq ? s->seqs[seq].pos : -1;
}
CAT__API int32_t cat_session_n_seq(const cat_session *s) { return s ? s->n_seq : 0; }
CAT__API int32_t cat_session_chunk(const cat_session *s) { return s ? s->c : 0; }
CAT__API int32_t cat_session_max_context(const cat_session *s) { return s ? s->max_ctx : 0; }
CAT__API size_t cat_session_memory(const cat_session *s) { return s ? s->arena_size + sizeof *s + cat__pool_bytes(s->pool) : 0; }
CAT__API const char *cat_session_kernels(const cat_session *s) { return s ? s->kern->name : NULL; }

CAT__API size_t cat_session_kv_bytes_at(const cat_session *s, int32_t pos) {
    return s ? cat__kv_entries(s->c, s->n_lead, pos) * cat__kv_entry_bytes(&s->cfg, s->kv_type) : 0;
}
CAT__API size_t cat_session_scratch_bytes(const cat_session *s) {
    size_t lists;
    if (!s) return 0;
    lists = (size_t)s->n_seq * 2 * (size_t)s->cfg.dec.n_layer * ((size_t)s->gcap + (size_t)(s->lcap ? s->lcap : 1)) * s->kv_entry;
    return cat_session_memory(s) - lists;
}
CAT__API cat_dtype cat_session_kv_type(const cat_session *s) { return s ? s->kv_type : CAT_DTYPE_F32; }
CAT__API size_t cat_session_kv_bytes(const cat_session *s) { return s ? cat_session_kv_bytes_at(s, s->seqs[0].pos) : 0; }

/* ---- session state: rewind, fork, save, restore --------------------------- */
CAT__API const int32_t *cat_session_seq_tokens(const cat_session *s, int32_t seq) {
    return s && seq >= 0 && seq < s->n_seq ? s->seqs[seq].toks : NULL;
}

/* live cache rows of a sequence holding pos tokens: global (dummy + completed chunks,
   or every token of a dense model) and local (separator + the current chunk's tokens
   but the last of a chunk, which never needs an entry) */
static void cat__live_rows(const cat_session *s, int32_t pos, int32_t *ng, int32_t *nl) {
    if (s->c) { *ng = 1 + pos / s->c; *nl = s->n_lead - 1 + pos % s->c; }
    else { *ng = pos; *nl = 0; }
}

/* feed n of the sequence's own tokens, from position `from` on, to sequence seq */
static cat_result cat__refeed(cat_session *s, int32_t seq, int32_t from, int32_t n) {
    cat__seq *q = &s->seqs[seq];
    q->pos = from;
    return n ? cat__feed(s, NULL, seq, q->toks + from, (size_t)n, NULL) : CAT_OK;
}

CAT__API cat_result cat_session_seq_truncate(cat_session *s, int32_t seq, int32_t n) {
    cat__seq *q;
    int32_t c, k, j, i;
    if (!s || seq < 0 || seq >= s->n_seq) return CAT_ERR_ARGS;
    q = &s->seqs[seq];
    if (n < 0 || n > q->pos) return CAT_ERR_ARGS;
    if (n == q->pos) return CAT_OK;
    c = s->c;
    if (!c) {   /* dense: every entry is a token's; the last kept one gives the logits */
        if (!n) { cat__seq_prime(s, seq); return CAT_OK; }
        return cat__refeed(s, seq, n - 1, 1);
    }
    k = n / c; j = n % c;
    if (k == q->pos / c && j > 0) return cat__refeed(s, seq, n - 1, 1);   /* inside the current chunk */
    /* Back to the start of chunk k. Its global entries 0..k (dummy and the chunks
       before it) are unchanged; the current-chunk list and the logits are rebuilt. */
    if (j > 0 && s->n_lead == 1) return cat__refeed(s, seq, k * c, j);   /* no separator: feed the chunk's kept tokens */
    if (k == 0) {   /* the dummy and the separator come from priming */
        cat__seq_prime(s, seq);
        return cat__refeed(s, seq, 0, j);
    }
    if (s->cfg.family == CAT_FAMILY_CAT_LAYER) {
        /* its compression needs chunk k-1's hidden states: feed that chunk again */
        cat_result r = cat__refeed(s, seq, (k - 1) * c, c);
        return r ? r : cat__refeed(s, seq, k * c, j);
    } else {
        /* feed chunk k-1's last token alone: it compresses the chunk (from its ids)
           and runs its fx slot (and separator), which give the logits at the boundary */
        cat_result r;
        for (i = 0; i < c - 1; i++) q->chunk_ids[i] = q->toks[(k - 1) * c + i];
        r = cat__refeed(s, seq, k * c - 1, 1);
        return r ? r : cat__refeed(s, seq, k * c, j);
    }
}

/* rows [0, n) of every layer's and head's list, from one sequence's cache to another's */
static void cat__copy_rows(const cat_session *s, uint8_t *dk, uint8_t *dv, const uint8_t *sk, const uint8_t *sv, int32_t cap, int32_t n) {
    const size_t rb = cat__kv_row_bytes(s->kv_type, s->dg.hd);
    int l, h;
    if (n <= 0) return;
    for (l = 0; l < s->cfg.dec.n_layer; l++) for (h = 0; h < s->dg.n_kv; h++) {
        const size_t off = ((size_t)l * s->dg.n_kv + (size_t)h) * (size_t)cap * rb;
        memcpy(dk + off, sk + off, (size_t)n * rb);
        memcpy(dv + off, sv + off, (size_t)n * rb);
    }
}

CAT__API cat_result cat_session_seq_copy(cat_session *s, int32_t src, int32_t dst) {
    const cat__seq *a;
    cat__seq *b;
    int32_t ng, nl;
    if (!s || src < 0 || src >= s->n_seq || dst < 0 || dst >= s->n_seq) return CAT_ERR_ARGS;
    if (src == dst) return CAT_OK;
    a = &s->seqs[src]; b = &s->seqs[dst];
    cat__live_rows(s, a->pos, &ng, &nl);
    cat__copy_rows(s, b->gk, b->gv, a->gk, a->gv, s->gcap, ng);
    cat__copy_rows(s, b->lk, b->lv, a->lk, a->lv, s->lcap, nl);
    memcpy(b->toks, a->toks, sizeof(int32_t) * (size_t)a->pos);
    if (s->c) memcpy(b->chunk_ids, a->chunk_ids, sizeof(int32_t) * (size_t)s->c);
    if (a->chunk_xn) memcpy(b->chunk_xn, a->chunk_xn, sizeof(float) * (size_t)s->cfg.dec.n_layer * s->c * s->cfg.dec.dim);
    memcpy(b->logits, a->logits, sizeof(float) * (size_t)s->cfg.padded_vocab);
    b->has_logits = a->has_logits;
    b->pos = a->pos;
    return CAT_OK;
}

/* The saved state, described once for the size, the writer and the reader:
     "CATSTATE", u32 version, u32 0x01020304 (byte order), u64 model fingerprint,
     i32 family, chunk, S, layers, kv heads, head dim + 65536 x KV-cache type (cat_dtype),
     padded vocab, pos, has_logits,
     then tokens [pos], logits [padded vocab] (if has_logits), the current chunk's
     ids [chunk], CAT layer: its normed inputs [layers][chunk][dim], then the live
     global rows and local rows of keys and values, layer by layer, head by head. */
#define CAT__STATE_MAGIC "CATSTATE"
#define CAT__STATE_HDR (8 + 4 + 4 + 8 + 9 * 4)

static uint64_t cat__fnv(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001B3ull; }
    return h;
}
/* the tensor directory and the first and last bytes of every tensor */
static uint64_t cat__model_fingerprint(const cat_model *m) {
    uint64_t h = 0xCBF29CE484222325ull;
    uint32_t i;
    for (i = 0; i < m->n_dir; i++) {
        const cat__dirent *e = &m->dir[i];
        const uint64_t n = e->nbytes < 64 ? e->nbytes : 64;
        h = cat__fnv(h, e->name, strlen(e->name));
        h = cat__fnv(h, &e->dtype, sizeof e->dtype);
        h = cat__fnv(h, e->dims, sizeof e->dims);
        h = cat__fnv(h, &e->nbytes, sizeof e->nbytes);
        h = cat__fnv(h, m->base + e->offset, (size_t)n);
        h = cat__fnv(h, m->base + e->offset + e->nbytes - n, (size_t)n);
    }
    return h;
}

static size_t cat__state_bytes(const cat_session *s, int32_t pos, int32_t has_logits) {
    int32_t ng, nl;
    size_t n = CAT__STATE_HDR + 4 * (size_t)pos + (has_logits ? 4 * (size_t)s->cfg.padded_vocab : 0) + 4 * (size_t)s->c;
    cat__live_rows(s, pos, &ng, &nl);
    if (s->cfg.family == CAT_FAMILY_CAT_LAYER) n += 4 * (size_t)s->cfg.dec.n_layer * s->c * s->cfg.dec.dim;
    n += 2 * (size_t)s->cfg.dec.n_layer * s->dg.n_kv * (size_t)(ng + nl) * cat__kv_row_bytes(s->kv_type, s->dg.hd);
    return n;
}

CAT__API size_t cat_session_seq_state_size(const cat_session *s, int32_t seq) {
    if (!s || seq < 0 || seq >= s->n_seq) return 0;
    return cat__state_bytes(s, s->seqs[seq].pos, s->seqs[seq].has_logits);
}

/* the state's header fields after the fingerprint */
static void cat__state_fields(const cat_session *s, int32_t pos, int32_t has_logits, int32_t f[9]) {
    f[0] = (int32_t)s->cfg.family; f[1] = s->c; f[2] = s->n_lead; f[3] = s->cfg.dec.n_layer; f[4] = s->dg.n_kv;
    f[5] = s->dg.hd + 65536 * (int32_t)s->kv_type; f[6] = s->cfg.padded_vocab; f[7] = pos; f[8] = has_logits;
}

/* copy a sequence's live rows to or from a byte stream */
static uint8_t *cat__rows_io(const cat_session *s, uint8_t *k, uint8_t *v, int32_t cap, int32_t n, uint8_t *p, int out) {
    const size_t rb = cat__kv_row_bytes(s->kv_type, s->dg.hd), bytes = (size_t)n * rb;
    int l, h, kv;
    for (kv = 0; kv < 2; kv++) for (l = 0; l < s->cfg.dec.n_layer; l++) for (h = 0; h < s->dg.n_kv; h++) {
        uint8_t *rows = (kv ? v : k) + ((size_t)l * s->dg.n_kv + (size_t)h) * (size_t)cap * rb;
        if (out) memcpy(p, rows, bytes); else memcpy(rows, p, bytes);
        p += bytes;
    }
    return p;
}

CAT__API cat_result cat_session_seq_state_save(const cat_session *s, int32_t seq, void *buf, size_t cap, size_t *written) {
    const cat__seq *q;
    uint8_t *p = (uint8_t *)buf;
    uint32_t u;
    uint64_t fp;
    int32_t f[9], ng, nl;
    size_t need;
    if (written) *written = 0;
    if (!s || seq < 0 || seq >= s->n_seq || (!buf && cap)) return CAT_ERR_ARGS;
    q = &s->seqs[seq];
    need = cat__state_bytes(s, q->pos, q->has_logits);
    if (written) *written = need;
    if (cap < need) return CAT_ERR_BUFFER;
    memcpy(p, CAT__STATE_MAGIC, 8); p += 8;
    u = 1; memcpy(p, &u, 4); p += 4;
    u = 0x01020304u; memcpy(p, &u, 4); p += 4;
    fp = cat__model_fingerprint(s->m); memcpy(p, &fp, 8); p += 8;
    cat__state_fields(s, q->pos, q->has_logits, f); memcpy(p, f, sizeof f); p += sizeof f;
    memcpy(p, q->toks, 4 * (size_t)q->pos); p += 4 * (size_t)q->pos;
    if (q->has_logits) { memcpy(p, q->logits, 4 * (size_t)s->cfg.padded_vocab); p += 4 * (size_t)s->cfg.padded_vocab; }
    if (s->c) { memcpy(p, q->chunk_ids, 4 * (size_t)s->c); p += 4 * (size_t)s->c; }
    if (s->cfg.family == CAT_FAMILY_CAT_LAYER) {
        const size_t b = 4 * (size_t)s->cfg.dec.n_layer * s->c * s->cfg.dec.dim;
        memcpy(p, q->chunk_xn, b); p += b;
    }
    cat__live_rows(s, q->pos, &ng, &nl);
    p = cat__rows_io(s, q->gk, q->gv, s->gcap, ng, p, 1);
    p = cat__rows_io(s, q->lk, q->lv, s->lcap, nl, p, 1);
    return (size_t)(p - (uint8_t *)buf) == need ? CAT_OK : CAT_ERR_ARGS;
}

CAT__API cat_result cat_session_seq_state_load(cat_session *s, int32_t seq, const void *buf, size_t len) {
    const uint8_t *p = (const uint8_t *)buf;
    cat__seq *q;
    uint32_t ver, bom;
    uint64_t fp;
    int32_t f[9], want[9], ng, nl, i;
    if (!s || seq < 0 || seq >= s->n_seq || (!buf && len)) return CAT_ERR_ARGS;
    if (len < CAT__STATE_HDR || memcmp(p, CAT__STATE_MAGIC, 8)) return CAT_ERR_FORMAT;
    memcpy(&ver, p + 8, 4); memcpy(&bom, p + 12, 4); memcpy(&fp, p + 16, 8); memcpy(f, p + 24, sizeof f);
    if (ver != 1 || bom != 0x01020304u) return CAT_ERR_FORMAT;
    cat__state_fields(s, f[7], f[8], want);
    if (fp != cat__model_fingerprint(s->m) || memcmp(f, want, 7 * sizeof(int32_t))) return CAT_ERR_STATE;
    if (f[7] < 0 || (f[8] != 0 && f[8] != 1)) return CAT_ERR_FORMAT;
    if (f[7] > s->max_ctx) return CAT_ERR_CONTEXT;
    if (len != cat__state_bytes(s, f[7], f[8])) return CAT_ERR_FORMAT;
    p += CAT__STATE_HDR;
    for (i = 0; i < f[7] + (s->c ? s->c : 0); i++) {   /* tokens and the chunk's ids: in range */
        int32_t t;
        memcpy(&t, p + 4 * (size_t)i + (i >= f[7] && f[8] ? 4 * (size_t)s->cfg.padded_vocab : 0), 4);
        if (t < 0 || t >= s->cfg.padded_vocab) return CAT_ERR_FORMAT;
    }
    /* valid: now overwrite the sequence */
    q = &s->seqs[seq];
    memcpy(q->toks, p, 4 * (size_t)f[7]); p += 4 * (size_t)f[7];
    if (f[8]) { memcpy(q->logits, p, 4 * (size_t)s->cfg.padded_vocab); p += 4 * (size_t)s->cfg.padded_vocab; }
    if (s->c) { memcpy(q->chunk_ids, p, 4 * (size_t)s->c); p += 4 * (size_t)s->c; }
    if (s->cfg.family == CAT_FAMILY_CAT_LAYER) {
        const size_t b = 4 * (size_t)s->cfg.dec.n_layer * s->c * s->cfg.dec.dim;
        memcpy(q->chunk_xn, p, b); p += b;
    }
    cat__live_rows(s, f[7], &ng, &nl);
    p = cat__rows_io(s, q->gk, q->gv, s->gcap, ng, (uint8_t *)(uintptr_t)p, 0);
    cat__rows_io(s, q->lk, q->lv, s->lcap, nl, (uint8_t *)(uintptr_t)p, 0);
    q->pos = f[7];
    q->has_logits = f[8];
    return CAT_OK;
}

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

/* ----------------------------------------------------------------------------
   9 SAMPLING: a seeded RNG, argmax, and the sampler (temperature, top-k, top-p). */
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

CAT__API cat_result cat_sampler_init(cat_sampler *s, const cat_sampler_params *p, int32_t vocab_size) {
    int32_t last_n;
    if (!s || !p || vocab_size <= 0) return CAT_ERR_ARGS;
    if (!(p->temperature >= 0.0f) || p->top_k < 0 || !(p->top_p >= 0.0f && p->top_p <= 1.0f)) return CAT_ERR_ARGS;
    if (!(p->min_p >= 0.0f && p->min_p <= 1.0f) || !(p->repeat_penalty >= 0.0f && p->repeat_penalty <= 1e30f)) return CAT_ERR_ARGS;
    if (!(p->frequency_penalty >= -1e30f && p->frequency_penalty <= 1e30f) || !(p->presence_penalty >= -1e30f && p->presence_penalty <= 1e30f)) return CAT_ERR_ARGS;
    if (p->repeat_last_n < 0 || p->repeat_last_n > CAT__MAX_CTX) return CAT_ERR_ARGS;
    memset(s, 0, sizeof *s);
    s->p = *p;
    s->vocab = vocab_size;
    cat_rng_seed(&s->rng, p->seed);
    s->prob = (float *)CAT_MALLOC(sizeof(float) * (size_t)vocab_size);
    s->idx = (int32_t *)CAT_MALLOC(sizeof(int32_t) * (size_t)vocab_size);
    if (!s->prob || !s->idx) { cat_sampler_free(s); return CAT_ERR_NOMEM; }
    if ((p->repeat_penalty != 0.0f && p->repeat_penalty != 1.0f) || p->frequency_penalty != 0.0f || p->presence_penalty != 0.0f) {
        last_n = p->repeat_last_n ? p->repeat_last_n : 64;
        s->p.repeat_last_n = last_n;
        s->recent = (int32_t *)CAT_MALLOC(sizeof(int32_t) * (size_t)last_n);
        if (!s->recent) { cat_sampler_free(s); return CAT_ERR_NOMEM; }
    }
    return CAT_OK;
}

CAT__API void cat_sampler_free(cat_sampler *s) {
    if (!s) return;
    CAT_FREE(s->prob); CAT_FREE(s->idx); CAT_FREE(s->recent);
    s->prob = NULL; s->idx = NULL; s->recent = NULL;
}

CAT__API void cat_sampler_accept(cat_sampler *s, int32_t token) {
    if (!s || !s->recent || token < 0 || token >= s->vocab) return;
    s->recent[s->recent_next] = token;
    s->recent_next = (s->recent_next + 1) % s->p.repeat_last_n;
    if (s->n_recent < s->p.repeat_last_n) s->n_recent++;
}

/* descending probability, ties by id: a total order, so results are reproducible */
static int cat__cmp_prob(const float *prob, int32_t a, int32_t b) {
    if (prob[a] != prob[b]) return prob[a] > prob[b] ? -1 : 1;
    return a < b ? -1 : (a > b);
}
static void cat__sort_idx(const float *prob, int32_t *idx, int32_t n) {
    /* heap sort (no recursion, no qsort context pointer needed) */
    int32_t i, end, root, child, t;
    for (i = n / 2 - 1; i >= 0; i--) {
        for (root = i; (child = 2 * root + 1) < n; root = child) {
            if (child + 1 < n && cat__cmp_prob(prob, idx[child], idx[child + 1]) < 0) child++;
            if (cat__cmp_prob(prob, idx[root], idx[child]) >= 0) break;
            t = idx[root]; idx[root] = idx[child]; idx[child] = t;
        }
    }
    for (end = n - 1; end > 0; end--) {
        t = idx[0]; idx[0] = idx[end]; idx[end] = t;
        for (root = 0; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && cat__cmp_prob(prob, idx[child], idx[child + 1]) < 0) child++;
            if (cat__cmp_prob(prob, idx[root], idx[child]) >= 0) break;
            t = idx[root]; idx[root] = idx[child]; idx[child] = t;
        }
    }
    /* the heap's root is the element that comes last in cmp order; taking it off to the end
       each round leaves idx in cmp order: most probable first */
}

/* The logits sampling works on: the caller's, or the penalized copy in prob. */
static const float *cat__sampler_logits(cat_sampler *s, const float *logits) {
    int32_t i, t, c;
    const float pen = s->p.repeat_penalty != 0.0f ? s->p.repeat_penalty : 1.0f;
    if (!s->recent || !s->n_recent) return logits;
    memcpy(s->prob, logits, sizeof(float) * (size_t)s->vocab);
    /* idx counts each token's occurrences; each distinct token is penalized once */
    for (i = 0; i < s->n_recent; i++) s->idx[s->recent[i]] = 0;
    for (i = 0; i < s->n_recent; i++) s->idx[s->recent[i]]++;
    for (i = 0; i < s->n_recent; i++) {
        t = s->recent[i];
        if (!(c = s->idx[t])) continue;
        s->idx[t] = 0;
        if (pen != 1.0f) s->prob[t] = s->prob[t] > 0.0f ? s->prob[t] / pen : s->prob[t] * pen;
        if (s->p.frequency_penalty != 0.0f || s->p.presence_penalty != 0.0f)
            s->prob[t] -= (float)c * s->p.frequency_penalty + s->p.presence_penalty;
    }
    return s->prob;
}

/* Fills prob with softmax(logits / T) and returns the candidates' count n; *sorted
   says whether idx[0..n) lists them, most likely first (otherwise n == vocab: every
   token). Temperature 0: returns 0 with the greedy choice in idx[0]. */
static int32_t cat__sampler_dist(cat_sampler *s, const float *logits, int *sorted) {
    const int32_t V = s->vocab;
    int32_t i, n = V;
    float mx, sum = 0.0f;
    const float *l = cat__sampler_logits(s, logits);
    *sorted = 0;
    if (s->p.temperature <= 0.0f) { s->idx[0] = cat_argmax(l, V); return 0; }
    mx = l[cat_argmax(l, V)];
    for (i = 0; i < V; i++) { s->prob[i] = expf((l[i] - mx) / s->p.temperature); sum += s->prob[i]; }
    for (i = 0; i < V; i++) s->prob[i] /= sum;
    if (s->p.top_k > 0 || (s->p.top_p > 0.0f && s->p.top_p < 1.0f) || s->p.min_p > 0.0f) {
        /* candidates, most likely first */
        for (i = 0; i < V; i++) s->idx[i] = i;
        cat__sort_idx(s->prob, s->idx, V);
        *sorted = 1;
        if (s->p.top_k > 0 && s->p.top_k < n) n = s->p.top_k;
        if (s->p.top_p > 0.0f && s->p.top_p < 1.0f) {
            float c = 0.0f;
            for (i = 0; i < n; i++) { c += s->prob[s->idx[i]]; if (c >= s->p.top_p) { n = i + 1; break; } }
        }
        if (s->p.min_p > 0.0f) {
            const float cut = s->p.min_p * s->prob[s->idx[0]];
            for (i = 1; i < n; i++) if (s->prob[s->idx[i]] < cut) { n = i; break; }
        }
    }
    return n;
}

static int32_t cat__sample(cat_sampler *s, const float *logits) {
    const int32_t V = s->vocab;
    int32_t i, n, t = -1;
    int sorted;
    float sum, r, acc = 0.0f;
    n = cat__sampler_dist(s, logits, &sorted);
    if (n == 0) t = s->idx[0];
    else if (sorted) {
        sum = 0.0f;
        for (i = 0; i < n; i++) sum += s->prob[s->idx[i]];
        r = cat_rng_float(&s->rng) * sum;
        for (i = 0; i < n && t < 0; i++) { acc += s->prob[s->idx[i]]; if (r < acc) t = s->idx[i]; }
        if (t < 0) t = s->idx[n - 1];
    } else {
        r = cat_rng_float(&s->rng);
        for (i = 0; i < V && t < 0; i++) { acc += s->prob[i]; if (r < acc) t = i; }
        if (t < 0) t = cat_argmax(cat__sampler_logits(s, logits), V);
    }
    cat_sampler_accept(s, t);
    return t;
}

/* Are the first n logits unusable: any NaN or +Inf, or all -Inf? (-Inf alone is a
   mask: that token is never drawn) */
static int cat__nonfinite(const float *logits, int32_t n) {
    int32_t i, masked = 0;
    for (i = 0; i < n; i++) {
        const float x = logits[i];
        if (x != x || x > FLT_MAX) return 1;
        masked += x < -FLT_MAX;
    }
    return masked == n;
}

CAT__API cat_result cat_sampler_sample(cat_sampler *s, const float *logits, int32_t *token) {
    if (token) *token = -1;
    if (!s || !logits || !token || !s->prob) return CAT_ERR_ARGS;
    if (cat__nonfinite(logits, s->vocab)) return CAT_ERR_NONFINITE;
    *token = cat__sample(s, logits);
    return CAT_OK;
}

CAT__API cat_result cat_sampler_probs(cat_sampler *s, const float *logits, float *probs) {
    const int32_t V = s ? s->vocab : 0;
    int32_t i, n;
    int sorted;
    float sum = 0.0f;
    if (!s || !logits || !probs) return CAT_ERR_ARGS;
    if (cat__nonfinite(logits, V)) return CAT_ERR_NONFINITE;
    n = cat__sampler_dist(s, logits, &sorted);
    if (n > 0 && !sorted) { memcpy(probs, s->prob, sizeof(float) * (size_t)V); return CAT_OK; }
    memset(probs, 0, sizeof(float) * (size_t)V);
    if (n == 0) { probs[s->idx[0]] = 1.0f; return CAT_OK; }
    for (i = 0; i < n; i++) sum += s->prob[s->idx[i]];
    for (i = 0; i < n; i++) probs[s->idx[i]] = s->prob[s->idx[i]] / sum;
    return CAT_OK;
}

#ifndef CAT_NO_TOKENIZER
/* ----------------------------------------------------------------------------
   10 TOKENIZER: GPT-2 byte-level BPE: Unicode classes, the byte map, merges,
   create, encode and decode (left out by CAT_NO_TOKENIZER). */
/* ---- tokenizer: implementation (begin) ---- */

/* ------------------------------------------------------------------------ */
/* Unicode tables (Unicode 15.0.0, Debian unicode-data 15.0.0-1)            */
/* ------------------------------------------------------------------------ */

/* Generated by tools/gen_unicode.c from the Unicode Character Database
   (UnicodeData.txt, PropList.txt). Sorted, disjoint, inclusive ranges. Do not edit. */
/* \p{L} = Lu Ll Lt Lm Lo: 659 ranges */
static const uint32_t cat__uni_letter[659][2] = {
    {0x41,0x5A}, {0x61,0x7A}, {0xAA,0xAA}, {0xB5,0xB5}, {0xBA,0xBA}, {0xC0,0xD6},
    {0xD8,0xF6}, {0xF8,0x2C1}, {0x2C6,0x2D1}, {0x2E0,0x2E4}, {0x2EC,0x2EC}, {0x2EE,0x2EE},
    {0x370,0x374}, {0x376,0x377}, {0x37A,0x37D}, {0x37F,0x37F}, {0x386,0x386}, {0x388,0x38A},
    {0x38C,0x38C}, {0x38E,0x3A1}, {0x3A3,0x3F5}, {0x3F7,0x481}, {0x48A,0x52F}, {0x531,0x556},
    {0x559,0x559}, {0x560,0x588}, {0x5D0,0x5EA}, {0x5EF,0x5F2}, {0x620,0x64A}, {0x66E,0x66F},
    {0x671,0x6D3}, {0x6D5,0x6D5}, {0x6E5,0x6E6}, {0x6EE,0x6EF}, {0x6FA,0x6FC}, {0x6FF,0x6FF},
    {0x710,0x710}, {0x712,0x72F}, {0x74D,0x7A5}, {0x7B1,0x7B1}, {0x7CA,0x7EA}, {0x7F4,0x7F5},
    {0x7FA,0x7FA}, {0x800,0x815}, {0x81A,0x81A}, {0x824,0x824}, {0x828,0x828}, {0x840,0x858},
    {0x860,0x86A}, {0x870,0x887}, {0x889,0x88E}, {0x8A0,0x8C9}, {0x904,0x939}, {0x93D,0x93D},
    {0x950,0x950}, {0x958,0x961}, {0x971,0x980}, {0x985,0x98C}, {0x98F,0x990}, {0x993,0x9A8},
    {0x9AA,0x9B0}, {0x9B2,0x9B2}, {0x9B6,0x9B9}, {0x9BD,0x9BD}, {0x9CE,0x9CE}, {0x9DC,0x9DD},
    {0x9DF,0x9E1}, {0x9F0,0x9F1}, {0x9FC,0x9FC}, {0xA05,0xA0A}, {0xA0F,0xA10}, {0xA13,0xA28},
    {0xA2A,0xA30}, {0xA32,0xA33}, {0xA35,0xA36}, {0xA38,0xA39}, {0xA59,0xA5C}, {0xA5E,0xA5E},
    {0xA72,0xA74}, {0xA85,0xA8D}, {0xA8F,0xA91}, {0xA93,0xAA8}, {0xAAA,0xAB0}, {0xAB2,0xAB3},
    {0xAB5,0xAB9}, {0xABD,0xABD}, {0xAD0,0xAD0}, {0xAE0,0xAE1}, {0xAF9,0xAF9}, {0xB05,0xB0C},
    {0xB0F,0xB10}, {0xB13,0xB28}, {0xB2A,0xB30}, {0xB32,0xB33}, {0xB35,0xB39}, {0xB3D,0xB3D},
    {0xB5C,0xB5D}, {0xB5F,0xB61}, {0xB71,0xB71}, {0xB83,0xB83}, {0xB85,0xB8A}, {0xB8E,0xB90},
    {0xB92,0xB95}, {0xB99,0xB9A}, {0xB9C,0xB9C}, {0xB9E,0xB9F}, {0xBA3,0xBA4}, {0xBA8,0xBAA},
    {0xBAE,0xBB9}, {0xBD0,0xBD0}, {0xC05,0xC0C}, {0xC0E,0xC10}, {0xC12,0xC28}, {0xC2A,0xC39},
    {0xC3D,0xC3D}, {0xC58,0xC5A}, {0xC5D,0xC5D}, {0xC60,0xC61}, {0xC80,0xC80}, {0xC85,0xC8C},
    {0xC8E,0xC90}, {0xC92,0xCA8}, {0xCAA,0xCB3}, {0xCB5,0xCB9}, {0xCBD,0xCBD}, {0xCDD,0xCDE},
    {0xCE0,0xCE1}, {0xCF1,0xCF2}, {0xD04,0xD0C}, {0xD0E,0xD10}, {0xD12,0xD3A}, {0xD3D,0xD3D},
    {0xD4E,0xD4E}, {0xD54,0xD56}, {0xD5F,0xD61}, {0xD7A,0xD7F}, {0xD85,0xD96}, {0xD9A,0xDB1},
    {0xDB3,0xDBB}, {0xDBD,0xDBD}, {0xDC0,0xDC6}, {0xE01,0xE30}, {0xE32,0xE33}, {0xE40,0xE46},
    {0xE81,0xE82}, {0xE84,0xE84}, {0xE86,0xE8A}, {0xE8C,0xEA3}, {0xEA5,0xEA5}, {0xEA7,0xEB0},
    {0xEB2,0xEB3}, {0xEBD,0xEBD}, {0xEC0,0xEC4}, {0xEC6,0xEC6}, {0xEDC,0xEDF}, {0xF00,0xF00},
    {0xF40,0xF47}, {0xF49,0xF6C}, {0xF88,0xF8C}, {0x1000,0x102A}, {0x103F,0x103F}, {0x1050,0x1055},
    {0x105A,0x105D}, {0x1061,0x1061}, {0x1065,0x1066}, {0x106E,0x1070}, {0x1075,0x1081}, {0x108E,0x108E},
    {0x10A0,0x10C5}, {0x10C7,0x10C7}, {0x10CD,0x10CD}, {0x10D0,0x10FA}, {0x10FC,0x1248}, {0x124A,0x124D},
    {0x1250,0x1256}, {0x1258,0x1258}, {0x125A,0x125D}, {0x1260,0x1288}, {0x128A,0x128D}, {0x1290,0x12B0},
    {0x12B2,0x12B5}, {0x12B8,0x12BE}, {0x12C0,0x12C0}, {0x12C2,0x12C5}, {0x12C8,0x12D6}, {0x12D8,0x1310},
    {0x1312,0x1315}, {0x1318,0x135A}, {0x1380,0x138F}, {0x13A0,0x13F5}, {0x13F8,0x13FD}, {0x1401,0x166C},
    {0x166F,0x167F}, {0x1681,0x169A}, {0x16A0,0x16EA}, {0x16F1,0x16F8}, {0x1700,0x1711}, {0x171F,0x1731},
    {0x1740,0x1751}, {0x1760,0x176C}, {0x176E,0x1770}, {0x1780,0x17B3}, {0x17D7,0x17D7}, {0x17DC,0x17DC},
    {0x1820,0x1878}, {0x1880,0x1884}, {0x1887,0x18A8}, {0x18AA,0x18AA}, {0x18B0,0x18F5}, {0x1900,0x191E},
    {0x1950,0x196D}, {0x1970,0x1974}, {0x1980,0x19AB}, {0x19B0,0x19C9}, {0x1A00,0x1A16}, {0x1A20,0x1A54},
    {0x1AA7,0x1AA7}, {0x1B05,0x1B33}, {0x1B45,0x1B4C}, {0x1B83,0x1BA0}, {0x1BAE,0x1BAF}, {0x1BBA,0x1BE5},
    {0x1C00,0x1C23}, {0x1C4D,0x1C4F}, {0x1C5A,0x1C7D}, {0x1C80,0x1C88}, {0x1C90,0x1CBA}, {0x1CBD,0x1CBF},
    {0x1CE9,0x1CEC}, {0x1CEE,0x1CF3}, {0x1CF5,0x1CF6}, {0x1CFA,0x1CFA}, {0x1D00,0x1DBF}, {0x1E00,0x1F15},
    {0x1F18,0x1F1D}, {0x1F20,0x1F45}, {0x1F48,0x1F4D}, {0x1F50,0x1F57}, {0x1F59,0x1F59}, {0x1F5B,0x1F5B},
    {0x1F5D,0x1F5D}, {0x1F5F,0x1F7D}, {0x1F80,0x1FB4}, {0x1FB6,0x1FBC}, {0x1FBE,0x1FBE}, {0x1FC2,0x1FC4},
    {0x1FC6,0x1FCC}, {0x1FD0,0x1FD3}, {0x1FD6,0x1FDB}, {0x1FE0,0x1FEC}, {0x1FF2,0x1FF4}, {0x1FF6,0x1FFC},
    {0x2071,0x2071}, {0x207F,0x207F}, {0x2090,0x209C}, {0x2102,0x2102}, {0x2107,0x2107}, {0x210A,0x2113},
    {0x2115,0x2115}, {0x2119,0x211D}, {0x2124,0x2124}, {0x2126,0x2126}, {0x2128,0x2128}, {0x212A,0x212D},
    {0x212F,0x2139}, {0x213C,0x213F}, {0x2145,0x2149}, {0x214E,0x214E}, {0x2183,0x2184}, {0x2C00,0x2CE4},
    {0x2CEB,0x2CEE}, {0x2CF2,0x2CF3}, {0x2D00,0x2D25}, {0x2D27,0x2D27}, {0x2D2D,0x2D2D}, {0x2D30,0x2D67},
    {0x2D6F,0x2D6F}, {0x2D80,0x2D96}, {0x2DA0,0x2DA6}, {0x2DA8,0x2DAE}, {0x2DB0,0x2DB6}, {0x2DB8,0x2DBE},
    {0x2DC0,0x2DC6}, {0x2DC8,0x2DCE}, {0x2DD0,0x2DD6}, {0x2DD8,0x2DDE}, {0x2E2F,0x2E2F}, {0x3005,0x3006},
    {0x3031,0x3035}, {0x303B,0x303C}, {0x3041,0x3096}, {0x309D,0x309F}, {0x30A1,0x30FA}, {0x30FC,0x30FF},
    {0x3105,0x312F}, {0x3131,0x318E}, {0x31A0,0x31BF}, {0x31F0,0x31FF}, {0x3400,0x4DBF}, {0x4E00,0xA48C},
    {0xA4D0,0xA4FD}, {0xA500,0xA60C}, {0xA610,0xA61F}, {0xA62A,0xA62B}, {0xA640,0xA66E}, {0xA67F,0xA69D},
    {0xA6A0,0xA6E5}, {0xA717,0xA71F}, {0xA722,0xA788}, {0xA78B,0xA7CA}, {0xA7D0,0xA7D1}, {0xA7D3,0xA7D3},
    {0xA7D5,0xA7D9}, {0xA7F2,0xA801}, {0xA803,0xA805}, {0xA807,0xA80A}, {0xA80C,0xA822}, {0xA840,0xA873},
    {0xA882,0xA8B3}, {0xA8F2,0xA8F7}, {0xA8FB,0xA8FB}, {0xA8FD,0xA8FE}, {0xA90A,0xA925}, {0xA930,0xA946},
    {0xA960,0xA97C}, {0xA984,0xA9B2}, {0xA9CF,0xA9CF}, {0xA9E0,0xA9E4}, {0xA9E6,0xA9EF}, {0xA9FA,0xA9FE},
    {0xAA00,0xAA28}, {0xAA40,0xAA42}, {0xAA44,0xAA4B}, {0xAA60,0xAA76}, {0xAA7A,0xAA7A}, {0xAA7E,0xAAAF},
    {0xAAB1,0xAAB1}, {0xAAB5,0xAAB6}, {0xAAB9,0xAABD}, {0xAAC0,0xAAC0}, {0xAAC2,0xAAC2}, {0xAADB,0xAADD},
    {0xAAE0,0xAAEA}, {0xAAF2,0xAAF4}, {0xAB01,0xAB06}, {0xAB09,0xAB0E}, {0xAB11,0xAB16}, {0xAB20,0xAB26},
    {0xAB28,0xAB2E}, {0xAB30,0xAB5A}, {0xAB5C,0xAB69}, {0xAB70,0xABE2}, {0xAC00,0xD7A3}, {0xD7B0,0xD7C6},
    {0xD7CB,0xD7FB}, {0xF900,0xFA6D}, {0xFA70,0xFAD9}, {0xFB00,0xFB06}, {0xFB13,0xFB17}, {0xFB1D,0xFB1D},
    {0xFB1F,0xFB28}, {0xFB2A,0xFB36}, {0xFB38,0xFB3C}, {0xFB3E,0xFB3E}, {0xFB40,0xFB41}, {0xFB43,0xFB44},
    {0xFB46,0xFBB1}, {0xFBD3,0xFD3D}, {0xFD50,0xFD8F}, {0xFD92,0xFDC7}, {0xFDF0,0xFDFB}, {0xFE70,0xFE74},
    {0xFE76,0xFEFC}, {0xFF21,0xFF3A}, {0xFF41,0xFF5A}, {0xFF66,0xFFBE}, {0xFFC2,0xFFC7}, {0xFFCA,0xFFCF},
    {0xFFD2,0xFFD7}, {0xFFDA,0xFFDC}, {0x10000,0x1000B}, {0x1000D,0x10026}, {0x10028,0x1003A}, {0x1003C,0x1003D},
    {0x1003F,0x1004D}, {0x10050,0x1005D}, {0x10080,0x100FA}, {0x10280,0x1029C}, {0x102A0,0x102D0}, {0x10300,0x1031F},
    {0x1032D,0x10340}, {0x10342,0x10349}, {0x10350,0x10375}, {0x10380,0x1039D}, {0x103A0,0x103C3}, {0x103C8,0x103CF},
    {0x10400,0x1049D}, {0x104B0,0x104D3}, {0x104D8,0x104FB}, {0x10500,0x10527}, {0x10530,0x10563}, {0x10570,0x1057A},
    {0x1057C,0x1058A}, {0x1058C,0x10592}, {0x10594,0x10595}, {0x10597,0x105A1}, {0x105A3,0x105B1}, {0x105B3,0x105B9},
    {0x105BB,0x105BC}, {0x10600,0x10736}, {0x10740,0x10755}, {0x10760,0x10767}, {0x10780,0x10785}, {0x10787,0x107B0},
    {0x107B2,0x107BA}, {0x10800,0x10805}, {0x10808,0x10808}, {0x1080A,0x10835}, {0x10837,0x10838}, {0x1083C,0x1083C},
    {0x1083F,0x10855}, {0x10860,0x10876}, {0x10880,0x1089E}, {0x108E0,0x108F2}, {0x108F4,0x108F5}, {0x10900,0x10915},
    {0x10920,0x10939}, {0x10980,0x109B7}, {0x109BE,0x109BF}, {0x10A00,0x10A00}, {0x10A10,0x10A13}, {0x10A15,0x10A17},
    {0x10A19,0x10A35}, {0x10A60,0x10A7C}, {0x10A80,0x10A9C}, {0x10AC0,0x10AC7}, {0x10AC9,0x10AE4}, {0x10B00,0x10B35},
    {0x10B40,0x10B55}, {0x10B60,0x10B72}, {0x10B80,0x10B91}, {0x10C00,0x10C48}, {0x10C80,0x10CB2}, {0x10CC0,0x10CF2},
    {0x10D00,0x10D23}, {0x10E80,0x10EA9}, {0x10EB0,0x10EB1}, {0x10F00,0x10F1C}, {0x10F27,0x10F27}, {0x10F30,0x10F45},
    {0x10F70,0x10F81}, {0x10FB0,0x10FC4}, {0x10FE0,0x10FF6}, {0x11003,0x11037}, {0x11071,0x11072}, {0x11075,0x11075},
    {0x11083,0x110AF}, {0x110D0,0x110E8}, {0x11103,0x11126}, {0x11144,0x11144}, {0x11147,0x11147}, {0x11150,0x11172},
    {0x11176,0x11176}, {0x11183,0x111B2}, {0x111C1,0x111C4}, {0x111DA,0x111DA}, {0x111DC,0x111DC}, {0x11200,0x11211},
    {0x11213,0x1122B}, {0x1123F,0x11240}, {0x11280,0x11286}, {0x11288,0x11288}, {0x1128A,0x1128D}, {0x1128F,0x1129D},
    {0x1129F,0x112A8}, {0x112B0,0x112DE}, {0x11305,0x1130C}, {0x1130F,0x11310}, {0x11313,0x11328}, {0x1132A,0x11330},
    {0x11332,0x11333}, {0x11335,0x11339}, {0x1133D,0x1133D}, {0x11350,0x11350}, {0x1135D,0x11361}, {0x11400,0x11434},
    {0x11447,0x1144A}, {0x1145F,0x11461}, {0x11480,0x114AF}, {0x114C4,0x114C5}, {0x114C7,0x114C7}, {0x11580,0x115AE},
    {0x115D8,0x115DB}, {0x11600,0x1162F}, {0x11644,0x11644}, {0x11680,0x116AA}, {0x116B8,0x116B8}, {0x11700,0x1171A},
    {0x11740,0x11746}, {0x11800,0x1182B}, {0x118A0,0x118DF}, {0x118FF,0x11906}, {0x11909,0x11909}, {0x1190C,0x11913},
    {0x11915,0x11916}, {0x11918,0x1192F}, {0x1193F,0x1193F}, {0x11941,0x11941}, {0x119A0,0x119A7}, {0x119AA,0x119D0},
    {0x119E1,0x119E1}, {0x119E3,0x119E3}, {0x11A00,0x11A00}, {0x11A0B,0x11A32}, {0x11A3A,0x11A3A}, {0x11A50,0x11A50},
    {0x11A5C,0x11A89}, {0x11A9D,0x11A9D}, {0x11AB0,0x11AF8}, {0x11C00,0x11C08}, {0x11C0A,0x11C2E}, {0x11C40,0x11C40},
    {0x11C72,0x11C8F}, {0x11D00,0x11D06}, {0x11D08,0x11D09}, {0x11D0B,0x11D30}, {0x11D46,0x11D46}, {0x11D60,0x11D65},
    {0x11D67,0x11D68}, {0x11D6A,0x11D89}, {0x11D98,0x11D98}, {0x11EE0,0x11EF2}, {0x11F02,0x11F02}, {0x11F04,0x11F10},
    {0x11F12,0x11F33}, {0x11FB0,0x11FB0}, {0x12000,0x12399}, {0x12480,0x12543}, {0x12F90,0x12FF0}, {0x13000,0x1342F},
    {0x13441,0x13446}, {0x14400,0x14646}, {0x16800,0x16A38}, {0x16A40,0x16A5E}, {0x16A70,0x16ABE}, {0x16AD0,0x16AED},
    {0x16B00,0x16B2F}, {0x16B40,0x16B43}, {0x16B63,0x16B77}, {0x16B7D,0x16B8F}, {0x16E40,0x16E7F}, {0x16F00,0x16F4A},
    {0x16F50,0x16F50}, {0x16F93,0x16F9F}, {0x16FE0,0x16FE1}, {0x16FE3,0x16FE3}, {0x17000,0x187F7}, {0x18800,0x18CD5},
    {0x18D00,0x18D08}, {0x1AFF0,0x1AFF3}, {0x1AFF5,0x1AFFB}, {0x1AFFD,0x1AFFE}, {0x1B000,0x1B122}, {0x1B132,0x1B132},
    {0x1B150,0x1B152}, {0x1B155,0x1B155}, {0x1B164,0x1B167}, {0x1B170,0x1B2FB}, {0x1BC00,0x1BC6A}, {0x1BC70,0x1BC7C},
    {0x1BC80,0x1BC88}, {0x1BC90,0x1BC99}, {0x1D400,0x1D454}, {0x1D456,0x1D49C}, {0x1D49E,0x1D49F}, {0x1D4A2,0x1D4A2},
    {0x1D4A5,0x1D4A6}, {0x1D4A9,0x1D4AC}, {0x1D4AE,0x1D4B9}, {0x1D4BB,0x1D4BB}, {0x1D4BD,0x1D4C3}, {0x1D4C5,0x1D505},
    {0x1D507,0x1D50A}, {0x1D50D,0x1D514}, {0x1D516,0x1D51C}, {0x1D51E,0x1D539}, {0x1D53B,0x1D53E}, {0x1D540,0x1D544},
    {0x1D546,0x1D546}, {0x1D54A,0x1D550}, {0x1D552,0x1D6A5}, {0x1D6A8,0x1D6C0}, {0x1D6C2,0x1D6DA}, {0x1D6DC,0x1D6FA},
    {0x1D6FC,0x1D714}, {0x1D716,0x1D734}, {0x1D736,0x1D74E}, {0x1D750,0x1D76E}, {0x1D770,0x1D788}, {0x1D78A,0x1D7A8},
    {0x1D7AA,0x1D7C2}, {0x1D7C4,0x1D7CB}, {0x1DF00,0x1DF1E}, {0x1DF25,0x1DF2A}, {0x1E030,0x1E06D}, {0x1E100,0x1E12C},
    {0x1E137,0x1E13D}, {0x1E14E,0x1E14E}, {0x1E290,0x1E2AD}, {0x1E2C0,0x1E2EB}, {0x1E4D0,0x1E4EB}, {0x1E7E0,0x1E7E6},
    {0x1E7E8,0x1E7EB}, {0x1E7ED,0x1E7EE}, {0x1E7F0,0x1E7FE}, {0x1E800,0x1E8C4}, {0x1E900,0x1E943}, {0x1E94B,0x1E94B},
    {0x1EE00,0x1EE03}, {0x1EE05,0x1EE1F}, {0x1EE21,0x1EE22}, {0x1EE24,0x1EE24}, {0x1EE27,0x1EE27}, {0x1EE29,0x1EE32},
    {0x1EE34,0x1EE37}, {0x1EE39,0x1EE39}, {0x1EE3B,0x1EE3B}, {0x1EE42,0x1EE42}, {0x1EE47,0x1EE47}, {0x1EE49,0x1EE49},
    {0x1EE4B,0x1EE4B}, {0x1EE4D,0x1EE4F}, {0x1EE51,0x1EE52}, {0x1EE54,0x1EE54}, {0x1EE57,0x1EE57}, {0x1EE59,0x1EE59},
    {0x1EE5B,0x1EE5B}, {0x1EE5D,0x1EE5D}, {0x1EE5F,0x1EE5F}, {0x1EE61,0x1EE62}, {0x1EE64,0x1EE64}, {0x1EE67,0x1EE6A},
    {0x1EE6C,0x1EE72}, {0x1EE74,0x1EE77}, {0x1EE79,0x1EE7C}, {0x1EE7E,0x1EE7E}, {0x1EE80,0x1EE89}, {0x1EE8B,0x1EE9B},
    {0x1EEA1,0x1EEA3}, {0x1EEA5,0x1EEA9}, {0x1EEAB,0x1EEBB}, {0x20000,0x2A6DF}, {0x2A700,0x2B739}, {0x2B740,0x2B81D},
    {0x2B820,0x2CEA1}, {0x2CEB0,0x2EBE0}, {0x2F800,0x2FA1D}, {0x30000,0x3134A}, {0x31350,0x323AF},
};
/* \p{N} = Nd Nl No: 137 ranges */
static const uint32_t cat__uni_number[137][2] = {
    {0x30,0x39}, {0xB2,0xB3}, {0xB9,0xB9}, {0xBC,0xBE}, {0x660,0x669}, {0x6F0,0x6F9},
    {0x7C0,0x7C9}, {0x966,0x96F}, {0x9E6,0x9EF}, {0x9F4,0x9F9}, {0xA66,0xA6F}, {0xAE6,0xAEF},
    {0xB66,0xB6F}, {0xB72,0xB77}, {0xBE6,0xBF2}, {0xC66,0xC6F}, {0xC78,0xC7E}, {0xCE6,0xCEF},
    {0xD58,0xD5E}, {0xD66,0xD78}, {0xDE6,0xDEF}, {0xE50,0xE59}, {0xED0,0xED9}, {0xF20,0xF33},
    {0x1040,0x1049}, {0x1090,0x1099}, {0x1369,0x137C}, {0x16EE,0x16F0}, {0x17E0,0x17E9}, {0x17F0,0x17F9},
    {0x1810,0x1819}, {0x1946,0x194F}, {0x19D0,0x19DA}, {0x1A80,0x1A89}, {0x1A90,0x1A99}, {0x1B50,0x1B59},
    {0x1BB0,0x1BB9}, {0x1C40,0x1C49}, {0x1C50,0x1C59}, {0x2070,0x2070}, {0x2074,0x2079}, {0x2080,0x2089},
    {0x2150,0x2182}, {0x2185,0x2189}, {0x2460,0x249B}, {0x24EA,0x24FF}, {0x2776,0x2793}, {0x2CFD,0x2CFD},
    {0x3007,0x3007}, {0x3021,0x3029}, {0x3038,0x303A}, {0x3192,0x3195}, {0x3220,0x3229}, {0x3248,0x324F},
    {0x3251,0x325F}, {0x3280,0x3289}, {0x32B1,0x32BF}, {0xA620,0xA629}, {0xA6E6,0xA6EF}, {0xA830,0xA835},
    {0xA8D0,0xA8D9}, {0xA900,0xA909}, {0xA9D0,0xA9D9}, {0xA9F0,0xA9F9}, {0xAA50,0xAA59}, {0xABF0,0xABF9},
    {0xFF10,0xFF19}, {0x10107,0x10133}, {0x10140,0x10178}, {0x1018A,0x1018B}, {0x102E1,0x102FB}, {0x10320,0x10323},
    {0x10341,0x10341}, {0x1034A,0x1034A}, {0x103D1,0x103D5}, {0x104A0,0x104A9}, {0x10858,0x1085F}, {0x10879,0x1087F},
    {0x108A7,0x108AF}, {0x108FB,0x108FF}, {0x10916,0x1091B}, {0x109BC,0x109BD}, {0x109C0,0x109CF}, {0x109D2,0x109FF},
    {0x10A40,0x10A48}, {0x10A7D,0x10A7E}, {0x10A9D,0x10A9F}, {0x10AEB,0x10AEF}, {0x10B58,0x10B5F}, {0x10B78,0x10B7F},
    {0x10BA9,0x10BAF}, {0x10CFA,0x10CFF}, {0x10D30,0x10D39}, {0x10E60,0x10E7E}, {0x10F1D,0x10F26}, {0x10F51,0x10F54},
    {0x10FC5,0x10FCB}, {0x11052,0x1106F}, {0x110F0,0x110F9}, {0x11136,0x1113F}, {0x111D0,0x111D9}, {0x111E1,0x111F4},
    {0x112F0,0x112F9}, {0x11450,0x11459}, {0x114D0,0x114D9}, {0x11650,0x11659}, {0x116C0,0x116C9}, {0x11730,0x1173B},
    {0x118E0,0x118F2}, {0x11950,0x11959}, {0x11C50,0x11C6C}, {0x11D50,0x11D59}, {0x11DA0,0x11DA9}, {0x11F50,0x11F59},
    {0x11FC0,0x11FD4}, {0x12400,0x1246E}, {0x16A60,0x16A69}, {0x16AC0,0x16AC9}, {0x16B50,0x16B59}, {0x16B5B,0x16B61},
    {0x16E80,0x16E96}, {0x1D2C0,0x1D2D3}, {0x1D2E0,0x1D2F3}, {0x1D360,0x1D378}, {0x1D7CE,0x1D7FF}, {0x1E140,0x1E149},
    {0x1E2F0,0x1E2F9}, {0x1E4F0,0x1E4F9}, {0x1E8C7,0x1E8CF}, {0x1E950,0x1E959}, {0x1EC71,0x1ECAB}, {0x1ECAD,0x1ECAF},
    {0x1ECB1,0x1ECB4}, {0x1ED01,0x1ED2D}, {0x1ED2F,0x1ED3D}, {0x1F100,0x1F10C}, {0x1FBF0,0x1FBF9},
};
/* \s = White_Space: 10 ranges */
static const uint32_t cat__uni_space[10][2] = {
    {0x9,0xD}, {0x20,0x20}, {0x85,0x85}, {0xA0,0xA0}, {0x1680,0x1680}, {0x2000,0x200A},
    {0x2028,0x2029}, {0x202F,0x202F}, {0x205F,0x205F}, {0x3000,0x3000},
};

#define CAT__CLS_OTHER 0
#define CAT__CLS_LETTER 1
#define CAT__CLS_NUMBER 2
#define CAT__CLS_SPACE 3
#define CAT__BAD_CP 0xFFFFFFFFu

static int cat__in_ranges(const uint32_t (*r)[2], size_t n, uint32_t cp) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid][0]) hi = mid;
        else if (cp > r[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}

static int cat__char_class(uint32_t cp) {
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return CAT__CLS_LETTER;
        if (cp >= '0' && cp <= '9') return CAT__CLS_NUMBER;
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return CAT__CLS_SPACE;
        return CAT__CLS_OTHER;
    }
    if (cp == CAT__BAD_CP) return CAT__CLS_OTHER;
    if (cat__in_ranges(cat__uni_letter, sizeof cat__uni_letter / sizeof cat__uni_letter[0], cp)) return CAT__CLS_LETTER;
    if (cat__in_ranges(cat__uni_number, sizeof cat__uni_number / sizeof cat__uni_number[0], cp)) return CAT__CLS_NUMBER;
    if (cat__in_ranges(cat__uni_space, sizeof cat__uni_space / sizeof cat__uni_space[0], cp)) return CAT__CLS_SPACE;
    return CAT__CLS_OTHER;
}

/* Decode one UTF-8 character from s[0..n), n >= 1. Returns its length; an invalid
   or truncated sequence yields length 1 and CAT__BAD_CP. */
static size_t cat__utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
    uint32_t c = s[0], v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) {
        if (n >= 2 && (s[1] & 0xC0) == 0x80) { *cp = ((c & 0x1F) << 6) | (s[1] & 0x3Fu); return 2; }
    } else if (c >= 0xE0 && c <= 0xEF) {
        if (n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
            v = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
            if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) { *cp = v; return 3; }
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        if (n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
            v = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
            if (v >= 0x10000 && v <= 0x10FFFF) { *cp = v; return 4; }
        }
    }
    *cp = CAT__BAD_CP;
    return 1;
}

static size_t cat__utf8_put(unsigned char *o, uint32_t cp) {
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | (cp >> 6)); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)); o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)); o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other
   68 bytes (0x00-0x20, 0x7F-0xA0, 0xAD) to U+0100.. in byte order. */
static uint32_t cat__byte_to_cp(unsigned b) {
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return b;
    if (b <= 0x20) return 0x100 + b;
    if (b >= 0x7F && b <= 0xA0) return 0x100 + 33 + (b - 0x7F);
    return 0x100 + 67; /* 0xAD */
}

/* inverse of cat__byte_to_cp; -1 if cp is not the image of a byte */
static int cat__cp_to_byte(uint32_t cp) {
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF)) return (int)cp;
    if (cp >= 0x100 && cp <= 0x100 + 32) return (int)(cp - 0x100);
    if (cp >= 0x100 + 33 && cp <= 0x100 + 66) return (int)(cp - 0x100 - 33 + 0x7F);
    if (cp == 0x100 + 67) return 0xAD;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Tokenizer object                                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
    uint32_t left, right; /* left == UINT32_MAX: empty slot */
    uint32_t rank, id;
} cat__merge_slot;

struct cat_tokenizer {
    uint32_t n_vocab;
    char *bytes;             /* raw bytes of every token, each followed by a NUL */
    size_t *offs;            /* n_vocab + 1 offsets into bytes (token i: offs[i] .. offs[i+1]-1) */
    cat__merge_slot *merges; /* open-addressing map (left, right) -> (rank, id) */
    size_t merge_mask;       /* capacity - 1 (capacity is a power of two) */
    int32_t byte_id[256];    /* id of the single-byte token of each byte, -1 if none */
    uint32_t n_special;
    uint32_t *special;       /* ids of special tokens */
    unsigned char special_first[32]; /* bitmap: bytes that start some special token */
};

static size_t cat__pair_hash(uint32_t l, uint32_t r) {
    uint64_t k = ((uint64_t)l << 32) | r;
    k ^= k >> 33; k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33; k *= 0xC4CEB9FE1A85EC53ull;
    k ^= k >> 33;
    return (size_t)k;
}

static const cat__merge_slot *cat__merge_find(const cat_tokenizer *t, uint32_t l, uint32_t r) {
    size_t i = cat__pair_hash(l, r) & t->merge_mask;
    for (;;) {
        const cat__merge_slot *s = &t->merges[i];
        if (s->left == UINT32_MAX) return NULL;
        if (s->left == l && s->right == r) return s;
        i = (i + 1) & t->merge_mask;
    }
}

static uint64_t cat__str_hash(const unsigned char *s, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001B3ull; }
    return h ^ (h >> 29);
}

/* temporary string -> id map used while building */
typedef struct {
    uint32_t *slots; size_t mask;
    const char *const *tokens; const uint32_t *lens;
} cat__strmap;

/* returns the id, or UINT32_MAX if absent */
static uint32_t cat__strmap_get(const cat__strmap *m, const unsigned char *s, size_t n) {
    size_t i = (size_t)cat__str_hash(s, n) & m->mask;
    for (;;) {
        uint32_t id = m->slots[i];
        if (id == UINT32_MAX) return UINT32_MAX;
        if (m->lens[id] == n && memcmp(m->tokens[id], s, n) == 0) return id;
        i = (i + 1) & m->mask;
    }
}

/* 1 if count elements of elem bytes can be allocated without size_t overflow */
static int cat__fits(uint64_t count, size_t elem) {
    return count <= (uint64_t)(SIZE_MAX / elem);
}

static size_t cat__pow2_at_least(size_t n) {
    size_t c = 16;
    while (c < n) c *= 2;
    return c;
}

CAT__API void cat_tokenizer_free(cat_tokenizer *t) {
    if (!t) return;
    CAT_FREE(t->bytes);
    CAT_FREE(t->offs);
    CAT_FREE(t->merges);
    CAT_FREE(t->special);
    CAT_FREE(t);
}

/* cat_tokenizer_create, phase 1: arguments, and the bytes all token strings need */
static cat_result cat__tok_sizes(uint32_t n_vocab, const char *const *tokens, const uint32_t *lens, uint32_t n_merges,
                                 uint32_t n_special, const uint32_t *special, size_t *total, size_t *max_len) {
    size_t i;
    *total = 0; *max_len = 0;
    for (i = 0; i < n_vocab; i++) {
        if (lens[i] == 0 || !tokens[i]) return CAT_ERR_TOKENIZER;
        if (lens[i] > *max_len) *max_len = lens[i];
        if (*total > SIZE_MAX / 2 - lens[i] - 1) return CAT_ERR_NOMEM;
        *total += (size_t)lens[i] + 1;
    }
    for (i = 0; i < n_special; i++)
        if (special[i] >= n_vocab) return CAT_ERR_TOKENIZER;
    if (!cat__fits(n_vocab, 4 * sizeof(size_t)) || !cat__fits(n_merges, 4 * sizeof(cat__merge_slot))) return CAT_ERR_NOMEM;
    return CAT_OK;
}

/* phase 2: the string -> id map (temporary), rejecting duplicates */
static cat_result cat__tok_string_map(cat__strmap *map, uint32_t n_vocab) {
    const size_t cap = cat__pow2_at_least((size_t)n_vocab * 2);
    size_t i;
    map->mask = cap - 1;
    map->slots = (uint32_t *)CAT_MALLOC(cap * sizeof(uint32_t));
    if (!map->slots) return CAT_ERR_NOMEM;
    memset(map->slots, 0xFF, cap * sizeof(uint32_t));
    for (i = 0; i < n_vocab; i++) {
        const unsigned char *s = (const unsigned char *)map->tokens[i];
        const uint32_t n = map->lens[i];
        size_t j = (size_t)cat__str_hash(s, n) & map->mask;
        while (map->slots[j] != UINT32_MAX) {
            uint32_t o = map->slots[j];
            if (map->lens[o] == n && memcmp(map->tokens[o], s, n) == 0) return CAT_ERR_TOKENIZER;
            j = (j + 1) & map->mask;
        }
        map->slots[j] = (uint32_t)i;
    }
    return CAT_OK;
}

/* phase 3: the special tokens (and is_special[n_vocab], which marks them) */
static cat_result cat__tok_specials(cat_tokenizer *t, const char *const *tokens, uint32_t n_special, const uint32_t *special,
                                    unsigned char *is_special) {
    size_t i;
    memset(is_special, 0, t->n_vocab);
    if (!n_special) return CAT_OK;
    t->special = (uint32_t *)CAT_MALLOC((size_t)n_special * sizeof(uint32_t));
    if (!t->special) return CAT_ERR_NOMEM;
    memcpy(t->special, special, (size_t)n_special * sizeof(uint32_t));
    t->n_special = n_special;
    for (i = 0; i < n_special; i++) {
        unsigned char c0 = (unsigned char)tokens[special[i]][0];
        is_special[special[i]] = 1;
        t->special_first[c0 >> 3] = (unsigned char)(t->special_first[c0 >> 3] | (1u << (c0 & 7)));
    }
    return CAT_OK;
}

/* phase 4: raw bytes of every token: special tokens literally, the others through the
   unicode-to-byte map (a character outside the map, or an invalid UTF-8 byte, is kept
   as its UTF-8 bytes); then the single-byte token of each byte */
static cat_result cat__tok_bytes(cat_tokenizer *t, const cat__strmap *map, const unsigned char *is_special, size_t total) {
    size_t i, o = 0;
    t->bytes = (char *)CAT_MALLOC(total);
    t->offs = (size_t *)CAT_MALLOC(((size_t)t->n_vocab + 1) * sizeof(size_t));
    if (!t->bytes || !t->offs) return CAT_ERR_NOMEM;
    for (i = 0; i < t->n_vocab; i++) {
        const unsigned char *s = (const unsigned char *)map->tokens[i];
        size_t n = map->lens[i], k = 0;
        t->offs[i] = o;
        if (is_special[i]) {
            memcpy(t->bytes + o, s, n);
            o += n;
        } else {
            while (k < n) {
                uint32_t cp;
                size_t l = cat__utf8_next(s + k, n - k, &cp);
                int b = cp == CAT__BAD_CP ? -1 : cat__cp_to_byte(cp);
                if (b >= 0) t->bytes[o++] = (char)b;
                else { memcpy(t->bytes + o, s + k, l); o += l; }
                k += l;
            }
        }
        t->bytes[o++] = 0;
    }
    t->offs[t->n_vocab] = o;
    for (i = 0; i < 256; i++) {
        unsigned char u[4];
        size_t n = cat__utf8_put(u, cat__byte_to_cp((unsigned)i));
        uint32_t id = cat__strmap_get(map, u, n);
        t->byte_id[i] = id == UINT32_MAX ? -1 : (int32_t)id;
    }
    return CAT_OK;
}

/* phase 5: the merges: (left, right) -> (rank, id of left+right) */
static cat_result cat__tok_merges(cat_tokenizer *t, const cat__strmap *map, uint32_t n_merges, const uint32_t *merges,
                                  size_t max_len) {
    const size_t cap = cat__pow2_at_least((size_t)n_merges * 2);
    const char *const *tokens = map->tokens;
    const uint32_t *lens = map->lens;
    unsigned char *pair = (unsigned char *)CAT_MALLOC(2 * max_len);
    size_t i;
    t->merge_mask = cap - 1;
    t->merges = (cat__merge_slot *)CAT_MALLOC(cap * sizeof(cat__merge_slot));
    if (!t->merges || !pair) { CAT_FREE(pair); return CAT_ERR_NOMEM; }
    for (i = 0; i < cap; i++) t->merges[i].left = UINT32_MAX;
    for (i = 0; i < n_merges; i++) {
        uint32_t l = merges[2 * i], r = merges[2 * i + 1], id;
        size_t j;
        if (l >= t->n_vocab || r >= t->n_vocab) { CAT_FREE(pair); return CAT_ERR_TOKENIZER; }
        memcpy(pair, tokens[l], lens[l]);
        memcpy(pair + lens[l], tokens[r], lens[r]);
        id = cat__strmap_get(map, pair, (size_t)lens[l] + lens[r]);
        if (id == UINT32_MAX) { CAT_FREE(pair); return CAT_ERR_TOKENIZER; }
        j = cat__pair_hash(l, r) & t->merge_mask;
        while (t->merges[j].left != UINT32_MAX && !(t->merges[j].left == l && t->merges[j].right == r))
            j = (j + 1) & t->merge_mask;
        t->merges[j].left = l;
        t->merges[j].right = r;
        t->merges[j].rank = (uint32_t)i; /* a repeated pair: the later rank wins */
        t->merges[j].id = id;
    }
    CAT_FREE(pair);
    return CAT_OK;
}

CAT__API cat_result cat_tokenizer_create(cat_tokenizer **out, uint32_t n_vocab, const char *const *tokens, const uint32_t *lens,
                                         uint32_t n_merges, const uint32_t *merges, uint32_t n_special, const uint32_t *special) {
    cat_tokenizer *t;
    cat__strmap map;
    unsigned char *is_special;
    size_t total, max_len;
    cat_result rc;
    if (out) *out = NULL;
    if (!out || n_vocab == 0 || n_vocab > (uint32_t)INT32_MAX || !tokens || !lens ||
        (n_merges && !merges) || (n_special && !special))
        return CAT_ERR_ARGS;
    rc = cat__tok_sizes(n_vocab, tokens, lens, n_merges, n_special, special, &total, &max_len);
    if (rc) return rc;
    t = (cat_tokenizer *)CAT_MALLOC(sizeof *t);
    if (!t) return CAT_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->n_vocab = n_vocab;
    map.slots = NULL; map.tokens = tokens; map.lens = lens;
    is_special = NULL;
    rc = cat__tok_string_map(&map, n_vocab);
    if (!rc) rc = (is_special = (unsigned char *)CAT_MALLOC(n_vocab)) != NULL ? CAT_OK : CAT_ERR_NOMEM;
    if (!rc) rc = cat__tok_specials(t, tokens, n_special, special, is_special);
    if (!rc) rc = cat__tok_bytes(t, &map, is_special, total);
    if (!rc) rc = cat__tok_merges(t, &map, n_merges, merges, max_len);
    CAT_FREE(map.slots);
    CAT_FREE(is_special);
    if (rc) { cat_tokenizer_free(t); return rc; }
    *out = t;
    return CAT_OK;
}

CAT__API uint32_t cat_tokenizer_vocab_size(const cat_tokenizer *t) {
    return t ? t->n_vocab : 0;
}

CAT__API const char *cat_tokenizer_token_bytes(const cat_tokenizer *t, int32_t id, size_t *len) {
    if (!t || id < 0 || (uint32_t)id >= t->n_vocab) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = t->offs[id + 1] - t->offs[id] - 1;
    return t->bytes + t->offs[id];
}

CAT__API cat_result cat_tokenizer_decode(const cat_tokenizer *t, const int32_t *ids, size_t n, char *out, size_t cap, size_t *out_len) {
    size_t i, total = 0;
    if (out_len) *out_len = 0;
    if (!t || !out_len || (n && !ids) || (cap && !out)) return CAT_ERR_ARGS;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || (uint32_t)ids[i] >= t->n_vocab) return CAT_ERR_TOKEN;
    for (i = 0; i < n; i++) {
        const char *b = t->bytes + t->offs[ids[i]];
        size_t l = t->offs[ids[i] + 1] - t->offs[ids[i]] - 1;
        if (total < cap) memcpy(out + total, b, cap - total < l ? cap - total : l);
        total += l;
    }
    *out_len = total;
    return total > cap ? CAT_ERR_BUFFER : CAT_OK;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
    uint32_t rank;
    size_t pos;
} cat__heap_item;

#define CAT__SMALL_PIECE 64

typedef struct {
    const cat_tokenizer *t;
    int32_t *ids;
    size_t max_ids, n_ids;
    /* per-call BPE scratch: symbols, links, heap */
    int32_t *sym;
    size_t *prev, *next;
    cat__heap_item *heap;
    size_t cap; /* symbols the scratch can hold */
    void *heap_buf; /* allocated block (NULL while the stack arrays are used) */
    int32_t s_sym[CAT__SMALL_PIECE];
    size_t s_prev[CAT__SMALL_PIECE], s_next[CAT__SMALL_PIECE];
    cat__heap_item s_heap[3 * CAT__SMALL_PIECE];
} cat__encoder;

static void cat__emit(cat__encoder *e, int32_t id) {
    if (e->n_ids < e->max_ids) e->ids[e->n_ids] = id;
    e->n_ids++;
}

static int cat__heap_less(const cat__heap_item *a, const cat__heap_item *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void cat__heap_push(cat__heap_item *h, size_t *n, uint32_t rank, size_t pos) {
    size_t i = (*n)++;
    cat__heap_item it;
    it.rank = rank; it.pos = pos;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cat__heap_less(&it, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = it;
}

static cat__heap_item cat__heap_pop(cat__heap_item *h, size_t *n) {
    cat__heap_item top = h[0], last = h[--(*n)];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && cat__heap_less(&h[c + 1], &h[c])) c++;
        if (!cat__heap_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = last;
    return top;
}

static int cat__reserve(cat__encoder *e, size_t n) {
    size_t cap, bytes;
    char *blk;
    if (n <= e->cap) return 1;
    cap = e->cap * 2;
    if (cap < n) cap = n;
    if (cap > SIZE_MAX / 64) return 0;
    bytes = cap * (sizeof(int32_t) + 2 * sizeof(size_t) + 3 * sizeof(cat__heap_item));
    blk = (char *)CAT_MALLOC(bytes);
    if (!blk) return 0;
    CAT_FREE(e->heap_buf);
    e->heap_buf = blk;
    /* largest alignment first */
    e->heap = (cat__heap_item *)(void *)blk;
    e->prev = (size_t *)(void *)(blk + cap * 3 * sizeof(cat__heap_item));
    e->next = e->prev + cap;
    e->sym = (int32_t *)(void *)(e->next + cap);
    e->cap = cap;
    return 1;
}

/* BPE one pre-token piece and emit its ids */
static int cat__bpe(cat__encoder *e, const unsigned char *s, size_t n) {
    const cat_tokenizer *t = e->t;
    size_t k = 0, i, hn = 0;
    if (n == 1) {
        if (t->byte_id[s[0]] >= 0) cat__emit(e, t->byte_id[s[0]]);
        return 1;
    }
    if (!cat__reserve(e, n)) return 0;
    for (i = 0; i < n; i++) {
        int32_t id = t->byte_id[s[i]];
        if (id < 0) continue; /* no token for this byte: dropped (HF without unk_token) */
        e->sym[k] = id;
        e->prev[k] = k ? k - 1 : SIZE_MAX;
        e->next[k] = k + 1;
        k++;
    }
    if (k == 0) return 1;
    e->next[k - 1] = SIZE_MAX;
    for (i = 0; i + 1 < k; i++) {
        const cat__merge_slot *m = cat__merge_find(t, (uint32_t)e->sym[i], (uint32_t)e->sym[i + 1]);
        if (m) cat__heap_push(e->heap, &hn, m->rank, i);
    }
    while (hn) {
        cat__heap_item top = cat__heap_pop(e->heap, &hn);
        size_t p = top.pos, q, r;
        const cat__merge_slot *m;
        if (e->sym[p] < 0) continue;          /* merged into its left neighbour */
        q = e->next[p];
        if (q == SIZE_MAX) continue;
        m = cat__merge_find(t, (uint32_t)e->sym[p], (uint32_t)e->sym[q]);
        if (!m || m->rank != top.rank) continue; /* stale entry */
        e->sym[p] = (int32_t)m->id;
        e->sym[q] = -1;
        r = e->next[q];
        e->next[p] = r;
        if (r != SIZE_MAX) e->prev[r] = p;
        if (e->prev[p] != SIZE_MAX) {
            const cat__merge_slot *ml = cat__merge_find(t, (uint32_t)e->sym[e->prev[p]], (uint32_t)e->sym[p]);
            if (ml) cat__heap_push(e->heap, &hn, ml->rank, e->prev[p]);
        }
        if (r != SIZE_MAX) {
            const cat__merge_slot *mr = cat__merge_find(t, (uint32_t)e->sym[p], (uint32_t)e->sym[r]);
            if (mr) cat__heap_push(e->heap, &hn, mr->rank, p);
        }
    }
    for (i = 0; i != SIZE_MAX; i = e->next[i]) cat__emit(e, e->sym[i]);
    return 1;
}

/* class and length of the character at s[i] (i < n) */
static int cat__class_at(const unsigned char *s, size_t i, size_t n, size_t *clen) {
    uint32_t cp;
    if (s[i] < 0x80) { *clen = 1; return cat__char_class(s[i]); }
    *clen = cat__utf8_next(s + i, n - i, &cp);
    return cat__char_class(cp);
}

/* end of the run of characters of class cls starting at i */
static size_t cat__run_end(const unsigned char *s, size_t i, size_t n, int cls) {
    while (i < n) {
        size_t l;
        if (cat__class_at(s, i, n, &l) != cls) break;
        i += l;
    }
    return i;
}

/* End of the GPT-2 pattern match starting at s[i] (i < n):
   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t cat__pretoken_end(const unsigned char *s, size_t i, size_t n) {
    size_t l, j, last;
    int c;
    if (s[i] == '\'' && i + 1 < n) {
        unsigned char a = s[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
        if (i + 2 < n) {
            unsigned char b = s[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        }
    }
    if (s[i] == ' ' && i + 1 < n) {
        c = cat__class_at(s, i + 1, n, &l);
        if (c != CAT__CLS_SPACE) return cat__run_end(s, i + 1 + l, n, c);
    }
    c = cat__class_at(s, i, n, &l);
    if (c != CAT__CLS_SPACE) return cat__run_end(s, i + l, n, c);
    /* whitespace: the run, minus its last character if something follows it
       and the run has more than one character */
    last = i;
    j = i + l;
    while (j < n) {
        size_t l2;
        if (cat__class_at(s, j, n, &l2) != CAT__CLS_SPACE) break;
        last = j;
        j += l2;
    }
    if (j == n || last == i) return j;
    return last;
}

static int cat__encode_plain(cat__encoder *e, const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t j = cat__pretoken_end(s, i, n);
        if (!cat__bpe(e, s + i, j - i)) return 0;
        i = j;
    }
    return 1;
}

CAT__API cat_result cat_tokenizer_encode(const cat_tokenizer *t, const char *text, size_t len, int32_t *ids, size_t max_ids, size_t *n_ids) {
    cat__encoder e;
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0, i;
    int ok = 1;
    if (n_ids) *n_ids = 0;
    if (!t || !n_ids || (len && !text) || (max_ids && !ids)) return CAT_ERR_ARGS;
    e.t = t;
    e.ids = ids;
    e.max_ids = max_ids;
    e.n_ids = 0;
    e.sym = e.s_sym; e.prev = e.s_prev; e.next = e.s_next; e.heap = e.s_heap;
    e.cap = CAT__SMALL_PIECE;
    e.heap_buf = NULL;
    if (t->n_special) {
        for (i = 0; i < len && ok; ) {
            size_t best_len = 0, k;
            uint32_t best = 0;
            if (t->special_first[s[i] >> 3] & (1u << (s[i] & 7))) {
                for (k = 0; k < t->n_special; k++) {
                    uint32_t id = t->special[k];
                    size_t sl = t->offs[id + 1] - t->offs[id] - 1;
                    if (sl > best_len && sl <= len - i && memcmp(t->bytes + t->offs[id], s + i, sl) == 0) {
                        best_len = sl;
                        best = id;
                    }
                }
            }
            if (!best_len) { i++; continue; }
            ok = cat__encode_plain(&e, s + start, i - start);
            cat__emit(&e, (int32_t)best);
            i += best_len;
            start = i;
        }
    }
    if (ok && start < len) ok = cat__encode_plain(&e, s + start, len - start);
    CAT_FREE(e.heap_buf);
    *n_ids = e.n_ids;
    if (!ok) return CAT_ERR_NOMEM;
    return e.n_ids > max_ids ? CAT_ERR_BUFFER : CAT_OK;
}

/* ---- tokenizer: implementation (end) ---- */

CAT__API int32_t cat_tokenizer_find(const cat_tokenizer *t, const char *s, size_t len) {
    uint32_t i;
    for (i = 0; t && i < t->n_vocab; i++) {
        size_t l;
        const char *b = cat_tokenizer_token_bytes(t, (int32_t)i, &l);
        if (b && l == len && memcmp(b, s, len) == 0) return (int32_t)i;
    }
    return -1;
}

CAT__API int32_t cat_tokenizer_eot(const cat_tokenizer *t) {
    return cat_tokenizer_find(t, "<|endoftext|>", 13);
}

CAT__API int cat_tokenizer_is_special(const cat_tokenizer *t, int32_t id) {
    uint32_t k;
    for (k = 0; t && k < t->n_special; k++) if ((int32_t)t->special[k] == id) return 1;
    return 0;
}

/* the tokenizer section of a model file (see FORMAT.md) */
static cat_result cat__tokenizer_from_section(cat_tokenizer **out, const uint8_t *p, uint64_t len, char *err, size_t errlen) {
    cat__cur c;
    uint32_t nv, nm, ns, i;
    const char **toks = NULL;
    uint32_t *lens = NULL, *merges = NULL, *special = NULL;
    cat_result r = CAT_ERR_TOKENIZER;
    c.p = p; c.len = len; c.off = 0; c.bad = 0;
    nv = cat__cu32(&c); nm = cat__cu32(&c); ns = cat__cu32(&c);
    if (c.bad) return cat__fail(err, errlen, CAT_ERR_TRUNCATED, "tokenizer section of %llu bytes is too short", (unsigned long long)len);
    /* every count is bounded by what the section can hold before anything is allocated */
    if (nv == 0 || (uint64_t)nv > len / 5 || (uint64_t)nm > len / 8 || (uint64_t)ns > len / 4 || ns > nv)
        return cat__fail(err, errlen, CAT_ERR_TOKENIZER, "tokenizer counts (%u tokens, %u merges, %u special) do not fit its %llu-byte section", nv, nm, ns, (unsigned long long)len);
    toks = (const char **)CAT_MALLOC(sizeof(char *) * nv);
    lens = (uint32_t *)CAT_MALLOC(sizeof(uint32_t) * nv);
    merges = (uint32_t *)CAT_MALLOC(sizeof(uint32_t) * 2 * (size_t)(nm ? nm : 1));
    special = (uint32_t *)CAT_MALLOC(sizeof(uint32_t) * (ns ? ns : 1));
    if (!toks || !lens || !merges || !special) { r = CAT_ERR_NOMEM; goto done; }
    for (i = 0; i < nv; i++) {
        lens[i] = cat__cu32(&c);
        toks[i] = (const char *)cat__cbytes(&c, lens[i]);
        if (c.bad) break;
    }
    for (i = 0; i < 2 * nm && !c.bad; i++) merges[i] = cat__cu32(&c);
    for (i = 0; i < ns && !c.bad; i++) special[i] = cat__cu32(&c);
    if (c.bad) { cat__err(err, errlen, "tokenizer section is truncated"); r = CAT_ERR_TRUNCATED; goto done; }
    r = cat_tokenizer_create(out, nv, toks, lens, nm, merges, ns, special);
    if (r) cat__err(err, errlen, "tokenizer section is invalid (%s)", cat_result_string(r));
done:
    CAT_FREE(toks); CAT_FREE(lens); CAT_FREE(merges); CAT_FREE(special);
    return r;
}
#endif /* CAT_NO_TOKENIZER */

#endif /* CAT_IMPLEMENTATION_DONE */
#endif /* CAT_IMPLEMENTATION */

/* ----------------------------------------------------------------------------
   11 KERNEL PASSES: the kernels of one instruction set. */
/* This part is compiled once per pass of the kernels section (CAT__ISA: 0
   scalar, 1 NEON, 2 AVX2+FMA, 3 AVX-512, 5 AVX-512 with VNNI, 4 AVX-512 with
   VNNI and AVX512_BF16; CAT__ISA >= 3 is AVX-512 code; the avx2vnni pass is
   CAT__ISA 2 with CAT__AVXVNNI defined, which only the q8 / q4 code reads;
   every name gets the pass's suffix), and ends with the pass's table,
   cat__kern_<name>. */
#ifdef CAT__KPASS
#if CAT__ISA == 5
#define CAT__KS(n) n##_avx512vnni
#define CAT__PATH "avx512vnni"
#define CAT__MR 4
#define CAT__NR 6
#elif CAT__ISA == 4
#define CAT__KS(n) n##_avx512bf16
#define CAT__PATH "avx512bf16"
#define CAT__MR 4
#define CAT__NR 6
#elif CAT__ISA == 3
#define CAT__KS(n) n##_avx512
#define CAT__PATH "avx512"
#define CAT__MR 4
#define CAT__NR 6
#elif CAT__ISA == 2 && defined(CAT__AVXVNNI)
#define CAT__KS(n) n##_avx2vnni
#define CAT__PATH "avx2vnni"
#define CAT__MR 2
#define CAT__NR 2
#elif CAT__ISA == 2
#define CAT__KS(n) n##_avx2
#define CAT__PATH "avx2"
#define CAT__MR 2
#define CAT__NR 2
#elif CAT__ISA == 1
#define CAT__KS(n) n##_neon
#if defined(__ARM_FEATURE_DOTPROD)
#define CAT__PATH "neon-dotprod"   /* q8 / q4 integer dot products with sdot (Armv8.2 dot product) */
#else
#define CAT__PATH "neon"
#endif
#define CAT__MR 2
#define CAT__NR 2
#else
#define CAT__KS(n) n##_scalar
#define CAT__PATH "scalar"
#define CAT__MR 1
#define CAT__NR 1
#endif
#define cat__hsum16 CAT__KS(cat__hsum16)
#define cat__decode_chunk CAT__KS(cat__decode_chunk)
#define cat__mk CAT__KS(cat__mk)
#define cat__mk1_bf16 CAT__KS(cat__mk1_bf16)
#define cat__mk11 CAT__KS(cat__mk11)
#define cat__tree16 CAT__KS(cat__tree16)
#define cat__tree16r CAT__KS(cat__tree16r)
#define cat__hsum16v CAT__KS(cat__hsum16v)
#define cat__out46 CAT__KS(cat__out46)
#define cat__hsum16x16 CAT__KS(cat__hsum16x16)
#define cat__v16 CAT__KS(cat__v16)
#define cat__v16_zero CAT__KS(cat__v16_zero)
#define cat__v16_ld CAT__KS(cat__v16_ld)
#define cat__v16_st CAT__KS(cat__v16_st)
#define cat__v16_fma CAT__KS(cat__v16_fma)
#define cat__v16_ldn CAT__KS(cat__v16_ldn)
#define cat__mk_1 CAT__KS(cat__mk_1)
#define cat__mk_2 CAT__KS(cat__mk_2)
#define cat__mk_3 CAT__KS(cat__mk_3)
#define cat__mk_4 CAT__KS(cat__mk_4)
#define cat__mm_tile CAT__KS(cat__mm_tile)
#define cat__mv_row CAT__KS(cat__mv_row)
#define cat__mv_row4 CAT__KS(cat__mv_row4)
#define cat__mvn_item CAT__KS(cat__mvn_item)
#define cat__mvn CAT__KS(cat__mvn)
#define cat__mm_item CAT__KS(cat__mm_item)
#define cat__matmul CAT__KS(cat__matmul)
#define cat__q_block_ref CAT__KS(cat__q_block_ref)
#define cat__q_ilv16 CAT__KS(cat__q_ilv16)
#define cat__q_mk CAT__KS(cat__q_mk)
#define cat__q_bmask CAT__KS(cat__q_bmask)
#define cat__q_tr16 CAT__KS(cat__q_tr16)
#define cat__q_dec16 CAT__KS(cat__q_dec16)
#define cat__q_dec_tl CAT__KS(cat__q_dec_tl)
#define cat__q_drow CAT__KS(cat__q_drow)
#define cat__q_block CAT__KS(cat__q_block)
#define cat__q_job CAT__KS(cat__q_job)
#define cat__q_item CAT__KS(cat__q_item)
#define cat__matmul_q CAT__KS(cat__matmul_q)
#define cat__xq_rows_v CAT__KS(cat__xq_rows_v)
#define cat__xq_job CAT__KS(cat__xq_job)
#define cat__xq_item CAT__KS(cat__xq_item)
#define cat__dot16_r CAT__KS(cat__dot16_r)
#define cat__scores_r CAT__KS(cat__scores_r)
#define cat__scores CAT__KS(cat__scores)
#define cat__wsum_r CAT__KS(cat__wsum_r)
#define cat__wsum CAT__KS(cat__wsum)
#define cat__scores_gr CAT__KS(cat__scores_gr)
#define cat__scores_g CAT__KS(cat__scores_g)
#define cat__wsum4_r CAT__KS(cat__wsum4_r)
#define cat__wsum_g CAT__KS(cat__wsum_g)
#define cat__expv CAT__KS(cat__expv)
#define cat__exp1 CAT__KS(cat__exp1)
#define cat__softmax CAT__KS(cat__softmax)
#define cat__silu_mul CAT__KS(cat__silu_mul)
#define cat__x_to_bf16 CAT__KS(cat__x_to_bf16)
#define cat__mkdp CAT__KS(cat__mkdp)
#define cat__mkdp_1 CAT__KS(cat__mkdp_1)
#define cat__mkdp_2 CAT__KS(cat__mkdp_2)
#define cat__mkdp_3 CAT__KS(cat__mkdp_3)
#define cat__mkdp_4 CAT__KS(cat__mkdp_4)
#define cat__dp11 CAT__KS(cat__dp11)
#define cat__mm_tile_dp CAT__KS(cat__mm_tile_dp)
#define cat__mvdp_item CAT__KS(cat__mvdp_item)
#define cat__mmdp_item CAT__KS(cat__mmdp_item)
#define cat__matmul_dp CAT__KS(cat__matmul_dp)

/* the canonical tree of 16 lane sums (compiled in each pass: a call from
   AVX-512 code into code built for another instruction set is slow) */
CAT__INLINE float cat__hsum16(const float *s) {
    float r8[8], r4[4];
    int l;
    for (l = 0; l < 8; l++) r8[l] = s[l] + s[l + 8];
    for (l = 0; l < 4; l++) r4[l] = r8[l] + r8[l + 4];
    return (r4[0] + r4[2]) + (r4[1] + r4[3]);
}

/* decode nr rows [o0, o0+nr) x columns [k0, k0+kc) of a matrix into
   buf (row stride CAT__KC floats). k0 is a multiple of 32. */
static void cat__decode_chunk(float *buf, const cat__tensor *W, int64_t o0, int nr, int64_t k0, int kc) {
    const int64_t in = W->cols;
    int j, k;
    if (W->dtype == CAT_DTYPE_F32) {
        for (j = 0; j < nr; j++) {
            const float *s = (const float *)W->data + (o0 + j) * in + k0;
            for (k = 0; k < kc; k += 16) CAT__PREFETCH(s + k, 4 * CAT__KC);
            memcpy(buf + (size_t)j * CAT__KC, s, sizeof(float) * (size_t)kc);
        }
    } else if (W->dtype == CAT_DTYPE_BF16) {
        for (j = 0; j < nr; j++) {
            const uint16_t *s = (const uint16_t *)W->data + (o0 + j) * in + k0;
            float *d = buf + (size_t)j * CAT__KC;
            k = 0;
#if CAT__ISA >= 3
            for (; k + 32 <= kc; k += 32) {
                __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(s + k)));
                __m512i u = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(s + k + 16)));
                CAT__PREFETCH(s + k, 2 * CAT__KC);
                _mm512_storeu_ps(d + k, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
                _mm512_storeu_ps(d + k + 16, _mm512_castsi512_ps(_mm512_slli_epi32(u, 16)));
            }
#elif CAT__ISA == 2
            for (; k + 8 <= kc; k += 8) {
                __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(s + k)));
                _mm256_storeu_ps(d + k, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
            }
#elif CAT__ISA == 1
            for (; k + 8 <= kc; k += 8) {
                uint16x8_t v = vld1q_u16(s + k);
                vst1q_f32(d + k, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v), 16)));
                vst1q_f32(d + k + 4, vreinterpretq_f32_u32(vshll_n_u16(vget_high_u16(v), 16)));
            }
#endif
            for (; k < kc; k++) d[k] = cat__bf16_to_f32(s[k]);
        }
    }
}

/* ---- micro-kernels -------------------------------------------------------
   cat__mk_M: acc[r][j][0..15] (r < M, j < CAT__NR) += lane sums of
   x[r*ldx + k] * w[j*ldw + k] for k < kc (first: start from zero). */
#if CAT__ISA >= 3

/* the canonical tree for 16 accumulators in registers: lane q of the result
   is hsum16 of v_q. The vectors are values, not an array, so that the tree
   stays in registers where it is inlined (an array went through the stack:
   a memcpy call and a store and a load at every level, about a sixth of the
   time of a 768-column matmul) */
#define CAT__TQ(a, b, s, t) _mm512_add_ps(_mm512_shuffle_f32x4(a, b, s), _mm512_shuffle_f32x4(a, b, t))
#define CAT__TS(a, b, s, t) _mm512_add_ps(_mm512_shuffle_ps(a, b, s), _mm512_shuffle_ps(a, b, t))
CAT__INLINE __m512 cat__tree16r(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 v4, __m512 v5, __m512 v6, __m512 v7,
                                __m512 v8, __m512 v9, __m512 v10, __m512 v11, __m512 v12, __m512 v13, __m512 v14, __m512 v15) {
    /* the tree leaves accumulator 4h + c in lane 4c + h: the permutation puts it in lane 4h + c */
    const __m512i perm = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    const __m512 a0 = CAT__TQ(v0, v1, 0x44, 0xEE), a1 = CAT__TQ(v2, v3, 0x44, 0xEE), a2 = CAT__TQ(v4, v5, 0x44, 0xEE), a3 = CAT__TQ(v6, v7, 0x44, 0xEE);
    const __m512 a4 = CAT__TQ(v8, v9, 0x44, 0xEE), a5 = CAT__TQ(v10, v11, 0x44, 0xEE), a6 = CAT__TQ(v12, v13, 0x44, 0xEE), a7 = CAT__TQ(v14, v15, 0x44, 0xEE);
    const __m512 b0 = CAT__TQ(a0, a1, 0x88, 0xDD), b1 = CAT__TQ(a2, a3, 0x88, 0xDD), b2 = CAT__TQ(a4, a5, 0x88, 0xDD), b3 = CAT__TQ(a6, a7, 0x88, 0xDD);
    const __m512 c0 = CAT__TS(b0, b1, 0x44, 0xEE), c1 = CAT__TS(b2, b3, 0x44, 0xEE);
    return _mm512_permutexvar_ps(perm, CAT__TS(c0, c1, 0x88, 0xDD));
}
#undef CAT__TQ
#undef CAT__TS
CAT__INLINE __m512 cat__tree16(const __m512 *v) {
    return cat__tree16r(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
}

/* cat__hsum16 of the lanes of v, in registers (the same additions) */
CAT__INLINE float cat__hsum16v(__m512 v) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));   /* l + (l + 8) */
    const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));       /* + (l + 4) */
    const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));                                        /* (0 + 2), (1 + 3) */
    return _mm_cvtss_f32(_mm_add_ss(p, _mm_shuffle_ps(p, p, 1)));
}

/* the 4 x 6 tile's outputs from the trees of its lane sums: r0 = the tree of
   rows 0-1 and row 2's first 4, r1 = of the rest (rows r < M); row r goes to
   y + r * ldy, 6 columns */
CAT__INLINE void cat__out46(const int M, float *y, int ldy, __m512 r0, __m512 r1) {
    _mm512_mask_storeu_ps(y, (__mmask16)0x3F, r0);
    if (M > 1) _mm512_mask_storeu_ps(y + ldy, (__mmask16)0x3F, _mm512_permutexvar_ps(_mm512_set_epi32(5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6), r0));
    if (M > 2) {
        _mm512_mask_storeu_ps(y + 2 * ldy, (__mmask16)0x0F, _mm512_permutexvar_ps(_mm512_set_epi32(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12), r0));
        _mm512_mask_storeu_ps(y + 2 * ldy + 4, (__mmask16)0x03, r1);
        if (M > 3) _mm512_mask_storeu_ps(y + 3 * ldy, (__mmask16)0x3F, _mm512_permutexvar_ps(_mm512_set_epi32(1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2), r1));
    }
}
/* the two trees of a 4 x 6 tile's accumulators a00 .. a35 (the second only for M > 2) */
#define CAT__Z _mm512_setzero_ps()
#define CAT__OUT46(M, y, ldy) cat__out46(M, y, ldy, \
    cat__tree16r(a00, a01, a02, a03, a04, a05, a10, a11, a12, a13, a14, a15, a20, a21, a22, a23), \
    M > 2 ? cat__tree16r(a24, a25, a30, a31, a32, a33, a34, a35, CAT__Z, CAT__Z, CAT__Z, CAT__Z, CAT__Z, CAT__Z, CAT__Z, CAT__Z) : CAT__Z)

#define CAT__ROWS6(OP, r) OP(r, 0) OP(r, 1) OP(r, 2) OP(r, 3) OP(r, 4) OP(r, 5)
#define CAT__DECL(r, j) __m512 a##r##j = _mm512_setzero_ps();
#define CAT__LD(r, j) if (M > r) a##r##j = _mm512_loadu_ps(acc + (r * CAT__NR + j) * 16);
#define CAT__ST(r, j) if (M > r) _mm512_storeu_ps(acc + (r * CAT__NR + j) * 16, a##r##j);
#define CAT__FM(r, j) a##r##j = _mm512_fmadd_ps(xv, w##j, a##r##j);
#define CAT__ROW(r) if (M > r) { __m512 xv = _mm512_loadu_ps(x + r * ldx + k); CAT__ROWS6(CAT__FM, r) }
#define CAT__ROWM(r) if (M > r) { __m512 xv = _mm512_maskz_loadu_ps(m, x + r * ldx + k); CAT__ROWS6(CAT__FM, r) }

/* the 4 x 6 tile: acc holds its 24 lane-sum vectors between k chunks; after
   the last chunk (y not NULL) they are reduced in registers by the canonical
   tree and written to y (row r at y + r * ldy, 6 columns) */
CAT__INLINE void cat__mk(const int M, float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) {
    CAT__ROWS6(CAT__DECL, 0) CAT__ROWS6(CAT__DECL, 1) CAT__ROWS6(CAT__DECL, 2) CAT__ROWS6(CAT__DECL, 3)
    int k;
    if (!first) { CAT__ROWS6(CAT__LD, 0) CAT__ROWS6(CAT__LD, 1) CAT__ROWS6(CAT__LD, 2) CAT__ROWS6(CAT__LD, 3) }
    for (k = 0; k + 16 <= kc; k += 16) {
        const __m512 w0 = _mm512_loadu_ps(w + k), w1 = _mm512_loadu_ps(w + ldw + k), w2 = _mm512_loadu_ps(w + 2 * ldw + k);
        const __m512 w3 = _mm512_loadu_ps(w + 3 * ldw + k), w4 = _mm512_loadu_ps(w + 4 * ldw + k), w5 = _mm512_loadu_ps(w + 5 * ldw + k);
        if (pf) {
            CAT__PREFETCH(w + k, pf); CAT__PREFETCH(w + ldw + k, pf); CAT__PREFETCH(w + 2 * ldw + k, pf);
            CAT__PREFETCH(w + 3 * ldw + k, pf); CAT__PREFETCH(w + 4 * ldw + k, pf); CAT__PREFETCH(w + 5 * ldw + k, pf);
        }
        CAT__ROW(0) CAT__ROW(1) CAT__ROW(2) CAT__ROW(3)
    }
    if (k < kc) {
        const __mmask16 m = (__mmask16)((1u << (kc - k)) - 1u);
        const __m512 w0 = _mm512_maskz_loadu_ps(m, w + k), w1 = _mm512_maskz_loadu_ps(m, w + ldw + k), w2 = _mm512_maskz_loadu_ps(m, w + 2 * ldw + k);
        const __m512 w3 = _mm512_maskz_loadu_ps(m, w + 3 * ldw + k), w4 = _mm512_maskz_loadu_ps(m, w + 4 * ldw + k), w5 = _mm512_maskz_loadu_ps(m, w + 5 * ldw + k);
        CAT__ROWM(0) CAT__ROWM(1) CAT__ROWM(2) CAT__ROWM(3)
    }
    if (y) {
        CAT__OUT46(M, y, ldy);
        return;
    }
    CAT__ROWS6(CAT__ST, 0) CAT__ROWS6(CAT__ST, 1) CAT__ROWS6(CAT__ST, 2) CAT__ROWS6(CAT__ST, 3)
}
#define CAT__MKY 1   /* cat__mk reduces into y */
#undef CAT__DECL
#undef CAT__LD
#undef CAT__ST
#undef CAT__FM
#undef CAT__ROW
#undef CAT__ROWM
#undef CAT__ROWS6

/* one x row by CAT__NR bf16 rows, decoding in registers (decode, n == 1):
   the same bits as decoding into a buffer first. kc is a multiple of 32,
   k0 (the column of w[0]) a multiple of 32. */
#define CAT__B16(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(p))), 16))
static void cat__mk1_bf16(float *acc, int first, const float *x, const uint16_t *w, int64_t ldw, int kc) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    int k, h;
    if (!first) {
        a0 = _mm512_loadu_ps(acc); a1 = _mm512_loadu_ps(acc + 16); a2 = _mm512_loadu_ps(acc + 32);
        a3 = _mm512_loadu_ps(acc + 48); a4 = _mm512_loadu_ps(acc + 64); a5 = _mm512_loadu_ps(acc + 80);
    }
    for (k = 0; k < kc; k += 32) {
        CAT__PREFETCH(w + k, 2 * CAT__KC); CAT__PREFETCH(w + ldw + k, 2 * CAT__KC); CAT__PREFETCH(w + 2 * ldw + k, 2 * CAT__KC);
        CAT__PREFETCH(w + 3 * ldw + k, 2 * CAT__KC); CAT__PREFETCH(w + 4 * ldw + k, 2 * CAT__KC); CAT__PREFETCH(w + 5 * ldw + k, 2 * CAT__KC);
        for (h = k; h < k + 32; h += 16) {
            const __m512 xv = _mm512_loadu_ps(x + h);
            a0 = _mm512_fmadd_ps(xv, CAT__B16(w + h), a0);
            a1 = _mm512_fmadd_ps(xv, CAT__B16(w + ldw + h), a1);
            a2 = _mm512_fmadd_ps(xv, CAT__B16(w + 2 * ldw + h), a2);
            a3 = _mm512_fmadd_ps(xv, CAT__B16(w + 3 * ldw + h), a3);
            a4 = _mm512_fmadd_ps(xv, CAT__B16(w + 4 * ldw + h), a4);
            a5 = _mm512_fmadd_ps(xv, CAT__B16(w + 5 * ldw + h), a5);
        }
    }
    _mm512_storeu_ps(acc, a0); _mm512_storeu_ps(acc + 16, a1); _mm512_storeu_ps(acc + 32, a2);
    _mm512_storeu_ps(acc + 48, a3); _mm512_storeu_ps(acc + 64, a4); _mm512_storeu_ps(acc + 80, a5);
}
#undef CAT__B16
#define CAT__HAVE_MK1_DEC 1

/* one x row by one w row (edge tiles) */
static void cat__mk11(float *acc, int first, const float *x, const float *w, int kc) {
    __m512 a = first ? _mm512_setzero_ps() : _mm512_loadu_ps(acc);
    int k;
    for (k = 0; k + 16 <= kc; k += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(w + k), a);
    if (k < kc) {
        const __mmask16 m = (__mmask16)((1u << (kc - k)) - 1u);
        a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + k), _mm512_maskz_loadu_ps(m, w + k), a);
    }
    _mm512_storeu_ps(acc, a);
}

/* out[q] = hsum16(a + 16*q), q < 16 */
static void cat__hsum16x16(float *out, const float *a) {
#define CAT__L(q) _mm512_loadu_ps(a + 16 * (q))
    _mm512_storeu_ps(out, cat__tree16r(CAT__L(0), CAT__L(1), CAT__L(2), CAT__L(3), CAT__L(4), CAT__L(5), CAT__L(6), CAT__L(7),
                                       CAT__L(8), CAT__L(9), CAT__L(10), CAT__L(11), CAT__L(12), CAT__L(13), CAT__L(14), CAT__L(15)));
#undef CAT__L
}

#else /* AVX2, NEON, scalar: one 16-lane accumulator as 2 x 8, 4 x 4 or 16 x 1 */

#if CAT__ISA == 2
typedef struct { __m256 a, b; } cat__v16;
CAT__INLINE cat__v16 cat__v16_zero(void) { cat__v16 r; r.a = r.b = _mm256_setzero_ps(); return r; }
CAT__INLINE cat__v16 cat__v16_ld(const float *p) { cat__v16 r; r.a = _mm256_loadu_ps(p); r.b = _mm256_loadu_ps(p + 8); return r; }
CAT__INLINE void cat__v16_st(float *p, cat__v16 v) { _mm256_storeu_ps(p, v.a); _mm256_storeu_ps(p + 8, v.b); }
CAT__INLINE cat__v16 cat__v16_fma(cat__v16 x, cat__v16 w, cat__v16 s) {
    s.a = _mm256_fmadd_ps(x.a, w.a, s.a); s.b = _mm256_fmadd_ps(x.b, w.b, s.b); return s;
}
#elif CAT__ISA == 1
typedef struct { float32x4_t a, b, c, d; } cat__v16;
CAT__INLINE cat__v16 cat__v16_zero(void) { cat__v16 r; r.a = r.b = r.c = r.d = vdupq_n_f32(0.0f); return r; }
CAT__INLINE cat__v16 cat__v16_ld(const float *p) {
    cat__v16 r; r.a = vld1q_f32(p); r.b = vld1q_f32(p + 4); r.c = vld1q_f32(p + 8); r.d = vld1q_f32(p + 12); return r;
}
CAT__INLINE void cat__v16_st(float *p, cat__v16 v) { vst1q_f32(p, v.a); vst1q_f32(p + 4, v.b); vst1q_f32(p + 8, v.c); vst1q_f32(p + 12, v.d); }
CAT__INLINE cat__v16 cat__v16_fma(cat__v16 x, cat__v16 w, cat__v16 s) {
    s.a = vfmaq_f32(s.a, x.a, w.a); s.b = vfmaq_f32(s.b, x.b, w.b); s.c = vfmaq_f32(s.c, x.c, w.c); s.d = vfmaq_f32(s.d, x.d, w.d); return s;
}
#else
typedef struct { float v[16]; } cat__v16;
CAT__INLINE cat__v16 cat__v16_zero(void) { cat__v16 r; memset(&r, 0, sizeof r); return r; }
CAT__INLINE cat__v16 cat__v16_ld(const float *p) { cat__v16 r; memcpy(r.v, p, sizeof r.v); return r; }
CAT__INLINE void cat__v16_st(float *p, cat__v16 v) { memcpy(p, v.v, sizeof v.v); }
CAT__INLINE cat__v16 cat__v16_fma(cat__v16 x, cat__v16 w, cat__v16 s) {
    int l;
    for (l = 0; l < 16; l++) s.v[l] = CAT__FMA(x.v[l], w.v[l], s.v[l]);
    return s;
}
#endif
/* zero-padded load of the last n < 16 values */
CAT__INLINE cat__v16 cat__v16_ldn(const float *p, int n) {
    float t[16] = { 0 };
    memcpy(t, p, sizeof(float) * (size_t)n);
    return cat__v16_ld(t);
}

CAT__INLINE void cat__mk(const int M, float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) {
    cat__v16 a[CAT__MR][CAT__NR], xv, wv;
    (void)y; (void)ldy;   /* NULL: the tile reduces acc afterwards */
    int r, j, k;
    for (r = 0; r < M; r++) for (j = 0; j < CAT__NR; j++) a[r][j] = first ? cat__v16_zero() : cat__v16_ld(acc + (r * CAT__NR + j) * 16);
    for (k = 0; k + 16 <= kc; k += 16)
        for (j = 0; j < CAT__NR; j++) {
            if (pf) CAT__PREFETCH(w + j * ldw + k, pf);
            wv = cat__v16_ld(w + j * ldw + k);
            for (r = 0; r < M; r++) { xv = cat__v16_ld(x + r * ldx + k); a[r][j] = cat__v16_fma(xv, wv, a[r][j]); }
        }
    if (k < kc)
        for (j = 0; j < CAT__NR; j++) {
            wv = cat__v16_ldn(w + j * ldw + k, kc - k);
            for (r = 0; r < M; r++) { xv = cat__v16_ldn(x + r * ldx + k, kc - k); a[r][j] = cat__v16_fma(xv, wv, a[r][j]); }
        }
    for (r = 0; r < M; r++) for (j = 0; j < CAT__NR; j++) cat__v16_st(acc + (r * CAT__NR + j) * 16, a[r][j]);
}

static void cat__mk11(float *acc, int first, const float *x, const float *w, int kc) {
    cat__v16 a = first ? cat__v16_zero() : cat__v16_ld(acc);
    int k;
    for (k = 0; k + 16 <= kc; k += 16) a = cat__v16_fma(cat__v16_ld(x + k), cat__v16_ld(w + k), a);
    if (k < kc) a = cat__v16_fma(cat__v16_ldn(x + k, kc - k), cat__v16_ldn(w + k, kc - k), a);
    cat__v16_st(acc, a);
}

static void cat__hsum16x16(float *out, const float *a) {
    int q;
    for (q = 0; q < 16; q++) out[q] = cat__hsum16(a + 16 * q);
}
#endif

static void cat__mk_1(float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mk(1, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
#if CAT__MR >= 2
static void cat__mk_2(float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mk(2, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
#endif
#if CAT__MR >= 3
static void cat__mk_3(float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mk(3, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
#endif
#if CAT__MR >= 4
static void cat__mk_4(float *acc, int first, const float *x, int64_t ldx, const float *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mk(4, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
#endif


/* rows [i0, i0+mb) of x (mb <= CAT__MB) by weight rows [o0, o0+nr) (nr <= CAT__NR) */
static void cat__mm_tile(float *y, int ldy, const float *x, int mb, const cat__tensor *W, int64_t o0, int nr) {
    const int64_t in = W->cols;
    float accm[CAT__MB * CAT__NR * 16 + 16], wbm[CAT__NR * CAT__KC + 16], red[16];
    float *acc = cat__align64(accm), *wb = cat__align64(wbm);
    int64_t k0;
    int i, j, q, nacc, reduced = 0;
    for (k0 = 0; k0 < in; k0 += CAT__KC) {
        const int kc = in - k0 < CAT__KC ? (int)(in - k0) : CAT__KC, first = k0 == 0;
        const float *w;
        int64_t ldw;
        int pf = 0; /* f32: the first x tile prefetches the next chunk of the weight rows */
#ifdef CAT__HAVE_MK1_DEC
        if (mb == 1 && nr == CAT__NR && W->dtype == CAT_DTYPE_BF16 && kc >= 32) {
            const int kf = kc & ~31;   /* decode in registers; a tail of < 32 columns goes below */
            cat__mk1_bf16(acc, first, x + k0, (const uint16_t *)W->data + o0 * in + k0, in, kf);
            if (kf == kc) continue;
            cat__decode_chunk(wb, W, o0, nr, k0 + kf, kc - kf);
            cat__mk_1(acc, 0, x + k0 + kf, in, wb, CAT__KC, kc - kf, 0, NULL, 0);
            continue;
        }
#endif
        if (W->dtype == CAT_DTYPE_F32) { w = (const float *)W->data + o0 * in + k0; ldw = in; pf = 4 * CAT__KC; }
        else { cat__decode_chunk(wb, W, o0, nr, k0, kc); w = wb; ldw = CAT__KC; }
        if (nr == CAT__NR) {
#ifdef CAT__MKY
            /* after the last chunk the micro-kernel writes y itself */
            float *yo = k0 + kc >= in ? y + o0 : NULL;
#define CAT__YI(i) (yo ? yo + (size_t)(i) * ldy : NULL)
            reduced = yo != NULL;
#else
#define CAT__YI(i) NULL
#endif
            for (i = 0; i + CAT__MR <= mb; i += CAT__MR) {
                const float *xr = x + (size_t)i * in + k0;
                float *a = acc + (size_t)i * CAT__NR * 16;
#if CAT__MR == 4
                cat__mk_4(a, first, xr, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy);
#elif CAT__MR == 2
                cat__mk_2(a, first, xr, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy);
#else
                cat__mk_1(a, first, xr, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy);
#endif
            }
            switch (mb - i) {
#if CAT__MR >= 4
            case 3: cat__mk_3(acc + (size_t)i * CAT__NR * 16, first, x + (size_t)i * in + k0, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy); break;
#endif
#if CAT__MR >= 3
            case 2: cat__mk_2(acc + (size_t)i * CAT__NR * 16, first, x + (size_t)i * in + k0, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy); break;
#endif
#if CAT__MR >= 2
            case 1: cat__mk_1(acc + (size_t)i * CAT__NR * 16, first, x + (size_t)i * in + k0, in, w, ldw, kc, i == 0 ? pf : 0, CAT__YI(i), ldy); break;
#endif
            default: break;
            }
#undef CAT__YI
        } else {
            for (i = 0; i < mb; i++) for (j = 0; j < nr; j++)
                cat__mk11(acc + ((size_t)i * CAT__NR + j) * 16, first, x + (size_t)i * in + k0, w + j * ldw, kc);
        }
    }
    if (reduced) return;
    /* reduce: accumulator q = i * CAT__NR + j */
    nacc = mb * CAT__NR;
    for (q = 0; q < nacc; q += 16) {
        int c = nacc - q < 16 ? nacc - q : 16, t;
        if (c < 16) memset(acc + (size_t)(q + c) * 16, 0, sizeof(float) * 16 * (size_t)(16 - c));
        cat__hsum16x16(red, acc + (size_t)q * 16);
        for (t = 0; t < c; t++) {
            i = (q + t) / CAT__NR; j = (q + t) % CAT__NR;
            if (j < nr) y[(size_t)i * ldy + o0 + j] = red[t];
        }
    }
}

#if CAT__ISA >= 3
/* One or two rows of x times the weights (decode): streams each weight row
   once, one 16-lane accumulator per row of x. Measured 15-40% faster from DRAM
   than the tiled kernel at n = 1; from n = 3 on the tiled kernel is as fast or
   faster (its k-blocking keeps x in L1). The same sequence of operations per
   output as the tiled kernel (weights decoded to f32 the same way, 16 lanes,
   k ascending, zero-padded tail, cat__hsum16), so the bits are equal. */
/* one weight row o against N rows of x; N is a constant at each call and the
   accumulators are named registers (an array would live in memory at -O2) */
#define CAT__MV_FMA(w, ld) do { \
    if (N > 0) a0 = _mm512_fmadd_ps(w, ld(x + k), a0); \
    if (N > 1) a1 = _mm512_fmadd_ps(w, ld(x + (size_t)in + k), a1); \
    if (N > 2) a2 = _mm512_fmadd_ps(w, ld(x + (size_t)2 * in + k), a2); \
    if (N > 3) a3 = _mm512_fmadd_ps(w, ld(x + (size_t)3 * in + k), a3); \
    if (N > 4) a4 = _mm512_fmadd_ps(w, ld(x + (size_t)4 * in + k), a4); \
    if (N > 5) a5 = _mm512_fmadd_ps(w, ld(x + (size_t)5 * in + k), a5); \
    if (N > 6) a6 = _mm512_fmadd_ps(w, ld(x + (size_t)6 * in + k), a6); \
    if (N > 7) a7 = _mm512_fmadd_ps(w, ld(x + (size_t)7 * in + k), a7); } while (0)
#define CAT__LD(p) _mm512_loadu_ps(p)
#define CAT__LDT(p) _mm512_maskz_loadu_ps(tm, p)
CAT__INLINE void cat__mv_row(float *y, int ldy, const float *x, int64_t in, const cat__tensor *W, int64_t o, const int N) {
    const int64_t kf = in & ~(int64_t)15;
    const __mmask16 tm = (__mmask16)((1u << (in & 15)) - 1);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, wv;
    int64_t k;
    if (W->dtype == CAT_DTYPE_F32) {
        const float *r = (const float *)W->data + o * in;
        for (k = 0; k < kf; k += 16) { wv = _mm512_loadu_ps(r + k); CAT__MV_FMA(wv, CAT__LD); }
        if (k < in) { wv = _mm512_maskz_loadu_ps(tm, r + k); CAT__MV_FMA(wv, CAT__LDT); }
    } else if (W->dtype == CAT_DTYPE_BF16) {
        const uint16_t *r = (const uint16_t *)W->data + o * in;
        for (k = 0; k < kf; k += 16) {
            wv = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(r + k))), 16));
            CAT__MV_FMA(wv, CAT__LD);
        }
        if (k < in) {
            wv = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(tm, r + k)), 16));
            CAT__MV_FMA(wv, CAT__LDT);
        }
    }
#define CAT__MV_OUT(i, acc) if (N > i) y[(size_t)(i) * ldy + o] = cat__hsum16v(acc);
    CAT__MV_OUT(0, a0) CAT__MV_OUT(1, a1) CAT__MV_OUT(2, a2) CAT__MV_OUT(3, a3)
    CAT__MV_OUT(4, a4) CAT__MV_OUT(5, a5) CAT__MV_OUT(6, a6) CAT__MV_OUT(7, a7)
#undef CAT__MV_OUT
}
#undef CAT__LD
#undef CAT__LDT
#undef CAT__MV_FMA

/* one row of x by 4 weight rows (o .. o+3) at once: 4 streams from memory in
   flight and x loaded once a step; per output the operations of cat__mv_row */
#define CAT__W4(ld, m) do { \
    if (f32) { const float *r = (const float *)W->data + o * in + k; \
        w0 = ld(m, r); w1 = ld(m, r + in); w2 = ld(m, r + 2 * in); w3 = ld(m, r + 3 * in); } \
    else { const uint16_t *r = (const uint16_t *)W->data + o * in + k; \
        w0 = CAT__BF(m, r); w1 = CAT__BF(m, r + in); w2 = CAT__BF(m, r + 2 * in); w3 = CAT__BF(m, r + 3 * in); } } while (0)
#define CAT__LDF(m, p) _mm512_maskz_loadu_ps(m, p)
#define CAT__BF(m, p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16))
static void cat__mv_row4(float *y, const float *x, int64_t in, const cat__tensor *W, int64_t o) {
    const int f32 = W->dtype == CAT_DTYPE_F32;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, w0, w1, w2, w3, xv;
    int64_t k;
    for (k = 0; k < in; k += 16) {
        const __mmask16 m = (__mmask16)(in - k >= 16 ? 0xFFFFu : (1u << (in - k)) - 1u);
        CAT__W4(CAT__LDF, m);
        xv = _mm512_maskz_loadu_ps(m, x + k);
        a0 = _mm512_fmadd_ps(w0, xv, a0); a1 = _mm512_fmadd_ps(w1, xv, a1);
        a2 = _mm512_fmadd_ps(w2, xv, a2); a3 = _mm512_fmadd_ps(w3, xv, a3);
    }
    y[o] = cat__hsum16v(a0);
    y[o + 1] = cat__hsum16v(a1);
    y[o + 2] = cat__hsum16v(a2);
    y[o + 3] = cat__hsum16v(a3);
}
#undef CAT__W4
#undef CAT__LDF
#undef CAT__BF

/* Rows of x in groups of at most 4 (their slices stay in L1), over blocks of
   16 weight rows (a block stays in L2 while each group passes over it). One
   row of x reads the weight rows one after another, a single stream: on AMD
   EPYC (Zen 5) that decoded a 3 GB f32 model 1.25-1.39x faster than 4 rows
   read side by side (cat__mv_row4, 4 streams), which an Intel Xeon preferred. */
static void cat__mvn_item(void *ctx, int64_t b, int tid) {
    const cat__mv_job *j = (const cat__mv_job *)ctx;
    const int64_t out = j->W->rows, in = j->W->cols, o1 = (b + 1) * j->rows < out ? (b + 1) * j->rows : out;
    int g;
    (void)tid;
    for (g = 0; g < j->n; g += 4) {
        float *yg = j->y + (size_t)g * j->ldy;
        const float *xg = j->x + (size_t)g * in;
        int64_t o = b * j->rows;
        if (j->row4) for (; o + 4 <= o1; o += 4) cat__mv_row4(yg, xg, in, j->W, o);
        for (; o < o1; o++) {
            switch (j->n - g) {
            case 1: cat__mv_row(yg, j->ldy, xg, in, j->W, o, 1); break;
            case 2: cat__mv_row(yg, j->ldy, xg, in, j->W, o, 2); break;
            case 3: cat__mv_row(yg, j->ldy, xg, in, j->W, o, 3); break;
            default: cat__mv_row(yg, j->ldy, xg, in, j->W, o, 4); break;
            }
        }
    }
}
static void cat__mvn(float *y, int ldy, const float *x, int n, const cat__tensor *W, cat__pool *pool) {
    cat__mv_job j;
    j.y = y; j.ldy = ldy; j.x = x; j.n = n; j.W = W; j.rows = cat__mv_item_rows(W, pool); j.row4 = n == 1 && !CAT__AMD();
    cat__par((int64_t)n * W->rows * W->cols >= 65536 ? pool : NULL, cat__mvn_item, &j, (W->rows + j.rows - 1) / j.rows);
}
#endif

/* y[i*ldy + o] = sum_k x[i*in + k] * W[o][k] for i < n, o < W->rows, in = W->cols.
   Bit-identical for any thread count (the threads take tiles of CAT__NR output rows).
   Uses about (CAT__MB*CAT__NR*16 + CAT__NR*CAT__KC) * 4 bytes (~49 KB) of stack per thread. */
static void cat__mm_item(void *ctx, int64_t item, int tid) {
    const cat__mm_job *j = (const cat__mm_job *)ctx;
    const int i0 = (int)(item / j->ngrp) * CAT__MB, mb = j->n - i0 < CAT__MB ? j->n - i0 : CAT__MB;
    const int64_t g = item % j->ngrp, t1 = (g + 1) * CAT__NG(CAT__NR) < j->ntile ? (g + 1) * CAT__NG(CAT__NR) : j->ntile, out = j->W->rows;
    int64_t t;
    (void)tid;
    for (t = g * CAT__NG(CAT__NR); t < t1; t++) {
        const int64_t o0 = t * CAT__NR;
        const int nr = out - o0 < CAT__NR ? (int)(out - o0) : CAT__NR;
        cat__mm_tile(j->y + (size_t)i0 * j->ldy, j->ldy, j->x + (size_t)i0 * j->W->cols, mb, j->W, o0, nr);
    }
}
#if CAT__ISA == 4
/* bf16 weights on a CPU with AVX512_BF16: the activations are rounded to bf16
   (nearest even) once per matmul, and vdpbf16ps multiplies 32 pairs at a
   time, twice the f32 rate. The order, for every n (decode and prefill alike)
   and every thread count: 16 lane sums, lane l takes the pairs
   (k, k+1) = (32b + 2l, 32b + 2l + 1) for b = 0, 1, ... in turn (the
   instruction adds the two products to the lane, each addition rounded), the
   last partial block zero-padded, then the tree of cat__hsum16. So bf16
   results here differ from the f32-activation paths (the cost is measured in
   the README) but not between prefill and decode nor between thread counts. */
#define CAT__LDBH(p) ((__m512bh)_mm512_loadu_si512((const void *)(p)))
#define CAT__LDBHM(m, p) ((__m512bh)_mm512_maskz_loadu_epi16(m, (const void *)(p)))

/* n rows of in values (contiguous) to bf16 */
static void cat__x_to_bf16(uint16_t *xb, const float *x, size_t N) {
    size_t i;
    for (i = 0; i + 16 <= N; i += 16) _mm256_storeu_si256((__m256i *)(void *)(xb + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
    if (i < N) {
        const __mmask16 m = (__mmask16)((1u << (N - i)) - 1u);
        _mm256_mask_storeu_epi16((void *)(xb + i), m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

#define CAT__DROWS6(OP, r) OP(r, 0) OP(r, 1) OP(r, 2) OP(r, 3) OP(r, 4) OP(r, 5)
#define CAT__DDECL(r, j) __m512 a##r##j = _mm512_setzero_ps();
#define CAT__DLD(r, j) if (M > r) a##r##j = _mm512_loadu_ps(acc + (r * CAT__NR + j) * 16);
#define CAT__DST(r, j) if (M > r) _mm512_storeu_ps(acc + (r * CAT__NR + j) * 16, a##r##j);
#define CAT__DFM(r, j) a##r##j = _mm512_dpbf16_ps(a##r##j, xv, w##j);
#define CAT__DROW(r) if (M > r) { __m512bh xv = CAT__LDBH(x + r * ldx + k); CAT__DROWS6(CAT__DFM, r) }
#define CAT__DROWM(r) if (M > r) { __m512bh xv = CAT__LDBHM(m, x + r * ldx + k); CAT__DROWS6(CAT__DFM, r) }
/* acc[r][j] (r < M, j < 6) += pair sums of bf16 x row r by bf16 w row j, k < kc */
CAT__INLINE void cat__mkdp(const int M, float *acc, int first, const uint16_t *x, int64_t ldx, const uint16_t *w, int64_t ldw, int kc, int pf, float *y, int ldy) {
    CAT__DROWS6(CAT__DDECL, 0) CAT__DROWS6(CAT__DDECL, 1) CAT__DROWS6(CAT__DDECL, 2) CAT__DROWS6(CAT__DDECL, 3)
    int k;
    if (!first) { CAT__DROWS6(CAT__DLD, 0) CAT__DROWS6(CAT__DLD, 1) CAT__DROWS6(CAT__DLD, 2) CAT__DROWS6(CAT__DLD, 3) }
    for (k = 0; k + 32 <= kc; k += 32) {
        const __m512bh w0 = CAT__LDBH(w + k), w1 = CAT__LDBH(w + ldw + k), w2 = CAT__LDBH(w + 2 * ldw + k);
        const __m512bh w3 = CAT__LDBH(w + 3 * ldw + k), w4 = CAT__LDBH(w + 4 * ldw + k), w5 = CAT__LDBH(w + 5 * ldw + k);
        if (pf) {
            CAT__PREFETCH(w + k, pf); CAT__PREFETCH(w + ldw + k, pf); CAT__PREFETCH(w + 2 * ldw + k, pf);
            CAT__PREFETCH(w + 3 * ldw + k, pf); CAT__PREFETCH(w + 4 * ldw + k, pf); CAT__PREFETCH(w + 5 * ldw + k, pf);
        }
        CAT__DROW(0) CAT__DROW(1) CAT__DROW(2) CAT__DROW(3)
    }
    if (k < kc) {
        const __mmask32 m = (__mmask32)((1u << (kc - k)) - 1u);
        const __m512bh w0 = CAT__LDBHM(m, w + k), w1 = CAT__LDBHM(m, w + ldw + k), w2 = CAT__LDBHM(m, w + 2 * ldw + k);
        const __m512bh w3 = CAT__LDBHM(m, w + 3 * ldw + k), w4 = CAT__LDBHM(m, w + 4 * ldw + k), w5 = CAT__LDBHM(m, w + 5 * ldw + k);
        CAT__DROWM(0) CAT__DROWM(1) CAT__DROWM(2) CAT__DROWM(3)
    }
    if (y) {   /* the last chunk: the outputs */
        CAT__OUT46(M, y, ldy);
        return;
    }
    CAT__DROWS6(CAT__DST, 0) CAT__DROWS6(CAT__DST, 1) CAT__DROWS6(CAT__DST, 2) CAT__DROWS6(CAT__DST, 3)
}
#undef CAT__DROWS6
#undef CAT__DDECL
#undef CAT__DLD
#undef CAT__DST
#undef CAT__DFM
#undef CAT__DROW
#undef CAT__DROWM
static void cat__mkdp_1(float *acc, int first, const uint16_t *x, int64_t ldx, const uint16_t *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mkdp(1, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
static void cat__mkdp_2(float *acc, int first, const uint16_t *x, int64_t ldx, const uint16_t *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mkdp(2, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
static void cat__mkdp_3(float *acc, int first, const uint16_t *x, int64_t ldx, const uint16_t *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mkdp(3, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
static void cat__mkdp_4(float *acc, int first, const uint16_t *x, int64_t ldx, const uint16_t *w, int64_t ldw, int kc, int pf, float *y, int ldy) { cat__mkdp(4, acc, first, x, ldx, w, ldw, kc, pf, y, ldy); }
/* one x row by one w row; pf: fetch w CAT__DPF bytes ahead into L2 */
static __m512 cat__dp11(__m512 a, const uint16_t *x, const uint16_t *w, int64_t kc, int pf) {
    int64_t k;
    if (pf) {
        for (k = 0; k + 32 <= kc; k += 32) {
            CAT__PREFETCH_L2(w + k, CAT__DPF);
            a = _mm512_dpbf16_ps(a, CAT__LDBH(x + k), CAT__LDBH(w + k));
        }
    } else {
        for (k = 0; k + 32 <= kc; k += 32) a = _mm512_dpbf16_ps(a, CAT__LDBH(x + k), CAT__LDBH(w + k));
    }
    if (k < kc) {
        const __mmask32 m = (__mmask32)((1u << (kc - k)) - 1u);
        a = _mm512_dpbf16_ps(a, CAT__LDBHM(m, x + k), CAT__LDBHM(m, w + k));
    }
    return a;
}

/* rows of xb (mb <= CAT__MB, row stride in) by weight rows [o0, o0+nr) */
static void cat__mm_tile_dp(float *y, int ldy, const uint16_t *xb, int mb, const cat__tensor *W, int64_t o0, int nr) {
    const int64_t in = W->cols;
    const uint16_t *w = (const uint16_t *)W->data + o0 * in;
    float accm[CAT__MB * CAT__NR * 16 + 16], red[16];
    float *acc = cat__align64(accm);
    int64_t k0;
    int i, j, q, nacc;
    for (k0 = 0; k0 < in; k0 += CAT__KC) {
        const int kc = in - k0 < CAT__KC ? (int)(in - k0) : CAT__KC, first = k0 == 0;
        if (nr == CAT__NR) {
            float *yo = k0 + kc >= in ? y + o0 : NULL;   /* after the last chunk the micro-kernel writes y */
#define CAT__YI(i) (yo ? yo + (size_t)(i) * ldy : NULL)
            for (i = 0; i + 4 <= mb; i += 4) cat__mkdp_4(acc + (size_t)i * CAT__NR * 16, first, xb + (size_t)i * in + k0, in, w + k0, in, kc, i == 0 ? 2 * CAT__KC : 0, CAT__YI(i), ldy);
            switch (mb - i) {
            case 3: cat__mkdp_3(acc + (size_t)i * CAT__NR * 16, first, xb + (size_t)i * in + k0, in, w + k0, in, kc, i == 0 ? 2 * CAT__KC : 0, CAT__YI(i), ldy); break;
            case 2: cat__mkdp_2(acc + (size_t)i * CAT__NR * 16, first, xb + (size_t)i * in + k0, in, w + k0, in, kc, i == 0 ? 2 * CAT__KC : 0, CAT__YI(i), ldy); break;
            case 1: cat__mkdp_1(acc + (size_t)i * CAT__NR * 16, first, xb + (size_t)i * in + k0, in, w + k0, in, kc, i == 0 ? 2 * CAT__KC : 0, CAT__YI(i), ldy); break;
            default: break;
            }
#undef CAT__YI
        } else {
            for (i = 0; i < mb; i++) for (j = 0; j < nr; j++) {
                float *a = acc + ((size_t)i * CAT__NR + j) * 16;
                _mm512_storeu_ps(a, cat__dp11(first ? _mm512_setzero_ps() : _mm512_loadu_ps(a), xb + (size_t)i * in + k0, w + j * in + k0, kc, 0));
            }
        }
    }
    if (nr == CAT__NR) return;
    nacc = mb * CAT__NR;
    for (q = 0; q < nacc; q += 16) {
        int c = nacc - q < 16 ? nacc - q : 16, t;
        if (c < 16) memset(acc + (size_t)(q + c) * 16, 0, sizeof(float) * 16 * (size_t)(16 - c));
        cat__hsum16x16(red, acc + (size_t)q * 16);
        for (t = 0; t < c; t++) {
            i = (q + t) / CAT__NR; j = (q + t) % CAT__NR;
            if (j < nr) y[(size_t)i * ldy + o0 + j] = red[t];
        }
    }
}

typedef struct { float *y; int ldy; const uint16_t *xb; int n; const cat__tensor *W; int64_t ntile, ngrp, rows; int pf; } cat__dp_job;
/* decode: a block of J->rows weight rows against every row of xb (n <= 2) */
static void cat__mvdp_item(void *ctx, int64_t b, int tid) {
    const cat__dp_job *J = (const cat__dp_job *)ctx;
    const int64_t out = J->W->rows, in = J->W->cols, o1 = (b + 1) * J->rows < out ? (b + 1) * J->rows : out;
    int64_t o;
    (void)tid;
    for (o = b * J->rows; o < o1; o++) {
        const uint16_t *w = (const uint16_t *)J->W->data + o * in;
        if (o + 1 < o1) CAT__PREFETCH(w + in, 0);
        J->y[o] = cat__hsum16v(cat__dp11(_mm512_setzero_ps(), J->xb, w, in, J->pf));
        if (J->n > 1) {
            J->y[(size_t)J->ldy + o] = cat__hsum16v(cat__dp11(_mm512_setzero_ps(), J->xb + in, w, in, J->pf));
        }
    }
}
static void cat__mmdp_item(void *ctx, int64_t item, int tid) {
    const cat__dp_job *J = (const cat__dp_job *)ctx;
    const int i0 = (int)(item / J->ngrp) * CAT__MB, mb = J->n - i0 < CAT__MB ? J->n - i0 : CAT__MB;
    const int64_t g = item % J->ngrp, t1 = (g + 1) * CAT__NG(CAT__NR) < J->ntile ? (g + 1) * CAT__NG(CAT__NR) : J->ntile, out = J->W->rows;
    int64_t t;
    (void)tid;
    for (t = g * CAT__NG(CAT__NR); t < t1; t++) {
        const int64_t o0 = t * CAT__NR;
        const int nr = out - o0 < CAT__NR ? (int)(out - o0) : CAT__NR;
        cat__mm_tile_dp(J->y + (size_t)i0 * J->ldy, J->ldy, J->xb + (size_t)i0 * J->W->cols, mb, J->W, o0, nr);
    }
}
static void cat__matmul_dp(float *y, int ldy, const float *x, int n, const cat__tensor *W, cat__pool *pool, uint16_t *xb, size_t xb_cap) {
    const int64_t out = W->rows, in = W->cols;
    const int per = (int)((int64_t)(xb_cap / (size_t)in) < (int64_t)n ? (int64_t)(xb_cap / (size_t)in) : n);
    int r0;
    cat__dp_job J;
    J.ldy = ldy; J.W = W; J.xb = xb; J.ntile = (out + CAT__NR - 1) / CAT__NR; J.ngrp = (J.ntile + CAT__NG(CAT__NR) - 1) / CAT__NG(CAT__NR);
    J.rows = cat__mv_item_rows(W, pool); J.pf = cat__pool_threads(pool) == 1;
    for (r0 = 0; r0 < n; r0 += per) {   /* as many rows at a time as xb holds */
        const int nn = n - r0 < per ? n - r0 : per;
        cat__x_to_bf16(xb, x + (size_t)r0 * in, (size_t)nn * (size_t)in);
        J.y = y + (size_t)r0 * ldy; J.n = nn;
        if (nn <= 2) cat__par((int64_t)nn * out * in >= 65536 ? pool : NULL, cat__mvdp_item, &J, (out + J.rows - 1) / J.rows);
        else cat__par((int64_t)nn * out * in >= 65536 ? pool : NULL, cat__mmdp_item, &J, J.ngrp * ((nn + CAT__MB - 1) / CAT__MB));
    }
}
#undef CAT__LDBH
#undef CAT__LDBHM
#endif

/* ---- q8 / q4 weights: integer dot products (NUMERICS above) -------------
   cat__q_block: x rows [i0, i1) (quantized, q; i1 - i0 <= CAT__QMB) by weight
   rows [o0, o1) (o1 - o0 <= 16), every group in turn. */

/* NUMERICS for q8 / q4 as written, one output at a time: the scalar pass's
   kernel and the reference the others are tested against */
static void cat__q_block_ref(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) CAT__UNUSED;
static void cat__q_block_ref(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t in = W->cols, G = (in + 31) / 32, P = q->P;
    const size_t R = cat__qrow_bytes(W->dtype, in);
    const int q4 = W->dtype == CAT_DTYPE_Q4;
    int64_t o, i, g, c;
    for (o = o0; o < o1; o++) {
        const uint8_t *w = (const uint8_t *)W->data + (size_t)o * R;
        const uint16_t *d = cat__qscales(W) + o * G;
        for (i = i0; i < i1; i++) {
            const int8_t *a = q->a + (size_t)i * (size_t)P * 64;
            const float *e = q->e + (size_t)i * (size_t)P * 2;
            float s = 0.0f;
            for (g = 0; g < G; g++) {
                const int64_t nc = in - 32 * g < 32 ? in - 32 * g : 32;
                int32_t t = 0;
                for (c = 0; c < nc; c++) t += cat__qval(q4, w, 32 * g + c) * (int32_t)a[32 * g + c];
                s = CAT__FMA((float)t, cat__f16_to_f32(d[g]) * e[g], s);
            }
            y[(size_t)i * ldy + o] = s;
        }
    }
}

#if CAT__ISA >= 3
#define CAT__QGC 64   /* groups a chunk: a chunk of 16 interleaved rows is 32 KB */
/* rows [o0, o0 + 16) of W (past o1: the last row again), groups [g0, g0 + ng),
   interleaved: ub vector 8 (g - g0) + t holds in lane r the 4 signed values
   32 g + 4 t .. 32 g + 4 t + 3 of row o0 + r (past the row's end: anything,
   the activations there are 0); dv[16 (g - g0) + r] = d_g of row o0 + r;
   cv[16 (g - g0) + r] = -128 times the sum of its 32 values (VNNI) */
static void cat__q_ilv16(int32_t *ub, float *dv, int32_t *cv, const cat__tensor *W, int64_t o0, int64_t o1, int64_t g0, int ng) {
    const int64_t in = W->cols, G = (in + 31) / 32;
    const int64_t R = (int64_t)cat__qrow_bytes(W->dtype, in);
    const uint8_t *base = (const uint8_t *)W->data + o0 * R;
    const uint16_t *sc = cat__qscales(W) + o0 * G;
    const int q4 = W->dtype == CAT_DTYPE_Q4;
    const __m512i rows = _mm512_min_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32((int)(o1 - o0 - 1)));
    const __m512i roff = _mm512_mullo_epi32(rows, _mm512_set1_epi32((int)R)), soff = _mm512_mullo_epi32(rows, _mm512_set1_epi32((int)(2 * G)));
    const __m512i m4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    const uint8_t *tile = W->tl ? cat__tile_at(W, o0) : NULL;
    const int64_t QB = cat__tile_qb(W->dtype);
    int j, t;
    (void)cv;
    for (j = 0; j < ng; j++) {
        const int64_t g = g0 + j;
        __m512i *u = (__m512i *)(void *)(ub + (size_t)j * 8 * 16);
        __m512i h = _mm512_setzero_si512();
        if (tile) {   /* from the tiles (cat__tile): loads where the file layout takes gathers */
            const int64_t c = g / CAT__TCH, ngc = G - CAT__TCH * c < CAT__TCH ? G - CAT__TCH * c : CAT__TCH;
            const uint8_t *tc = tile + (size_t)(c * cat__tile_chunk(QB, CAT__TCH));   /* the chunk of group g */
            const __m512i *tw = (const __m512i *)(const void *)(tc + (g % CAT__TCH) * QB);
            if (!q4) for (t = 0; t < 8; t++) u[t] = _mm512_xor_si512(_mm512_load_si512((const void *)(tw + t)), _mm512_set1_epi8((char)0x80));
            else for (t = 0; t < 4; t++) {
                const __m512i v = _mm512_load_si512((const void *)(tw + t));
                u[t] = _mm512_sub_epi8(_mm512_and_si512(v, m4), eight);
                u[t + 4] = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), m4), eight);
            }
            h = _mm512_cvtepu16_epi32(_mm256_load_si256((const __m256i *)(const void *)(tc + ngc * QB + 32 * (g % CAT__TCH))));
        } else if (!q4) {
            for (t = 0; t < 8; t++) {
                if (32 * g + 4 * t + 4 <= in) u[t] = _mm512_i32gather_epi32(_mm512_add_epi32(roff, _mm512_set1_epi32((int)(32 * g + 4 * t))), (const void *)base, 1);
                else {   /* the end of a row: no byte past it is read */
                    int32_t v[16];
                    int r;
                    for (r = 0; r < 16; r++) {
                        const int64_t c = 32 * g + 4 * t, nb = in - c > 4 ? 4 : in - c > 0 ? in - c : 0;
                        v[r] = 0;
                        if (nb > 0) memcpy(&v[r], base + (size_t)(r < o1 - o0 ? r : o1 - o0 - 1) * (size_t)R + c, (size_t)nb);
                    }
                    u[t] = _mm512_loadu_si512((const void *)v);
                }
            }
        } else {
            for (t = 0; t < 4; t++) {
                const __m512i v = _mm512_i32gather_epi32(_mm512_add_epi32(roff, _mm512_set1_epi32((int)(16 * g + 4 * t))), (const void *)base, 1);
                _mm512_store_si512((void *)(u + t), _mm512_sub_epi8(_mm512_and_si512(v, m4), eight));
                _mm512_store_si512((void *)(u + t + 4), _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), m4), eight));
            }
        }
#if CAT__ISA >= 4
        {   /* -128 times the sums of the 32 values: bytes times 1 */
            __m512i sm = _mm512_setzero_si512();
            for (t = 0; t < 8; t++) sm = _mm512_dpbusd_epi32(sm, _mm512_set1_epi8(1), _mm512_load_si512((const void *)(u + t)));
            _mm512_store_si512((void *)(cv + 16 * j), _mm512_slli_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), sm), 7));
        }
#endif
        /* the scales: 4 bytes ending with the group's half (the one before it too; the next for g = 0) */
        if (!tile) {   /* (the tile branch loaded them with the group's values) */
            if (g > 0) h = _mm512_srli_epi32(_mm512_i32gather_epi32(_mm512_add_epi32(soff, _mm512_set1_epi32((int)(2 * g - 2))), (const void *)sc, 1), 16);
            else if (G > 1) h = _mm512_and_si512(_mm512_i32gather_epi32(soff, (const void *)sc, 1), _mm512_set1_epi32(0xFFFF));
            else {
                int32_t v[16];
                int r;
                for (r = 0; r < 16; r++) v[r] = sc[(size_t)(r < o1 - o0 ? r : o1 - o0 - 1) * (size_t)G];
                h = _mm512_loadu_si512((const void *)v);
            }
        }
        _mm512_store_ps(dv + 16 * j, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(h)));
    }
}
#define CAT__QMR 8   /* x rows a micro-tile */
#if CAT__ISA >= 4
/* vpdpbusd: unsigned activations (a + 128) by signed weights, from -128 times
   the weights' sum: the exact integer sum */
#define CAT__QSTART(m) c##m = cg;
#define CAT__QDOT(m) if (M > m) c##m = _mm512_dpbusd_epi32(c##m, _mm512_set1_epi32(*(const int32_t *)(const void *)(u##m + 4 * t)), w);
#else
/* no VNNI: |w| times a with w's sign, pairs in 16 bits (at most 2 * 127 * 127), then pairs of pairs */
#define CAT__QSTART(m) c##m = _mm512_setzero_si512();
#define CAT__QDOT(m) if (M > m) { const __m512i av = _mm512_set1_epi32(*(const int32_t *)(const void *)(u##m + 4 * t)); \
        c##m = _mm512_add_epi32(c##m, _mm512_madd_epi16(_mm512_maddubs_epi16(aw, _mm512_mask_sub_epi8(av, ws, _mm512_setzero_si512(), av)), one16)); }
#endif
#define CAT__QM8(OP) OP(0) OP(1) OP(2) OP(3) OP(4) OP(5) OP(6) OP(7)
#define CAT__QDECL(m) __m512 s##m = _mm512_setzero_ps(); __m512i c##m = _mm512_setzero_si512(); const uint8_t *u##m = xa + (size_t)(m < M ? m : 0) * (size_t)P * 64; \
        const float *e##m = q->e + (size_t)(i + (m < M ? m : 0)) * (size_t)P * 2 + g0;
#define CAT__QLD(m) if (M > m) s##m = _mm512_load_ps(acc + 16 * m);
#define CAT__QST(m) if (M > m) _mm512_store_ps(acc + 16 * m, s##m);
#define CAT__QY(m) if (M > m) _mm512_mask_storeu_ps(y + (size_t)m * ldy, km, s##m);
#define CAT__QFMA(m) if (M > m) s##m = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c##m), _mm512_mul_ps(d, _mm512_set1_ps(e##m[j])), s##m);
/* x rows [i, i + M) by the 16 interleaved rows over groups [g0, g0 + ng): the
   sums come from acc (first: from 0) and go to acc, or after the last
   chunk (y not NULL) to y (columns where km is set) */
CAT__INLINE void cat__q_mk(const int M, float *acc, int first, float *y, int ldy, __mmask16 km, const cat__xq *q, int64_t i,
                           const int32_t *ub, const float *dv, const int32_t *cv, int64_t g0, int ng) {
    const int64_t P = q->P;
#if CAT__ISA >= 4
    const uint8_t *xa = (const uint8_t *)q->u + (size_t)i * (size_t)P * 64 + 32 * g0;
#else
    const uint8_t *xa = (const uint8_t *)q->a + (size_t)i * (size_t)P * 64 + 32 * g0;
    const __m512i one16 = _mm512_set1_epi16(1);
#endif
    int j, t;
    CAT__QM8(CAT__QDECL)
    (void)cv;
    if (!first) { CAT__QM8(CAT__QLD) }
    for (j = 0; j < ng; j++) {
        const __m512 d = _mm512_load_ps(dv + 16 * j);
        const __m512i *wv = (const __m512i *)(const void *)(ub + (size_t)j * 8 * 16);
#if CAT__ISA >= 4
        const __m512i cg = _mm512_load_si512((const void *)(cv + 16 * j));
#endif
        CAT__QM8(CAT__QSTART)
        for (t = 0; t < 8; t++) {
            const __m512i w = _mm512_load_si512((const void *)(wv + t));
#if CAT__ISA < 4
            const __m512i aw = _mm512_abs_epi8(w);
            const __mmask64 ws = _mm512_movepi8_mask(w);
#endif
            CAT__QM8(CAT__QDOT)
        }
        CAT__QM8(CAT__QFMA)
        u0 += 32; u1 += 32; u2 += 32; u3 += 32; u4 += 32; u5 += 32; u6 += 32; u7 += 32;
    }
    if (y) { CAT__QM8(CAT__QY) }
    else { CAT__QM8(CAT__QST) }
}
#undef CAT__QSTART
#undef CAT__QDOT
#undef CAT__QM8
#undef CAT__QDECL
#undef CAT__QLD
#undef CAT__QST
#undef CAT__QY
#undef CAT__QFMA
/* one x row by 16 weight rows, for decode: the weights are read as they lie
   (no interleaving), 16 groups at a time. Row r's integer sums come out with a
   lane a group (dot products of 4 values, then pairs of lanes added until one
   lane holds a group's 32), the 16 rows' sums and scales are transposed to a
   lane a row, then the groups are added in turn as the other kernels do. */
/* the first n bytes of 64 (none for n <= 0, all for n >= 64) */
CAT__INLINE __mmask64 cat__q_bmask(int64_t n) { return n <= 0 ? (__mmask64)0 : n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }
/* the integer sums (less the +128 / +8 of the unsigned weights, VNNI) of one
   weight row w against x (xv: as cat__q_dec16 lays it out) over groups
   [g0, g0 + 16), a lane a group; full: all 16 groups lie inside the row */
#define CAT__QPAIRS(A, B) _mm512_add_epi32(_mm512_permutex2var_epi32(A, ie, B), _mm512_permutex2var_epi32(A, io, B))
#if CAT__ISA >= 4
#define CAT__QD4(v, lo, hi, j) v = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xv[j]), hi, xv[4 + j]);
#define CAT__QD8(v, b, j) v = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_xor_si512(b, _mm512_set1_epi8((char)0x80)), xv[j]);
#else
#define CAT__QSD(w, x) _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(w), _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(w), _mm512_setzero_si512(), x)), _mm512_set1_epi16(1))
#define CAT__QD4(v, lo, hi, j) v = _mm512_add_epi32(CAT__QSD(_mm512_sub_epi8(lo, _mm512_set1_epi8(8)), xv[j]), CAT__QSD(_mm512_sub_epi8(hi, _mm512_set1_epi8(8)), xv[4 + j]));
#define CAT__QD8(v, b, j) v = CAT__QSD(b, xv[j]);
#endif
#define CAT__QL(off, n) (full ? _mm512_loadu_si512((const void *)(w + (off))) : _mm512_maskz_loadu_epi8(cat__q_bmask(n), (const void *)(w + (off))))
#define CAT__QR4(v, j) { const __m512i b = CAT__QL(16 * (g0 + 4 * j), 16 * (G - g0 - 4 * j)); \
        const __m512i lo = _mm512_and_si512(b, _mm512_set1_epi8(0x0F)), hi = _mm512_and_si512(_mm512_srli_epi16(b, 4), _mm512_set1_epi8(0x0F)); CAT__QD4(v, lo, hi, j) }
#define CAT__QR8(v, j) { const __m512i b = CAT__QL(32 * g0 + 64 * j, in - 32 * g0 - 64 * j); CAT__QD8(v, b, j) }
CAT__INLINE __m512i cat__q_drow(const int q4, const int full, const uint8_t *w, const __m512i *xv, int64_t g0, int64_t G, int64_t in) {
    const __m512i ie = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i io = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __m512i v0, v1, v2, v3, v4, v5, v6, v7;
    if (q4) {   /* lanes 4 k + l (group k of 4, l of 4) -> pairs -> one lane a group */
        CAT__QR4(v0, 0) CAT__QR4(v1, 1) CAT__QR4(v2, 2) CAT__QR4(v3, 3)
        return CAT__QPAIRS(CAT__QPAIRS(v0, v1), CAT__QPAIRS(v2, v3));
    }
    /* lanes 8 h + l (group h of a pair, l of 8) -> one lane a group */
    CAT__QR8(v0, 0) CAT__QR8(v1, 1) CAT__QR8(v2, 2) CAT__QR8(v3, 3) CAT__QR8(v4, 4) CAT__QR8(v5, 5) CAT__QR8(v6, 6) CAT__QR8(v7, 7)
    return CAT__QPAIRS(CAT__QPAIRS(CAT__QPAIRS(v0, v1), CAT__QPAIRS(v2, v3)), CAT__QPAIRS(CAT__QPAIRS(v4, v5), CAT__QPAIRS(v6, v7)));
}
#undef CAT__QPAIRS
#undef CAT__QD4
#undef CAT__QD8
#undef CAT__QSD
#undef CAT__QL
#undef CAT__QR4
#undef CAT__QR8
CAT__INLINE void cat__q_tr16(__m512 *v) {   /* v[16] (16 x 16) transposed in place */
    __m512 t[16];
    int k;
    for (k = 0; k < 16; k += 2) { t[k] = _mm512_unpacklo_ps(v[k], v[k + 1]); t[k + 1] = _mm512_unpackhi_ps(v[k], v[k + 1]); }
    for (k = 0; k < 16; k += 4) {
        v[k] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[k]), _mm512_castps_pd(t[k + 2])));
        v[k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[k]), _mm512_castps_pd(t[k + 2])));
        v[k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[k + 1]), _mm512_castps_pd(t[k + 3])));
        v[k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[k + 1]), _mm512_castps_pd(t[k + 3])));
    }
    /* v[k]: rows 4(k/4) .. +3, column (k % 4) of each 128-bit lane; combine 128-bit lanes */
    for (k = 0; k < 4; k++) {
        t[k] = _mm512_shuffle_f32x4(v[k], v[4 + k], 0x88);        /* lanes 0, 2 of each */
        t[4 + k] = _mm512_shuffle_f32x4(v[k], v[4 + k], 0xDD);    /* lanes 1, 3 */
        t[8 + k] = _mm512_shuffle_f32x4(v[8 + k], v[12 + k], 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(v[8 + k], v[12 + k], 0xDD);
    }
    for (k = 0; k < 4; k++) {
        v[k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88);
        v[8 + k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0xDD);
        v[4 + k] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0x88);
        v[12 + k] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0xDD);
    }
}
#ifndef CAT__QPF
#define CAT__QPF 1   /* decode: each weight row's bytes this many chunks (16 groups) ahead are fetched */
#endif
static void cat__q_dec16(float *y, const cat__xq *q, int64_t i, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t in = W->cols, G = (in + 31) / 32, P = q->P;
    const int64_t R = (int64_t)cat__qrow_bytes(W->dtype, in);
    const int q4 = W->dtype == CAT_DTYPE_Q4, nr = (int)(o1 - o0);
    const int8_t *a = q->a + (size_t)i * (size_t)P * 64;
#if CAT__ISA >= 4
    const int32_t *xs = q->s + (size_t)i * (size_t)P * 2;   /* for the +128 / +8 of the unsigned weights */
#endif
    const float *xe = q->e + (size_t)i * (size_t)P * 2;
    const uint16_t *sc = cat__qscales(W) + o0 * G;
    const uint8_t *wb = (const uint8_t *)W->data + o0 * R;
    __m512 s = _mm512_setzero_ps(), tf[16], fr[16];
    int64_t g0;
    int r, j;
    /* the scales of a chunk are 16 reads of 32 bytes that no hardware prefetcher
       follows (a quarter of q8 decode's time waited on them): fetched a chunk ahead
       as the weights are, and the first chunk's here */
    for (r = 0; r < nr; r++) { CAT__PREFETCH(sc + (size_t)r * (size_t)G, 0); CAT__PREFETCH(sc + (size_t)r * (size_t)G, 30); }
    for (g0 = 0; g0 < G; g0 += 16) {
        const int ng = G - g0 < 16 ? (int)(G - g0) : 16;
        const __mmask16 kg = (__mmask16)((1u << ng) - 1u);
        const __m512 ev = _mm512_maskz_loadu_ps(kg, xe + g0);
        __m512i xv[8];
#if CAT__ISA >= 4
        const __m512i corr = _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(kg, xs + g0), _mm512_set1_epi32(q4 ? -8 : -128));
#endif
        if (q4) {   /* x of 4 groups: their values 0-15 (xv[k]) and 16-31 (xv[4 + k]), as the nibbles lie */
            for (j = 0; j < 4; j++) {
                const __m512i v0 = _mm512_maskz_loadu_epi8(cat__q_bmask(32 * (G - g0 - 4 * j)), (const void *)(a + 32 * (g0 + 4 * j)));
                const __m512i v1 = _mm512_maskz_loadu_epi8(cat__q_bmask(32 * (G - g0 - 4 * j) - 64), (const void *)(a + 32 * (g0 + 4 * j) + 64));
                xv[j] = _mm512_permutex2var_epi64(v0, _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0), v1);
                xv[4 + j] = _mm512_permutex2var_epi64(v0, _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2), v1);
            }
        } else {
            for (j = 0; j < 8; j++) xv[j] = _mm512_maskz_loadu_epi8(cat__q_bmask(32 * (G - g0) - 64 * j), (const void *)(a + 32 * g0 + 64 * j));
        }
        for (r = 0; r < 16; r++) {
            const uint8_t *w = wb + (size_t)(r < nr ? r : nr - 1) * (size_t)R;
            __m512i t;
            for (j = 0; j < (q4 ? 256 : 512); j += 64) CAT__PREFETCH(w + (q4 ? 16 : 32) * g0 + j, (q4 ? 256 : 512) * CAT__QPF);
            if (g0 + 16 * CAT__QPF < G) {
                const uint16_t *sn = sc + (size_t)(r < nr ? r : nr - 1) * (size_t)G + g0 + 16 * CAT__QPF;
                CAT__PREFETCH(sn, 0); CAT__PREFETCH(sn, 30);
            }
            if (ng == 16 && (q4 || 32 * g0 + 512 <= in)) t = q4 ? cat__q_drow(1, 1, w, xv, g0, G, in) : cat__q_drow(0, 1, w, xv, g0, G, in);
            else t = q4 ? cat__q_drow(1, 0, w, xv, g0, G, in) : cat__q_drow(0, 0, w, xv, g0, G, in);
#if CAT__ISA >= 4
            t = _mm512_add_epi32(t, corr);
#endif
            tf[r] = _mm512_cvtepi32_ps(t);
            fr[r] = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(kg, (const void *)(sc + (size_t)(r < nr ? r : nr - 1) * (size_t)G + g0))), ev);
        }
        cat__q_tr16(tf);
        cat__q_tr16(fr);
        for (j = 0; j < ng; j++) s = _mm512_fmadd_ps(tf[j], fr[j], s);
    }
    _mm512_mask_storeu_ps(y, (__mmask16)((1u << nr) - 1u), s);
}
/* one x row by the 16 rows of a tile (cat__tile), for decode: one stream of
   weights; a group's integer sums come out a lane a row (x's 4 values
   broadcast against 4 values of each row), then the groups are added in turn */
#if CAT__ISA >= 4   /* unsigned weights (q8: w + 128; q4: the stored q + 8) by signed x */
#define CAT__TD8(c, t) c = _mm512_dpbusd_epi32(c, _mm512_load_si512((const void *)(w + 64 * (t))), _mm512_set1_epi32(xa[t]));
#define CAT__TD4(c, v, t) c = _mm512_dpbusd_epi32(c, v, _mm512_set1_epi32(xa[t]));
#define CAT__TQ8C (-128)
#else   /* q8: |w| by x with w's sign; q4: the stored q + 8 by x, pairs in 16 bits, then pairs of pairs */
#define CAT__TD8(c, t) { const __m512i wt = _mm512_xor_si512(_mm512_load_si512((const void *)(w + 64 * (t))), _mm512_set1_epi8((char)0x80)), xt = _mm512_set1_epi32(xa[t]); \
        c = _mm512_add_epi32(c, _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(wt), _mm512_mask_sub_epi8(xt, _mm512_movepi8_mask(wt), _mm512_setzero_si512(), xt)), one16)); }
#define CAT__TD4(c, v, t) c = _mm512_add_epi32(c, _mm512_madd_epi16(_mm512_maddubs_epi16(v, _mm512_set1_epi32(xa[t])), one16));
#define CAT__TQ8C 0
#endif
static void cat__q_dec_tl(float *y, const cat__xq *q, int64_t i, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t G = (W->cols + 31) / 32, P = q->P;
    const int q4 = W->dtype == CAT_DTYPE_Q4;
    const int64_t QB = cat__tile_qb(W->dtype);
    const int8_t *a = q->a + (size_t)i * (size_t)P * 64;
    const int32_t *xs = q->s + (size_t)i * (size_t)P * 2;
    const float *xe = q->e + (size_t)i * (size_t)P * 2;
    const uint8_t *w = cat__tile_at(W, o0);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
#if CAT__ISA < 4
    const __m512i one16 = _mm512_set1_epi16(1);
#endif
    __m512 s = _mm512_setzero_ps();
    int64_t g0, g;
    (void)m4;
    for (g0 = 0; g0 < G; g0 += CAT__TCH) {
        const int64_t ng = G - g0 < CAT__TCH ? G - g0 : CAT__TCH, cb = cat__tile_chunk(QB, ng);
        const uint16_t *sc = (const uint16_t *)(const void *)(w + ng * QB);
        int64_t k;
        for (k = 0; k < cb; k += 64) CAT__PREFETCH_L2(w + k, CAT__TPF);
        for (g = g0; g < g0 + ng; g++, w += QB) {
            const int32_t *xa = (const int32_t *)(const void *)(a + 32 * g);
            __m512i c0 = _mm512_setzero_si512(), c1 = _mm512_setzero_si512(), cs;
            if (q4) {
                int t;
                cs = _mm512_set1_epi32(-8 * xs[g]);
                for (t = 0; t < 4; t++) {
                    const __m512i v = _mm512_load_si512((const void *)(w + 64 * t));
                    const __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                    CAT__TD4(c0, lo, t) CAT__TD4(c1, hi, 4 + t)
                }
            } else {
                cs = _mm512_set1_epi32(CAT__TQ8C * xs[g]);
                CAT__TD8(c0, 0) CAT__TD8(c1, 1) CAT__TD8(c0, 2) CAT__TD8(c1, 3) CAT__TD8(c0, 4) CAT__TD8(c1, 5) CAT__TD8(c0, 6) CAT__TD8(c1, 7)
            }
            s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_add_epi32(c0, c1), cs)),
                                _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(const void *)(sc + 16 * (g - g0)))), _mm512_set1_ps(xe[g])), s);
        }
        w += cb - ng * QB;   /* past the chunk's scales */
    }
    _mm512_mask_storeu_ps(y, (__mmask16)((1u << (o1 - o0)) - 1u), s);
}
#undef CAT__TD8
#undef CAT__TD4
#undef CAT__TQ8C
static void cat__q_block(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t G = (W->cols + 31) / 32;
    int32_t ubm[CAT__QGC * 8 * 16 + 16], cvm[CAT__QGC * 16 + 16];
    float dvm[CAT__QGC * 16 + 16], accm[CAT__QMB * 16 + 16];
    int32_t *ub = (int32_t *)(void *)cat__align64((float *)(void *)ubm), *cv = (int32_t *)(void *)cat__align64((float *)(void *)cvm);
    float *dv = cat__align64(dvm), *acc = cat__align64(accm);
    const __mmask16 km = (__mmask16)((1u << (o1 - o0)) - 1u);
    int64_t g0, i;
    if (i1 - i0 <= CAT__QDEC) {   /* decode: the tiles, or the weights as they lie */
        for (i = i0; i < i1; i++) {
            if (W->tl) cat__q_dec_tl(y + (size_t)i * ldy + o0, q, i, W, o0, o1);
            else cat__q_dec16(y + (size_t)i * ldy + o0, q, i, W, o0, o1);
        }
        return;
    }
    if (!W->tl && (int64_t)cat__qrow_bytes(W->dtype, W->cols) > ((int64_t)1 << 26)) {   /* the gathers' offsets are 32-bit */
        cat__q_block_ref(y, ldy, q, i0, i1, W, o0, o1);
        return;
    }
    for (g0 = 0; g0 < G; g0 += CAT__QGC) {
        const int ng = G - g0 < CAT__QGC ? (int)(G - g0) : CAT__QGC, first = g0 == 0;
        cat__q_ilv16(ub, dv, cv, W, o0, o1, g0, ng);
        for (i = i0; i < i1; i += CAT__QMR) {
            float *yo = g0 + ng >= G ? y + (size_t)i * ldy + o0 : NULL, *ac = acc + (size_t)(i - i0) * 16;
            switch (i1 - i < CAT__QMR ? (int)(i1 - i) : CAT__QMR) {
            case 1: cat__q_mk(1, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 2: cat__q_mk(2, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 3: cat__q_mk(3, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 4: cat__q_mk(4, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 5: cat__q_mk(5, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 6: cat__q_mk(6, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            case 7: cat__q_mk(7, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            default: cat__q_mk(8, ac, first, yo, ldy, km, q, i, ub, dv, cv, g0, ng); break;
            }
        }
    }
}
#undef CAT__QGC
#undef CAT__QMR
#elif CAT__ISA == 2
/* AVX2 (with or without AVX-VNNI): the AVX-512 design on 256-bit registers.
   Prefill interleaves the 16 weight rows as two halves of 8 (a vector holds 4
   values of each of 8 rows) once per chunk of groups; a micro-tile of up to 6
   x rows takes both halves (one broadcast of x for two products, 12
   independent sums), each output's running sum kept in acc. Decode reads the
   rows as they lie, and the 8 rows of a half have their integer sums of a
   group reduced into one vector (a lane a row). Either way each output's
   groups are added in turn, one fused multiply-add each, as NUMERICS says.
   Products: AVX-VNNI's vpdpbusd of unsigned by signed bytes; without it, q8
   |w| times a with w's sign (pairs in 16 bits, at most 2 * 128 * 127), then
   pairs of pairs; q4 unsigned activations (a + 128, prefill) or nibbles (w +
   8, decode) by signed values, a lane's 16 products of a group added in 16
   bits (at most 16 * 255 * 8 = 32640) before the pairs. */
#define cat__q2_f16x8 CAT__KS(cat__q2_f16x8)
#define cat__q2_tr8 CAT__KS(cat__q2_tr8)
#define cat__q2_tr4 CAT__KS(cat__q2_tr4)
#define cat__q2_scales CAT__KS(cat__q2_scales)
#define cat__q2_ilv CAT__KS(cat__q2_ilv)
#define cat__q2_mk CAT__KS(cat__q2_mk)
#define cat__q2_dec CAT__KS(cat__q2_dec)
#define cat__q2_d8 CAT__KS(cat__q2_d8)
#define cat__q2_d4 CAT__KS(cat__q2_d4)
#ifdef CAT__AVXVNNI
#define CAT__QDP(c, u, w) _mm256_dpbusd_avx_epi32(c, u, w)
#endif
#define CAT__QGC 32   /* groups a chunk: a chunk of 16 interleaved rows is 16 KB */
/* 8 half-precision scales (n of them, zeros after) as f32 with the bits of
   cat__f16_to_f32 (integer steps: the AVX2 pass does not assume F16C) */
CAT__INLINE __m256 cat__q2_f16x8(const uint16_t *d, int64_t n) {
    __m256i h, a, u;
    if (n >= 8) h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)d));
    else {
        uint16_t t[8] = { 0 };
        memcpy(t, d, sizeof(uint16_t) * (size_t)(n > 0 ? n : 0));
        h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)t));
    }
    a = _mm256_and_si256(h, _mm256_set1_epi32(0x7FFF));
    u = _mm256_add_epi32(_mm256_slli_epi32(a, 13), _mm256_set1_epi32(112 << 23));   /* normal: exponent + 112 */
    u = _mm256_add_epi32(u, _mm256_and_si256(_mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7BFF)), _mm256_set1_epi32(112 << 23)));   /* inf, NaN: 255 */
    u = _mm256_blendv_epi8(u, _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(a), _mm256_set1_ps(5.9604644775390625e-08f))),
                           _mm256_cmpgt_epi32(_mm256_set1_epi32(0x400), a));   /* zero, subnormal: m * 2^-24 */
    return _mm256_castsi256_ps(_mm256_or_si256(u, _mm256_slli_epi32(_mm256_and_si256(h, _mm256_set1_epi32(0x8000)), 16)));
}
CAT__INLINE void cat__q2_tr8(__m256 *v) {   /* v[8] (8 x 8) transposed in place */
    __m256 t[8], u[8];
    int k;
    for (k = 0; k < 8; k += 2) { t[k] = _mm256_unpacklo_ps(v[k], v[k + 1]); t[k + 1] = _mm256_unpackhi_ps(v[k], v[k + 1]); }
    for (k = 0; k < 8; k += 4) {
        u[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
        u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
        u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
        u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
    }
    for (k = 0; k < 4; k++) {
        v[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        v[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}
/* v[4], each two rows of 4 dwords (row r low, row r + 4 high), to v[k] = dword
   k of rows 0-3 (low) and 4-7 (high) */
CAT__INLINE void cat__q2_tr4(__m256i *v) {
    const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    v[0] = _mm256_unpacklo_epi64(t0, t2); v[1] = _mm256_unpackhi_epi64(t0, t2);
    v[2] = _mm256_unpacklo_epi64(t1, t3); v[3] = _mm256_unpackhi_epi64(t1, t3);
}
#define CAT__QL2(lo, hi) _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(lo))), \
                                                 _mm_loadu_si128((const __m128i *)(const void *)(hi)), 1)
/* the scales of 8 rows (sp[r]: row r's) for groups [g, g + n) (n <= 8): v[j] = d_{g+j} of rows 0-7 */
CAT__INLINE void cat__q2_scales(__m256 *v, const uint16_t *const *sp, int64_t g, int n) {
    int r;
    for (r = 0; r < 8; r++) v[r] = cat__q2_f16x8(sp[r] + g, n);
    cat__q2_tr8(v);
}
/* rows [o0, o0 + 16) of W (past o1: the last row again), groups [g0, g0 + ng),
   interleaved as two halves of 8 rows: the 32 bytes at ub + 32 (2 (8 j + t) + h)
   hold in dword r the signed values 32 g + 4 t .. 32 g + 4 t + 3 (g = g0 + j)
   of row o0 + 8 h + r (q8 past the row's end: 0); dv[8 (2 j + h) + r] = d_g of
   that row; cv[8 (2 j + h) + r] = -128 times the sum of its 32 values */
static void cat__q2_ilv(int8_t *ub, float *dv, int32_t *cv, const cat__tensor *W, int64_t o0, int64_t o1, int64_t g0, int ng) {
    const int64_t in = W->cols, G = (in + 31) / 32;
    const size_t R = cat__qrow_bytes(W->dtype, in);
    const int q4 = W->dtype == CAT_DTYPE_Q4, nr = (int)(o1 - o0);
    const __m256i m4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8), one8 = _mm256_set1_epi8(1), m128 = _mm256_set1_epi16(-128);
    int h, r, j, t;
    (void)cv; (void)one8; (void)m128;
    for (h = 0; h < 2; h++) {
        const uint8_t *p[8];
        const uint16_t *sp[8];
        for (r = 0; r < 8; r++) {
            const size_t rr = (size_t)(8 * h + r < nr ? 8 * h + r : nr - 1);
            p[r] = (const uint8_t *)W->data + ((size_t)o0 + rr) * R;
            sp[r] = cat__qscales(W) + ((size_t)o0 + rr) * (size_t)G;
        }
        for (j = 0; j < ng; j++) {
            const int64_t g = g0 + j;
            __m256i *u = (__m256i *)(void *)(ub + 512 * (size_t)j + 32 * (size_t)h);
            __m256i v[8];
            if (!q4) {
                uint8_t tmp[8][32];
                const uint8_t *b[8];
                if (32 * g + 32 <= in) for (r = 0; r < 8; r++) b[r] = p[r] + 32 * g;
                else {   /* the end of a row: no byte past it is read */
                    memset(tmp, 0, sizeof tmp);
                    for (r = 0; r < 8; r++) { memcpy(tmp[r], p[r] + 32 * g, (size_t)(in - 32 * g)); b[r] = tmp[r]; }
                }
                for (r = 0; r < 4; r++) { v[r] = CAT__QL2(b[r], b[r + 4]); v[4 + r] = CAT__QL2(b[r] + 16, b[r + 4] + 16); }
                cat__q2_tr4(v);
                cat__q2_tr4(v + 4);
            } else {
                for (r = 0; r < 4; r++) v[r] = CAT__QL2(p[r] + 16 * g, p[r + 4] + 16 * g);
                cat__q2_tr4(v);
                for (t = 0; t < 4; t++) {
                    v[4 + t] = _mm256_sub_epi8(_mm256_and_si256(_mm256_srli_epi16(v[t], 4), m4), eight);
                    v[t] = _mm256_sub_epi8(_mm256_and_si256(v[t], m4), eight);
                }
            }
            for (t = 0; t < 8; t++) _mm256_store_si256(u + 2 * t, v[t]);
#ifndef CAT__AVXVNNI
            if (q4)
#endif
            {   /* -128 times the sums of the 32 values: bytes times 1 in 16 bits (at most 16 * 128), then pairs times -128 */
                __m256i sm = _mm256_maddubs_epi16(one8, v[0]);
                for (t = 1; t < 8; t++) sm = _mm256_add_epi16(sm, _mm256_maddubs_epi16(one8, v[t]));
                _mm256_store_si256((__m256i *)(void *)(cv + 8 * (2 * (size_t)j + (size_t)h)), _mm256_madd_epi16(sm, m128));
            }
        }
        for (j = 0; j < ng; j += 8) {
            const int n = ng - j < 8 ? ng - j : 8;
            __m256 dd[8];
            cat__q2_scales(dd, sp, g0 + j, n);
            for (t = 0; t < n; t++) _mm256_store_ps(dv + 8 * (2 * (size_t)(j + t) + (size_t)h), dd[t]);
        }
    }
}
/* the micro-tile: x rows [i, i + M) by the 16 interleaved rows (ub, dv, cv
   at their chunk) over groups [g0, g0 + ng); each output's sum is read from
   acc (row stride 16) and written back a group at a time */
#ifdef CAT__AVXVNNI
#define CAT__QSTART(m) c##m##0 = cg0; c##m##1 = cg1;
#define CAT__QDOT(m) if (M > m) { const __m256i av = _mm256_set1_epi32(*(const int32_t *)(const void *)(u##m + 4 * t)); \
        c##m##0 = CAT__QDP(c##m##0, av, w0); c##m##1 = CAT__QDP(c##m##1, av, w1); }
#define CAT__QEND(m)
#else
#define CAT__QSTART(m) c##m##0 = _mm256_setzero_si256(); c##m##1 = _mm256_setzero_si256();
/* (the empty asm keeps each sum a chain of adds in order: gcc otherwise
   reorders the additions of a group, all its products live at once) */
#define CAT__QDOT(m) if (M > m) { const __m256i av = _mm256_set1_epi32(*(const int32_t *)(const void *)(u##m + 4 * t)); \
        if (q4) { c##m##0 = _mm256_add_epi16(c##m##0, _mm256_maddubs_epi16(av, w0)); c##m##1 = _mm256_add_epi16(c##m##1, _mm256_maddubs_epi16(av, w1)); } \
        else { c##m##0 = _mm256_add_epi32(c##m##0, _mm256_madd_epi16(_mm256_maddubs_epi16(a0, _mm256_sign_epi8(av, w0)), one16)); \
               c##m##1 = _mm256_add_epi32(c##m##1, _mm256_madd_epi16(_mm256_maddubs_epi16(a1, _mm256_sign_epi8(av, w1)), one16)); } \
        __asm__("" : "+x"(c##m##0), "+x"(c##m##1)); }
#define CAT__QEND(m) if (M > m && q4) { \
        c##m##0 = _mm256_add_epi32(_mm256_madd_epi16(c##m##0, one16), _mm256_load_si256((const __m256i *)(const void *)(cv + 16 * j))); \
        c##m##1 = _mm256_add_epi32(_mm256_madd_epi16(c##m##1, one16), _mm256_load_si256((const __m256i *)(const void *)(cv + 16 * j + 8))); }
#endif
#define CAT__QM6(OP) OP(0) OP(1) OP(2) OP(3) OP(4) OP(5)
#define CAT__QDECL(m) __m256i c##m##0 = _mm256_setzero_si256(), c##m##1 = c##m##0; \
        const uint8_t *u##m = xa + (size_t)(m < M ? m : 0) * (size_t)P * 64; \
        const float *e##m = q->e + (size_t)(i + (m < M ? m : 0)) * (size_t)P * 2 + g0;
#define CAT__QFMA(m) if (M > m) { const __m256 f = _mm256_broadcast_ss(e##m + j); float *sm = acc + 16 * m; \
        _mm256_store_ps(sm, _mm256_fmadd_ps(_mm256_cvtepi32_ps(c##m##0), _mm256_mul_ps(d0, f), _mm256_load_ps(sm))); \
        _mm256_store_ps(sm + 8, _mm256_fmadd_ps(_mm256_cvtepi32_ps(c##m##1), _mm256_mul_ps(d1, f), _mm256_load_ps(sm + 8))); }
CAT__INLINE void cat__q2_mk(const int M, const int q4, float *acc, const cat__xq *q, int64_t i, const int8_t *ub, const float *dv, const int32_t *cv, int64_t g0, int ng) {
    const int64_t P = q->P;
#ifdef CAT__AVXVNNI
    const uint8_t *xa = q->u + (size_t)i * (size_t)P * 64 + 32 * g0;
#else
    const uint8_t *xa = (q4 ? q->u : (const uint8_t *)q->a) + (size_t)i * (size_t)P * 64 + 32 * g0;
    const __m256i one16 = _mm256_set1_epi16(1);
#endif
    int j;
    CAT__QM6(CAT__QDECL)
    (void)cv; (void)q4;
    for (j = 0; j < ng; j++) {
        const __m256i *wv = (const __m256i *)(const void *)(ub + 512 * (size_t)j);
        __m256 d0, d1;
#ifdef CAT__AVXVNNI
        const __m256i cg0 = _mm256_load_si256((const __m256i *)(const void *)(cv + 16 * j)), cg1 = _mm256_load_si256((const __m256i *)(const void *)(cv + 16 * j + 8));
#endif
        CAT__QM6(CAT__QSTART)
#ifdef CAT__AVXVNNI
#define CAT__QT(T) { const int t = T; const __m256i w0 = _mm256_load_si256(wv + 2 * t), w1 = _mm256_load_si256(wv + 2 * t + 1); CAT__QM6(CAT__QDOT) }
#else
#define CAT__QT(T) { const int t = T; const __m256i w0 = _mm256_load_si256(wv + 2 * t), w1 = _mm256_load_si256(wv + 2 * t + 1); \
        const __m256i a0 = q4 ? w0 : _mm256_abs_epi8(w0), a1 = q4 ? w1 : _mm256_abs_epi8(w1); (void)a0; (void)a1; CAT__QM6(CAT__QDOT) }
#endif
        CAT__QT(0) CAT__QT(1) CAT__QT(2) CAT__QT(3) CAT__QT(4) CAT__QT(5) CAT__QT(6) CAT__QT(7)
#undef CAT__QT
        CAT__QM6(CAT__QEND)
        d0 = _mm256_load_ps(dv + 16 * j); d1 = _mm256_load_ps(dv + 16 * j + 8);
        CAT__QM6(CAT__QFMA)
        u0 += 32; u1 += 32; u2 += 32; u3 += 32; u4 += 32; u5 += 32;
    }
}
#undef CAT__QSTART
#undef CAT__QDOT
#undef CAT__QEND
#undef CAT__QM6
#undef CAT__QDECL
#undef CAT__QFMA
/* decode: one x row by rows [o0, o1), 8 at a time, the weights read as they
   lie. A group's 8 rows each give a vector of partial sums (VNNI: of the
   unsigned weights, q8 w + 128, q4 the nibble w + 8, by a, less 128 or 8
   times the group's sum of a after), horizontal adds bring them to a lane a
   row, then one fused multiply-add a group as everywhere */
/* a group of 8 weight rows (row r at b + r R) against x (32 values): the 8
   integer sums, a lane a row (VNNI: less the correction) */
#ifdef CAT__AVXVNNI
#define CAT__QW8(r) const __m256i v##r = CAT__QDP(_mm256_setzero_si256(), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(b + r * R)), flip), xv);
#define CAT__QW4(r, s) const __m256i b##r = CAT__QL2(b + r * R, b + s * R); \
        const __m256i v##r = CAT__QDP(CAT__QDP(_mm256_setzero_si256(), _mm256_and_si256(b##r, m4), xl), _mm256_and_si256(_mm256_srli_epi16(b##r, 4), m4), xh);
#else
#define CAT__QW8(r) const __m256i w##r = _mm256_loadu_si256((const __m256i *)(const void *)(b + r * R)); \
        const __m256i v##r = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(w##r), _mm256_sign_epi8(xv, w##r)), one16);
#define CAT__QW4(r, s) const __m256i b##r = CAT__QL2(b + r * R, b + s * R); \
        const __m256i v##r = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(b##r, m4), xl), \
                                                                _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(b##r, 4), m4), xh)), one16);
#endif
CAT__INLINE __m256i cat__q2_d8(const uint8_t *b, size_t R, const int8_t *x) {
    const __m256i xv = _mm256_load_si256((const __m256i *)(const void *)x);
#ifdef CAT__AVXVNNI
    const __m256i flip = _mm256_set1_epi8((char)0x80);
#else
    const __m256i one16 = _mm256_set1_epi16(1);
#endif
    CAT__QW8(0) CAT__QW8(1) CAT__QW8(2) CAT__QW8(3) CAT__QW8(4) CAT__QW8(5) CAT__QW8(6) CAT__QW8(7)
    /* v_r: row r; k0: rows 0-3 (the halves of their lanes apart), k1: rows 4-7 */
    const __m256i k0 = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    const __m256i k1 = _mm256_hadd_epi32(_mm256_hadd_epi32(v4, v5), _mm256_hadd_epi32(v6, v7));
    return _mm256_add_epi32(_mm256_blend_epi32(k0, k1, 0xF0), _mm256_permute2x128_si256(k0, k1, 0x21));
}
/* q4: rows r and r + 4 in one vector (16 bytes each), x's values 0-15 and 16-31 in both halves */
CAT__INLINE __m256i cat__q2_d4(const uint8_t *b, size_t R, const int8_t *x) {
    const __m256i xl = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(const void *)x));
    const __m256i xh = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(const void *)(x + 16)));
    const __m256i m4 = _mm256_set1_epi8(0x0F);
#ifndef CAT__AVXVNNI
    const __m256i one16 = _mm256_set1_epi16(1);
#endif
    CAT__QW4(0, 4) CAT__QW4(1, 5) CAT__QW4(2, 6) CAT__QW4(3, 7)
    /* v_r: row r in lanes 0-3, row r + 4 in lanes 4-7 */
    return _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
}
#undef CAT__QW8
#undef CAT__QW4
#define CAT__Q2PF 1   /* decode: each row's bytes this many chunks (8 groups) ahead are fetched */
static void cat__q2_dec(float *y, const cat__xq *q, int64_t i, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t in = W->cols, G = (in + 31) / 32, P = q->P;
    const size_t R = cat__qrow_bytes(W->dtype, in), gb = W->dtype == CAT_DTYPE_Q4 ? 16 : 32;   /* bytes a group */
    const int q4 = W->dtype == CAT_DTYPE_Q4, nr = (int)(o1 - o0);
    const int8_t *a = q->a + (size_t)i * (size_t)P * 64;
    const float *xe = q->e + (size_t)i * (size_t)P * 2;
    const int32_t *xs = q->s + (size_t)i * (size_t)P * 2;   /* for the + 8 of the nibbles (and VNNI's + 128) */
    int h, r;
    for (h = 0; h < (nr > 8 ? 2 : 1); h++) {
        const uint8_t *wb = (const uint8_t *)W->data + ((size_t)o0 + 8 * (size_t)h) * R;
        const uint16_t *sp[8];
        const int nv = nr - 8 * h < 8 ? nr - 8 * h : 8;
        __m256 s = _mm256_setzero_ps();
        int64_t g0, g;
        for (r = 0; r < 8; r++) sp[r] = cat__qscales(W) + ((size_t)o0 + (size_t)(8 * h + (r < nv ? r : nv - 1))) * (size_t)G;
        for (g0 = 0; g0 < G; g0 += 8) {
            const int ng = G - g0 < 8 ? (int)(G - g0) : 8;
            __m256 dd[8];
            cat__q2_scales(dd, sp, g0, ng);
            for (r = 0; r < nv; r++) {
                CAT__PREFETCH(sp[r] + g0 + 8 * CAT__Q2PF, 0);   /* the scales: no hardware prefetcher follows them */
                CAT__PREFETCH(sp[r] + g0 + 8 * CAT__Q2PF, 14);
                CAT__PREFETCH(wb + (size_t)r * R + gb * (size_t)g0, 8 * gb * CAT__Q2PF);
                CAT__PREFETCH(wb + (size_t)r * R + gb * (size_t)g0 + 64, 8 * gb * CAT__Q2PF);
                if (!q4) {
                    CAT__PREFETCH(wb + (size_t)r * R + gb * (size_t)g0 + 128, 8 * gb * CAT__Q2PF);
                    CAT__PREFETCH(wb + (size_t)r * R + gb * (size_t)g0 + 192, 8 * gb * CAT__Q2PF);
                }
            }
            for (g = g0; g < g0 + ng; g++) {
                __m256i tv;
                if (nv == 8 && (q4 || 32 * g + 32 <= in)) tv = q4 ? cat__q2_d4(wb + 16 * g, R, a + 32 * g) : cat__q2_d8(wb + 32 * g, R, a + 32 * g);
                else {   /* rows past o1 (the last again) or the end of a row: no byte past it is read */
                    uint8_t tmp[8][32];
                    memset(tmp, 0, sizeof tmp);
                    for (r = 0; r < 8; r++) memcpy(tmp[r], wb + (size_t)(r < nv ? r : nv - 1) * R + gb * (size_t)g, q4 ? 16 : (size_t)(in - 32 * g < 32 ? in - 32 * g : 32));
                    tv = q4 ? cat__q2_d4(tmp[0], 32, a + 32 * g) : cat__q2_d8(tmp[0], 32, a + 32 * g);
                }
#ifdef CAT__AVXVNNI
                tv = _mm256_add_epi32(tv, _mm256_set1_epi32(xs[g] * (q4 ? -8 : -128)));
#else
                if (q4) tv = _mm256_add_epi32(tv, _mm256_set1_epi32(xs[g] * -8));
#endif
                s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(tv), _mm256_mul_ps(dd[g - g0], _mm256_broadcast_ss(xe + g)), s);
            }
        }
        if (nv == 8) _mm256_storeu_ps(y + 8 * h, s);
        else _mm256_maskstore_ps(y + 8 * h, _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), s);
    }
}
static void cat__q_block(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t G = (W->cols + 31) / 32;
    const int nr = (int)(o1 - o0);
    float ubm[CAT__QGC * 128 + 16], dvm[CAT__QGC * 16 + 16], cvm[CAT__QGC * 16 + 16], accm[CAT__QMB * 16 + 16];
    int8_t *ub = (int8_t *)(void *)cat__align64(ubm);
    float *dv = cat__align64(dvm), *acc = cat__align64(accm);
    int32_t *cv = (int32_t *)(void *)cat__align64(cvm);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#ifdef CAT__AVXVNNI
    const int q4 = 0, mr = 6;   /* the same code for both */
#else
    const int q4 = W->dtype == CAT_DTYPE_Q4, mr = q4 ? 6 : 4;
#endif
    int64_t g0, i;
    if (i1 - i0 <= CAT__QDEC) {   /* decode: the weights as they lie */
        for (i = i0; i < i1; i++) cat__q2_dec(y + (size_t)i * ldy + o0, q, i, W, o0, o1);
        return;
    }
    memset(acc, 0, sizeof(float) * 16 * (size_t)(i1 - i0));
    for (g0 = 0; g0 < G; g0 += CAT__QGC) {
        const int ng = G - g0 < CAT__QGC ? (int)(G - g0) : CAT__QGC;
        cat__q2_ilv(ub, dv, cv, W, o0, o1, g0, ng);
        for (i = i0; i < i1; i += mr) {
            float *ac = acc + (size_t)(i - i0) * 16;
            const int m = i1 - i < mr ? (int)(i1 - i) : mr;
#define CAT__QCASE(n) case n: { if (q4) cat__q2_mk(n, 1, ac, q, i, ub, dv, cv, g0, ng); else cat__q2_mk(n, 0, ac, q, i, ub, dv, cv, g0, ng); } break;
            switch (m) { CAT__QCASE(1) CAT__QCASE(2) CAT__QCASE(3) CAT__QCASE(4) CAT__QCASE(5) default: cat__q2_mk(6, 1, ac, q, i, ub, dv, cv, g0, ng); break; }
#undef CAT__QCASE
        }
    }
    for (i = i0; i < i1; i++) {
        float *yo = y + (size_t)i * ldy + o0;
        const float *ac = acc + (size_t)(i - i0) * 16;
        if (nr >= 16) { _mm256_storeu_ps(yo, _mm256_load_ps(ac)); _mm256_storeu_ps(yo + 8, _mm256_load_ps(ac + 8)); }
        else {
            _mm256_maskstore_ps(yo, m0, _mm256_load_ps(ac));
            if (nr > 8) _mm256_maskstore_ps(yo + 8, m1, _mm256_load_ps(ac + 8));
        }
    }
}
#undef CAT__QL2
#undef CAT__QDP
#undef CAT__QGC
#undef CAT__Q2PF
#undef cat__q2_f16x8
#undef cat__q2_tr8
#undef cat__q2_tr4
#undef cat__q2_scales
#undef cat__q2_ilv
#undef cat__q2_mk
#undef cat__q2_dec
#undef cat__q2_d8
#undef cat__q2_d4
#elif CAT__ISA == 1
/* NEON (Armv8-A), with the Armv8.2 dot product (sdot) where the compiler may
   use it (__ARM_FEATURE_DOTPROD: CAT__PATH "neon-dotprod"). The integer sums
   are exact either way and each output adds its groups in order with one
   fused multiply-add, so the bits are those of cat__q_block_ref.
   Prefill: 16 weight rows are unpacked (q4: nibble - 8) and laid out once per
   chunk of CAT__QGC groups (cat__qn_ilv), then micro-tiles of up to 4 x rows
   (2 without sdot) by 8 weight rows (cat__qn_mk) make each group's integer
   sums and add them (the f32 sums stay in registers over the chunk), every
   x row of the block meeting the same unpacked chunk. With sdot one 16-byte
   register holds 4 values of each of 4 rows and meets 4 values of an x row
   taken from a lane (vdotq_laneq_s32): 8 steps a group. Without it: widening
   multiplies into int16 lanes of 2 products (q8: |w a| <= 128 * 127, two
   fit) or of 4 (q4: |w| <= 8, and every partial sum of a group's 32 products
   is at most 32 * 8 * 127 = 32512), then pairwise adds to int32.
   Decode (1 or 2 x rows): the weight rows as they lie, 4 rows by 4 groups at
   a time: a vector of 4 groups' sums a row, transposed to a vector of 4 rows
   a group (cat__qn_dec). Past a row's end nothing is read: the last groups of
   a q8 row whose length is not a multiple of 32, and the last scales, go
   through small zeroed buffers. */
#define cat__qn_wrow CAT__KS(cat__qn_wrow)
#define cat__qn_tr4 CAT__KS(cat__qn_tr4)
#define cat__qn_tr4i CAT__KS(cat__qn_tr4i)
#define cat__qn_dot4 CAT__KS(cat__qn_dot4)
#define cat__qn_ilv CAT__KS(cat__qn_ilv)
#define cat__qn_mk CAT__KS(cat__qn_mk)
#define cat__qn_row4 CAT__KS(cat__qn_row4)
#define cat__qn_add4 CAT__KS(cat__qn_add4)
#define cat__qn_dec CAT__KS(cat__qn_dec)
#if defined(__ARM_FEATURE_DOTPROD)
#define CAT__QNDOT 1
#else
#define CAT__QNDOT 0
#endif
#define CAT__QGC 64   /* groups a chunk: 16 unpacked rows of a chunk are 32 KB */
#define CAT__QNMR (CAT__QNDOT ? 4 : 2)   /* x rows a micro-tile (without sdot clang spills registers at 4) */

/* group g of weight row w as 32 signed values: columns 0-15 in lo, 16-31 in
   hi (q8: 0 past the row's end, which is not read; q4: its nibbles - 8) */
CAT__INLINE void cat__qn_wrow(int8x16_t *lo, int8x16_t *hi, const uint8_t *w, int64_t g, int64_t in, int q4) {
    if (q4) {
        const uint8x16_t b = vld1q_u8(w + 16 * g);
        *lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(b, vdupq_n_u8(15))), vdupq_n_s8(8));
        *hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(b, 4)), vdupq_n_s8(8));
    } else if (32 * g + 32 <= in) {
        *lo = vld1q_s8((const int8_t *)(w + 32 * g));
        *hi = vld1q_s8((const int8_t *)(w + 32 * g + 16));
    } else {
        int8_t t[32];
        memset(t, 0, sizeof t);
        memcpy(t, w + 32 * g, (size_t)(in - 32 * g));
        *lo = vld1q_s8(t);
        *hi = vld1q_s8(t + 16);
    }
}
/* 4 x 4 transposes: of f32 lanes, and of the 32-bit words of 4 byte vectors */
CAT__INLINE void cat__qn_tr4(float32x4_t *a, float32x4_t *b, float32x4_t *c, float32x4_t *d) {
    const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(*a, *b)), t1 = vreinterpretq_f64_f32(vtrn2q_f32(*a, *b));
    const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(*c, *d)), t3 = vreinterpretq_f64_f32(vtrn2q_f32(*c, *d));
    *a = vreinterpretq_f32_f64(vtrn1q_f64(t0, t2));
    *b = vreinterpretq_f32_f64(vtrn1q_f64(t1, t3));
    *c = vreinterpretq_f32_f64(vtrn2q_f64(t0, t2));
    *d = vreinterpretq_f32_f64(vtrn2q_f64(t1, t3));
}
CAT__INLINE void cat__qn_tr4i(int8x16_t *v) {
    const int32x4_t a = vreinterpretq_s32_s8(v[0]), b = vreinterpretq_s32_s8(v[1]), c = vreinterpretq_s32_s8(v[2]), d = vreinterpretq_s32_s8(v[3]);
    const int64x2_t t0 = vreinterpretq_s64_s32(vtrn1q_s32(a, b)), t1 = vreinterpretq_s64_s32(vtrn2q_s32(a, b));
    const int64x2_t t2 = vreinterpretq_s64_s32(vtrn1q_s32(c, d)), t3 = vreinterpretq_s64_s32(vtrn2q_s32(c, d));
    v[0] = vreinterpretq_s8_s64(vtrn1q_s64(t0, t2));
    v[1] = vreinterpretq_s8_s64(vtrn1q_s64(t1, t3));
    v[2] = vreinterpretq_s8_s64(vtrn2q_s64(t0, t2));
    v[3] = vreinterpretq_s8_s64(vtrn2q_s64(t1, t3));
}
/* 4 dot products of 32 values (w_k, x_k: columns 0-15 in l, 16-31 in h), one
   a lane, exact; small: every |w| <= 8 (only read without sdot) */
#if CAT__QNDOT
#define CAT__QNP(k) const int32x4_t p##k = vdotq_s32(vdotq_s32(vdupq_n_s32(0), w##k##l, x##k##l), w##k##h, x##k##h);
#else
#define CAT__QNP(k) int32x4_t p##k = vdupq_n_s32(0); \
    if (small) { int16x8_t h = vmull_s8(vget_low_s8(w##k##l), vget_low_s8(x##k##l)); h = vmlal_high_s8(h, w##k##l, x##k##l); \
                 h = vmlal_s8(h, vget_low_s8(w##k##h), vget_low_s8(x##k##h)); h##k = vmlal_high_s8(h, w##k##h, x##k##h); } \
    else { int16x8_t h = vmull_s8(vget_low_s8(w##k##l), vget_low_s8(x##k##l)); h = vmlal_high_s8(h, w##k##l, x##k##l); p##k = vpaddlq_s16(h); \
           h = vmull_s8(vget_low_s8(w##k##h), vget_low_s8(x##k##h)); h = vmlal_high_s8(h, w##k##h, x##k##h); p##k = vpadalq_s16(p##k, h); }
#endif
CAT__INLINE int32x4_t cat__qn_dot4(const int small, int8x16_t w0l, int8x16_t w0h, int8x16_t x0l, int8x16_t x0h, int8x16_t w1l, int8x16_t w1h, int8x16_t x1l, int8x16_t x1h,
                                   int8x16_t w2l, int8x16_t w2h, int8x16_t x2l, int8x16_t x2h, int8x16_t w3l, int8x16_t w3h, int8x16_t x3l, int8x16_t x3h) {
#if CAT__QNDOT
    CAT__QNP(0) CAT__QNP(1) CAT__QNP(2) CAT__QNP(3)
    (void)small;
    return vpaddq_s32(vpaddq_s32(p0, p1), vpaddq_s32(p2, p3));
#else
    int16x8_t h0 = vdupq_n_s16(0), h1 = h0, h2 = h0, h3 = h0;
    CAT__QNP(0) CAT__QNP(1) CAT__QNP(2) CAT__QNP(3)
    if (small) return vpaddlq_s16(vpaddq_s16(vpaddq_s16(h0, h1), vpaddq_s16(h2, h3)));   /* partial sums of one group's products */
    return vpaddq_s32(vpaddq_s32(p0, p1), vpaddq_s32(p2, p3));
#endif
}
#undef CAT__QNP

/* rows [o0, o0 + 16) of W (past o1: the last row again; halves of 8 rows
   wholly past o1: none), groups [g0, g0 + ng), unpacked to signed values:
   half h, group j at ub + 256 (h ng + j):
     sdot: step t (values 4t .. 4t + 3 of the group) at 32 t, rows 0-3 of the
           half then rows 4-7, 4 bytes a row
     else: the half's 8 rows of 32 values in order
   dv[8 (h ng + j) + r] = d_g of row 8h + r */
static void cat__qn_ilv(int8_t *ub, float *dv, const cat__tensor *W, int64_t o0, int64_t o1, int64_t g0, int ng) {
    const int64_t in = W->cols, G = (in + 31) / 32;
    const size_t R = cat__qrow_bytes(W->dtype, in);
    const int q4 = W->dtype == CAT_DTYPE_Q4, nr = (int)(o1 - o0), nh = (nr + 7) / 8;
    const uint8_t *base = (const uint8_t *)W->data + (size_t)o0 * R;
    const uint16_t *sc = cat__qscales(W) + o0 * G;
    int h, j, k, r;
    for (h = 0; h < nh; h++) for (j = 0; j < ng; j++) {
        const int64_t g = g0 + j;
        int8_t *u = ub + (size_t)256 * (size_t)(h * ng + j);
        for (k = 0; k < 2; k++) {
            int8x16_t lo[4], hi[4];
            for (r = 0; r < 4; r++) {
                const int rr = 8 * h + 4 * k + r < nr ? 8 * h + 4 * k + r : nr - 1;
                cat__qn_wrow(&lo[r], &hi[r], base + (size_t)rr * R, g, in, q4);
            }
#if CAT__QNDOT
            cat__qn_tr4i(lo);
            cat__qn_tr4i(hi);
            for (r = 0; r < 4; r++) { vst1q_s8(u + 32 * r + 16 * k, lo[r]); vst1q_s8(u + 32 * (4 + r) + 16 * k, hi[r]); }
#else
            for (r = 0; r < 4; r++) { vst1q_s8(u + 32 * (4 * k + r), lo[r]); vst1q_s8(u + 32 * (4 * k + r) + 16, hi[r]); }
#endif
        }
        for (r = 0; r < 8; r++) {   /* as cat__f16_to_f32 (a signalling NaN comes out quiet, as d_g e_g would make it) */
            const uint16_t hv = sc[(size_t)(8 * h + r < nr ? 8 * h + r : nr - 1) * (size_t)G + (size_t)g];
            dv[8 * (h * ng + j) + r] = vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(hv))), 0);
        }
    }
}

/* x rows [i, i + M) by one half of 8 unpacked rows (ub, dv: its group 0)
   over groups [g0, g0 + ng): the f32 sums come from acc (row stride 16;
   first: from 0) and go to acc, or after the last chunk (y not NULL) to y
   (its first nc <= 8 columns, rows ldy apart) */
#define CAT__QM4(OP) OP(0) OP(1) OP(2) OP(3)
#define CAT__QNDECL(m) const int8_t *x##m = xa + (size_t)(m < M ? m : 0) * (size_t)P * 64; \
    const float *e##m = q->e + (size_t)(i + (m < M ? m : 0)) * (size_t)P * 2 + g0; \
    float32x4_t s##m##a = vdupq_n_f32(0.0f), s##m##b = s##m##a; int32x4_t c##m##a, c##m##b;
#define CAT__QNLD(m) if (M > m) { s##m##a = vld1q_f32(acc + 16 * m); s##m##b = vld1q_f32(acc + 16 * m + 4); }
#define CAT__QNST(m) if (M > m) { vst1q_f32(acc + 16 * m, s##m##a); vst1q_f32(acc + 16 * m + 4, s##m##b); }
#define CAT__QNY(m) if (M > m) { if (nc == 8) { vst1q_f32(y + (size_t)m * ldy, s##m##a); vst1q_f32(y + (size_t)m * ldy + 4, s##m##b); } \
    else { float t[8]; vst1q_f32(t, s##m##a); vst1q_f32(t + 4, s##m##b); memcpy(y + (size_t)m * ldy, t, sizeof(float) * (size_t)nc); } }
#define CAT__QNFMA(m) if (M > m) { const float em = e##m[j]; \
    s##m##a = vfmaq_f32(s##m##a, vcvtq_f32_s32(c##m##a), vmulq_n_f32(d0, em)); s##m##b = vfmaq_f32(s##m##b, vcvtq_f32_s32(c##m##b), vmulq_n_f32(d1, em)); }
/* gcc: the weights loaded where they are used (it otherwise loads a group's
   16 registers of them first and spills the sums; clang spills with it) */
#if defined(__GNUC__) && !defined(__clang__)
#define CAT__QNBAR __asm__ __volatile__("" ::: "memory");
#else
#define CAT__QNBAR
#endif
#if CAT__QNDOT
#define CAT__QNZ(m) if (M > m) { c##m##a = vdupq_n_s32(0); c##m##b = c##m##a; }
#define CAT__QNXL(m) int8x16_t v##m = vld1q_s8(x##m + 32 * j);
#define CAT__QNXH(m) if (M > m) v##m = vld1q_s8(x##m + 32 * j + 16);
#define CAT__QNS1(m, l) if (M > m) { c##m##a = vdotq_laneq_s32(c##m##a, w0, v##m, l); c##m##b = vdotq_laneq_s32(c##m##b, w1, v##m, l); }
#define CAT__QNSTEP(t, l) { const int8x16_t w0 = vld1q_s8(wv + 32 * (t)), w1 = vld1q_s8(wv + 32 * (t) + 16); \
    CAT__QNS1(0, l) CAT__QNS1(1, l) CAT__QNS1(2, l) CAT__QNS1(3, l) CAT__QNBAR }
#else
#define CAT__QNW(r) vld1q_s8(wv + 32 * (r)), vld1q_s8(wv + 32 * (r) + 16)
#define CAT__QNQ(m) if (M > m) { const int8x16_t xl = vld1q_s8(x##m + 32 * j), xh = vld1q_s8(x##m + 32 * j + 16); \
    c##m##a = cat__qn_dot4(q4, CAT__QNW(0), xl, xh, CAT__QNW(1), xl, xh, CAT__QNW(2), xl, xh, CAT__QNW(3), xl, xh); CAT__QNBAR \
    c##m##b = cat__qn_dot4(q4, CAT__QNW(4), xl, xh, CAT__QNW(5), xl, xh, CAT__QNW(6), xl, xh, CAT__QNW(7), xl, xh); CAT__QNBAR }
#endif
CAT__INLINE void cat__qn_mk(const int M, const int q4, float *acc, int first, float *y, int ldy, int nc, const cat__xq *q, int64_t i,
                            const int8_t *ub, const float *dv, int64_t g0, int ng) {
    const int64_t P = q->P;
    const int8_t *xa = q->a + (size_t)i * (size_t)P * 64 + 32 * g0;
    int j;
    CAT__QM4(CAT__QNDECL)
    (void)q4;
    if (!first) { CAT__QM4(CAT__QNLD) }
    for (j = 0; j < ng; j++) {
        const int8_t *wv = ub + (size_t)256 * (size_t)j;
        const float32x4_t d0 = vld1q_f32(dv + 8 * j), d1 = vld1q_f32(dv + 8 * j + 4);
#if CAT__QNDOT
        CAT__QM4(CAT__QNZ)
        {
            CAT__QM4(CAT__QNXL)
            CAT__QNSTEP(0, 0) CAT__QNSTEP(1, 1) CAT__QNSTEP(2, 2) CAT__QNSTEP(3, 3)
            CAT__QM4(CAT__QNXH)
            CAT__QNSTEP(4, 0) CAT__QNSTEP(5, 1) CAT__QNSTEP(6, 2) CAT__QNSTEP(7, 3)
        }
#else
        CAT__QM4(CAT__QNQ)
#endif
        CAT__QM4(CAT__QNFMA)
    }
    if (y) { CAT__QM4(CAT__QNY) }
    else { CAT__QM4(CAT__QNST) }
}
#undef CAT__QM4
#undef CAT__QNDECL
#undef CAT__QNLD
#undef CAT__QNST
#undef CAT__QNY
#undef CAT__QNFMA
#undef CAT__QNZ
#undef CAT__QNXL
#undef CAT__QNXH
#undef CAT__QNS1
#undef CAT__QNSTEP
#undef CAT__QNBAR
#undef CAT__QNW
#undef CAT__QNQ

/* decode: the integer sums of 4 groups of one weight row (wg: their bytes,
   q8 128, q4 64) with x (x_k l / h: group k's columns 0-15 / 16-31), as f32,
   a lane a group; c8: 8 times x's group sums (sdot and q4: the nibbles are
   used as they are, 0 .. 15, and 8 times x's sum taken off) */
CAT__INLINE float32x4_t cat__qn_row4(const int q4, const uint8_t *wg, int8x16_t x0l, int8x16_t x0h, int8x16_t x1l, int8x16_t x1h,
                                     int8x16_t x2l, int8x16_t x2h, int8x16_t x3l, int8x16_t x3h, int32x4_t c8) {
    int8x16_t w0l, w0h, w1l, w1h, w2l, w2h, w3l, w3h;
    if (q4) {
        const uint8x16_t m4 = vdupq_n_u8(15);
        const uint8x16_t b0 = vld1q_u8(wg), b1 = vld1q_u8(wg + 16), b2 = vld1q_u8(wg + 32), b3 = vld1q_u8(wg + 48);
        w0l = vreinterpretq_s8_u8(vandq_u8(b0, m4)); w0h = vreinterpretq_s8_u8(vshrq_n_u8(b0, 4));
        w1l = vreinterpretq_s8_u8(vandq_u8(b1, m4)); w1h = vreinterpretq_s8_u8(vshrq_n_u8(b1, 4));
        w2l = vreinterpretq_s8_u8(vandq_u8(b2, m4)); w2h = vreinterpretq_s8_u8(vshrq_n_u8(b2, 4));
        w3l = vreinterpretq_s8_u8(vandq_u8(b3, m4)); w3h = vreinterpretq_s8_u8(vshrq_n_u8(b3, 4));
#if CAT__QNDOT
        return vcvtq_f32_s32(vsubq_s32(cat__qn_dot4(0, w0l, w0h, x0l, x0h, w1l, w1h, x1l, x1h, w2l, w2h, x2l, x2h, w3l, w3h, x3l, x3h), c8));
#else
        {
            const int8x16_t e8 = vdupq_n_s8(8);
            (void)c8;
            w0l = vsubq_s8(w0l, e8); w0h = vsubq_s8(w0h, e8); w1l = vsubq_s8(w1l, e8); w1h = vsubq_s8(w1h, e8);
            w2l = vsubq_s8(w2l, e8); w2h = vsubq_s8(w2h, e8); w3l = vsubq_s8(w3l, e8); w3h = vsubq_s8(w3h, e8);
            return vcvtq_f32_s32(cat__qn_dot4(1, w0l, w0h, x0l, x0h, w1l, w1h, x1l, x1h, w2l, w2h, x2l, x2h, w3l, w3h, x3l, x3h));
        }
#endif
    }
    (void)c8;
    w0l = vld1q_s8((const int8_t *)wg); w0h = vld1q_s8((const int8_t *)wg + 16);
    w1l = vld1q_s8((const int8_t *)wg + 32); w1h = vld1q_s8((const int8_t *)wg + 48);
    w2l = vld1q_s8((const int8_t *)wg + 64); w2h = vld1q_s8((const int8_t *)wg + 80);
    w3l = vld1q_s8((const int8_t *)wg + 96); w3h = vld1q_s8((const int8_t *)wg + 112);
    return vcvtq_f32_s32(cat__qn_dot4(0, w0l, w0h, x0l, x0h, w1l, w1h, x1l, x1h, w2l, w2h, x2l, x2h, w3l, w3h, x3l, x3h));
}
#define CAT__QNX x0l, x0h, x1l, x1h, x2l, x2h, x3l, x3h
/* s (a lane a row) plus groups 0 .. ng - 1 in turn: t_r, f_r hold row r's
   integer sums (as f32) and d_g e_g, a lane a group */
CAT__INLINE float32x4_t cat__qn_add4(float32x4_t s, int ng, float32x4_t t0, float32x4_t t1, float32x4_t t2, float32x4_t t3,
                                     float32x4_t f0, float32x4_t f1, float32x4_t f2, float32x4_t f3) {
    cat__qn_tr4(&t0, &t1, &t2, &t3);
    cat__qn_tr4(&f0, &f1, &f2, &f3);
    s = vfmaq_f32(s, t0, f0);
    if (ng > 1) s = vfmaq_f32(s, t1, f1);
    if (ng > 2) s = vfmaq_f32(s, t2, f2);
    if (ng > 3) s = vfmaq_f32(s, t3, f3);
    return s;
}
/* one x row by weight rows [o0, o1) (at most 16), 4 rows at a time (past o1:
   the last row again), 4 groups at a time */
CAT__INLINE void cat__qn_dec(const int q4, float *y, const cat__xq *q, int64_t i, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t in = W->cols, G = (in + 31) / 32, P = q->P;
    const size_t R = cat__qrow_bytes(W->dtype, in);
    const int nr = (int)(o1 - o0), gb = q4 ? 16 : 32;
    const int64_t Gf = q4 ? G : in / 32;   /* groups that lie whole in a row (all but at most one) */
    const int8_t *a = q->a + (size_t)i * (size_t)P * 64;
    const int32_t *xs = q->s + (size_t)i * (size_t)P * 2;
    const float *xe = q->e + (size_t)i * (size_t)P * 2;
    const uint16_t *sc = cat__qscales(W) + o0 * G;
    const uint8_t *wb = (const uint8_t *)W->data + (size_t)o0 * R;
    int r0, r;
    for (r0 = 0; r0 < nr; r0 += 4) {
        const uint8_t *w0 = wb + (size_t)(r0 < nr ? r0 : nr - 1) * R, *w1 = wb + (size_t)(r0 + 1 < nr ? r0 + 1 : nr - 1) * R;
        const uint8_t *w2 = wb + (size_t)(r0 + 2 < nr ? r0 + 2 : nr - 1) * R, *w3 = wb + (size_t)(r0 + 3 < nr ? r0 + 3 : nr - 1) * R;
        const uint16_t *d0 = sc + (size_t)(r0 < nr ? r0 : nr - 1) * (size_t)G, *d1 = sc + (size_t)(r0 + 1 < nr ? r0 + 1 : nr - 1) * (size_t)G;
        const uint16_t *d2 = sc + (size_t)(r0 + 2 < nr ? r0 + 2 : nr - 1) * (size_t)G, *d3 = sc + (size_t)(r0 + 3 < nr ? r0 + 3 : nr - 1) * (size_t)G;
        float32x4_t s = vdupq_n_f32(0.0f);
        int64_t g;
        for (g = 0; g + 4 <= Gf; g += 4) {
            const size_t o = (size_t)gb * (size_t)g;
            const int8x16_t x0l = vld1q_s8(a + 32 * g), x0h = vld1q_s8(a + 32 * g + 16), x1l = vld1q_s8(a + 32 * g + 32), x1h = vld1q_s8(a + 32 * g + 48);
            const int8x16_t x2l = vld1q_s8(a + 32 * g + 64), x2h = vld1q_s8(a + 32 * g + 80), x3l = vld1q_s8(a + 32 * g + 96), x3h = vld1q_s8(a + 32 * g + 112);
            const float32x4_t ev = vld1q_f32(xe + g);
            const int32x4_t c8 = vshlq_n_s32(vld1q_s32(xs + g), 3);
            CAT__PREFETCH(w0 + o, 1024); CAT__PREFETCH(w1 + o, 1024); CAT__PREFETCH(w2 + o, 1024); CAT__PREFETCH(w3 + o, 1024);
            s = cat__qn_add4(s, 4, cat__qn_row4(q4, w0 + o, CAT__QNX, c8), cat__qn_row4(q4, w1 + o, CAT__QNX, c8),
                             cat__qn_row4(q4, w2 + o, CAT__QNX, c8), cat__qn_row4(q4, w3 + o, CAT__QNX, c8),
                             vmulq_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(d0 + g))), ev), vmulq_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(d1 + g))), ev),
                             vmulq_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(d2 + g))), ev), vmulq_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(d3 + g))), ev));
        }
        if (g < G) {   /* the last 1 to 4 groups: through zeroed buffers, nothing past a row read */
            const int ng = (int)(G - g);
            const size_t o = (size_t)gb * (size_t)g, nw = R - o;   /* at most 4 groups' bytes (q8: g >= Gf - 3, and G <= Gf + 1) */
            const uint8_t *wr[4];
            const uint16_t *dr[4];
            int8_t xt[128];
            uint8_t wt[128];
            float et[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
            int32_t st[4] = { 0, 0, 0, 0 };
            uint16_t dt[4];
            float32x4_t tv[4], fv[4], ev;
            int32x4_t c8;
            int8x16_t x0l, x0h, x1l, x1h, x2l, x2h, x3l, x3h;
            wr[0] = w0; wr[1] = w1; wr[2] = w2; wr[3] = w3;
            dr[0] = d0; dr[1] = d1; dr[2] = d2; dr[3] = d3;
            memset(xt, 0, sizeof xt);
            memcpy(xt, a + 32 * g, (size_t)(32 * ng));
            memcpy(et, xe + g, sizeof(float) * (size_t)ng);
            memcpy(st, xs + g, sizeof(int32_t) * (size_t)ng);
            x0l = vld1q_s8(xt); x0h = vld1q_s8(xt + 16); x1l = vld1q_s8(xt + 32); x1h = vld1q_s8(xt + 48);
            x2l = vld1q_s8(xt + 64); x2h = vld1q_s8(xt + 80); x3l = vld1q_s8(xt + 96); x3h = vld1q_s8(xt + 112);
            ev = vld1q_f32(et);
            c8 = vshlq_n_s32(vld1q_s32(st), 3);
            for (r = 0; r < 4; r++) {
                memset(wt, 0, sizeof wt);
                memcpy(wt, wr[r] + o, nw);
                memset(dt, 0, sizeof dt);
                memcpy(dt, dr[r] + g, sizeof(uint16_t) * (size_t)ng);
                tv[r] = cat__qn_row4(q4, wt, CAT__QNX, c8);
                fv[r] = vmulq_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(dt))), ev);
            }
            s = cat__qn_add4(s, ng, tv[0], tv[1], tv[2], tv[3], fv[0], fv[1], fv[2], fv[3]);
        }
        if (nr - r0 >= 4) vst1q_f32(y + r0, s);
        else {
            float t[4];
            vst1q_f32(t, s);
            memcpy(y + r0, t, sizeof(float) * (size_t)(nr - r0));
        }
    }
}
#undef CAT__QNX
static void cat__q_block(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) {
    const int64_t G = (W->cols + 31) / 32;
    const int q4 = W->dtype == CAT_DTYPE_Q4, nr = (int)(o1 - o0), nh = (nr + 7) / 8;
    float ubm[CAT__QGC * 128 + 16], dvm[CAT__QGC * 16 + 16], accm[CAT__QMB * 16 + 16];
    int8_t *ub = (int8_t *)(void *)cat__align64(ubm);
    float *dv = cat__align64(dvm), *acc = cat__align64(accm);
    int64_t g0, i;
    int h;
    if (i1 - i0 <= 2) {   /* decode: the weights as they lie */
        for (i = i0; i < i1; i++) {
            if (q4) cat__qn_dec(1, y + (size_t)i * ldy + o0, q, i, W, o0, o1);
            else cat__qn_dec(0, y + (size_t)i * ldy + o0, q, i, W, o0, o1);
        }
        return;
    }
    for (g0 = 0; g0 < G; g0 += CAT__QGC) {
        const int ng = G - g0 < CAT__QGC ? (int)(G - g0) : CAT__QGC, first = g0 == 0, last = g0 + ng >= G;
        cat__qn_ilv(ub, dv, W, o0, o1, g0, ng);
        for (h = 0; h < nh; h++) {
            const int nc = nr - 8 * h < 8 ? nr - 8 * h : 8;
            const int8_t *uh = ub + (size_t)256 * (size_t)(h * ng);
            const float *dh = dv + (size_t)8 * (size_t)(h * ng);
            for (i = i0; i < i1; i += CAT__QNMR) {
                float *yo = last ? y + (size_t)i * ldy + o0 + 8 * h : NULL, *ac = acc + (size_t)(i - i0) * 16 + 8 * h;
#if CAT__QNDOT
#define CAT__QNCALL(M) cat__qn_mk(M, 0, ac, first, yo, ldy, nc, q, i, uh, dh, g0, ng)
                switch (i1 - i < 4 ? (int)(i1 - i) : 4) {
                case 1: CAT__QNCALL(1); break;
                case 2: CAT__QNCALL(2); break;
                case 3: CAT__QNCALL(3); break;
                default: CAT__QNCALL(4); break;
                }
#else
#define CAT__QNCALL(M) if (q4) cat__qn_mk(M, 1, ac, first, yo, ldy, nc, q, i, uh, dh, g0, ng); else cat__qn_mk(M, 0, ac, first, yo, ldy, nc, q, i, uh, dh, g0, ng)
                if (i1 - i < 2) CAT__QNCALL(1);
                else CAT__QNCALL(2);
#endif
#undef CAT__QNCALL
            }
        }
    }
}
#undef CAT__QGC
#undef CAT__QNMR
#undef CAT__QNDOT
#undef cat__qn_wrow
#undef cat__qn_tr4
#undef cat__qn_tr4i
#undef cat__qn_dot4
#undef cat__qn_ilv
#undef cat__qn_mk
#undef cat__qn_row4
#undef cat__qn_add4
#undef cat__qn_dec
#else
/* scalar: the reference */
static void cat__q_block(float *y, int ldy, const cat__xq *q, int64_t i0, int64_t i1, const cat__tensor *W, int64_t o0, int64_t o1) {
    cat__q_block_ref(y, ldy, q, i0, i1, W, o0, o1);
}
#endif

/* the rows of x quantized as cat__xq_rows does, 32 values at a time in
   registers: the same operations (exact max, one division, one product,
   truncation and the half-step test), so the same bytes */
#if CAT__ISA >= 2
static void cat__xq_rows_v(const cat__xq *q, const float *x, int64_t in, int64_t r0, int64_t r1) {
    int64_t r, g;
    for (r = r0; r < r1; r++) {
        int8_t *a = q->a + (size_t)r * (size_t)q->P * 64;
        int32_t *gs = q->s + (size_t)r * (size_t)q->P * 2;
        float *e = q->e + (size_t)r * (size_t)q->P * 2;
        const float *xr = x + (size_t)r * (size_t)in;
        for (g = 0; g < 2 * q->P; g++) {
            const int64_t c0 = g * 32, nc = in - c0 >= 32 ? 32 : in - c0 > 0 ? in - c0 : 0;
            float m, inv, eg;
            int bad;
#if CAT__ISA >= 3
            const __mmask16 k0 = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u), k1 = (__mmask16)(nc >= 32 ? 0xFFFFu : nc > 16 ? (1u << (nc - 16)) - 1u : 0u);
            const __m512 x0 = _mm512_maskz_loadu_ps(k0, xr + c0), x1 = _mm512_maskz_loadu_ps(k1, xr + c0 + 16);
            const __m512 a0 = _mm512_abs_ps(x0), a1 = _mm512_abs_ps(x1), big = _mm512_set1_ps(FLT_MAX);
            bad = (_mm512_cmp_ps_mask(a0, big, _CMP_NLE_UQ) | _mm512_cmp_ps_mask(a1, big, _CMP_NLE_UQ)) != 0;
            m = bad ? 0.0f : _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
#else
            __m256 xv[4], mx;
            int h;
            bad = 0;
            mx = _mm256_setzero_ps();
            for (h = 0; h < 4; h++) {
                const __m256 ab = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), xv[h] = nc >= 8 * h + 8 ? _mm256_loadu_ps(xr + c0 + 8 * h) : _mm256_setzero_ps());
                bad |= _mm256_movemask_ps(_mm256_cmp_ps(ab, _mm256_set1_ps(FLT_MAX), _CMP_NLE_UQ));
                mx = _mm256_max_ps(mx, ab);
            }
            if (nc < 32) {   /* a partial group: the scalar code */
                cat__xq_group(q, xr, in, r, g);
                continue;
            }
            {
                float t8[8];
                _mm256_storeu_ps(t8, mx);
                m = 0.0f;
                for (h = 0; h < 8; h++) m = t8[h] > m ? t8[h] : m;
            }
#endif
            inv = m > 0.0f ? 127.0f / m : 0.0f;
            eg = bad ? NAN : m / 127.0f;
            if (bad) memset(a + c0, 0, 32);
            else {
#if CAT__ISA >= 3
                const __m512 iv = _mm512_set1_ps(inv), hi = _mm512_set1_ps(127.0f), lo = _mm512_set1_ps(-127.0f), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
                __m512 u0 = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(x0, iv), lo), hi), u1 = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(x1, iv), lo), hi);
                __m512 t0 = _mm512_cvtepi32_ps(_mm512_cvttps_epi32(u0)), t1 = _mm512_cvtepi32_ps(_mm512_cvttps_epi32(u1));
                const __m512 d0 = _mm512_sub_ps(u0, t0), d1 = _mm512_sub_ps(u1, t1);
                t0 = _mm512_mask_add_ps(t0, _mm512_cmp_ps_mask(d0, half, _CMP_GE_OQ), t0, one);
                t0 = _mm512_mask_sub_ps(t0, _mm512_cmp_ps_mask(d0, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), t0, one);
                t1 = _mm512_mask_add_ps(t1, _mm512_cmp_ps_mask(d1, half, _CMP_GE_OQ), t1, one);
                t1 = _mm512_mask_sub_ps(t1, _mm512_cmp_ps_mask(d1, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), t1, one);
                _mm_storeu_si128((__m128i *)(void *)(a + c0), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(t0)));
                _mm_storeu_si128((__m128i *)(void *)(a + c0 + 16), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(t1)));
#else
                const __m256 iv = _mm256_set1_ps(inv), hi = _mm256_set1_ps(127.0f), lo = _mm256_set1_ps(-127.0f), one = _mm256_set1_ps(1.0f);
                __m256i iw[4];
                for (h = 0; h < 4; h++) {
                    const __m256 u = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(xv[h], iv), lo), hi);
                    __m256 t = _mm256_cvtepi32_ps(_mm256_cvttps_epi32(u));
                    const __m256 d = _mm256_sub_ps(u, t);
                    t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
                    t = _mm256_sub_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-0.5f), _CMP_LE_OQ), one));
                    iw[h] = _mm256_cvttps_epi32(t);
                }
                {   /* 32 int32 -> 32 int8 in order (the packs work within 128-bit lanes) */
                    const __m256i p01 = _mm256_packs_epi32(iw[0], iw[1]), p23 = _mm256_packs_epi32(iw[2], iw[3]);
                    const __m256i b = _mm256_packs_epi16(p01, p23);
                    _mm256_storeu_si256((__m256i *)(void *)(a + c0), _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
                }
#endif
            }
            {   /* the group's sum: bytes times 1, pairs, then pairs of pairs, then the 8 lanes */
                const __m256i av = _mm256_loadu_si256((const __m256i *)(const void *)(a + c0));
                _mm256_storeu_si256((__m256i *)(void *)(q->u + (size_t)r * (size_t)q->P * 64 + (size_t)c0), _mm256_xor_si256(av, _mm256_set1_epi8((char)0x80)));
                const __m256i s4 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), av), _mm256_set1_epi16(1));
                __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s4), _mm256_extracti128_si256(s4, 1));
                h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
                h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
                gs[g] = _mm_cvtsi128_si32(h);
                e[g] = eg;
            }
        }
    }
}
#endif
#if CAT__ISA < 2
static void cat__xq_rows_v(const cat__xq *q, const float *x, int64_t in, int64_t r0, int64_t r1) { cat__xq_rows(q, x, in, r0, r1); }
#endif
typedef struct { const cat__xq *q; const float *x; int64_t in; } cat__xq_job;
static void cat__xq_item(void *ctx, int64_t b, int tid) {
    const cat__xq_job *j = (const cat__xq_job *)ctx;
    (void)tid;
    cat__xq_rows_v(j->q, j->x, j->in, b, b + 1);
}

/* decode: the bytes of weights an item of cat__matmul_q holds (whole tiles of
   16 rows), as long as every thread still gets 8 items or more. Each item is
   a stream of memory the prefetchers pick up anew: 4 tiles instead of 1 made
   2-thread decode 1.1-1.3x faster (AMD EPYC Zen 4). AMD EPYC Zen 5, dense
   2048 x 12, 2 threads, alternated rounds: q4 8 and 16 tiles (147 and 295 KB)
   1.12-1.25x and 1.17-1.30x as fast as 4 (4 rounds), q8 8 tiles (278 KB)
   1.02-1.06x (3 of 3 rounds), 16 and 32 no better than 8 */
#ifndef CAT__QITEM
#define CAT__QITEM 262144
#endif
/* items: x blocks of CAT__QMB rows by tpi blocks of 16 weight rows (nblk items a block of x) */
typedef struct { float *y; int ldy; const cat__xq *q; int n; const cat__tensor *W; int64_t nblk, tpi; } cat__q_job;
static void cat__q_item(void *ctx, int64_t item, int tid) {
    const cat__q_job *J = (const cat__q_job *)ctx;
    const int64_t i0 = (item / J->nblk) * CAT__QMB, i1 = i0 + CAT__QMB < J->n ? i0 + CAT__QMB : J->n;
    const int64_t b0 = (item % J->nblk) * J->tpi;
    int64_t b, k;
    (void)tid;
    if (J->W->tl && i1 - i0 <= CAT__QDEC) {   /* decode from tiles (cat__q_block): the item's first bytes (they follow another thread's; the kernel fetches ahead from there) */
        const uint8_t *t = cat__tile_at(J->W, 16 * b0);
        for (k = 0; k < CAT__TPF; k += 64) CAT__PREFETCH_L2(t, k);
    }
    for (b = b0; b < b0 + J->tpi && 16 * b < J->W->rows; b++)
        cat__q_block(J->y, J->ldy, J->q, i0, i1, J->W, b * 16, (b + 1) * 16 < J->W->rows ? (b + 1) * 16 : J->W->rows);
}
/* y = x W^T for q8 / q4 W: the rows of x are quantized into xs (as many at a
   time as it holds); with no room for one row, y is NaN */
static void cat__matmul_q(float *y, int ldy, const float *x, int n, const cat__tensor *W, cat__pool *pool, void *xs, size_t xs_bytes) {
    const int64_t out = W->rows, in = W->cols, row = (int64_t)cat__xq_bytes(1, in) - 192;
    const int64_t fit = xs && xs_bytes > 192 ? (int64_t)(xs_bytes - 192) / row : 0;
    const int per = (int)(fit < n ? fit : n);
    int r0;
    if (per < 1) {
        int i; int64_t o;
        for (i = 0; i < n; i++) for (o = 0; o < out; o++) y[(size_t)i * ldy + o] = NAN;
        return;
    }
    for (r0 = 0; r0 < n; r0 += per) {
        const int nn = n - r0 < per ? n - r0 : per;
        const cat__xq q = cat__xq_at(xs, nn, in);
        cat__xq_job xj;
        cat__q_job J;
        xj.q = &q; xj.x = x + (size_t)r0 * in; xj.in = in;
        if ((int64_t)nn * in >= 65536 && pool) cat__par(pool, cat__xq_item, &xj, nn);
        else cat__xq_rows_v(&q, xj.x, in, 0, nn);
        J.y = y + (size_t)r0 * ldy; J.ldy = ldy; J.q = &q; J.n = nn; J.W = W;
        J.tpi = nn <= CAT__QDEC ? cat__item_blocks(CAT__QITEM, (int64_t)cat__qrow_bytes(W->dtype, in), (out + 15) / 16, pool) : 1;
        J.nblk = ((out + 15) / 16 + J.tpi - 1) / J.tpi;
        cat__par((int64_t)nn * out * in >= 65536 ? pool : NULL, cat__q_item, &J, J.nblk * ((nn + CAT__QMB - 1) / CAT__QMB));
    }
}

static void cat__matmul(float *y, int ldy, const float *x, int n, const cat__tensor *W, cat__pool *pool, void *xs, size_t xs_bytes) {
    const int64_t out = W->rows, in = W->cols;
    cat__mm_job j;
    (void)xs; (void)xs_bytes;
    if (n <= 0 || out <= 0) return;
    if (in <= 0) { int i; int64_t o; for (i = 0; i < n; i++) for (o = 0; o < out; o++) y[(size_t)i * ldy + o] = 0.0f; return; }
    if (W->dtype == CAT_DTYPE_Q8 || W->dtype == CAT_DTYPE_Q4) { cat__matmul_q(y, ldy, x, n, W, pool, xs, xs_bytes); return; }
#if CAT__ISA == 4
    if (W->dtype == CAT_DTYPE_BF16 && xs && xs_bytes / 2 >= (size_t)in) { cat__matmul_dp(y, ldy, x, n, W, pool, (uint16_t *)xs, xs_bytes / 2); return; }
#endif
#if CAT__ISA >= 3
    if (n <= 2) { cat__mvn(y, ldy, x, n, W, pool); return; }
#endif
    j.y = y; j.ldy = ldy; j.x = x; j.n = n; j.W = W; j.ntile = (out + CAT__NR - 1) / CAT__NR;
    j.ngrp = (j.ntile + CAT__NG(CAT__NR) - 1) / CAT__NG(CAT__NR);
    /* items: x blocks of CAT__MB rows (outer) by groups of tiles of CAT__NR weight rows */
    cat__par((int64_t)n * out * in >= 65536 ? pool : NULL, cat__mm_item, &j, j.ngrp * ((n + CAT__MB - 1) / CAT__MB));
}

#if CAT__ISA >= 3
/* hd = 16 * NV (NV <= 8): q in registers, 16 keys' lane sums reduced in
   registers by cat__tree16 */
CAT__INLINE __m512 cat__dot16_r(const __m512 *qv, const float *r, const int NV) {
    __m512 a = _mm512_mul_ps(qv[0], _mm512_loadu_ps(r));   /* == fma(q, k, 0) */
    if (NV > 1) a = _mm512_fmadd_ps(qv[1], _mm512_loadu_ps(r + 16), a);
    if (NV > 2) { a = _mm512_fmadd_ps(qv[2], _mm512_loadu_ps(r + 32), a); a = _mm512_fmadd_ps(qv[3], _mm512_loadu_ps(r + 48), a); }
    if (NV > 4) {
        a = _mm512_fmadd_ps(qv[4], _mm512_loadu_ps(r + 64), a); a = _mm512_fmadd_ps(qv[5], _mm512_loadu_ps(r + 80), a);
        a = _mm512_fmadd_ps(qv[6], _mm512_loadu_ps(r + 96), a); a = _mm512_fmadd_ps(qv[7], _mm512_loadu_ps(r + 112), a);
    }
    return a;
}
CAT__INLINE void cat__scores_r(float *sc, const float *q, const float *k, size_t stride, int n, float scale, const int NV) {
    const __m512 sv = _mm512_set1_ps(scale);
    __m512 qv[8], v[16];
    int e0, e, j;
    for (j = 0; j < NV; j++) qv[j] = _mm512_loadu_ps(q + 16 * j);
    for (e0 = 0; e0 < n; e0 += 16) {
        const int c = n - e0 < 16 ? n - e0 : 16;
        for (e = 0; e < 16; e++) {
            const float *row = k + (size_t)(e0 + e) * stride;
            if (e >= c) { v[e] = _mm512_setzero_ps(); continue; }
            if (e0 + e + CAT__AHEAD < n) cat__prefetch_row(row + CAT__AHEAD * stride, 16 * NV);
            v[e] = cat__dot16_r(qv, row, NV);
        }
        _mm512_mask_storeu_ps(sc + e0, (__mmask16)((1u << c) - 1u), _mm512_mul_ps(cat__tree16(v), sv));
    }
}
#endif
/* sc[e] = scale * dot(q, k + e * stride) for e < n, each dot in the canonical
   order above (the bits of a one-row cat__matmul), 16 rows a group so that
   one tree reduces them all */
static void cat__scores(float *sc, const float *q, const float *k, size_t stride, int n, int hd, float scale) {
    float accm[16 * 16 + 16], red[16];
    float *acc = cat__align64(accm);
    int e0, e, c;
#if CAT__ISA >= 3
    switch (hd) {
    case 16: cat__scores_r(sc, q, k, stride, n, scale, 1); return;
    case 32: cat__scores_r(sc, q, k, stride, n, scale, 2); return;
    case 64: cat__scores_r(sc, q, k, stride, n, scale, 4); return;
    case 128: cat__scores_r(sc, q, k, stride, n, scale, 8); return;
    default: break;
    }
#endif
    for (e0 = 0; e0 < n; e0 += 16) {
        c = n - e0 < 16 ? n - e0 : 16;
        for (e = 0; e < c; e++) {
            if (e0 + e + CAT__AHEAD < n) cat__prefetch_row(k + (size_t)(e0 + e + CAT__AHEAD) * stride, hd);
            cat__mk11(acc + 16 * e, 1, q, k + (size_t)(e0 + e) * stride, hd > 0 ? hd : 0);
        }
        if (c < 16) memset(acc + 16 * c, 0, sizeof(float) * 16 * (size_t)(16 - c));
        cat__hsum16x16(red, acc);
        for (e = 0; e < c; e++) sc[e0 + e] = red[e] * scale;
    }
}

/* o[j] += p[e] * v[e * stride + j] for e = 0, 1, ..., n-1 in turn (j < hd):
   one fma per element and row, in row order */
#if CAT__ISA >= 3
CAT__INLINE void cat__wsum_r(float *o, const float *p, const float *v, size_t stride, int n, const int NV) {
    __m512 a0 = _mm512_loadu_ps(o), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    int e;
    if (NV > 1) a1 = _mm512_loadu_ps(o + 16);
    if (NV > 2) { a2 = _mm512_loadu_ps(o + 32); a3 = _mm512_loadu_ps(o + 48); }
    if (NV > 4) { a4 = _mm512_loadu_ps(o + 64); a5 = _mm512_loadu_ps(o + 80); a6 = _mm512_loadu_ps(o + 96); a7 = _mm512_loadu_ps(o + 112); }
    for (e = 0; e < n; e++) {
        const float *r = v + (size_t)e * stride;
        const __m512 pv = _mm512_set1_ps(p[e]);
        if (e + CAT__AHEAD < n) cat__prefetch_row(r + CAT__AHEAD * stride, 16 * NV);
        a0 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r), a0);
        if (NV > 1) a1 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 16), a1);
        if (NV > 2) { a2 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 32), a2); a3 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 48), a3); }
        if (NV > 4) {
            a4 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 64), a4); a5 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 80), a5);
            a6 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 96), a6); a7 = _mm512_fmadd_ps(pv, _mm512_loadu_ps(r + 112), a7);
        }
    }
    _mm512_storeu_ps(o, a0);
    if (NV > 1) _mm512_storeu_ps(o + 16, a1);
    if (NV > 2) { _mm512_storeu_ps(o + 32, a2); _mm512_storeu_ps(o + 48, a3); }
    if (NV > 4) { _mm512_storeu_ps(o + 64, a4); _mm512_storeu_ps(o + 80, a5); _mm512_storeu_ps(o + 96, a6); _mm512_storeu_ps(o + 112, a7); }
}
#endif
static void cat__wsum(float *o, const float *p, const float *v, size_t stride, int n, int hd) {
    int e, j;
#if CAT__ISA >= 3
    switch (hd) {   /* the head sizes in use: o lives in registers */
    case 16: cat__wsum_r(o, p, v, stride, n, 1); return;
    case 32: cat__wsum_r(o, p, v, stride, n, 2); return;
    case 64: cat__wsum_r(o, p, v, stride, n, 4); return;
    case 128: cat__wsum_r(o, p, v, stride, n, 8); return;
    default: break;
    }
#endif
    for (e = 0; e < n; e++) {
        const float *r = v + (size_t)e * stride;
        j = 0;
        if (e + CAT__AHEAD < n) cat__prefetch_row(r + CAT__AHEAD * stride, hd);
#if CAT__ISA >= 3
        {
            const __m512 av = _mm512_set1_ps(p[e]);
            for (; j + 16 <= hd; j += 16) _mm512_storeu_ps(o + j, _mm512_fmadd_ps(av, _mm512_loadu_ps(r + j), _mm512_loadu_ps(o + j)));
            if (j < hd) {
                const __mmask16 m = (__mmask16)((1u << (hd - j)) - 1u);
                _mm512_mask_storeu_ps(o + j, m, _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, r + j), _mm512_maskz_loadu_ps(m, o + j)));
            }
        }
#elif CAT__ISA == 2
        {
            const __m256 av = _mm256_set1_ps(p[e]);
            for (; j + 8 <= hd; j += 8) _mm256_storeu_ps(o + j, _mm256_fmadd_ps(av, _mm256_loadu_ps(r + j), _mm256_loadu_ps(o + j)));
            for (; j < hd; j++) o[j] = fmaf(p[e], r[j], o[j]);
        }
#elif CAT__ISA == 1
        for (; j + 4 <= hd; j += 4) vst1q_f32(o + j, vfmaq_n_f32(vld1q_f32(o + j), vld1q_f32(r + j), p[e]));
        for (; j < hd; j++) o[j] = fmaf(p[e], r[j], o[j]);
#else
        for (; j < hd; j++) o[j] = CAT__FMA(p[e], r[j], o[j]);
#endif
    }
}


/* The rows of one head that see the same keys, CAT__AG at a time (prefill):
   each key and value row is read once for all of them. Per query the bits
   of cat__scores / cat__wsum: the same operations on the same values. */
/* sc[g][e] = scale * dot(q[g], k + e * stride) for g < G, e < n */
#if CAT__ISA >= 3
CAT__INLINE void cat__scores_gr(float *const *sc, const float *const *q, int G, const float *k, size_t stride, int n, float scale, const int NV) {
    const __m512 sv = _mm512_set1_ps(scale);
    __m512 qv[8], v[16];
    int e0, e, g, j;
    for (e0 = 0; e0 < n; e0 += 16) {
        const int c = n - e0 < 16 ? n - e0 : 16;
        for (e = 0; e < c; e++) if (e0 + e + CAT__AHEAD < n) cat__prefetch_row(k + (size_t)(e0 + e + CAT__AHEAD) * stride, 16 * NV);
        for (g = 0; g < G; g++) {
            for (j = 0; j < NV; j++) qv[j] = _mm512_loadu_ps(q[g] + 16 * j);
            for (e = 0; e < 16; e++) v[e] = e < c ? cat__dot16_r(qv, k + (size_t)(e0 + e) * stride, NV) : _mm512_setzero_ps();
            _mm512_mask_storeu_ps(sc[g] + e0, (__mmask16)((1u << c) - 1u), _mm512_mul_ps(cat__tree16(v), sv));
        }
    }
}
#endif
static void cat__scores_g(float *const *sc, const float *const *q, int G, const float *k, size_t stride, int n, int hd, float scale) {
    int g;
#if CAT__ISA >= 3
    switch (hd) {
    case 16: cat__scores_gr(sc, q, G, k, stride, n, scale, 1); return;
    case 32: cat__scores_gr(sc, q, G, k, stride, n, scale, 2); return;
    case 64: cat__scores_gr(sc, q, G, k, stride, n, scale, 4); return;
    case 128: cat__scores_gr(sc, q, G, k, stride, n, scale, 8); return;
    default: break;
    }
#endif
    for (g = 0; g < G; g++) cat__scores(sc[g], q[g], k, stride, n, hd, scale);
}
/* o[g] += sum of p[g][e] * value row e for e < n[g], rows in order */
#if CAT__ISA >= 3
/* 4 queries by columns [c0, c0 + 16 NV) (NV <= 4), rows [0, n): 16 chains of fma in flight */
#define CAT__WG(OP) OP(0) OP(1) OP(2) OP(3)
#define CAT__WDECL(g) __m512 a##g##0 = _mm512_setzero_ps(), a##g##1 = a##g##0, a##g##2 = a##g##0, a##g##3 = a##g##0;
#define CAT__WLD(g) a##g##0 = _mm512_loadu_ps(o[g] + c0); if (NV > 1) a##g##1 = _mm512_loadu_ps(o[g] + c0 + 16); \
    if (NV > 2) { a##g##2 = _mm512_loadu_ps(o[g] + c0 + 32); a##g##3 = _mm512_loadu_ps(o[g] + c0 + 48); }
#define CAT__WFMA(g) { const __m512 pv = _mm512_set1_ps(p[g][e]); a##g##0 = _mm512_fmadd_ps(pv, w0, a##g##0); \
    if (NV > 1) a##g##1 = _mm512_fmadd_ps(pv, w1, a##g##1); \
    if (NV > 2) { a##g##2 = _mm512_fmadd_ps(pv, w2, a##g##2); a##g##3 = _mm512_fmadd_ps(pv, w3, a##g##3); } }
#define CAT__WST(g) _mm512_storeu_ps(o[g] + c0, a##g##0); if (NV > 1) _mm512_storeu_ps(o[g] + c0 + 16, a##g##1); \
    if (NV > 2) { _mm512_storeu_ps(o[g] + c0 + 32, a##g##2); _mm512_storeu_ps(o[g] + c0 + 48, a##g##3); }
CAT__INLINE void cat__wsum4_r(float *const *o, const float *const *p, const float *v, size_t stride, int n, int c0, const int NV) {
    CAT__WG(CAT__WDECL)
    int e;
    CAT__WG(CAT__WLD)
    for (e = 0; e < n; e++) {
        const float *r = v + (size_t)e * stride + c0;
        const __m512 w0 = _mm512_loadu_ps(r), w1 = NV > 1 ? _mm512_loadu_ps(r + 16) : w0;
        const __m512 w2 = NV > 2 ? _mm512_loadu_ps(r + 32) : w0, w3 = NV > 2 ? _mm512_loadu_ps(r + 48) : w0;
        if (e + CAT__AHEAD < n) cat__prefetch_row(r + CAT__AHEAD * stride, 16 * NV);
        CAT__WG(CAT__WFMA)
    }
    CAT__WG(CAT__WST)
}
#undef CAT__WG
#undef CAT__WDECL
#undef CAT__WLD
#undef CAT__WFMA
#undef CAT__WST
#endif
static void cat__wsum_g(float *const *o, const float *const *p, const int *n, int G, const float *v, size_t stride, int hd) {
    int g, m = 0;
#if CAT__ISA >= 3
    if (G == 4 && (hd == 16 || hd == 32 || hd == 64 || hd == 128)) {
        m = n[0];
        for (g = 1; g < 4; g++) if (n[g] < m) m = n[g];
        if (m > 0) switch (hd) {
            case 16: cat__wsum4_r(o, p, v, stride, m, 0, 1); break;
            case 32: cat__wsum4_r(o, p, v, stride, m, 0, 2); break;
            case 64: cat__wsum4_r(o, p, v, stride, m, 0, 4); break;
            default: cat__wsum4_r(o, p, v, stride, m, 0, 4); cat__wsum4_r(o, p, v, stride, m, 64, 4); break;
            }
    }
#endif
    for (g = 0; g < G; g++) if (n[g] > m) cat__wsum(o[g], p[g] + m, v + (size_t)m * stride, stride, n[g] - m, hd);
}

/* exp, softmax and silu: the same operations in every path (NUMERICS).
   cat__exp(x): x > CAT__EXP_HI gives +inf, x < CAT__EXP_LO gives 0 (no
   subnormals), NaN gives NaN; else n = rint(x log2 e), r = x - n ln2 (two
   fma, ln2 in two parts), e^r = 1 + r + r^2 P(r) (P of degree 5 by Horner
   with fma), times 2^n built in the exponent bits (silu(h) measured within
   2.2 ulp of the exact value over [-100, 100]). */
#define CAT__EXP_HI 88.37626f
#define CAT__EXP_LOG2E 1.44269504089f
#define CAT__EXP_LN2HI -0.693359375f   /* -ln 2 in two parts; n * CAT__EXP_LN2HI is exact */
#define CAT__EXP_LN2LO 2.12194440e-4f
#define CAT__EXP_LO -87.33654f
#define CAT__EXP_C(OP) OP(1.9875691500e-4f) OP(1.3981999507e-3f) OP(8.3334519073e-3f) OP(4.1665795894e-2f) OP(1.6666665459e-1f) OP(5.0000001201e-1f)
#if CAT__ISA >= 3
CAT__INLINE __m512 cat__expv(__m512 x) {
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(CAT__EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(CAT__EXP_LN2HI), x), p = _mm512_set1_ps(0.0f), y;
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(CAT__EXP_LN2LO), r);
#define CAT__EXP_H(c) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    CAT__EXP_C(CAT__EXP_H)
#undef CAT__EXP_H
    y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    y = _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23)));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(CAT__EXP_HI), _CMP_GT_OQ), _mm512_set1_ps(INFINITY));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(CAT__EXP_LO), _CMP_LT_OQ), _mm512_setzero_ps());
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}
#elif CAT__ISA == 2
CAT__INLINE __m256 cat__expv(__m256 x) {
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(CAT__EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(CAT__EXP_LN2HI), x), p = _mm256_set1_ps(0.0f), y;
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(CAT__EXP_LN2LO), r);
#define CAT__EXP_H(c) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    CAT__EXP_C(CAT__EXP_H)
#undef CAT__EXP_H
    y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23)));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, _mm256_set1_ps(CAT__EXP_HI), _CMP_GT_OQ));
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_set1_ps(CAT__EXP_LO), _CMP_LT_OQ));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
#elif CAT__ISA == 1
CAT__INLINE float32x4_t cat__expv(float32x4_t x) {
    const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, CAT__EXP_LOG2E));
    float32x4_t r = vfmaq_f32(x, n, vdupq_n_f32(CAT__EXP_LN2HI)), p = vdupq_n_f32(0.0f), y;
    r = vfmaq_f32(r, n, vdupq_n_f32(CAT__EXP_LN2LO));
#define CAT__EXP_H(c) p = vfmaq_f32(vdupq_n_f32(c), p, r);
    CAT__EXP_C(CAT__EXP_H)
#undef CAT__EXP_H
    y = vaddq_f32(vfmaq_f32(r, p, vmulq_f32(r, r)), vdupq_n_f32(1.0f));
    y = vmulq_f32(y, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23)));
    y = vbslq_f32(vcgtq_f32(x, vdupq_n_f32(CAT__EXP_HI)), vdupq_n_f32(INFINITY), y);
    y = vbslq_f32(vcltq_f32(x, vdupq_n_f32(CAT__EXP_LO)), vdupq_n_f32(0.0f), y);
    return vbslq_f32(vceqq_f32(x, x), y, x);
}
#else
static float cat__exp1(float x) {
    float n, r, p = 0.0f, y, sc;
    int32_t b;
    if (x != x) return x;
    if (x > CAT__EXP_HI) return INFINITY;
    if (x < CAT__EXP_LO) return 0.0f;
    n = rintf(x * CAT__EXP_LOG2E);
    r = CAT__FMA(n, CAT__EXP_LN2HI, x);
    r = CAT__FMA(n, CAT__EXP_LN2LO, r);
#define CAT__EXP_H(c) p = CAT__FMA(p, r, c);
    CAT__EXP_C(CAT__EXP_H)
#undef CAT__EXP_H
    y = CAT__FMA(p, r * r, r) + 1.0f;
    b = ((int32_t)n + 127) * (1 << 23);
    memcpy(&sc, &b, 4);
    return y * sc;
}
#endif
#undef CAT__EXP_C
#undef CAT__EXP_LOG2E
#undef CAT__EXP_LN2HI
#undef CAT__EXP_LN2LO
#undef CAT__EXP_HI
#undef CAT__EXP_LO
/* p[e] = exp(p[e] - max) / sum for e < n: the sum in 16 lanes (lane l takes
   e = l, l + 16, ... in turn) and the tree of cat__hsum16, then p[e] * (1 / sum) */
static void cat__softmax(float *p, int n) {
    float mx = -INFINITY, lane[16], inv;
    int e = 0;
#if CAT__ISA >= 3
    {   /* the max is exact in any order (a NaN makes every output NaN either way) */
        __m512 mv = _mm512_set1_ps(-INFINITY);
        for (; e + 16 <= n; e += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(p + e));
        mx = _mm512_reduce_max_ps(mv);
    }
#endif
    for (; e < n; e++) if (p[e] > mx) mx = p[e];
#if CAT__ISA >= 3
    {
        const __m512 m = _mm512_set1_ps(mx);
        __m512 s = _mm512_setzero_ps();
        for (e = 0; e < n; e += 16) {
            const __mmask16 k = (__mmask16)(n - e >= 16 ? 0xFFFFu : (1u << (n - e)) - 1u);
            const __m512 v = cat__expv(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, p + e), m));
            _mm512_mask_storeu_ps(p + e, k, v);
            s = _mm512_add_ps(s, _mm512_maskz_mov_ps(k, v));
        }
        _mm512_storeu_ps(lane, s);
    }
#elif CAT__ISA == 2
    {
        const __m256 m = _mm256_set1_ps(mx);
        __m256 s0 = _mm256_setzero_ps(), s1 = s0;
        int l;
        for (e = 0; e + 16 <= n; e += 16) {
            const __m256 v0 = cat__expv(_mm256_sub_ps(_mm256_loadu_ps(p + e), m)), v1 = cat__expv(_mm256_sub_ps(_mm256_loadu_ps(p + e + 8), m));
            _mm256_storeu_ps(p + e, v0); _mm256_storeu_ps(p + e + 8, v1);
            s0 = _mm256_add_ps(s0, v0); s1 = _mm256_add_ps(s1, v1);
        }
        _mm256_storeu_ps(lane, s0); _mm256_storeu_ps(lane + 8, s1);
        if (e < n) {
            float t[16] = { 0 };
            memcpy(t, p + e, sizeof(float) * (size_t)(n - e));
            s0 = cat__expv(_mm256_sub_ps(_mm256_loadu_ps(t), m)); s1 = cat__expv(_mm256_sub_ps(_mm256_loadu_ps(t + 8), m));
            _mm256_storeu_ps(t, s0); _mm256_storeu_ps(t + 8, s1);
            memcpy(p + e, t, sizeof(float) * (size_t)(n - e));
            for (l = 0; l < n - e; l++) lane[l] += t[l];
        }
    }
#elif CAT__ISA == 1
    {
        const float32x4_t m = vdupq_n_f32(mx);
        float32x4_t s[4];
        int j, l;
        for (j = 0; j < 4; j++) s[j] = vdupq_n_f32(0.0f);
        for (e = 0; e + 16 <= n; e += 16)
            for (j = 0; j < 4; j++) {
                const float32x4_t v = cat__expv(vsubq_f32(vld1q_f32(p + e + 4 * j), m));
                vst1q_f32(p + e + 4 * j, v);
                s[j] = vaddq_f32(s[j], v);
            }
        for (j = 0; j < 4; j++) vst1q_f32(lane + 4 * j, s[j]);
        if (e < n) {
            float t[16] = { 0 };
            memcpy(t, p + e, sizeof(float) * (size_t)(n - e));
            for (j = 0; j < 4; j++) vst1q_f32(t + 4 * j, cat__expv(vsubq_f32(vld1q_f32(t + 4 * j), m)));
            memcpy(p + e, t, sizeof(float) * (size_t)(n - e));
            for (l = 0; l < n - e; l++) lane[l] += t[l];
        }
    }
#else
    for (e = 0; e < 16; e++) lane[e] = 0.0f;
    for (e = 0; e < n; e++) { p[e] = cat__exp1(p[e] - mx); lane[e & 15] += p[e]; }
#endif
    inv = 1.0f / cat__hsum16(lane);
    for (e = 0; e < n; e++) p[e] *= inv;
}
/* h[i] = silu(h[i]) * g[i] = h[i] / (1 + exp(-h[i])) * g[i] for i < n */
static void cat__silu_mul(float *h, const float *g, int64_t n) {
    int64_t i = 0;
#if CAT__ISA >= 3
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(h + i);
        _mm512_storeu_ps(h + i, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), cat__expv(_mm512_sub_ps(_mm512_setzero_ps(), x)))), _mm512_loadu_ps(g + i)));
    }
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1u);
        const __m512 x = _mm512_maskz_loadu_ps(k, h + i);
        _mm512_mask_storeu_ps(h + i, k, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), cat__expv(_mm512_sub_ps(_mm512_setzero_ps(), x)))), _mm512_maskz_loadu_ps(k, g + i)));
    }
#elif CAT__ISA == 2
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(h + i);
        _mm256_storeu_ps(h + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), cat__expv(_mm256_sub_ps(_mm256_setzero_ps(), x)))), _mm256_loadu_ps(g + i)));
    }
    if (i < n) {
        float t[8] = { 0 }, u[8] = { 0 };
        __m256 x;
        memcpy(t, h + i, sizeof(float) * (size_t)(n - i)); memcpy(u, g + i, sizeof(float) * (size_t)(n - i));
        x = _mm256_loadu_ps(t);
        _mm256_storeu_ps(t, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), cat__expv(_mm256_sub_ps(_mm256_setzero_ps(), x)))), _mm256_loadu_ps(u)));
        memcpy(h + i, t, sizeof(float) * (size_t)(n - i));
    }
#elif CAT__ISA == 1
    for (; i + 4 <= n; i += 4) {
        const float32x4_t x = vld1q_f32(h + i);
        vst1q_f32(h + i, vmulq_f32(vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), cat__expv(vnegq_f32(x)))), vld1q_f32(g + i)));
    }
    if (i < n) {
        float t[4] = { 0 }, u[4] = { 0 };
        float32x4_t x;
        memcpy(t, h + i, sizeof(float) * (size_t)(n - i)); memcpy(u, g + i, sizeof(float) * (size_t)(n - i));
        x = vld1q_f32(t);
        vst1q_f32(t, vmulq_f32(vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), cat__expv(vnegq_f32(x)))), vld1q_f32(u)));
        memcpy(h + i, t, sizeof(float) * (size_t)(n - i));
    }
#else
    for (; i < n; i++) h[i] = h[i] / (1.0f + cat__exp1(-h[i])) * g[i];
#endif
}

static const cat__kern CAT__KS(cat__kern) = { CAT__PATH, cat__matmul, cat__scores, cat__wsum, cat__scores_g, cat__wsum_g, cat__softmax, cat__silu_mul, CAT__ISA >= 3 };

#undef cat__hsum16
#undef cat__decode_chunk
#undef cat__mk
#undef cat__mk1_bf16
#undef cat__mk11
#undef cat__tree16
#undef cat__tree16r
#undef cat__hsum16v
#undef CAT__OUT46
#undef CAT__Z
#undef cat__out46
#undef cat__hsum16x16
#undef cat__v16
#undef cat__v16_zero
#undef cat__v16_ld
#undef cat__v16_st
#undef cat__v16_fma
#undef cat__v16_ldn
#undef cat__mk_1
#undef cat__mk_2
#undef cat__mk_3
#undef cat__mk_4
#undef cat__mm_tile
#undef cat__mv_row
#undef cat__mv_row4
#undef cat__mvn_item
#undef cat__mvn
#undef cat__mm_item
#undef cat__matmul
#undef cat__q_block_ref
#undef cat__q_ilv16
#undef cat__q_mk
#undef cat__q_bmask
#undef cat__q_tr16
#undef cat__q_dec16
#undef cat__q_dec_tl
#undef cat__q_drow
#undef cat__q_block
#undef cat__q_job
#undef cat__q_item
#undef cat__matmul_q
#undef cat__xq_rows_v
#undef cat__xq_job
#undef cat__xq_item
#undef cat__dot16_r
#undef cat__scores_r
#undef cat__scores
#undef cat__wsum_r
#undef cat__wsum
#undef cat__scores_gr
#undef cat__scores_g
#undef cat__wsum4_r
#undef cat__wsum_g
#undef cat__expv
#undef cat__exp1
#undef cat__softmax
#undef cat__silu_mul
#undef cat__x_to_bf16
#undef cat__mkdp
#undef cat__mkdp_1
#undef cat__mkdp_2
#undef cat__mkdp_3
#undef cat__mkdp_4
#undef cat__dp11
#undef cat__mm_tile_dp
#undef cat__mvdp_item
#undef cat__mmdp_item
#undef cat__matmul_dp
#undef CAT__HAVE_MK1_DEC
#undef CAT__MKY
#undef CAT__KS
#undef CAT__PATH
#undef CAT__MR
#undef CAT__NR
#endif /* CAT__KPASS */

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
