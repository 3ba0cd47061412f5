#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel of the test matrix from Debian's
# linux-source-6.1 and print the path of the built tree. The tree is cached
# outside the repository, keyed on the config fragment and the source
# tarball, so later runs return at once.
#
#   scripts/debug-kernel.sh            build if needed, print the tree
#   MOJO_CACHE=/path scripts/...       cache somewhere else
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${MOJO_CACHE:-/var/cache/mojoports}

log() { echo "debug-kernel: $*" >&2; }

[ -f "$tarball" ] || { log "$tarball missing: run make deps"; exit 1; }

key=$( (cat "$frag"; stat -c '%s %Y' "$tarball") | sha256sum | cut -c1-16)
tree=$cache/debug-6.1-$key
if [ -f "$tree/.mojo-built" ]; then
	echo "$tree"
	exit 0
fi

log "building the debug kernel in $tree (about 10 minutes, once)"
# Built in place (kbuild records absolute paths); the marker file is
# written last, so an interrupted build is started over.
rm -rf "$tree"
mkdir -p "$tree"
tar -xJf "$tarball" -C "$tree" --strip-components=1
cd "$tree"
export ARCH=x86_64
make -s tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s olddefconfig >/dev/null

# merge_config only warns when a symbol did not stick; a debug kernel that
# silently lost KASAN would make the matrix lie, so check every line.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" .config; then
			log "fragment line not in the final .config: $line"
			bad=1
		fi
		;;
	esac
done < "$frag"
[ $bad -eq 0 ] || exit 1

jobs=$(nproc)
make -s -j"$jobs" bzImage modules >/dev/null
touch "$tree/.mojo-built"
# Trees built from an older fragment are of no further use.
for old in "$cache"/debug-6.1-*; do
	[ "$old" = "$tree" ] || rm -rf "$old"
done
log "built $tree"
echo "$tree"
