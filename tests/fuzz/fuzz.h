/* Shared by the fuzz harnesses in tests/fuzz/.
   Each harness defines FUZZ_ENTRY(data, size), which is libFuzzer's
   LLVMFuzzerTestOneInput when the harness is built on its own (make fuzz),
   and a uniquely named function when replay.c includes every harness into one
   program that replays tests/fuzz/regressions/ without libFuzzer (make test).
   A harness returns 0, or abort()s when it finds a broken invariant.
   MIT License, see LICENSE. */
#ifndef FUZZ_H
#define FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

/* an invariant that must hold for every input */
#define FUZZ_ASSERT(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

/* where the vocabularies of fuzz_encode live (run from the repository root) */
#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif
#endif
