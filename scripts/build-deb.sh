#!/bin/sh
# build-deb.sh - build the Debian packages from a copy of this tree (so
# that nothing lands beside it) and check them with lintian:
#   scripts/build-deb.sh OUTDIR [ARCH]
# ARCH other than this machine's is a cross build (-a ARCH, profiles cross
# and nocheck; scripts/arm64-test.sh runs the arm64 unit tests). The .deb
# files and the .changes end up in OUTDIR.
set -eu
cd "$(dirname "$0")/.."
out=$1
arch=${2:-$(dpkg-architecture -qDEB_BUILD_ARCH)}
fail() {
	echo "build-deb: FAIL: $*" >&2
	exit 1
}

mkdir -p "$out/smartlock"
chmod 0755 "$out"
git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C "$out/smartlock"
if [ "$arch" = "$(dpkg-architecture -qDEB_BUILD_ARCH)" ]; then
	set -- -b -us -uc
else
	set -- -b -us -uc -a "$arch" -Pcross,nocheck
fi
(cd "$out/smartlock" && dpkg-buildpackage "$@" >"$out/build-$arch.log" 2>&1) ||
	fail "dpkg-buildpackage $*: $(tail -n 30 "$out/build-$arch.log")"
rm -rf "$out/smartlock"
changes=$out/smartlock_$(dpkg-parsechangelog -l debian/changelog -SVersion)_$arch.changes
[ -f "$changes" ] || fail "no $changes"
# lintian refuses to run as root; errors and warnings fail, and every
# override is in debian/*.lintian-overrides with its reason
runuser -u nobody -- lintian --fail-on error,warning "$changes" || fail "lintian $changes"
echo "build-deb: $(cd "$out" && ls ./*_"$arch".deb | tr '\n' ' ')"
