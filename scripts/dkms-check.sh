#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make dkms-check VERSION: prove that dkms.conf builds the module for each
# kernel of the matrix (6.1 and 6.12, found by their installed headers as
# scripts/vm.sh finds them) with DKMS itself: dkms add, build and install
# in a scratch tree. Nothing is loaded, and nothing is written to the
# host's /usr/src, /var/lib/dkms or /lib/modules: the source, DKMS and
# install trees and the signing key are all under a temporary directory.
set -euo pipefail

version=${1:?usage: dkms-check.sh VERSION}
top=$(cd "$(dirname "$0")/.." && pwd)

log() { echo "dkms-check: $*" >&2; }
die() { log "$*"; exit 1; }

command -v dkms >/dev/null || die "dkms is not installed: run make deps"
conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[ "$conf_version" = "$version" ] ||
	die "dkms.conf says PACKAGE_VERSION=\"$conf_version\", the Makefile $version: update dkms.conf"

newest() { ls -d $1 2>/dev/null | sort -V | tail -n 1; }
releases=()
for pat in '6.1.0-*' '6.12*'; do
	hdr=$(newest "/usr/src/linux-headers-$pat-cloud-amd64")
	[ -n "$hdr" ] || die "no headers matching linux-headers-$pat-cloud-amd64: run make deps"
	releases+=("${hdr#/usr/src/linux-headers-}")
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# What must stay untouched: a host that has its own DKMS install of this
# version keeps it, and this run must not add one.
host_before=$(ls -d /var/lib/dkms/mojoports/"$version" \
	/lib/modules/*/updates/dkms/mojoports.ko* 2>/dev/null || true)

make -s -C "$top" --no-print-directory install-dkms-src DESTDIR="$scratch"
mkdir -p "$scratch/dkms" "$scratch/lib/modules"
trees=(--sourcetree "$scratch/usr/src" --dkmstree "$scratch/dkms"
	--installtree "$scratch/lib/modules")
# DKMS signs what it builds when the kernel's sign-file exists, with a key
# it creates if missing; these variables come from framework.conf or the
# environment, so the key is made in the scratch tree, never in
# /var/lib/dkms.
export mok_signing_key=$scratch/mok.key mok_certificate=$scratch/mok.pub

dkms add -m mojoports -v "$version" "${trees[@]}" >"$scratch/add.log" 2>&1 ||
	{ cat "$scratch/add.log" >&2; die "dkms add failed"; }

status=0
for rel in "${releases[@]}"; do
	start=$SECONDS
	mkdir -p "$scratch/lib/modules/$rel"
	if ! dkms build -m mojoports -v "$version" -k "$rel" \
		--kernelsourcedir "/usr/src/linux-headers-$rel" "${trees[@]}" \
		>"$scratch/build-$rel.log" 2>&1; then
		cat "$scratch/build-$rel.log" >&2
		cat "$scratch/dkms/mojoports/$version/build/make.log" >&2 2>/dev/null || true
		log "$rel: dkms build failed"
		status=1
		continue
	fi
	# DKMS keeps the build's make.log: a warning fails the check, as in
	# make check's module builds.
	makelog=$scratch/dkms/mojoports/$version/$rel/x86_64/log/make.log
	if grep -E 'warning:|error:' "$makelog" >&2; then
		log "$rel: the module build warned"
		status=1
	fi
	if ! dkms install -m mojoports -v "$version" -k "$rel" --no-depmod \
		--kernelsourcedir "/usr/src/linux-headers-$rel" "${trees[@]}" \
		>"$scratch/install-$rel.log" 2>&1; then
		cat "$scratch/install-$rel.log" >&2
		log "$rel: dkms install (into the scratch tree) failed"
		status=1
		continue
	fi
	ko=$(ls "$scratch/lib/modules/$rel/updates/dkms/mojoports.ko"* 2>/dev/null | head -n 1)
	if [ -z "$ko" ]; then
		log "$rel: no mojoports.ko in the scratch install tree"
		status=1
		continue
	fi
	vermagic=$(modinfo -F vermagic "$ko")
	if [ "${vermagic%% *}" != "$rel" ]; then
		log "$rel: $ko has vermagic '$vermagic'"
		status=1
		continue
	fi
	signer=$(modinfo -F signer "$ko" || true)
	log "$rel: built and installed ${ko#"$scratch"/} (vermagic $rel${signer:+, signed by '$signer'}) in $((SECONDS - start)) s"
done

# (readelf complains of the stripped modules' missing .comment section.)
dkms status -m mojoports "${trees[@]}" >&2 2>/dev/null || status=1
host_after=$(ls -d /var/lib/dkms/mojoports/"$version" \
	/lib/modules/*/updates/dkms/mojoports.ko* 2>/dev/null || true)
[ "$host_before" = "$host_after" ] || die "the host's DKMS or module trees changed: $host_after"
[ "$status" -eq 0 ] || die "failed"
log "ok: dkms.conf builds mojoports $version for ${releases[*]}"
