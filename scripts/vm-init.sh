#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs (busybox sh). Runs inside QEMU: mounts the
# pseudo filesystems, loads the module, runs what /etc/mojo-mode asks for
# (check: /tests/* then the fuzzer per /etc/mojo-fuzz-args, demo:
# /examples/* per /etc/mojo-demo, bench: /bench/*, fuzz: the fuzzer),
# unloads the module, scans for leaks and powers the VM off.
#
# Its output goes to the second serial port (the host keeps it apart from
# the kernel's console on the first), framed by MOJO-* marker lines that
# scripts/vm.sh reads.

export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t devtmpfs none /dev 2>/dev/null
mount -t proc none /proc
mount -t sysfs none /sys
mount -t tmpfs none /tmp

out=/dev/ttyS1
[ -c $out ] || out=/dev/console
stty -F $out raw -echo 2>/dev/null
exec >$out 2>&1 </dev/null

# The Mojo core for programs of Mojo's C API (vm.sh adds it if needed).
[ -e /lib/mojo/libmojo_core.so ] && export MOJO_CORE_LIBRARY_PATH=/lib/mojo/libmojo_core.so

mode=$(cat /etc/mojo-mode)
echo "MOJO-BEGIN kernel=$(uname -r) mode=$mode cpus=$(nproc)"

# Debug kernel: kmemleak and fault injection live in debugfs; the
# module's state, stats and log too, and tracefs for its tracepoints.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
kml=/sys/kernel/debug/kmemleak
if [ -w $kml ]; then
	# Forget whatever the boot itself left behind.
	echo scan >$kml
	echo clear >$kml
fi
fs=/sys/kernel/debug/failslab
if [ -d $fs ]; then
	# Only per-task fail-nth injects faults (probability stays 0); let
	# it fail sleeping allocations too, and quietly.
	echo N >$fs/ignore-gfp-wait
	echo 0 >$fs/verbose
fi

if insmod /mojoports.ko; then
	echo "MOJO-INSMOD ok"
else
	echo "MOJO-INSMOD fail"
fi

case $mode in
check)
	for t in /tests/*; do
		[ -x "$t" ] || continue
		name=${t##*/}
		echo "MOJO-SUITE-BEGIN $name"
		(cd /tmp && "$t")
		echo "MOJO-SUITE-END $name rc=$?"
	done
	# The bounded fuzz: one suite per line of arguments.
	n=0
	[ -s /etc/mojo-fuzz-args ] && while read -r args; do
		n=$((n + 1))
		echo "MOJO-SUITE-BEGIN fuzz-$n"
		(cd /tmp && /fuzz/mojofuzz $args)
		echo "MOJO-SUITE-END fuzz-$n rc=$?"
	done </etc/mojo-fuzz-args
	;;
