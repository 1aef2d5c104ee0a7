#!/bin/sh
# seeds.sh MKSEEDS CAT_CONVERT OUT_DIR: seed corpora for every fuzz harness,
# made from the fixtures (nothing here is committed; make fuzz calls this).
#   OUT_DIR/zip_pickle, safetensors  synthetic checkpoints + the fixtures' real
#                                    pickles / headers (mkseeds)
#   OUT_DIR/json                     the configuration files and small vocabularies
#   OUT_DIR/tokfile                  tokenizer files, in fuzz_tokfile's input form
#   OUT_DIR/model                    tiny random models of every family (one with
#                                    a tokenizer), written by cat-convert
#   OUT_DIR/encode                   texts, in fuzz_encode's input form
#   OUT_DIR/session                  short programs for fuzz_session, one a model
set -e
MK=$1; CONV=$2; O=$3
F=tests/fixtures
K=models/kjv
rm -rf "$O"
mkdir -p "$O/zip_pickle" "$O/safetensors" "$O/json" "$O/tokfile" "$O/model" "$O/encode" "$O/session" "$O/cfg"
"$MK" "$O" "$F"

cp "$F"/*.json "$K"/*.json "$O/tiny_tokenizer.json" "$O/tiny_vocab.json" "$O/json/"

{ printf '\000'; cat "$O/tiny_tokenizer.json"; } >"$O/tokfile/tiny_hf"
{ printf '\001'; cat "$O/tiny_vocab.json"; printf '\000'; cat "$O/tiny_merges.txt"; } >"$O/tokfile/tiny_gpt2"
{ printf '\000'; cat "$K/tokenizer.json"; } >"$O/tokfile/kjv_hf"
{ printf '\001'; cat "$K/vocab.json"; printf '\000'; cat "$K/merges.txt"; } >"$O/tokfile/kjv_gpt2"

V='"vocab_size": 300, "padded_vocab_size": 300'
S='"dim": 8, "n_head": 2, "n_layer": 1, "intermediate_size": 16'
printf '{"family": "dense", %s, "block_size": 16, "model": {%s}}\n' "$V" "$S" >"$O/cfg/dense.json"
printf '{"family": "dense", %s, "block_size": 16, "model": {"dim": 8, "n_head": 2, "n_local_heads": 1, "n_layer": 2, "intermediate_size": 16, "use_qk_norm": true}}\n' "$V" >"$O/cfg/dense_gqa.json"
printf '{"family": "cat", %s, "chunk_size": 4, "block_size": 16, "compressor": {%s, "dim_fx": 8}, "decoder": {%s}}\n' "$V" "$S" "$S" >"$O/cfg/cat.json"
printf '{"family": "cat", "adaptive": true, %s, "chunk_size": 4, "block_size": 16, "compressor": {%s, "dim_fx": 8, "use_qk_norm": true}, "decoder": {%s, "n_local_heads": 1}}\n' "$V" "$S" "$S" >"$O/cfg/cat_adaptive.json"
printf '{"family": "cat_layer", %s, "chunk_size": 4, "block_size": 16, "model": {%s, "dim_fx": 64}}\n' "$V" "$S" >"$O/cfg/cat_layer.json"
for c in dense dense_gqa cat cat_adaptive cat_layer; do
    "$CONV" random "$O/model/$c.cat" --config "$O/cfg/$c.json" --dtype bf16 >/dev/null
done
"$CONV" random "$O/model/cat_f32.cat" --config "$O/cfg/cat.json" --dtype f32 --seed 2 >/dev/null
"$CONV" random "$O/model/dense_tok.cat" --config "$O/cfg/dense.json" --dtype bf16 \
    --vocab "$O/tiny_vocab.json" --merges "$O/tiny_merges.txt" >/dev/null 2>&1
"$CONV" random "$O/model/adaptive_tok.cat" --config "$O/cfg/cat_adaptive.json" --dtype bf16 \
    --tokenizer "$O/tiny_tokenizer.json" >/dev/null 2>&1

i=0
for t in "$F/gpt2/text.txt" "$F/gpt2/random.txt" "$K/kjv_val.txt"; do
    i=$((i + 1))
    { printf '\000'; head -c 1500 "$t"; } >"$O/encode/gpt2_$i"
    { printf '\001'; head -c 1500 "$t"; } >"$O/encode/kjv_$i"
done
printf '\000<|endoftext|>Hello world<|endoftext|>' >"$O/encode/gpt2_special"
printf '\001In the beginning God created the heaven and the earth.\n' >"$O/encode/kjv_short"
# fuzz_session: model, parameters, context, then steps (see fuzz_session.c)
for m in 0 1 2 3 4 5 6 7; do
    printf "\\$(printf %03o $m)\\005\\000\\010\\001\\002\\003\\004\\005\\006\\001\\007\\000\\003\\011\\012\\013\\014\\015\\016\
\\017\\020\\005\\001\\007\\001\\004\\001\\030\\031\\006\\002\\010\\000\\101\\001\\102\\002\\103\\003\\301\\004\\105\\005\\106\\006\\107\\007\\110\\010" >"$O/session/m$m"
done
rm -rf "$O/cfg"
