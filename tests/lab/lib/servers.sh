# The lab's servers: unbound (Azure DNS stand-in, or BIND 9 / dnsmasq as the world says; a second
# unbound as the VNet's custom DNS server)
# and nginx (private endpoints) in the VNet namespace, nginx (public fronts) in the internet
# namespace, delayq for added latency.
# Start, reload, stop, and readiness checks. Sourced by `lab`.
# shellcheck shell=bash

WORLD_DIR=$RUN_DIR/world
DNS_DIR=$RUN_DIR/dns
DELAYQ_BIN=$RUN_DIR/delayq
DELAYQ_PID=$RUN_DIR/delayq.pid
DELAYQ_STATE=$RUN_DIR/delayq.delay-ms

# ---- unbound -------------------------------------------------------------------------------
# Two instances, each with its own configuration, directory and pid file: "azure" (Azure DNS,
# 10.0.2.53, run/dns) and "custom" (the VNet's custom DNS server, 10.0.2.54, run/dns-custom).
# INSTANCE defaults to azure.

unbound_dir() { if [ "${1:-azure}" = custom ]; then echo "$RUN_DIR/dns-custom"; else echo "$DNS_DIR"; fi; }
unbound_address() { if [ "${1:-azure}" = custom ]; then echo "$CUSTOM_DNS_ADDRESS"; else echo "$DNS_ADDRESS"; fi; }
unbound_conf() { if [ "${1:-azure}" = custom ]; then echo "$WORLD_DIR/unbound-custom.conf"; else echo "$WORLD_DIR/unbound.conf"; fi; }
unbound_pid() { pid_of "$(unbound_dir "${1:-azure}")/unbound.pid" unbound; }

# The serial of "." is the world generation: it tells which data unbound serves. Asked from
# inside the VNet namespace (over lo), so port 53 drop rules for the app do not apply.
# dnsmasq has no "." SOA: it serves the generation as TXT lab-generation.vdlab.
dns_serial() { # [INSTANCE]
  if [ "${1:-azure}" = azure ] && [ "${WORLD_DNS_SOFTWARE:-unbound}" = dnsmasq ]; then
    ip netns exec "$NS_VNET" dig +short +time=1 +tries=1 @"$DNS_ADDRESS" lab-generation.vdlab TXT \
      2>/dev/null | tr -d '"'
    return
  fi
  ip netns exec "$NS_VNET" dig +short +time=1 +tries=1 @"$(unbound_address "${1:-azure}")" . SOA 2>/dev/null |
    awk '{ print $3 }'
}
dns_serves() { [ "$(dns_serial "${2:-azure}")" = "$1" ]; } # GENERATION [INSTANCE]

# unbound_push [INSTANCE] : start unbound, or have it reload its configuration and zones (SIGHUP).
unbound_push() {
  local pid inst=${1:-azure} dir
  dir=$(unbound_dir "$inst")
  mkdir -p "$dir"
  if pid=$(unbound_pid "$inst"); then
    kill -HUP "$pid"
  else
    rm -f "$dir/unbound.pid"
    spawn_in "$NS_VNET" "$dir/unbound.log" unbound -c "$(unbound_conf "$inst")" ||
      die "unbound ($inst) did not start; see $dir/unbound.log: $(tail -n 1 "$dir/unbound.log")"
  fi
}

unbound_stop() { # [INSTANCE]
  local pid inst=${1:-azure}
  if pid=$(unbound_pid "$inst"); then stop_pids "$pid"; fi
  rm -f "$(unbound_dir "$inst")/unbound.pid"
}

# ---- Azure DNS: unbound, BIND 9 or dnsmasq (the world's dns.software) -----------------------
# All three use run/dns and 10.0.2.53; only one runs. named reloads zones on SIGHUP; dnsmasq reads
# its configuration only at start, so every apply restarts it.

named_pid() { pid_of "$DNS_DIR/named.pid" named; }
dnsmasq_pid() { pid_of "$DNS_DIR/dnsmasq.pid" dnsmasq; }

named_stop() {
  local pid
  if pid=$(named_pid); then stop_pids "$pid"; fi
  rm -f "$DNS_DIR/named.pid"
}

dnsmasq_stop() {
  local pid
  if pid=$(dnsmasq_pid); then stop_pids "$pid"; fi
  rm -f "$DNS_DIR/dnsmasq.pid"
}

azure_dns_stop() { unbound_stop; named_stop; dnsmasq_stop; }

azure_dns_pid() { # SOFTWARE
  case $1 in bind9) named_pid ;; dnsmasq) dnsmasq_pid ;; *) unbound_pid ;; esac
}

azure_dns_log() { # SOFTWARE
  case $1 in bind9) echo "$DNS_DIR/named.log" ;; dnsmasq) echo "$DNS_DIR/dnsmasq.log" ;;
    *) echo "$DNS_DIR/unbound.log" ;; esac
}

