#!/bin/sh
# install.sh BUILD_DIR MODEL: make lib exports only the public API; make install
# into a temporary prefix (and under DESTDIR) puts cat.h, libcat, the tools, man
# pages and cat.pc in place; a program built against the installed header via
# pkg-config (shared and static) generates what cat-generate generates; make
# uninstall removes every file. Work files in BUILD_DIR/install-tmp.
B=${1:-build}
M=${2:-$B/kjv_cat.cat}
MAKE=${MAKE:-make}
T=$(cd "$B" && pwd)/install-tmp
pass=0
fail=0
rm -rf "$T"
mkdir -p "$T"
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/     | /' | head -n 12; }

# ---- the library's exports ------------------------------------------------------
"$MAKE" -s lib B="$B" >"$T/make.log" 2>&1 || bad "make lib" "$(cat "$T/make.log")"
nm -D --defined-only "$B/libcat.so" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort >"$T/exports"
api=$(sed -n 's/^CATDEF .*[ *]\(cat_[a-z0-9_]*\)(.*/\1/p' cat.h | sort -u)
printf '%s\n' "$api" >"$T/api"
if [ -s "$T/exports" ] && ! grep -qv '^cat_' "$T/exports" && ! grep -q '^cat__' "$T/exports"; then
    ok "libcat.so exports only cat_* names ($(wc -l <"$T/exports") symbols), none private (cat__*)"
else bad "libcat.so exports" "$(grep -v '^cat_[a-z]' "$T/exports" | head)"; fi
if cmp -s "$T/exports" "$T/api"; then ok "libcat.so exports exactly the CATDEF functions of cat.h"
else bad "exports = CATDEF functions" "$(diff "$T/api" "$T/exports" | head)"; fi
if ar t "$B/libcat.a" >/dev/null 2>&1 && nm "$B/libcat.a" | grep -q ' T cat_session_open$'; then ok "libcat.a holds the API"
else bad "libcat.a"; fi

# ---- install, build against it, run ---------------------------------------------------
P=$T/prefix
"$MAKE" -s install B="$B" PREFIX="$P" >"$T/install.log" 2>&1 || bad "make install PREFIX=$P" "$(cat "$T/install.log")"
missing=""
for f in bin/cat-generate bin/cat-convert bin/cat-check bin/cat-tokenize bin/cat-ppl bin/cat-bench include/cat.h lib/libcat.a \
         lib/libcat.so lib/pkgconfig/cat.pc share/man/man1/cat-generate.1 share/man/man1/cat-ppl.1 share/man/man1/cat-convert.1; do
    [ -e "$P/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "make install PREFIX: tools, cat.h, libcat.so/.a, cat.pc, man pages" || bad "installed files" "missing:$missing"
if head -n 1 "$P/share/man/man1/cat-generate.1" | grep -q '^\.TH CAT-GENERATE 1' && grep -q -- '--repeat-penalty' "$P/share/man/man1/cat-generate.1"; then
    ok "man page made from --help"
else bad "man page"; fi
"$P/bin/cat-generate" --version >/dev/null 2>&1 && ok "installed cat-generate runs" || bad "installed cat-generate runs"

export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if [ "$(pkg-config --modversion cat 2>&1)" = "$(sed -n 's/^#define CAT_VERSION_MAJOR //p' cat.h).$(sed -n 's/^#define CAT_VERSION_MINOR //p' cat.h).$(sed -n 's/^#define CAT_VERSION_PATCH //p' cat.h)" ]; then
    ok "pkg-config --modversion cat: $(pkg-config --modversion cat)"
else bad "pkg-config --modversion cat" "$(pkg-config --modversion cat 2>&1)"; fi
${CC:-cc} -std=c99 -Wall -Wextra -pedantic -Werror examples/greedy.c $(pkg-config --cflags --libs cat) -o "$T/greedy" 2>"$T/cc.log" \
    && ok "examples/greedy.c builds with \$(pkg-config --cflags --libs cat): $(pkg-config --cflags --libs cat)" || bad "build via pkg-config" "$(cat "$T/cc.log")"
${CC:-cc} -std=c99 -Wall -Wextra -pedantic -Werror examples/greedy.c $(pkg-config --cflags cat) \
    $(pkg-config --static --libs cat | sed 's/-lcat/-l:libcat.a/') -o "$T/greedy_static" 2>"$T/ccs.log" \
    && ok "... and statically against libcat.a" || bad "static build via pkg-config" "$(cat "$T/ccs.log")"
if ldd "$T/greedy" 2>/dev/null | grep -q "libcat.so.0 => $P/lib/libcat.so.0" || LD_LIBRARY_PATH="$P/lib" ldd "$T/greedy" | grep -q "libcat.so.0 => $P/lib/libcat.so.0"; then
    ok "the shared build links libcat.so.0 from the prefix"
else bad "shared build links libcat.so.0" "$(LD_LIBRARY_PATH="$P/lib" ldd "$T/greedy")"; fi
ids=$("$B/cat-tokenize" "$M" "Genesis 1:1")
"$B/cat-generate" -m "$M" -p "Genesis 1:1" -n 24 --temp 0 -t 1 --ids >"$T/want" 2>/dev/null
LD_LIBRARY_PATH="$P/lib" "$T/greedy" "$M" 24 $ids >"$T/got" 2>"$T/got.err"
if cmp -s "$T/want" "$T/got"; then ok "the shared build generates what cat-generate does (24 greedy tokens)"
else bad "shared build output" "$(cat "$T/want" "$T/got" "$T/got.err")"; fi
"$T/greedy_static" "$M" 24 $ids >"$T/got_static" 2>&1
if cmp -s "$T/want" "$T/got_static"; then ok "the static build too"; else bad "static build output" "$(cat "$T/got_static")"; fi

"$MAKE" -s uninstall B="$B" PREFIX="$P" >"$T/uninstall.log" 2>&1 || bad "make uninstall" "$(cat "$T/uninstall.log")"
left=$(find "$P" -type f -o -type l)
[ -z "$left" ] && ok "make uninstall removes every installed file" || bad "make uninstall left files" "$left"

# ---- DESTDIR: staged under it, the prefix recorded without it ---------------------------
D=$T/stage
"$MAKE" -s install B="$B" PREFIX=/opt/cat DESTDIR="$D" >"$T/install2.log" 2>&1 || bad "make install DESTDIR" "$(cat "$T/install2.log")"
if [ -f "$D/opt/cat/include/cat.h" ] && [ -x "$D/opt/cat/bin/cat-generate" ] && grep -q '^prefix=/opt/cat$' "$D/opt/cat/lib/pkgconfig/cat.pc"; then
    ok "make install DESTDIR=... PREFIX=/opt/cat: staged, cat.pc says prefix=/opt/cat"
else bad "DESTDIR install" "$(find "$D" | head)"; fi
"$MAKE" -s uninstall B="$B" PREFIX=/opt/cat DESTDIR="$D" >/dev/null 2>&1
left=$(find "$D" -type f -o -type l)
[ -z "$left" ] && ok "make uninstall DESTDIR=... removes them" || bad "uninstall DESTDIR left files" "$left"

rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
