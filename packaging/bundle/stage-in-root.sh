#!/bin/bash
# Runs inside the bullseye build root (packaging/bundle/build-bundle.sh): puts the built binary
# and every shared library it needs that is not part of glibc into /stage, with the package name
# and licence of each, and checks that nothing needs a glibc newer than the floor. What was
# linked statically (libcurl from STATIC_DEPS, made by minimal-curl.sh; libcares.a; OpenSSL's
# archives) is named, with its licence, too.
# Usage: stage-in-root.sh BINARY STAGE DEBUG_DIR GLIBC_FLOOR [STATIC_DEPS]
set -euo pipefail
binary="$1" stage="$2" debug_dir="$3" floor="$4" static_deps="${5:-}"

mkdir -p "$stage/bin" "$stage/lib" "$stage/licenses" "$debug_dir"
# Read before stripping: which libraries' code is inside the binary itself.
defined="$(nm --defined-only "$binary" 2>/dev/null | awk '{print $3}')"
has() { grep -qx "$1" <<<"$defined"; }
: >"$stage/.static"
if has curl_easy_init; then
  if [ -z "$static_deps" ] || [ ! -f "$static_deps/VERSION" ]; then
    echo "stage: libcurl is linked statically but no STATIC_DEPS prefix names its origin" >&2
    exit 1
  fi
  echo "libcurl: $(cat "$static_deps/VERSION") (Debian's source, built by minimal-curl.sh)" >>"$stage/.static"
  sed 's/^ */    /' "$static_deps/FEATURES" >>"$stage/.static"
  cp "$static_deps/share/licenses/curl/COPYING" "$stage/licenses/curl.COPYING"
  cp "$static_deps/share/licenses/curl/copyright" "$stage/licenses/curl.copyright"
fi
# A symbol each archive defines, and the package that ships the archive.
for sym_pkg in ares_init:libc-ares-dev SSL_new:libssl-dev \
               _ZNSt8ios_base4InitC1Ev:"$(dpkg -S /usr/lib/gcc/x86_64-linux-gnu/*/libstdc++.a | head -n 1 | cut -d: -f1)" \
               _ZN5boost15program_options13variables_mapC1EPKNS0_22abstract_variables_mapE:libboost-program-options1.74-dev; do
  if has "${sym_pkg%%:*}"; then
    pkg="${sym_pkg#*:}"
    dpkg-query -W -f='${Package} ${Version} (static archive)\n' "$pkg" >>"$stage/.static"
    cp "/usr/share/doc/$pkg/copyright" "$stage/licenses/$pkg.copyright"
  fi
done
# The debug information goes beside the bundle (dist/), not into it: 50 MB against 3.
objcopy --only-keep-debug "$binary" "$debug_dir/vnetdiag.debug"
objcopy --strip-debug --strip-unneeded --add-gnu-debuglink="$debug_dir/vnetdiag.debug" "$binary" "$stage/bin/vnetdiag"
chmod 755 "$stage/bin/vnetdiag"

# glibc itself stays the image's: its loader, libc, libm, libpthread, libdl, librt, libresolv
# and the NSS modules must match each other, and getaddrinfo must see what the app sees.
is_glibc() {
  case "$1" in
    ld-linux*.so* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
    libresolv.so.* | libutil.so.* | libnsl.so.* | libanl.so.* | libnss_*.so.* | libBrokenLocale.so.* | \
    linux-vdso.so.* | libmvec.so.* | libthread_db.so.*) return 0 ;;
  esac
  return 1
}

# The package that owns a library: dpkg knows each file under one spelling only, and with merged
# /usr the one ldd prints (/lib/...) may not be it.
package_of() {
  local real candidate
  real="$(readlink -f "$1")"
  for candidate in "$1" "$real" "$(dirname "$1")/$(basename "$real")" "/usr$1" "/usr$(dirname "$1")/$(basename "$real")" \
                   "${real#/usr}"; do
    if dpkg -S "$candidate" >/dev/null 2>&1; then
      dpkg -S "$candidate" | head -n 1 | cut -d: -f1
      return 0
    fi
  done
  echo "stage: no package owns $1" >&2
  return 1
}

: >"$stage/.packages"
ldd "$binary" | while read -r name arrow path _; do
  [ "$arrow" = "=>" ] || continue
  is_glibc "$name" && continue
  if [ ! -f "$path" ]; then
    echo "stage: $name not found (ldd says '$path')" >&2
    exit 1
  fi
  cp -L "$path" "$stage/lib/$name"
  chmod 644 "$stage/lib/$name"
  pkg="$(package_of "$path")"
  echo "$pkg" >>"$stage/.packages"
  [ -f "/usr/share/doc/$pkg/copyright" ] && cp "/usr/share/doc/$pkg/copyright" "$stage/licenses/$pkg.copyright"
done

# Every symbol version of glibc the binary and its libraries ask for must exist in the floor.
newest="$(for f in "$stage/bin/vnetdiag" "$stage/lib/"*; do objdump -T "$f"; done |
          grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
if [ "$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -n 1)" != "$floor" ]; then
  echo "stage: the bundle needs GLIBC_$newest, newer than the floor $floor" >&2
  exit 1
fi
echo "$newest" >"$stage/.glibc"
# Package versions, for BUILDINFO.
sort -u "$stage/.packages" | xargs dpkg-query -W -f='${Package} ${Version}\n' >"$stage/.package-versions"
rm "$stage/.packages"
