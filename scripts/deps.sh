#!/bin/sh
# deps.sh - install the Debian 12 packages smartlock needs, if missing.
# Usage: scripts/deps.sh [build|test]   (test adds what the test suite uses,
# the Debian packaging tools and the arm64 cross build: Debian multiarch
# with dpkg's arm64 architecture, the cross compiler, the :arm64 libraries
# and qemu-user-static for the unit tests)
set -eu

build_pkgs="gcc pkg-config meson ninja-build libmosquitto-dev mosquitto-dev
mosquitto libcjson-dev libncurses-dev libnotify-dev libgpiod-dev
libssl-dev openssl tmux python3"
test_pkgs="clang libclang-rt-14-dev libcmocka-dev valgrind python3-dbusmock
dbus dbus-x11 libnotify-bin gpiod faketime
debhelper dpkg-dev fakeroot lintian adduser systemd man-db iproute2
crossbuild-essential-arm64 qemu-user-static libmosquitto-dev:arm64
libcjson-dev:arm64 libncurses-dev:arm64 libnotify-dev:arm64
libgpiod-dev:arm64 libssl-dev:arm64 libcmocka-dev:arm64"

want=$build_pkgs
[ "${1:-build}" = test ] && want="$build_pkgs $test_pkgs"

missing=""
arm64=no
for p in $want; do
	case $p in *:arm64) arm64=yes ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "smartlock: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "smartlock: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ $arm64 = yes ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$sudo dpkg --add-architecture arm64
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
