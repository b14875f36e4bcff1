#!/bin/sh
# lockd-memory.sh - how frugal smartlock-lockd is: its heap peak under
# valgrind massif while it executes COUNT signed commands (default 100000)
# from bench/lockd/lockd-bench over a private Mosquitto, whether the heap
# grows, and text+data of the executable (size(1); shared libraries are
# not counted). Budgets: heap peak <= 16 KB, text+data <= 64 KB.
#
# Usage: bench/lockd-memory.sh BUILD_DIR [COUNT]
# Needs valgrind (massif, vgdb) and mosquitto on PATH; builds lockd-bench
# (bench/lockd) if it is not built yet. Human-readable lines go to stdout
# with, for bench/run.sh, these key=value lines:
#   commands=  heap_peak_bytes=  heap_startup_peak_bytes=
#   heap_command_peak_bytes=  heap_growth_bytes=  text_data_bytes=
# Exit status 0 when both budgets are met and the heap does not grow, 1
# when not, 2 on a setup failure. 100,000 commands take ~7 min.
set -eu

build=${1:?usage: lockd-memory.sh BUILD_DIR [COUNT]}
count=${2:-100000}
lockd=$build/src/lock/smartlock-lockd
bench=$build/bench/lockd/lockd-bench
heap_budget=16384
size_budget=65536

if [ ! -x "$bench" ]; then
	meson compile -C "$build" lockd-bench >&2 ||
		{ echo "lockd-memory: cannot build lockd-bench (bench/meson.build: subdir('lockd'))" >&2; exit 2; }
fi
for f in "$lockd" "$bench"; do
	[ -x "$f" ] || { echo "lockd-memory: $f not built" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "lockd-memory: valgrind missing" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/lockd-memory.XXXXXX")
chmod 0755 "$dir"
broker_pid=
lockd_pid=
cleanup() {
	[ -n "$lockd_pid" ] && kill "$lockd_pid" 2>/dev/null || true
	[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# Wait (bounded) until file contains text.
wait_for() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 600 ] || { echo "lockd-memory: timed out waiting for '$2' in $1" >&2
			cat "$1" >&2 2>/dev/null; exit 2; }
		sleep 0.1
	done
}

# A private broker on a Unix socket (as root, mosquitto would switch users).
{
	[ "$(id -u)" -eq 0 ] && echo "user root"
	echo "listener 0 $dir/mqtt.sock"
	echo "allow_anonymous true"
	echo "persistence false"
	echo "log_dest file $dir/mosquitto.log"
} > "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.out" 2>&1 &
broker_pid=$!
wait_for "$dir/mosquitto.log" "Opening unix listen socket"

key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
umask 077
cat > "$dir/lockd.conf" <<EOF
lock = bench-door
broker_socket = $dir/mqtt.sock
signing_key = $key
state_file = $dir/lockd.state
backend = sim
sim_actuation_ms = 0
move_timeout_ms = 1000
heartbeat_interval = 60
log_level = notice
EOF

valgrind --tool=massif --massif-out-file="$dir/massif.out" --max-snapshots=400 \
	--vgdb=yes "$lockd" -c "$dir/lockd.conf" > "$dir/lockd.log" 2>&1 &
lockd_pid=$!
wait_for "$dir/lockd.log" ": ready"

# Heap snapshots on demand (vgdb): when ready, after a tenth of the
# commands (warm), and after all of them.
snap() {
	vgdb --pid="$lockd_pid" ${2:-snapshot} "$dir/$1" > /dev/null 2>&1 ||
		{ echo "lockd-memory: vgdb snapshot failed" >&2; exit 2; }
}
warm=$((count / 10))
[ $warm -ge 1 ] || warm=1
snap ready.snap
echo "smartlock-lockd under massif: $count commands"
echo "commands=$count"
"$bench" "$dir/mqtt.sock" "$key" bench-door "$warm"
snap warm.snap
if [ $count -gt $warm ]; then
	"$bench" "$dir/mqtt.sock" "$key" bench-door $((count - warm)) "$warm"
fi
snap end.snap detailed_snapshot
kill -TERM "$lockd_pid"
wait "$lockd_pid" || { echo "lockd-memory: lockd did not exit cleanly" >&2; cat "$dir/lockd.log" >&2; exit 2; }
lockd_pid=

# Heap = useful bytes + allocator overhead. The start-up peak comes before
# "ready"; the command peak is the largest sampled between ready and the
# end; growth is the heap after all commands minus the heap when warm.
awk -v budget=$heap_budget -v dir="$dir" '
	function value(f,   t, h, x) {
		while ((getline line < f) > 0) {
			if (line ~ /^time=/) t = substr(line, 6)
			if (line ~ /^mem_heap_B=/) h = substr(line, 12)
			if (line ~ /^mem_heap_extra_B=/) x = substr(line, 18)
		}
		close(f)
		vt = t
		return h + x
	}
	BEGIN {
		ready = value(dir "/ready.snap"); t_ready = vt
		warm = value(dir "/warm.snap")
		end = value(dir "/end.snap"); t_end = vt
		f = dir "/massif.out"
		while ((getline line < f) > 0) {
			if (line ~ /^time=/) t = substr(line, 6)
			if (line ~ /^mem_heap_B=/) h = substr(line, 12)
			if (line ~ /^mem_heap_extra_B=/) {
				v = h + substr(line, 18)
				if (v > all) all = v
				if (t + 0 <= t_ready + 0 && v > start) start = v
				if (t + 0 >= t_ready + 0 && t + 0 <= t_end + 0 && v > cmd) cmd = v
			}
		}
		if (warm > cmd) cmd = warm
		if (end > cmd) cmd = end
		printf "heap peak over the whole run: %d bytes [budget %d]\n", all, budget
		printf "  during start-up: %d bytes; heap when ready: %d bytes\n", start, ready
		printf "  while executing the commands (sampled): %d bytes\n", cmd
		printf "heap growth over the commands: %+d bytes (warm %d, end %d)\n", end - warm, warm, end
		printf "heap_peak_bytes=%d\nheap_startup_peak_bytes=%d\n", all, start
		printf "heap_command_peak_bytes=%d\nheap_growth_bytes=%d\n", cmd, end - warm
		exit !(all <= budget && end <= warm)
	}' && heap_ok=1 || heap_ok=0

echo "largest allocation sites at the peak:"
ms_print "$dir/massif.out" | awk '/\(peak\)/ { p = 1 } p && /->/ { print; if (++k == 6) exit }'
echo "largest allocation sites when all commands were done:"
ms_print "$dir/end.snap" | awk '/->/ { print; if (++k == 10) exit }'

set -- $(size "$lockd" | awk 'NR == 2 { print $1, $2 }')
text=$1 data=$2
echo "text+data: $((text + data)) bytes (text $text, data $data) [budget $size_budget]"
echo "text_data_bytes=$((text + data))"
size_ok=$((text + data <= size_budget))

[ $heap_ok -eq 1 ] && [ $size_ok -eq 1 ] && exit 0
exit 1
