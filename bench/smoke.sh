#!/bin/sh
# smoke.sh - run smartlock-bench --quick (rows 1-3, floor and unlocks in
# turns) and check that every row was measured and every unlock granted and
# audited. Not a benchmark: the numbers are not looked at.
# usage: smoke.sh SMARTLOCK-BENCH PRODUCT-CONF RUN-DIR
set -eu
bench=$1 conf=$2 dir=$3
out=$("$bench" --quick --rows 1,2,3 --product-conf "$conf" --dir "$dir" 2>&1) || {
	printf '%s\n' "$out"
	echo "smoke: smartlock-bench failed" >&2
	exit 1
}
fail() {
	printf '%s\n' "$out"
	echo "smoke: $1" >&2
	exit 1
}
printf '%s\n' "$out" | grep -q '^| [123] |.*not measured' && fail "a row of 1-3 was not measured"
printf '%s\n' "$out" | grep -q '^- rows 1 and 2 taken in turns: 10 rounds' || fail "rows 1 and 2 not in turns"
[ "$(printf '%s\n' "$out" | grep -c '^| 1 | floor: .* p50 ')" -ge 2 ] || fail "no floor numbers"
printf '%s\n' "$out" | grep -q '^| 2 | end-to-end unlock: .*(n=300; 300 ok, 0 other; 300 grants durable in the audit log, whose chain verifies' ||
	fail "not every unlock was granted and audited"
# a loaded machine can measure the floor above the whole request: the
# report then prints a negative overhead with a minus sign (U+2212)
printf '%s\n' "$out" | grep -Eq '^\| 2 \| overhead over the floor: .* = \*\*(-|−)?[0-9.]* [µm]s\*\*' || fail "no overhead"
printf '%s\n' "$out" | grep -q '^| 3 | wire: request PUBLISH .*\*\*107 B\*\*' || fail "request size changed"
echo "smoke: rows 1-3 measured"
