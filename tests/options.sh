#!/bin/sh
# options.sh BUILD_DIR MODEL: cat-generate's options acting as documented, and
# --version / unknown-option hints on every tool. MODEL: the converted KJV CAT
# (adaptive, with its tokenizer). Greedy throughout, one thread (results are the
# same for any thread count; one is fastest on a busy machine).
# One line per check, then "N passed, N failed". Work files in BUILD_DIR/options-tmp.
B=${1:-build}
M=${2:-$B/kjv_cat.cat}
T=$B/options-tmp
G=$B/cat-generate
pass=0
fail=0
rm -rf "$T"
mkdir -p "$T"

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/     | /' | head -n 8; }
# same NAME FILE1 FILE2: the two files are byte-identical
same() { if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -n 6)"; fi; }
gen() { "$G" -m "$M" -t 1 --temp 0 --chunk 16 "$@"; }

P="Genesis 1:1"
gen -p "$P" -n 40 >"$T/ref.txt" 2>"$T/ref.err" || bad "reference run" "$(cat "$T/ref.err")"
gen -p "$P" -n 40 --ids >"$T/ref.ids" 2>/dev/null

# ---- the prompt from a file, from a pipe, from standard input -----------------
gen -p "$P" -n 40 --no-mmap >"$T/nommap.txt" 2>/dev/null
same "--no-mmap (the model read into memory) gives the same text" "$T/ref.txt" "$T/nommap.txt"
printf '%s' "$P" >"$T/prompt.txt"
gen -f "$T/prompt.txt" -n 40 >"$T/f.txt" 2>/dev/null
same "-f FILE gives what -p gives" "$T/ref.txt" "$T/f.txt"
printf '%s' "$P" | gen -f - -n 40 >"$T/fpipe.txt" 2>/dev/null
same "-f - reads a pipe" "$T/ref.txt" "$T/fpipe.txt"
printf '%s' "$P" | gen -n 40 >"$T/pipe.txt" 2>/dev/null
same "no -p: the prompt piped in on standard input" "$T/ref.txt" "$T/pipe.txt"
gen -n 40 <"$T/prompt.txt" >"$T/redir.txt" 2>/dev/null
same "no -p: standard input redirected from a file" "$T/ref.txt" "$T/redir.txt"

