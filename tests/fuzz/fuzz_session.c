/* fuzz_session: the session API driven statefully. An input picks one of the
   small fixture models (the .cat files of tests/fixtures/extra: every family), session
   parameters (sequences, chunk size, context, batch), then a program of steps:
   feed one sequence (cat_session_feed), feed several interleaved
   (cat_session_feed_multi, prefill-sized or one token each), reset everything,
   reset one sequence, close and reopen, and deliberately bad calls.

   Invariants, checked after every step:
   - every sequence's logits equal, bit for bit, those of the same tokens fed to a
     single-sequence session of the same model and chunk (fed alongside: each
     sequence has its own reference session), and so does every logits row a feed
     returns;
   - a call that must fail (a token or sequence out of range, more tokens than
     the context holds) returns the documented error and leaves the session as it
     was: positions and logits unchanged, and the next feeds still agree with the
     references;
   - when the program ends, each sequence's logits also equal the last row of a
     brand-new session fed the whole history at once (a prefill).
   MIT License, see LICENSE. */
#include "fuzz.h"
#define CAT_IMPLEMENTATION
#include "../../cat.h"

#define FS_MAX_SEQ 4
#define FS_MAX_TOK 64   /* tokens in one feed */

static const char *const fs_names[] = { "x_cat_c1", "x_cat_c2_h1", "x_adaptive_c8", "x_adaptive_c32_mqa",
                                        "x_layer_c1_qk", "x_layer_c8", "x_dense_gqa", "x_cat_c32" };
#define FS_NM ((int)(sizeof fs_names / sizeof fs_names[0]))
static cat_model *fs_models[FS_NM];
static int fs_loaded;

static void fs_load(void) {
    int i;
    char path[1024], err[512];
    if (fs_loaded) return;
    fs_loaded = 1;
    for (i = 0; i < FS_NM; i++) {
        snprintf(path, sizeof path, "%s/tests/fixtures/extra/%s.cat", FUZZ_ROOT, fs_names[i]);
        if (cat_model_open(path, &fs_models[i], err, sizeof err) != CAT_OK) {
            fprintf(stderr, "fuzz_session: %s: %s (run from the repository root)\n", path, err);
            abort();
        }
    }
}

/* the input, read as a stream of bytes (zeros past its end) */
typedef struct { const uint8_t *p; size_t n, at; } fs_in;
static unsigned fs_byte(fs_in *in) { return in->at < in->n ? in->p[in->at++] : 0; }

typedef struct {
    const cat_model *m;
    cat_session_params sp;
    cat_session *s;
    cat_session *ref[FS_MAX_SEQ];       /* one single-sequence session per sequence */
    int32_t hist[FS_MAX_SEQ][256];      /* tokens each sequence holds */
    int32_t pos[FS_MAX_SEQ];
    int32_t PV, V, max_ctx;
    float *rows, *ref_rows, *snap;      /* feed outputs, reference rows, logits snapshot */
} fs_state;

static void fs_open_refs(fs_state *st) {
    cat_session_params rp;
    int q;
    memset(&rp, 0, sizeof rp);
    rp.chunk_size = st->sp.chunk_size;
    rp.n_threads = 1;
    for (q = 0; q < st->sp.n_seq; q++) FUZZ_ASSERT(cat_session_open(st->m, &rp, &st->ref[q]) == CAT_OK);
}

/* every sequence agrees with its reference */
static void fs_check(fs_state *st) {
    int q;
    for (q = 0; q < st->sp.n_seq; q++) {
        const float *a = cat_session_seq_logits(st->s, q), *b = cat_session_logits(st->ref[q]);
        FUZZ_ASSERT(cat_session_seq_pos(st->s, q) == st->pos[q]);
        FUZZ_ASSERT(cat_session_pos(st->ref[q]) == st->pos[q]);
        if (st->pos[q] == 0) { FUZZ_ASSERT(a == NULL); continue; }
        FUZZ_ASSERT(a != NULL && b != NULL);
        FUZZ_ASSERT(memcmp(a, b, sizeof(float) * (size_t)st->PV) == 0);
    }
}

/* feed n tokens (seq[i] for token i; seq NULL: all to sequence 0 through
   cat_session_feed) and check the result against what the API promises */
