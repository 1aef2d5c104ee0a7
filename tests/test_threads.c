/* test_threads: one model shared by many sessions in many threads gives
   results identical, bit for bit, to the same work done one job after another;
   one tokenizer shared by many threads encodes as it does alone.
   usage: test_threads FIXTURES_DIR CAT_CONVERT_BINARY
   (converted models go next to CAT_CONVERT_BINARY and are removed at the end)
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200809L
#define CAT_IMPLEMENTATION
#include "cat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define NJOBS 8

/* one job: a token sequence through a session (fed in uneven pieces) or
   through cat_forward, at some chunk size; all logits are kept */
typedef struct {
    const cat_model *m;
    int32_t chunk, n, incremental, piece;
    int32_t tok[128];
    float *logits;      /* n * padded_vocab */
    cat_result r;
} job;

static void *run_job(void *arg) {
    job *j = (job *)arg;
    const int PV = cat_model_config(j->m)->padded_vocab;
    if (!j->incremental) {
        j->r = cat_forward(j->m, j->chunk, j->tok, (size_t)j->n, j->logits);
    } else {
        cat_session_params sp;
        cat_session *s;
        int done = 0;
        memset(&sp, 0, sizeof sp);
        sp.chunk_size = j->chunk;
        sp.n_threads = 1;
        sp.n_batch = j->piece > 1 ? j->piece - 1 : 1;
        j->r = cat_session_open(j->m, &sp, &s);
        if (j->r) return NULL;
        while (done < j->n && !j->r) {
            int b = j->n - done < j->piece ? j->n - done : j->piece;
            j->r = cat_session_feed(s, j->tok + done, (size_t)b, j->logits + (size_t)done * PV);
            done += b;
        }
        cat_session_close(s);
    }
    return NULL;
}

static void make_jobs(const cat_model *m, job *jobs, int PV) {
    const cat_config *c = cat_model_config(m);
    int i, k;
    for (i = 0; i < NJOBS; i++) {
        job *j = &jobs[i];
        uint64_t st = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        memset(j, 0, sizeof *j);
        j->m = m;
        j->n = c->block_size < 40 + 9 * i ? c->block_size : 40 + 9 * i;
        if (j->n > 128) j->n = 128;
        j->incremental = i % 2 == 0;
        j->piece = 1 + (i * 3) % 7;
        if (c->family == CAT_FAMILY_CAT_ADAPTIVE) {   /* chunk sizes 1, 2, 4, ... up to the largest */
            int p = 0;
            while ((2 << p) <= c->chunk_size) p++;
            j->chunk = 1 << (i % (p + 1));
        }
        for (k = 0; k < j->n; k++) {
            st ^= st << 13; st ^= st >> 7; st ^= st << 17;
            j->tok[k] = (int32_t)(st % (uint64_t)c->vocab_size);
        }
        j->logits = (float *)malloc(sizeof(float) * (size_t)PV * (size_t)j->n);
    }
}

static void test_model(const char *path, const char *name) {
    cat_model *m;
    char err[512];
    job seq[NJOBS], par[NJOBS];
    pthread_t th[NJOBS];
    int i, round, PV;
    if (cat_model_open(path, &m, err, sizeof err)) { CHECK(0, "open %s: %s", path, err); return; }
    PV = cat_model_config(m)->padded_vocab;
    make_jobs(m, seq, PV);
    for (i = 0; i < NJOBS; i++) {
        run_job(&seq[i]);
        CHECK(seq[i].r == CAT_OK, "%s job %d alone: %s", name, i, cat_result_string(seq[i].r));
    }
    for (round = 0; round < 2; round++) {
        int same = 0;
        make_jobs(m, par, PV);
        for (i = 0; i < NJOBS; i++) CHECK(pthread_create(&th[i], NULL, run_job, &par[i]) == 0, "pthread_create");
        for (i = 0; i < NJOBS; i++) pthread_join(th[i], NULL);
        for (i = 0; i < NJOBS; i++) {
            int ok = par[i].r == CAT_OK && memcmp(par[i].logits, seq[i].logits, sizeof(float) * (size_t)PV * (size_t)par[i].n) == 0;
            CHECK(ok, "%s round %d job %d (%s, chunk %d, %d tokens): concurrent logits differ from the sequential ones (%s)", name, round, i,
                  par[i].incremental ? "session" : "cat_forward", par[i].chunk, par[i].n, cat_result_string(par[i].r));
            same += ok;
            free(par[i].logits);
        }
        printf("%s: round %d: %d of %d concurrent jobs bit-identical to sequential\n", name, round, same, NJOBS);
    }
    for (i = 0; i < NJOBS; i++) free(seq[i].logits);
    cat_model_close(m);
}

