# shellcheck shell=bash
# Debian roots for building and testing vnetdiag's packages: made with debootstrap from Debian's
# mirror, cached under packaging/.roots/ (git-ignored), entered with chroot inside a private mount
# and PID namespace so that nothing mounted for a run (proc, the source tree, an overlay) can
# outlive it or be deleted through it.
#
# Sourced by bash scripts; needs root, debootstrap, unshare, chroot.
#   roots_ensure NAME SUITE [PACKAGE...]  make (once) a minbase root, plus packages
#   roots_path NAME                       its directory
#   roots_chroot NAME [--bind SRC DST]... [--ro-bind SRC DST]... -- CMD...   run inside it
#   roots_fresh NAME TMPDIR [--bind ...]... -- CMD...  run in a throw-away overlay of it: the
#                                         cached root is never changed by the command
# Settings: VNETDIAG_ROOTS (cache directory), VNETDIAG_DEBIAN_MIRROR, VNETDIAG_DEBIAN_SECURITY_MIRROR.

_roots_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VNETDIAG_ROOTS="${VNETDIAG_ROOTS:-$_roots_repo/packaging/.roots}"
VNETDIAG_DEBIAN_MIRROR="${VNETDIAG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VNETDIAG_DEBIAN_SECURITY_MIRROR="${VNETDIAG_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# A root whose package lists are older than this is refreshed before it is used to install more.
VNETDIAG_ROOTS_LISTS_MAX_AGE_MIN="${VNETDIAG_ROOTS_LISTS_MAX_AGE_MIN:-720}"

roots_log() { echo "[roots $(date +%H:%M:%S)] $*" >&2; }

roots_path() { echo "$VNETDIAG_ROOTS/$1"; }

roots_requirements() {
  # Prints what is missing to make and enter roots; empty when everything is there.
  local missing=()
  [ "$(id -u)" -eq 0 ] || missing+=("root")
  local tool
  for tool in debootstrap unshare chroot mount flock; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
    unshare --mount --pid --fork --propagation private true 2>/dev/null || missing+=("mount/PID namespaces (unshare)")
  fi
  echo "${missing[*]}"
}

# _roots_enter ROOT OVERLAY_LOWER [--bind SRC DST | --ro-bind SRC DST]... -- CMD...
# Runs CMD with chroot ROOT in new mount and PID namespaces. With OVERLAY_LOWER non-empty, ROOT
# is a directory that receives an overlay of OVERLAY_LOWER (upper and work dirs beside it).
_roots_enter() {
  local root="$1" lower="$2"
  shift 2
  local binds=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
      --bind | --ro-bind) binds+=("$1" "$2" "$3"); shift 3 ;;
      *) roots_log "unknown option $1"; return 2 ;;
    esac
  done
  [ "${1:-}" = "--" ] && shift
  # The inner script gets: root lower nbinds binds... -- cmd...
  unshare --mount --pid --fork --propagation private /bin/bash -c '
    set -e
    root="$1" lower="$2" n="$3"; shift 3
    if [ -n "$lower" ]; then
      mkdir -p "$root.upper" "$root.work" "$root"
      mount -t overlay overlay -o "lowerdir=$lower,upperdir=$root.upper,workdir=$root.work" "$root"
    fi
    i=0
    while [ "$i" -lt "$n" ]; do
      kind="$1" src="$2" dst="$root$3"; shift 3
      if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; [ -e "$dst" ] || : >"$dst"; fi
      mount --bind "$src" "$dst"
      [ "$kind" = "--ro-bind" ] && mount -o remount,bind,ro "$dst"
      i=$((i + 1))
    done
    shift  # --
    mount -t proc proc "$root/proc"
    mountpoint -q "$root/dev/pts" || { mkdir -p "$root/dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null || true; }
    [ -e "$root/dev/null" ] || mount --rbind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
  ' roots-enter "$root" "$lower" "$((${#binds[@]} / 3))" "${binds[@]}" -- "$@"
}

roots_chroot() {
  local name="$1"; shift
  _roots_enter "$(roots_path "$name")" "" "$@"
}

roots_fresh() {
  local name="$1" tmp="$2"; shift 2
  mkdir -p "$tmp"
  _roots_enter "$tmp/root" "$(roots_path "$name")" "$@"
}

# Removes a directory tree that may hold a root, never crossing into another file system (a
# mount left behind by a killed run would otherwise lead rm into the host's /dev or /proc).
roots_rm() {
  [ -e "$1" ] || return 0
  rm -rf --one-file-system "$1"
}

