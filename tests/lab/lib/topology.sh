# Namespaces, links, addresses and routes of the lab. Sourced by `lab`.
# shellcheck shell=bash
#
#  vdlab-app                vdlab-vnet                                  vdlab-inet
#  eth0 10.0.0.4/24 ─────── to-app 10.0.0.1/24
#  default via 10.0.0.1     lo: 10.0.2.53 (DNS), endpoint addresses
#                           to-inet 198.51.100.7/24 ─────────────────── to-vnet 198.51.100.1/24
#                           default via 198.51.100.1                    lo: 203.0.113.10, .11
#                           blackhole 10.0.0.0/8 (silent drop)          (public fronts)
#
# Nothing is created or addressed in the root namespace: each veth is created inside its namespace.

RESOLV_DIR=/etc/netns/$NS_APP

topology_up() {
  local ns
  for ns in "${NAMESPACES[@]}"; do ip netns add "$ns"; done
  ip -n "$NS_APP" link add eth0 type veth peer name to-app netns "$NS_VNET"
  ip -n "$NS_VNET" link add to-inet type veth peer name to-vnet netns "$NS_INET"
  ip -n "$NS_APP" -batch - <<EOF
link set lo up
address add $APP_ADDRESS/24 dev eth0
link set eth0 up
route add default via $VNET_GATEWAY
EOF
  ip -n "$NS_VNET" -batch - <<EOF
link set lo up
address add $VNET_GATEWAY/24 dev to-app
link set to-app up
address add $OUTBOUND_ADDRESS/24 dev to-inet
link set to-inet up
address add $DNS_ADDRESS/32 dev lo
route add default via $INTERNET_GATEWAY
route add blackhole 10.0.0.0/8
EOF
  ip -n "$NS_INET" -batch - <<EOF
link set lo up
address add $INTERNET_GATEWAY/24 dev to-vnet
link set to-vnet up
address add ${PUBLIC_FRONTS[0]}/32 dev lo
address add ${PUBLIC_FRONTS[1]}/32 dev lo
EOF
  # Forward app traffic; let nginx bind endpoint addresses before they are assigned.
  ip netns exec "$NS_VNET" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
    echo 1 >/proc/sys/net/ipv4/ip_nonlocal_bind'
  # `ip netns exec vdlab-app` bind-mounts this over /etc/resolv.conf.
  mkdir -p "$RESOLV_DIR"
  cat >"$RESOLV_DIR/resolv.conf" <<EOF
# This container is using an embedded dns resolver
# The configured nameservers at startup are $DNS_ADDRESS
# The configured options for the listener at startup are timeout:1 attempts:5
nameserver $DNS_ADDRESS
options ndots:0 timeout:15 attempts:2
EOF
}

# Endpoint addresses live on lo of the VNet namespace, next to the DNS address.
endpoint_addresses_now() {
  ip -n "$NS_VNET" -o -4 address show dev lo |
    awk -v dns="$DNS_ADDRESS/32" '$4 != dns && $4 !~ /^127\./ { sub(/\/32$/, "", $4); print $4 }' | sort
}

# sync_endpoint_addresses FILE add|remove : add the missing / remove the extra addresses on lo.
sync_endpoint_addresses() {
  local file=$1 batch
  if [ "$2" = add ]; then
    batch=$(comm -13 <(endpoint_addresses_now) <(sort "$file") | sed 's|.*|address add &/32 dev lo|')
  else
    batch=$(comm -23 <(endpoint_addresses_now) <(sort "$file") | sed 's|.*|address del &/32 dev lo|')
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
  rmdir /etc/netns 2>/dev/null || true
}