/* ---- a shared tokenizer ---- */
typedef struct {
    const cat_tokenizer *t;
    const char *text; size_t len;
    int32_t *ids; size_t n;
    char *back; size_t back_len;
    cat_result r;
} enc_job;

static void *run_enc(void *arg) {
    enc_job *e = (enc_job *)arg;
    int rep;
    for (rep = 0; rep < 3 && !e->r; rep++) {
        e->r = cat_tokenizer_encode(e->t, e->text, e->len, e->ids, e->len, &e->n);
        if (!e->r) e->r = cat_tokenizer_decode(e->t, e->ids, e->n, e->back, e->len, &e->back_len);
    }
    return NULL;
}

static void test_tokenizer(const char *path, const char *txt_path) {
    cat_model *m;
    char err[512];
    FILE *f = fopen(txt_path, "rb");
    char *text;
    long tl;
    enc_job seq[NJOBS], par[NJOBS];
    pthread_t th[NJOBS];
    int i;
    if (!f) { CHECK(0, "open %s", txt_path); return; }
    fseek(f, 0, SEEK_END); tl = ftell(f); fseek(f, 0, SEEK_SET);
    text = (char *)malloc((size_t)tl + 1);
    if (fread(text, 1, (size_t)tl, f) != (size_t)tl) tl = 0;
    fclose(f);
    if (cat_model_open(path, &m, err, sizeof err)) { CHECK(0, "open %s: %s", path, err); free(text); return; }
    CHECK(cat_model_tokenizer(m) != NULL, "%s has a tokenizer", path);
    if (!cat_model_tokenizer(m) || tl < 8 * 4096) { cat_model_close(m); free(text); return; }
    for (i = 0; i < NJOBS; i++) {
        enc_job *s = &seq[i], *p = &par[i];
        memset(s, 0, sizeof *s);
        s->t = cat_model_tokenizer(m);
        s->text = text + (size_t)i * 3000;
        s->len = 2000 + 250 * (size_t)i;
        *p = *s;
        s->ids = (int32_t *)malloc(sizeof(int32_t) * s->len); s->back = (char *)malloc(s->len);
        p->ids = (int32_t *)malloc(sizeof(int32_t) * p->len); p->back = (char *)malloc(p->len);
        run_enc(s);
        CHECK(s->r == CAT_OK && s->back_len == s->len && memcmp(s->back, s->text, s->len) == 0, "text %d: decode(encode) alone", i);
    }
    for (i = 0; i < NJOBS; i++) CHECK(pthread_create(&th[i], NULL, run_enc, &par[i]) == 0, "pthread_create");
    for (i = 0; i < NJOBS; i++) pthread_join(th[i], NULL);
    for (i = 0; i < NJOBS; i++) {
        CHECK(par[i].r == CAT_OK && par[i].n == seq[i].n && memcmp(par[i].ids, seq[i].ids, sizeof(int32_t) * seq[i].n) == 0 &&
              par[i].back_len == seq[i].len && memcmp(par[i].back, seq[i].text, seq[i].len) == 0,
              "text %d: concurrent encode/decode on one shared tokenizer equals the sequential one", i);
        free(seq[i].ids); free(seq[i].back); free(par[i].ids); free(par[i].back);
    }
    printf("tokenizer: %d texts encoded and decoded concurrently\n", NJOBS);
    cat_model_close(m);
    free(text);
}

/* ---- generation: 4 threads each sample 64 tokens from one shared model ---- */
#define NGEN 4
#define GEN_TOKENS 64
typedef struct {
    const cat_model *m;
    uint64_t seed;
    int32_t prompt[8], out[GEN_TOKENS];
    cat_result r;
} gen_job;

