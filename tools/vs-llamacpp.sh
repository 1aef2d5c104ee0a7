#!/bin/sh
# vs-llamacpp.sh: cat.h against llama.cpp on the same shapes, alternated.
#   tools/vs-llamacpp.sh LLAMA_BUILD [options]
# LLAMA_BUILD is a llama.cpp CPU build folder (its bin/llama-bench is used);
# the GGUF files are written with llama.cpp's gguf-py (tools/gguf-random.py;
# Python 3 with numpy), the cat.h files with `cat-convert random`, both of
# random weights, once, into the work folder. Each round runs, for every
# thread count and weight type, llama-bench then cat-bench on the same shape;
# the table shows, per row, the median over rounds of the ratio
# cat.h tokens/s / llama.cpp tokens/s of the same round.
# options:
#   --gguf-py DIR   llama.cpp's gguf-py folder (default LLAMA_BUILD/../gguf-py)
#   --work DIR      where the models go (default build/vs-llamacpp; about 12 GB)
#   --rounds N      rounds (default 3)
#   --threads T,..  thread counts (default 1,2)
#   --types D,..    cat.h weight types (default f32,bf16,q8,q4; q8 runs against
#                   Q8_0, q4 against Q4_0, whose files keep the embeddings and
#                   output in Q8_0 as cat-convert --dtype q4 does)
#   --bin DIR       cat.h tools (default build)
#   --python PY     Python with numpy (default python3)
#   --rows R,..     rows to run (default decode,prefill512,prefill512big)
#   --no-mmap       both read the models into memory instead of mapping them
#                   (llama-bench -mmp 0, cat-bench --no-mmap): on a machine that
#                   pages out cold file pages, mapped weights are read again
#   --small         small shapes (dim 512, 4 layers, vocab 8192) to try the script
# MIT License, see LICENSE.
set -e
[ $# -ge 1 ] || { sed -n '2,26p' "$0"; exit 2; }
LLAMA=$1; shift
LMM=; CMM=; GGUFPY=$LLAMA/../gguf-py; W=build/vs-llamacpp; R=3; T=1,2; TYPES=f32,bf16,q8,q4; B=build; PY=python3; SMALL=; ROWS=decode,prefill512,prefill512big
while [ $# -gt 0 ]; do
    case $1 in
    --gguf-py) GGUFPY=$2; shift 2 ;;
    --work) W=$2; shift 2 ;;
    --rounds) R=$2; shift 2 ;;
    --threads) T=$2; shift 2 ;;
    --types) TYPES=$2; shift 2 ;;
    --bin) B=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    --small) SMALL=1; shift ;;
    --no-mmap) LMM="-mmp 0"; CMM=--no-mmap; shift ;;
    *) echo "vs-llamacpp.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
LB=$LLAMA/bin/llama-bench
[ -x "$LB" ] || { echo "vs-llamacpp.sh: no $LB (build llama.cpp's llama-bench first)" >&2; exit 1; }
[ -x "$B/cat-bench" ] || { echo "vs-llamacpp.sh: no $B/cat-bench (run make first)" >&2; exit 1; }
here=$(dirname "$0")

# shapes: decode on a model larger than the caches (dense 2048 x 12, 3 GB in f32),
# prefill on dense 768 x 12 (prefill512) and 2048 x 12 (prefill512big); --small:
# dim 512 x 4 for all
if [ -n "$SMALL" ]; then
    big="512 4 8 1536 8192"; mid="512 4 8 1536 8192"; W=$W/small
else
    big="2048 12 16 5632 32000"; mid="768 12 12 2048 32000"
