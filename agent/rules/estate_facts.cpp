#include "estate_facts.hpp"

#include <algorithm>

#include "arm_facts.hpp"
#include "cidr.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::estate_facts {
namespace {

using arm_facts::text;

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

bool uses_azure_dns(const arm::ArmState& s) {
  const auto servers = s.app_dns_servers();
  return std::all_of(servers.begin(), servers.end(),
                     [](const std::string& x) { return x == kAzureDns; });
}

bool is_custom_server(const arm::ArmState& s, const std::string& server) {
  return server != kAzureDns && !s.inbound_endpoint_at(server).second;
}

bool servers_judgeable(const arm::ArmState& s) {
  if (read_whole(s, "dns resolvers") && read_whole(s, "inbound endpoints")) return true;
  const auto servers = s.app_dns_servers();
  return std::none_of(servers.begin(), servers.end(),
                      [&](const std::string& x) { return is_custom_server(s, x); });
}

std::string vnet_holding(const arm::ArmState& s, const std::string& address) {
  if (s.vnet && cidr::in_any(address, s.vnet->address_prefixes)) return text(s.vnet->id);
  for (const auto& v : s.vnets)
    if (cidr::in_any(address, v.address_prefixes)) return text(v.id);
  if (s.vnet)
    for (const auto& p : s.vnet->peerings)
      if (cidr::in_any(address, p.remote_address_prefixes))
        return text(p.remote_virtual_network_id);
  return "";
}

std::vector<std::string> resolving_vnets(const arm::ArmState& s) {
  std::vector<std::string> out = s.resolution_vnet_ids();
  for (const auto& server : s.app_dns_servers())
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
