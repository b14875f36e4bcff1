#!/bin/sh
# package-test.sh - build the Debian packages from this tree, check them
# with lintian, install them on this machine (root, disposable: CI) and
# follow the README's install path from the installed files: init the site
# in /etc/smartlock, start Mosquitto, the agent and lockd as their units
# would (scripts/unit-run.sh), unlock with smartlockctl, and check the
# services' users and the files' owners and modes. systemd-analyze verify
# checks every unit. Everything installed or started is removed again.
#   scripts/package-test.sh
set -eu
cd "$(dirname "$0")/.."

fail() {
	echo "package-test: FAIL: $*" >&2
	exit 1
}
step() {
	echo "== package: $*"
}

[ "$(id -u)" -eq 0 ] || fail "needs root: it installs the package on this machine"
if dpkg-query -W -f='${Status}' smartlock 2>/dev/null | grep -q installed; then
	fail "smartlock is installed on this machine already: this test would remove it"
fi
for p in 8883; do
	if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
		fail "port $p is in use: the packaged broker listens there"
	fi
done
work=$(mktemp -d /tmp/smartlock-package.XXXXXX)
chmod 0755 "$work"
pids=""
had_user=$(getent passwd smartlock >/dev/null && echo yes || echo no)
had_gpio=$(getent group gpio >/dev/null && echo yes || echo no)
had_log=$([ -e /var/log/mosquitto/mosquitto.log ] && echo yes || echo no)
had_private=$([ -e /var/lib/private ] && echo yes || echo no)
had_run=$([ -e /run/mosquitto ] && echo yes || echo no)
had_logdir=$([ -e /var/log/mosquitto ] && echo yes || echo no)

