#include "targets.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

std::string normalise(std::string name) {
  name = lower(trim(name));
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

Result<uint16_t> parse_port(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit))
    return fail(what + ": port '" + text + "' is not a number from 1 to 65535");
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return fail(what + ": port " + text + " is not from 1 to 65535");
  return static_cast<uint16_t>(port);
}

Result<Target> service_target(const std::string& given, const std::string& flag, TargetKind kind,
                              std::string_view suffix, std::string_view zone) {
  std::string host = normalise(given);
  if (host.find('.') == std::string::npos) host += "." + std::string(suffix);
  if (!is_dns_name(host))
    return fail(flag + " '" + given + "' is not a DNS name: give the resource name or its FQDN");
  Target t;
  t.kind = kind;
  t.host = host;
  t.privatelink_zone = std::string(zone);
  return t;
}

}  // namespace

bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (const auto& label : split(name, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

Result<Target> keyvault_target(const std::string& name, const Cloud& cloud) {
  return service_target(name, "--keyvault", TargetKind::kKeyVault, cloud.keyvault_suffix,
                        cloud.keyvault_zone);
}

Result<Target> cognitive_target(const std::string& name, const Cloud& cloud) {
  return service_target(name, "--cognitive", TargetKind::kCognitive, cloud.cognitive_suffix,
                        cloud.cognitive_zone);
}

Result<Target> custom_target(const std::string& host_port) {
  std::string host = host_port;
  uint16_t port = 443;
  if (auto colon = host_port.rfind(':'); colon != std::string::npos) {
    auto p = parse_port(host_port.substr(colon + 1), "--target '" + host_port + "'");
    if (!p) return p.error();
    port = *p;
    host = host_port.substr(0, colon);
  }
  host = normalise(host);
  if (!is_dns_name(host) || host.find('.') == std::string::npos)
    return fail("--target '" + host_port + "' is not HOST[:PORT] with a fully qualified DNS name");
  Target t;
  t.kind = TargetKind::kCustom;
  t.host = host;
  t.port = port;
  return t;
}

Result<Resolver> parse_dns_server(const std::string& text, const std::string& origin) {
  Resolver r;
  r.origin = origin;
  std::string addr = trim(text);
  std::string port;
  if (!addr.empty() && addr.front() == '[') {  // [v6]:port
    const auto close = addr.find(']');
    if (close == std::string::npos) return fail("DNS server '" + text + "': missing ']'");
    if (close + 1 < addr.size()) {
      if (addr[close + 1] != ':') return fail("DNS server '" + text + "': expected ':' after ']'");
      port = addr.substr(close + 2);
    }
    addr = addr.substr(1, close - 1);
  } else if (std::count(addr.begin(), addr.end(), ':') == 1) {
    port = addr.substr(addr.find(':') + 1);
    addr = addr.substr(0, addr.find(':'));
  }
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, addr.c_str(), &a4) != 1 && inet_pton(AF_INET6, addr.c_str(), &a6) != 1)
    return fail("DNS server '" + text + "' is not an IP address: use IP or IP:PORT ([IPv6]:PORT)");
  r.address = addr;
  if (!port.empty()) {
    auto p = parse_port(port, "DNS server '" + text + "'");
    if (!p) return p.error();
    r.port = *p;
  }
  return r;
}

Result<std::vector<Target>> build_targets(const CheckSettings& s, const Cloud& cloud) {
  std::vector<Target> targets;
  const auto add = [&](Result<Target> t) -> Result<bool> {
    if (!t) return t.error();
    for (const auto& existing : targets)
      if (existing.host == t->host && existing.port == t->port) return true;
    targets.push_back(*t);
    return true;
  };
  for (const auto& n : s.keyvaults.value)
    if (auto r = add(keyvault_target(n, cloud)); !r) return r.error();
  for (const auto& n : s.cognitives.value)
    if (auto r = add(cognitive_target(n, cloud)); !r) return r.error();
  for (const auto& n : s.targets.value)
    if (auto r = add(custom_target(n)); !r) return r.error();
  if (targets.empty())
    return fail(
        "nothing to check: give --keyvault NAME, --cognitive NAME or --target HOST[:PORT] "
        "(or VNETDIAG_KEYVAULT / a config file)");
  return targets;
}

Result<std::vector<Resolver>> build_resolvers(const CheckSettings& s, const ResolvConf& resolv,
                                              const AppContext& context) {
  std::vector<Resolver> resolvers;
  const auto add = [&](Resolver r) {
    for (auto& e : resolvers) {
      if (e.address == r.address && e.port == r.port) {
        e.origin += ", " + r.origin;
        return;
      }
    }
    resolvers.push_back(std::move(r));
  };
  for (const auto& ns : resolv.nameservers) add(Resolver{ns, 53, "resolv.conf"});
  for (const auto& ns : resolv.upstream_nameservers)
    add(Resolver{ns, 53, "embedded resolver upstream"});
  // Context garbage is reported as a context finding; only usable addresses are asked.
  for (const auto& [key, var] : {std::pair{"dns_server", "WEBSITE_DNS_SERVER"},
                                 {"dns_alt_server", "WEBSITE_DNS_ALT_SERVER"}}) {
    if (const ContextValue* v = context.get(key))
      for (const auto& part : split(v->value, ','))
        if (auto r = parse_dns_server(part, var)) add(*r);
  }
  if (!s.azure_dns_server.value.empty()) {
    auto r = parse_dns_server(s.azure_dns_server.value, "Azure DNS");
    if (!r) return fail("--azure-dns-server: " + r.error().message);
    add(*r);
  } else if (context.in_app_service) {
    add(Resolver{kAzureDnsAddress, 53, "Azure DNS"});
  }
  for (const auto& text : s.dns_servers.value) {
    auto r = parse_dns_server(text, "--dns-server");
    if (!r) return r.error();
    add(*r);
  }
  if (resolvers.empty())
    return fail(s.resolv_conf.value +
                " names no nameserver: pass --dns-server IP to say which resolver to ask");
  return resolvers;
}

}  // namespace vnetdiag
