/* harness.h: the counting every test program shares. CHECK(cond, fmt, ...)
   counts a check and prints "FAIL file:line: message" when cond is false;
   test_count(ok) counts one whose message the caller prints itself (and
   returns ok); test_report() prints the "N passed, N failed" line that
   tests/run.sh adds up and returns the exit status (0 only when nothing failed).
   MIT License, see LICENSE. */
#ifndef CAT_TEST_HARNESS_H
#define CAT_TEST_HARNESS_H
#include <stdio.h>

static int test_passed, test_failed;

static inline int test_count(int ok) {
    if (ok) test_passed++;
    else test_failed++;
    return ok;
}

#define CHECK(cond, ...) do { \
        if (!test_count((cond) != 0)) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } \
    } while (0)

static inline int test_report(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
#endif
