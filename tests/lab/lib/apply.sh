# Apply a world: realize it into files, push them to the servers, wait until they serve it.
# Sourced by `lab`.
# shellcheck shell=bash

STATE_DIR=$RUN_DIR/state

# world_source WORLD : print the file to read (scenario name, path, or - for stdin).
world_source() {
  case $1 in
    -) echo - ;;
    */* | *.json) [ -f "$1" ] || die "no world file $1"; echo "$1" ;;
    *) [ -f "$LAB_DIR/scenarios/$1.json" ] ||
         die "no scenario '$1' (have: $(cd "$LAB_DIR/scenarios" && ls | sed 's/\.json$//' | paste -sd ' '))"
       echo "$LAB_DIR/scenarios/$1.json" ;;
  esac
}

# ready_or_die : every server that should run serves generation $1 (bounded wait).
ready_or_die() {
  local gen=$1 inst
  if [ "$WORLD_DNS" != down ]; then
    wait_for 5000 dns_serves "$gen" ||
      die "$WORLD_DNS_SOFTWARE does not serve generation $gen; see $(azure_dns_log "$WORLD_DNS_SOFTWARE"): $(tail -n 1 "$(azure_dns_log "$WORLD_DNS_SOFTWARE")" 2>/dev/null)"
  fi
  if custom_dns_runs; then
    local log; log=$(unbound_dir custom)/unbound.log
    wait_for 5000 dns_serves "$gen" custom ||
      die "unbound (custom) does not serve generation $gen; see $log: $(tail -n 1 "$log" 2>/dev/null)"
  fi
  for inst in vnet inet; do
    wait_for 5000 nginx_serves "$inst" "$gen" ||
      die "nginx ($inst) does not serve generation $gen: $(nginx_config_error "$inst")"
    # shellcheck disable=SC2086 # a list of pids
    wait_for 5000 nginx_retired ${NGINX_OLD_WORKERS[$inst]:-} ||
      die "nginx ($inst): old workers ${NGINX_OLD_WORKERS[$inst]} still accept connections"
  done
}

custom_dns_runs() { [ "$WORLD_CUSTOM_DNS" = up ] || [ "$WORLD_CUSTOM_DNS" = drop ]; }

apply_world() {
  local src gen=0 t0
  t0=$(now_ms)
  src=$(world_source "$1")
  mkdir -p "$STATE_DIR"
  # Every attempt gets a new generation, so a failed one can never fake a later readiness check.
  [ -s "$STATE_DIR/generation" ] && read -r gen <"$STATE_DIR/generation"
  gen=$((gen + 1))
  echo "$gen" >"$STATE_DIR/generation"
  local base_delay=0
  [ -s "$STATE_DIR/base-delay-ms" ] && read -r base_delay <"$STATE_DIR/base-delay-ms"
  timeout 20 "$PY" "$LAB_DIR/realizer/realize.py" "$src" --run "$RUN_DIR" --lab "$LAB_DIR" \
    --generation "$gen" --default-delay-ms "$base_delay" || exit 2
  # shellcheck source=/dev/null
  . "$WORLD_DIR/plan.env"

  sync_endpoint_addresses "$WORLD_DIR/endpoints" add
  timeout 10 ip netns exec "$NS_VNET" iptables-restore -w 5 <"$WORLD_DIR/vnet.rules" ||
    die "iptables-restore failed in $NS_VNET (rules: $WORLD_DIR/vnet.rules)"
  # Also when the world has no IPv6: no rule of an earlier world may survive.
  timeout 10 ip netns exec "$NS_VNET" ip6tables-restore -w 5 <"$WORLD_DIR/vnet.rules6" ||
    die "ip6tables-restore failed in $NS_VNET (rules: $WORLD_DIR/vnet.rules6)"
  if [ "$WORLD_DNS" = down ]; then azure_dns_stop; else azure_dns_push "$WORLD_DNS_SOFTWARE"; fi
  if custom_dns_runs; then unbound_push custom; else unbound_stop custom; fi
  app_push
  nginx_push vnet
  nginx_push inet
  delayq_set "$WORLD_DELAY_MS"
  ready_or_die "$gen"
  sync_endpoint_addresses "$WORLD_DIR/endpoints" remove

  local name=${src##*/}
  [ "$src" != - ] || name="(stdin)"
  echo "$name" >"$STATE_DIR/world-source"
  say "applied $name: $WORLD_DESCRIPTION [generation $gen, $WORLD_ENDPOINTS endpoints" \
      "($WORLD_ENDPOINTS6 with IPv6)," \
      "dns $WORLD_DNS ($WORLD_DNS_SOFTWARE), custom dns $WORLD_CUSTOM_DNS, app $WORLD_APP_PATH resolv.conf $WORLD_APP_DNS," \
      "delay $WORLD_DELAY_MS ms, $(($(now_ms) - t0)) ms]"
}
