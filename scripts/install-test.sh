#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part of make check: `make install` into a scratch DESTDIR, then build an
# example against the installed header, library and pkg-config file only,
# so a broken install rule fails the run.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

# depmod warns about the files a scratch tree lacks (modules.order, ...).
make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr >/dev/null 2>"$dest/install.log" ||
	{ cat "$dest/install.log" >&2; exit 1; }
release=$(cat "$(make -s -C "$top" --no-print-directory print-kdir)/include/config/kernel.release")
compgen -G "$dest/lib/modules/$release/updates/mojoports.ko*" >/dev/null ||
	{ echo "install-test: mojoports.ko not installed" >&2; exit 1; }
grep -q mojoports "$dest/lib/modules/$release/modules.dep" ||
	{ echo "install-test: depmod did not index the module" >&2; exit 1; }

pc=$dest/usr/lib/pkgconfig
# Our .pc first; liburing's from the system.
cflags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pc pkg-config --cflags mojoports)
libs=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pc pkg-config --libs --static mojoports)
# shellcheck disable=SC2086
cc -Wall -Werror $cflags -o "$dest/nodes" "$top/userspace/examples/nodes.c" $libs -static
# And the shared library links too.
# shellcheck disable=SC2086
cc -Wall -Werror $cflags -o "$dest/nodes-shared" "$top/userspace/examples/nodes.c" $libs
# The README's first program, built as it says.
# shellcheck disable=SC2086
cc -Wall -Werror $cflags -o "$dest/hello" "$top/userspace/examples/hello.c" $libs
# mojoctl, for the tools package.
[ -x "$dest/usr/bin/mojoctl" ] || { echo "install-test: mojoctl not installed" >&2; exit 1; }
# libmojo_core.so: installed, and loadable the way Mojo loads a core
# (dlopen, then its one entry point). Host-side only: nothing is called.
core=$dest/usr/lib/mojoports/libmojo_core.so
[ -f "$core" ] || { echo "install-test: libmojo_core.so not installed" >&2; exit 1; }
cat >"$dest/load-core.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *lib = dlopen(argv[argc - 1], RTLD_NOW | RTLD_LOCAL);

	if (!lib || !dlsym(lib, "MojoGetSystemThunks")) {
		fprintf(stderr, "install-test: %s\n", dlerror());
		return 1;
	}
	return 0;
}
EOF
cc -Wall -Werror -o "$dest/load-core" "$dest/load-core.c" -ldl
"$dest/load-core" "$core"
# The manual: a few pages and a link, where man(1) finds them.
for page in man7/mojoports.7 man2/ioctl_mojoports.2 \
	man2/MOJO_IOC_WRITE_MESSAGE.2const man3/mojo_wait.3 man7/libmojo_core.7; do
	[ -f "$dest/usr/share/man/$page" ] ||
		{ echo "install-test: $page not installed" >&2; exit 1; }
done
[ "$(man -M "$dest/usr/share/man" -w mojo_wait)" = "$dest/usr/share/man/man3/mojo_query_signals.3" ] ||
	{ echo "install-test: man does not resolve mojo_wait(3) to its page" >&2; exit 1; }
echo "install-test: make install, a pkg-config build from it, libmojo_core.so and the manual work"
