/* util.h: small helpers shared by the command-line tools and the tests (not
   part of the cat.h library): read a whole file, little-endian fields, a
   monotonic clock, the --kv-type and --kv-budget values. Everything is static; include it where needed.
   Return convention (the same in every header under tools/): 0 on success and -1 on failure; a
   pointer is NULL on failure.
   MIT License, see LICENSE. */
#ifndef CAT_UTIL_H
#define CAT_UTIL_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define UTIL_FN static __attribute__((unused))
#else
#define UTIL_FN static
#endif

#if defined(__unix__) || defined(__APPLE__)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define UTIL_POSIX 1
#endif

/* Size limits of the tools' whole-file readers (a file or pipe past its limit
   is an error naming the limit, so an endless input cannot exhaust memory). */
#define UTIL_LIMIT_CONFIG    ((size_t)16 << 20)  /* a JSON configuration */
#define UTIL_LIMIT_TOKENIZER ((size_t)256 << 20) /* tokenizer.json, vocab.json, merges.txt */
#define UTIL_LIMIT_TEXT      ((size_t)256 << 20) /* a text or token-id input */
#define UTIL_LIMIT_REF       ((size_t)256 << 20) /* a reference-logits file (cat-check) */
#define UTIL_LIMIT_CHECKPOINT (SIZE_MAX > 0xFFFFFFFFu ? (size_t)1 << 18 << 18 : (size_t)1 << 31) /* 64 GiB (2 GiB on 32-bit hosts) */

/* a message into err (vsnprintf: truncation is expected and fine) */
UTIL_FN void util_err(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    if (!err || !errlen) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* "16 MiB" for a limit */
UTIL_FN const char *util_size_str(size_t n, char *buf, size_t cap) {
    if (n >= ((size_t)1 << 30) && n % ((size_t)1 << 30) == 0) snprintf(buf, cap, "%zu GiB", n >> 30);
    else if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0) snprintf(buf, cap, "%zu MiB", n >> 20);
    else snprintf(buf, cap, "%zu bytes", n);
    return buf;
}

/* What a file that is not a regular file is, for messages; NULL for a regular file. */
#ifdef UTIL_POSIX
UTIL_FN const char *util_special_kind(mode_t mode) {
    if (S_ISREG(mode)) return NULL;
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISDIR(mode)) return "a directory";
    return "a special file";
}
#endif

/* The whole of path in a malloc'd buffer with a NUL after its *len bytes, or
   NULL with a message "PATH: ..." in err. path must name a regular file: a
   FIFO, device, directory or socket is refused without blocking (the file is
   opened with O_NONBLOCK and checked with fstat before anything is read). The
   name "-" reads standard input, which may be a pipe, when allow_stdin is set.
   More than limit bytes is an error naming the limit and what (e.g. "config
   file"). */
UTIL_FN void *util_read_input(const char *path, size_t limit, const char *what, int allow_stdin, size_t *len, char *err, size_t errlen) {
    char *buf = NULL, *nb, lim[32];
    size_t cap = 0, n = 0;
    int is_stdin = allow_stdin && path[0] == '-' && path[1] == 0;
#ifdef UTIL_POSIX
    int fd;
    struct stat st;
    ssize_t r;
    if (is_stdin) fd = 0;
    else {
        fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0) { util_err(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
        if (fstat(fd, &st) != 0) { util_err(err, errlen, "%s: cannot stat: %s", path, strerror(errno)); close(fd); return NULL; }
        if (util_special_kind(st.st_mode)) {
            util_err(err, errlen, "%s: is %s, not a regular file", path, util_special_kind(st.st_mode));
            close(fd); return NULL;
        }
        if ((unsigned long long)st.st_size > (unsigned long long)limit) {
            util_err(err, errlen, "%s: larger than the %s limit for a %s", path, util_size_str(limit, lim, sizeof lim), what);
            close(fd); return NULL;
        }
        cap = (size_t)st.st_size + 2; /* one more to see the end without growing */
    }
#else
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    size_t r;
    if (!f) { util_err(err, errlen, "%s: cannot open", path); return NULL; }
#endif
    for (;;) {
        if (cap - n < 2) {
            size_t nc = cap ? cap * 2 : 65536;
            if (nc > limit + 2) nc = limit + 2;
            if (nc <= cap) break; /* past the limit */
            nb = (char *)realloc(buf, nc);
            if (!nb) { util_err(err, errlen, "%s: out of memory", path); goto fail; }
            buf = nb; cap = nc;
        }
        if (!buf) { buf = (char *)malloc(cap); if (!buf) { util_err(err, errlen, "%s: out of memory", path); goto fail; } }
#ifdef UTIL_POSIX
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { util_err(err, errlen, "%s: read error: %s", path, strerror(errno)); goto fail; }
        if (r == 0) break;
        n += (size_t)r;
#else
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) { if (ferror(f)) { util_err(err, errlen, "%s: read error", path); goto fail; } break; }
#endif
        if (n > limit) break;
    }
    if (n > limit) {
        util_err(err, errlen, "%s: larger than the %s limit for a %s", is_stdin ? "standard input" : path, util_size_str(limit, lim, sizeof lim), what);
        goto fail;
    }
#ifdef UTIL_POSIX
    if (!is_stdin) close(fd);
#else
    if (!is_stdin) fclose(f);
#endif
    buf[n] = 0;
    *len = n;
    return buf;
fail:
    free(buf);
#ifdef UTIL_POSIX
    if (!is_stdin) close(fd);
#else
    if (!is_stdin) fclose(f);
#endif
    return NULL;
}

