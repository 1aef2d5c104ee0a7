/* fuzz_zip_pickle: ckpt.h's torch zip + pickle reader (ckpt_open_memory, format 1)
   on arbitrary bytes. MIT License, see LICENSE. */
#include "fuzz_ckpt.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size) { return fuzz_ckpt_one(data, size, 1); }
