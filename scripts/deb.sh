#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb VERSION: build the Debian packages (debian/) with
# dpkg-buildpackage from a copy of the tree in build/deb/src/, leave the
# .debs in build/deb/, run lintian on them, then test them: unpack them
# into a scratch root (dpkg -x; nothing is installed on the host) and
# build an example against the unpacked headers, libraries and pkg-config
# file only, as scripts/install-test.sh does for make install.
set -euo pipefail

version=${1:?usage: deb.sh VERSION}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
log() { echo "deb: $*" >&2; }
die() { log "$*"; exit 1; }

for t in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$t" >/dev/null || die "$t is not installed: run make deps"
done
changelog_version=$(cd "$top" && dpkg-parsechangelog -S Version)
[ "$changelog_version" = "$version" ] ||
	die "debian/changelog is at $changelog_version, the Makefile at $version: add a changelog entry"

# dpkg-buildpackage writes its results next to the source tree and dh's
# clean step empties build/: build from a copy (the tracked and untracked
# files, so uncommitted edits count; no build products).
start=$SECONDS
src=$out/src/mojoports-$version
rm -rf "$out"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	tar -C "$top" --exclude=./build --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' -cf - . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
log "built in $((SECONDS - start)) s:" "$(cd "$out" && echo *.deb)"

# Lintian: no error or warning; what remains is explained in
# debian/*.lintian-overrides.
changes=$(echo "$out"/*.changes)
# (make check runs as root, which lintian only remarks on.)
lint_ok=1
lintian --fail-on error,warning --tag-display-limit 0 "$changes" >"$out/lintian.log" 2>&1 ||
	lint_ok=
grep -v 'running with root privileges' "$out/lintian.log" >&2 || true
[ -n "$lint_ok" ] || die "lintian found problems (log: $out/lintian.log)"
log "lintian: no errors or warnings"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
for deb in "$out"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=$root/usr/lib/$arch
need() { [ -e "$root/$1" ] || die "no /$1 in the packages"; }
need "usr/src/mojoports-$version/dkms.conf"
need "usr/src/mojoports-$version/Kbuild"
need "usr/src/mojoports-$version/uapi/linux/mojoports.h"
need lib/udev/rules.d/60-mojoports.rules
need usr/lib/modules-load.d/mojoports.conf
need usr/libexec/mojoports/mojofuzz
grep -q '^PACKAGE_VERSION="'"$version"'"$' "$root/usr/src/mojoports-$version/dkms.conf" ||
	die "dkms.conf in the package is not at $version"
# dh_dkms's maintainer scripts register the source with DKMS.
dpkg-deb -e "$out/mojoports-dkms_${version}_all.deb" "$root/DEBIAN-dkms"
grep -q 'dkms' "$root/DEBIAN-dkms/postinst" || die "mojoports-dkms's postinst does not run DKMS"
grep -q "modprobe mojoports" "$root/DEBIAN-dkms/postinst" || die "mojoports-dkms's postinst does not load the module"
if ! sh -n "$root/DEBIAN-dkms/postinst" || ! sh -n "$root/DEBIAN-dkms/prerm"; then
	die "mojoports-dkms's maintainer scripts do not parse"
fi

pc=$libdir/pkgconfig
# The packages' .pc first; liburing's (Requires.private) from the system.
pcq() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$pc pkg-config "$@" mojoports; }
cflags=$(pcq --cflags)
libs=$(pcq --libs)
slibs=$(pcq --libs --static)
case "$cflags $libs" in
*"$root"*) ;;
*) die "pkg-config did not point into the scratch root: $cflags $libs" ;;
esac
# Only the scratch root's headers: the repository's are not on the path.
# shellcheck disable=SC2086
cc -Wall -Werror $cflags -o "$root/nodes" "$top/userspace/examples/nodes.c" $libs
# shellcheck disable=SC2086
cc -Wall -Werror $cflags -o "$root/nodes-static" "$top/userspace/examples/nodes.c" $slibs -static
deps=$(LD_LIBRARY_PATH=$libdir ldd "$root/nodes")
grep -q "libmojoports.so.1 => $libdir/" <<<"$deps" ||
	die "the example does not resolve libmojoports.so.1 from the package"

# The Mojo core: loadable from its packaged path the way Mojo loads a core.
cat >"$root/load-core.c" <<'EOC'
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *lib = dlopen(argv[argc - 1], RTLD_NOW | RTLD_LOCAL);

	if (!lib || !dlsym(lib, "MojoGetSystemThunks")) {
		fprintf(stderr, "deb: %s\n", dlerror());
		return 1;
	}
	return 0;
}
EOC
cc -Wall -Werror -o "$root/load-core" "$root/load-core.c" -ldl
"$root/load-core" "$libdir/mojoports/libmojo_core.so"
log "ok: $(cd "$out" && echo *.deb | wc -w) packages in build/deb/, an example built against them in $((SECONDS - start)) s"
