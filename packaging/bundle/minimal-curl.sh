#!/bin/bash
# Builds the static libcurl of the self-contained bundle from Debian's own curl source package
# (so Debian's security patches are in), with only what vnetdiag uses: HTTP and HTTPS over the
# system's OpenSSL, gzip/deflate through zlib (the ARM client sends Accept-Encoding), proxies
# (the ARM client honours HTTPS_PROXY), the threaded getaddrinfo resolver. No other protocol,
# no HTTP/2, IDN, PSL, brotli, zstd, SSH, RTMP, GSS-API, LDAP, cookies, DoH or CA directory:
# none of their libraries is loaded, mapped or shipped.
#
# Runs inside the bullseye build root (packaging/bundle/build-bundle.sh) or on a Debian host for
# a test build. Needs dpkg-dev, autoconf, automake, libtool, libssl-dev and zlib1g-dev; fetches the source only when the
# installed libcurl4-openssl-dev's source version (or this script) changed since the last build.
# Usage: minimal-curl.sh PREFIX [WORK_DIR]
#   PREFIX    gets include/, lib/libcurl.a, share/licenses/curl/ and VERSION (the build key)
#   WORK_DIR  source download and build directory (default PREFIX.work); kept between runs
# Settings: VNETDIAG_DEBIAN_MIRROR, VNETDIAG_DEBIAN_SECURITY_MIRROR, VNETDIAG_JOBS.
set -euo pipefail
prefix="$1"
work="${2:-$prefix.work}"
log() { echo "minimal-curl: $*" >&2; }

# What was built is named by the Debian source version and this script's own content.
version="$(dpkg-query -W -f='${source:Version}' libcurl4-openssl-dev 2>/dev/null || true)"
if [ -z "$version" ]; then
  log "libcurl4-openssl-dev is not installed: it names the curl source version to build"
  exit 1
fi
script_sum="$(cksum <"$0" | cut -d' ' -f1)"
key="curl $version, script $script_sum"
if [ -f "$prefix/VERSION" ] && [ "$(cat "$prefix/VERSION")" = "$key" ] && [ -f "$prefix/lib/libcurl.a" ]; then
  log "up to date ($key)"
  exit 0
fi
for tool in dpkg-source apt-get make cc autoreconf libtoolize; do
  command -v "$tool" >/dev/null || { log "needs $tool (dpkg-dev, apt, make, gcc, autoconf, automake, libtool)"; exit 1; }
done
t0=$SECONDS

# A private apt configuration with deb-src lines: the system's own sources and lists stay as they are.
# shellcheck disable=SC1091
suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
[ -n "$suite" ] || { log "no VERSION_CODENAME in /etc/os-release"; exit 1; }
mirror="${VNETDIAG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${VNETDIAG_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
apt_dir="$work/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/src"
{
  echo "deb-src $mirror $suite main"
  echo "deb-src $mirror $suite-updates main"
  echo "deb-src $security $suite-security main"
} >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/none"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
          -o Acquire::Languages=none -o Acquire::Retries=3 -q)
# fetch_from_index VERSION DIR: every file of curl VERSION's source package but the .dsc, from
# the pool the (apt-verified) Sources index names or else the main archive's, each checked
# against the index's SHA256.
fetch_from_index() {
  local stanza dir file sum size url got
  stanza="$(apt-cache "${apt_opts[@]}" showsrc curl | awk -v v="$1" '
    /^Package:/ { keep = 0 } /^Version:/ { keep = ($2 == v) } keep' )"
  dir="$(sed -n 's/^Directory: //p' <<<"$stanza" | head -n 1)"
  [ -n "$dir" ] || { log "no curl $1 in the Sources index"; return 1; }
  sed -n '/^Checksums-Sha256:/,/^[^ ]/p' <<<"$stanza" | grep '^ ' | while read -r sum size file; do
    case "$file" in *.dsc) continue ;; esac
    got=""
    for url in "$([ "${dir#pool/updates/}" != "$dir" ] && echo "$security" || echo "$mirror")/$dir/$file" \
               "$mirror/${dir/pool\/updates\//pool/}/$file"; do
      if /usr/lib/apt/apt-helper -o Acquire::Retries=3 download-file "$url" "$2/$file" "SHA256:$sum" \
          >>"$work/apt.log" 2>&1; then
        got=1
        break
      fi
    done
    [ -n "$got" ] || { log "cannot fetch $file ($size bytes, SHA256 $sum)"; exit 1; }
  done
}

# unpack_quilt DIR DEST: a "3.0 (quilt)" source from its tarballs in DIR, with debian/patches applied.
unpack_quilt() {
  local orig deb patch opts pops
  orig="$(ls "$1"/curl_*.orig.tar.* | head -n 1)" deb="$(ls "$1"/curl_*.debian.tar.* | head -n 1)"
  [ -f "$orig" ] && [ -f "$deb" ] || { log "no orig or debian tarball in $1"; return 1; }
  rm -rf "$2" && mkdir -p "$2"
  tar -xf "$orig" -C "$2" --strip-components=1 && tar -xf "$deb" -C "$2" || return 1
  [ -f "$2/debian/patches/series" ] || return 0
  pops="$(flavour_patches "$2")" || return 1
  while read -r patch opts; do
    patch -d "$2" -s -f ${opts:--p1} <"$2/debian/patches/$patch" >>"$work/apt.log" 2>&1 ||
      { log "patch $patch does not apply"; return 1; }
  done < <(series "$2" | head -n "-$(grep -c . <<<"$pops")")
}

