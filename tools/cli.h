/* cli.h: what the command-line tools share in their option handling (not part
   of the cat.h library): --version, naming the closest known option when an
   unknown one is given, and reading a whole stream. Everything is static;
   include it after cat.h.
   Return convention (the same in every header under tools/): pointers are NULL on failure;
   cli_known answers 1 for yes; cli_unknown returns the exit status (2).
   MIT License, see LICENSE. */
#ifndef CAT_CLI_H
#define CAT_CLI_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define CLI_FN static __attribute__((unused))
#else
#define CLI_FN static
#endif

/* "cat-generate (cat.h) 0.1.0" and the kernels compiled in */
CLI_FN void cli_version(const char *tool) {
    printf("%s (cat.h) %d.%d.%d, %s kernels%s\n", tool, CAT_VERSION_MAJOR, CAT_VERSION_MINOR, CAT_VERSION_PATCH, cat_kernels(),
#ifdef _OPENMP
           ", OpenMP"
#else
           ""
#endif
    );
}

/* Levenshtein distance of a and b (options are short: the row fits on the stack;
   longer strings count as far apart) */
CLI_FN size_t cli_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b), i, j, row[65];
    if (la > 64 || lb > 64) return (size_t)-1;
    for (j = 0; j <= lb; j++) row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0], up;
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t best = diag + (a[i - 1] != b[j - 1]);
            up = row[j];
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The known option (NULL-terminated list) closest to arg, or NULL when none is
   close: within a third of the longer name (at least 2 edits), or one name a
   prefix of the other ("--temperature" -> "--temp"). */
CLI_FN const char *cli_closest(const char *arg, const char *const *known) {
    const char *best = NULL;
    size_t bd = (size_t)-1, la = strlen(arg);
    for (; *known; known++) {
        size_t lk = strlen(*known), d = cli_distance(arg, *known), lim = (la > lk ? la : lk) / 3;
        if (lim < 2) lim = 2;
        if (lk >= 4 && la >= 4 && (!strncmp(arg, *known, lk) || !strncmp(arg, *known, la)) && d > 1) d = lim; /* a prefix: close */
        if (d <= lim && d < bd) { bd = d; best = *known; }
    }
    return best;
}

/* is arg in the NULL-terminated list? */
CLI_FN int cli_known(const char *arg, const char *const *known) {
    for (; *known; known++) if (!strcmp(arg, *known)) return 1;
    return 0;
}

/* the message for an unknown option; returns the exit status 2 */
CLI_FN int cli_unknown(const char *tool, const char *arg, const char *const *known) {
    const char *c = cli_closest(arg, known);
    if (c) fprintf(stderr, "%s: unknown option '%s'; did you mean '%s'? (try --help)\n", tool, arg, c);
    else fprintf(stderr, "%s: unknown option '%s' (try --help)\n", tool, arg);
    return 2;
}

/* All of a stream (a pipe too) in a malloc'd buffer with a NUL after its len bytes;
   NULL on a read error, out of memory, or past max bytes (*len then says max + 1). */
CLI_FN char *cli_read_stream(FILE *f, size_t max, size_t *len) {
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, r;
    for (;;) {
        if (cap - n < 2) {
            cap = cap ? cap * 2 : 65536;
            nb = (char *)realloc(buf, cap);
            if (!nb) { free(buf); *len = 0; return NULL; }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (n > max) { free(buf); *len = max + 1; return NULL; }
        if (r == 0) break;
    }
    if (ferror(f)) { free(buf); *len = 0; return NULL; }
    buf[n] = 0;
    *len = n;
    return buf;
}
#endif
