#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run mojoports in QEMU on one kernel of the matrix.
#
#   scripts/vm.sh MODE KERNEL
#
# MODE is check (run build/selftests/*, then a bounded fuzz), demo (run
# the examples), bench (run build/bench/*) or fuzz (run build/fuzz/mojofuzz
# with MOJO_FUZZ_ARGS). KERNEL is one of:
#   6.1    Debian 12's stock cloud kernel
#   6.12   bookworm-backports' cloud kernel
#   debug  6.1 from linux-source-6.1 with KASAN, lockdep, kmemleak, UBSAN,
#          failslab (scripts/debug.config; built once by debug-kernel.sh)
#
# Steps: build the module against the kernel's tree (warnings fail the
# run), pack an initramfs (busybox, module, static test binaries,
# scripts/vm-init.sh as /init), boot QEMU under TCG with two vCPUs and two
# serial ports (kernel console, program output), then judge the run.
#
# In check mode the run fails on: a module build warning, a module that
# does not load or unload, a suite with a missing or short TAP plan, any
# "not ok", a suite that exits non-zero, a VM that does not finish within
# MOJO_VM_TIMEOUT seconds, and any kernel splat in the console log or
# kmemleak report. The last line printed is
#   RESULT <kernel> <release> PASS|FAIL <passed> <failed> <skipped> [reason]
# and it is also written to build/vm/<kernel>/result.
set -uo pipefail

mode=${1:?usage: vm.sh check|demo|bench|fuzz KERNEL}
kname=${2:?usage: vm.sh check|demo|bench|fuzz KERNEL}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/vm/$kname-$mode
mkdir -p "$out"

log() { echo "vm[$kname]: $*" >&2; }

newest() { ls $1 2>/dev/null | sort -V | tail -n 1; }

case $kname in
6.1 | 6.12)
	if [ "$kname" = 6.1 ]; then pat='6.1.0-*'; else pat='6.12*'; fi
	vmlinuz=$(newest "/boot/vmlinuz-$pat-cloud-amd64")
	[ -n "$vmlinuz" ] || { log "no $kname cloud kernel in /boot: run make deps"; exit 1; }
	release=${vmlinuz#/boot/vmlinuz-}
	kdir=/usr/src/linux-headers-$release
	mem=1G
	timeout=${MOJO_VM_TIMEOUT:-900}
	cmdline=
	;;
debug)
	kdir=$("$top/scripts/debug-kernel.sh") || { log "debug kernel build failed"; exit 1; }
	vmlinuz=$kdir/arch/x86/boot/bzImage
	release=$(cat "$kdir/include/config/kernel.release")-debug
	mem=2G
	timeout=${MOJO_VM_TIMEOUT:-2400}
	# failslab may be told to fail only radix_tree_node (xarray nodes):
	# fault_test fails a handle table's second node allocation with it.
	cmdline="slub_debug=A,radix_tree_node"
	;;
*)
	log "unknown kernel '$kname' (6.1, 6.12, debug)"
	exit 1
	;;
esac
[ -d "$kdir" ] || { log "no kernel tree $kdir: run make deps"; exit 1; }
# The fuzzer bounds each seed itself (its watchdog); a campaign's length
# is the user's to choose.
[ "$mode" != fuzz ] || timeout=${MOJO_VM_TIMEOUT:-86400}

result() {
	local line="RESULT $kname $release $*"
	echo "$line" >"$out/result"
	echo "$line"
}

fail_early() {
	result "FAIL 0 1 0 $*"
	exit 1
}

# ---- module, built in a copy so the kernels do not share objects ---------
src=$out/src
rm -rf "$src"
mkdir -p "$src"
cp -r "$top/Kbuild" "$top/module" "$top/uapi" "$src/"
log "building the module against $kdir"
if ! make -C "$kdir" M="$src" W=1 C=1 modules >"$out/module-build.log" 2>&1; then
	cat "$out/module-build.log"
	fail_early "module build failed"
fi
if grep -E 'warning:|error:' "$out/module-build.log"; then
	fail_early "module build has warnings"
