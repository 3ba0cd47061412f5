#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: run the selftests in QEMU on each kernel given (default: the
# whole matrix), print one result line per kernel and a final total line
#   N passed, N failed, N skipped
# counting test cases over all kernels. Exits non-zero when any kernel
# failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12 debug)

passed=0 failed=0 skipped=0 status=0
results=()
for k in "${kernels[@]}"; do
	rm -f "$top/build/vm/$k-check/result"
	"$top/scripts/vm.sh" check "$k" || status=1
	line=$(cat "$top/build/vm/$k-check/result" 2>/dev/null ||
		echo "RESULT $k ? FAIL 0 1 0 no result")
	results+=("$line")
	read -r _ _ _ _ p f s _ <<<"$line"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

echo "==== mojoports check: ${#kernels[@]} kernel(s) ===="
for line in "${results[@]}"; do
	echo "$line"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
