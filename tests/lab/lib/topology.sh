# Namespaces, links, addresses and routes of the lab. Sourced by `lab`.
# shellcheck shell=bash
#
#  vdlab-app                vdlab-vnet                                  vdlab-inet
#  eth0 10.0.0.4/24 ─────── to-app 10.0.0.1/24
#       fd00::4/64                 fd00::1/64
#                           lo: 10.0.2.53 (Azure DNS), 10.0.2.54 (custom DNS), endpoint addresses
#                               (IPv4 and IPv6)
#                           to-inet 198.51.100.7/24 ─────────────────── to-vnet 198.51.100.1/24
#                           default via 198.51.100.1                    lo: 203.0.113.10, .11
#                           blackhole 10.0.0.0/8, 100.64.0.0/10,        (public fronts)
#                                     fc00::/7
#  pub0 192.0.2.4/24 ───────────────────────────────────────────────── to-app 192.0.2.1/24
#       2001:db8:2::4/64                                                       2001:db8:2::1/64
#                                                                       blackhole 10/8, 172.16/12,
#                                                                       192.168/16, 100.64/10, fc00::/7
#
# IPv6 addresses are added with nodad, and duplicate address detection is off in the lab's
# namespaces (also for the kernel's link-local addresses): no address is ever tentative, so
# nothing waits for DAD and nginx can bind an endpoint's IPv6 address at once.
#
# The app's routes (which destinations take eth0, which pub0) and its resolv.conf depend on the
# world; apply writes them (app_push, from realizer/appside.py). Blackholes drop silently, without
# ICMP (that needs forwarding on: without it the kernel answers "host unreachable").
# Nothing is created or addressed in the root namespace: each veth is created inside its namespace.

RESOLV_DIR=/etc/netns/$NS_APP

topology_up() {
  local ns
  for ns in "${NAMESPACES[@]}"; do
    ip netns add "$ns"
    # Before any link exists, so that every interface inherits accept_dad 0. VNet: forward app
    # traffic (and drop into blackholes silently); let nginx bind endpoint addresses before they
    # are assigned; answer every datagram to a closed port with ICMP port unreachable (the default
    # limit of about one a second per peer turns a stopped DNS server's refusals into timeouts
    # when a check runs right after another). Internet: forward.
    ip netns exec "$ns" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad &&
      echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad &&
      case $1 in
        vnet) echo 1 >/proc/sys/net/ipv4/ip_forward && echo 1 >/proc/sys/net/ipv4/ip_nonlocal_bind &&
              echo 1 >/proc/sys/net/ipv6/ip_nonlocal_bind && echo 0 >/proc/sys/net/ipv4/icmp_ratelimit ;;
        inet) echo 1 >/proc/sys/net/ipv4/ip_forward ;;
      esac' sh "${ns#vdlab-}"
  done
  ip -n "$NS_APP" link add eth0 type veth peer name to-app netns "$NS_VNET"
  ip -n "$NS_VNET" link add to-inet type veth peer name to-vnet netns "$NS_INET"
  ip -n "$NS_APP" link add pub0 type veth peer name to-app netns "$NS_INET"
  ip -n "$NS_APP" -batch - <<EOF
link set lo up
address add $APP_ADDRESS/24 dev eth0
address add $APP_ADDRESS6/64 dev eth0 nodad
link set eth0 up
address add $APP_PUBLIC_ADDRESS/24 dev pub0
address add $APP_PUBLIC_ADDRESS6/64 dev pub0 nodad
link set pub0 up
EOF
  ip -n "$NS_VNET" -batch - <<EOF
link set lo up
address add $VNET_GATEWAY/24 dev to-app
address add $VNET_GATEWAY6/64 dev to-app nodad
link set to-app up
address add $OUTBOUND_ADDRESS/24 dev to-inet
link set to-inet up
address add $DNS_ADDRESS/32 dev lo
address add $CUSTOM_DNS_ADDRESS/32 dev lo
route add default via $INTERNET_GATEWAY
route add blackhole 10.0.0.0/8
route add blackhole 100.64.0.0/10
route add blackhole $ULA_RANGE
EOF
  ip -n "$NS_INET" -batch - <<EOF
