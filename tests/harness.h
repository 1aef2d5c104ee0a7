/* harness.h: the counting every test program shares. CHECK(cond, fmt, ...)
   counts a check and prints "FAIL file:line: message" when cond is false;
   test_report() prints the "N passed, N failed" line that tests/run.sh sums and
   returns the exit status (0 only when nothing failed).
   MIT License, see LICENSE. */
#ifndef CAT_TEST_HARNESS_H
#define CAT_TEST_HARNESS_H
#include <stdio.h>

static int test_passed, test_failed;

#define CHECK(cond, ...) do { \
        if (cond) test_passed++; \
        else { test_failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } \
    } while (0)

static int test_report(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
#endif