/* The whole regular file in a malloc'd buffer with a NUL after its len bytes;
   NULL if it cannot be opened or read, is not a regular file or passes 1 GiB
   (for tests and fixtures). */
UTIL_FN void *util_read_file(const char *path, size_t *len) {
    char err[64];
    return util_read_input(path, (size_t)1 << 30, "file", 0, len, err, sizeof err);
}

/* A decimal unsigned 64-bit integer, exactly (0 .. 18446744073709551615): 0 and
   *out on success; -1 for an empty string, a sign, spaces, other characters or a
   value past 2^64 - 1 (seeds are taken whole: no rounding through a double). */
UTIL_FN int util_parse_u64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    const char *p = s;
    if (!s || !*s) return -1;
    for (; *p; p++) {
        unsigned d;
        if (*p < '0' || *p > '9') return -1;
        d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
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

/* --kv-type NAME: 0 f32, 1 bf16, 2 q8 (the values of cat_dtype); -1 if unknown */
UTIL_FN int util_kv_type(const char *s) {
    if (!strcmp(s, "f32")) return 0;
    if (!strcmp(s, "bf16")) return 1;
    if (!strcmp(s, "q8")) return 2;
    return -1;
}

/* --kv-budget SIZE: a whole number of bytes with an optional suffix K, M or G
   (1024-based; a trailing B or iB is allowed: 8G, 8GB, 8GiB, 512M, 4096).
   Returns 0 on success, -1 when the text is not such a size or is 0. */
UTIL_FN int util_parse_size(const char *s, uint64_t *out) {
    uint64_t v = 0, mul = 1;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (*p == 'K' || *p == 'k') { mul = (uint64_t)1 << 10; p++; }
    else if (*p == 'M' || *p == 'm') { mul = (uint64_t)1 << 20; p++; }
    else if (*p == 'G' || *p == 'g') { mul = (uint64_t)1 << 30; p++; }
    if (mul > 1 && p[0] == 'i' && p[1] == 'B') p += 2;
    else if (*p == 'B') p++;
    if (*p || v == 0 || v > UINT64_MAX / mul) return -1;
    *out = v * mul;
    return 0;
}

/* bytes for people: "12.3 MiB" */
UTIL_FN const char *util_human(uint64_t b, char *buf, size_t n) {
    if (b >= ((uint64_t)1 << 30)) snprintf(buf, n, "%.2f GiB", (double)b / (double)((uint64_t)1 << 30));
    else if (b >= ((uint64_t)1 << 20)) snprintf(buf, n, "%.2f MiB", (double)b / (double)((uint64_t)1 << 20));
    else if (b >= 1024) snprintf(buf, n, "%.1f KiB", (double)b / 1024.0);
    else snprintf(buf, n, "%llu bytes", (unsigned long long)b);
    return buf;
}
#endif
