#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Profile one benchmark program inside the QEMU guest with perf (software
# cpu-clock sampling: TCG has no PMU), and print the hottest symbols,
# module and kernel alike.
#
#   scripts/profile.sh KERNEL PROGRAM [ARGS...]
#   scripts/profile.sh 6.1 build/bench/uring_bench
#
# Needs the host's perf (Debian's linux-perf, not part of make deps); the
# binary and its shared libraries are packed into the initramfs. Under TCG
# a sample lands where the emulator checks for interrupts, so read the
# report as a rough split, not a line-level profile.
set -euo pipefail

kname=${1:?usage: profile.sh KERNEL PROGRAM [ARGS...]}
prog=${2:?usage: profile.sh KERNEL PROGRAM [ARGS...]}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
perf=$(command -v perf) || { echo "profile: no perf: apt-get install linux-perf" >&2; exit 1; }

extra=$(mktemp -d)
trap 'rm -rf "$extra"; rm -f "$top/build/bench/profile"' EXIT
mkdir -p "$extra/usr/bin" "$extra/opt" "$extra/lib64" "$extra/lib/x86_64-linux-gnu"
cp "$perf" "$extra/usr/bin/perf"
for lib in $(ldd "$perf" | awk '$3 ~ /^\// { print $3 }'); do
	cp -L "$lib" "$extra/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$extra/lib64/"
cp "$prog" "$extra/opt/"

# The guest runs every program in /bench; this one is the only one there.
cat >"$top/build/bench/profile" <<EOS
#!/bin/sh
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
/usr/bin/perf record -q -a -e cpu-clock -c 10000 -o /tmp/perf.data -- /opt/${prog##*/} $* || true
/usr/bin/perf report -i /tmp/perf.data --stdio --no-children --sort sym 2>/dev/null |
	grep -v '^#' | grep -v '^\$' | head -60
EOS
chmod +x "$top/build/bench/profile"
MOJO_EXTRA_ROOT=$extra MOJO_BENCHES=profile "$top/scripts/vm.sh" bench "$kname"
