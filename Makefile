# cat.h: build, test, run. Binaries go to build/.
CC      ?= cc
OPT     ?= -O2
# the SIMD kernels (AVX-512, AVX2, NEON) need the CPU's instruction set: build for this
# machine when the compiler can (make NATIVE= for a portable build)
NATIVE  ?= $(shell printf 'int main(void){return 0;}' | $(CC) -march=native -x c - -o /dev/null 2>/dev/null && echo -march=native)
# NATIVE=0 (or NATIVE=): a portable build; on x86 it still runs the AVX2 or AVX-512
# kernels where the CPU has them (chosen at run time; CAT_KERNELS=scalar|avx2|avx2vnni|avx512|... forces one)
ifeq ($(NATIVE),0)
override NATIVE :=
endif
CFLAGS  ?= $(OPT) -g $(NATIVE)
WARN    := -std=c99 -Wall -Wextra -pedantic
# OpenMP when the compiler has it (make OPENMP= to build without)
OPENMP  ?= $(shell printf 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(OPENMP)
LDLIBS  := -lm -pthread

# build in parallel on every core unless -j was given (each tool compiles the
# kernels once per instruction set: about a minute serially on 2 cores)
ifeq (,$(findstring j,$(firstword -$(MAKEFLAGS))))
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

B := build
TOOLS := $(B)/cat-convert $(B)/cat-check $(B)/cat-tokenize $(B)/cat-ppl $(B)/cat-generate $(B)/cat-bench
# the embedding contract: cat.h included without the implementation in a second unit (C99, C11,
# C++), linked with one that has it; CAT_NO_TOKENIZER; the README's example, compiled as written
API_TESTS := $(B)/test_api_c99 $(B)/test_api_c11 $(B)/test_api_cxx $(B)/test_notok $(B)/readme_example $(B)/readme_example_cxx
TESTS := $(B)/mkckpt $(B)/test_kvcache $(B)/test_ckpt $(B)/test_sampler $(B)/test_state $(B)/test_json $(B)/test_tokenizer $(B)/test_format $(B)/test_threads $(B)/test_bounds $(B)/test_kernels $(B)/replay_fuzz \
         $(API_TESTS)
CXX     ?= c++
STRICT  := -Wall -Wextra -pedantic -Werror
HDRS  := cat.h tools/ckpt.h tools/json.h tools/tokfile.h tools/util.h tools/cli.h

# install locations (make install PREFIX=... DESTDIR=...)
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
INCDIR  := $(PREFIX)/include
LIBDIR  := $(PREFIX)/lib
MANDIR  := $(PREFIX)/share/man/man1
VERSION := $(shell sed -n 's/^\#define CAT_VERSION_MAJOR //p' cat.h).$(shell sed -n 's/^\#define CAT_VERSION_MINOR //p' cat.h).$(shell sed -n 's/^\#define CAT_VERSION_PATCH //p' cat.h)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
MANS    := $(TOOLS:$(B)/%=$(B)/man/%.1)

.PHONY: all test test-neon asan tsan encode-scaling run bench clean fuzz style lib man install uninstall release-check
all: $(TOOLS)

$(B)/%: tools/%.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
# the tools share one compiled implementation (the kernels are compiled once per
# instruction set: once for all the tools rather than once per tool)
$(B)/cat_impl.o: cat.h | $(B)
	$(CC) $(ALL_CFLAGS) -DCAT_IMPLEMENTATION -x c -c cat.h -o $@
$(B)/cat-check $(B)/cat-tokenize $(B)/cat-ppl $(B)/cat-bench: $(B)/%: tools/%.c $(HDRS) $(B)/cat_impl.o | $(B)
	$(CC) $(ALL_CFLAGS) -DCAT_LINKED $< $(B)/cat_impl.o -o $@ $(LDLIBS)
# GPT-2's tokenizer, compiled into cat-convert (models/gpt2)
$(B)/embed: tools/embed.c | $(B)
	$(CC) $(WARN) -O1 $< -o $@
$(B)/gpt2_data.h: $(B)/embed models/gpt2/encoder.json models/gpt2/vocab.bpe
	$(B)/embed $@ gpt2_encoder_json models/gpt2/encoder.json gpt2_vocab_bpe models/gpt2/vocab.bpe
$(B)/cat-convert: tools/cat-convert.c $(HDRS) $(B)/gpt2_data.h $(B)/cat_impl.o | $(B)
	$(CC) $(ALL_CFLAGS) -DCAT_LINKED -I$(B) $< $(B)/cat_impl.o -o $@ $(LDLIBS)
$(B)/cat-generate: examples/generate.c $(HDRS) $(B)/cat_impl.o | $(B)
	$(CC) $(ALL_CFLAGS) -DCAT_LINKED $< $(B)/cat_impl.o -o $@ $(LDLIBS)
$(B)/test_%: tests/test_%.c $(HDRS) tests/synth_ckpt.h tests/harness.h | $(B)
	$(CC) $(ALL_CFLAGS) -Itools -I. $< -o $@ $(LDLIBS)
$(B)/mkckpt: tests/mkckpt.c $(HDRS) tests/synth_ckpt.h | $(B)
	$(CC) $(ALL_CFLAGS) -Itools -I. $< -o $@ $(LDLIBS)
$(B)/test_threads: tests/test_threads.c $(HDRS) tests/harness.h | $(B)
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

# the library for programs that link rather than include the implementation:
# cat.h compiled once, only the public API exported (CATDEF gets default
# visibility, everything else is hidden)
lib: $(B)/libcat.so $(B)/libcat.a
$(B)/libcat.o: cat.h | $(B)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -DCAT_IMPLEMENTATION -DCAT_BUILD_SHARED -x c -c cat.h -o $@
$(B)/libcat.so: $(B)/libcat.o
	$(CC) -shared $(OPENMP) -Wl,-soname,libcat.so.$(MAJOR) $< -o $@ $(LDLIBS)
$(B)/libcat.a: $(B)/libcat.o
	rm -f $@ && ar rcs $@ $<

# man pages made from each tool's --help
man: $(MANS)
$(B)/man/%.1: $(B)/% tools/help2man.sh
	@mkdir -p $(B)/man
	sh tools/help2man.sh $< > $@

# cat.h, libcat (shared and static), the tools, their man pages, cat.pc for pkg-config
install: all lib man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(MANDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 644 cat.h $(DESTDIR)$(INCDIR)/cat.h
	install -m 755 $(B)/libcat.so $(DESTDIR)$(LIBDIR)/libcat.so.$(VERSION)
	ln -sf libcat.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libcat.so.$(MAJOR)
	ln -sf libcat.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libcat.so
	install -m 644 $(B)/libcat.a $(DESTDIR)$(LIBDIR)/libcat.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@PRIVATE@|$(strip $(OPENMP) $(LDLIBS))|' tools/cat.pc.in > $(B)/cat.pc
	install -m 644 $(B)/cat.pc $(DESTDIR)$(LIBDIR)/pkgconfig/cat.pc
	install -m 644 $(MANS) $(DESTDIR)$(MANDIR)/
uninstall:
	rm -f $(TOOLS:$(B)/%=$(DESTDIR)$(BINDIR)/%) $(MANS:$(B)/man/%=$(DESTDIR)$(MANDIR)/%)
	rm -f $(DESTDIR)$(INCDIR)/cat.h $(DESTDIR)$(LIBDIR)/pkgconfig/cat.pc $(DESTDIR)$(LIBDIR)/libcat.a
	rm -f $(DESTDIR)$(LIBDIR)/libcat.so $(DESTDIR)$(LIBDIR)/libcat.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libcat.so.$(VERSION)

# the house style (rules at the top of tools/style.sh); make test runs it too
style:
	@sh tools/style.sh

# the whole suite; the last line counts every check of every part
test: $(TOOLS) $(TESTS) $(B)/libcat.so $(B)/libcat.a
	@sh tests/run.sh $(B)

# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, with the leak
# checker on: every error path of the tools' bad-input tests (tests/cli.sh) is checked
# for leaks too (a report fails the case)
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 CAT_TEST_QUICK=1 CAT_TEST_SANITIZED=1 $(MAKE) B=build/asan OPT=-O1 CFLAGS="-O1 -g $(NATIVE) -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# is encoding linear in the input length? (tests/encode_scaling.c; not part of make test)
encode-scaling: $(B)/encode_scaling
	$(B)/encode_scaling
$(B)/encode_scaling: tests/encode_scaling.c $(HDRS) | $(B)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)

# the NEON kernels from an x86 machine: test_kernels cross-compiled for arm64 and
# run under qemu (Debian packages gcc-aarch64-linux-gnu and qemu-user), twice:
# for plain Armv8-A (q8 / q4 with widening multiplies) and for Armv8.2-A with
# the dot product (sdot), on qemu's "max" CPU, which has it
ARM_CC ?= aarch64-linux-gnu-gcc
test-neon: | $(B)
	$(ARM_CC) $(WARN) -O2 -Itools -I. tests/test_kernels.c -o $(B)/test_kernels_arm64 -lm -pthread
	qemu-aarch64 -L /usr/aarch64-linux-gnu $(B)/test_kernels_arm64
	$(ARM_CC) $(WARN) -O2 -march=armv8.2-a+dotprod -Itools -I. tests/test_kernels.c -o $(B)/test_kernels_arm64_dotprod -lm -pthread
	qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu $(B)/test_kernels_arm64_dotprod

# the thread tests (one model shared by sessions, a tokenizer by encoders, 4 threads
# generating 64 tokens each) under ThreadSanitizer; built without OpenMP, whose
# runtime TSan cannot see into (it reports false races)
tsan: $(B)/cat-convert
	$(MAKE) B=build/tsan OPT=-O1 OPENMP= CFLAGS="-O1 -g $(NATIVE) -fsanitize=thread" build/tsan/test_threads
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build/tsan/test_threads tests/fixtures $(B)/cat-convert

# the demo: convert the bundled KJV CAT (with its tokenizer) once, then generate
DEMO := $(B)/kjv_cat.cat
$(DEMO): models/kjv/kjv_cat.pt models/kjv/kjv_cat.json models/kjv/tokenizer.json $(B)/cat-convert
	$(B)/cat-convert convert models/kjv/kjv_cat.pt $@ --config models/kjv/kjv_cat.json --tokenizer models/kjv/tokenizer.json
run: $(B)/cat-generate $(DEMO)
	$(B)/cat-generate -m $(DEMO) -p "Genesis 1:1" -n 128 --temp 0 --chunk 16

# speed and memory figures (README.md); about 15 minutes, models in build/bench
bench: all $(DEMO)
	sh tools/bench.sh $(B)

# the released checkpoints' shapes end to end (not part of `make test`): random
# release-shaped torch checkpoints (the 0.98 B adaptive CAT, 3.9 GB, and the 0.26 B
# vanilla model, 1.0 GB) in a temporary directory, converted with no configuration
# to f32, bf16 and q8, generating with each; about 15 minutes, 11 GB of disk
RELEASE_TMP ?= $(shell dirname $$(mktemp -u))
release-check: all $(B)/mkckpt
	sh tools/release_check.sh $(B) $(RELEASE_TMP)

clean:
	rm -rf $(B) build

# fuzzing (libFuzzer via clang): see tests/fuzz/
-include tests/fuzz/fuzz.mk