# azure_dns_push SOFTWARE : stop the other two, then start or reload the chosen one.
azure_dns_push() {
  local pid sw=$1
  mkdir -p "$DNS_DIR"
  [ "$sw" = unbound ] || unbound_stop
  [ "$sw" = bind9 ] || named_stop
  [ "$sw" = dnsmasq ] || dnsmasq_stop
  case $sw in
    unbound) unbound_push ;;
    bind9)
      if pid=$(named_pid); then
        kill -HUP "$pid"
      else
        rm -f "$DNS_DIR/named.pid"
        spawn_in "$NS_VNET" "$DNS_DIR/named.log" named -c "$WORLD_DIR/named.conf" ||
          die "named did not start; see $DNS_DIR/named.log: $(tail -n 1 "$DNS_DIR/named.log")"
      fi ;;
    dnsmasq)
      dnsmasq_stop
      spawn_in "$NS_VNET" "$DNS_DIR/dnsmasq.log" dnsmasq -C "$WORLD_DIR/dnsmasq.conf" ||
        die "dnsmasq did not start; see $DNS_DIR/dnsmasq.log: $(tail -n 1 "$DNS_DIR/dnsmasq.log")" ;;
  esac
}

# ---- nginx ---------------------------------------------------------------------------------
# Two instances: "vnet" (private endpoints, in vdlab-vnet) and "inet" (public fronts, in vdlab-inet).

nginx_ns() { if [ "$1" = vnet ]; then echo "$NS_VNET"; else echo "$NS_INET"; fi; }
nginx_dir() { echo "$RUN_DIR/nginx-$1"; }
nginx_pid() { pid_of "$(nginx_dir "$1")/nginx.pid" nginx; }

nginx_generation() {
  ip netns exec "$(nginx_ns "$1")" curl -s --max-time 1 http://127.0.0.1:8080/lab/generation 2>/dev/null
}
nginx_serves() { [ "$(nginx_generation "$1")" = "$2" ]; }

# After a reload, old and new workers accept side by side until each old worker gets the
# master's QUIT: it then retitles itself "worker process is shutting down" and closes its
# listening sockets. Only then does every new connection meet the new configuration.
declare -A NGINX_OLD_WORKERS=()
nginx_workers() { cat "/proc/$1/task/$1/children" 2>/dev/null || true; }
nginx_retired() { # PID... : each has exited or is shutting down
  local p cmd
  for p in "$@"; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
    [ -z "$cmd" ] || [[ "$cmd" == *"shutting down"* ]] || return 1
  done
}

# nginx_push vnet|inet : start nginx, or reload it (SIGHUP, what `nginx -s reload` sends).
# A bad configuration leaves the old one running; the generation check then reports it.
nginx_push() {
  local dir pid conf=$WORLD_DIR/nginx-$1.conf
  dir=$(nginx_dir "$1")
  mkdir -p "$dir/tmp"
  if pid=$(nginx_pid "$1"); then
    NGINX_OLD_WORKERS[$1]=$(nginx_workers "$pid")
    kill -HUP "$pid"
  else
    rm -f "$dir/nginx.pid"
    spawn_in "$(nginx_ns "$1")" "$dir/error.log" nginx -q -p "$dir/" -e "$dir/error.log" -c "$conf" ||
      die "nginx ($1) did not start; see $dir/error.log: $(tail -n 1 "$dir/error.log")"
  fi
}

nginx_stop() {
  local pid
  if pid=$(nginx_pid "$1"); then stop_pids "$pid"; fi
  rm -f "$(nginx_dir "$1")/nginx.pid"
}

nginx_config_error() {
  ip netns exec "$(nginx_ns "$1")" nginx -t -q -p "$(nginx_dir "$1")/" -e /dev/stderr \
    -c "$WORLD_DIR/nginx-$1.conf" 2>&1 | head -n 1
}

# ---- delayq --------------------------------------------------------------------------------

delayq_pid() { pid_of "$DELAYQ_PID" delayq; }

delayq_build() {
  [ "$DELAYQ_BIN" -nt "$LAB_DIR/delayq.c" ] && return 0
  command -v cc >/dev/null || die "cc missing: cannot build delayq (run packaging/setup-debian.sh)"
  timeout 60 cc -O2 -Wall -o "$DELAYQ_BIN" "$LAB_DIR/delayq.c" -lnetfilter_queue ||
    die "cannot build delayq (libnetfilter-queue-dev installed?)"
}

delayq_stop() {
  local pid
  if pid=$(delayq_pid); then stop_pids "$pid"; fi
  rm -f "$DELAYQ_PID" "$DELAYQ_STATE"
}

# delayq_set MS : make delayq hold packets for MS milliseconds (0: no delayq at all).
delayq_set() {
  local want=$1 have=""
  if delayq_pid >/dev/null; then have=$(cat "$DELAYQ_STATE" 2>/dev/null || true); fi
  [ "$want" = "${have:-0}" ] && return 0
  delayq_stop
  [ "$want" -gt 0 ] || return 0
  delayq_build
  timeout 5 setsid -f ip netns exec "$NS_VNET" "$DELAYQ_BIN" --queue 0 --delay-ms "$want" \
    --pidfile "$DELAYQ_PID" </dev/null >>"$RUN_DIR/delayq.log" 2>&1 9>&-
  wait_for 3000 delayq_pid >/dev/null ||
    die "delayq did not start; see $RUN_DIR/delayq.log: $(tail -n 1 "$RUN_DIR/delayq.log")"
  echo "$want" >"$DELAYQ_STATE"
}
