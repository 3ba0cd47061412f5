#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make coverage: line, function and branch coverage of the module by the
# selftests (and the bounded fuzz of make check, once the fuzzer's modes
# exist), measured with the kernel's gcov on the debug kernel.
#
#   scripts/coverage.sh
#   MOJO_COVERAGE_MIN=90 scripts/coverage.sh   also fail below 90% of lines
#
# Steps: run `scripts/vm.sh check debug` with MOJO_GCOV=1 (Kbuild then
# instruments the module) and a hook the guest runs before rmmod, which
# prints the module's .gcda files (tar | gzip | od between MOJO-GCOV-BEGIN
# and MOJO-GCOV-END, before rmmod and once more after); unpack them next to the .gcno files
# of that build; lcov, then genhtml into build/coverage/html. Printed: a
# per-file table, the functions below 100% of their lines, the documented
# errnos without a site that ran, and a last line
#   coverage lines=P% (hit/total) functions=P% (hit/total) branches=P% (hit/total)
# build/coverage/unreached.txt lists every block of lines that never ran,
# with a guessed reason, and each errno of the uapi header's "Errors"
# comment with the module's sites that return it, run or not.
#
# MOJO_TESTS and MOJO_FUZZ_CHECK pass through to vm.sh (a narrower run for
# trying things out); MOJO_COVERAGE_REPORT_ONLY=1 skips the run and reports
# again on the data of the last one. Fails when the check run fails (the report is still
# written when data came back), when no coverage data came back, and below
# MOJO_COVERAGE_MIN percent of lines if that is set.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/coverage
vmout=$top/build/vm/debug-check
# vm.sh builds the module here, so the objects, their .gcno files and the
# path the guest's gcov names them by are all under this directory.
src=$vmout/src
min=${MOJO_COVERAGE_MIN:-}
report_only=${MOJO_COVERAGE_REPORT_ONLY:-}

