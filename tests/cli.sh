#!/bin/sh
# cli.sh BUILD_DIR: the command-line tools on bad input. Every case must exit
# non-zero, print a message on stderr that names the problem (a key word is
# grepped for), and, for cat-convert, leave no output file nor temporary file
# behind. One line per case, then "N passed, N failed"; exit status 1 if any
# case failed. Work files go to BUILD_DIR/cli-tmp (removed at the end).
B=${1:-build}
F=tests/fixtures
K=models/kjv
T=$B/cli-tmp
pass=0
fail=0
rm -rf "$T"
mkdir -p "$T"

# expect NAME KEYWORD OUTFILE CMD...: CMD (stdin from $IN, default /dev/null)
# must fail with KEYWORD (case-insensitive) on stderr, within 60 seconds (a hang
# is a failure), with no sanitizer report (make asan runs this with leak checks
# on, so every error path here is leak-checked); OUTFILE ("-" for none) and
# OUTFILE.tmp.* must not exist afterwards.
IN=/dev/null
expect() {
    name=$1; key=$2; out=$3; shift 3
    timeout ${TMO:-60} "$@" <"$IN" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    why=""
    if [ $rc -eq 0 ]; then why="exit status 0"
    elif [ $rc -ge 124 ]; then why="exit status $rc (crash, hang or not run)"
    elif grep -q 'Sanitizer' "$T/stderr"; then why="sanitizer report (a leak on this error path?)"
    elif ! grep -qi -- "$key" "$T/stderr"; then why="no '$key' in the message"
    elif [ "$out" != - ] && [ -e "$out" ]; then why="left $out behind"
    elif [ "$out" != - ] && ls "$out".tmp.* >/dev/null 2>&1; then why="left a temporary file behind"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        printf 'ok   %-58s (exit %d) %s\n' "$name" "$rc" "$(head -n 1 "$T/stderr" | cut -c 1-110)"
    else
        fail=$((fail + 1))
        printf 'FAIL %-58s %s\n' "$name" "$why"
        sed 's/^/     | /' "$T/stderr" | head -n 5
    fi
    [ "$out" != - ] && rm -f "$out" "$out".tmp.*
    IN=/dev/null
}
# a setup step that must succeed
setup() {
    if ! "$@" >"$T/setup.log" 2>&1; then
        echo "FAIL setup: $*"; sed 's/^/     | /' "$T/setup.log" | head -n 5
        fail=$((fail + 1))
    fi
}
size() { wc -c <"$1" | tr -d ' '; }
u32at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }     # little-endian u32 of FILE at OFFSET
# patch FILE OFFSET BYTES(printf format): overwrite in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }

CONV=$B/cat-convert
OUT=$T/out.cat

# ---- models the cases need -------------------------------------------------
# a 5-token vocabulary for the adaptive fixture (vocabulary 300), so that
# cat-generate accepts it
printf '{"a": 0, "b": 1, "c": 2, "ab": 3, "<|endoftext|>": 4}' >"$T/v.json"
printf '#version: 0.2\na b\n' >"$T/m.txt"
setup "$CONV" convert $F/cat_adaptive_c16.safetensors "$T/adaptive.cat" --config $F/cat_adaptive_c16.json --vocab "$T/v.json" --merges "$T/m.txt"
setup "$CONV" convert $F/cat_c4.safetensors "$T/cat_c4.cat" --config $F/cat_c4.json
setup "$CONV" convert $K/kjv_dense.pt "$T/kjv.cat" --config $K/kjv_dense.json --tokenizer $K/tokenizer.json

