#!/usr/bin/env bash
# Self-test of the lab: bring it up, check DNS, TCP, TLS and HTTP of several worlds from inside
# the app namespace with dig, curl and openssl, bring it down, check nothing is left.
# Prints "N passed, N failed"; exits 1 on any failure. Without root or network namespaces it
# prints SKIP and exits 77 -- unless CI=true, where the lab must run and that is a failure.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$LAB_DIR/lab
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
passed=0 failed=0

skip() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: $* -- CI=true, so the lab self-test may not be skipped" >&2
    exit 1
  fi
  echo "SKIP: lab self-test skipped: $*" >&2
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "iproute2 (ip) missing"
probe_ns=vdlab-selftest-$$
if ! ip netns add "$probe_ns" 2>/dev/null; then
  skip "cannot create network namespaces here (ip netns add failed)"
fi
ip netns delete "$probe_ns"
for tool in dig curl openssl unbound nginx iptables-restore cc; do
  command -v "$tool" >/dev/null || skip "$tool missing (run packaging/setup-debian.sh)"
done

# ---- helpers -------------------------------------------------------------------------------

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }

# expect DESC ACTUAL EXPECTED
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected: $3" "got:      $2"; fi; }
# expect_match DESC TEXT REGEX
expect_match() {
  if [[ "$2" =~ $3 ]]; then ok "$1"; else bad "$1" "expected to match: $3" "got: ${2:0:400}"; fi
}

apply() { "$LAB" apply "$@" 2>/dev/null || bad "lab apply $*" "lab apply failed"; }
in_app() { "$LAB" exec "$@"; }

# answer NAME : "name ttl type data" lines of the answer section, via the app's resolv.conf.
answer() { in_app dig +noall +answer +tries=1 +time=2 "$1" 2>&1 | awk '{ print $1, $2, $4, $5 }'; }
answer_nottl() { in_app dig +noall +answer +tries=1 +time=2 "$1" 2>&1 | awk '{ print $1, $4, $5 }'; }
rcode() { in_app dig +tries=1 +time=2 "$1" 2>&1 | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
last_a() { answer_nottl "$1" | awk '$2 == "A" { a = $3 } END { print a }'; }

# https HOST IP PATH [curl options] : "exit=N" line, then status line, headers and body.
https() {
  local host=$1 ip=$2 path=$3; shift 3
  local out rc=0
  out=$(in_app curl -sS -i --connect-timeout 1 --max-time 3 --cacert "$CA" \
    --resolve "$host:443:$ip" "$@" "https://$host$path" 2>&1) || rc=$?
  printf 'exit=%s\n%s\n' "$rc" "$out"
}
curl_exit() { https "$@" | sed -n '1s/^exit=//p'; }
# route_dev IP : the interface the app's kernel picks for IP.
route_dev() { ip -n vdlab-app route get "$1" 2>&1 | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1; }
# dig_at SERVER NAME : the answer section (name type data) from SERVER, or dig's error.
dig_at() { in_app dig +noall +answer +tries=1 +time=1 @"$1" "$2" 2>&1 | awk '/^;;/ { print; next } { print $1, $4, $5 }'; }

elapsed_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $(((t - $1) / 1000)); }
stamp() { echo "${EPOCHREALTIME//[!0-9]/}"; }

KV=vdlabkv.vault.azure.net CS=vdlabcs.cognitiveservices.azure.com
KV_PL=vdlabkv.privatelink.vaultcore.azure.net CS_PL=vdlabcs.privatelink.cognitiveservices.azure.com
KV_FRONT=data-prod-weu.vaultcore.azure.net CS_FRONT=westeurope.api.cognitive.microsoft.com

# A lab that was up before (a developer's, or the ctest fixture of the scenario tests) is
# brought up again at the end, with the same base delay; its world is then `healthy`.
was_up="" base_delay=0
if "$LAB" status >/dev/null 2>&1; then
  was_up=yes
  base_delay=$(cat "$LAB_DIR/run/state/base-delay-ms" 2>/dev/null || echo 0)
fi
restore() {
  [ -n "$was_up" ] || return 0
  if "$LAB" up --delay-ms "$base_delay" >/dev/null 2>&1; then
    echo "     (the lab was up before the self-test: brought it up again, world healthy)"
  else
    echo "FAIL could not bring the lab up again as it was before the self-test"
    return 1
  fi
}
cleanup() { "$LAB" down >/dev/null 2>&1 || true; restore || true; }
trap cleanup EXIT

