# Constants and small helpers shared by the lab scripts. Sourced; expects LAB_DIR.
# shellcheck shell=bash

RUN_DIR="$LAB_DIR/run"
NS_APP=vdlab-app
NS_VNET=vdlab-vnet
NS_INET=vdlab-inet
NAMESPACES=("$NS_APP" "$NS_VNET" "$NS_INET")

APP_ADDRESS=10.0.0.4
VNET_GATEWAY=10.0.0.1
APP_PUBLIC_ADDRESS=192.0.2.4   # the app's own address on the platform's default (public) path
PUBLIC_GATEWAY=192.0.2.1
# IPv6 (private endpoints with an IPv6 address, preview): the app's link into the VNet and its
# public path are dual stack. Unique-local addresses are dropped on the internet like 10/8.
APP_ADDRESS6=fd00::4
VNET_GATEWAY6=fd00::1
APP_PUBLIC_ADDRESS6=2001:db8:2::4
PUBLIC_GATEWAY6=2001:db8:2::1
ULA_RANGE=fc00::/7
DNS_ADDRESS=10.0.2.53          # Azure DNS
CUSTOM_DNS_ADDRESS=10.0.2.54   # the VNet's custom DNS server (when the world has one)
OUTBOUND_ADDRESS=198.51.100.7
INTERNET_GATEWAY=198.51.100.1
PUBLIC_FRONTS=(203.0.113.10 203.0.113.11)
# Not routed on the internet: dropped silently there, so private addresses sent down the
# public path time out as in Azure.
NON_PUBLIC_RANGES=(10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10)

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() { echo "lab: $*" >&2; exit 1; }
say() { echo "lab: $*" >&2; }

# Milliseconds since the epoch, without spawning a process.
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }

# wait_for TIMEOUT_MS CMD... : run CMD until it succeeds; fail after TIMEOUT_MS.
wait_for() {
  local deadline=$(($(now_ms) + $1)); shift
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.01
  done
}

ns_exists() { [ -e "/run/netns/$1" ]; }
lab_is_up() { ns_exists "$NS_APP" && ns_exists "$NS_VNET" && ns_exists "$NS_INET"; }
require_up() { lab_is_up || die "not up (run '$LAB_DIR/lab up' first)"; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
}

require_tools() {
  local t missing=()
  for t in ip iptables-restore ip6tables-restore unbound nginx dig curl openssl flock setsid timeout "$PY"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (run packaging/setup-debian.sh)"
}

# One lab command at a time. Daemons must not inherit fd 9 (see spawn_in).
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>>"$RUN_DIR/.lock"
  flock -w 60 9 || die "another lab command holds $RUN_DIR/.lock"
}

# spawn_in NS LOG CMD... : start a daemon inside NS, detached from our stdio and lock.
spawn_in() {
  local ns=$1 log=$2; shift 2
  timeout 10 ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 9>&-
}

# pid_of PIDFILE COMM : print the pid if that process is alive, named COMM, and started by this
# lab (its command line names the run directory). No namespace check: a daemon must still be
# found when its namespace was deleted under it.
pid_of() {
  local pid
  [ -s "$1" ] && read -r pid <"$1" 2>/dev/null || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"$RUN_DIR/"* ]] || return 1
  echo "$pid"
}

# pids_gone PID... : true when none is alive (a zombie counts as gone: its parent may not be ours).
pids_gone() {
  local p stat
  for p in "$@"; do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    [ "${stat:0:1}" = Z ] || return 1
  done
}

pids_vanished() { local p; for p in "$@"; do [ ! -d "/proc/$p" ] || return 1; done; }

# stop_pids PID... : SIGTERM, wait up to 3 s, then SIGKILL. Remembers them in STOPPED_PIDS.
STOPPED_PIDS=()
stop_pids() {
  [ $# -gt 0 ] || return 0
  STOPPED_PIDS+=("$@")
  kill -TERM "$@" 2>/dev/null || true
  wait_for 3000 pids_gone "$@" && return 0
  kill -KILL "$@" 2>/dev/null || true
  wait_for 2000 pids_gone "$@" || die "processes $* survive SIGKILL"
}

# The lines `lab up` prints: everything a test needs to reach the lab.
print_env() {
  cat <<EOF
APP_EXEC=ip netns exec $NS_APP
DNS_SERVER=$DNS_ADDRESS
CA_BUNDLE=$RUN_DIR/pki/ca.pem
KEYVAULT=vdlabkv.vault.azure.net
COGNITIVE=vdlabcs.cognitiveservices.azure.com
KEYVAULT_PE=10.0.1.4
COGNITIVE_PE=10.0.1.5
APP_ADDRESS=$APP_ADDRESS
APP_PUBLIC_ADDRESS=$APP_PUBLIC_ADDRESS
CUSTOM_DNS_SERVER=$CUSTOM_DNS_ADDRESS
APP_ADDRESS6=$APP_ADDRESS6
EOF
}