fi
mkdir -p "$W"
gtype() { case $1 in q8) echo q8_0 ;; q4) echo q4_0 ;; *) echo "$1" ;; esac; }
make_models() { # name dim layers heads ffn vocab
    for d in $(echo "$TYPES" | tr ',' ' '); do
        if [ ! -f "$W/$1_$d.cat" ]; then
            printf '{"family":"dense","vocab_size":%s,"block_size":1024,"model":{"dim":%s,"n_head":%s,"n_layer":%s,"intermediate_size":%s}}' \
                "$6" "$2" "$4" "$3" "$5" > "$W/$1.json"
            "$B/cat-convert" random "$W/$1_$d.cat" --config "$W/$1.json" --dtype "$d" >/dev/null
        fi
        g=$(gtype "$d")
        [ -f "$W/$1_$g.gguf" ] || "$PY" "$here/gguf-random.py" "$W/$1_$g.gguf" --dim "$2" --layers "$3" --heads "$4" --ffn "$5" \
            --vocab "$6" --ctx 1024 --type "$g" --gguf-py "$GGUFPY"
    done
}
echo "== models in $W (made once)"
make_models big $big
make_models mid $mid

# llama-bench's tokens/s (JSON: avg_ts) and cat-bench's (decode_tps / prefill_tps)
lcpp() { "$LB" -m "$1" -t "$2" -r 1 $LMM $3 -o json 2>/dev/null | tr -d '\n ' | sed 's/.*"avg_ts":\([0-9.e+-]*\).*/\1/'; }
catb() { "$B/cat-bench" "$1" --threads "$2" --reps 1 --no-bandwidth $CMM --json $3 | sed "s/.*\"$4\": \([0-9.]*\).*/\1/"; }

row() { case ",$ROWS," in *",$1,"*) return 0 ;; esac; return 1; }
out=$W/rounds.txt
: > "$out"
echo "== $R rounds, load before: $(uptime | sed 's/.*load average: //')"
r=1
while [ $r -le "$R" ]; do
    for t in $(echo "$T" | tr ',' ' '); do
        for d in $(echo "$TYPES" | tr ',' ' '); do
            g=$(gtype "$d")
            if row decode; then
                l=$(lcpp "$W/big_$g.gguf" "$t" "-p 0 -n 32"); c=$(catb "$W/big_$d.cat" "$t" "--context 80 --decode 32 --prefill 8" decode_tps)
                echo "decode $t $d $c $l" | tee -a "$out"
            fi
            if row prefill512; then
                l=$(lcpp "$W/mid_$g.gguf" "$t" "-p 512 -n 0"); c=$(catb "$W/mid_$d.cat" "$t" "--context 600 --decode 1 --prefill 512" prefill_tps)
                echo "prefill512 $t $d $c $l" | tee -a "$out"
            fi
            if row prefill512big; then
                l=$(lcpp "$W/big_$g.gguf" "$t" "-p 512 -n 0"); c=$(catb "$W/big_$d.cat" "$t" "--context 600 --decode 1 --prefill 512" prefill_tps)
                echo "prefill512big $t $d $c $l" | tee -a "$out"
            fi
        done
    done
    r=$((r + 1))
done
echo "== load after: $(uptime | sed 's/.*load average: //')"
echo
echo "cat.h / llama.cpp, tokens/s, median of per-round ratios ($R rounds; cat.h tok/s : llama.cpp tok/s medians in brackets)"
awk -v types="$TYPES" '
function med(s,   a, n, i, j, x) { n = split(s, a, " "); for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
{ k = $1 " " $2 " " $3; rat[k] = rat[k] " " ($5 > 0 ? $4 / $5 : 0); ct[k] = ct[k] " " $4; lt[k] = lt[k] " " $5
  if (!(($1 " " $2) in seen)) { seen[$1 " " $2] = 1; rows[++nr] = $1 " " $2 } }
END {
    nt = split(types, ty, ",")
    printf "| row | threads |"; for (i = 1; i <= nt; i++) printf " %s |", (ty[i] == "q8" ? "q8 vs Q8_0" : ty[i] == "q4" ? "q4 vs Q4_0" : ty[i]); printf "\n"
    printf "|---|---|"; for (i = 1; i <= nt; i++) printf "---|"; printf "\n"
    for (r = 1; r <= nr; r++) { split(rows[r], p, " "); printf "| %s | %s |", p[1], p[2]
        for (i = 1; i <= nt; i++) { k = rows[r] " " ty[i]; printf " %.2fx (%.1f : %.1f) |", med(rat[k]), med(ct[k]), med(lt[k]) }
        printf "\n" }
}' "$out"
