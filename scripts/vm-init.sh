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

mode=$(cat /etc/mojo-mode)
echo "MOJO-BEGIN kernel=$(uname -r) mode=$mode cpus=$(nproc)"

# Debug kernel: kmemleak and fault injection live in debugfs.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
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
	if [ -s /etc/mojo-fuzz-args ]; then
		echo "MOJO-SUITE-BEGIN fuzz"
		(cd /tmp && /fuzz/mojofuzz $(cat /etc/mojo-fuzz-args))
		echo "MOJO-SUITE-END fuzz rc=$?"
	fi
	;;
fuzz)
	echo "MOJO-FUZZ-BEGIN"
	(cd /tmp && /fuzz/mojofuzz $(cat /etc/mojo-fuzz-args))
	echo "MOJO-FUZZ-END rc=$?"
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

if rmmod mojoports; then
	echo "MOJO-RMMOD ok"
else
	echo "MOJO-RMMOD fail"
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
