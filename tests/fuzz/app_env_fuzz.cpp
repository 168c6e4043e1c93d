// The App Service environment is outside input: WEBSITE_* values (WEBSITE_OWNER_NAME,
// WEBSITE_PRIVATE_IP, WEBSITE_DNS_SERVER, WEBSITE_VNET_ROUTE_ALL, ...) from the process
// environment or PID 1's /proc/1/environ block. Drives parse_environ_block, discover_context
// (both sources), parse_owner_name, effective_route_all and context_findings.
// Input: an environ block, KEY=VALUE entries separated by NUL.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "app_context.hpp"
#include "context_rules.hpp"

using namespace vnetdiag;

namespace {

const std::string& environ_file() {
  static const std::string path = [] {
    char name[] = "/tmp/vnetdiag-fuzz-environ-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  return path;
}

Observations observed(const AppContext& ctx) {
  // A vault answer whose network info names the address the vault saw.
  Observations o;
  TargetObservation t;
  t.target = {TargetKind::kKeyVault, "kv1.vault.azure.net", 443, "privatelink.vaultcore.azure.net"};
  ConnectionObservation c;
  c.address = "10.0.1.4";
  c.tcp = c.tls = c.http = PhaseStatus::kOk;
  c.status_code = 200;
  c.local_address = ctx.value_or("private_ip", "10.0.0.4");
  c.headers["x-ms-keyvault-network-info"] =
      "conn_type=Ipv4;addr=" + c.local_address + ";act_addr_fam=Ipv4;";
  t.connections.push_back(c);
  o.targets.push_back(t);
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const std::string block(reinterpret_cast<const char*>(data), size);
  const auto env = parse_environ_block(block);
  if (auto owner = env.find("WEBSITE_OWNER_NAME"); owner != env.end())
    (void)parse_owner_name(owner->second);
  (void)parse_owner_name(block);

  // From the process environment, then from PID 1's block when the app's variables are missing.
  if (FILE* f = std::fopen(environ_file().c_str(), "wb")) {
    std::fwrite(block.data(), 1, block.size(), f);
    std::fclose(f);
  }
  const ContextOverrides none;
  for (const auto& ctx :
       {discover_context(env, "", none), discover_context({}, environ_file(), none)}) {
    for (const char* override_value : {"", "on", "off"}) {
      const RouteAll route = effective_route_all(ctx, override_value);
      (void)context_findings(ctx, route, observed(ctx));
    }
  }
  return 0;
}
