/* api_impl.c: the one translation unit that holds cat.h's implementation, for
   the two-unit tests (test_api.c, the README example's caller).
   MIT License, see LICENSE. */
#define CAT_IMPLEMENTATION
#include "cat.h"
