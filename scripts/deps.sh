#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything mojoports needs to build and test, from Debian's
# packages only. Idempotent: when every package is present it only checks
# and returns in about a second. Must run as root on Debian 12.
set -euo pipefail

PKGS_STABLE=(
	build-essential make gcc libc6-dev pkg-config
	linux-image-cloud-amd64 linux-headers-cloud-amd64
	linux-source-6.1
	qemu-system-x86 busybox-static cpio gzip xz-utils
	liburing-dev sparse
	flex bison bc libelf-dev libssl-dev dwarves kmod rsync perl python3
	lcov	# make coverage: lcov and genhtml (gcov comes with gcc)
	mandoc	# make lint: mandoc -T lint over the manual pages (scripts/man-lint.sh)
	man-db	# make lint: man --warnings renders each page with groff (scripts/man-lint.sh)
	dkms	# make dkms-check (only in a scratch tree; nothing is registered)
	debhelper dh-dkms	# make deb: debian/rules (dh, dh_dkms)
	lintian	# make deb: the packages must be lintian clean
)
PKGS_BPO=(linux-image-cloud-amd64 linux-headers-cloud-amd64)

log() { echo "deps: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	log "must run as root (try: sudo make deps)"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PKGS_STABLE[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# Each kernel of the matrix: an installed cloud image and its headers.
have_kernel() {
	compgen -G "/boot/vmlinuz-$1*-cloud-amd64" >/dev/null &&
		compgen -G "/usr/src/linux-headers-$1*-cloud-amd64" >/dev/null
}

if [ ${#missing[@]} -eq 0 ] && have_kernel 6.1.0- && have_kernel 6.12; then
	exit 0
fi

# Add the bookworm-backports suite if no apt source names it yet. The mirror
# is the one this machine already uses for bookworm, so no host is
# hard-coded here.
add_backports() {
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
		return 0
	fi
	local uri
	uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print u; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
	fi
	if [ -z "$uri" ]; then
		log "cannot find the apt mirror that serves bookworm; add bookworm-backports by hand"
		exit 1
	fi
	log "adding bookworm-backports from $uri"
	cat > /etc/apt/sources.list.d/mojoports-backports.sources <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
}

add_backports
log "apt-get update"
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Once the metapackages come from backports, the stable 6.1 pair has to be
# named by its versioned package names (the ABI number moves with updates).
if ! have_kernel 6.1.0-; then
	ver=$(apt-cache madison linux-image-cloud-amd64 |
		awk -F'|' '$3 ~ / bookworm(-updates|-security)?\/main/ { gsub(/ /, "", $2); print $2; exit }')
	pkgs=$(apt-cache depends "linux-image-cloud-amd64=$ver" "linux-headers-cloud-amd64=$ver" |
		awk '/Depends:/ { print $2 }' | grep -E '^linux-(image|headers)-6\.1\.0-')
	log "installing the stable 6.1 cloud kernel: $pkgs"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
if ! have_kernel 6.12; then
	log "installing the bookworm-backports cloud kernel"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports "${PKGS_BPO[@]}" >/dev/null
fi
log "done"
