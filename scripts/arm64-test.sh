#!/bin/sh
# arm64-test.sh - the Raspberry Pi build: cross-compile for arm64 with
# Debian multiarch and cross/aarch64-linux-gnu.ini, run the unit tests
# under qemu-user (the cross file's exe_wrapper), then cross-build the
# arm64 packages, check them with lintian and start each packaged program
# (--version) under qemu. The integration tests are not run: they load the
# arm64 plugin into this machine's Mosquitto, which cannot be done.
#   scripts/arm64-test.sh [builddir]     (default build-arm64)
# Anything missing (the arm64 architecture, the cross compiler, qemu, an
# arm64 library) is a failure with its reason, never a silent pass.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build-arm64}
fail() {
	echo "arm64-test: FAIL: $*" >&2
	exit 1
}

dpkg --print-foreign-architectures | grep -qx arm64 ||
	fail "dpkg has no arm64 architecture: run scripts/deps.sh test"
for t in aarch64-linux-gnu-gcc aarch64-linux-gnu-pkg-config qemu-aarch64-static; do
	command -v "$t" >/dev/null || fail "$t is missing: run scripts/deps.sh test"
done

echo "== arm64: cross build ($dir)"
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" >/dev/null || fail "meson setup $dir"
else
	meson setup "$dir" --cross-file cross/aarch64-linux-gnu.ini -Dtests=enabled \
		-Dfuzz=disabled -Dgpio=enabled || fail "meson setup $dir"
fi
meson compile -C "$dir" >/dev/null || fail "meson compile -C $dir"

# the ELF machine of a built program: 183 (0xb7) is EM_AARCH64
machine=$(od -An -tu2 -j18 -N2 "$dir/src/broker-agent/agent/smartlock-agent" | tr -d ' ')
[ "$machine" = 183 ] || fail "$dir builds ELF machine $machine, not aarch64 (183)"

echo "== arm64: unit tests under qemu-aarch64-static"
meson test -C "$dir" --num-processes "$(nproc 2>/dev/null || echo 2)" --print-errorlogs \
	--no-suite integration --no-suite bench || fail "unit tests under qemu"
ran=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += r.get("result") == "OK"
print(n)' "$dir/meson-logs/testlog.json")
[ "$ran" -gt 0 ] || fail "no unit test passed under qemu"
echo "arm64: $ran unit tests passed under qemu"

echo "== arm64: packages (dpkg-buildpackage -a arm64) and lintian"
out=$(mktemp -d /tmp/smartlock-arm64.XXXXXX)
trap 'rm -rf "$out"' EXIT
scripts/build-deb.sh "$out" arm64
for deb in "$out"/smartlock_*_arm64.deb "$out"/smartlock-tui_*_arm64.deb; do
	dpkg-deb -x "$deb" "$out/root"
done
for p in usr/sbin/smartlock-agent usr/sbin/smartlock-lockd usr/bin/smartlockctl \
		usr/bin/smartlock-tui; do
	v=$(qemu-aarch64-static "$out/root/$p" --version) || fail "$p --version under qemu"
	echo "   $p: $v"
done
[ -f "$out/root/usr/lib/aarch64-linux-gnu/mosquitto/smartlock_auth.so" ] ||
	fail "the arm64 plugin is not in /usr/lib/aarch64-linux-gnu/mosquitto"
