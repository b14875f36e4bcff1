#!/bin/sh
# demo.sh - the README's first command: install what is missing, build, and
# run a demo home: a private Mosquitto (Unix socket + TLS on a free loopback
# port) with the smartlock plugin, the agent, a simulated lock, and the
# console logged in as the owner. Quitting the console stops everything.
#
# The site lives in demo-site/ (or $SMARTLOCK_DEMO_DIR) and is kept between
# runs, audit log included; delete the folder to start afresh.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/deps.sh build

if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
meson compile -C build >/dev/null

b=$top/build
ctl=$b/src/cli/smartlockctl
site=${SMARTLOCK_DEMO_DIR:-$top/demo-site}
lock=front-door

if [ ! -f "$site/owner.enrol" ]; then
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo "smartlock demo: creating the site in $site"
	# a lower PBKDF2 cost keeps the demo's logins quick; a real site keeps
	# the default
	"$ctl" init "$site" --lock "$lock" --owner owner --host localhost \
		--port "$port" --bind 127.0.0.1 \
		--plugin "$b/src/broker-agent/plugin/smartlock_auth.so" \
		--pbkdf2-iterations 10000 >/dev/null
	"$ctl" user add sam --role resident --alerts --site "$site" \
		--out "$site/sam.enrol" >/dev/null
	"$ctl" user add gina --role guest --site "$site" --uses 3 \
		--schedule "Mo-Su 08:00-20:00" --out "$site/gina.enrol" >/dev/null
fi

pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE TEXT PID WHAT: until FILE contains TEXT, for at most 10 s,
# giving up at once if the process died
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null || [ $i -ge 1000 ]; then
			echo "smartlock demo: $4 did not start; its log, $1:" >&2
			tail -n 20 "$1" >&2
			exit 1
		fi
		i=$((i + 1))
		sleep 0.01
	done
}

: >"$site/mosquitto.log"
mosquitto -c "$site/mosquitto.conf" >>"$site/mosquitto.log" 2>&1 &
pids="$! $pids"
wait_for "$site/mosquitto.log" "running" "$!" "mosquitto"

"$b/src/broker-agent/agent/smartlock-agent" -c "$site/agent.conf" >"$site/agent.log" 2>&1 &
pids="$! $pids"
wait_for "$site/agent.log" "ready" "$!" "smartlock-agent"

"$b/src/lock/smartlock-lockd" -c "$site/lockd-$lock.conf" >"$site/lockd.log" 2>&1 &
pids="$! $pids"
wait_for "$site/lockd.log" "ready" "$!" "smartlock-lockd"

echo "smartlock demo: broker, agent and simulated lock are running (logs in $site)"
if [ -t 0 ] && [ -t 1 ]; then
	"$b/src/tui/smartlock-tui" --enrol "$site/owner.enrol" || true
else
	# no terminal for the console: show the same thing from the CLI
	"$ctl" --enrol "$site/owner.enrol" unlock
	"$ctl" --enrol "$site/owner.enrol" lock
	"$ctl" --enrol "$site/owner.enrol" status
fi
