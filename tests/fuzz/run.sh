#!/bin/sh
# run.sh FUZZ_DIR SECONDS JOBS HARNESS...: runs each harness FUZZ_DIR/fuzz_H for
# SECONDS on FUZZ_DIR/corpus/H (kept between runs) seeded from FUZZ_DIR/seeds/H,
# JOBS at a time; crashes go to FUZZ_DIR/crashes/H/. Prints executions per
# harness; exits non-zero if any harness found a crash.
D=$1; S=$2; J=$3; shift 3
mkdir -p "$D/logs"
one() {
    h=$1
    mkdir -p "$D/corpus/$h" "$D/crashes/$h"
    "$D/fuzz_$h" "$D/corpus/$h" "$D/seeds/$h" tests/fuzz/corpus/$h -max_total_time="$S" -print_final_stats=1 \
        -timeout=${FUZZ_TIMEOUT:-120} -rss_limit_mb=2048 -artifact_prefix="$D/crashes/$h/" >"$D/logs/$h.log" 2>&1
    echo $? >"$D/logs/$h.rc"
}
n=0
for h in "$@"; do
    echo "fuzz_$h: ${S}s"
    one "$h" &
    n=$((n + 1))
    if [ "$n" -ge "$J" ]; then wait; n=0; fi
done
wait
bad=0
echo
printf '%-22s %12s %10s %8s  %s\n' harness executions exec/s corpus result
for h in "$@"; do
    ex=$(grep -E '^stat::number_of_executed_units' "$D/logs/$h.log" | tail -n 1 | sed 's/.*: *//')
    ps=$(grep -E '^stat::average_exec_per_sec' "$D/logs/$h.log" | tail -n 1 | sed 's/.*: *//')
    cs=$(ls "$D/corpus/$h" | wc -l)
    rc=$(cat "$D/logs/$h.rc")
    nc=$(ls "$D/crashes/$h" | wc -l)
    if [ "$rc" = 0 ]; then res=ok; else res="CRASH (exit $rc; $nc file(s) in $D/crashes/$h; log $D/logs/$h.log)"; bad=1; fi
    printf '%-22s %12s %10s %8s  %s\n' "fuzz_$h" "${ex:-?}" "${ps:-?}" "$cs" "$res"
done
exit $bad
