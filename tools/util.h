/* util.h: small helpers shared by the command-line tools and the tests (not
   part of the cat.h library): read a whole file, little-endian fields, a
   monotonic clock. Everything is static; include it where needed.
   Return convention (the same in every header under tools/): 0 on success and -1 on failure; a
   pointer is NULL on failure.
   MIT License, see LICENSE. */
#ifndef CAT_UTIL_H
#define CAT_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define UTIL_FN static __attribute__((unused))
#else
#define UTIL_FN static
#endif

/* The whole file (regular file or pipe) in a malloc'd buffer with a NUL after
   its len bytes; NULL if it cannot be opened or read. */
UTIL_FN void *util_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, r;
    if (!f) return NULL;
    for (;;) {
        if (cap - n < 2) {
            cap = cap ? cap * 2 : 65536;
            nb = (char *)realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) { free(buf); fclose(f); return NULL; }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

UTIL_FN uint32_t util_rd32(const unsigned char *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
UTIL_FN uint64_t util_rd64(const unsigned char *p) { return (uint64_t)util_rd32(p) | ((uint64_t)util_rd32(p + 4) << 32); }
UTIL_FN void util_wr32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
UTIL_FN void util_wr64(unsigned char *p, uint64_t v) { util_wr32(p, (uint32_t)v); util_wr32(p + 4, (uint32_t)(v >> 32)); }

/* seconds on a monotonic clock (define _POSIX_C_SOURCE >= 199309L before any
   include to get one; otherwise processor time) */
UTIL_FN double util_now(void) {
#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 199309L
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}
#endif
