#!/usr/bin/env bash
# vnetdiag's main job against the built-in lab: installs what a fresh Debian 12 machine lacks,
# builds, starts the lab (an App Service app, its VNet with private endpoints, Azure DNS and the
# public internet, each in its own network namespace), runs `vnetdiag check` as the app would on a
# healthy world and on two broken ones, then stops the lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root: it installs packages and builds network namespaces" >&2
  exit 1
fi
bash packaging/setup-debian.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target vnetdiag
trap 'tests/lab/lab down >/dev/null 2>&1 || true' EXIT
eval "$(tests/lab/lab up | grep -E '^[A-Z_]+=' | sed 's/^\([A-Z_]*\)=\(.*\)$/\1="\2"/')"

# The app's App Service environment, as the platform would set it.
app_env=(WEBSITE_SITE_NAME=securebackend2021 WEBSITE_RESOURCE_GROUP=securebackendsetup
         WEBSITE_OWNER_NAME=00000000-0000-0000-0000-000000000000+securebackendsetup-WestEuropewebspace-Linux
         WEBSITE_PRIVATE_IP=10.0.0.4 VNETDIAG_AZURE_DNS_SERVER=10.0.2.53)
check() {
  $APP_EXEC env "${app_env[@]}" build/agent/vnetdiag check --keyvault vdlabkv --cognitive vdlabcs \
    --ca-bundle "$CA_BUNDLE" "$@" || echo "(exit code $?)"
}
for world in healthy zone-unlinked record-missing; do
  tests/lab/lab apply "$world" >/dev/null
  echo
  echo "=== world: $world ==="
  check
done