log() { echo "coverage: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in lcov genhtml gcov; do
	command -v $tool >/dev/null || die "no $tool: run make deps"
done

# The kernel's gcov writes .gcda files in the format of the compiler that
# built the kernel; gcov must be of the compiler that built the module.
# Both are the host's gcc, but say so if that ever changes.
kdir=$("$top/scripts/debug-kernel.sh") || die "debug kernel build failed"
grep -qx 'CONFIG_GCOV_KERNEL=y' "$kdir/.config" ||
	die "$kdir has no CONFIG_GCOV_KERNEL (scripts/debug.config)"
kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$kdir/.config")
hcc=$(gcc --version | head -n 1)
gcv=$(gcov --version | head -n 1)
[ "$kcc" = "$hcc" ] || log "warning: debug kernel built by '$kcc', host gcc is '$hcc'"
[ "${gcv##* }" = "${hcc##* }" ] || die "gcov ($gcv) does not match gcc ($hcc)"

if [ -z "$report_only" ]; then
	rm -rf "$out"
	mkdir -p "$out/root/etc"

	# ---- the guest's side: print the .gcda files -------------------------------
	# /sys/kernel/debug/gcov mirrors the absolute path each object was built
	# at. The files there are generated on read and stat as size 0, so they
	# are copied with cat (busybox tar would store them empty). The data
	# goes out as lowercase hex: base64 could spell "Oops" or "KASAN", which
	# vm.sh would judge a kernel splat.
	#
	# Printed twice: now, before rmmod, and once more after it, from the
	# background. The kernel keeps an unloaded module's counts
	# (gcov_persist), and those also have the module's exit path. vm-init.sh
	# sleeps 6 s right after rmmod (kmemleak), which is when the second copy
	# goes out; the host takes it when it came through whole.
	cat >"$out/root/etc/mojo-before-rmmod" <<EOS
#!/bin/sh
# Written by scripts/coverage.sh: the module's gcov data, for the host.
g=/sys/kernel/debug/gcov$src
dump() {
	t=/tmp/mojo-gcov-\$1
	n=0
	for f in \$(cd "\$g" && find . -name '*.gcda'); do
		mkdir -p "\$t/\${f%/*}"
		cat "\$g/\$f" >"\$t/\$f"
		n=\$((n + 1))
	done
	echo "MOJO-GCOV-BEGIN \$1 files=\$n"
	tar -C "\$t" -cf - . | gzip -9 | od -An -v -tx1
	echo "MOJO-GCOV-END \$1"
}
if [ ! -d "\$g" ]; then
	echo "MOJO-GCOV-NONE \$g missing; gcov has:"
	find /sys/kernel/debug/gcov -name '*.gcda' 2>&1 | head -n 20
	exit 0
fi
dump loaded
(
	while [ -d /sys/module/mojoports ]; do sleep 0.1; done
	sleep 1
	dump unloaded
) &
EOS
	chmod +x "$out/root/etc/mojo-before-rmmod"

	# ---- the run ---------------------------------------------------------------------
	log "MOJO_GCOV=1 scripts/vm.sh check debug (log: build/coverage/check.log)"
	check_rc=0
	MOJO_GCOV=1 MOJO_EXTRA_ROOT="$out/root" "$top/scripts/vm.sh" check debug \
		>"$out/check.log" 2>&1 || check_rc=$?
	result=$(cat "$vmout/result" 2>/dev/null || echo "RESULT debug ? FAIL no result")
	log "$result"
	if [ $check_rc -ne 0 ]; then
		grep -E '^(vm\[debug\]|not ok)' "$out/check.log" | tail -n 20 >&2 || true
	fi
else
	# Only the report again; the run's own verdict still counts.
	rm -rf "$out/html" "$out"/*.info "$out"/*.txt
	find "$src/module" -name '*.gcda' -delete 2>/dev/null || true
	result=$(cat "$vmout/result" 2>/dev/null || echo "RESULT debug ? FAIL no result")
	check_rc=0
	[[ "$result" == *" PASS "* ]] || check_rc=1
fi

# ---- unpack the data next to the .gcno files -------------------------------------
# The copy from after rmmod if it came through whole, else the one before.
grep -q '^MOJO-GCOV-BEGIN' "$vmout/output.txt" 2>/dev/null || {
	grep '^MOJO-GCOV-NONE' -A 20 "$vmout/output.txt" >&2 2>/dev/null || true
	die "no coverage data came back from the guest (check: $result)"
}
unpack() {
	grep -q "^MOJO-GCOV-END $1" "$vmout/output.txt" || return 1
	find "$src/module" -name '*.gcda' -delete
	sed -n "/^MOJO-GCOV-BEGIN $1/,/^MOJO-GCOV-END $1/p" "$vmout/output.txt" |
		grep -v '^MOJO-GCOV-' | perl -ne 's/\s+//g; print pack("H*", $_)' |
		tar -xzf - -C "$src" 2>/dev/null
}
if unpack unloaded; then
	taken="after rmmod (with the exit path)"
elif unpack loaded; then
	taken="before rmmod (the copy from after it did not come through)"
else
	die "the coverage data was cut short or does not unpack"
fi
log "coverage data taken $taken"
ngcda=$(find "$src/module" -name '*.gcda' | wc -l)
ngcno=$(find "$src/module" -name '*.gcno' | wc -l)
[ "$ngcda" -gt 0 ] || die "no .gcda files in the data"
[ "$ngcda" -eq "$ngcno" ] || log "warning: $ngcda .gcda files for $ngcno .gcno files"

# ---- lcov, genhtml ---------------------------------------------------------------
rc=(--rc lcov_branch_coverage=1)
lcov -q "${rc[@]}" --capture --directory "$src/module" --base-directory "$src" \
	--output-file "$out/all.info" 2>"$out/lcov.log" ||
	{ cat "$out/lcov.log" >&2; die "lcov --capture failed"; }
# Only the module's own sources: the kernel's headers bring inline
# functions of their own.
lcov -q "${rc[@]}" --extract "$out/all.info" "$src/module/*" \
	--output-file "$out/mojoports.info" 2>>"$out/lcov.log" ||
	{ cat "$out/lcov.log" >&2; die "lcov --extract failed"; }
genhtml -q "${rc[@]}" --prefix "$src" --title "mojoports (debug kernel)" \
	--legend --output-directory "$out/html" "$out/mojoports.info" \
	>>"$out/lcov.log" 2>&1 ||
	{ cat "$out/lcov.log" >&2; die "genhtml failed"; }

# ---- the report --------------------------------------------------------------------
pct() { awk -v h="$1" -v t="$2" 'BEGIN { printf "%.1f", t ? 100 * h / t : 0 }'; }

# Per file, and the totals (LH/LF lines, FNH/FNF functions, BRH/BRF
# branches). mawk has no sort: the rows are sorted outside.
table=$(awk -v src="$src/" '
	function p(h, t) { return t + 0 ? sprintf("%5.1f%% %5d/%-5d", 100 * h / t, h, t) : "     -            " }
	/^SF:/ { f = substr($0, 4); sub("^" src, "", f) }
	/^LF:/ { l_f = substr($0, 4) } /^LH:/ { l_h = substr($0, 4) }
	/^FNF:/ { fn_f = substr($0, 5) } /^FNH:/ { fn_h = substr($0, 5) }
	/^BRF:/ { br_f = substr($0, 5) } /^BRH:/ { br_h = substr($0, 5) }
	/^end_of_record/ {
		printf "%-22s %s  %s  %s\n", f, p(l_h, l_f), p(fn_h, fn_f), p(br_h, br_f)
		LF += l_f; LH += l_h; FNF += fn_f; FNH += fn_h; BRF += br_f; BRH += br_h
		l_f = l_h = fn_f = fn_h = br_f = br_h = 0
	}
	END {
		printf "~total %-15s %s  %s  %s\n", "", p(LH, LF), p(FNH, FNF), p(BRH, BRF)
		print "~sums", LH + 0, LF + 0, FNH + 0, FNF + 0, BRH + 0, BRF + 0
	}' "$out/mojoports.info")
read -r _ lh lf fnh fnf brh brf < <(grep '^~sums' <<<"$table")
{
	printf "%-22s %-18s  %-18s  %-18s\n" file lines functions branches
	grep -v '^~' <<<"$table" | sort
	grep '^~total' <<<"$table" | sed 's/^~total/total /'
} >"$out/files.txt"
[ "$lf" -gt 0 ] || die "the coverage data holds no lines of module/"

report_awk=$(cat <<'AWK'
# Reads the lcov .info of module/ (DA, FN, FNDA records) and the sources;
# writes, under out/: functions.txt (functions below 100% of their lines),
# unreached.txt (blocks of lines never run, with a guessed reason; the
# documented errnos and their sites) and errnos-unreached.txt. mawk has no
# sorting, so everything is walked in source order.
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
# A guess at why a block never ran, from its function, its lines and the
# two lines that guard it (the last lines with data before it, in the same
# function).
function reason(f, fn, first, body, guard) {
	if (fn ~ /_init$|_exit$/)
		return "init"
	if (first ~ /WARN_ON|BUG_ON|WARN\(|WARN_ONCE/)
		return "assert"
	if (body ~ /-ENOMEM/ || guard ~ /alloc|kmemdup|kstrdup|xa_insert|xa_store|xa_reserve|idr_alloc|anon_inode_get|get_unused_fd|percpu_ref_init|vmap|vm_insert|vmf_insert|new_inode|kern_mount/)
		return "alloc"
	if (body ~ /meanwhile|goto again|retry|raced?[^a-z]/ || guard ~ /meanwhile|raced?[^a-z]/)
		return "race"
	if (body ~ /-EFAULT/ || guard ~ /copy_(to|from)_user|[gp]ut_user|clear_user|strncpy_from_user/)
		return "fault"
	if (f ~ /uring/ || body ~ /uring|io_uring/)
		return "uring"
	if (body ~ /-EINTR|-ERESTART|signal_pending/ || guard ~ /signal_pending/)
		return "signal"
	return "other"
}
function close_block(   body, g, r, i) {
	if (!bstart)
		return
	body = ""
	for (i = bstart; i <= bend; i++)
		body = body " " text[i]
	g = (guard_prev ? text[guard_prev] : "") " " (guard_line ? text[guard_line] : "")
	r = reason(cur_file, cur_fn, text[bstart], body, g)
	nb[r]++
	blocks[r] = blocks[r] sprintf("  %s:%d%s %s(): %s\n", cur_file, bstart,
		bend > bstart ? "-" bend : "", cur_fn, trim(text[bstart]))
	bstart = 0
}
/^SF:/ { f = substr($0, 4); sub("^" src, "", f) }
/^FN:/ {
	split(substr($0, 4), a, ",")
	fnat[f, a[1]] = a[2]
}
/^FNDA:/ { split(substr($0, 6), a, ","); calls[f, a[2]] = a[1] }
/^DA:/ { split(substr($0, 4), a, ","); da[f, a[1]] = a[2] }
/^BRDA:/ {
	split(substr($0, 6), a, ",")
	brn[f, a[1]]++
	if (a[4] != "-" && a[4] > 0)
		brt[f, a[1]]++
}
END {
	nerr = split(documented, errs, " ")
	nsrc = split(sources, files, " ")
	for (k = 1; k <= nsrc; k++) {
		cur_file = files[k]
		n = 0
		while ((getline l < (src cur_file)) > 0)
			text[++n] = l
		close(src cur_file)
		cur_fn = "(file scope)"; bstart = 0
		guard_line = guard_prev = last_da = prev_da = 0
		for (i = 1; i <= n; i++) {
			if ((cur_file, i) in fnat) {
				close_block()
				cur_fn = fnat[cur_file, i]
				fns[++nfns] = cur_file SUBSEP cur_fn
				guard_line = guard_prev = last_da = prev_da = 0
			}
			if ((cur_file, i) in da) {
				fl_total[cur_file, cur_fn]++
				if (da[cur_file, i] > 0) {
					fl_hit[cur_file, cur_fn]++
					close_block()
				} else if (bstart) {
					bend = i
				} else {
					bstart = bend = i
					guard_line = last_da
					guard_prev = prev_da
				}
				prev_da = last_da
				last_da = i
			}
			# Errno sites: a line that yields a documented errno.
			# Comments, comparisons and case labels are not sites.
			line = text[i]
			if (line ~ /^[ \t]*(\*|\/\*|\/\/)/)
				continue
			gsub(/(==|!=)[ \t]*-E[A-Z0-9]+|case[ \t]+-E[A-Z0-9]+/, "", line)
			for (e = 1; e <= nerr; e++) {
				if (line !~ ("-" errs[e] "([^A-Z0-9_]|$)"))
					continue
				nsite[errs[e]]++
				where = sprintf("%s:%d %s()", cur_file, i, cur_fn)
				if (!((cur_file, i) in da)) {
					# gcc folded the line into its test
					# (ret = -E... becomes a phi): judge by
					# the branches of the test above it.
					for (j = i - 1; j >= i - 4 && !((cur_file, j) in brn); j--)
						;
					if (j >= i - 4 && brt[cur_file, j] == brn[cur_file, j])
						nrun[errs[e]]++
					else if (j >= i - 4)
						nodata[errs[e]] = nodata[errs[e]] sprintf("      %s (no line data; line %d took %d/%d branches)\n",
							where, j, brt[cur_file, j], brn[cur_file, j])
					else
						nodata[errs[e]] = nodata[errs[e]] "      " where " (no line data)\n"
				} else if (da[cur_file, i] > 0)
					nrun[errs[e]]++
				else
					notrun[errs[e]] = notrun[errs[e]] "      " where "\n"
			}
		}
		close_block()
	}

	fout = out "/functions.txt"
	for (k = 1; k <= nfns; k++) {
		split(fns[k], a, SUBSEP)
		t = fl_total[a[1], a[2]] + 0; h = fl_hit[a[1], a[2]] + 0
		if (h < t)
			printf "  %-20s %-42s %4d/%-4d calls=%d\n", a[1], a[2] "()", h, t,
				calls[a[1], a[2]] > fout
	}
	close(fout)

	uout = out "/unreached.txt"
	eout = out "/errnos-unreached.txt"
	printf "" > eout
	print "Documented errnos (the Errors comment of uapi/linux/mojoports.h) and the" > uout
	print "lines of module/ that return them. \"run\" means the line ran: for an" > uout
	print "assignment made before its test (ret = -EFAULT; if (...) goto out;)" > uout
	print "that says little, so read those in the HTML report. Where gcc folded" > uout
	print "the line into the test above it (no line data), it counts as run when" > uout
	print "every branch of that test was taken. An errno with no site comes from" > uout
	print "a kernel function the module calls (e.g. the fd table)." > uout
	print "" > uout
	for (e = 1; e <= nerr; e++) {
		x = errs[e]
		if (!nsite[x]) {
			st = "no site in module/"
			print "  " x ": no site in module/ (from a kernel function)" > eout
		} else if (!nrun[x]) {
			st = "NOT REACHED"
			printf "  %s: none of %d site(s) known to have run\n", x, nsite[x] > eout
		} else {
			st = "reached"
		}
		printf "%-13s %-18s %d site(s), %d run\n", x, st, nsite[x], nrun[x] > uout
		if (notrun[x] != "")
			printf "    not run:\n%s", notrun[x] > uout
		if (nodata[x] != "")
			printf "    not known:\n%s", nodata[x] > uout
	}
	close(eout)

	print "" > uout
	print "Blocks of lines that never ran, by a reason guessed from their text and" > uout
	print "the lines guarding them (file:lines function(): first line):" > uout
	split("init assert alloc fault race uring signal other", order, " ")
	title["init"] = "module load and unload (init failures; exit when the data is from before rmmod)"
	title["race"] = "races (closed, moved or changed between two steps)"
	title["assert"] = "assertions (WARN_ON and friends: a bug if they ran)"
	title["alloc"] = "allocation failures (need fault injection: failslab fail-nth)"
	title["fault"] = "user-memory faults (-EFAULT paths)"
	title["uring"] = "io_uring paths"
	title["signal"] = "signals and restarts"
	title["other"] = "other: races, limits and cases no test makes"
	for (k = 1; k <= 8; k++) {
		r = order[k]
		if (!nb[r])
			continue
		printf "\n%s: %d block(s)\n%s", title[r], nb[r], blocks[r] > uout
	}
	close(uout)
}
AWK
)
# unreached.txt, the per-function list and the errno table, from the
# .info and the sources. The errno names come from the kernel's headers, so
# that operation names in the uapi comment (EXPORT, END_READ_DATA) are not
# taken for errnos.
errno_names=$(sed -n 's/^#define[[:space:]]\+\(E[A-Z0-9]\+\)[[:space:]].*/\1/p' \
	/usr/include/asm-generic/errno-base.h /usr/include/asm-generic/errno.h "$kdir/include/linux/errno.h")
documented=$(sed -n '/^ \* Errors\./,/^ \*\//p' "$top/uapi/linux/mojoports.h" |
	grep -owE 'E[A-Z0-9]+' | grep -xF "$errno_names" | sort -u)
[ -n "$documented" ] || die "no Errors section in uapi/linux/mojoports.h"
awk -v src="$src/" -v out="$out" -v documented="$(echo $documented)" \
	-v sources="$(cd "$src" && echo module/*.[ch])" "$report_awk" "$out/mojoports.info"

summary="coverage lines=$(pct "$lh" "$lf")% ($lh/$lf) functions=$(pct "$fnh" "$fnf")% ($fnh/$fnf)"
summary+=" branches=$(pct "$brh" "$brf")% ($brh/$brf)"
sed -i "1i $summary\n" "$out/unreached.txt"
echo "$summary" >"$out/summary.txt"

echo "==== coverage of module/ on the debug kernel ($result) ===="
cat "$out/files.txt"
echo
echo "functions below 100% of their lines (lines run/lines, calls):"
cat "$out/functions.txt"
echo
echo "documented errnos (uapi Errors) with no site in module/ that ran:"
cat "$out/errnos-unreached.txt"
echo
echo "report: build/coverage/html/index.html; unreached: build/coverage/unreached.txt"
echo "$summary"

[ $check_rc -eq 0 ] || die "the check run failed: $result"
if [ -n "$min" ] && ! awk -v h="$lh" -v t="$lf" -v m="$min" 'BEGIN { exit !(100 * h / t >= m) }'; then
	die "line coverage $(pct "$lh" "$lf")% is below MOJO_COVERAGE_MIN=$min%"
fi
exit 0
