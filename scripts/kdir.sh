#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build tree to build the module against on this host:
# the running kernel's when it exists, else the newest installed Debian
# headers.
set -euo pipefail

running=/lib/modules/$(uname -r)/build
if [ -d "$running" ]; then
	echo "$running"
	exit 0
fi
newest=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$newest" ]; then
	echo "kdir: no kernel headers found; run make deps or set KDIR" >&2
	exit 1
fi
echo "$newest"
