#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of libqpu's exported API: build/lib/libqpu.so.0 must export
# exactly the symbols of libqpu/libqpu.map, each with the version of the
# map node that lists it (qpu_open@@LIBQPU_0.1), and the map must list
# exactly the functions libqpu.h declares (its static inlines excepted), so
# a new function missing from the map, a map entry with no declaration or a
# leaked internal symbol fails. libqpu.a must define every mapped symbol.
# The header's declarations come from the compiler itself (gcc -aux-info),
# not from parsing C here. TAP output, as the C tests print.
#
# Usage: symbols_test [TEST]   (run from anywhere; finds the tree by itself)
set -u

# The tree: this file is selftests/host/symbols_test.sh or its copy in
# build/host-tests/, two levels down either way (QPU_TOP overrides).
top=${QPU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
map=$top/libqpu/libqpu.map
hdr=$top/libqpu/include/libqpu.h
so=$top/build/lib/libqpu.so.0
ar=$top/build/lib/libqpu.a
cc=${CC:-cc}
for f in "$map" "$hdr" "$so" "$ar"; do
	[ -f "$f" ] ||
		{ echo "symbols_test: no $f (run make lib)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/symbols_test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# "name@NODE" for every symbol of the map, sorted. A node is
# "NAME { global: a; b; local: *; } [PARENT];"; comments are dropped. A
# local: entry other than "*" is reported as BAD-LOCAL:name.
map_symbols() {
	awk '
		{ s = s " " $0 }
		function tok(t) {
			if (after) {
				if (t == ";")
					after = 0
				return
			}
			if (!depth) {
				if (t == "{") {
					depth = 1
					scope = ""
				} else {
					node = t
				}
				return
			}
			if (t == "}") {
				depth = 0
				after = 1
			} else if (t == "global:" || t == "local:") {
				scope = t
			} else if (t != ";" && scope == "global:") {
				print t "@" node
			} else if (t != ";" && t != "*" && scope == "local:") {
				print "BAD-LOCAL:" t
			}
		}
		END {
			while ((i = index(s, "/*"))) {
				j = index(substr(s, i + 2), "*/")
				if (!j) {
					print "BAD-COMMENT"
					exit
				}
				s = substr(s, 1, i - 1) " " substr(s, i + j + 3)
			}
			gsub(/[{};]/, " & ", s)
			n = split(s, t, /[ \t]+/)
			for (k = 1; k <= n; k++)
				if (t[k] != "")
					tok(t[k])
		}
	' "$map" | sort
}

# "name@NODE" for every symbol the .so defines (default or not).
so_symbols() {
	readelf --dyn-syms -W "$so" |
	awk '$7 ~ /^[0-9]+$/ { n = $8; sub(/@@/, "@", n); print n }' | sort
}

# Functions libqpu.h declares extern, by name.
header_functions() {
	printf '#include <libqpu.h>\n' >"$work/h.c"
	"$cc" -fsyntax-only -aux-info "$work/aux" -I"$top/uapi" \
		-I"$top/libqpu/include" "$work/h.c" || return 1
	awk -v h="$hdr" '
		index($2, h ":") == 1 && $4 == "extern" {
			s = $0; sub(/ \(.*/, "", s); sub(/.* \**/, "", s)
			print s
		}' "$work/aux" | sort -u
}

ntests=0 nfail=0 only=${1:-}

run() {
	[ -n "$only" ] && [ "$only" != "$1" ] && return 0
	ntests=$((ntests + 1))
	if out=$("$1" 2>&1); then
		echo "ok $ntests $1"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		echo "not ok $ntests $1"
		nfail=$((nfail + 1))
	fi
}

# Print the differences between two sorted lists; fail if there are any.
same() {
	printf '%s\n' "$2" >"$work/a"
	printf '%s\n' "$4" >"$work/b"
	if ! cmp -s "$work/a" "$work/b"; then
		comm -23 "$work/a" "$work/b" | sed "s/^/in $1 only: /"
		comm -13 "$work/a" "$work/b" | sed "s/^/in $3 only: /"
		return 1
	fi
}

map_is_well_formed() {
	m=$(map_symbols)
	[ -n "$m" ] || { echo "no symbols in $map"; return 1; }
	if printf '%s\n' "$m" | grep BAD-; then
		echo "a local: section must be '*' only, comments closed"
		return 1
	fi
	printf '%s\n' "$m" | grep -q '@LIBQPU_0\.1$' ||
		{ echo "no LIBQPU_0.1 node"; return 1; }
	dup=$(printf '%s\n' "$m" | sed 's/@.*//' | uniq -d)
	[ -z "$dup" ] || { echo "listed twice: $dup"; return 1; }
	grep -q 'local:' "$map" || { echo "no 'local: *;'"; return 1; }
}

so_exports_exactly_the_map() {
	same map "$(map_symbols)" libqpu.so "$(so_symbols)"
}

map_lists_exactly_the_header() {
	h=$(header_functions) || return 1
	[ -n "$h" ] || { echo "no functions found in libqpu.h"; return 1; }
	same libqpu.h "$h" map "$(map_symbols | sed 's/@.*//' | sort -u)"
}

static_archive_defines_the_map() {
	nm --defined-only -g "$ar" 2>/dev/null | awk 'NF == 3 { print $3 }' |
		sort -u >"$work/defined"
	missing=$(map_symbols | sed 's/@.*//' | sort -u |
		  comm -23 - "$work/defined")
	[ -z "$missing" ] || { echo "not in libqpu.a: $missing"; return 1; }
}

# The check can fail: a symbol the map lacks, or one it has in excess.
checker_catches_a_missing_function() {
	sed '/qpu_open;/d' "$map" >"$work/map"
	m=$(map=$work/map map_symbols)
	! same map "$m" libqpu.so "$(so_symbols)" >/dev/null || return 1
	m=$(printf '%s\nqpu_no_such_function@LIBQPU_0.1\n' "$(map_symbols)" |
	    sort)
	! same map "$m" libqpu.so "$(so_symbols)" >/dev/null
}

echo "TAP version 13"
run map_is_well_formed
run so_exports_exactly_the_map
run map_lists_exactly_the_header
run static_archive_defines_the_map
run checker_catches_a_missing_function
echo "1..$ntests"
[ "$nfail" -eq 0 ]
