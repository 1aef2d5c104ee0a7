#!/bin/sh
# paper_report.sh JSONL [DOCS_DIR]: the tables of tools/paper.sh's output
# (markdown) and, with DOCS_DIR, its plots (SVG, written by tools/svgplot.awk):
#   DOCS_DIR/paper_memory.svg      total memory at the full block against batch size
#   DOCS_DIR/paper_throughput.svg  measured tokens/s against total memory
# MIT License, see LICENSE.
IN=${1:?usage: paper_report.sh JSONL [DOCS_DIR]}
DOCS=$2
HERE=$(dirname "$0")
# field NAME: the value of "NAME": in the current line (awk function text)
F='function f(k,   i, r) { i = index($0, "\"" k "\": "); if (!i) return ""; r = substr($0, i + length(k) + 4); sub(/[,}].*/, "", r); gsub(/"/, "", r); return r }
function name(   c) { c = f("chunk"); return f("family") == "dense" ? "dense" : (f("family") == "cat" ? "CAT c" c : "adaptive c" c) }'

echo "sizes at the full block (no run): weights + KV cache + scratch of one sequence, and the largest batch"
echo "whose total fits the budget"
echo
echo "| model | KV type | weights MiB | KV MiB / sequence | total MiB, 1 sequence | largest batch in budget | its total MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
grep -v '"round"\|"curve"\|"maxrun"' "$IN" | awk "$F"'
{ printf "| %s | %s | %.0f | %.1f | %.0f | %s | %.0f |\n", name(), f("kv_type"), f("weight_bytes") / 1048576, f("kv_bytes") / 1048576,
         f("total_bytes") / 1048576, f("max_batch"), f("max_batch_total_bytes") / 1048576 }'
echo
echo "measured: latency of the whole generation, tokens/s over the batch, memory (total = weights + session;"
echo "RSS = the process's peak), CAT/dense ratios of runs in the same round"
echo
echo "| model | batch | context | latency s | tokens/s | total MiB | peak RSS MiB | CAT/dense tokens/s | CAT/dense total memory |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
grep '"round"' "$IN" | awk "$F"'
{ key = f("round") " " f("batch"); n = name()
  if (n == "dense") { dt[key] = f("tokens_per_s"); dm[key] = f("total_bytes") }
  line[++N] = $0; k2[N] = key; nm[N] = n; tp[N] = f("tokens_per_s"); tm[N] = f("total_bytes") }
END {
  for (i = 1; i <= N; i++) { $0 = line[i]
    r1 = (k2[i] in dt && dt[k2[i]] > 0) ? sprintf("%.2fx", tp[i] / dt[k2[i]]) : "-"
    r2 = (k2[i] in dm && dm[k2[i]] > 0) ? sprintf("%.2fx", tm[i] / dm[k2[i]]) : "-"
    if (nm[i] == "dense") { r1 = ""; r2 = "" }
    printf "| %s | %s | %s | %.1f | %.2f | %.0f | %.0f | %s | %s |\n", nm[i], f("batch"), f("context"), f("latency_s"), f("tokens_per_s"),
           f("total_bytes") / 1048576, f("peak_rss") / 1048576, r1, r2 } }'
if grep -q '"maxrun"' "$IN"; then
    echo
    echo "the largest batch within $(grep -m1 '"maxrun"' "$IN" | awk "$F"'{ printf "%.0f MiB", f("budget_bytes") / 1048576 }') (weights + KV cache + scratch), run: tokens/s each model then reaches"
    echo
    echo "| model | batch | context | latency s | tokens/s | total MiB | peak RSS MiB | tokens/s against dense |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    grep '"maxrun"' "$IN" | awk "$F"'
    { n = name(); if (n == "dense") d = f("tokens_per_s"); line[++N] = $0; nm[N] = n }
    END { for (i = 1; i <= N; i++) { $0 = line[i]
        printf "| %s | %s | %s | %.1f | %.2f | %.0f | %.0f | %s |\n", nm[i], f("batch"), f("context"), f("latency_s"), f("tokens_per_s"),
               f("total_bytes") / 1048576, f("peak_rss") / 1048576, nm[i] == "dense" || !d ? "" : sprintf("%.2fx", f("tokens_per_s") / d) } }'
fi
[ -n "$DOCS" ] || exit 0
mkdir -p "$DOCS"
grep '"curve"' "$IN" | awk "$F"'{ printf "%s, KV %s\t%s\t%.4f\n", name(), f("kv_type"), f("batch"), f("total_bytes") / 1073741824 }' |
    awk -F '\t' -v title="Total memory at 2048 tokens (paper shapes, bf16 weights)" -v xlabel="sequences decoded together (batch)" \
        -v ylabel="weights + KV cache + scratch, GiB" -v logx=1 -v logy=1 -v hline="$(grep -m1 -o '"budget_bytes": [0-9]*' "$IN" | awk '{ print $2 / 1073741824 }')" \
        -v hlabel="memory budget" -f "$HERE/svgplot.awk" > "$DOCS/paper_memory.svg"
grep '"round"\|"maxrun"' "$IN" | awk "$F"'{ printf "%s\t%.4f\t%s\n", name(), f("total_bytes") / 1073741824, f("tokens_per_s") }' |
    awk -F '\t' -v title="Throughput against memory (generation to $(grep -m1 '"round"' "$IN" | sed 's/.*"context": \([0-9]*\).*/\1/') tokens)" \
        -v xlabel="weights + KV cache + scratch, GiB" -v ylabel="tokens/s over the batch" -f "$HERE/svgplot.awk" > "$DOCS/paper_throughput.svg"
echo
echo "plots: $DOCS/paper_memory.svg, $DOCS/paper_throughput.svg"