static void fs_feed(fs_state *st, const int32_t *seq, const int32_t *tok, size_t n, int want_rows) {
    cat_result want = CAT_OK, got;
    int32_t cnt[FS_MAX_SEQ] = { 0 };
    size_t i;
    int q;
    for (i = 0; i < n && want == CAT_OK; i++) {
        if (seq && (seq[i] < 0 || seq[i] >= st->sp.n_seq)) want = CAT_ERR_ARGS;
        else if (tok[i] < 0 || tok[i] >= st->PV) want = CAT_ERR_TOKEN;
    }
    for (i = 0; i < n && want == CAT_OK; i++) {
        q = seq ? seq[i] : 0;
        if (cnt[q] >= st->max_ctx - st->pos[q]) want = CAT_ERR_CONTEXT;
        cnt[q]++;
    }
    /* snapshot of sequence 0's logits, to see that a failed call changes nothing */
    if (st->pos[0]) memcpy(st->snap, cat_session_seq_logits(st->s, 0), sizeof(float) * (size_t)st->PV);
    got = seq ? cat_session_feed_multi(st->s, seq, tok, n, want_rows ? st->rows : NULL)
              : cat_session_feed(st->s, tok, n, want_rows ? st->rows : NULL);
    FUZZ_ASSERT(got == want);
    if (got != CAT_OK) {
        if (st->pos[0]) FUZZ_ASSERT(memcmp(st->snap, cat_session_seq_logits(st->s, 0), sizeof(float) * (size_t)st->PV) == 0);
        fs_check(st);
        return;
    }
    /* the references take each token in turn; a returned row must equal theirs */
    for (i = 0; i < n; i++) {
        q = seq ? seq[i] : 0;
        FUZZ_ASSERT(cat_session_feed(st->ref[q], &tok[i], 1, st->ref_rows) == CAT_OK);
        if (want_rows) FUZZ_ASSERT(memcmp(st->rows + i * (size_t)st->PV, st->ref_rows, sizeof(float) * (size_t)st->PV) == 0);
        st->hist[q][st->pos[q]++] = tok[i];
    }
    fs_check(st);
}

/* a token: mostly valid, sometimes a padded id, rarely out of range */
static int32_t fs_token(fs_state *st, fs_in *in) {
    unsigned b = fs_byte(in);
    if (b == 255) return (fs_byte(in) & 1) ? st->PV : -1;
    if (b == 254) return st->V + (int32_t)(fs_byte(in) % (unsigned)(st->PV - st->V + 1)) - 1;
    return (int32_t)((b | fs_byte(in) << 8) % (unsigned)st->V);
}

/* the whole history of each sequence through a brand-new session at once */
static void fs_final(fs_state *st) {
    cat_session_params rp;
    cat_session *f;
    int q;
    memset(&rp, 0, sizeof rp);
    rp.chunk_size = st->sp.chunk_size;
    rp.n_batch = 7;
    FUZZ_ASSERT(cat_session_open(st->m, &rp, &f) == CAT_OK);
    for (q = 0; q < st->sp.n_seq; q++) {
        if (!st->pos[q]) continue;
        cat_session_reset(f);
        FUZZ_ASSERT(cat_session_feed(f, st->hist[q], (size_t)st->pos[q], NULL) == CAT_OK);
        FUZZ_ASSERT(memcmp(cat_session_logits(f), cat_session_seq_logits(st->s, q), sizeof(float) * (size_t)st->PV) == 0);
    }
    cat_session_close(f);
}

static void fs_close_all(fs_state *st) {
    int q;
    cat_session_close(st->s);
    st->s = NULL;
    for (q = 0; q < FS_MAX_SEQ; q++) { cat_session_close(st->ref[q]); st->ref[q] = NULL; }
}

