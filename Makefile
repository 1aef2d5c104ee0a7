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
TESTS := $(B)/test_ckpt $(B)/test_sampler $(B)/test_json $(B)/test_tokenizer $(B)/test_format $(B)/test_threads $(B)/test_bounds $(B)/replay_fuzz \
         $(API_TESTS)
# the embedding contract: cat.h included without the implementation in a second unit (C99, C11,
# C++), linked with one that has it; CAT_NO_TOKENIZER; the README's example, compiled as written
API_TESTS := $(B)/test_api_c99 $(B)/test_api_c11 $(B)/test_api_cxx $(B)/test_notok $(B)/readme_example $(B)/readme_example_cxx
CXX     ?= c++
STRICT  := -Wall -Wextra -pedantic -Werror
HDRS  := cat.h tools/ckpt.h tools/json.h tools/tokfile.h tools/util.h tools/cli.h

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
$(B)/api_impl.o: tests/api_impl.c cat.h | $(B)
	$(CC) $(ALL_CFLAGS) -I. -c $< -o $@
$(B)/test_api_c99: tests/test_api.c tests/harness.h $(B)/api_impl.o
	$(CC) -std=c99 $(STRICT) -Werror=implicit-function-declaration $(CFLAGS) -I. $< $(B)/api_impl.o -o $@ $(OPENMP) $(LDLIBS)
$(B)/test_api_c11: tests/test_api.c tests/harness.h $(B)/api_impl.o
	$(CC) -std=c11 $(STRICT) -Werror=implicit-function-declaration $(CFLAGS) -I. $< $(B)/api_impl.o -o $@ $(OPENMP) $(LDLIBS)
$(B)/test_api_cxx: tests/test_api.c tests/harness.h $(B)/api_impl.o
	$(CXX) -x c++ -std=c++11 $(STRICT) $(CFLAGS) -I. $< -x none $(B)/api_impl.o -o $@ $(OPENMP) $(LDLIBS)
$(B)/test_notok: tests/test_notok.c tests/harness.h cat.h | $(B)
	$(CC) -std=c99 $(STRICT) $(CFLAGS) -I. $< -o $@ $(OPENMP) $(LDLIBS)
# the README's example, cut out of README.md so that the two cannot drift apart
$(B)/readme_example.c: README.md | $(B)
	sed -n '/^## Using cat.h from C$$/,/^```$$/p' README.md | sed '1,/^```c$$/d; $$d' > $@
	test -s $@
$(B)/readme_example: $(B)/readme_example.c cat.h
	$(CC) -std=c99 $(STRICT) -Werror=implicit-function-declaration $(CFLAGS) -I. $< -o $@ $(OPENMP) $(LDLIBS)
$(B)/readme_example_cxx: $(B)/readme_example.c cat.h
	$(CXX) -x c++ -std=c++11 $(STRICT) $(CFLAGS) -I. $< -o $@ $(OPENMP) $(LDLIBS)
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
