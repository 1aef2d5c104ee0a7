/* test_kernels: every kernel path this CPU runs (CAT_KERNELS=scalar, avx2,
   avx2vnni, avx512, avx512vnni, avx512bf16) against a double-precision
   reference, and the paths against one another: AVX2 and AVX-512 give
   identical bits (the order of operations is the same), the scalar path too
   where fmaf is fused in hardware, else within float rounding; avx2vnni gives
   the AVX2 bits, avx512vnni and avx512bf16 the AVX-512 bits, for f32, q8 and
   q4 weights (q8 / q4: integer dot products of quantized activations, with
   and without VNNI); for bf16 weights
   (activations rounded to bf16) avx512bf16 gives the same bits whether the
   rows of x come together (prefill) or one at a time (decode), and so does
   every path for q8 / q4. Matrices of every weight type, shapes with partial
   tiles, partial 16-, 32- and 64-column blocks, 1 to 133 rows of x, 1 and 3
   threads. The q8 / q4 reference is the exact sum of the quantized products
   (NUMERICS in cat.h), and the quantized product is checked against the f32
   one within the quantization error; every path (the scalar one where fmaf is
   fused) gives, bit for bit, the q8 / q4 outputs computed here step by step
   as NUMERICS says (on arm64, where NEON is the only path, this is the check
   of its bits: make test-neon, with and without the dot product).
   usage: test_kernels [--list | --default]   (the paths this CPU runs; the default one)
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200112L
#define CAT_IMPLEMENTATION
#include "cat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* arm64: one NEON path, its q8 / q4 dot products with sdot when built for the
   Armv8.2 dot product (make test-neon runs both builds) */
#if defined(__ARM_FEATURE_DOTPROD)
#define NEON_PATH "neon-dotprod"
#else
#define NEON_PATH "neon"
#endif
static const char *const paths[] = { "scalar", "avx2", "avx512", "avx512bf16", "avx512vnni", NEON_PATH, "avx2vnni" };
#define NPATH 7

