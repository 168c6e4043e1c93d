#include "estate_facts.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "arm_facts.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::estate_facts {
namespace {

using arm_facts::text;

std::optional<std::uint32_t> ipv4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

bool in_prefix(const std::string& address, const std::string& prefix) {
  const auto slash = prefix.find('/');
  const auto ip = ipv4(address), base = ipv4(prefix.substr(0, slash));
  if (!ip || !base || slash == std::string::npos) return false;
  int bits = -1;
  try {
    bits = std::stoi(prefix.substr(slash + 1));
  } catch (...) {
    return false;
  }
  if (bits < 0 || bits > 32) return false;
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (*ip & mask) == (*base & mask);
}

bool in_any(const std::string& address, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return in_prefix(address, p); });
}

void add_unique(std::vector<std::string>& out, const std::string& id) {
  if (id.empty()) return;
  for (const auto& o : out)
    if (arm::same_resource(o, id)) return;
  out.push_back(id);
}

}  // namespace

bool read_whole(const arm::ArmState& s, const std::string& prefix) {
  return std::none_of(s.unread.begin(), s.unread.end(),
                      [&](const std::string& kind) { return starts_with(kind, prefix); });
}

std::vector<std::string> app_dns_servers(const arm::ArmState& s) {
  if (s.app_settings && s.app_settings->website_dns_server &&
      !s.app_settings->website_dns_server->empty()) {
    std::vector<std::string> out{*s.app_settings->website_dns_server};
    if (s.app_settings->website_dns_alt_server && !s.app_settings->website_dns_alt_server->empty())
      out.push_back(*s.app_settings->website_dns_alt_server);
    return out;
  }
  return s.vnet ? s.vnet->dns_servers : std::vector<std::string>{};
}

bool uses_azure_dns(const arm::ArmState& s) {
  const auto servers = app_dns_servers(s);
  return std::all_of(servers.begin(), servers.end(),
                     [](const std::string& x) { return x == kAzureDns; });
}

bool is_custom_server(const arm::ArmState& s, const std::string& server) {
  return server != kAzureDns && !s.inbound_endpoint_at(server).second;
}

bool servers_judgeable(const arm::ArmState& s) {
  if (read_whole(s, "dns resolvers") && read_whole(s, "inbound endpoints")) return true;
  const auto servers = app_dns_servers(s);
  return std::none_of(servers.begin(), servers.end(),
                      [&](const std::string& x) { return is_custom_server(s, x); });
}

std::string vnet_holding(const arm::ArmState& s, const std::string& address) {
  if (s.vnet && in_any(address, s.vnet->address_prefixes)) return text(s.vnet->id);
  for (const auto& v : s.vnets)
    if (in_any(address, v.address_prefixes)) return text(v.id);
  if (s.vnet)
    for (const auto& p : s.vnet->peerings)
      if (in_any(address, p.remote_address_prefixes)) return text(p.remote_virtual_network_id);
  return "";
}

std::vector<std::string> resolving_vnets(const arm::ArmState& s) {
  std::vector<std::string> out = s.resolution_vnet_ids();
  for (const auto& server : app_dns_servers(s))
    if (is_custom_server(s, server)) add_unique(out, vnet_holding(s, server));
  if (out.empty()) add_unique(out, arm_facts::vnet_id(s));
  return out;
}

bool peering_carries(const arm::Peering& p) {
  return lower(text(p.peering_state)) == "connected" && p.allow_virtual_network_access != false;
}

bool reaches(const arm::ArmState& s, const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  if (arm::same_resource(a, b)) return true;
  const arm::Peering* p = s.peering_between(a, b);
  if (!p) p = s.peering_between(b, a);
  return p && peering_carries(*p);
}

bool under_domain(const std::string& name, const std::string& domain) {
  auto trim = [](std::string x) {
    x = lower(x);
    while (!x.empty() && x.back() == '.') x.pop_back();
    return x;
  };
  const std::string n = trim(name), d = trim(domain);
  if (d.empty()) return true;  // "." forwards everything
  return n == d || (n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 &&
                    n[n.size() - d.size() - 1] == '.');
}

}  // namespace vnetdiag::estate_facts