fuzz)
	# Fault campaigns (/etc/mojo-fuzz-faults: a percentage): failslab and
	# fail_page_alloc fail that share of the allocations of chaos's
	# worker threads, and only theirs (task-filter; each sets its own
	# make-it-fail, which its forks inherit). User pages (highmem flag)
	# are spared: a failed page fault would only ask the OOM killer.
	faults=$(cat /etc/mojo-fuzz-faults 2>/dev/null)
	if [ -n "$faults" ]; then
		for f in /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc; do
			[ -d $f ] || { echo "MOJO-FAULTS none: no $f"; continue; }
			echo "$faults" >$f/probability
			echo 1 >$f/interval
			echo -1 >$f/times
			echo 0 >$f/space
			echo 0 >$f/verbose
			echo Y >$f/task-filter
			echo N >$f/ignore-gfp-wait
			[ -e $f/min-order ] && echo 0 >$f/min-order
			[ -e $f/ignore-gfp-highmem ] && echo Y >$f/ignore-gfp-highmem
		done
		echo "MOJO-FAULTS probability=$faults%"
	fi
	# A memory cgroup around the fuzzer (/etc/mojo-fuzz-memcg: its
	# memory.max), and a canary outside it that must outlive the run:
	# the module's allocations fail in the cgroup, no one else's.
	memcg=$(cat /etc/mojo-fuzz-memcg 2>/dev/null)
	cg=
	if [ -n "$memcg" ]; then
		mkdir -p /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control
		cg=/sys/fs/cgroup/fuzz
		mkdir $cg
		echo "$memcg" >$cg/memory.max
		echo 0 >$cg/memory.swap.max 2>/dev/null
		echo "MOJO-MEMCG max=$(cat $cg/memory.max)"
	fi
	sleep 1000000 &
	canary=$!
	echo "MOJO-FUZZ-BEGIN"
	(
		cd /tmp
		if [ -n "$cg" ]; then
			# 0: the writer, this subshell ($$ would be init).
			echo 0 >$cg/cgroup.procs
			# Chaos adds memory hogs; the cgroup's OOM killer
			# may take its workers (they raise their own
			# oom_score_adj), never the runner.
			echo -1000 >/proc/self/oom_score_adj
			export MOJO_FUZZ_PRESSURE=1
		fi
		# Chaos's worker threads set their own make-it-fail.
		[ -z "$faults" ] || export MOJO_FUZZ_MAKE_IT_FAIL=1
		exec /fuzz/mojofuzz $(cat /etc/mojo-fuzz-args)
	)
	echo "MOJO-FUZZ-END rc=$?"
	for f in /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc; do
		[ -z "$faults" ] || echo 0 >$f/probability
	done
	if kill -0 $canary 2>/dev/null; then
		echo "MOJO-CANARY ok"
		kill $canary
	else
		echo "MOJO-CANARY dead"
	fi
	[ -z "$cg" ] || echo "MOJO-MEMCG events: $(tr '\n' ' ' <$cg/memory.events)"
	;;
demo)
	for name in $(cat /etc/mojo-demo); do
		echo "MOJO-EXAMPLE-BEGIN $name"
		(cd /tmp && "/examples/$name")
		echo "MOJO-EXAMPLE-END $name rc=$?"
	done
	;;
bench)
	for b in /bench/*; do
		[ -x "$b" ] || continue
		name=${b##*/}
		echo "MOJO-BENCH-BEGIN $name"
		(cd /tmp && "$b")
		echo "MOJO-BENCH-END $name rc=$?"
	done
	;;
esac

# A hook for tools that look inside before the module goes (coverage).
[ -x /etc/mojo-before-rmmod ] && /etc/mojo-before-rmmod

# A ring closed by a dying process is torn down by a kernel worker after
# the process is gone, and holds its files (node fds among them) until
# the module has cancelled its parked commands: give that 20 s. A
# reference still held then is a leak; say who holds what.
tries=0
until rmmod mojoports 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 40 ] && { sleep 0.5; continue; }
	echo "MOJO-RMMOD fail: refcnt $(cat /sys/module/mojoports/refcnt 2>/dev/null)"
	for f in /proc/[0-9]*/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		case $l in
		*mojo*) echo "# held: $f -> $l ($(cat ${f%/fd/*}/comm 2>/dev/null))" ;;
		esac
	done
	ps | sed 's/^/# ps: /'
	echo w >/proc/sysrq-trigger 2>/dev/null; echo t >/proc/sysrq-trigger 2>/dev/null
	break
done
if [ $tries -lt 40 ]; then
	[ $tries -gt 0 ] && echo "# rmmod took $tries retries (0.5 s each)"
	echo "MOJO-RMMOD ok"
fi

if [ -w $kml ]; then
	# kmemleak reports only objects older than 5 s; scan twice so a
	# pointer briefly held elsewhere does not hide a leak.
	sleep 6
	echo scan >$kml
	echo scan >$kml
	echo "MOJO-KMEMLEAK-BEGIN"
	cat $kml
	echo "MOJO-KMEMLEAK-END"
fi

echo "MOJO-DONE"
sync
# -no-reboot on the QEMU side turns this into an exit; the debug kernel has
# no ACPI, so poweroff would only halt.
reboot -f