int FUZZ_ENTRY(const uint8_t *data, size_t size) {
    fs_in in;
    fs_state st;
    const cat_config *c;
    unsigned b, steps = 0;
    int q;
    in.p = data; in.n = size; in.at = 0;
    fs_load();
    memset(&st, 0, sizeof st);
    st.m = fs_models[fs_byte(&in) % FS_NM];
    c = cat_model_config(st.m);
    st.PV = c->padded_vocab;
    st.V = c->vocab_size;
    b = fs_byte(&in);
    st.sp.n_seq = 1 + (int32_t)(b % FS_MAX_SEQ);
    if (c->family == CAT_FAMILY_CAT_ADAPTIVE) {
        int32_t ch = (int32_t)1 << ((b >> 2) % 7);
        st.sp.chunk_size = ch <= c->chunk_size ? ch : 0;
    }
    st.sp.n_batch = (int32_t)((b >> 5) % 5) * 3;          /* 0 (default), 3, 6, 9, 12 */
    b = fs_byte(&in);
    st.sp.max_context = b % 3 == 0 ? 0 : 1 + (int32_t)(b % (unsigned)(c->block_size < 48 ? c->block_size : 48));
    st.sp.n_threads = 1;
    st.max_ctx = st.sp.max_context ? st.sp.max_context : c->block_size;
    if (st.max_ctx > 256) return 0;
    FUZZ_ASSERT(cat_session_open(st.m, &st.sp, &st.s) == CAT_OK);
    FUZZ_ASSERT(cat_session_n_seq(st.s) == st.sp.n_seq && cat_session_max_context(st.s) == st.max_ctx);
    fs_open_refs(&st);
    st.rows = (float *)malloc(sizeof(float) * (size_t)st.PV * FS_MAX_TOK);
    st.ref_rows = (float *)malloc(sizeof(float) * (size_t)st.PV);
    st.snap = (float *)malloc(sizeof(float) * (size_t)st.PV);
    FUZZ_ASSERT(st.rows && st.ref_rows && st.snap);

    while (in.at < in.n && steps++ < 64) {
        int32_t seq[FS_MAX_TOK], tok[FS_MAX_TOK];
        size_t n, i;
        b = fs_byte(&in);
        switch (b % 8) {
        case 0: case 1:   /* feed sequence 0: a prefill piece or a single token */
            n = b % 8 == 0 ? fs_byte(&in) % 24 : 1;
            for (i = 0; i < n; i++) tok[i] = fs_token(&st, &in);
            fs_feed(&st, NULL, tok, n, (b >> 3) & 1);
            break;
        case 2: case 3:   /* several sequences together: a batched prefill or one decode step each */
            if (b % 8 == 2) {
                n = fs_byte(&in) % FS_MAX_TOK;
                for (i = 0; i < n; i++) { unsigned x = fs_byte(&in); seq[i] = (x & 0x80) && (x & 0x40) ? (int32_t)(x & 7) - 2 : (int32_t)(x % (unsigned)st.sp.n_seq); }
            } else {
                for (n = 0; n < (size_t)st.sp.n_seq; n++) seq[n] = (int32_t)n;
            }
            for (i = 0; i < n; i++) tok[i] = fs_token(&st, &in);
            fs_feed(&st, seq, tok, n, (b >> 3) & 1);
            break;
        case 4:           /* reset everything */
            cat_session_reset(st.s);
            for (q = 0; q < st.sp.n_seq; q++) { cat_session_reset(st.ref[q]); st.pos[q] = 0; }
            fs_check(&st);
            break;
        case 5:           /* reset one sequence (out-of-range ids are ignored) */
            q = (int)(fs_byte(&in) % (unsigned)(st.sp.n_seq + 1));
            cat_session_seq_reset(st.s, q);
            if (q < st.sp.n_seq) { cat_session_reset(st.ref[q]); st.pos[q] = 0; }
            fs_check(&st);
            break;
        case 6:           /* close and reopen with the same parameters */
            fs_final(&st);
            fs_close_all(&st);
            FUZZ_ASSERT(cat_session_open(st.m, &st.sp, &st.s) == CAT_OK);
            fs_open_refs(&st);
            memset(st.pos, 0, sizeof st.pos);
            fs_check(&st);
            break;
        default:          /* fill one sequence to the brim, then one token too many */
            q = (int)(fs_byte(&in) % (unsigned)st.sp.n_seq);
            n = (size_t)(st.max_ctx - st.pos[q]);
            if (n > FS_MAX_TOK - 1) n = FS_MAX_TOK - 1;
            for (i = 0; i < n + 1; i++) { seq[i] = q; tok[i] = (int32_t)((i * 7 + 3) % (size_t)st.V); }
            fs_feed(&st, seq, tok, n + 1, 0);   /* fails when n tokens fill the context */
            break;
        }
    }
    fs_final(&st);
    fs_close_all(&st);
    free(st.rows); free(st.ref_rows); free(st.snap);
    return 0;
}
