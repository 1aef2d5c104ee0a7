#!/bin/sh
# Readability figures for the closing notes of a change: the longest functions of
# cat.h (lines from the line that opens the body to its closing brace), and the
# lines longer than 100 columns in cat.h and in the whole tree.
# usage: sh tools/metrics.sh [N]   (N longest functions, default 15)
N=${1:-15}
cd "$(dirname "$0")/.." || exit 1
echo "longest functions of cat.h (lines, name, starting line):"
awk '
    # a function definition: a line at column 0 with "name(" that is not a declaration,
    # whose body opens on that line or the next and closes with "}" at column 0
    /^[A-Za-z_][A-Za-z0-9_ \*]*[ \*]cat_?_?[A-Za-z0-9_]*\(/ && !/;[ \t]*(\/\*.*)?$/ {
        if (!infn) { name = $0; sub(/\(.*/, "", name); sub(/.*[ \*]/, "", name); start = NR; pend = 1 }
    }
    pend && /\{[ \t]*(\/\*.*)?$/ { infn = 1; pend = 0; if (/\}[ \t]*$/) { infn = 0 } ; next }
    pend && NR > start + 1 { pend = 0 }
    infn && /^\}/ { printf "%5d %s %d\n", NR - start + 1, name, start; infn = 0 }
' cat.h | sort -k1,1nr | head -n "$N"
printf 'lines over 100 columns: cat.h %s, tree %s\n' \
    "$(awk 'length($0) > 100' cat.h | wc -l | tr -d ' ')" \
    "$(git ls-files | grep -E '\.(c|h|sh|md|mk|js|json|txt)$|Makefile' | grep -v '^tests/fixtures/' | grep -v '^models/' \
       | xargs awk 'length($0) > 100' | wc -l | tr -d ' ')"