static void *run_gen(void *arg) {
    gen_job *g = (gen_job *)arg;
    const cat_config *c = cat_model_config(g->m);
    cat_session_params sp;
    cat_sampler_params smp;
    cat_sampler sm;
    cat_session *s;
    int k;
    memset(&sp, 0, sizeof sp);
    sp.n_threads = 1;
    memset(&smp, 0, sizeof smp);
    smp.temperature = 0.9f; smp.top_k = 40; smp.top_p = 0.95f; smp.seed = g->seed;
    if ((g->r = cat_session_open(g->m, &sp, &s)) != CAT_OK) return NULL;
    if ((g->r = cat_sampler_init(&sm, &smp, c->vocab_size)) != CAT_OK) { cat_session_close(s); return NULL; }
    g->r = cat_session_feed(s, g->prompt, 8, NULL);
    for (k = 0; k < GEN_TOKENS && !g->r; k++) {
        g->r = cat_sampler_sample(&sm, cat_session_logits(s), &g->out[k]);
        if (!g->r) g->r = cat_session_feed(s, &g->out[k], 1, NULL);
    }
    cat_sampler_free(&sm);
    cat_session_close(s);
    return NULL;
}

static void test_generate(const char *path, const char *name) {
    cat_model *m;
    char err[512];
    gen_job seq[NGEN], par[NGEN];
    pthread_t th[NGEN];
    int i, k, same = 0;
    if (cat_model_open(path, &m, err, sizeof err)) { CHECK(0, "open %s: %s", path, err); return; }
    for (i = 0; i < NGEN; i++) {
        memset(&seq[i], 0, sizeof seq[i]);
        seq[i].m = m;
        seq[i].seed = 1000 + (uint64_t)i;
        for (k = 0; k < 8; k++) seq[i].prompt[k] = (int32_t)((i * 131 + k * 17) % cat_model_config(m)->vocab_size);
        par[i] = seq[i];
        run_gen(&seq[i]);
        CHECK(seq[i].r == CAT_OK, "%s generation %d alone: %s", name, i, cat_result_string(seq[i].r));
    }
    for (i = 0; i < NGEN; i++) CHECK(pthread_create(&th[i], NULL, run_gen, &par[i]) == 0, "pthread_create");
    for (i = 0; i < NGEN; i++) pthread_join(th[i], NULL);
    for (i = 0; i < NGEN; i++) {
        int ok = par[i].r == CAT_OK && memcmp(par[i].out, seq[i].out, sizeof seq[i].out) == 0;
        CHECK(ok, "%s: thread %d's %d sampled tokens differ from the sequential ones (%s)", name, i, GEN_TOKENS, cat_result_string(par[i].r));
        same += ok;
    }
    printf("%s: %d threads generated %d tokens each from one model, %d identical to sequential\n", name, NGEN, GEN_TOKENS, same);
    cat_model_close(m);
}

int main(int argc, char **argv) {
    const char *fx = argc > 1 ? argv[1] : "tests/fixtures";
    const char *conv = argc > 2 ? argv[2] : "build/cat-convert";
    static const char *const cases[] = { "cat_c4", "cat_adaptive_c16", "cat_c8_qk_gqa", "cat_layer_c4", "dense", "cat_c4_bf16" };
    char dir[1024], path[1200], cmd[4096];
    const char *slash = strrchr(conv, '/');
    size_t i;
    if (slash) { snprintf(dir, sizeof dir, "%.*s", (int)(slash - conv), conv); } else strcpy(dir, ".");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/test_threads_%s.cat", dir, cases[i]);
        snprintf(cmd, sizeof cmd, "%s convert %s/%s.safetensors %s --config %s/%s.json >/dev/null", conv, fx, cases[i], path, fx, cases[i]);
        if (system(cmd) != 0) { CHECK(0, "convert %s", cases[i]); continue; }
        test_model(path, cases[i]);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/test_threads_kjv.cat", dir);
    snprintf(cmd, sizeof cmd, "%s convert models/kjv/kjv_dense.pt %s --config models/kjv/kjv_dense.json --tokenizer models/kjv/tokenizer.json >/dev/null", conv, path);
    if (system(cmd) != 0) CHECK(0, "convert kjv_dense with its tokenizer");
    else { test_tokenizer(path, "models/kjv/kjv_val.txt"); test_generate(path, "kjv_dense"); remove(path); }
    return test_report();
}
