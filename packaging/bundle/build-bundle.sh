#!/bin/bash
# Builds the self-contained bundle dist/vnetdiag-<version>-linux-x86_64.tar.gz: vnetdiag built in
# a Debian bullseye root (glibc 2.31, the oldest App Service image family targeted) plus every
# library it needs that is not glibc, found through an $ORIGIN run path, and the launcher
# vnetdiag.sh. The root is cached in packaging/.roots/ and the build there is incremental.
# libcurl (a minimal one built from Debian's source by minimal-curl.sh, cached in
# packaging/.roots/static-deps/ until Debian's curl version changes), c-ares, OpenSSL, libstdc++
# and Boost.Program_options are linked statically: fewer libraries mapped, less memory
# (tests/bench/memory_bench.py). VNETDIAG_BUNDLE_STATIC=0 ships them all as Debian's shared
# libraries instead, as before (to compare).
# Usage: packaging/bundle/build-bundle.sh [OUT_DIR]   (default dist/; needs root and debootstrap)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/dist}"
source "$repo/packaging/lib/roots.sh"

GLIBC_FLOOR=2.31
BUILD_ROOT=bullseye-build
# dpkg-dev, autoconf, automake, libtool: minimal-curl.sh (libcurl4-openssl-dev names the curl
# version it builds).
BUILD_PACKAGES=(g++ make cmake pkg-config libc-ares-dev libcurl4-openssl-dev libssl-dev nlohmann-json3-dev zlib1g-dev
                libboost-program-options-dev libboost-dev dpkg-dev autoconf automake libtool)
STATIC="${VNETDIAG_BUNDLE_STATIC:-1}"

lacking="$(roots_requirements)"
if [ -n "$lacking" ]; then
  echo "build-bundle: cannot build the bundle here, missing: $lacking" >&2
  exit 77
fi

version="$(sed -n 's/^project(vnetdiag VERSION \([0-9][0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
epoch="$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)"
name="vnetdiag-$version-linux-x86_64"

t0=$SECONDS
roots_ensure "$BUILD_ROOT" bullseye "${BUILD_PACKAGES[@]}"

work="$VNETDIAG_ROOTS/bundle"
# One bundle build at a time (build-all.sh by hand and the packaging tests share the work dir).
exec {bundle_lock}>"$VNETDIAG_ROOTS/.lock-bundle"
flock "$bundle_lock"
# One incremental build tree per source checkout (make goes by timestamps: objects of another
# checkout that is mounted at the same /src would look up to date).
build_dir="$work/build-$(printf '%s' "$repo" | cksum | cut -d' ' -f1)"
mkdir -p "$build_dir"
roots_rm "$work/stage"
roots_rm "$work/debug"
mkdir -p "$work/stage" "$work/debug" "$VNETDIAG_ROOTS/static-deps/$BUILD_ROOT"
echo "build-bundle: building vnetdiag $version ($commit) in $BUILD_ROOT (static deps: $STATIC)" >&2
# RPATH, not RUNPATH (--disable-new-dtags): it also applies to the libraries' own dependencies
# (libcurl's libnghttp2, ...) and wins over an LD_LIBRARY_PATH that an image may set.
roots_chroot "$BUILD_ROOT" --ro-bind "$repo" /src --bind "$build_dir" /build \
    --bind "$work/stage" /stage --bind "$work/debug" /debug --bind "$VNETDIAG_ROOTS/static-deps/$BUILD_ROOT" /deps -- \
  /usr/bin/env VNETDIAG_JOBS="${VNETDIAG_JOBS:-2}" VNETDIAG_DEBIAN_MIRROR="$VNETDIAG_DEBIAN_MIRROR" \
    VNETDIAG_DEBIAN_SECURITY_MIRROR="$VNETDIAG_DEBIAN_SECURITY_MIRROR" nice -n 10 /bin/sh -c '
    set -e
    deps=""
    if [ "$4" = 1 ]; then
      /bin/bash /src/packaging/bundle/minimal-curl.sh /deps/curl /deps/curl.work
      deps=/deps/curl
    fi
    cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DVNETDIAG_STATIC_DEPS="$deps" \
      -DVNETDIAG_STATIC_OPENSSL=ON -DVNETDIAG_STATIC_CXX=ON \
      -DVNETDIAG_COMMIT="$1" -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON \
      -DCMAKE_INSTALL_RPATH="\$ORIGIN/../lib" -DCMAKE_EXE_LINKER_FLAGS="-Wl,--disable-new-dtags" \
      >/build/configure.log 2>&1 || { tail -n 40 /build/configure.log; exit 1; }
    cmake --build /build --target vnetdiag -j "${2:-2}" >/build/build.log 2>&1 || { tail -n 40 /build/build.log; exit 1; }
    /bin/bash /src/packaging/bundle/stage-in-root.sh /build/agent/vnetdiag /stage /debug "$3" $deps
  ' build "$commit" "${VNETDIAG_JOBS:-2}" "$GLIBC_FLOOR" "$STATIC"

stage="$work/stage"
install -m 755 "$here/vnetdiag.sh" "$stage/vnetdiag.sh"
install -m 644 "$here/README.txt" "$stage/README.txt"
install -m 755 "$repo/packaging/appservice/startup.sh" "$stage/startup.sh"
install -m 644 "$repo/packaging/completion/vnetdiag.bash" "$stage/completion.bash"
{
  echo "vnetdiag $version (commit $commit)"
  echo "built on Debian bullseye, needs glibc >= $GLIBC_FLOOR (newest symbol version used: $(cat "$stage/.glibc"))"
  echo "libraries in lib/, from these Debian packages (licences in licenses/):"
  sed 's/^/  /' "$stage/.package-versions"
  if [ -s "$stage/.static" ]; then
    echo "linked into bin/vnetdiag (licences in licenses/):"
    sed 's/^/  /' "$stage/.static"
  fi
} >"$stage/BUILDINFO"
rm -f "$stage/.glibc" "$stage/.package-versions" "$stage/.static"

mkdir -p "$out"
rm -f "$out/$name.tar.gz"
# The top directory is 'vnetdiag': unpacked in /home/site/tools it is /home/site/tools/vnetdiag,
# and a newer bundle unpacks over an older one.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --transform "s,^stage,vnetdiag," -C "$work" -cf - stage | gzip -9n >"$out/$name.tar.gz.tmp"
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
cp "$work/debug/vnetdiag.debug" "$out/$name.debug"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "build-bundle: $out/$name.tar.gz ($(du -k "$out/$name.tar.gz" | cut -f1) KiB) in $((SECONDS - t0)) s" >&2
