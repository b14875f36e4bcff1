#!/bin/sh
# test.sh - the README's second command: install what is missing, build
# twice (gcc; clang with AddressSanitizer + UndefinedBehaviorSanitizer and
# the libFuzzer targets) and run every test in both builds: unit,
# integration against a real Mosquitto, and the bounded fuzz runs. Then
# the Raspberry Pi checks: the arm64 cross build with its unit tests under
# qemu and the arm64 packages (scripts/arm64-test.sh), and, as root, the
# Debian package built, installed on this machine, used and purged again
# (scripts/package-test.sh).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)

setup() { # dir, meson args...
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0
run_suite() { # dir
	meson test -C "$1" --num-processes "$jobs" --print-errorlogs || status=1
}

echo "== gcc build"
setup build -Dtests=enabled
meson compile -C build
run_suite build

echo "== clang build with ASan + UBSan and fuzzers"
CC=clang setup build-san -Dtests=enabled -Dfuzz=enabled \
	-Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-san
run_suite build-san

steps=""
step() { # name, command...
	name=$1
	shift
	if "$@"; then
		steps="$steps $name:OK"
	else
		steps="$steps $name:FAIL"
		status=1
	fi
}

echo "== arm64: cross build, unit tests under qemu, arm64 packages"
step arm64-test scripts/arm64-test.sh build-arm64
if [ "$(id -u)" -eq 0 ]; then
	echo "== Debian package: build, lintian, install, unlock from the installed files"
	step package-test scripts/package-test.sh
else
	echo "== Debian package: skipped, it installs the package and needs root"
	steps="$steps package-test:SKIP"
fi

STEPS=$steps python3 - build/meson-logs/testlog.json build-san/meson-logs/testlog.json <<'PY'
import json, os, sys
ok = bad = skip = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        if r.get("result") in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r.get("result") == "SKIP":
            skip += 1
        else:
            bad += 1
            print("failed:", path.split("/")[0], r.get("name"), r.get("result"))
for s in os.environ.get("STEPS", "").split():
    name, result = s.split(":")
    if result == "OK":
        ok += 1
    elif result == "SKIP":
        skip += 1
    else:
        bad += 1
        print("failed:", name)
print(f"{ok} passed, {bad} failed, {skip} skipped")
PY
exit $status
