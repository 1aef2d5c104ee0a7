/* Tests for the sampler in cat.h: the repetition penalty (as llama.cpp applies
 * it), min_p, the history window, and that each changes the distribution exactly
 * as documented. Run from the repository root: build/test_sampler
 * Prints one line per check and "N passed, N failed"; exit status 0 iff all pass. */
#define CAT_IMPLEMENTATION
#include "../cat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void check(int ok, const char *what) {
    if (test_count(ok)) { printf("PASS %s\n", what); }
    else { printf("FAIL %s\n", what); }
}

/* softmax(l / T) over n values, in double */
static void softmax(const double *l, int n, double T, double *p) {
    double mx = l[0], sum = 0;
    int i;
    for (i = 1; i < n; i++) if (l[i] > mx) mx = l[i];
    for (i = 0; i < n; i++) { p[i] = exp((l[i] - mx) / T); sum += p[i]; }
    for (i = 0; i < n; i++) p[i] /= sum;
}

static int close_to(const float *got, const double *want, int n) {
    int i;
    for (i = 0; i < n; i++)
        if (fabs((double)got[i] - want[i]) > 1e-6 * (1 + fabs(want[i]))) {
            printf("     index %d: got %.9g, want %.9g\n", i, (double)got[i], want[i]);
            return 0;
        }
    return 1;
}

static cat_sampler_params params(float temp, float pen, int32_t last_n, float min_p) {
    cat_sampler_params p;
    memset(&p, 0, sizeof p);
    p.temperature = temp;
    p.repeat_penalty = pen;
    p.repeat_last_n = last_n;
    p.min_p = min_p;
    p.seed = 42;
    return p;
}

/* one draw; a failed one returns -1 - the error code */
static int32_t draw(cat_sampler *s, const float *logits) {
    int32_t t = 0;
    cat_result r = cat_sampler_sample(s, logits, &t);
    return r ? -1 - (int32_t)r : t;
}