fi

# ---- initramfs ----------------------------------------------------------------
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,tests,examples,bench,fuzz}
cp /bin/busybox "$root/bin/busybox"
cp "$top/scripts/vm-init.sh" "$root/init"
cp "$src/mojoports.ko" "$root/"
echo "$mode" >"$root/etc/mojo-mode"
case $mode in
check)
	# MOJO_TESTS narrows the suites while iterating, e.g. "datapipe_test".
	for t in ${MOJO_TESTS:-*_test}; do
		cp "$top"/build/selftests/$t "$root/tests/" 2>/dev/null ||
			fail_early "no selftest $t built: run make"
	done
	# The bounded fuzz of make check, a TAP suite after the selftests:
	# fixed seeds, and fixed operation counts or times per seed, one
	# suite per run (';' separates runs). MOJO_FUZZ_CHECK
	# overrides the arguments ("" skips it; so does MOJO_TESTS, unless
	# MOJO_FUZZ_CHECK is given too).
	if [ -z "${MOJO_TESTS:-}" ] || [ -n "${MOJO_FUZZ_CHECK:-}" ]; then
		fuzz_check="--mode model --seeds 1-4 --ops 20000"
		fuzz_check+="; --mode storm --seeds 1-2 --ops 0 --seconds 10"
		fuzz_check+="; --mode chaos --seeds 1-2 --ops 0 --seconds 15"
		fuzz_check=${MOJO_FUZZ_CHECK-$fuzz_check}
		if [ -n "$fuzz_check" ]; then
			cp "$top/build/fuzz/mojofuzz" "$root/fuzz/" 2>/dev/null ||
				fail_early "no fuzzer built: run make"
			# One suite per ';'-separated run.
			tr ';' '\n' <<<"$fuzz_check" | sed -e 's/^ *//' -e '/^$/d' -e 's/^/--tap /' \
				>"$root/etc/mojo-fuzz-args"
		fi
	fi
	;;
fuzz)
	cp "$top/build/fuzz/mojofuzz" "$root/fuzz/" 2>/dev/null ||
		fail_early "no fuzzer built: run make"
	echo "${MOJO_FUZZ_ARGS:---mode both --seeds 1}" >"$root/etc/mojo-fuzz-args"
	# Fault campaigns: MOJO_FUZZ_FAULTS=<percent> (failslab and
	# fail_page_alloc; the debug kernel), MOJO_FUZZ_MEMCG=<memory.max>.
	[ -z "${MOJO_FUZZ_FAULTS:-}" ] || echo "$MOJO_FUZZ_FAULTS" >"$root/etc/mojo-fuzz-faults"
	[ -z "${MOJO_FUZZ_MEMCG:-}" ] || echo "$MOJO_FUZZ_MEMCG" >"$root/etc/mojo-fuzz-memcg"
	;;