# ---- up ------------------------------------------------------------------------------------

t0=$(stamp)
env_lines=$("$LAB" up 2>/dev/null) || { bad "lab up" "lab up failed: run '$LAB up' to see why"; echo "$passed passed, $failed failed"; exit 1; }
echo "     lab up took $(elapsed_ms "$t0") ms"
eval "$(grep -E '^(CA_BUNDLE|KEYVAULT_PE|COGNITIVE_PE|APP_ADDRESS|APP_PUBLIC_ADDRESS|DNS_SERVER|CUSTOM_DNS_SERVER|APP_ADDRESS6)=' <<<"$env_lines")"
CA=$CA_BUNDLE
expect "up: prints APP_EXEC" "$(grep '^APP_EXEC=' <<<"$env_lines")" "APP_EXEC=ip netns exec vdlab-app"
expect "up: CA bundle exists" "$([ -s "$CA" ] && echo yes)" yes

# ---- healthy -------------------------------------------------------------------------------

expect_match "healthy: app resolv.conf names the VNet DNS server" \
  "$(in_app cat /etc/resolv.conf)" "nameserver $DNS_SERVER"
expect_match "healthy: ... and lists it as the embedded resolver's upstream" \
  "$(in_app cat /etc/resolv.conf)" "# The configured nameservers at startup are $DNS_SERVER"$'\n'
expect "healthy: private endpoint is routed into the VNet (eth0)" "$(route_dev "$KEYVAULT_PE")" eth0
expect "healthy: the internet is routed over the public path (pub0)" "$(route_dev 203.0.113.10)" pub0
expect "healthy: vault chain (with TTLs) ends at its private endpoint" "$(answer $KV)" \
  "$KV. 60 CNAME $KV_PL.
$KV_PL. 10 A $KEYVAULT_PE"
expect "healthy: cognitive chain ends at its private endpoint" "$(answer_nottl $CS)" \
  "$CS. CNAME $CS_PL.
$CS_PL. A $COGNITIVE_PE"
expect "healthy: system resolver (getent) gives the private address" \
  "$(in_app getent ahostsv4 $KV | awk 'NR == 1 { print $1 }')" "$KEYVAULT_PE"
expect "healthy: unknown public name is NXDOMAIN" "$(rcode nosuchname.example.com)" NXDOMAIN
r=$(https $KV "$KEYVAULT_PE" /healthstatus)
expect_match "healthy: vault /healthstatus 200" "$r" $'exit=0\nHTTP/1.1 200'
expect_match "healthy: vault sees the app's private address" "$r" \
  "x-ms-keyvault-network-info: conn_type=Ipv4;addr=$APP_ADDRESS;act_addr_fam=InterNetwork;"
expect_match "healthy: JSON content type" "$r" "Content-Type: application/json"
r=$(https $CS "$COGNITIVE_PE" /)
expect_match "healthy: cognitive 401 invalid key" "$r" $'HTTP/1.1 401.*Access denied due to invalid subscription key'
t0=$(stamp)
expect "healthy: unassigned 10.0.1.77 times out (silent drop)" "$(curl_exit $KV 10.0.1.77 /)" 28
expect_match "healthy: ... after the 1 s connect timeout" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'

# ---- DNS failures --------------------------------------------------------------------------

apply zone-unlinked
expect "zone-unlinked: vault chain goes public" "$(answer_nottl $KV)" \
  "$KV. CNAME $KV_PL.
$KV_PL. CNAME $KV_FRONT.
$KV_FRONT. A 203.0.113.10"
expect "zone-unlinked: cognitive still private" "$(last_a $CS)" "$COGNITIVE_PE"
r=$(https $KV 203.0.113.10 /healthstatus)
expect_match "zone-unlinked: public front 200" "$r" $'exit=0\nHTTP/1.1 200'
expect_match "zone-unlinked: vault sees the app's own public-path address (route-all off)" "$r" "addr=$APP_PUBLIC_ADDRESS;"

apply alias-missing
expect "alias-missing: no privatelink alias" "$(answer_nottl $KV)" \
  "$KV. CNAME $KV_FRONT.
