#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part of make lint: check the manual pages in userspace/man/.
#
# 1. Every page that is not a link passes mandoc's lint with warnings
#    (-T lint -W warning): any message fails. Links (".so manN/page.N",
#    one line) are not given to mandoc, which calls every .so "fragile"
#    (a style remark about the format itself, the one class tolerated);
#    instead each must be that one line and name a page that exists.
# 2. man-db renders every page (groff with warnings) without a message.
# 3. Every function declared in userspace/include/mojoports.h, and every
#    MOJO_IOC_* request of uapi/linux/mojoports.h, has a page (or a link)
#    in man3/ or man2/ (X.2const), whose NAME section names it; so does every
#    symbol build/lib/libmojoports.so exports, when it is built.
# 4. Every mojoports page a page refers to (.BR name (section)) exists.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
man=$top/userspace/man
fail=0

err() {
	echo "man-lint: $*" >&2
	fail=1
}

command -v mandoc >/dev/null || { err "mandoc not installed: run make deps"; exit 1; }

pages=()
for f in "$man"/man*/*; do
	[ -f "$f" ] || continue
	rel=${f#"$man"/}
	if grep -q '^\.so ' "$f"; then
		target=$(sed -n 's/^\.so //p' "$f")
		[ "$(wc -l <"$f")" -eq 1 ] || err "$rel: a link must be one .so line"
		[ -f "$man/$target" ] || err "$rel: links to $target, which does not exist"
		grep -q '^\.so ' "$man/$target" 2>/dev/null && err "$rel: links to another link"
		continue
	fi
	pages+=("$f")
done
[ ${#pages[@]} -gt 0 ] || err "no pages in $man"

# 1. mandoc: every warning and error fails.
if [ ${#pages[@]} -gt 0 ]; then
	out=$(cd "$man" && mandoc -T lint -W warning "${pages[@]#"$man"/}" 2>&1)
	[ -z "$out" ] || err "mandoc:"$'\n'"$out"
fi

# 2. man-db and groff: what a reader's man(1) would complain about.
for f in "${pages[@]}"; do
	out=$(MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || err "${f#"$man"/}: man --warnings:"$'\n'"$out"
done

# NAME section of a page (or of the page a link names): the words before \-.
names_of() {
	local f=$1
	if grep -q '^\.so ' "$f"; then
		f=$man/$(sed -n 's/^\.so //p' "$f")
	fi
	[ -f "$f" ] || return 0
	awk '/^\.SH NAME/ { on = 1; next } /^\.SH/ { on = 0 } on' "$f" |
		sed -e 's/\\-.*//' -e 's/\\f[BIRP]//g' -e 's/,/ /g'
}

# 3. Coverage: functions of the library, requests of the uapi header.
funcs=$(sed -n -E 's/^(static inline )?[a-z][a-z0-9_ ]*[ *](mojo_[a-z0-9_]+)\(.*/\2/p' \
	"$top/userspace/include/mojoports.h" | sort -u)
[ -n "$funcs" ] || err "no functions found in mojoports.h"
for fn in $funcs; do
	page=$man/man3/$fn.3
	if [ ! -f "$page" ]; then
		err "$fn (mojoports.h) has no page man3/$fn.3"
		continue
	fi
	names_of "$page" | grep -qw -- "$fn" || err "man3/$fn.3: NAME does not name $fn"
done
reqs=$(sed -n -E 's/^#define (MOJO_IOC_[A-Z_]+)[[:space:]]+(\\|_IO).*/\1/p' \
	"$top/uapi/linux/mojoports.h" | sort -u)
[ -n "$reqs" ] || err "no MOJO_IOC_* requests found in the uapi header"
for rq in $reqs; do
	page=$man/man2/$rq.2const
	if [ ! -f "$page" ]; then
		err "$rq (uapi) has no page man2/$rq.2const"
		continue
	fi
	names_of "$page" | grep -qw -- "$rq" || err "man2/$rq.2const: NAME does not name $rq"
done

# The shared library, when built: every symbol it exports has a page.
so=$top/build/lib/libmojoports.so
if [ -f "$so" ]; then
	for sym in $(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }'); do
		[ -f "$man/man3/$sym.3" ] || err "$sym (exported by libmojoports.so) has no page man3/$sym.3"
	done
fi

# 4. References to this project's pages resolve.
for f in "$man"/man*/*; do
	grep -q '^\.so ' "$f" && continue
	sed -n -E 's/^\.BR? +\\?"?([A-Za-z_][A-Za-z0-9_]*) +\(([0-9][a-z]*)\).*/\1 \2/p' "$f" |
	while read -r name sec; do
		case $name in
		mojo* | MOJO* | ioctl_mojoports | libmojo*) ;;
		*) continue ;;
		esac
		# Section 2const lives in man2/ (README, Manual).
		[ -f "$man/man${sec:0:1}/$name.$sec" ] ||
			echo "man-lint: ${f#"$man"/}: refers to $name($sec), which has no page" >&2
	done
done 2>&1 | { grep . >&2 && exit 1 || exit 0; } || fail=1

[ $fail -eq 0 ] && echo "man-lint: $(find "$man" -type f | wc -l) pages and links, $(echo "$funcs" | wc -w) functions, $(echo "$reqs" | wc -w) requests: ok"
exit $fail