cleanup() {
	status=$?
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null; do
			sleep 0.1
		done
	done
	if [ $status -ne 0 ]; then
		for f in "$work"/*.log /var/log/mosquitto/mosquitto.log; do
			[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
		done
	fi
	if dpkg-query -W -f='${Status}' smartlock 2>/dev/null | grep -q installed; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq smartlock smartlock-tui \
			>/dev/null 2>&1 || echo "package-test: purge failed" >&2
	fi
	[ "$had_user" = no ] && getent passwd smartlock >/dev/null && deluser --quiet smartlock 2>/dev/null
	[ "$had_gpio" = no ] && getent group gpio >/dev/null && delgroup --quiet gpio
	[ "$had_log" = no ] && rm -f /var/log/mosquitto/mosquitto.log
	[ "$had_private" = no ] && rm -rf /var/lib/private
	[ "$had_run" = no ] && rm -rf /run/mosquitto
	[ "$had_logdir" = no ] && rm -rf /var/log/mosquitto
	rm -rf /run/credentials/smartlock-lockd.service /run/mosquitto/smartlock.sock \
		/run/mosquitto/mosquitto.pid
	rm -rf "$work"
	exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- build ----
step "build (dpkg-buildpackage -b) and lintian"
scripts/build-deb.sh "$work"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb=$work/smartlock_$(dpkg-parsechangelog -l debian/changelog -SVersion)_$arch

# ---- install ----
step "install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${deb}.deb" \
	"$work/smartlock-tui_${deb#"$work"/smartlock_}.deb" >"$work/apt.log" 2>&1 ||
	fail "apt-get install: $(cat "$work/apt.log")"

# owner:group mode of PATH must be WANT (names, or numbers)
expect() { # path want
	case $2 in
	[0-9]*) fmt='%u:%g %a' ;;
	*) fmt='%U:%G %a' ;;
	esac
	got=$(stat -c "$fmt" "$1" 2>/dev/null) || fail "$1 is missing"
	[ "$got" = "$2" ] || fail "$1 is $got, want $2"
	echo "   $1: $got"
}
step "files the package installed"
[ -f "/usr/lib/$multiarch/mosquitto/smartlock_auth.so" ] || fail "plugin not in Mosquitto's directory"
for f in /usr/sbin/smartlock-agent /usr/sbin/smartlock-lockd /usr/bin/smartlockctl \
		/usr/bin/smartlock-tui /etc/mosquitto/conf.d/smartlock.conf \
		/usr/share/man/man8/smartlock-lockd.8.gz /usr/share/man/man1/smartlockctl.1.gz; do
	[ -e "$f" ] || fail "$f is missing"
done
[ "$(id -gn smartlock)" = mosquitto ] || fail "user smartlock's group is $(id -gn smartlock), not mosquitto"
expect /etc/smartlock "root:mosquitto 750"
expect /var/lib/smartlock "smartlock:mosquitto 750"

step "systemd-analyze verify"
units="/lib/systemd/system/smartlock-agent.service /lib/systemd/system/smartlock-lockd.service
/lib/systemd/system/mosquitto.service"
# verify also runs man for each Documentation= page; a machine whose dpkg
# drops manual pages (path-exclude, as container images do) cannot
man=yes
if grep -qs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
	echo "   dpkg excludes manual pages here: verify runs with --man=no"
	man=no
fi
# shellcheck disable=SC2086
systemd-analyze verify --man=$man $units || fail "systemd-analyze verify"
for u in smartlock-agent smartlock-lockd; do
	systemd-analyze security --offline=yes "/lib/systemd/system/$u.service" 2>/dev/null |
		sed -n 's/^→ /   /p'
done

# ---- the README's install path ----
step "smartlockctl init /etc/smartlock"
smartlockctl init /etc/smartlock --socket /run/mosquitto/smartlock.sock \
	--state-dir /var/lib/smartlock --passwd /var/lib/smartlock/passwd \
	--lockd-state /var/lib/smartlock-lockd/lockd.state \
	--agent-user smartlock --backend sim --host localhost >"$work/init.log" ||
	fail "smartlockctl init: $(cat "$work/init.log")"
ln -s lockd-front-door.conf /etc/smartlock/lockd.conf

wait_for() { # seconds, description, command...
	end=$(($(date +%s) + $1))
	what=$2
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || fail "timed out waiting for $what"
		sleep 0.1
	done
}
start_unit() { # unit
	pid=$(scripts/unit-run.sh "$1.service" "$work/$1.log") || fail "starting $1"
	pids="$pid $pids"
	eval "pid_$(echo "$1" | tr -c 'a-z0-9\n' _)=$pid"
}

step "start mosquitto, smartlock-agent, smartlock-lockd as their units do"
start_unit mosquitto
wait_for 10 "the broker's socket" test -S /run/mosquitto/smartlock.sock
start_unit smartlock-agent
start_unit smartlock-lockd
owner="--enrol /etc/smartlock/owner.enrol"
# shellcheck disable=SC2086
wait_for 20 "the lock to come online" \
	sh -c "timeout 5 smartlockctl $owner status | grep -q 'Lock: online'"

step "smartlockctl unlock"
# shellcheck disable=SC2086
smartlockctl $owner unlock || fail "smartlockctl unlock exited $?"
# shellcheck disable=SC2086
smartlockctl $owner status | grep -q UNLOCKED || fail "status is not UNLOCKED after unlock"

step "the services' users"
ids_of() { # pid -> "uid gid groups..." (real ids, from /proc)
	awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} /^Groups:/ {$1 = ""; s = $0}
		END {print u, g s}' "/proc/$1/status"
}
check_ids() { # what pid uid gid [supplementary gid...]
	what=$1
	got=$(ids_of "$2")
	shift 2
	uid=$1
	gid=$2
	shift 2
	set -- $got "$uid" "$gid" "$@"
	[ "$1" = "$uid" ] && [ "$2" = "$gid" ] || fail "$what runs as uid/gid $1/$2, want $uid/$gid"
	for g in "$@"; do
		echo " $got " | grep -q " $g " || fail "$what is not in group $g: $got"
	done
	echo "   $what: uid gid groups = $got"
}
gid_of() {
	getent group "$1" | cut -d: -f3
}
# shellcheck disable=SC2154 # pid_* are set by start_unit
check_ids mosquitto "$pid_mosquitto" "$(id -u mosquitto)" "$(gid_of mosquitto)"
# shellcheck disable=SC2154
check_ids smartlock-agent "$pid_smartlock_agent" "$(id -u smartlock)" "$(gid_of mosquitto)"
# DynamicUser: a uid of its own (systemd's range 61184-65519, no name)
# shellcheck disable=SC2154
lockd_uid=$(ids_of "$pid_smartlock_lockd" | cut -d' ' -f1)
[ "$lockd_uid" -ge 61184 ] && [ "$lockd_uid" -le 65519 ] || fail "lockd runs as uid $lockd_uid"
check_ids smartlock-lockd "$pid_smartlock_lockd" "$lockd_uid" "$lockd_uid" \
	"$(gid_of gpio)" "$(gid_of mosquitto)"

step "owners and modes after an unlock"
expect /etc/smartlock "root:mosquitto 750"
expect /etc/smartlock/agent.conf "smartlock:mosquitto 600"
expect /etc/smartlock/lockd-front-door.conf "root:root 600"
expect /etc/smartlock/owner.enrol "root:root 600"
expect /etc/smartlock/ca/ca.key "root:root 600"
expect /etc/smartlock/ca/server.key "root:mosquitto 640"
expect /etc/smartlock/keys "smartlock:mosquitto 700"
expect /var/lib/smartlock "smartlock:mosquitto 750"
expect /var/lib/smartlock/passwd "smartlock:mosquitto 640"
expect /var/lib/smartlock/users.json "smartlock:mosquitto 600"
expect /run/mosquitto "mosquitto:mosquitto 750"
expect /run/mosquitto/smartlock.sock "mosquitto:mosquitto 770"
expect /var/lib/private/smartlock-lockd "$lockd_uid:$lockd_uid 700"
expect /var/lib/private/smartlock-lockd/lockd.state "$lockd_uid:$lockd_uid 600"
for f in /var/lib/smartlock/*; do
	case $f in
	*/passwd) ;;
	*) [ "$(stat -c %U "$f")" = smartlock ] || fail "$f is not the agent's" ;;
	esac
	[ "$(($(stat -c 0%a "$f") & 07))" -eq 0 ] || fail "$f is readable by others"
done

step "purge"
trap - EXIT
cleanup