$KV_FRONT. A 203.0.113.10"

apply record-missing
expect "record-missing: NXDOMAIN" "$(rcode $KV)" NXDOMAIN
expect "record-missing: the CNAME to privatelink is still answered" "$(answer_nottl $KV)" "$KV. CNAME $KV_PL."

apply wrong-ip
expect "wrong-ip: chain ends at 10.0.1.9" "$(last_a $KV)" 10.0.1.9
expect "wrong-ip: connect times out" "$(curl_exit $KV 10.0.1.9 /healthstatus)" 28

apply dns-down
t0=$(stamp)
r=$(in_app dig +tries=1 +time=2 $KV 2>&1 || true)
expect_match "dns-down: refused at once" "$r" "connection refused"
expect_match "dns-down: ... in well under a second" "$(elapsed_ms "$t0")" '^[0-9]{1,3}$'

apply dns-dropped
t0=$(stamp)
r=$(in_app dig +tries=1 +time=1 $KV 2>&1 || true)
expect_match "dns-dropped: query times out" "$r" "timed out"
expect_match "dns-dropped: ... after the 1 s timeout" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'

# ---- TCP and TLS failures ------------------------------------------------------------------

apply port-dropped
t0=$(stamp)
expect "port-dropped: connect times out (1 s limit)" "$(curl_exit $KV "$KEYVAULT_PE" /healthstatus)" 28
expect_match "port-dropped: ... after about 1 s" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'

apply port-refused
r=$(https $KV "$KEYVAULT_PE" /healthstatus)
expect_match "port-refused: connection refused" "$r" "^exit=7"

apply tls-wrong-name
r=$(https $KV "$KEYVAULT_PE" /healthstatus)
expect_match "tls-wrong-name: name mismatch" "$r" $'^exit=60\n.*subject name'

apply tls-untrusted
r=$(https $KV "$KEYVAULT_PE" /healthstatus)
expect_match "tls-untrusted: unknown issuer" "$r" $'^exit=60\n.*local issuer'
expect_match "tls-untrusted: rogue CA issued it" \
  "$(in_app openssl s_client -connect "$KEYVAULT_PE:443" -servername $KV </dev/null 2>/dev/null |
     openssl x509 -noout -issuer 2>&1)" "vnetdiag rogue CA"

apply tls-expiring
expect_match "tls-expiring: still valid, HTTP 200" "$(https $KV "$KEYVAULT_PE" /healthstatus)" $'exit=0\nHTTP/1.1 200'
cert=$(in_app openssl s_client -connect "$KEYVAULT_PE:443" -servername $KV </dev/null 2>/dev/null |
  openssl x509 2>/dev/null || true)
expect "tls-expiring: expires within 6 days" \
  "$(openssl x509 -noout -checkend $((6 * 86400)) <<<"$cert" >/dev/null 2>&1 && echo later || echo soon)" soon

# ---- public access -------------------------------------------------------------------------

apply kv-firewall
expect "kv-firewall: chain ends at the public front" "$(last_a $KV)" 203.0.113.10
r=$(https $KV 203.0.113.10 /healthstatus)
expect_match "kv-firewall: 403 ForbiddenByFirewall" "$r" $'HTTP/1.1 403.*"innererror":\\{"code":"ForbiddenByFirewall"\\}'
expect_match "kv-firewall: names the client address and vault" "$r" \
  'Client address: 192\.0\.2\.4\\r\\n.*Vault: vdlabkv;location=westeurope'
expect_match "kv-firewall: network-info header on the 403" "$r" "x-ms-keyvault-network-info: conn_type=Ipv4;addr=$APP_PUBLIC_ADDRESS;"

apply cs-public-disabled
expect "cs-public-disabled: chain goes public" "$(answer_nottl $CS)" \
  "$CS. CNAME $CS_PL.
$CS_PL. CNAME $CS_FRONT.
$CS_FRONT. A 203.0.113.11"
expect_match "cs-public-disabled: 403 public access disabled" "$(https $CS 203.0.113.11 /)" \
  $'HTTP/1.1 403.*Public access is disabled. Please configure private endpoint.'

# ---- custom DNS server ---------------------------------------------------------------------

