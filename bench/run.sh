#!/bin/sh
# run.sh - issue 7's one command: build what the benchmark needs (if not
# built yet), then start a private stack (Mosquitto on loopback,
# smartlock-agent, smartlock-lockd with a zero-time simulated bolt) and
# print the whole table in Markdown on stdout.
#
# Usage: bench/run.sh [builddir] [smartlock-bench options...]
#   builddir defaults to build-bench (buildtype release) in the source tree.
#   --quick (smoke run) also cuts lockd-memory.sh to 10,000 commands.
# The run directory (state, audit log: fdatasync is measured there) is made
# under the build directory, so it is on the file system of the checkout,
# not a tmpfs. The broker gets the limits, queues, logging and
# set_tcp_nodelay of the product's data/smartlock.conf.in. Extra options go
# to smartlock-bench (--help lists them), e.g.
#   bench/run.sh build-bench --broker-conf "set_tcp_nodelay true"
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-bench
case ${1:-} in
"" | -*) ;;
*) build=$1; shift ;;
esac
commands=100000
massif=yes
prev=""
for a in "$@"; do
	[ "$a" = --quick ] && commands=10000
	# row 5 (the massif run, minutes) only when --rows asks for it
	if [ "$prev" = --rows ]; then
		case ",$a," in *,5,*) ;; *) massif=no ;; esac
	fi
	prev=$a
done
case $build in /*) ;; *) build=$(pwd)/$build ;; esac

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" --buildtype=release >&2
fi
# only the programs the table runs: a part that does not build yet must not
# stop the others being measured
meson compile -C "$build" smartlock-bench >&2
for t in smartlock-agent smartlock-lockd lockd-bench smartlock_auth; do
	meson compile -C "$build" "$t" >&2 ||
		echo "run.sh: $t did not build; its rows will say so" >&2
done

mem=""
if [ "$massif" = yes ] && [ -x "$src/bench/lockd-memory.sh" ] &&
	[ -x "$build/src/lock/smartlock-lockd" ]; then
	mem=$build/bench/lockd-memory.out
	echo "run.sh: row 5: bench/lockd-memory.sh (valgrind massif)" >&2
	# exit 1 means a lockd budget was missed: the numbers are still good
	rc=0
	"$src/bench/lockd-memory.sh" "$build" "$commands" >"$mem" || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "run.sh: bench/lockd-memory.sh could not measure (exit $rc); row 5 will say so" >&2
	fi
fi

[ -n "$mem" ] && set -- --lockd-memory "$mem" "$@"
# the broker runs with the performance settings the product ships
conf=$src/data/smartlock.conf.in
[ -f "$conf" ] && set -- --product-conf "$conf" "$@"
exec "$build/bench/smartlock-bench" --build "$build" --dir "$build/bench" "$@"
