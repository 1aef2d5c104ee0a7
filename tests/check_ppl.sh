#!/bin/sh
# cat-ppl on the demo models against the reference validation losses in
# models/kjv/kjv_eval.json (each chunk size and the dense peer), within 2e-3.
B=${1:-build}
OUT=$B/test-out
EVAL=models/kjv/kjv_eval.json
TOL=0.002
pass=0; fail=0
ref() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p" $EVAL | head -n 1; }
cmp_loss() { # name got want
    if awk -v a="$2" -v b="$3" -v t=$TOL 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; then
        echo "$1: loss $2, reference $3: PASS"; pass=$((pass + 1))
    else
        echo "$1: loss $2, reference $3: FAIL"; fail=$((fail + 1))
    fi
}
"$B/cat-ppl" "$OUT/kjv_cat.cat" --ids models/kjv/kjv_val.ids --all-chunks >"$OUT/ppl_cat.txt" 2>"$OUT/ppl_cat.err" || { cat "$OUT/ppl_cat.err"; echo "0 passed, 1 failed"; exit 1; }
for c in 1 2 4 8 16; do
    got=$(sed -n "s/^chunk $c loss \([0-9.]*\) .*/\1/p" "$OUT/ppl_cat.txt")
    cmp_loss "kjv_cat chunk $c" "${got:-missing}" "$(ref cat_chunk$c)"
done
"$B/cat-ppl" "$OUT/kjv_dense.cat" --text models/kjv/kjv_val.txt >"$OUT/ppl_dense.txt" 2>"$OUT/ppl_dense.err" || { cat "$OUT/ppl_dense.err"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }
got=$(sed -n 's/^loss \([0-9.]*\) .*/\1/p' "$OUT/ppl_dense.txt")
cmp_loss "kjv_dense (tokenized from text)" "${got:-missing}" "$(ref dense)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