KV_PRIVATE="$KV. CNAME $KV_PL.
$KV_PL. A $KEYVAULT_PE"
KV_PUBLIC="$KV. CNAME $KV_PL.
$KV_PL. CNAME $KV_FRONT.
$KV_FRONT. A 203.0.113.10"
apply custom-dns-nonforwarding
r=$(in_app cat /etc/resolv.conf)
expect_match "custom-dns-nonforwarding: resolv.conf names only the custom server" "$r" \
  $'# The configured nameservers at startup are 10.0.2.54\n.*\nnameserver 10.0.2.54\noptions'
expect "custom-dns-nonforwarding: @$CUSTOM_DNS_SERVER gives the public chain" "$(dig_at "$CUSTOM_DNS_SERVER" $KV)" "$KV_PUBLIC"
expect "custom-dns-nonforwarding: @$DNS_SERVER (Azure DNS) gives the private address" "$(dig_at "$DNS_SERVER" $KV)" "$KV_PRIVATE"
expect "custom-dns-nonforwarding: the app's resolver (resolv.conf) goes public" "$(last_a $KV)" 203.0.113.10
expect "custom-dns-nonforwarding: cognitive goes public too" "$(last_a $CS)" 203.0.113.11
soa_serial() { in_app dig +short +tries=1 +time=1 @"$1" . SOA | awk '{ print $3 }'; }
expect "custom-dns-nonforwarding: both servers serve this generation (SOA serial of .)" \
  "$(soa_serial "$CUSTOM_DNS_SERVER")" "$(cat "$LAB_DIR/run/state/generation")"

apply custom-dns-timeout
t0=$(stamp)
r=$(in_app dig +tries=1 +time=1 $KV 2>&1 || true)
expect_match "custom-dns-timeout: the app's query times out" "$r" "timed out"
expect_match "custom-dns-timeout: ... after the 1 s timeout" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'
expect "custom-dns-timeout: Azure DNS still answers" "$(dig_at "$DNS_SERVER" $KV)" "$KV_PRIVATE"
# The same world with the custom server answering: it forwards, so it answers as Azure DNS.
custom_world() { # STATE : custom-dns-timeout with custom_dns.state = STATE
  "$PYTHON" -c 'import json, sys; w = json.load(open(sys.argv[1])); w["custom_dns"]["state"] = sys.argv[2]
w["description"] = "custom DNS " + sys.argv[2]; print(json.dumps(w))' "$LAB_DIR/scenarios/custom-dns-timeout.json" "$1"
}
custom_world up | apply -
expect "custom DNS forwarding: @$CUSTOM_DNS_SERVER answers like Azure DNS" "$(dig_at "$CUSTOM_DNS_SERVER" $KV)" "$KV_PRIVATE"
expect "custom DNS forwarding: the app gets the private address" "$(last_a $KV)" "$KEYVAULT_PE"
custom_world down | apply -
expect_match "custom DNS down: refused at once" "$(in_app dig +tries=1 +time=2 $KV 2>&1 || true)" "connection refused"
expect_match "custom DNS down: its unbound is stopped" "$("$LAB" status 2>&1)" $'\nunbound \\(custom DNS\\): stopped'


# ---- where the app runs: route-all, endpoints outside RFC1918, no integration ---------------

apply routeall-off-cgnat
expect "routeall-off-cgnat: vault resolves to 100.64.1.4" "$(last_a $KV)" 100.64.1.4
expect "routeall-off-cgnat: 100.64.1.4 is routed over the public path" "$(route_dev 100.64.1.4)" pub0
t0=$(stamp)
expect "routeall-off-cgnat: connect times out (dropped on the internet)" "$(curl_exit $KV 100.64.1.4 /healthstatus)" 28
expect_match "routeall-off-cgnat: ... after the 1 s connect timeout" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'
expect "routeall-off-cgnat: RFC1918 still enters the VNet" "$(route_dev 10.0.1.4)" eth0