# series DIR: the patch series (name and options), without comments.
series() { grep -Ev '^[[:space:]]*(#|$)' "$1/debian/patches/series"; }

# flavour_patches DIR: the last patches of the series, as many as debian/rules pops ('quilt pop')
# for the OpenSSL flavour: they make the GnuTLS (and NSS) ones. Fails when they are not those.
flavour_patches() {
  local n last
  n="$(grep -c 'quilt pop' "$1/debian/rules" || true)"
  [ "$n" -gt 0 ] || return 0
  last="$(series "$1" | tail -n "$n" | awk '{print $1}')"
  if grep -Evq 'gnutls|nss' <<<"$last"; then
    log "debian/rules pops $n patches, but not only GnuTLS/NSS ones: $last"
    return 1
  fi
  echo "$last"
}

src_dir="$work/src/$version-$script_sum"
if [ ! -f "$src_dir/.complete" ]; then
  find "$work/src" -mindepth 1 -maxdepth 1 -exec rm -rf {} +  # older versions
  log "fetching Debian's curl source $version"
  apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
  rm -rf "$work/src/download" "$src_dir"
  mkdir -p "$work/src/download"
  if (cd "$work/src/download" && apt-get "${apt_opts[@]}" source --download-only "curl=$version") >>"$work/apt.log" 2>&1; then
    dpkg-source -x "$work/src/download"/curl_*.dsc "$src_dir" >>"$work/apt.log" 2>&1 ||
      { tail -n 20 "$work/apt.log" >&2; exit 1; }
    # dpkg-source applied the whole series: undo the GnuTLS and NSS flavours' patches, last first.
    pops="$(flavour_patches "$src_dir")" || exit 1
    for patch in $(tac <<<"$pops"); do
      patch -d "$src_dir" -s -f -R -p1 <"$src_dir/debian/patches/$patch" >>"$work/apt.log" 2>&1 ||
        { log "cannot undo $patch"; exit 1; }
    done
  else
    # A partial mirror may lack the .dsc (or keep the upstream tarball only in the main pool):
    # fetch the tarballs named in the signed Sources index, check them, apply the patch series.
    log "apt-get source failed (see $work/apt.log); fetching the files named in the Sources index"
    fetch_from_index "$version" "$work/src/download" && unpack_quilt "$work/src/download" "$src_dir" ||
      { tail -n 20 "$work/apt.log" >&2; log "cannot get curl $version from Debian's mirror"; exit 1; }
  fi
  rm -rf "$work/src/download" "$work/src"/curl_*  # (dpkg-source -x leaves the tarball beside the tree)
  # As debian/rules does (buildconf): patches change configure.ac and lib/Makefile.inc.
  (cd "$src_dir" && autoreconf -fi) >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
  touch "$src_dir/.complete"
fi

# Everything not listed is off; each --without names a library Debian's libcurl would load.
features=(--enable-http --enable-proxy --with-ssl --with-zlib --enable-threaded-resolver
          --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict
          --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher
          --disable-mqtt --disable-smb --disable-ares --disable-cookies --disable-doh --disable-alt-svc
          --disable-manual --disable-ntlm-wb --disable-unix-sockets --disable-mime --disable-netrc
          --without-libidn2 --without-libpsl --without-brotli --without-zstd --without-nghttp2
          --without-librtmp --without-libssh2 --without-libssh --without-gssapi --without-libgsasl
          --without-ca-path --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt)
build="$work/build"
rm -rf "$build" "$prefix"
mkdir -p "$build"
log "building a static libcurl from curl $version"
(
  cd "$build"
  # Debian's own hardening flags, as its libcurl is built.
  export CFLAGS="-O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC" CPPFLAGS="" LDFLAGS="-Wl,-z,relro"
  "$src_dir/configure" --prefix="$prefix" --disable-shared --enable-static --disable-dependency-tracking \
    "${features[@]}" >"$work/configure.log" 2>&1 || { tail -n 40 "$work/configure.log" >&2; exit 1; }
  make -C lib -j "${VNETDIAG_JOBS:-2}" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
  make -C lib install >>"$work/build.log" 2>&1 && make -C include install >>"$work/build.log" 2>&1 &&
    install -D -m 644 libcurl.pc "$prefix/lib/pkgconfig/libcurl.pc"
) || exit 1
install -D -m 644 "$src_dir/COPYING" "$prefix/share/licenses/curl/COPYING"
install -D -m 644 "$src_dir/debian/copyright" "$prefix/share/licenses/curl/copyright"
grep -E '^  (Protocols|Features|SSL|ca cert bundle|ca cert path|zlib)' "$work/configure.log" | sed 's/ *(warning: .*//' >"$prefix/FEATURES" || true
echo "$key" >"$prefix/VERSION"
rm -rf "$build"  # the objects: the next build is of another version or script
log "libcurl.a of curl $version in $prefix ($((SECONDS - t0)) s)"
