# Fuzzing with libFuzzer (clang -fsanitize=fuzzer): included by the Makefile.
#   make fuzz                 build every harness, make the seed corpora from the
#                             fixtures, run each harness FUZZ_SECONDS (default 60)
#                             FUZZ_JOBS at a time (default 2), print executions
#   make fuzz FUZZ_HARNESSES="model encode" FUZZ_SECONDS=600
#   make fuzz-build           only build the harnesses
#   FUZZ_TIMEOUT=S (environment): seconds one input may take (default 120; a
#   busy machine and the sanitizers slow fuzz_session down a lot)
# Work files go to $(B)/fuzz/ (corpus/ grows between runs; crashes/, logs/).
# A crash found is fixed, and its input kept in tests/fuzz/regressions/<harness>/;
# a small merged corpus of each harness is kept in tests/fuzz/corpus/<harness>/
# (and seeds the next run); make test replays both (build/replay_fuzz, no
# libFuzzer needed).
FUZZ_CC        ?= clang
FUZZ_SECONDS   ?= 60
FUZZ_JOBS      ?= 2
FUZZ_HARNESSES ?= zip_pickle safetensors json tokfile model encode session
FUZZ_DIR       := $(B)/fuzz
FUZZ_CFLAGS    := -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SRC       := tests/fuzz/fuzz.h tests/fuzz/fuzz_ckpt.h tests/fuzz/fuzz_zip_pickle.c tests/fuzz/fuzz_safetensors.c tests/fuzz/fuzz_json.c \
                  tests/fuzz/fuzz_tokfile.c tests/fuzz/fuzz_model.c tests/fuzz/fuzz_encode.c tests/fuzz/fuzz_session.c

.PHONY: fuzz fuzz-build fuzz-seeds
fuzz-build: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/fuzz_%)

fuzz: fuzz-build fuzz-seeds
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_HARNESSES)

fuzz-seeds: $(FUZZ_DIR)/mkseeds $(B)/cat-convert
	@sh tests/fuzz/seeds.sh $(FUZZ_DIR)/mkseeds $(B)/cat-convert $(FUZZ_DIR)/seeds

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzz_ckpt.h $(HDRS)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< -o $@ -lm

$(FUZZ_DIR)/mkseeds: tests/fuzz/mkseeds.c tests/synth_ckpt.h
	@mkdir -p $(FUZZ_DIR)
	$(CC) $(WARN) -O1 $< -o $@

# the regression replayer (in TESTS, so make test and make asan build it)
$(B)/replay_fuzz: tests/fuzz/replay.c $(FUZZ_SRC) $(HDRS) tests/harness.h | $(B)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
