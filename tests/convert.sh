#!/bin/sh
# convert.sh BUILD_DIR: cat-convert with no configuration file. Every fixture
# family converted from its tensors alone (plus the --set flags the tensors
# cannot answer) must give the same file as with its JSON and match the
# reference logits (the greedy records are checked on the same bytes in run.sh);
# where the tensors cannot tell a field, the exact one-line
# error naming the flag; sharded checkpoints, Hugging Face directories (also the
# flash-linear-attention CAT layout), GPT-2's built-in tokenizer; and the guards:
# OUT that is an input, interrupted conversions, non-finite weights. One line
# per case, then "N passed, N failed". Work files in BUILD_DIR/convert-tmp.
B=${1:-build}
F=tests/fixtures
X=tests/fixtures/extra
K=models/kjv
T=$B/convert-tmp
C=$B/cat-convert
pass=0
fail=0
rm -rf "$T"
mkdir -p "$T"

ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
no() { fail=$((fail + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; [ -f "$T/err" ] && sed 's/^/     | /' "$T/err" | head -n 5; }

# same NAME SRC JSON FLAGS...: converting SRC with FLAGS and no JSON gives the
# file converting with JSON gives, and that file passes cat-check on REF
same() {
    name=$1; src=$2; json=$3; ref=$4; shift 4
    if ! "$C" convert "$src" "$T/a.cat" --config "$json" >/dev/null 2>"$T/err"; then no "$name" "conversion with the JSON failed"; return; fi
    if ! "$C" convert "$src" "$T/b.cat" "$@" >/dev/null 2>"$T/err"; then no "$name" "conversion without the JSON failed"; return; fi
    if ! cmp -s "$T/a.cat" "$T/b.cat"; then no "$name" "differs from the conversion with the JSON"; return; fi
    if ! "$B/cat-check" --logits-only "$T/b.cat" "$ref" >"$T/err" 2>&1; then no "$name" "cat-check against $ref"; return; fi
    ok "$name"
}
# fails NAME MESSAGE CMD...: CMD fails, its stderr's last line is exactly MESSAGE
fails() {
    name=$1; msg=$2; shift 2
    if "$@" >/dev/null 2>"$T/err"; then no "$name" "exit status 0"; return; fi
    got=$(tail -n 1 "$T/err")
    if [ "$got" != "$msg" ]; then no "$name" "message '$got', expected '$msg'"; return; fi
    if ls "$T"/*.tmp.* >/dev/null 2>&1; then no "$name" "left a temporary file"; return; fi
    ok "$name"
}

# ---- every family from its tensors ----------------------------------------------
same "no config: adaptive CAT with QK-norm (.pt, module. prefix)" $F/cat_adaptive_c16.pt $F/cat_adaptive_c16.json $F/cat_adaptive_c16.ref --set vocab_size=300
same "no config: adaptive CAT, MQA in both stacks, chunk 32" $X/x_adaptive_c32_mqa.safetensors $X/x_adaptive_c32_mqa.json $X/x_adaptive_c32_mqa.ref --set vocab_size=300
same "no config: dense with QK-norm" $F/dense.safetensors $F/dense.json $F/dense.ref --set vocab_size=300 --set block_size=64
same "no config: fixed-chunk CAT, QK-norm, GQA, rope_base 500" $F/cat_c8_qk_gqa.safetensors $F/cat_c8_qk_gqa.json $F/cat_c8_qk_gqa.ref \
    --set vocab_size=300 --set decoder.rope_base=500 --set compressor.rope_base=500 --set decoder.norm_eps=1e-6
same "no config: fixed-chunk CAT, chunk 32, intermediate 192" $X/x_cat_c32.safetensors $X/x_cat_c32.json $X/x_cat_c32.ref \
    --set vocab_size=500 --set decoder.rope_base=1e6 --set compressor.rope_base=1e6 --set decoder.norm_eps=1e-6 --set compressor.norm_eps=1e-6
same "no config: fixed-chunk CAT without QK-norm (--set n_head)" $F/cat_c4.pt $F/cat_c4.json $F/cat_c4.ref --set vocab_size=300 --set n_head=4 --set compressor.n_head=2
same "no config: fixed-chunk CAT, chunk 1, GQA without QK-norm" $X/x_cat_c1.pt $X/x_cat_c1.json $X/x_cat_c1.ref --set vocab_size=257 --set decoder.n_head=6 --set compressor.n_head=2
same "no config: bf16 checkpoint" $F/cat_c4_bf16.safetensors $F/cat_c4_bf16.json $F/cat_c4_bf16.ref --set vocab_size=300 --set n_head=4 --set compressor.n_head=2
same "no config: CAT layer (--set n_head, block_size)" $F/cat_layer_c4.pt $F/cat_layer_c4.json $F/cat_layer_c4.ref --set vocab_size=300 --set n_head=4 --set block_size=32
same "no config: CAT layer with QK-norm" $X/x_layer_c1_qk.pt $X/x_layer_c1_qk.json $X/x_layer_c1_qk.ref \
    --set vocab_size=256 --set n_head=2 --set block_size=12 --set decoder.norm_eps=1e-6
same "no config: dense, GQA, no QK-norm" $X/x_dense_gqa.safetensors $X/x_dense_gqa.json $X/x_dense_gqa.ref \
    --set vocab_size=500 --set n_head=6 --set block_size=100 --set rope_base=500 --set norm_eps=1e-6

# ---- what the tensors cannot tell: the exact error ---------------------------------
fails "no config: vocabulary size unknown" \
    "cat-convert: the checkpoint does not tell the vocabulary size (its 512 rows are padded): add --set vocab_size=N or a tokenizer" \
    "$C" convert $F/cat_c4.pt "$T/o.cat"
fails "no config: decoder heads unknown without QK-norm" \
    "cat-convert: the checkpoint does not tell the decoder's number of attention heads (it has no QK-norm weights): add --set decoder.n_head=N" \
    "$C" convert $F/cat_c4.pt "$T/o.cat" --set vocab_size=300
fails "no config: compressor heads unknown without QK-norm" \
    "cat-convert: the checkpoint does not tell the compressor's number of attention heads (it has no QK-norm weights): add --set compressor.n_head=N" \
    "$C" convert $F/cat_c4.pt "$T/o.cat" --set vocab_size=300 --set n_head=4
fails "no config: a CAT layer's heads" \
    "cat-convert: the checkpoint does not tell the decoder's number of attention heads (a CAT layer's QK-norm is as wide as its 64-wide heads): add --set decoder.n_head=N" \
    "$C" convert $X/x_layer_c1_qk.pt "$T/o.cat" --set vocab_size=256
fails "cross-check: n_head against the QK-norm width" \
    "cat-convert: config decoder.n_head = 8 but layers.0.attention.q_norm.weight is 16 wide (4 heads)" \
    "$C" convert $F/dense.safetensors "$T/o.cat" --set vocab_size=300 --set n_head=8
fails "cross-check: chunk size against f.proj_fx" \
    "cat-convert: config chunk_size = 8 but f.proj_fx.weight says 4" \
    "$C" convert $F/cat_c4.pt "$T/o.cat" --config $F/cat_c4.json --set chunk_size=8
fails "cross-check: family against the tensors" \
    "cat-convert: config family 'dense' but the checkpoint's tensors are those of a cat model" \
    "$C" convert $F/cat_c4.pt "$T/o.cat" --config $F/dense.json
fails "cross-check: block size against f.pos_tokens" \
    "cat-convert: config block_size = 256 but f.pos_tokens.weight says 128" \
    "$C" convert $F/cat_adaptive_c16.pt "$T/o.cat" --set vocab_size=300 --set block_size=256

# ---- shards and directories -----------------------------------------------------------
"$B/mkckpt" shard $F/cat_adaptive_c16.pt "$T/shards" 3 >/dev/null 2>&1
"$C" convert $F/cat_adaptive_c16.pt "$T/ref.cat" --config $F/cat_adaptive_c16.json >/dev/null 2>&1
for in in "$T/shards" "$T/shards/model.safetensors.index.json"; do
    if "$C" convert "$in" "$T/s.cat" --set vocab_size=300 >/dev/null 2>"$T/err" && cmp -s "$T/s.cat" "$T/ref.cat"; then ok "shards: $(basename "$in") (3 safetensors shards)"
    else no "shards: $(basename "$in")" "conversion failed or differs"; fi
done
mv "$T/shards/model-00002-of-00003.safetensors" "$T/shard2"
fails "shards: a shard file missing" \
    "cat-convert: $T/shards/model-00002-of-00003.safetensors: cannot open: No such file or directory" \
    "$C" convert "$T/shards" "$T/o.cat" --set vocab_size=300
mkdir -p "$T/ptdir"; cp $F/dense.pt "$T/ptdir/pytorch_model.bin"
if "$C" convert "$T/ptdir" "$T/p.cat" --set vocab_size=300 >/dev/null 2>"$T/err" && "$B/cat-check" "$T/p.cat" $F/dense.ref >"$T/err" 2>&1; then ok "directory: pytorch_model.bin"
else no "directory: pytorch_model.bin" "failed"; fi
echo '{"architectures": ["Transformer"]}' >"$T/ptdir/config.json"
if "$C" convert "$T/ptdir" "$T/p2.cat" --set vocab_size=300 >/dev/null 2>"$T/err" && cmp -s "$T/p.cat" "$T/p2.cat" \
    && grep -q "has no model_type: ignored" "$T/err"; then ok "directory: a config.json without model_type is ignored, with a note"
else no "directory: config.json without model_type" "failed"; fi
mkdir -p "$T/kjvdir"; cp $K/kjv_cat.pt "$T/kjvdir/state_dict.pt"; cp $K/tokenizer.json "$T/kjvdir/tokenizer.json"
"$C" convert $K/kjv_cat.pt "$T/kjv_ref.cat" --config $K/kjv_cat.json --tokenizer $K/tokenizer.json >/dev/null 2>&1
if "$C" convert "$T/kjvdir" "$T/kjv.cat" >/dev/null 2>"$T/err" && cmp -s "$T/kjv.cat" "$T/kjv_ref.cat"; then ok "directory: state_dict.pt + tokenizer.json, nothing else (the KJV CAT)"
else no "directory: state_dict.pt + tokenizer.json" "failed or differs from the conversion with the JSON"; fi
fails "directory: no weights in it" \
    "cat-convert: $T/kjvdir/: no model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json or state_dict.pt" \
    sh -c "rm -f '$T/kjvdir/state_dict.pt' && exec '$C' convert '$T/kjvdir/' '$T/o.cat'"

# ---- the flash-linear-attention CAT layout (CATForCausalLM), renamed from a reference fixture ----
"$B/mkckpt" hf $X/x_adaptive_c8.pt "$T/fla" $X/x_adaptive_c8.json >/dev/null 2>&1
if "$C" convert "$T/fla" "$T/fla.cat" --set vocab_size=500 >/dev/null 2>"$T/err" && "$B/cat-check" "$T/fla.cat" $X/x_adaptive_c8.ref >"$T/err" 2>&1; then
    ok "flash-linear-attention layout: q/k/v stacked, tables re-indexed, integer buffer skipped, reference outputs"
else no "flash-linear-attention layout" "failed"; fi
sed 's/"model_type": "cat"/"model_type": "llama"/' "$T/fla/config.json" >"$T/c.json" && cp "$T/c.json" "$T/fla/config.json"
fails "flash-linear-attention layout: other model_type" \
    "cat-convert: $T/fla/config.json: model_type \"llama\" is not supported (supported: \"cat\", the flash-linear-attention CAT layout; a directory without config.json holds the reference layout)" \
    "$C" convert "$T/fla" "$T/o.cat"

# ---- GPT-2's tokenizer, built in --------------------------------------------------------
"$B/mkckpt" release tiny "$T/tiny.pt" >/dev/null 2>&1
if "$C" convert "$T/tiny.pt" "$T/tiny.cat" >/dev/null 2>"$T/err" && "$C" info "$T/tiny.cat" | grep -q "^tokenizer: 50257 tokens" &&
   "$C" info "$T/tiny.cat" | grep -q "^vocab_size        50257 (padded 50432)"; then ok "GPT-2 vocabulary (50257 padded to 50432): its tokenizer stored by default"
else no "GPT-2 default tokenizer" "not stored"; fi
if "$B/cat-tokenize" "$T/tiny.cat" <$F/gpt2/text.txt | tr -s ' \n' '  ' | sed 's/ $//' >"$T/ids" &&
   tr -s ' \n' '  ' <$F/gpt2/expected.ids | sed 's/ $//' | cmp -s - "$T/ids"; then ok "GPT-2 default tokenizer encodes GPT-2's reference ids"
else no "GPT-2 default tokenizer ids" "differ"; fi
if "$B/cat-generate" -m "$T/tiny.cat" -p "The meaning of life is" -n 4 --temp 0 >/dev/null 2>"$T/err"; then ok "cat-generate -m model.cat -p ... with the built-in tokenizer"
else no "cat-generate with the built-in tokenizer" "failed"; fi
if "$C" convert $F/dense.pt "$T/g.cat" --set vocab_size=300 --tokenizer gpt2 >/dev/null 2>"$T/err"; then no "--tokenizer gpt2 on a 512-row vocabulary" "accepted"
elif grep -q "the tokenizer has 50257 tokens but the model only 512" "$T/err"; then ok "--tokenizer gpt2 on a 512-row vocabulary refused"
else no "--tokenizer gpt2 on a 512-row vocabulary" "wrong message"; fi
if "$C" convert "$T/tiny.pt" "$T/nt.cat" --no-tokenizer --set vocab_size=50257 >/dev/null 2>&1 && "$C" info "$T/nt.cat" | grep -q "^tokenizer: none"; then ok "--no-tokenizer"
else no "--no-tokenizer" "a tokenizer was stored"; fi

# ---- guards ------------------------------------------------------------------------------
cp $F/dense.pt "$T/in.pt"; cp $F/dense.pt "$T/in.copy"
fails "OUT is the input" "cat-convert: OUT '$T/in.pt' is the input file '$T/in.pt'; nothing written" \
    "$C" convert "$T/in.pt" "$T/in.pt" --set vocab_size=300
ln "$T/in.pt" "$T/hard.pt"; ln -s in.pt "$T/soft.pt"
fails "OUT is the input through a hard link" "cat-convert: OUT '$T/hard.pt' is the input file '$T/in.pt' (the same file through a link); nothing written" \
    "$C" convert "$T/in.pt" "$T/hard.pt" --set vocab_size=300
fails "OUT is the input through a symbolic link" "cat-convert: OUT '$T/soft.pt' is the input file '$T/in.pt' (the same file through a link); nothing written" \
    "$C" convert "$T/in.pt" "$T/soft.pt" --set vocab_size=300
cp $F/dense.json "$T/cfg.json"; cp $F/dense.json "$T/cfg.copy"
fails "random: OUT is the --config file" "cat-convert: OUT '$T/cfg.json' is the input file '$T/cfg.json'; nothing written" \
    "$C" random "$T/cfg.json" --config "$T/cfg.json"
fails "OUT is the tokenizer file" "cat-convert: OUT '$T/tok.json' is the input file '$T/tok.json'; nothing written" \
    sh -c "cp $K/tokenizer.json '$T/tok.json' && exec '$C' convert $K/kjv_dense.pt '$T/tok.json' --config $K/kjv_dense.json --tokenizer '$T/tok.json'"
if cmp -s "$T/in.pt" "$T/in.copy" && cmp -s "$T/cfg.json" "$T/cfg.copy" && cmp -s "$T/tok.json" $K/tokenizer.json; then ok "the inputs are unchanged"
else no "the inputs are unchanged" "an input was modified"; fi

# non-finite weights: refused by default, naming the tensor and the index
"$B/mkckpt" nonfinite $F/dense.safetensors "$T/nan.safetensors" layers.1.feed_forward.fc_2.weight 77 >/dev/null 2>&1
echo old >"$T/keep.cat"
fails "a NaN weight is refused (OUT kept as it was)" \
    "cat-convert: tensor 'layers.1.feed_forward.fc_2.weight' (from 'layers.1.feed_forward.fc_2.weight') has a non-finite value (nan) at index 77 ([1, 13]); --allow-nonfinite converts it anyway" \
    "$C" convert "$T/nan.safetensors" "$T/keep.cat" --set vocab_size=300
if [ "$(cat "$T/keep.cat")" = old ]; then ok "an existing OUT survives a failed conversion"; else no "an existing OUT survives a failed conversion" "it was replaced"; fi
if "$C" convert "$T/nan.safetensors" "$T/nan.cat" --set vocab_size=300 --allow-nonfinite >/dev/null 2>"$T/err"; then ok "--allow-nonfinite converts it"
else no "--allow-nonfinite" "refused"; fi

# interrupted: SIGINT / SIGTERM while writing leave neither OUT.tmp.PID nor a new OUT
printf '{"family": "dense", "vocab_size": 50257, "block_size": 256, "model": {"dim": 1024, "n_head": 16, "n_layer": 8}}' >"$T/big.json"
for sig in INT TERM; do
    echo old >"$T/big.cat"
    "$C" random "$T/big.cat" --config "$T/big.json" >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 400 ] && ! ls "$T"/big.cat.tmp.* >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
    sleep 0.2
    kill -$sig $pid 2>/dev/null
    wait $pid
    rc=$?
    if [ $i -ge 400 ]; then no "SIG$sig during a conversion" "the temporary file never appeared"
    elif [ $rc -eq 0 ]; then no "SIG$sig during a conversion" "the conversion finished before the signal"
    elif ls "$T"/big.cat.tmp.* >/dev/null 2>&1; then no "SIG$sig during a conversion" "left a temporary file"; rm -f "$T"/big.cat.tmp.*
    elif [ "$(cat "$T/big.cat")" != old ]; then no "SIG$sig during a conversion" "OUT was replaced"
    else ok "SIG$sig during a conversion: no temporary file left, OUT kept"; fi
done

rm -rf "$T"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