int main(void) {
    cat_sampler s;
    cat_sampler_params p;
    float probs[8];
    double want[8], w[8];
    int i, j;

    {   /* penalty: positive logits divided, negative multiplied, each distinct token once */
        const float l[6] = {2.0f, -2.0f, 1.0f, 0.5f, 3.0f, -1.0f};
        const double pen[6] = {2.0 / 2, -2.0 * 2, 1.0, 0.5, 3.0, -1.0};
        p = params(1.0f, 2.0f, 0, 0.0f);
        check(cat_sampler_init(&s, &p, 6) == CAT_OK, "init with penalty 2");
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1); cat_sampler_accept(&s, 0);
        cat_sampler_accept(&s, 6); cat_sampler_accept(&s, -1);    /* out of range: ignored */
        check(cat_sampler_probs(&s, l, probs) == CAT_OK, "probs");
        softmax(pen, 6, 1.0, want);
        check(close_to(probs, want, 6), "penalty 2 at T=1: logit 2 -> 1, -2 -> -4 (token 0 seen twice: divided once), others unchanged");
        cat_sampler_free(&s);

        p = params(2.0f, 2.0f, 0, 0.0f);
        cat_sampler_init(&s, &p, 6);
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1);
        cat_sampler_probs(&s, l, probs);
        softmax(pen, 6, 2.0, want);
        check(close_to(probs, want, 6), "penalty before temperature: softmax(penalized / 2)");
        cat_sampler_free(&s);

        p = params(1.0f, 0.5f, 0, 0.0f);
        cat_sampler_init(&s, &p, 6);
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1);
        cat_sampler_probs(&s, l, probs);
        for (i = 0; i < 6; i++) w[i] = l[i];
        w[0] = 2.0 / 0.5; w[1] = -2.0 * 0.5;
        softmax(w, 6, 1.0, want);
        check(close_to(probs, want, 6), "penalty 0.5 favours the seen tokens: 2 -> 4, -2 -> -1");
        cat_sampler_free(&s);

        for (j = 0; j < 2; j++) {   /* 0 and 1 both mean off */
            p = params(1.0f, j ? 1.0f : 0.0f, 0, 0.0f);
            cat_sampler_init(&s, &p, 6);
            cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1);
            cat_sampler_probs(&s, l, probs);
            for (i = 0; i < 6; i++) w[i] = l[i];
            softmax(w, 6, 1.0, want);
            check(close_to(probs, want, 6) && s.recent == NULL, j ? "penalty 1 is off" : "penalty 0 is off");
            cat_sampler_free(&s);
        }
    }

    {   /* the window: only the last repeat_last_n tokens count */
        const float l[5] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
        p = params(1.0f, 2.0f, 2, 0.0f);
        cat_sampler_init(&s, &p, 5);
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1); cat_sampler_accept(&s, 4);
        cat_sampler_probs(&s, l, probs);
        w[0] = 1; w[1] = 0.5; w[2] = 1; w[3] = 1; w[4] = 0.5;
        softmax(w, 5, 1.0, want);
        check(close_to(probs, want, 5), "repeat_last_n 2: of 0,1,4 only 1 and 4 penalized");
        cat_sampler_free(&s);

        p = params(1.0f, 2.0f, 0, 0.0f);
        cat_sampler_init(&s, &p, 5);
        check(s.p.repeat_last_n == 64, "repeat_last_n 0 means 64");
        for (i = 0; i < 64; i++) cat_sampler_accept(&s, 3);
        cat_sampler_accept(&s, 2);
        cat_sampler_probs(&s, l, probs);
        w[0] = 1; w[1] = 1; w[2] = 0.5; w[3] = 0.5; w[4] = 1;
        softmax(w, 5, 1.0, want);
        check(close_to(probs, want, 5), "64-token window: 3 still inside after 65 tokens");
        cat_sampler_free(&s);
    }

    {   /* frequency and presence penalties, after the repeat penalty (llama.cpp's order) */
        const float l[4] = {1.0f, 1.0f, 1.0f, -1.0f};
        p = params(1.0f, 0.0f, 0, 0.0f);
        p.frequency_penalty = 0.5f; p.presence_penalty = 0.25f;
        check(cat_sampler_init(&s, &p, 4) == CAT_OK && s.recent != NULL, "frequency/presence alone turn the history on");
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1); cat_sampler_accept(&s, 3);
        cat_sampler_probs(&s, l, probs);
        w[0] = 1 - 2 * 0.5 - 0.25; w[1] = 1 - 0.5 - 0.25; w[2] = 1; w[3] = -1 - 0.5 - 0.25;
        softmax(w, 4, 1.0, want);
        check(close_to(probs, want, 4), "frequency 0.5 x count + presence 0.25 subtracted");
        cat_sampler_free(&s);
        p.repeat_penalty = 2.0f;
        cat_sampler_init(&s, &p, 4);
        cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 0); cat_sampler_accept(&s, 1); cat_sampler_accept(&s, 3);
        cat_sampler_probs(&s, l, probs);
        w[0] = 0.5 - 2 * 0.5 - 0.25; w[1] = 0.5 - 0.5 - 0.25; w[2] = 1; w[3] = -2 - 0.5 - 0.25;
        softmax(w, 4, 1.0, want);
        check(close_to(probs, want, 4), "with repeat penalty 2: divided (or multiplied) first, then subtracted");
        cat_sampler_free(&s);
    }

    {   /* greedy with the penalty; the sampler records its own picks */
        const float l[2] = {1.0f, 0.9f}, ln[2] = {-1.0f, -1.5f};
        p = params(0.0f, 1.5f, 0, 0.0f);
        cat_sampler_init(&s, &p, 2);
        check(draw(&s, l) == 0, "greedy: first pick 0");
        check(draw(&s, l) == 1, "greedy: 0 was picked, 1/1.5 < 0.9, so 1");
        check(draw(&s, l) == 0, "greedy: both seen: 0.667 > 0.6, so 0");
        cat_sampler_probs(&s, l, probs);
        check(probs[0] == 1.0f && probs[1] == 0.0f, "greedy distribution is one-hot");
        cat_sampler_free(&s);
        p = params(0.0f, 2.0f, 0, 0.0f);
        cat_sampler_init(&s, &p, 2);
        cat_sampler_accept(&s, 0);
        check(draw(&s, ln) == 1, "negative logit multiplied: -1 -> -2 < -1.5");
        cat_sampler_free(&s);
    }

    {   /* min_p: tokens below min_p x the most likely one are dropped, the rest renormalized */
        const double pr[4] = {0.5, 0.3, 0.15, 0.05};
        float l[4];
        int counts[4] = {0, 0, 0, 0};
        for (i = 0; i < 4; i++) l[i] = (float)log(pr[i]);
        p = params(1.0f, 0.0f, 0, 0.2f);
        cat_sampler_init(&s, &p, 4);
        cat_sampler_probs(&s, l, probs);
        for (i = 0; i < 3; i++) want[i] = pr[i] / 0.95;
        want[3] = 0;
        check(close_to(probs, want, 4), "min_p 0.2: 0.05 < 0.2 x 0.5 dropped, the rest / 0.95");
        for (i = 0; i < 4000; i++) counts[draw(&s, l)]++;
        check(counts[3] == 0 && counts[2] > 400 && counts[2] < 850, "min_p 0.2: 4000 draws never the dropped token, the kept ones at their rates");
        cat_sampler_free(&s);

        p = params(1.0f, 0.0f, 0, 0.0f);
        p.top_p = 0.9f;
        p.min_p = 0.5f;
        cat_sampler_init(&s, &p, 4);
        cat_sampler_probs(&s, l, probs);
        want[0] = 0.5 / 0.8; want[1] = 0.3 / 0.8; want[2] = 0; want[3] = 0;
        check(close_to(probs, want, 4), "min_p 0.5 with top_p 0.9: both cuts apply (0.15 < 0.25 dropped)");
        cat_sampler_free(&s);

        p = params(2.0f, 0.0f, 0, 0.5f);
        cat_sampler_init(&s, &p, 4);
        cat_sampler_probs(&s, l, probs);
        for (i = 0; i < 4; i++) w[i] = l[i];
        softmax(w, 4, 2.0, want);   /* at T=2: 0.5^.5 : 0.3^.5 : ... ; 0.15 gives 0.548 of the top: kept */
        want[3] = 0;
        { double t = want[0] + want[1] + want[2]; want[0] /= t; want[1] /= t; want[2] /= t; }
        check(close_to(probs, want, 4), "min_p applies to the tempered distribution (T=2)");
        cat_sampler_free(&s);
    }

    {   /* bad parameters */
        p = params(1.0f, 0.0f, 0, 1.5f);
        check(cat_sampler_init(&s, &p, 4) == CAT_ERR_ARGS, "min_p 1.5 refused");
        p = params(1.0f, -1.0f, 0, 0.0f);
        check(cat_sampler_init(&s, &p, 4) == CAT_ERR_ARGS, "repeat_penalty -1 refused");
        p = params(1.0f, (float)NAN, 0, 0.0f);
        check(cat_sampler_init(&s, &p, 4) == CAT_ERR_ARGS, "repeat_penalty NaN refused");
        p = params(1.0f, 1.1f, -1, 0.0f);
        check(cat_sampler_init(&s, &p, 4) == CAT_ERR_ARGS, "repeat_last_n -1 refused");
    }

    {   /* the same seed draws the same tokens; penalty off leaves the draw unchanged */
        float l[50];
        int32_t a[64], b[64];
        int same = 1;
        for (i = 0; i < 50; i++) l[i] = (float)sin(i * 0.7) * 3;
        p = params(0.9f, 0.0f, 0, 0.0f);
        p.top_k = 20; p.top_p = 0.95f;
        cat_sampler_init(&s, &p, 50);
        for (i = 0; i < 64; i++) a[i] = draw(&s, l);
        cat_sampler_free(&s);
        p.repeat_penalty = 1.0f;
        cat_sampler_init(&s, &p, 50);
        for (i = 0; i < 64; i++) b[i] = draw(&s, l);
        cat_sampler_free(&s);
        for (i = 0; i < 64; i++) same &= a[i] == b[i];
        check(same, "same seed, penalty 1 (off): the same 64 draws");
    }

    {   /* non-finite logits: an error at every temperature; -INFINITY alone is a mask */
        float l[4] = {1.0f, 2.0f, 0.5f, 0.0f};
        int32_t t = 7;
        const float temps[3] = {0.0f, 0.8f, 1.0f};
        int k;
        for (k = 0; k < 3; k++) {
            p = params(temps[k], 0.0f, 0, 0.0f);
            if (k == 1) { p.top_k = 2; p.top_p = 0.9f; }
            cat_sampler_init(&s, &p, 4);
            l[2] = (float)NAN;
            check(cat_sampler_sample(&s, l, &t) == CAT_ERR_NONFINITE && t == -1, "a NaN logit -> CAT_ERR_NONFINITE, token -1 (T 0, 0.8 top-k/top-p, 1)");
            check(cat_sampler_probs(&s, l, probs) == CAT_ERR_NONFINITE, "cat_sampler_probs with a NaN -> CAT_ERR_NONFINITE");
            l[2] = (float)INFINITY;
            check(cat_sampler_sample(&s, l, &t) == CAT_ERR_NONFINITE, "a +Inf logit -> CAT_ERR_NONFINITE");
            l[2] = -(float)INFINITY; l[1] = -(float)INFINITY;
            check(cat_sampler_sample(&s, l, &t) == CAT_OK && (t == 0 || t == 3), "-Inf masks: ids 1 and 2 never drawn");
            l[0] = l[3] = -(float)INFINITY;
            check(cat_sampler_sample(&s, l, &t) == CAT_ERR_NONFINITE, "all -Inf -> CAT_ERR_NONFINITE");
            l[0] = 1.0f; l[1] = 2.0f; l[2] = 0.5f; l[3] = 0.0f;
            check(cat_sampler_sample(&s, l, NULL) == CAT_ERR_ARGS, "NULL token -> CAT_ERR_ARGS");
            cat_sampler_free(&s);
        }
    }

    return test_report();
}