demo)
	cp "$top"/build/examples/* "$root/examples/" 2>/dev/null ||
		fail_early "no examples built: run make"
	# The order the demo runs them in.
	echo "${MOJO_DEMO:-nodes hello pingpong uring_pingpong relay streamfile sharedmem mojo_pingpong observe}" >"$root/etc/mojo-demo"
	;;
bench)
	# MOJO_BENCHES narrows the benchmarks, e.g. "uring_bench".
	for b in ${MOJO_BENCHES:-$(cd "$top/build/bench" 2>/dev/null && echo *)}; do
		cp "$top"/build/bench/$b "$root/bench/" 2>/dev/null ||
			fail_early "no benchmark $b built: run make"
	done
	;;
esac
# Programs of Mojo's C API (build/mojo_core) are dynamic: they dlopen()
# libmojo_core.so as Mojo does. Give the initramfs the core, the dynamic
# loader and the libraries they need (vm-init.sh points
# MOJO_CORE_LIBRARY_PATH at the core).
dyn=()
for f in "$root"/tests/* "$root"/examples/*; do
	[ -f "$f" ] && ldd "$f" >/dev/null 2>&1 && dyn+=("$f")
done
if [ ${#dyn[@]} -gt 0 ]; then
	mkdir -p "$root/lib/mojo"
	cp "$top/build/mojo_core/libmojo_core.so" "$root/lib/mojo/" 2>/dev/null ||
		fail_early "no libmojo_core.so built: run make"
	for l in $(ldd "${dyn[@]}" "$root/lib/mojo/libmojo_core.so" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } NF > 1 && $1 ~ /^\// { print $1 }' | sort -u); do
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
fi
# mojoctl, for the observability tests and the demo (static).
cp "$top/build/tools/mojoctl" "$root/bin/mojoctl" 2>/dev/null ||
	fail_early "no mojoctl built: run make"
[ -z "${MOJO_EXTRA_ROOT:-}" ] || cp -a "$MOJO_EXTRA_ROOT"/. "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

# ---- boot ------------------------------------------------------------------------
boot() {
	rm -f "$out/console.log" "$out/output.log"
	log "booting $release ($mode, timeout ${timeout}s)"
	start=$(date +%s)
	# -cpu qemu64,-cx16: QEMU 7.2's multi-threaded TCG sometimes corrupts
	# the flags of the guest's CMPXCHG16B (SLUB's per-cpu fast path), which
	# shows as a double fault in kmem_cache_alloc early in boot, about one
	# boot in four on 6.12. Without CX16 the kernels use their fallback
	# path and boot every time.
	timeout --foreground -k 10 "$timeout" \
		qemu-system-x86_64 -m "$mem" -smp 2 -cpu qemu64,-cx16 \
		-display none -monitor none \
		-no-reboot -kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 loglevel=7 hung_task_timeout_secs=120 $cmdline" \
		-serial "file:$out/console.log" -serial "file:$out/output.log" \
		</dev/null
	qrc=$?
	elapsed=$(($(date +%s) - start))
	log "QEMU exited with $qrc after ${elapsed}s"
}

# A VM that dies before the module is even loaded met an emulator or boot
# problem, not ours: boot it once more, and say so. Anything after insmod
# counts.
boot
if ! grep -q '^MOJO-INSMOD' "$out/output.log" 2>/dev/null; then
	log "the VM died before loading the module; booting once more"
	cp "$out/console.log" "$out/console-first-boot.log" 2>/dev/null
	boot
fi

tr -d '\r' <"$out/output.log" >"$out/output.txt" 2>/dev/null || : >"$out/output.txt"
tr -d '\r' <"$out/console.log" >"$out/console.txt" 2>/dev/null || : >"$out/console.txt"

if [ "$mode" = fuzz ]; then
	# What the fuzzer printed, then one line for the whole run.
	sed -n '/^MOJO-FUZZ-BEGIN/,/^MOJO-FUZZ-END/p' "$out/output.txt" | grep -v '^MOJO-'
	splat_re='BUG: |WARNING: |Oops|KASAN|UBSAN|general protection fault|Kernel panic'
	splat_re+='|possible circular locking|possible recursive locking|inconsistent lock state'
	splat_re+='|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|bad unlock balance|held lock freed'
	splat_re+='|lock held when returning|sleeping function called from invalid context'
	splat_re+='|unreferenced object|refcount_t: |blocked for more than|soft lockup'
	splat_re+='|rcu_.*detected stall|list_add corruption|list_del corruption|Call Trace:'
	# A fault campaign fails the kernel's own allocations too, and 6.1's
	# io_uring then leaks the interior nodes of a task's ring xarray when
	# io_uring_setup() fails: kmemleak objects allocated under
	# __io_uring_add_tctx_node are the kernel's, said and not counted.
	# Every other report counts.
	cp "$out/output.txt" "$out/judged.txt"
	if [ -n "${MOJO_FUZZ_FAULTS:-}" ]; then
		awk '
			function flush() {
				if (blk ~ /__io_uring_add_tctx_node/)
					n++
				else
					printf "%s", blk
				blk = ""
			}
			/^unreferenced object / { flush(); blk = $0 "\n"; next }
			blk != "" && /^  / { blk = blk $0 "\n"; next }
			{ flush(); print }
			END { flush(); print n + 0 >"/dev/stderr" }
		' "$out/output.txt" >"$out/judged.txt" 2>"$out/kernel-leaks"
		[ "$(cat "$out/kernel-leaks")" = 0 ] ||
			log "$(cat "$out/kernel-leaks") kmemleak reports of io_uring's tctx xarray (the kernel's, under injection): not counted"
	fi
	# A memory cgroup campaign means to reach the limit: the cgroup's own
	# OOM killer may then kill a worker for the fuzzer's own memory, and
	# its report carries a stack (from "invoked oom-killer" to "</TASK>").
	# Such reports are said and not counted, unless the module's own
	# allocation invoked it (a reliable frame in mojoports): those must
	# fail with -ENOMEM instead (MOJO_GFP). The file of an export is the
	# VFS's (alloc_file_pseudo, GFP_KERNEL as for any open()) and is not
	# the module's. A global OOM kill fails the run below.
	cp "$out/console.txt" "$out/console-judged.txt"
	oom_ours=0
	if [ -n "${MOJO_FUZZ_MEMCG:-}" ]; then
		awk '
			/invoked oom-killer:/ { skip = 1; n++ }
			skip && /\[mojoports\]/ && !/\] +\? / { ours[n] = 1 }
			skip && /alloc_file_pseudo/ { vfs[n] = 1 }
			!skip { print }
			skip && /<\/TASK>/ { skip = 0 }
			END {
				for (i in ours)
					m += !(i in vfs)
				print n + 0, m + 0 >"/dev/stderr"
			}
		' "$out/console.txt" >"$out/console-judged.txt" 2>"$out/oom-reports"
		read -r oom_all oom_ours <"$out/oom-reports"
		[ "$oom_all" = 0 ] ||
			log "$oom_all OOM reports of the fuzzer's memory cgroup, $oom_ours of them by the module: only those count"
	fi
	splats=$(grep -cE "$splat_re" "$out/console-judged.txt" "$out/judged.txt" | awk -F: '{ n += $2 } END { print n + 0 }')
	grep -nE "$splat_re" "$out/console-judged.txt" "$out/judged.txt" >"$out/splats.txt"
	sum=$(grep '^FUZZ-SUMMARY' "$out/output.txt" | tail -n 1)
	get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$sum"; }
	failures=$(get failures)
	[ -n "$sum" ] || failures=1
	grep -q '^MOJO-RMMOD ok' "$out/output.txt" || { log "rmmod failed"; failures=$((failures + 1)); }
	# Whatever the fuzzer did, nobody outside it may suffer: no global
	# OOM kill (a memory cgroup's own is "Memory cgroup out of memory"),
	# and the canary process outside the fuzzer lives.
	if grep -E 'Out of memory: Killed|Kernel panic' "$out/console.txt" | grep -qv 'Memory cgroup'; then
		log "a global OOM kill"
		failures=$((failures + 1))
	fi
	grep -q '^MOJO-CANARY ok' "$out/output.txt" || { log "the canary died"; failures=$((failures + 1)); }
	grep -E '^MOJO-(FAULTS|MEMCG)' "$out/output.txt" || true
	[ "$oom_ours" = 0 ] || failures=$((failures + oom_ours))
	# ... and a memory cgroup campaign that never reached its limit
	# tested nothing.
	if [ -n "${MOJO_FUZZ_MEMCG:-}" ] &&
		! grep -qE '^MOJO-MEMCG events: .*max [1-9]' "$out/output.txt"; then
		log "the memory cgroup never reached its limit"
		failures=$((failures + 1))
	fi
	grep -q '^MOJO-DONE' "$out/output.txt" || { log "the VM did not finish"; failures=$((failures + 1)); }
	line="fuzz kernel=$kname mode=$(get mode) ops=$(get ops) ops_per_s=$(get ops_per_s) seeds=$(get seeds) failures=$failures splats=$splats"
	echo "$line" | tee "$out/result"
	[ "$failures" = 0 ] && [ "$splats" = 0 ]
	exit
fi

if [ "$mode" != check ]; then
	# demo and bench: show what the programs printed, without markers.
	sed -n '/^MOJO-\(EXAMPLE\|BENCH\)-BEGIN/,/^MOJO-\(EXAMPLE\|BENCH\)-END/p' "$out/output.txt" |
		sed -e 's/^MOJO-EXAMPLE-BEGIN \(.*\)/== \1 ==/' | grep -v '^MOJO-' || true
	grep -E '^MOJO-(EXAMPLE|BENCH)-END .* rc=[^0]' "$out/output.txt" &&
		{ log "a program failed"; exit 1; }
	grep -q '^MOJO-DONE' "$out/output.txt" || { log "the VM did not finish"; exit 1; }
	grep -q '^MOJO-INSMOD ok' "$out/output.txt" || { log "insmod failed"; exit 1; }
	exit 0
fi

# ---- judge a check run ------------------------------------------------------------
echo "---- $kname: program output ----"
cat "$out/output.txt"
echo "---- $kname: kernel log ----"
cat "$out/console.txt"
echo "---- $kname: end ----"

reasons=()
[ $qrc -eq 124 ] || [ $qrc -eq 137 ] && reasons+=("timeout after ${timeout}s")
grep -q '^MOJO-INSMOD ok' "$out/output.txt" || reasons+=("insmod failed")
grep -q '^MOJO-RMMOD ok' "$out/output.txt" || reasons+=("rmmod failed")
grep -q '^MOJO-DONE' "$out/output.txt" || reasons+=("VM did not finish")

# Kernel splats anywhere in the console log or the kmemleak report.
splat_re='BUG: |WARNING: |Oops|KASAN|UBSAN|general protection fault|Kernel panic'
splat_re+='|possible circular locking|possible recursive locking|inconsistent lock state'
splat_re+='|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|bad unlock balance|held lock freed'
splat_re+='|lock held when returning|sleeping function called from invalid context'
splat_re+='|unreferenced object|refcount_t: |blocked for more than|soft lockup'
splat_re+='|rcu_.*detected stall|list_add corruption|list_del corruption|Call Trace:'
if grep -nE "$splat_re" "$out/console.txt" "$out/output.txt" >"$out/splats.txt"; then
	log "kernel splat:"
	cat "$out/splats.txt" >&2
	reasons+=("kernel splat")
fi

# TAP, per suite.
read -r passed failed skipped suite_errors < <(awk '
	function close_suite() {
		if (!insuite) return
		if (plan < 0) { errs = errs name ":no-plan "; failed++ }
		else if (ok + notok < plan) {
			errs = errs name ":short-plan "; failed += plan - ok - notok
		}
		insuite = 0
	}
	/^MOJO-SUITE-BEGIN / { close_suite(); insuite = 1; name = $2; plan = -1; ok = 0; notok = 0; next }
	/^MOJO-SUITE-END / {
		rc = $3; sub(/^rc=/, "", rc)
		if (rc != 0) errs = errs name ":rc=" rc " "
		close_suite(); next
	}
	!insuite { next }
	plan < 0 && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
	/^ok [0-9]+ # SKIP/ { ok++; skipped++; next }
	/^ok [0-9]+/ { ok++; passed++; next }
	/^not ok [0-9]+/ { notok++; failed++; next }
	END {
		close_suite()
		if (errs == "") errs = "-"
		print passed + 0, failed + 0, skipped + 0, errs
	}' "$out/output.txt")
[ "$suite_errors" = - ] || reasons+=("suites: $suite_errors")
grep -q '^MOJO-SUITE-BEGIN' "$out/output.txt" || reasons+=("no suite ran")

if [ ${#reasons[@]} -eq 0 ] && [ "$failed" -eq 0 ]; then
	result "PASS $passed $failed $skipped ${elapsed}s"
	exit 0
fi
[ "$failed" -gt 0 ] || failed=1
result "FAIL $passed $failed $skipped ${elapsed}s ${reasons[*]:-not ok}"
exit 1
