#!/bin/sh
# Thread scaling: decode and prefill speed of a dense model and a CAT at
# several thread counts (cat-bench --threads), for machines with more cores
# than the 2 that `make bench` assumes. Usage: tools/scaling.sh [BUILD] [THREADS]
# e.g. tools/scaling.sh build 1,2,4,8,16. Makes two random-weight f32 models
# (about 1.5 GB in BUILD/scaling) once.
set -e
B=${1:-build}
T=${2:-1,2,4,8}
D=$B/scaling
mkdir -p "$D"
model() { # name json
    [ -f "$D/$1.cat" ] && return 0
    printf '%s' "$2" > "$D/$1.json"
    "$B/cat-convert" random "$D/$1.cat" --config "$D/$1.json" >/dev/null
}
model dense '{"family":"dense","vocab_size":32000,"block_size":1024,"model":{"dim":1024,"n_head":16,"n_layer":12}}'
model cat '{"family":"cat","vocab_size":32000,"chunk_size":8,"block_size":1024,"compressor":{"dim":512,"n_head":8,"n_layer":2,"dim_fx":1024},"decoder":{"dim":1024,"n_head":16,"n_layer":8}}'
echo "== dense 1024 x 12 (f32), context 256, 512-token prefill"
"$B/cat-bench" "$D/dense.cat" --threads "$T" --context 256 --decode 16 --reps 5 --prefill 512
echo "== CAT: decoder 1024 x 8, compressor 512 x 2, chunk 8 (f32), context 256, 512-token prefill"
"$B/cat-bench" "$D/cat.cat" --threads "$T" --context 256 --decode 16 --reps 5 --prefill 512 --no-bandwidth
