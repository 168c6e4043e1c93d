#!/usr/bin/env bash
# Installs everything vnetdiag needs to build, test and run its lab on a fresh Debian 12 machine.
# Idempotent: packages already present are left alone.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git ca-certificates
  libc-ares-dev libcurl4-openssl-dev libssl-dev nlohmann-json3-dev zlib1g-dev
  libboost-program-options-dev libboost-dev googletest libgtest-dev
  libnetfilter-queue-dev
  iproute2 iptables unbound nginx-light openssl dnsutils curl python3 python3-jsonschema
  help2man debootstrap
  prometheus python3-prometheus-client wrk prometheus-blackbox-exporter
  bind9 dnsmasq
  clang clang-tidy libclang-rt-14-dev
  chromium  # the chain view (check -o html) rendered as a person sees it, in the twin scenarios
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The lab, the tests and the benchmarks run their own unbound, named, dnsmasq, nginx, prometheus tools; the distribution's services
# would only hold ports and files in the way.
for svc in unbound nginx prometheus prometheus-blackbox-exporter named dnsmasq; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
