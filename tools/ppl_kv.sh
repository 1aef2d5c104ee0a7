#!/bin/sh
# ppl_kv.sh CAT_MODEL DENSE_MODEL IDS OUT_DIR [SVG]: the quality-efficiency
# trade-off on a demo: perplexity (cat-ppl --ids IDS, every chunk size of the
# adaptive CAT, and the dense peer) for each KV-cache type, against the KV-cache
# bytes of one window (cat-bench --paper --reps 0). Results already in OUT_DIR
# (ppl_<cat|dense>_<type>.txt) are reused. Prints a markdown table; writes the
# plot to SVG (tools/svgplot.awk). BUILD=build by default.
# MIT License, see LICENSE.
set -e
CAT=$1; DENSE=$2; IDS=$3; OUT=$4; SVG=$5
B=${BUILD:-build}
HERE=$(dirname "$0")
mkdir -p "$OUT"
for kt in f32 bf16 q8; do
    [ -s "$OUT/ppl_cat_$kt.txt" ] || "$B/cat-ppl" "$CAT" --ids "$IDS" --all-chunks --kv-type $kt >"$OUT/ppl_cat_$kt.txt" 2>/dev/null
    [ -s "$OUT/ppl_dense_$kt.txt" ] || "$B/cat-ppl" "$DENSE" --ids "$IDS" --kv-type $kt >"$OUT/ppl_dense_$kt.txt" 2>/dev/null
    chunks=$(sed -n 's/^chunk \([0-9]*\) .*/\1/p' "$OUT/ppl_cat_$kt.txt" | tr '\n' ',' | sed 's/,$//')
    "$B/cat-bench" "$CAT" --paper --reps 0 --chunk "$chunks" --kv-type $kt >"$OUT/kv_cat_$kt.jsonl"
    "$B/cat-bench" "$DENSE" --paper --reps 0 --kv-type $kt >"$OUT/kv_dense_$kt.jsonl"
done
# TSV: series, KV bytes (MiB), perplexity, label
: >"$OUT/ppl_kv.tsv"
for kt in f32 bf16 q8; do
    sed -n 's/^chunk \([0-9]*\) loss [0-9.]* ppl \([0-9.]*\) .*/\1 \2/p' "$OUT/ppl_cat_$kt.txt" | while read -r c p; do
        kv=$(sed -n "s/.*\"chunk\": $c,.*\"kv_bytes\": \([0-9]*\).*/\1/p" "$OUT/kv_cat_$kt.jsonl")
        printf 'CAT, KV %s\t%s\t%s\tchunk %s\n' $kt "$(awk -v b="$kv" 'BEGIN { printf "%.4f", b / 1048576 }')" "$p" "$c" >>"$OUT/ppl_kv.tsv"
    done
    p=$(sed -n 's/^loss [0-9.]* ppl \([0-9.]*\) .*/\1/p' "$OUT/ppl_dense_$kt.txt")
    kv=$(sed -n 's/.*"kv_bytes": \([0-9]*\).*/\1/p' "$OUT/kv_dense_$kt.jsonl")
    printf 'dense, KV %s\t%s\t%s\tdense\n' $kt "$(awk -v b="$kv" 'BEGIN { printf "%.4f", b / 1048576 }')" "$p" >>"$OUT/ppl_kv.tsv"
done
echo "| model | KV MiB f32 / bf16 / q8 | perplexity f32 | bf16 (vs f32) | q8 (vs f32) |"
echo "|---|---|---:|---:|---:|"
awk -F '\t' '{ split($1, a, ", KV "); key = a[1] == "dense" ? "dense peer" : "CAT " $4; t = a[2]
  if (!(key in seen)) { seen[key] = 1; order[++n] = key }
  kv[key, t] = $2; p[key, t] = $3 }
  END { for (i = 1; i <= n; i++) { k = order[i]
    printf "| %s | %.2f / %.2f / %.2f | %.4f | %.4f (%+.3f%%) | %.4f (%+.3f%%) |\n", k, kv[k, "f32"], kv[k, "bf16"], kv[k, "q8"], p[k, "f32"],
      p[k, "bf16"], 100 * (p[k, "bf16"] / p[k, "f32"] - 1), p[k, "q8"], 100 * (p[k, "q8"] / p[k, "f32"] - 1) } }' "$OUT/ppl_kv.tsv"
if [ -n "$SVG" ]; then
    cut -f 1-3 "$OUT/ppl_kv.tsv" | awk -F '\t' -v title="Perplexity against KV-cache bytes (the demo, one window)" \
        -v xlabel="KV cache of one window, MiB (log scale)" -v ylabel="perplexity" -v logx=1 -f "$HERE/svgplot.awk" >"$SVG"
    echo "plot: $SVG"
fi