_roots_apt() {
  # _roots_apt NAME ARGS...: apt-get inside a cached root with the shared .deb cache.
  local name="$1"; shift
  mkdir -p "$VNETDIAG_ROOTS/cache/apt-${name%%-*}"
  roots_chroot "$name" --bind "$VNETDIAG_ROOTS/cache/apt-${name%%-*}" /var/cache/apt/archives -- \
    apt-get -o Dpkg::Use-Pty=0 -o APT::Keep-Downloaded-Packages=true -q "$@"
}

_roots_configure_apt() {
  local dir="$1" suite="$2"
  {
    echo "deb $VNETDIAG_DEBIAN_MIRROR $suite main"
    echo "deb $VNETDIAG_DEBIAN_MIRROR $suite-updates main"
    echo "deb $VNETDIAG_DEBIAN_SECURITY_MIRROR $suite-security main"
  } >"$dir/etc/apt/sources.list"
  # Only what is asked for, no documentation, no services started inside the root.
  cat >"$dir/etc/apt/apt.conf.d/90vnetdiag" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Acquire::Retries "3";
APT
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
}

# roots_ensure NAME SUITE [PACKAGE...]: NAME is made from the suite's pristine minbase root
# (cached as SUITE-minbase) plus PACKAGEs; a second call with the same arguments does nothing.
roots_ensure() {
  local name="$1" suite="$2"; shift 2
  local spec="suite=$suite variant=minbase packages=$*"
  local dir lockfd; dir="$(roots_path "$name")"
  mkdir -p "$VNETDIAG_ROOTS/cache/debootstrap"
  exec {lockfd}>"$VNETDIAG_ROOTS/.lock-$name"
  flock "$lockfd"
  if [ -f "$dir/.vnetdiag-root" ] && [ "$(cat "$dir/.vnetdiag-root")" = "$spec" ]; then
    exec {lockfd}>&-
    return 0
  fi
  local base="$suite-minbase"
  if [ "$name" != "$base" ]; then
    roots_ensure "$base" "$suite" || { exec {lockfd}>&-; return 1; }
  fi
  roots_log "making root $name ($spec)"
  local t0=$SECONDS
  roots_rm "$dir.tmp"
  if [ "$name" = "$base" ]; then
    if ! debootstrap --variant=minbase --cache-dir="$VNETDIAG_ROOTS/cache/debootstrap" \
        "$suite" "$dir.tmp" "$VNETDIAG_DEBIAN_MIRROR" >"$VNETDIAG_ROOTS/$name.debootstrap.log" 2>&1; then
      roots_log "debootstrap $suite failed; last lines of $VNETDIAG_ROOTS/$name.debootstrap.log:"
      tail -n 20 "$VNETDIAG_ROOTS/$name.debootstrap.log" >&2
      exec {lockfd}>&-
      return 1
    fi
    _roots_configure_apt "$dir.tmp" "$suite"
  else
    cp -a --reflink=auto "$(roots_path "$base")" "$dir.tmp"
    rm -f "$dir.tmp/.vnetdiag-root"
  fi
  # Name the directory as the root's final name only once it is complete.
  roots_rm "$dir"
  mv "$dir.tmp" "$dir"
  local ok=1
  if ! _roots_apt "$name" update >"$VNETDIAG_ROOTS/$name.apt.log" 2>&1; then
    ok=0
  elif [ $# -gt 0 ] && ! _roots_apt "$name" install -y "$@" >>"$VNETDIAG_ROOTS/$name.apt.log" 2>&1; then
    ok=0
  fi
  if [ "$ok" = 0 ]; then
    roots_log "apt-get in $name failed; last lines of $VNETDIAG_ROOTS/$name.apt.log:"
    tail -n 20 "$VNETDIAG_ROOTS/$name.apt.log" >&2
    roots_rm "$dir"
    exec {lockfd}>&-
    return 1
  fi
  # The .debs stay in the shared cache (bind-mounted); nothing is left inside the root.
  echo "$spec" >"$dir/.vnetdiag-root"
  roots_log "root $name ready in $((SECONDS - t0)) s"
  exec {lockfd}>&-
}

# roots_refresh_lists NAME: apt-get update inside a cached root when its lists are old (so a later
# install in a fresh overlay of it does not ask for superseded versions).
roots_refresh_lists() {
  local name="$1" dir lockfd; dir="$(roots_path "$1")"
  exec {lockfd}>"$VNETDIAG_ROOTS/.lock-$name"
  flock "$lockfd"
  if [ -z "$(find "$dir/var/lib/apt/lists" -maxdepth 1 -name '*Packages*' -mmin -"$VNETDIAG_ROOTS_LISTS_MAX_AGE_MIN" 2>/dev/null | head -n 1)" ]; then
    roots_log "refreshing package lists of $name"
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    _roots_apt "$name" update >/dev/null
  fi
  exec {lockfd}>&-
}
