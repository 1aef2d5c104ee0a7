# cat.h: build, test, run. Binaries go to build/.
CC      ?= cc
OPT     ?= -O2
# the SIMD kernels (AVX-512, AVX2, NEON) need the CPU's instruction set: build for this
# machine when the compiler can (make NATIVE= for a portable build)
NATIVE  ?= $(shell printf 'int main(void){return 0;}' | $(CC) -march=native -x c - -o /dev/null 2>/dev/null && echo -march=native)
CFLAGS  ?= $(OPT) -g $(NATIVE)
WARN    := -std=c99 -Wall -Wextra -pedantic
# OpenMP when the compiler has it (make OPENMP= to build without)
OPENMP  ?= $(shell printf 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(OPENMP)
LDLIBS  := -lm

B := build
TOOLS := $(B)/cat-convert $(B)/cat-check $(B)/cat-tokenize $(B)/cat-ppl $(B)/cat-generate $(B)/cat-bench
TESTS := $(B)/test_kvcache $(B)/test_ckpt $(B)/test_json $(B)/test_tokenizer $(B)/test_format $(B)/test_threads $(B)/test_bounds $(B)/replay_fuzz
HDRS  := cat.h tools/ckpt.h tools/json.h tools/tokfile.h tools/util.h

.PHONY: all test asan run bench clean fuzz
all: $(TOOLS)

$(B)/%: tools/%.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
$(B)/cat-generate: examples/generate.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
$(B)/test_%: tests/test_%.c $(HDRS) tests/synth_ckpt.h | $(B)
	$(CC) $(ALL_CFLAGS) -Itools -I. $< -o $@ $(LDLIBS)
$(B)/test_threads: tests/test_threads.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) -pthread -Itools -I. $< -o $@ $(LDLIBS)
$(B):
	mkdir -p $(B)

# the whole suite; the last line counts every check of every part
test: $(TOOLS) $(TESTS)
	@sh tests/run.sh $(B)

# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
asan:
	CAT_TEST_QUICK=1 $(MAKE) B=build/asan OPT=-O1 CFLAGS="-O1 -g $(NATIVE) -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# the demo: convert the bundled KJV CAT (with its tokenizer) once, then generate
DEMO := $(B)/kjv_cat.cat
$(DEMO): models/kjv/kjv_cat.pt models/kjv/kjv_cat.json models/kjv/tokenizer.json $(B)/cat-convert
	$(B)/cat-convert convert models/kjv/kjv_cat.pt $@ --config models/kjv/kjv_cat.json --tokenizer models/kjv/tokenizer.json
run: $(B)/cat-generate $(DEMO)
	$(B)/cat-generate -m $(DEMO) -p "Genesis 1:1" -n 128 --temp 0 --chunk 16

# speed and memory figures (README.md); about 15 minutes, models in build/bench
bench: all $(DEMO)
	sh tools/bench.sh $(B)

clean:
	rm -rf $(B) build

# fuzzing (libFuzzer via clang): see tests/fuzz/
-include tests/fuzz/fuzz.mk