# ---- cat-convert: truncated checkpoints ------------------------------------
pt=$F/cat_c4.pt
pn=$(size $pt)
cd=$(u32at $pt $((pn - 22 + 16)))       # start of the zip central directory
for cut in 0:format 4:small 30:truncated $((cd - 1)):truncated $cd:truncated $((cd + 20)):truncated $((pn - 22)):truncated $((pn - 10)):truncated $((pn - 1)):truncated; do
    c=${cut%%:*}; key=${cut#*:}
    head -c "$c" $pt >"$T/t.pt"
    expect "convert: .pt truncated at $c of $pn" "$key" "$OUT" "$CONV" convert "$T/t.pt" "$OUT" --config $F/cat_c4.json
done
st=$F/cat_c4.safetensors
n=$(size $st)
hl=$(od -An -tu8 -N8 $st | tr -d ' ')
for cut in 0:format 4:format 8:format $((8 + hl / 2)):exceeds $((8 + hl)):outside $((8 + hl + 1000)):outside $((n - 1)):outside; do
    c=${cut%%:*}; key=${cut#*:}
    head -c "$c" $st >"$T/t.safetensors"
    expect "convert: .safetensors truncated at $c of $n" "$key" "$OUT" "$CONV" convert "$T/t.safetensors" "$OUT" --config $F/cat_c4.json
done

# ---- cat-convert: wrong magic, broken headers --------------------------------
cat $pt >"$T/magic.pt"; patch "$T/magic.pt" 0 'XK'
cat $pt >"$T/eocd.pt"; patch "$T/eocd.pt" $((pn - 22)) 'XXXX'
expect "convert: .pt with a wrong first magic" "zip" "$OUT" "$CONV" convert "$T/magic.pt" "$OUT" --config $F/cat_c4.json
expect "convert: .pt with a broken end-of-directory record" "central directory" "$OUT" "$CONV" convert "$T/eocd.pt" "$OUT" --config $F/cat_c4.json
cat $st >"$T/hlen.safetensors"; patch "$T/hlen.safetensors" 7 '\177'
expect "convert: .safetensors header length absurd" "header" "$OUT" "$CONV" convert "$T/hlen.safetensors" "$OUT" --config $F/cat_c4.json
cat $st >"$T/json.safetensors"; patch "$T/json.safetensors" 8 '['
expect "convert: .safetensors header not a JSON object" "safetensors" "$OUT" "$CONV" convert "$T/json.safetensors" "$OUT" --config $F/cat_c4.json
printf 'JUNKJUNKJUNKJUNK' >"$T/junk.bin"
expect "convert: neither zip nor safetensors" "format" "$OUT" "$CONV" convert "$T/junk.bin" "$OUT" --config $F/cat_c4.json
expect "convert: input does not exist" "cannot" "$OUT" "$CONV" convert "$T/nonexistent.pt" "$OUT" --config $F/cat_c4.json

# ---- cat-convert: tensors that do not match the configuration -------------------
# edit a safetensors header in place (same length, so offsets stay valid)
st=$F/dense.safetensors
hl=$(od -An -tu8 -N8 $st | tr -d ' ')
hdr=$(tail -c +9 $st | head -c "$hl")
sthdr() {   # sthdr OUT.safetensors NEW_HEADER
    if [ ${#2} -ne "$hl" ]; then echo "FAIL setup: header edit changed its length"; fail=$((fail + 1)); fi
    { head -c 8 $st; printf '%s' "$2"; tail -c +$((9 + hl)) $st; } >"$1"
}
ent=$(printf '%s' "$hdr" | grep -o ',"norm.weight":{[^}]*}')
pad=$(printf '%*s' ${#ent} '')
sthdr "$T/missing.safetensors" "${hdr%%"$ent"*}$pad${hdr#*"$ent"}"
sthdr "$T/renamed.safetensors" "${hdr%%'"norm.weight"'*}\"norm.weighX\"${hdr#*'"norm.weight"'}"
sthdr "$T/dup.safetensors" "${hdr%%'"norm.weight":'*}\"wte.weight\" :${hdr#*'"norm.weight":'}"
sthdr "$T/shape.safetensors" "${hdr%%'"shape":[64]'*}\"shape\":[32]${hdr#*'"shape":[64]'}"
expect "convert: a tensor removed from the file" "is missing" "$OUT" "$CONV" convert "$T/missing.safetensors" "$OUT" --config $F/dense.json
expect "convert: a tensor renamed (missing + unexpected)" "unexpected tensor" "$OUT" "$CONV" convert "$T/renamed.safetensors" "$OUT" --config $F/dense.json
expect "convert: a duplicate tensor name" "twice\|duplicate" "$OUT" "$CONV" convert "$T/dup.safetensors" "$OUT" --config $F/dense.json
expect "convert: a tensor whose shape disagrees with its data" "shape\|bytes\|data_offsets" "$OUT" "$CONV" convert "$T/shape.safetensors" "$OUT" --config $F/dense.json
expect "convert: --set decoder.dim contradicts the tensors" "decoder.dim" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set decoder.dim=32
expect "convert: --set decoder.n_layer=3 (layer 2 missing)" "n_layer" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set decoder.n_layer=3
expect "convert: --set vocab_size larger than the rows" "vocab" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set vocab_size=100000
expect "convert: QK-norm demanded, tensors missing" "is missing" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set decoder.use_qk_norm=true
expect "convert: QK-norm off, tensors unexpected" "unexpected tensor" "$OUT" "$CONV" convert $F/dense.safetensors "$OUT" --config $F/dense.json --set model.use_qk_norm=false
expect "random: chunk size not a power of two (adaptive)" "power of two" "$OUT" "$CONV" random "$OUT" --config $F/cat_adaptive_c16.json --set chunk_size=12 --set block_size=96
expect "convert: --set chunk_size contradicts f.proj_fx" "chunk_size = 12 but f.proj_fx.weight says 16" "$OUT" "$CONV" convert $F/cat_adaptive_c16.safetensors "$OUT" --config $F/cat_adaptive_c16.json --set chunk_size=12 --set block_size=96
expect "convert: absurd block size" "block_size" "$OUT" "$CONV" convert $F/dense.safetensors "$OUT" --config $F/dense.json --set block_size=1e12

# ---- cat-convert: configuration and options -----------------------------------
sed 's/"vocab_size"/"bogus_key": 1, "vocab_size"/' $F/cat_c4.json >"$T/unknown.json"
expect "convert: unknown config key" "unknown field 'bogus_key'" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/unknown.json"
sed 's/"n_head"/"n_heads"/' $F/cat_c4.json >"$T/unknown2.json"
expect "convert: unknown key in a section" "unknown field 'n_heads'" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/unknown2.json"
printf '{"family": "cat", "vocab_size": 300,' >"$T/badjson.json"
expect "convert: config is not valid JSON" "line 1" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/badjson.json"
sed 's/"family": "cat"/"family": "mamba"/' $F/cat_c4.json >"$T/family.json"
expect "convert: unknown family" "family" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/family.json"
expect "convert: --set of an unknown key" "unknown field" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set bogus=1
expect "convert: --set without a number" "'block_size' must be an integer, got \"many\"" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --set block_size=many
# strict types: booleans are true/false, integers whole numbers in range, no key twice
C4=$F/cat_c4.json
sed 's/"adaptive": false/"adaptive": "yes"/' $C4 >"$T/ty1.json"
expect "convert: \"adaptive\": \"yes\"" "'adaptive' must be true or false, got \"yes\"" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty1.json"
sed 's/"dim_fx": 64/"dim_fx": 64, "use_qk_norm": 2/' $C4 >"$T/ty2.json"
expect "convert: \"use_qk_norm\": 2" "'compressor.use_qk_norm' must be true or false, got 2" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty2.json"
sed 's/"dim": 64/"dim": true/' $C4 >"$T/ty3.json"
expect "convert: \"dim\": true" "'decoder.dim' must be an integer, got true" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty3.json"
sed 's/"dim": 64/"dim": "64"/' $C4 >"$T/ty4.json"
expect "convert: \"dim\": \"64\"" "'decoder.dim' must be an integer, got \"64\"" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty4.json"
sed 's/"dim": 64/"dim": 64.5/' $C4 >"$T/ty5.json"
expect "convert: \"dim\": 64.5" "'decoder.dim' must be an integer, got 64.5" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty5.json"
sed 's/"block_size": 64/"block_size": 2147483648/' $C4 >"$T/ty6.json"
expect "convert: \"block_size\": 2^31" "'block_size' = 2147483648 is out of range" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty6.json"
sed 's/"family": "cat"/"family": 1/' $C4 >"$T/ty7.json"
expect "convert: \"family\": 1" "'family' must be a string, got 1" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty7.json"
sed 's/"vocab_size": 300/"vocab_size": 300, "vocab_size": 301/' $C4 >"$T/ty8.json"
expect "convert: a key twice (top level)" "key 'vocab_size' appears twice" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty8.json"
sed 's/"n_layer": 2/"n_layer": 2, "n_layer": 3/' $C4 >"$T/ty9.json"
expect "convert: a key twice (in a section)" "key 'n_layer' appears twice in 'decoder'" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/ty9.json"
expect "convert: --set decoder.use_qk_norm=2" "'decoder.use_qk_norm' must be true or false, got 2" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $C4 --set decoder.use_qk_norm=2
expect "convert: --set adaptive=yes" "'adaptive' must be true or false, got \"yes\"" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $C4 --set adaptive=yes
expect "convert random: \"dim\": true" "must be an integer, got true" "$OUT" "$CONV" random "$OUT" --config "$T/ty3.json"
expect "convert: no config, no tokenizer: vocabulary size unknown" "--set vocab_size=N" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT"
expect "convert: config file does not exist" "cannot open" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/none.json"
expect "convert: bad --dtype" "dtype" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --dtype f16
expect "convert: unknown option" "unknown option" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --bogus
expect "convert: no output named" "IN and OUT" - "$CONV" convert $F/cat_c4.safetensors --config $F/cat_c4.json
expect "convert: unknown command" "unknown command" - "$CONV" transmogrify
expect "convert: tokenizer larger than the vocabulary" "tokenizer has" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --tokenizer $K/tokenizer.json
printf '{"a": 0, "b": 2}' >"$T/gap.json"
expect "convert: vocabulary ids with a gap" "dense" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --vocab "$T/gap.json" --merges "$T/m.txt"
printf '#version: 0.2\na c\n' >"$T/m2.txt"
expect "convert: merge result not in the vocabulary" "not in the vocabulary" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --vocab "$T/v.json" --merges "$T/m2.txt"
expect "convert: --vocab without --merges" "go together" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --vocab "$T/v.json"
expect "convert: output directory does not exist" "cannot create" "$T/no/dir/out.cat" "$CONV" convert $F/cat_c4.safetensors "$T/no/dir/out.cat" --config $F/cat_c4.json

# ---- corrupt model files: cat-check, cat-generate, cat-ppl, cat-tokenize, info ---
m=$T/kjv.cat
n=$(size "$m")
head -c 100 "$m" >"$T/short.cat"
head -c 1000 "$m" >"$T/trunc.cat"
head -c $((n - 1)) "$m" >"$T/trunc1.cat"
cat "$m" >"$T/magic.cat"; patch "$T/magic.cat" 0 'XATM'
cat "$m" >"$T/version.cat"; patch "$T/version.cat" 8 '\002'
cat "$m" >"$T/padded.cat"; printf 'x' >>"$T/padded.cat"
cat "$m" >"$T/count.cat"; patch "$T/count.cat" 92 '\377\377\377\377'
cat "$m" >"$T/dirsec.cat"; patch "$T/dirsec.cat" 63 '\177'
: >"$T/empty.cat"
for c in short:shorter trunc:truncated trunc1:truncated magic:CATMODEL version:version padded:padded count:tensor empty:CATMODEL dirsec:outside; do
    f=${c%%:*}; key=${c#*:}
    expect "check: $f model file" "$key" - "$B/cat-check" "$T/$f.cat" $K/kjv_dense.ref
done
for c in trunc:truncated magic:CATMODEL version:version; do
    f=${c%%:*}; key=${c#*:}
    expect "generate: $f model file" "$key" - "$B/cat-generate" -m "$T/$f.cat" -p "In the beginning"
    expect "ppl: $f model file" "$key" - "$B/cat-ppl" "$T/$f.cat" --ids $K/kjv_val.ids
    expect "tokenize: $f model file" "$key" - "$B/cat-tokenize" "$T/$f.cat"
    expect "convert info: $f model file" "$key" - "$CONV" info "$T/$f.cat"
done
head -c 5000 $K/kjv_dense.ref >"$T/trunc.ref"
printf 'NOTAREF0xxxxxxxxxxxxxxxx' >"$T/magic.ref"
expect "check: reference file truncated" "truncated" - "$B/cat-check" "$m" "$T/trunc.ref"
expect "check: not a reference file" "not a reference file" - "$B/cat-check" "$m" "$T/magic.ref"
expect "generate: model file does not exist" "cannot open" - "$B/cat-generate" -m "$T/none.cat" -p x

# ---- cat-generate: options, prompt and chunk sizes ------------------------------
G=$B/cat-generate
expect "generate: unknown option" "unknown option" - "$G" -m "$m" --bogus
expect "generate: option without its value" "needs a value" - "$G" -m "$m" -n
expect "generate: -n not a number" "whole number" - "$G" -m "$m" -n ten
expect "generate: --temp out of range" "number from" - "$G" -m "$m" --temp -1
expect "generate: no model" "-m MODEL" - "$G" -p x
expect "generate: prompt longer than the context (-c 4)" "context" - "$G" -m "$m" -c 4 -p "In the beginning God created the heaven and the earth."
expect "generate: --ctx above the block size" "exceeds" - "$G" -m "$m" -c 100000 -p x
expect "generate: --chunk 3 on an adaptive CAT (max 16)" "power of two" - "$G" -m "$T/adaptive.cat" --chunk 3 -p ab
expect "generate: --chunk 64 on an adaptive CAT (max 16)" "power of two" - "$G" -m "$T/adaptive.cat" --chunk 64 -p ab
expect "generate: --chunk on a dense model" "adaptive" - "$G" -m "$m" --chunk 4 -p x
expect "generate: model without a tokenizer" "tokenizer" - "$G" -m "$T/cat_c4.cat" -p x
expect "generate: prompt file does not exist" "cannot open" - "$G" -m "$m" -f "$T/none.txt"
expect "generate: --kv-type f16" "f32, bf16 or q8" - "$G" -m "$m" --kv-type f16 -p x
expect "generate: --kv-budget 12X" "size such as" - "$G" -m "$m" --kv-budget 12X -p x
expect "generate: --kv-budget 0" "size such as" - "$G" -m "$m" --kv-budget 0 -p x
# the adaptive fixture (128 tokens, 1024 bytes an entry): chunk 16 needs 10 entries at the least
expect "generate: --kv-budget 1K below every chunk size" "smallest budget that fits is 10240 bytes" - "$G" -m "$T/adaptive.cat" --kv-budget 1K -p ab
expect "generate: --kv-budget too small for a dense model" "smallest budget that fits" - "$G" -m "$m" --kv-budget 1M -p x
expect "generate: --kv-budget with a --chunk that does not fit" "smallest budget that fits is 133120 bytes" - "$G" -m "$T/adaptive.cat" --chunk 1 --kv-budget 40K -p ab
# and a budget that fits: chunk 4 (34 entries) is the smallest within 40 KiB
"$G" -m "$T/adaptive.cat" --kv-budget 40K -p ab -n 2 --temp 0 >/dev/null 2>"$T/budget.err"
if [ $? -eq 0 ] && grep -q "^kv budget: chunk 4, 34816 bytes" "$T/budget.err"; then
    pass=$((pass + 1)); echo "ok   generate: --kv-budget 40K takes chunk 4 (34816 bytes)"
else
    fail=$((fail + 1)); echo "FAIL generate: --kv-budget 40K should take chunk 4 (34816 bytes)"; sed 's/^/     | /' "$T/budget.err" | head -n 5
fi

# ---- cat-ppl: ids and chunk sizes -------------------------------------------------
P=$B/cat-ppl
head -c 400 $K/kjv_val.ids >"$T/ids.bin"; printf '\377\377\377\177' >>"$T/ids.bin"; head -c 4000 $K/kjv_val.ids | tail -c 3000 >>"$T/ids.bin"
expect "ppl: token id 2^31-1 outside the vocabulary" "outside the model's vocabulary" - "$P" "$m" --ids "$T/ids.bin"
{ head -c 40 $K/kjv_val.ids; printf '\377\377\377\377'; head -c 4000 $K/kjv_val.ids; } >"$T/neg.bin"
expect "ppl: token id -1" "outside the model's vocabulary" - "$P" "$m" --ids "$T/neg.bin"
{ head -c 40 $K/kjv_val.ids; printf '\000\010\000\000'; head -c 4000 $K/kjv_val.ids; } >"$T/pv.bin"
expect "ppl: token id = padded vocabulary (2048)" "outside the model's vocabulary" - "$P" "$m" --ids "$T/pv.bin"
head -c 4001 $K/kjv_val.ids >"$T/odd.bin"
expect "ppl: ids file not a whole number of int32" "whole number" - "$P" "$m" --ids "$T/odd.bin"
head -c 400 $K/kjv_val.ids >"$T/few.bin"
expect "ppl: fewer tokens than one window" "window" - "$P" "$m" --ids "$T/few.bin"
expect "ppl: --chunk on a dense model" "adaptive" - "$P" "$m" --ids $K/kjv_val.ids --chunk 4
expect "ppl: --chunk on a fixed-chunk CAT" "adaptive" - "$P" "$T/cat_c4.cat" --ids $K/kjv_val.ids --chunk 4
expect "ppl: --chunk 3 on an adaptive CAT" "power of two" - "$P" "$T/adaptive.cat" --ids "$T/few.bin" --chunk 3
expect "ppl: --chunk 32 on an adaptive CAT (max 16)" "power of two" - "$P" "$T/adaptive.cat" --ids "$T/few.bin" --chunk 32
expect "ppl: --window above the block size" "exceeds" - "$P" "$m" --ids $K/kjv_val.ids --window 100000
expect "ppl: --window 0" "positive whole number" - "$P" "$m" --ids $K/kjv_val.ids --window 0
expect "ppl: --text on a model without a tokenizer" "tokenizer" - "$P" "$T/cat_c4.cat" --text $K/kjv_val.txt
expect "ppl: unknown option" "unknown option" - "$P" "$m" --ids $K/kjv_val.ids --bogus
expect "ppl: --kv-type q4" "f32, bf16 or q8" - "$P" "$m" --ids $K/kjv_val.ids --kv-type q4
expect "ppl: --kv-budget too small" "smallest budget that fits is 10240 bytes" - "$P" "$T/adaptive.cat" --ids "$T/few.bin" --kv-budget 10239

# ---- cat-tokenize ------------------------------------------------------------------
Z=$B/cat-tokenize
echo "12 999999 7" >"$T/ids.txt"
IN=$T/ids.txt expect "tokenize --decode: id outside the vocabulary" "out of range" - "$Z" "$m" --decode
echo "12 -1 7" >"$T/ids.txt"
IN=$T/ids.txt expect "tokenize --decode: negative id" "out of range\|not a number" - "$Z" "$m" --decode
echo "12 seven 7" >"$T/ids.txt"
IN=$T/ids.txt expect "tokenize --decode: not a number" "not a number" - "$Z" "$m" --decode
echo "12 99999999999999999999999 7" >"$T/ids.txt"
IN=$T/ids.txt expect "tokenize --decode: id overflows" "out of range\|not a number" - "$Z" "$m" --decode
expect "tokenize: model without a tokenizer" "tokenizer" - "$Z" "$T/cat_c4.cat"
expect "tokenize: broken tokenizer.json" "line" - "$Z" --tokenizer "$T/badjson.json"
expect "tokenize: --vocab without --merges" "go together" - "$Z" --vocab "$T/v.json"
expect "tokenize: unknown option" "unknown option" - "$Z" "$m" --bogus

# ---- special files: FIFOs and devices are refused at once, by every reader ---------
# (a FIFO with no writer used to block the tool forever: 10 s is a hang here)
TMO=10
mkfifo "$T/fifo"
S="not a regular file"
expect "check: model file is a FIFO" "$S" - "$B/cat-check" "$T/fifo" $K/kjv_dense.ref
expect "check: reference file is a FIFO" "$S" - "$B/cat-check" "$m" "$T/fifo"
expect "check: reference file is /dev/zero" "$S" - "$B/cat-check" "$m" /dev/zero
expect "convert: checkpoint is a FIFO" "$S" "$OUT" "$CONV" convert "$T/fifo" "$OUT" --config $F/cat_c4.json
expect "convert: checkpoint is /dev/zero" "$S" "$OUT" "$CONV" convert /dev/zero "$OUT" --config $F/cat_c4.json
expect "convert: config is a FIFO" "$S" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/fifo"
expect "convert: config is /dev/zero" "$S" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config /dev/zero
expect "convert: --tokenizer is a FIFO" "$S" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --tokenizer "$T/fifo"
expect "convert: --vocab is /dev/zero" "$S" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --vocab /dev/zero --merges "$T/m.txt"
expect "convert: --merges is a FIFO" "$S" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --vocab "$T/v.json" --merges "$T/fifo"
expect "convert random: config is a FIFO" "$S" "$OUT" "$CONV" random "$OUT" --config "$T/fifo"
expect "convert info: model file is a FIFO" "$S" - "$CONV" info "$T/fifo"
expect "convert info: model file is /dev/zero" "$S" - "$CONV" info /dev/zero
expect "generate: model file is a FIFO" "$S" - "$B/cat-generate" -m "$T/fifo" -p x
expect "generate: prompt file is a FIFO" "$S" - "$B/cat-generate" -m "$m" -f "$T/fifo"
expect "generate: prompt file is /dev/zero" "$S" - "$B/cat-generate" -m "$m" -f /dev/zero
expect "ppl: model file is a FIFO" "$S" - "$B/cat-ppl" "$T/fifo" --ids $K/kjv_val.ids
expect "ppl: --ids is a FIFO" "$S" - "$B/cat-ppl" "$m" --ids "$T/fifo"
expect "ppl: --ids is /dev/zero" "$S" - "$B/cat-ppl" "$m" --ids /dev/zero
expect "ppl: --text is a FIFO" "$S" - "$B/cat-ppl" "$m" --text "$T/fifo"
expect "tokenize: model file is a FIFO" "$S" - "$B/cat-tokenize" "$T/fifo"
expect "tokenize: --tokenizer is a FIFO" "$S" - "$B/cat-tokenize" --tokenizer "$T/fifo"
expect "tokenize: --vocab is /dev/zero" "$S" - "$B/cat-tokenize" --vocab /dev/zero --merges "$T/m.txt"
expect "bench: model file is a FIFO" "$S" - "$B/cat-bench" "$T/fifo"
mkfifo "$T/cache.fifo"
if timeout 30 "$B/cat-generate" -m "$m" -p x -n 1 --temp 0 --prompt-cache "$T/cache.fifo" </dev/null >/dev/null 2>"$T/stderr" && grep -q "$S" "$T/stderr"; then
    pass=$((pass + 1)); echo "ok   generate: --prompt-cache is a FIFO: refused without blocking, generation goes on afresh"
else
    fail=$((fail + 1)); echo "FAIL generate: --prompt-cache is a FIFO (hang or no message)"; sed 's/^/     | /' "$T/stderr" | head -n 3
fi
TMO=

# ---- size limits: each reader names the limit it hit ---------------------------------
# (sparse files: no disk is used; a pipe past the limit is cut off at the limit)
truncate -s 17M "$T/big.json"
expect "convert: config larger than 16 MiB" "16 MiB limit for a config file" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config "$T/big.json"
truncate -s 257M "$T/big.tok"
expect "convert: tokenizer.json larger than 256 MiB" "256 MiB limit for a tokenizer file" "$OUT" "$CONV" convert $F/cat_c4.safetensors "$OUT" --config $F/cat_c4.json --tokenizer "$T/big.tok"
expect "tokenize: merges.txt larger than 256 MiB" "256 MiB limit for a tokenizer file" - "$B/cat-tokenize" --vocab "$T/v.json" --merges "$T/big.tok"
expect "ppl: --text larger than 256 MiB" "256 MiB limit for a text file" - "$B/cat-ppl" "$m" --text "$T/big.tok"
expect "ppl: --ids larger than 256 MiB" "256 MiB limit for a token-id file" - "$B/cat-ppl" "$m" --ids "$T/big.tok"
truncate -s 1025M "$T/big.txt"
expect "generate: -f larger than 1 GiB" "1 GiB limit for a prompt file" - "$B/cat-generate" -m "$m" -f "$T/big.txt"
IN=/dev/zero expect "tokenize: endless standard input" "256 MiB limit for a text input" - "$B/cat-tokenize" "$m"
rm -f "$T/big.json" "$T/big.tok" "$T/big.txt"

# ---- seeds: whole 64-bit numbers, exactly ----------------------------------------------
expect "generate: -s 2^64 (overflows)" "whole number from 0 to 18446744073709551615" - "$G" -m "$m" -s 18446744073709551616 -p x
expect "generate: -s 1e5 (not an integer)" "whole number" - "$G" -m "$m" -s 1e5 -p x
expect "generate: -s -1" "whole number" - "$G" -m "$m" -s -1 -p x
expect "convert random: --seed -1" "whole number" "$OUT" "$CONV" random "$OUT" --config $F/cat_c4.json --seed -1
expect "convert random: --seed 2^64" "whole number" "$OUT" "$CONV" random "$OUT" --config $F/cat_c4.json --seed 18446744073709551616
# seeds 2^53 and 2^53 + 1 are one double: they must still sample differently
samp() { "$G" -m "$T/adaptive.cat" -p ab -n 48 --temp 1 --top-k 0 --top-p 1 --ids -s "$1" 2>/dev/null; }
if [ "$(samp 9007199254740992)" != "$(samp 9007199254740993)" ] && [ "$(samp 18446744073709551615)" = "$(samp 18446744073709551615)" ]; then
    pass=$((pass + 1)); echo "ok   generate: seeds 2^53 and 2^53 + 1 sample differently, 2^64 - 1 reproducibly"
else
    fail=$((fail + 1)); echo "FAIL generate: seeds 2^53 and 2^53 + 1 sample the same tokens"
fi

# ---- non-finite weights: sampling stops with an error, cat-ppl fails ----------------------
# a model whose tensor data is all 0xFF bytes (NaN in f32 and bf16)
cat "$T/adaptive.cat" >"$T/nan.cat"
doff=$(od -An -tu8 -j 72 -N8 "$T/nan.cat" | tr -d ' ')
dsize=$(od -An -tu8 -j 80 -N8 "$T/nan.cat" | tr -d ' ')
head -c "$dsize" /dev/zero | tr '\000' '\377' | dd of="$T/nan.cat" bs=65536 seek="$doff" oflag=seek_bytes conv=notrunc 2>/dev/null
expect "generate: NaN weights, greedy" "non-finite" - "$G" -m "$T/nan.cat" -p ab -n 4 --temp 0
expect "generate: NaN weights, top-k" "non-finite" - "$G" -m "$T/nan.cat" -p ab -n 4 --temp 1 --top-k 5 -s 1
for i in $(seq 1 40); do printf '\001\000\000\000'; done >"$T/small_ids.bin"
expect "ppl: NaN weights" "non-finite" - "$P" "$T/nan.cat" --ids "$T/small_ids.bin" --window 16
# the "raise --ctx" hint only when a larger context is possible
printf 'a%.0s' $(seq 1 200) >"$T/long.txt"
expect "generate: prompt longer than the block size (no --ctx hint)" "shorten the prompt" - "$G" -m "$T/adaptive.cat" -f "$T/long.txt"
if grep -q "raise --ctx" "$T/stderr"; then fail=$((fail + 1)); echo "FAIL generate: suggests raising --ctx past the block size"; fi

rm -rf "$T"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