apply routeall-on-cgnat
expect "routeall-on-cgnat: 100.64.1.4 is routed into the VNet" "$(route_dev 100.64.1.4)" eth0
expect "routeall-on-cgnat: so is the internet" "$(route_dev 203.0.113.10)" eth0
r=$(https $KV 100.64.1.4 /healthstatus)
expect_match "routeall-on-cgnat: vault endpoint answers 200" "$r" $'exit=0\nHTTP/1.1 200'
expect_match "routeall-on-cgnat: ... and sees the app's private address" "$r" "addr=$APP_ADDRESS;"
expect_match "routeall-on-cgnat: cognitive endpoint answers 401" "$(https $CS 100.64.1.5 /)" 'HTTP/1.1 401'
expect_match "routeall-on-cgnat: a public front sees the VNet's SNAT address" \
  "$(https $KV 203.0.113.10 /healthstatus)" "addr=198.51.100.7;"
expect "routeall-on-cgnat: unassigned 100.64.1.77 times out (VNet blackhole)" "$(curl_exit $KV 100.64.1.77 /)" 28

apply no-integration
expect "no-integration: the private endpoint is routed over the public path" "$(route_dev "$KEYVAULT_PE")" pub0
expect "no-integration: Azure DNS stays reachable via eth0" "$(route_dev "$DNS_SERVER")" eth0
expect "no-integration: DNS still gives the private address" "$(last_a $KV)" "$KEYVAULT_PE"
t0=$(stamp)
expect "no-integration: connect to the private endpoint times out" "$(curl_exit $KV "$KEYVAULT_PE" /healthstatus)" 28
expect_match "no-integration: ... after the 1 s connect timeout (no ICMP)" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'
expect_match "no-integration: a public front sees the app's public-path address" \
  "$(https $KV 203.0.113.10 /healthstatus)" "addr=$APP_PUBLIC_ADDRESS;"

# ---- IPv6 private endpoints (FM-23) --------------------------------------------------------

KV_PE6=fd00:1::4
# world_from SCENARIO PYTHON-EXPR-ON-w : print SCENARIO's world changed by the expression.
world_from() {
  "$PYTHON" -c 'import json, sys; w = json.load(open(sys.argv[1])); exec(sys.argv[2])
w["description"] = "variant: " + sys.argv[2]; print(json.dumps(w))' "$LAB_DIR/scenarios/$1.json" "$2"
}
# https6 / https4 : as https, forced to one family.
https6() { https "$1" "[$2]" "$3" -6 "${@:4}"; }
tentative() { local ns; for ns in vdlab-app vdlab-vnet vdlab-inet; do ip -n "$ns" -6 -o address show tentative; done; }
v6rules() { ip netns exec vdlab-vnet ip6tables -S INPUT | grep -c -- '-j DROP' || true; }

apply ipv6-healthy
expect "ipv6-healthy: AAAA chain ends at the endpoint's IPv6 address" "$(in_app dig +noall +answer +tries=1 +time=2 AAAA $KV | awk '{ print $1, $4, $5 }')" \
  "$KV. CNAME $KV_PL.
$KV_PL. AAAA $KV_PE6"
expect "ipv6-healthy: the A record is still there" "$(last_a $KV)" "$KEYVAULT_PE"
r=$(in_app dig +tries=1 +time=2 AAAA $CS 2>&1)
expect "ipv6-healthy: cognitive has no AAAA (NOERROR, no AAAA in the answer)" \
  "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$r") $(awk '$4 == "AAAA"' <<<"$r" | wc -l)" "NOERROR 0"
expect "ipv6-healthy: no tentative IPv6 address anywhere (nodad)" "$(tentative)" ""
expect "ipv6-healthy: $KV_PE6 is routed into the VNet (eth0, route-all on)" "$(route_dev $KV_PE6)" eth0
r=$(https6 $KV $KV_PE6 /healthstatus)
expect_match "ipv6-healthy: curl -6 to [$KV_PE6] gets 200" "$r" $'exit=0\nHTTP/1.1 200'
expect_match "ipv6-healthy: ... and the vault sees the app's IPv6 address" "$r" \
  "x-ms-keyvault-network-info: conn_type=Ipv6;addr=$APP_ADDRESS6;act_addr_fam=InterNetworkV6;"
expect_match "ipv6-healthy: curl -6 by name (system resolver, AAAA) gets 200" \
  "$(in_app curl -sS -i -6 --connect-timeout 1 --max-time 3 --cacert "$CA" "https://$KV/healthstatus" 2>&1)" \
  "^HTTP/1.1 200.*addr=$APP_ADDRESS6;"
