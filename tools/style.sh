#!/bin/sh
# The house style, written down and checked (make style; make test runs it too).
#
#   1. No tab characters (Makefiles excepted: recipes need them); indent with 4 spaces.
#   2. No trailing whitespace; every file ends with a newline.
#   3. Lines aim at 100 columns (tools/metrics.sh counts those over); none passes 240.
#   4. A function's body opens on the line of its signature: `int f(void) {` (K&R, as
#      stb and llama2.c's run.c write it); a `{` alone on a line does not follow a `)`.
#   5. Names in cat.h: public functions and types cat_*, private ones cat__* (static),
#      macros CAT_* (CATDEF too; a libc feature-test macro _*_SOURCE aside); tools and
#      tests keep their own prefix (ckpt_, json_, tokfile_, util_, cli_, test_).
#   6. The tool headers (tools/*.h) state their return convention at the top: functions
#      that can fail return 0 on success and -1 on failure (a message in err), or a
#      pointer that is NULL on failure; yes/no questions (json_is_int) return 1 for yes.
#
# usage: sh tools/style.sh   (prints each violation as file:line: rule; exit 1 if any)
cd "$(dirname "$0")/.." || exit 1
LIMIT=240
# files written before rule 4, converted when the work in them lands
BRACE_PENDING="tools/ckpt.h tools/json.h tools/tokfile.h tools/cat-tokenize.c tests/test_json.c"
files=$(git ls-files | grep -Ev '^(tests/fixtures|models|tests/fuzz/regressions|docs)/' \
        | grep -E '(\.(c|h|sh|mk|py|js|md|in)|Makefile)$')
code=$(echo "$files" | grep -E '\.(c|h)$')
bad=0
report() { echo "$1"; bad=1; }

for f in $files; do
    case $f in Makefile|*.mk) ;; *)
        awk -v f="$f" '/\t/ { print f ":" FNR ": tab character" }' "$f" ;;
    esac
    awk -v f="$f" '/[ \t]$/ { print f ":" FNR ": trailing whitespace" }' "$f"
    [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && echo "$f: no newline at the end"
    case $f in *.md) ;; *)
        awk -v f="$f" -v n=$LIMIT 'length($0) > n { print f ":" FNR ": " length($0) " columns (at most " n ")" }' "$f" ;;
    esac
done > /tmp/style.$$ 2>&1
for f in $code; do
    case " $BRACE_PENDING " in *" $f "*) continue ;; esac
    awk -v f="$f" 'prev ~ /\)[ \t]*$/ && $0 ~ /^\{[ \t]*$/ { print f ":" FNR ": function body opens on its own line (rule 4)" } { prev = $0 }' "$f"
done >> /tmp/style.$$ 2>&1
# rule 5, cat.h
awk '
    /^static [^=(]*[ *]([A-Za-z_0-9]+)\(/ && !/^static (const )?[a-z_0-9]+ \*?cat__/ && !/^static inline/ {
        print "cat.h:" FNR ": a private function is named cat__*" }
    /^(CAT__API|CATDEF) / && match($0, /[A-Za-z_0-9]+\(/) {
        n = substr($0, RSTART, RLENGTH - 1); if (n !~ /^cat_[a-z0-9]/) print "cat.h:" FNR ": public " n " is not cat_*" }
    /^#define / { n = $2; sub(/\(.*/, "", n); if (n !~ /^CAT/ && n !~ /^_[A-Z]+_SOURCE$/ && $3 !~ /^CAT__KS\(/) print "cat.h:" FNR ": macro " n " is not CAT_*" }
    /^} [A-Za-z_0-9]+;/ { n = $2; sub(/;.*/, "", n); if (n !~ /^cat_/) print "cat.h:" FNR ": type " n " is not cat_*" }
' cat.h >> /tmp/style.$$
# rule 6
for f in tools/*.h; do
    grep -q 'Return convention' "$f" || echo "$f: the header does not state its return convention (rule 6)"
done >> /tmp/style.$$
if [ -s /tmp/style.$$ ]; then cat /tmp/style.$$; bad=1; fi
rm -f /tmp/style.$$
if [ $bad -ne 0 ]; then echo "style: violations above (rules at the top of tools/style.sh)"; echo "0 passed, 1 failed"; exit 1; fi
echo "style: ok"
echo "1 passed, 0 failed"