# ---- stop strings: the output is the unstopped output cut before the first
# occurrence in the generated text (the stop string itself not printed), also when
# the stop string spans tokens or starts inside one
gen_text=$(tail -c +$(( ${#P} + 1 )) "$T/ref.txt")
for stop in "LORD your" "ORD yo" "Moses" "," "Hebrews hath sent" "unto the house of"; do
    gen -p "$P" -n 40 --stop "$stop" >"$T/stop.txt" 2>/dev/null
    want=$(printf '%s' "$gen_text" | awk -v s="$stop" 'BEGIN { RS = "\001" } { i = index($0, s); printf "%s", (i ? substr($0, 1, i - 1) : $0) }')
    printf '%s%s\n' "$P" "$want" >"$T/stop.want"
    same "--stop '$stop'" "$T/stop.want" "$T/stop.txt"
done
gen -p "$P" -n 40 --stop "no such text" --stop "LORD your" --stop "Moses" >"$T/stop.txt" 2>/dev/null
printf '%s%s\n' "$P" "$(printf '%s' "$gen_text" | awk 'BEGIN { RS = "\001" } { printf "%s", substr($0, 1, index($0, "Moses") - 1) }')" >"$T/stop.want"
same "--stop repeated: the earliest one ends the output" "$T/stop.want" "$T/stop.txt"
gen -p "$P" -n 40 --stop "LORD your" --ids >"$T/stop.ids" 2>/dev/null
n_stop_ids=$(wc -w <"$T/stop.ids"); n_ref_ids=$(wc -w <"$T/ref.ids")
if [ "$n_stop_ids" -lt "$n_ref_ids" ] && [ "$(cut -d' ' -f1-"$n_stop_ids" "$T/ref.ids")" = "$(cut -d' ' -f1-"$n_stop_ids" "$T/stop.ids")" ]; then
    ok "--stop with --ids: a prefix of the ids ($n_stop_ids of $n_ref_ids)"
else bad "--stop with --ids" "$(cat "$T/stop.ids")"; fi

# ---- repetition penalty, min-p --------------------------------------------------
gen -p "$P" -n 40 --repeat-penalty 1.5 >"$T/pen.txt" 2>/dev/null
if ! cmp -s "$T/ref.txt" "$T/pen.txt" && [ "$(head -c 20 "$T/pen.txt")" = "$(head -c 20 "$T/ref.txt")" ]; then
    ok "--repeat-penalty 1.5 changes the greedy text (after the prompt)"
else bad "--repeat-penalty 1.5 changes the greedy text" "$(cat "$T/pen.txt")"; fi
gen -p "$P" -n 40 --repeat-penalty 1.5 --repeat-last-n 0 >"$T/pen0.txt" 2>/dev/null
same "--repeat-last-n 0 turns the penalty off" "$T/ref.txt" "$T/pen0.txt"
gen -p "$P" -n 40 --repeat-penalty 1.5 --repeat-last-n -1 >"$T/penall.txt" 2>/dev/null
[ -s "$T/penall.txt" ] && ok "--repeat-last-n -1 (whole context) runs" || bad "--repeat-last-n -1"
gen -p "$P" -n 40 --frequency-penalty 0.5 --presence-penalty 0.5 >"$T/fp.txt" 2>/dev/null
if ! cmp -s "$T/ref.txt" "$T/fp.txt"; then ok "--frequency-penalty/--presence-penalty change the greedy text"; else bad "--frequency-penalty"; fi
gen -p "$P" -n 40 --frequency-penalty 0.5 --presence-penalty 0.5 --repeat-last-n 0 >"$T/fp0.txt" 2>/dev/null
same "--repeat-last-n 0 turns them off too" "$T/ref.txt" "$T/fp0.txt"
gen -p "$P" -n 40 -b 3 >"$T/b3.txt" 2>/dev/null
same "-b 3 (prefill 3 tokens a step): the same text" "$T/ref.txt" "$T/b3.txt"
gen -p "$P" -n 40 --ignore-eos >"$T/ieos.txt" 2>/dev/null
same "--ignore-eos (this text has no end-of-text): the same text" "$T/ref.txt" "$T/ieos.txt"
"$G" -m "$M" -t 1 --chunk 16 -p "$P" -n 40 --temp 1 --min-p 1 -s 7 >"$T/minp.txt" 2>/dev/null
same "--min-p 1 at temperature 1 keeps only the most likely: greedy" "$T/ref.txt" "$T/minp.txt"

# ---- the seed: printed when not given, and reproducing the run -----------------
"$G" -m "$M" -t 1 --chunk 16 -p "$P" -n 30 >"$T/rand.txt" 2>"$T/rand.err"
seed=$(sed -n 's/^seed: \([0-9]*\)$/\1/p' "$T/rand.err")
if [ -n "$seed" ]; then
    ok "no -s: 'seed: $seed' on stderr"
    "$G" -m "$M" -t 1 --chunk 16 -p "$P" -n 30 -s "$seed" >"$T/rand2.txt" 2>"$T/rand2.err"
    same "-s with the printed seed reproduces the text" "$T/rand.txt" "$T/rand2.txt"
    grep -q '^seed:' "$T/rand2.err" && bad "-s given: no seed line" || ok "-s given: no seed line"
else bad "no -s: a seed line on stderr" "$(cat "$T/rand.err")"; fi
"$G" -m "$M" -t 1 --chunk 16 -p "$P" -n 30 -s 18446744073709551615 >/dev/null 2>&1 && ok "-s 2^64-1 accepted" || bad "-s 2^64-1 accepted"

# ---- context size ----------------------------------------------------------------
gen -p "$P" -n 100 -c 16 >"$T/ctx.txt" 2>"$T/ctx.err"
if grep -q 'context full: 16 tokens' "$T/ctx.err"; then ok "-c 16: stops when 16 tokens are held"; else bad "-c 16" "$(cat "$T/ctx.err")"; fi
gen -p "$P" -n 100 --ctx-size 16 >"$T/ctx2.txt" 2>/dev/null
same "--ctx-size is -c" "$T/ctx.txt" "$T/ctx2.txt"

# ---- interactive continuation ----------------------------------------------------
# the session is kept: every token is fed once (prefill counts the prompt, each
# line and the turn's last token; decode the rest), and the ids are those of one
# run over the same text
printf ' And God said\n Let there be\n' | gen -p "$P" -n 12 -i --ids >"$T/i.ids" 2>"$T/i.err"
printf ' And God said\n Let there be\n' | gen -p "$P" -n 12 -i >"$T/i.txt" 2>/dev/null
pre=$(sed -n 's/^prefill: .*(\([0-9]*\) tokens.*/\1/p' "$T/i.err")
dec=$(sed -n 's/^decode: .*(\([0-9]*\) tokens.*/\1/p' "$T/i.err")
pos=$(sed -n 's/^kv cache[^:]*: .* at \([0-9]*\) tokens.*/\1/p' "$T/i.err")
if [ -n "$pos" ] && [ $((pre + dec - 3)) -eq "$pos" ] && [ "$dec" -eq 36 ]; then
    ok "-i: 3 turns of 12 tokens, each token fed once ($pre prefill + $dec decoded - 3 = $pos held)"
else bad "-i: each token fed once" "$(cat "$T/i.err")"; fi
# the transcript printed is the text of those ids; up to the last line read, that
# text tokenizes back to the same ids, and one run over it continues identically
tr ' ' '\n' <"$T/i.ids" | grep . >"$T/i.list"
n_i=$(wc -l <"$T/i.list")
"$B/cat-tokenize" --decode "$M" <"$T/i.ids" >"$T/i.dec" 2>/dev/null
echo >>"$T/i.dec"
same "-i: the printed transcript is the text of the ids fed" "$T/i.txt" "$T/i.dec"
head -n $((n_i - 12)) "$T/i.list" | "$B/cat-tokenize" --decode "$M" >"$T/i.p3" 2>/dev/null
"$B/cat-tokenize" "$M" <"$T/i.p3" | tr ' ' '\n' >"$T/i.retok" 2>/dev/null
head -n $((n_i - 12)) "$T/i.list" >"$T/i.head"
same "-i: the text up to the last line read tokenizes to the same ids" "$T/i.head" "$T/i.retok"
gen -f "$T/i.p3" -n 12 --ids >"$T/one.ids" 2>/dev/null
same "-i: the last turn equals one run over the same text" "$T/i.ids" "$T/one.ids"
printf '' | gen -n 5 -i >"$T/iempty.txt" 2>/dev/null && ok "-i with no input at all" || bad "-i with no input at all"
printf 'Genesis 1:1\n' | gen -n 5 -i --ids >"$T/ifirst.ids" 2>/dev/null
gen -p "Genesis 1:1
" -n 5 --ids >"$T/pfirst.ids" 2>/dev/null
same "-i without -p: the first line is the prompt" "$T/pfirst.ids" "$T/ifirst.ids"

# ---- cat-tokenize: text as an argument, --pieces ---------------------------------
TK=$B/cat-tokenize
printf 'In the beginning\nGod' | "$TK" "$M" >"$T/tok.stdin" 2>/dev/null
"$TK" "$M" "In the beginning
God" >"$T/tok.arg" 2>/dev/null
same "cat-tokenize MODEL TEXT = the same text on stdin" "$T/tok.stdin" "$T/tok.arg"
"$TK" "$M" -p "In the beginning
God" >"$T/tok.p" 2>/dev/null
same "cat-tokenize -p TEXT" "$T/tok.stdin" "$T/tok.p"
"$TK" --tokenizer models/kjv/tokenizer.json "In the beginning
God" >"$T/tok.json" 2>/dev/null
same "cat-tokenize --tokenizer FILE TEXT" "$T/tok.stdin" "$T/tok.json"
"$TK" "$M" --pieces "In the beginning
God" >"$T/tok.pieces" 2>/dev/null
if [ "$(sed 's/ *\([0-9]*\) -> .*/\1/' "$T/tok.pieces" | tr '\n' ' ')" = "$(cat "$T/tok.stdin") " ] &&
   [ "$(sed "s/^ *[0-9]* -> '\(.*\)'\$/\1/" "$T/tok.pieces" | tr -d '\n')" = 'In the beginning\nGod' ]; then
    ok "cat-tokenize --pieces: one 'id -> piece' line per token, newline escaped"
else bad "cat-tokenize --pieces" "$(cat "$T/tok.pieces")"; fi

# ---- cat-ppl: --stride, --json -------------------------------------------------------
PP=$B/cat-ppl
head -c 4000 models/kjv/kjv_val.ids >"$T/v.ids"     # 1000 tokens
"$PP" "$M" --ids "$T/v.ids" --window 128 -t 1 >"$T/ppl.def" 2>/dev/null
"$PP" "$M" --ids "$T/v.ids" --window 128 --stride 128 -t 1 >"$T/ppl.s128" 2>/dev/null
same "cat-ppl --stride W scores as the default" "$T/ppl.def" "$T/ppl.s128"
"$PP" "$M" --ids "$T/v.ids" --window 128 --stride 32 -t 1 >"$T/ppl.s32" 2>/dev/null
# windows start every 32 tokens while one more target exists: (1000-1-128)/32+1 = 28, 32 scored each
if grep -q "tokens 896\$" "$T/ppl.s32" && ! cmp -s "$T/ppl.def" "$T/ppl.s32"; then ok "cat-ppl --stride 32: 28 windows x 32 scored ($(cat "$T/ppl.s32"))"
else bad "cat-ppl --stride 32" "$(cat "$T/ppl.s32")"; fi
"$PP" "$M" --ids "$T/v.ids" --window 128 --stride 32 -t 1 --json >"$T/ppl.json" 2>/dev/null
loss=$(sed -n 's/^loss \([0-9.]*\) .*/\1/p' "$T/ppl.s32")
if grep -q "^{\"model\": \".*\", \"family\": \"cat_adaptive\", \"window\": 128, \"stride\": 32, \"tokens\": 896, \"results\": \[{\"chunk\": 16, \"loss\": $loss, \"ppl\": [0-9.]*}\]}\$" "$T/ppl.json"; then
    ok "cat-ppl --json: $(cat "$T/ppl.json")"
else bad "cat-ppl --json" "$(cat "$T/ppl.json")"; fi
"$PP" "$M" --ids "$T/v.ids" --window 64 --all-chunks -t 1 --json >"$T/ppl.all" 2>/dev/null
if [ "$(grep -o '"chunk": [0-9]*' "$T/ppl.all" | tr '\n' ' ')" = '"chunk": 1 "chunk": 2 "chunk": 4 "chunk": 8 "chunk": 16 ' ]; then
    ok "cat-ppl --json --all-chunks: one result per chunk size"
else bad "cat-ppl --json --all-chunks" "$(cat "$T/ppl.all")"; fi

# ---- cat-bench: an unmeasured figure is n/a (null in JSON), not 0 -----------------------
BE="$B/cat-bench $M --no-bandwidth --reps 1 --decode 2 --prefill 8 --context 32 --threads 1"
$BE >"$T/bench.txt" 2>&1
if tail -n 1 "$T/bench.txt" | grep -q ' n/a$'; then ok "cat-bench --no-bandwidth: 'of bw' is n/a"; else bad "cat-bench n/a" "$(cat "$T/bench.txt")"; fi
$BE --json >"$T/bench.json" 2>&1
if grep -q '"bandwidth_gbps": null' "$T/bench.json" && grep -q '"decode_tps": [0-9]' "$T/bench.json"; then ok "cat-bench --json --no-bandwidth: bandwidth_gbps null, the rest measured"
else bad "cat-bench JSON null" "$(cat "$T/bench.json")"; fi

# ---- the prompt cache ------------------------------------------------------------------
PC=$T/prompt.cache
# reused (count from stderr) and output against a run without the cache
pcache() {
    name=$1; want_reuse=$2; shift 2
    gen "$@" -n 16 --prompt-cache "$PC" >"$T/pc.txt" 2>"$T/pc.err"
    gen "$@" -n 16 >"$T/nopc.txt" 2>/dev/null
    got=$(sed -n 's/^prompt cache: reused \([0-9]* of [0-9]*\) .*/\1/p' "$T/pc.err")
    if [ "$got" = "$want_reuse" ] && cmp -s "$T/pc.txt" "$T/nopc.txt"; then ok "--prompt-cache, $name: reused $got, the same text as without"
    else bad "--prompt-cache, $name (reused '$got', want '$want_reuse')" "$(cat "$T/pc.err"; diff "$T/pc.txt" "$T/nopc.txt")"; fi
}
n_p=$("$B/cat-tokenize" "$M" "$P" | wc -w)
n_long=$("$B/cat-tokenize" "$M" "$P And God said" | wc -w)
n_short=$("$B/cat-tokenize" "$M" "Genesis 1" | wc -w)
pcache "no cache file yet" "0 of $n_p" -p "$P"
pcache "the same prompt" "$n_p of $n_p" -p "$P"
pcache "a longer prompt" "$n_p of $n_long" -p "$P And God said"
pcache "a prefix of the cached prompt (rewound)" "$n_short of $n_short" -p "Genesis 1"
pcache "a different prompt" "0 of $("$B/cat-tokenize" "$M" "And God" | wc -w)" -p "And God"
gen -p "$P" -n 4 --prompt-cache "$PC" >/dev/null 2>&1
pcache "another chunk size: not usable, afresh" "0 of $n_p" -p "$P" --chunk 8
head -c 100 "$PC" >"$T/pc.cut"; mv "$T/pc.cut" "$PC"
pcache "a damaged cache file: afresh" "0 of $n_p" -p "$P"
grep -q "not usable" "$T/pc.err" && ok "--prompt-cache: a damaged file is named as not usable" || bad "--prompt-cache damaged message" "$(cat "$T/pc.err")"

# ---- bad input ----------------------------------------------------------------------
# expect NAME KEYWORD CMD...: exits non-zero with KEYWORD on stderr
expect() {
    name=$1; key=$2; shift 2
    "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -lt 126 ] && grep -qi -- "$key" "$T/err"; then ok "$name (exit $rc) $(head -n 1 "$T/err" | cut -c 1-90)"
    else bad "$name: exit $rc" "$(cat "$T/err")"; fi
}
expect "--stop ''" "non-empty" gen -p "$P" --stop ""
expect "-i with -f -" "standard input" gen -i -f -
expect "-c above the block size" "block size" gen -p "$P" -c 100000
expect "--min-p 2" "from 0 to 1" gen -p "$P" --min-p 2
expect "--repeat-penalty -1" "number" gen -p "$P" --repeat-penalty -1
expect "--repeat-last-n -2" "whole number" gen -p "$P" --repeat-last-n -2
expect "-s -1" "whole number" gen -p "$P" -s -1
expect "-s 2^64" "whole number" gen -p "$P" -s 18446744073709551616
expect "-f missing file" "cannot" gen -f "$T/no-such-file"
expect "--temperature: closest --temp" "did you mean '--temp'" gen --temperature 0
expect "--repeat-penaltyy: closest" "did you mean '--repeat-penalty'" gen --repeat-penaltyy 1
expect "--n_predict: closest" "did you mean '--n-predict'" gen --n_predict 4
expect "--ctxsize: closest" "did you mean '--ctx-size'" gen --ctxsize 4
expect "--zzzzzzzzzz: no suggestion" "unknown option '--zzzzzzzzzz' (try" gen --zzzzzzzzzz
expect "cat-ppl --strid: closest" "did you mean '--stride'" "$B/cat-ppl" "$M" --strid 4
expect "cat-tokenize --piece: closest" "did you mean '--pieces'" "$B/cat-tokenize" "$M" --piece
expect "cat-bench --contxt: closest" "did you mean '--context'" "$B/cat-bench" --contxt 4
expect "cat-check --incremntal: closest" "did you mean '--incremental'" "$B/cat-check" --incremntal
expect "cat-convert --dtyp: closest" "did you mean '--dtype'" "$B/cat-convert" convert a b --dtyp f32

# ---- --version on every tool -------------------------------------------------------
for t in cat-generate cat-convert cat-check cat-tokenize cat-ppl cat-bench; do
    v=$("$B/$t" --version 2>&1)
    if [ $? -eq 0 ] && printf '%s' "$v" | grep -q "^$t (cat.h) [0-9]*\.[0-9]*\.[0-9]*"; then ok "$t --version: $v"; else bad "$t --version" "$v"; fi
done

rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