r=$(https $KV "$KEYVAULT_PE" /healthstatus -4)
expect_match "ipv6-healthy: IPv4 still 200, seen as IPv4" "$r" $'exit=0\nHTTP/1.1 200.*conn_type=Ipv4;addr=10.0.0.4;act_addr_fam=InterNetwork;'

apply ipv6-broken
expect "ipv6-broken: AAAA still answered" "$(in_app dig +short +tries=1 +time=2 AAAA $KV | tail -n 1)" "$KV_PE6"
expect "ipv6-broken: one ip6tables DROP rule" "$(v6rules)" 1
t0=$(stamp)
expect "ipv6-broken: curl -6 times out (SYN dropped)" "$(https6 $KV $KV_PE6 /healthstatus | sed -n '1s/^exit=//p')" 28
expect_match "ipv6-broken: ... after the 1 s connect timeout" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'
expect_match "ipv6-broken: IPv4 still 200" "$(https $KV "$KEYVAULT_PE" /healthstatus -4)" $'exit=0\nHTTP/1.1 200'

world_from ipv6-healthy 'w["services"][0]["private_endpoint"]["port6"] = "refuse"' | apply -
t0=$(stamp)
expect_match "ipv6 port6 refuse: curl -6 refused" "$(https6 $KV $KV_PE6 /healthstatus)" "^exit=7"
expect_match "ipv6 port6 refuse: ... at once" "$(elapsed_ms "$t0")" '^[0-9]{1,3}$'
expect_match "ipv6 port6 refuse: IPv4 still 200" "$(https $KV "$KEYVAULT_PE" /healthstatus -4)" $'exit=0\nHTTP/1.1 200'
expect "ipv6 port6 refuse: no ip6tables rule left from ipv6-broken" "$(v6rules)" 0

world_from ipv6-healthy 'w["app"]["route_all"] = False' | apply -
expect "ipv6 route-all off: $KV_PE6 takes the public path (pub0)" "$(route_dev $KV_PE6)" pub0
t0=$(stamp)
expect "ipv6 route-all off: curl -6 times out (unique-local dropped on the internet)" \
  "$(https6 $KV $KV_PE6 /healthstatus | sed -n '1s/^exit=//p')" 28
expect_match "ipv6 route-all off: ... after the 1 s connect timeout (no ICMP)" "$(elapsed_ms "$t0")" '^1[0-9]{3}$'

apply ipv6-broken
apply healthy
expect "ipv6 gone: ip6tables rules reset by the next apply" "$(v6rules)" 0
expect "ipv6 gone: $KV_PE6 removed from the VNet's lo" \
  "$(ip -n vdlab-vnet -6 -o address show dev lo | grep -c "$KV_PE6/128" || true)" 0
expect "ipv6 gone: no AAAA for the vault" "$(in_app dig +short +tries=1 +time=2 AAAA $KV | grep -c : || true)" 0

# ---- bad worlds are refused ----------------------------------------------------------------

bad_world() { # DESC PYTHON-EXPR-ON-w : apply healthy changed by the expression; must fail with 2
  local rc=0
  "$PYTHON" -c 'import json, sys; w = json.load(open(sys.argv[1])); exec(sys.argv[2]); print(json.dumps(w))' \
    "$LAB_DIR/scenarios/healthy.json" "$2" | "$LAB" apply - >/dev/null 2>&1 || rc=$?
  expect "bad world refused: $1" "$rc" 2
}
bad_world "10.0.2.54 in app.dns_servers without custom_dns" 'w["app"] = {"dns_servers": ["10.0.2.54"]}'
bad_world "app.dns_servers names another server" 'w["app"] = {"dns_servers": ["8.8.8.8"]}'
bad_world "endpoint outside 10/8 and 100.64/10" 'w["services"][0]["private_endpoint"]["address"] = "100.128.0.4"'
bad_world "endpoint on the custom DNS address" 'w["services"][0]["private_endpoint"]["address"] = "10.0.2.54"'
bad_world "unknown field in app" 'w["app"] = {"route_al": True}'
bad_world "custom_dns.state not a state" 'w["custom_dns"] = {"state": "slow"}'
bad_world "dns.public_ttl not a number of seconds" 'w["dns"] = {"server": "up", "public_ttl": "1h"}'
bad_world "dns.public_ttl above a day" 'w["dns"] = {"server": "up", "public_ttl": 86401}'
pe0='w["services"][0]["private_endpoint"]'
bad_world "address6 not unique-local (fd00::/8)" "$pe0[\"address6\"] = \"2001:db8::4\""
bad_world "address6 in the app's IPv6 subnet" "$pe0[\"address6\"] = \"fd00::9\""
bad_world "address6 not an IPv6 address" "$pe0[\"address6\"] = \"10.0.1.14\""
bad_world "address6 used twice" "$pe0[\"address6\"] = \"fd00:1::4\"; w[\"services\"][1][\"private_endpoint\"][\"address6\"] = \"fd00:1::4\""
bad_world "port6 without address6" "$pe0[\"port6\"] = \"drop\""
bad_world "port6 not a port state" "$pe0[\"address6\"] = \"fd00:1::4\"; $pe0[\"port6\"] = \"slow\""
bad_world "IPv6 record that is no address" 'w["zones"]["privatelink.vaultcore.azure.net"]["records"]["vdlabkv"] = ["10.0.1.4", "fd00:1::zz"]'