link set lo up
address add $INTERNET_GATEWAY/24 dev to-vnet
link set to-vnet up
address add $PUBLIC_GATEWAY/24 dev to-app
address add $PUBLIC_GATEWAY6/64 dev to-app nodad
link set to-app up
address add ${PUBLIC_FRONTS[0]}/32 dev lo
address add ${PUBLIC_FRONTS[1]}/32 dev lo
$(printf 'route add blackhole %s\n' "${NON_PUBLIC_RANGES[@]}" "$ULA_RANGE")
EOF
  # `ip netns exec vdlab-app` bind-mounts $RESOLV_DIR/resolv.conf over /etc/resolv.conf; each
  # apply writes it (app_push).
  mkdir -p "$RESOLV_DIR"
}

# app_push : the world's routes and resolv.conf for the app namespace. The routes are replaced
# in one `ip -batch` (flush the static ones, add the wanted ones); resolv.conf is replaced
# atomically, so a process starting meanwhile reads the old or the new file, never half of one.
app_push() {
  ip -n "$NS_APP" -batch "$WORLD_DIR/app.routes" ||
    die "cannot set the app's routes (batch: $WORLD_DIR/app.routes); a lab brought up by an" \
        "older lab script has no pub0: run '$LAB_DIR/lab up'"
  ip -6 -n "$NS_APP" -batch "$WORLD_DIR/app.routes6" ||
    die "cannot set the app's IPv6 routes (batch: $WORLD_DIR/app.routes6); a lab brought up by" \
        "an older lab script has no IPv6: run '$LAB_DIR/lab up'"
  # The temporary file must not sit in $RESOLV_DIR: `ip netns exec` bind-mounts every file there.
  local tmp=${RESOLV_DIR%/*}/.$NS_APP.resolv.conf.tmp
  mkdir -p "$RESOLV_DIR"
  cp "$WORLD_DIR/resolv.conf" "$tmp"
  mv -f "$tmp" "$RESOLV_DIR/resolv.conf"
}

# Endpoint addresses live on lo of the VNet namespace, next to the DNS addresses: IPv4 as /32,
# IPv6 as /128 (nodad). One list for both families; ip prints IPv6 compressed, as the realizer.
endpoint_addresses_now() {
  ip -n "$NS_VNET" -o address show dev lo |
    awk -v dns="$DNS_ADDRESS/32" -v custom="$CUSTOM_DNS_ADDRESS/32" \
      '($3 == "inet" && $4 != dns && $4 != custom && $4 !~ /^127\./) ||
       ($3 == "inet6" && $4 != "::1/128") { sub(/\/[0-9]+$/, "", $4); print $4 }' | sort
}

# sync_endpoint_addresses FILE add|remove : add the missing / remove the extra addresses on lo.
sync_endpoint_addresses() {
  local file=$1 batch
  if [ "$2" = add ]; then
    batch=$(comm -13 <(endpoint_addresses_now) <(sort "$file") |
      sed '/:/ s|.*|address add &/128 dev lo nodad|; /:/! s|.*|address add &/32 dev lo|')
  else
    batch=$(comm -23 <(endpoint_addresses_now) <(sort "$file") |
      sed '/:/ s|.*|address del &/128 dev lo|; /:/! s|.*|address del &/32 dev lo|')
  fi
  [ -z "$batch" ] || ip -n "$NS_VNET" -batch - <<<"$batch"
}

# Stop every process inside the lab namespaces (the lab's servers and anything run with
# `lab exec`), then delete the namespaces; their veths go with them.
topology_down() {
  local ns pids=()
  for ns in "${NAMESPACES[@]}"; do
    ns_exists "$ns" || continue
    mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
  done
  stop_pids "${pids[@]}"
  for ns in "${NAMESPACES[@]}"; do
    ! ns_exists "$ns" || ip netns delete "$ns"
  done
  rm -rf "$RESOLV_DIR"
  rm -f "${RESOLV_DIR%/*}/.$NS_APP.resolv.conf.tmp"
  rmdir /etc/netns 2>/dev/null || true
}
