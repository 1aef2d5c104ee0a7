#!/bin/sh
# release_check.sh BUILD_DIR TMPDIR: `make release-check`. The released
# checkpoints' exact shapes end to end, with random weights (the real files are
# not downloaded): the adaptive CAT (0.98 B parameters, a 3.9 GB torch file) and
# the vanilla transformer (0.26 B, 1.0 GB), written by tests/mkckpt.c as
# torch.save() zip files, converted with no configuration to f32, bf16 and q8
# (GPT-2's tokenizer built in), then generating with each at 1 and 2 threads.
# Prints conversion time and peak resident memory, decode and prefill tok/s,
# model bytes and the KV cache at 4096 tokens. Everything goes to a fresh
# directory under TMPDIR, removed at the end (and on interruption). Needs about
# 9 GB of disk at its peak.
B=${1:-build}
D=$(mktemp -d "${2:-/tmp}/cat-release.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
trap 'rm -rf "$D"; exit 130' INT TERM
TIME=/usr/bin/time
[ -x $TIME ] || { echo "release-check: needs $TIME (GNU time) for peak memory"; exit 1; }
# a prompt of 619 GPT-2 tokens for the prefill figures
cp tests/fixtures/gpt2/text.txt "$D/prompt.txt"
fail=0
printf '%-8s %-5s %9s %9s %10s %14s %14s %14s %14s %13s\n' model dtype "conv s" "conv RSS" "file MB" "decode t=1" "decode t=2" "prefill t=1" "prefill t=2" "KV@4096 MB"
for m in cat vanilla; do
    t0=$(date +%s)
    if ! nice "$B/mkckpt" release $m "$D/$m.pt" 2>"$D/err"; then cat "$D/err"; exit 1; fi
    echo "# $m: wrote a release-shaped checkpoint of $(($(wc -c <"$D/$m.pt") / 1000000)) MB in $(($(date +%s) - t0)) s" >&2
    for d in f32 bf16 q8; do
        out=$D/$m.$d.cat
        if ! nice $TIME -v "$B/cat-convert" convert "$D/$m.pt" "$out" --dtype $d >"$D/conv.out" 2>"$D/conv.err"; then
            echo "release-check: converting $m to $d failed:"; tail -n 5 "$D/conv.err"; fail=1; continue
        fi
        secs=$(grep 'Elapsed (wall clock)' "$D/conv.err" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
        rss=$(grep 'Maximum resident set size' "$D/conv.err" | awk '{printf "%.0f MB", $NF / 1024}')
        mb=$(($(wc -c <"$out") / 1000000))
        kv=$("$B/cat-convert" info "$out" | sed -n 's/^kv cache at 4096 tokens: \([0-9]*\) bytes.*/\1/p')
        dec=""; pre=""
        for t in 1 2; do
            if ! nice "$B/cat-generate" -m "$out" -f "$D/prompt.txt" -n 16 --temp 0 -t $t >"$D/gen.out" 2>"$D/gen.err"; then
                echo "release-check: generating with $m $d failed:"; tail -n 5 "$D/gen.err"; fail=1
            fi
            dec="$dec $(sed -n 's/^decode: \([0-9.]*\) tok\/s.*/\1/p' "$D/gen.err")"
            pre="$pre $(sed -n 's/^prefill: \([0-9.]*\) tok\/s.*/\1/p' "$D/gen.err")"
        done
        set -- $dec $pre
        printf '%-8s %-5s %9s %9s %10s %14s %14s %14s %14s %13.1f\n' $m $d "$secs" "$rss" "$mb" "$1" "$2" "$3" "$4" "$(echo "$kv" | awk '{print $1 / 1e6}')"
        echo "#   $(head -c 160 "$D/gen.out" | tr '\n' ' ')" >&2
        rm -f "$out"
    done
    if [ $m = vanilla ]; then
        # the same weights as safetensors shards (a Hugging Face directory): bounded memory there too
        nice "$B/mkckpt" shard "$D/$m.pt" "$D/st" 2 >/dev/null 2>&1 &&
        nice $TIME -v "$B/cat-convert" convert "$D/st" "$D/st.cat" --dtype bf16 >/dev/null 2>"$D/conv.err" || { echo "release-check: converting the shards failed"; fail=1; }
        secs=$(grep 'Elapsed (wall clock)' "$D/conv.err" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
        rss=$(grep 'Maximum resident set size' "$D/conv.err" | awk '{printf "%.0f MB", $NF / 1024}')
        printf '%-8s %-5s %9s %9s %10s   (from 2 safetensors shards, directory input)\n' $m bf16 "$secs" "$rss" "$(($(wc -c <"$D/st.cat") / 1000000))"
        rm -rf "$D/st" "$D/st.cat"
    fi
    rm -f "$D/$m.pt"
done
[ $fail -eq 0 ] && echo "release-check: ok" || echo "release-check: FAILED"
exit $fail