# ---- delay and scale -----------------------------------------------------------------------

query_ms() { in_app dig +tries=1 +time=2 $KV | awk '/Query time/ { print $4 }'; }
"$PYTHON" "$LAB_DIR/make-world.py" --vaults 1 --accounts 1 --delay-ms 20 | apply -
q=$(query_ms)
# dig truncates its query time to whole milliseconds: a 20 ms delay can read 19.
expect_match "delay 20 ms: DNS query takes 19-60 ms (was ${q:-?})" "${q:-0}" '^(19|[2-5][0-9])$'
apply healthy
q=$(query_ms)
expect_match "delay off again: DNS query under 10 ms (was ${q:-?})" "${q:-99}" '^[0-9]$'

t0=$(stamp)
"$PYTHON" "$LAB_DIR/make-world.py" --vaults 100 --accounts 100 | apply -
ms=$(elapsed_ms "$t0")
echo "     apply of 200 endpoints took $ms ms"
expect_match "200 endpoints: applied within 3 s" "$ms" '^([0-9]{1,3}|[0-2][0-9]{3})$'
pe=$(last_a vdlabkv99.vault.azure.net)
expect "200 endpoints: vdlabkv99 resolves to its own endpoint" "$pe" 10.0.1.104
expect_match "200 endpoints: vdlabkv99 answers 200" "$(https vdlabkv99.vault.azure.net "$pe" /healthstatus)" \
  $'exit=0\nHTTP/1.1 200'
expect_match "200 endpoints: vdlabcs99 answers 401" \
  "$(https vdlabcs99.cognitiveservices.azure.com "$(last_a vdlabcs99.cognitiveservices.azure.com)" /)" 'HTTP/1.1 401'

# ---- down ----------------------------------------------------------------------------------

apply custom-dns-nonforwarding  # so that both unbound instances run when the lab goes down
expect "down: both unbound instances run before" "$(pgrep -x -f "unbound -c $LAB_DIR/run/world/unbound(-custom)?.conf" | wc -l)" 2
pids=$(for ns in vdlab-app vdlab-vnet vdlab-inet; do ip netns pids "$ns"; done 2>/dev/null | paste -sd ' ')
t0=$(stamp)
"$LAB" down 2>/dev/null || bad "lab down" "lab down failed"
echo "     lab down took $(elapsed_ms "$t0") ms"
expect "down: no lab namespaces" "$(ip netns list | grep -c '^vdlab-' || true)" 0
left=""
for p in $pids; do [ ! -d "/proc/$p" ] || left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))"; done
expect "down: no lab process left (had: $pids)" "$left" ""
expect "down: resolv.conf for the app namespace removed" "$([ -e /etc/netns/vdlab-app ] && echo present || echo absent)" absent
expect "down: nothing of the lab left in /etc/netns" \
  "$(for f in /etc/netns/vdlab-* /etc/netns/.vdlab-*; do [ ! -e "$f" ] || echo "$f"; done)" ""
expect "down: no process runs from the lab's run directory" "$(pgrep -f "$LAB_DIR/run/" | wc -l)" 0

trap - EXIT
restore || failed=$((failed + 1))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