static uint64_t rng = 88172645463325252ull;
static float frand(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* the path CAT_KERNELS=name gives, or NULL when this CPU does not run it */
static const cat__kern *path_kern(const char *name) {
    const cat__kern *k;
    setenv("CAT_KERNELS", name, 1);
    k = cat__kern_pick(0);
    unsetenv("CAT_KERNELS");
    return strcmp(k->name, name) == 0 ? k : NULL;
}

/* output o of a q8 / q4 matrix for one row of quantized activations (a, e;
   NUMERICS in cat.h): for each group g in turn, the exact integer sum of its
   32 products times d_g * e_g (rounded once) added with one fused
   multiply-add (fmaf rounds once, in hardware or not) */
static float numerics_q(const cat__tensor *W, int64_t o, const int8_t *a, const float *e) {
    const int64_t in = W->cols, G = (in + 31) / 32;
    const uint8_t *row = (const uint8_t *)W->data + (size_t)o * cat__qrow_bytes(W->dtype, in);
    const uint16_t *d = cat__qscales(W) + o * G;
    float s = 0.0f;
    int64_t g, c;
    for (g = 0; g < G; g++) {
        int32_t t = 0;
        for (c = 32 * g; c < 32 * g + 32 && c < in; c++) t += cat__qval(W->dtype == CAT_DTYPE_Q4, row, c) * (int32_t)a[c];
        s = fmaf((float)t, cat__f16_to_f32(d[g]) * e[g], s);
    }
    return s;
}

int main(int argc, char **argv) {
    /* 19 x 96: full and partial pairs of groups; 5 x 33000: over 1024 groups a row (q8 / q4 scales read as halves) */
    static const int64_t shapes[][2] = { { 13, 37 }, { 7, 512 }, { 32, 600 }, { 1, 16 }, { 25, 1030 }, { 19, 96 }, { 5, 33000 } };
    /* 130, 133: past one q8 / q4 block of CAT__QMB rows, a second block of 2 (decode) and of 5 rows */
    static const int ns[] = { 1, 2, 3, 4, 5, 64, 70, 130, 133 };
    const cat__kern *ks[NPATH];
    int p, si, ni, dt, th;
    if (argc > 1 && strcmp(argv[1], "--default") == 0) { printf("%s\n", cat_kernels()); return 0; }
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (p = 0; p < NPATH; p++) if (path_kern(paths[p])) printf("%s\n", paths[p]);
        return 0;
    }
    for (p = 0; p < NPATH; p++) ks[p] = path_kern(paths[p]);
#ifdef CAT__DISPATCH
    CHECK(ks[0] != NULL, "the scalar path always runs");
#endif
    {   /* with no CAT_KERNELS, the best path this CPU runs (one path only where the kernels are
           not chosen at run time: NEON on arm64, for one) */
#ifdef CAT__DISPATCH
        const int amd = CAT__AMD();   /* bf16 dot products by default (cat__kern_pick) */
#else
        const int amd = 0;
#endif
        const char *exact = ks[5] ? NEON_PATH : ks[4] ? "avx512vnni" : ks[2] ? "avx512" : ks[6] ? "avx2vnni" : ks[1] ? "avx2" : "scalar";
        const char *best = ks[3] && amd ? "avx512bf16" : exact;
        unsetenv("CAT_KERNELS");
        CHECK(strcmp(cat_kernels(), best) == 0, "default path %s, expected %s", cat_kernels(), best);
        CHECK(ks[3] ? cat__kern_pick(1) == ks[3] : strcmp(cat__kern_pick(1)->name, exact) == 0, "path with bf16_dot 1: %s", cat__kern_pick(1)->name);
        CHECK(strcmp(cat__kern_pick(2)->name, exact) == 0, "path with bf16_dot 2: %s, expected %s", cat__kern_pick(2)->name, exact);
    }
    for (p = 0; p < NPATH; p++) printf("path %s: %s\n", paths[p], ks[p] ? "runs here" : "not on this CPU");
    for (th = 1; th <= 3; th += 2) {
        cat__pool *pool = NULL;
        CHECK(cat__pool_open(th, &pool) == CAT_OK, "pool");
        for (dt = 0; dt < 4; dt++) for (si = 0; si < 7; si++) for (ni = 0; ni < (int)(sizeof ns / sizeof ns[0]); ni++) {
            const int64_t out = shapes[si][0], in = shapes[si][1];
            const int n = ns[ni];
            float *w = (float *)malloc(sizeof(float) * (size_t)(out * in)), *x = (float *)malloc(sizeof(float) * (size_t)(n * in));
            float *wd = (float *)malloc(sizeof(float) * (size_t)(out * in));   /* the decoded weights */
            float *y[NPATH];
            void *data;
            size_t bytes = dt == 0 ? sizeof(float) * (size_t)(out * in) : dt == 1 ? 2 * (size_t)(out * in) : dt == 2 ? cat_q8_bytes(out, in) : cat_q4_bytes(out, in);
            cat__tensor W;
            int64_t i, o, k;
            double maxerr = 0, maxref = 0, maxerr_bh = 0, maxerr_q = 0, maxw = 1;
            const size_t xs_bytes = cat__xq_bytes(n, in) > 2 * (size_t)(n * in) ? cat__xq_bytes(n, in) : 2 * (size_t)(n * in);
            void *xb = malloc(xs_bytes);
            float *xd = (float *)malloc(sizeof(float) * (size_t)(n * in));   /* x as the q8 / q4 kernels see it */
            float *yq = (float *)malloc(sizeof(float) * (size_t)(n * out));  /* q8 / q4: the bits NUMERICS in cat.h defines */
            data = malloc(bytes + 64);
            for (i = 0; i < out * in; i++) w[i] = frand();
            for (i = 0; i < n * in; i++) x[i] = frand();
            if (dt == 0) memcpy(data, w, bytes);
            else if (dt == 1) for (i = 0; i < out * in; i++) { uint32_t u; uint16_t h; memcpy(&u, &w[i], 4); h = (uint16_t)(u >> 16); memcpy((uint8_t *)data + 2 * i, &h, 2); }
            else if (dt == 2) cat_q8_quantize(data, w, out, in);
            else cat_q4_quantize(data, w, out, in);
            W.data = data; W.dtype = (cat_dtype)dt; W.rows = out; W.cols = in; W.tl = NULL;
            if (dt >= 2 && si == 5) {   /* 19 x 96: scales of every kind (subnormal, largest, zero, negative) */
                static const uint16_t sp[] = { 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x8001, 0x83FF, 0xFBFF, 0x0000, 0x8000, 0x3C00, 0x0200 };
                uint16_t *sc = (uint16_t *)(void *)(uintptr_t)cat__qscales(&W);
                for (i = 0; i < out * 3; i++) sc[i] = sp[i % 11];
            }
            if (dt >= 2) {   /* the quantized activations, decoded */
                void *tb = malloc(cat__xq_bytes(n, in));
                const cat__xq xq = cat__xq_at(tb, n, in);
                cat__xq_rows(&xq, x, in, 0, n);
                for (i = 0; i < n; i++) for (k = 0; k < in; k++) xd[i * in + k] = (float)xq.a[i * xq.P * 64 + k] * xq.e[i * xq.P * 2 + k / 32];
                for (i = 0; i < n; i++) for (o = 0; o < out; o++)
                    yq[i * out + o] = numerics_q(&W, o, xq.a + i * xq.P * 64, xq.e + i * xq.P * 2);
                free(tb);
            } else memcpy(xd, x, sizeof(float) * (size_t)(n * in));
            for (o = 0; o < out; o++) cat__row(wd + o * in, &W, o);
            for (i = 0; i < out * in; i++) if (fabs(wd[i]) > maxw) maxw = fabs(wd[i]);
            for (p = 0; p < NPATH; p++) {
                y[p] = NULL;
                if (!ks[p]) continue;
                y[p] = (float *)malloc(sizeof(float) * (size_t)(n * out));
                ks[p]->matmul(y[p], (int)out, x, n, &W, pool, xb, xs_bytes);
            }
            for (p = 0; p < NPATH; p++) if (y[p] && ((p == 3 && dt == 1) || dt >= 2)) {
                /* bf16 by bf16, q8 and q4: one row at a time gives the same bits */
                float *y1 = (float *)malloc(sizeof(float) * (size_t)out);
                int same = 1;
                for (i = 0; i < n; i++) {
                    ks[p]->matmul(y1, (int)out, x + i * in, 1, &W, pool, xb, cat__xq_bytes(1, in));
                    if (memcmp(y1, y[p] + i * out, sizeof(float) * (size_t)out) != 0) same = 0;
                }
                CHECK(same, "%s, dtype %d, %lld x %lld, n %d, %d threads: rows one at a time differ from the batch", paths[p], dt, (long long)out, (long long)in, n, th);
                free(y1);
            }
            for (i = 0; i < n; i++) for (o = 0; o < out; o++) {
                double r = 0, rq = 0;
                for (k = 0; k < in; k++) r += (double)x[i * in + k] * wd[o * in + k];
                for (k = 0; k < in; k++) rq += (double)xd[i * in + k] * wd[o * in + k];
                for (p = 0; p < NPATH; p++) if (y[p] && !(p == 3 && dt == 1)) { double e = fabs(y[p][i * out + o] - rq); if (e > maxerr) maxerr = e; }
                if (fabs(rq - r) > maxerr_q) maxerr_q = fabs(rq - r);
                if (fabs(r) > maxref) maxref = fabs(r);
                if (y[3] && dt == 1) {   /* against the product of bf16-rounded x */
                    double rb = 0;
                    for (k = 0; k < in; k++) {
                        uint32_t u; float xr;
                        memcpy(&u, &x[i * in + k], 4); u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u; memcpy(&xr, &u, 4);
                        rb += (double)xr * wd[o * in + k];
                    }
                    if (fabs(y[3][i * out + o] - rb) > maxerr_bh) maxerr_bh = fabs(y[3][i * out + o] - rb);
                }
            }
            CHECK(maxerr <= 1e-5 * sqrt((double)in) * (maxref > 1 ? maxref : 1), "dtype %d, %lld x %lld, n %d: error %g against the reference",
                  dt, (long long)out, (long long)in, n, maxerr);
            CHECK(maxerr_bh <= 1e-5 * sqrt((double)in) * (maxref > 1 ? maxref : 1), "avx512bf16, %lld x %lld, n %d: error %g against the bf16-activation reference",
                  (long long)out, (long long)in, n, maxerr_bh);
            /* quantizing x moves each value by at most half a step (1/254 of its group's
               largest, <= 1 here), independently: the sum stays within a few sqrt(in) / 254
               times the largest weight (1 but where the scales are set large) */
            CHECK(maxerr_q <= 4.0 * sqrt((double)in) / 254.0 * maxw, "dtype %d, %lld x %lld, n %d: quantized activations move the product by %g",
                  dt, (long long)out, (long long)in, n, maxerr_q);
            if (dt >= 2) for (p = 0; p < NPATH; p++) {
#ifndef FP_FAST_FMAF
                if (p == 0) continue;   /* the scalar path rounds each product without a fast fmaf */
#endif
                if (y[p]) CHECK(memcmp(y[p], yq, sizeof(float) * (size_t)(n * out)) == 0, "%s, dtype %d, %lld x %lld, n %d, %d threads: not the bits of NUMERICS",
                                paths[p], dt, (long long)out, (long long)in, n, th);
            }
            if (y[4] && y[2]) CHECK(memcmp(y[4], y[2], sizeof(float) * (size_t)(n * out)) == 0, "dtype %d, %lld x %lld, n %d: avx512vnni and avx512 bits differ",
                                    dt, (long long)out, (long long)in, n);
            if (y[3] && y[2] && dt != 1) CHECK(memcmp(y[3], y[2], sizeof(float) * (size_t)(n * out)) == 0, "dtype %d, %lld x %lld, n %d: avx512bf16 and avx512 bits differ",
                                               dt, (long long)out, (long long)in, n);
            if (y[6] && y[1]) CHECK(memcmp(y[6], y[1], sizeof(float) * (size_t)(n * out)) == 0, "dtype %d, %lld x %lld, n %d, %d threads: avx2vnni and avx2 bits differ",
                                    dt, (long long)out, (long long)in, n, th);
            if (y[1] && y[2]) CHECK(memcmp(y[1], y[2], sizeof(float) * (size_t)(n * out)) == 0, "dtype %d, %lld x %lld, n %d, %d threads: avx2 and avx512 bits differ",
                                    dt, (long long)out, (long long)in, n, th);
#ifdef FP_FAST_FMAF
            if (y[0] && y[2]) CHECK(memcmp(y[0], y[2], sizeof(float) * (size_t)(n * out)) == 0, "dtype %d, %lld x %lld, n %d: scalar and avx512 bits differ",
                                    dt, (long long)out, (long long)in, n);
#endif
            if (dt >= 2) {   /* the paths that read tiles (a model's copy, cat__tile): the same bits, decode and prefill alike */
                const size_t tb = cat__tile_bytes(W.dtype, in) * (size_t)((out + 15) / 16);
                void *traw = malloc(tb + 64);
                uint8_t *tl = (uint8_t *)(((uintptr_t)traw + 63) & ~(uintptr_t)63);
                cat__tensor Wt = W;
                memset(tl, 0xA5, tb);   /* cat__tile writes every byte, padding too */
                cat__tile(tl, &W);
                Wt.tl = tl;
                for (p = 0; p < NPATH; p++) if (ks[p] && ks[p]->tiles) {
                    float *yt = (float *)malloc(sizeof(float) * (size_t)(n * out));
                    ks[p]->matmul(yt, (int)out, x, n, &Wt, pool, xb, xs_bytes);
                    CHECK(memcmp(yt, yq, sizeof(float) * (size_t)(n * out)) == 0, "%s, dtype %d, %lld x %lld, n %d, %d threads: from tiles, not the bits of NUMERICS",
                          paths[p], dt, (long long)out, (long long)in, n, th);
                    free(yt);
                }
                free(traw);
            }
            for (p = 0; p < NPATH; p++) free(y[p]);
            free(w); free(x); free(wd); free(data); free(xb); free(xd); free(yq);
        }
        /* attention scores and weighted sums: every path gives the bits of the first */
        {
            static const int hds[] = { 16, 32, 64, 128, 24, 80 };
            int h;
            for (h = 0; h < 6; h++) {
                const int hd = hds[h], ne = 45;
                float q[128], kv[45 * 128], sc[NPATH][45], o[NPATH][128];
                int e;
                for (e = 0; e < hd; e++) q[e] = frand();
                for (e = 0; e < ne * hd; e++) kv[e] = frand();
                for (p = 0; p < NPATH; p++) {
                    if (!ks[p]) continue;
                    ks[p]->scores(sc[p], q, kv, (size_t)hd, ne, hd, 0.125f);
                    memset(o[p], 0, sizeof o[p]);
                    ks[p]->wsum(o[p], sc[p], kv, (size_t)hd, ne, hd);
                }
                if (ks[6] && ks[1]) {
                    CHECK(memcmp(sc[6], sc[1], sizeof(float) * ne) == 0, "head %d: avx2vnni and avx2 scores differ", hd);
                    CHECK(memcmp(o[6], o[1], sizeof(float) * (size_t)hd) == 0, "head %d: avx2vnni and avx2 weighted sums differ", hd);
                }
                if (ks[1] && ks[2]) {
                    CHECK(memcmp(sc[1], sc[2], sizeof(float) * ne) == 0, "head %d: avx2 and avx512 scores differ", hd);
                    CHECK(memcmp(o[1], o[2], sizeof(float) * (size_t)hd) == 0, "head %d: avx2 and avx512 weighted sums differ", hd);
                }
                /* 1 to 4 queries together (prefill): per query the bits of one alone, with
                   row counts that differ (a causal block) and one that is 0 */
                for (p = 0; p < NPATH; p++) if (ks[p]) {
                    int G;
                    for (G = 1; G <= 4; G++) {
                        float qg[4][128], scg[4][45], og[4][128], s1[45], o1[128];
                        float *scp[4], *op[4];
                        const float *qp[4], *pp[4];
                        int ng[4], g, j, same_s = 1, same_o = 1;
                        for (g = 0; g < G; g++) {
                            for (j = 0; j < hd; j++) qg[g][j] = frand();
                            scp[g] = scg[g]; qp[g] = qg[g]; op[g] = og[g]; pp[g] = scg[g];
                            ng[g] = G == 3 && g == 1 ? 0 : ne - (G - 1 - g);
                            for (j = 0; j < hd; j++) og[g][j] = 0.5f;
                        }
                        ks[p]->scores_g(scp, qp, G, kv, (size_t)hd, ne, hd, 0.125f);
                        ks[p]->wsum_g(op, pp, ng, G, kv, (size_t)hd, hd);
                        for (g = 0; g < G; g++) {
                            ks[p]->scores(s1, qg[g], kv, (size_t)hd, ne, hd, 0.125f);
                            for (j = 0; j < hd; j++) o1[j] = 0.5f;
                            ks[p]->wsum(o1, scg[g], kv, (size_t)hd, ng[g], hd);
                            if (memcmp(s1, scg[g], sizeof(float) * ne) != 0) same_s = 0;
                            if (memcmp(o1, og[g], sizeof(float) * (size_t)hd) != 0) same_o = 0;
                        }
                        CHECK(same_s, "head %d, path %s, %d queries together: scores differ from one at a time", hd, paths[p], G);
                        CHECK(same_o, "head %d, path %s, %d queries together: weighted sums differ from one at a time", hd, paths[p], G);
                    }
                }
                for (e = 0; e < ne; e++) {
                    double r = 0; int j;
                    for (j = 0; j < hd; j++) r += (double)q[j] * kv[e * hd + j];
                    for (p = 0; p < NPATH; p++) if (ks[p]) CHECK(fabs(sc[p][e] - 0.125 * r) < 1e-5, "head %d, key %d, path %s: score", hd, e, paths[p]);
                }
            }
        }
        cat__pool_close(pool);
    }
    /* softmax and silu(h) * g: every path gives the bits of avx512 / avx2 (and of
       the scalar path where fmaf is fused), within 3 ulp-scale of a double reference;
       NaN stays NaN, exp's limits give 0 and inf */
    {
        static const int lens[] = { 1, 5, 16, 17, 45, 300 };
        float sm[NPATH][300], hs[NPATH][1003], in[1003], gs[1003];
        int li, e;
        for (e = 0; e < 1003; e++) { in[e] = e < 1000 ? -100.0f + 0.2f * (float)e + 0.013f * frand() : e == 1000 ? NAN : e == 1001 ? -1000.0f : 1000.0f; gs[e] = frand(); }
        for (p = 0; p < NPATH; p++) if (ks[p]) { memcpy(hs[p], in, sizeof in); ks[p]->silu_mul(hs[p], gs, 1003); }
        for (p = 0; p < NPATH; p++) if (ks[p]) {
            double worst = 0;
            int same = 1, q = ks[2] ? 2 : ks[1] ? 1 : 0;
            for (e = 0; e < 1000; e++) {
                const double r = (double)in[e] / (1.0 + exp(-(double)in[e])) * gs[e], err = fabs(hs[p][e] - r) / (fabs(r) + 1e-30);
                if (err > worst) worst = err;
            }
            CHECK(worst < 4e-7, "silu, path %s: relative error %g", paths[p], worst);
            CHECK(isnan(hs[p][1000]) && hs[p][1001] == 0.0f * gs[1001] && fabs(hs[p][1002] - 1000.0f * gs[1002]) < 1e-3, "silu limits, path %s: %g %g %g", paths[p], hs[p][1000], hs[p][1001], hs[p][1002]);
#ifndef FP_FAST_FMAF
            if (p == 0) continue;
#endif
            if (ks[q]) {
                for (e = 0; e < 1000; e++) if (memcmp(&hs[p][e], &hs[q][e], 4) != 0) same = 0;
                CHECK(same, "silu: paths %s and %s differ", paths[p], paths[q]);
            }
        }
        for (li = 0; li < 6; li++) {
            const int n = lens[li];
            float x[300];
            for (e = 0; e < n; e++) x[e] = 8.0f * frand();
            if (n == 45) x[7] = -INFINITY;   /* a masked entry */
            for (p = 0; p < NPATH; p++) if (ks[p]) { memcpy(sm[p], x, sizeof(float) * (size_t)n); ks[p]->softmax(sm[p], n); }
            for (p = 0; p < NPATH; p++) if (ks[p]) {
                double mx = -INFINITY, sum = 0, worst = 0;
                int q = ks[2] ? 2 : ks[1] ? 1 : 0;
                for (e = 0; e < n; e++) if (x[e] > mx) mx = x[e];
                for (e = 0; e < n; e++) sum += exp((double)x[e] - mx);
                for (e = 0; e < n; e++) { const double r = exp((double)x[e] - mx) / sum; if (fabs(sm[p][e] - r) > worst) worst = fabs(sm[p][e] - r); }
                CHECK(worst < 1e-6, "softmax of %d, path %s: error %g", n, paths[p], worst);
#ifndef FP_FAST_FMAF
                if (p == 0) continue;
#endif
                if (ks[q]) CHECK(memcmp(sm[p], sm[q], sizeof(float) * (size_t)n) == 0, "softmax of %d: paths %s and %s differ", n, paths[p], paths[q]);
            }
        }
        {   /* a NaN score makes every weight NaN */
            float x[3] = { 1.0f, NAN, 2.0f };
            for (p = 0; p < NPATH; p++) if (ks[p]) {
                float t[3];
                memcpy(t, x, sizeof t);
                ks[p]->softmax(t, 3);
                CHECK(isnan(t[0]) && isnan(t[1]) && isnan(t[2]), "softmax with a NaN, path %s: %g %g %g", paths[p], t[0], t[1], t[2]);
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
