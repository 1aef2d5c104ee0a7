/* encode_scaling: is cat_tokenizer_encode linear in the input length? Times the
   encoding of hostile patterns (long runs of one letter, of spaces, of newlines,
   of digits, of apostrophes, of one multi-byte letter, random bytes, ...) at n,
   2n, 4n and 8n bytes with GPT-2's vocabulary and prints the time per byte and
   the ratio of each doubling (about 2 for linear, about 4 for quadratic), in
   processor time, best of 3.
   usage: encode_scaling [N_BYTES]   (default 1 MiB; run from the repository root)
   Not part of make test: `make encode-scaling` builds and runs it.
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 199309L
#define CAT_IMPLEMENTATION
#include "../cat.h"
#define TOKFILE_IMPLEMENTATION
#include "../tools/tokfile.h"

/* processor time of this process (the machine may be shared: wall time would
   count the other programs' turns) */
static double cpu_now(void) {
#if defined(CLOCK_PROCESS_CPUTIME_ID)
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static void fill(int pat, char *b, size_t n) {
    static const char *const unit[] = { "a", " ", "\n", "7", "'", "\xc3\xa9", " a", "'s", " \n", "!?", "a1 ", "\t \r\n" };
    size_t i, k = 0;
    uint64_t x = 88172645463325252ull;
    if (pat == 12) { for (i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; b[i] = (char)(x >> 56); } return; }
    for (i = 0; i < n; i++) {
        const char *u = unit[pat];
        b[i] = u[k++];
        if (!u[k]) k = 0;
    }
}
static const char *const names[] = { "'a' run", "space run", "newline run", "digit run", "apostrophe run", "e-acute run",
                                     "' a' repeated", "\"'s\" repeated", "' \\n' repeated", "'!?' repeated", "'a1 ' repeated",
                                     "'\\t \\r\\n' repeated", "random bytes" };

int main(int argc, char **argv) {
    size_t n0 = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : (size_t)1 << 20, n, got;
    tokfile tf;
    char err[512];
    cat_tokenizer *t = NULL;
    char *buf;
    int32_t *ids;
    int pat, k;
    (void)tokfile_load_hf; (void)tokfile_load_hf_memory; (void)tokfile_load_gpt2_memory;
    if (tokfile_load_gpt2(&tf, "tests/fixtures/gpt2/encoder.json", "tests/fixtures/gpt2/vocab.bpe", err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
    if (cat_tokenizer_create(&t, tf.n_vocab, (const char *const *)tf.tokens, tf.lens, tf.n_merges, tf.merges, tf.n_special, tf.special)) return 1;
    tokfile_free(&tf);
    buf = (char *)malloc(8 * n0);
    ids = (int32_t *)malloc(sizeof(int32_t) * 8 * n0);
    if (!buf || !ids) return 1;
    printf("%-18s %14s %14s %14s %14s   ratios of each doubling\n", "pattern", "ns/byte @n", "@2n", "@4n", "@8n");
    for (pat = 0; pat < 13; pat++) {
        double tm[4];
        for (k = 0, n = n0; k < 4; k++, n *= 2) {
            double t0, best = 1e30;
            int rep;
            fill(pat, buf, n);
            for (rep = 0; rep < 3; rep++) {   /* best of 3: the machine is shared */
                t0 = cpu_now();
                if (cat_tokenizer_encode(t, buf, n, ids, n, &got) != CAT_OK) { fprintf(stderr, "encode failed\n"); return 1; }
                t0 = cpu_now() - t0;
                if (t0 < best) best = t0;
            }
            tm[k] = best;
        }
        printf("%-18s %14.1f %14.1f %14.1f %14.1f   %.2f %.2f %.2f\n", names[pat], tm[0] * 1e9 / (double)n0, tm[1] * 1e9 / (2.0 * (double)n0),
               tm[2] * 1e9 / (4.0 * (double)n0), tm[3] * 1e9 / (8.0 * (double)n0), tm[1] / tm[0], tm[2] / tm[1], tm[3] / tm[2]);
        fflush(stdout);
    }
    cat_tokenizer_free(t);
    free(buf); free(ids);
    return 0;
}
