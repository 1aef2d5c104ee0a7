#!/bin/sh
# The paper's throughput-memory protocol (the reference's benchmark.py) on this
# machine, with random bf16 weights in the paper's pairing:
#   CAT: compressor 768 / 12 heads / 3 layers, decoder 1536 / 24 heads / 12 layers,
#        chunk 8; the adaptive CAT of the same shapes at chunks 4, 8, 16, 32
#   dense: 768 / 12 heads / 12 layers
# vocabulary 32000, block size 2048. Every sequence starts from a random prompt
# of one chunk (8 tokens for dense) and generates greedily to the context.
#   1. sizes at the full block (no run): weights + KV cache + scratch for one
#      sequence, and the largest batch within PAPER_BUDGET (default 8G), for
#      each cache type
#   2. measured: latency and tokens/s over the batch for the CAT (chunk 8) and
#      dense at PAPER_CTX tokens (default 2048) and PAPER_BATCH sizes (default
#      1,4,16), one process per run (peak RSS per run), CAT and dense alternated
#      in each of PAPER_ROUNDS rounds (default 1); the adaptive CAT at chunks
#      PAPER_CHUNKS (default 4,16,32) with batch PAPER_CHUNK_BATCH (default 4)
#   3. measured: the largest batch each model holds within PAPER_RUN_BUDGET
#      (default 2G; the 8G of step 1 would take hours on a small CPU), run:
#      the CAT (chunk 8), the adaptive CAT at its largest chunk, and dense
# JSON lines go to OUT (default build/paper.jsonl); the models to build/paper;
# tables to standard output (tools/paper_report.sh), plots to PAPER_DOCS if set.
# Usage: tools/paper.sh [BUILD_DIR [OUT]]
set -e
B=${1:-build}
OUT=${2:-$B/paper.jsonl}
D=$B/paper
CTX=${PAPER_CTX:-2048}
BATCH=${PAPER_BATCH:-1,4,16}
ROUNDS=${PAPER_ROUNDS:-1}
BUDGET=${PAPER_BUDGET:-8G}
CHUNKS=${PAPER_CHUNKS:-4,16,32}
CHUNK_BATCH=${PAPER_CHUNK_BATCH:-4}
RUN_BUDGET=${PAPER_RUN_BUDGET:-2G}
mkdir -p "$D"
model() { # name json
    [ -f "$D/$1.cat" ] && return 0
    printf '%s' "$2" > "$D/$1.json"
    "$B/cat-convert" random "$D/$1.cat" --config "$D/$1.json" --dtype bf16 >/dev/null
}
comp='"compressor":{"dim":768,"n_head":12,"n_layer":3,"dim_fx":1536},"decoder":{"dim":1536,"n_head":24,"n_layer":12}'
model cat "{\"family\":\"cat\",\"vocab_size\":32000,\"chunk_size\":8,\"block_size\":2048,$comp}"
model cat_adaptive "{\"family\":\"cat\",\"adaptive\":true,\"vocab_size\":32000,\"chunk_size\":32,\"block_size\":2048,$comp}"
model dense '{"family":"dense","vocab_size":32000,"block_size":2048,"model":{"dim":768,"n_head":12,"n_layer":12}}'
: > "$OUT"
echo "== 1. sizes at 2048 tokens, and the largest batch within $BUDGET"
for kt in f32 bf16 q8; do
    "$B/cat-bench" "$D/cat.cat" --paper --reps 0 --batch 1 --kv-type $kt --mem-budget "$BUDGET" >>"$OUT"
    "$B/cat-bench" "$D/cat_adaptive.cat" --paper --reps 0 --chunk 4,8,16,32 --batch 1 --kv-type $kt --mem-budget "$BUDGET" >>"$OUT"
    "$B/cat-bench" "$D/dense.cat" --paper --reps 0 --batch 1 --kv-type $kt --mem-budget "$BUDGET" >>"$OUT"
done
# the memory curve for the plot: batch 1 .. 256, f32 cache
for b in 1 2 4 8 16 32 64 128 256; do
    "$B/cat-bench" "$D/cat.cat" --paper --reps 0 --batch $b --mem-budget "$BUDGET" | sed 's/^{/{"curve": 1, /' >>"$OUT"
    "$B/cat-bench" "$D/cat_adaptive.cat" --paper --reps 0 --chunk 4,32 --batch $b | sed 's/^{/{"curve": 1, /' >>"$OUT"
    "$B/cat-bench" "$D/dense.cat" --paper --reps 0 --batch $b | sed 's/^{/{"curve": 1, /' >>"$OUT"
done
echo "== 2. generation to $CTX tokens, batches $BATCH, $ROUNDS round(s); load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
r=0
while [ $r -lt "$ROUNDS" ]; do
    for b in $(echo "$BATCH" | tr ',' ' '); do
        "$B/cat-bench" "$D/cat.cat" --paper --context "$CTX" --batch "$b" --reps 1 | sed "s/^{/{\"round\": $r, /" >>"$OUT"
        "$B/cat-bench" "$D/dense.cat" --paper --context "$CTX" --batch "$b" --reps 1 | sed "s/^{/{\"round\": $r, /" >>"$OUT"
    done
    for c in $(echo "$CHUNKS" | tr ',' ' '); do
        "$B/cat-bench" "$D/cat_adaptive.cat" --paper --context "$CTX" --chunk "$c" --batch "$CHUNK_BATCH" --reps 1 | sed "s/^{/{\"round\": $r, /" >>"$OUT"
    done
    r=$((r + 1))
done
echo "== 3. the largest batch within $RUN_BUDGET at $CTX tokens, run"
# the largest batch of a model (and chunk) within the run budget, from the sizes
maxb() { "$B/cat-bench" "$D/$1.cat" --paper --reps 0 --context "$CTX" --batch 1 $2 --mem-budget "$RUN_BUDGET" | sed 's/.*"max_batch": \([0-9]*\).*/\1/'; }
for spec in "cat:" "cat_adaptive:--chunk 32" "dense:"; do
    m=${spec%%:*}; extra=${spec#*:}
    b=$(maxb "$m" "$extra")
    [ "${b:-0}" -gt 0 ] || { echo "$m: nothing fits $RUN_BUDGET"; continue; }
    echo "$m $extra: batch $b"
    "$B/cat-bench" "$D/$m.cat" --paper --context "$CTX" --batch "$b" $extra --reps 1 --mem-budget "$RUN_BUDGET" | sed 's/^{/{"maxrun": 1, /' >>"$OUT"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
sh tools/paper_report.sh "$OUT" ${PAPER_DOCS:-}
