#!/bin/sh
# `make bench`: the speed and memory figures of README.md, measured on this
# machine with cat-bench on random-weight models (made once with
# `cat-convert random`, about 5 GB in build/bench) and on the demo.
# Takes about 12 minutes on 2 cores. BENCH_THREADS=1,2 by default.
set -e
B=${1:-build}
D=$B/bench
T=${BENCH_THREADS:-1,2}
mkdir -p "$D"

model() { # name json [dtype]
    [ -f "$D/$1.cat" ] && return 0
    printf '%s' "$2" > "$D/$1.json"
    "$B/cat-convert" random "$D/$1.cat" --config "$D/$1.json" ${3:+--dtype $3} >/dev/null
}
big='{"family":"dense","vocab_size":32000,"block_size":1024,"model":{"dim":2048,"n_head":16,"n_layer":12}}'
mid='{"family":"dense","vocab_size":32000,"block_size":1024,"model":{"dim":1024,"n_head":16,"n_layer":12}}'
# the paper's pairing: a CAT whose decoder is twice as wide as the dense peer
dense='{"family":"dense","vocab_size":8192,"block_size":4096,"model":{"dim":512,"n_head":8,"n_layer":6}}'
cat='{"family":"cat","adaptive":true,"vocab_size":8192,"chunk_size":32,"block_size":4096,"compressor":{"dim":512,"n_head":8,"n_layer":2,"dim_fx":1024},"decoder":{"dim":1024,"n_head":16,"n_layer":6}}'
echo "== making models in $D (once)"
model big_f32 "$big"; model big_bf16 "$big" bf16; model big_q8 "$big" q8
model mid_f32 "$mid"
model dense "$dense"; model cat "$cat"

echo
echo "== 1. single-sequence decode of a model larger than the caches (dense 2048 x 12, 3.0 GB f32): roofline"
echo "   (GB/s = weights read per token, embedding rows aside, x tokens/s; 'of bw' = that / read bandwidth)"
for d in f32 bf16 q8; do
    "$B/cat-bench" "$D/big_$d.cat" --context 128 --decode 16 --reps 5 --prefill 8 --threads "$T" $( [ $d = f32 ] || echo --no-bandwidth )
done

echo
echo "== 2. prefill: dense dim 1024 x 12 layers, 512-token prompt"
echo "   (FLOPs = 2 x 151M parameters of the layers x tokens + the output head once; the embedding is a lookup)"
"$B/cat-bench" "$D/mid_f32.cat" --context 600 --decode 8 --reps 5 --prefill 512 --threads "$T" --no-bandwidth --json |
    sed 's/.*"threads": \([0-9]*\).*"prefill_tps": \([0-9.]*\).*"prefill_gflops": \([0-9.]*\).*/   threads \1: \2 tokens\/s = \3 GFLOP\/s (2 x parameters x tokens)/'

echo
echo "== 3. batched decode: sequences decoded together, weights read once per step"
echo "   (the f32 model of section 1, larger than the caches; 'vs b1' = tokens/s against batch 1:"
echo "   the median of the ratios of runs made in the same round)"
"$B/cat-bench" "$D/big_f32.cat" --context 64 --decode 8 --reps 5 --prefill 8 --batch 1,2,4,8 --no-bandwidth

echo
echo "== 4. CAT (decoder 1024, compressor 512) against its dense peer (dim 512), both 6 layers, f32"
echo "   decode tokens/s and KV-cache bytes per sequence; 'vs dense' = CAT decode / dense decode (median of alternated runs)"
for ctx in 512 1024 2048 4096; do
    "$B/cat-bench" "$D/cat.cat" --peer "$D/dense.cat" --context $ctx --chunk 4,8,16,32 --decode 16 --reps 5 --prefill 64 --no-bandwidth
done
echo "   ... and with 8 sequences decoded together (the KV cache dominates memory traffic)"
for ctx in 1024 4096; do
    "$B/cat-bench" "$D/cat.cat" --peer "$D/dense.cat" --context $ctx --chunk 8,32 --batch 8 --decode 8 --reps 5 --prefill 64 --no-bandwidth
done
echo "   ... and 32 sequences at 4096 tokens (about 5 minutes: filling 32 x 4056 tokens)"
"$B/cat-bench" "$D/cat.cat" --peer "$D/dense.cat" --context 4096 --chunk 32 --batch 32 --decode 8 --reps 5 --prefill 64 --no-bandwidth

if [ -f "$B/kjv_cat.cat" ]; then
    echo
    echo "== 5. the demo (KJV CAT, bf16) at each chunk size, context 512, against the demo's dense peer"
    [ -f "$B/kjv_dense.cat" ] || "$B/cat-convert" convert models/kjv/kjv_dense.pt "$B/kjv_dense.cat" --config models/kjv/kjv_dense.json >/dev/null
    "$B/cat-bench" "$B/kjv_cat.cat" --peer "$B/kjv_dense.cat" --context 512 --chunk 1,2,4,8,16 --decode 64 --reps 5 --prefill 256 --no-bandwidth
fi
