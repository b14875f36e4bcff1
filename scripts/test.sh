#!/bin/sh
# test.sh - the README's second command: install what is missing, build
# twice (gcc; clang with AddressSanitizer + UndefinedBehaviorSanitizer and
# the libFuzzer targets) and run every test in both builds: unit,
# integration against a real Mosquitto, and the bounded fuzz runs.
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

python3 - build/meson-logs/testlog.json build-san/meson-logs/testlog.json <<'PY'
import json, sys
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
print(f"{ok} passed, {bad} failed, {skip} skipped")
PY
exit $status
