// ArmState's lookups, with the semantics of Topology's helpers (topology.cpp) and of the rules'
// own walks (plane_rules.cpp, fix/planner.cpp), so rules can move onto the typed state unchanged.
#include "arm_state.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

std::string lower_or_empty(const Text& t) { return t ? lower(*t) : std::string(); }

template <class T>
const std::vector<T>& listed_under(const std::map<std::string, std::vector<T>>& m,
                                   const std::string& key) {
  static const std::vector<T> kNone;
  auto it = m.find(lower(key));
  return it == m.end() ? kNone : it->second;
}

}  // namespace

bool Subnet::delegated_to(std::string_view service) const {
  for (const auto& d : delegations)
    if (lower_or_empty(d.service_name) == lower(service)) return true;
  return false;
}

const Subnet* Vnet::subnet(const std::string& name_or_id) const {
  for (const auto& s : subnets)
    if (lower_or_empty(s.name) == lower(name_or_id) || same_resource(s.id.value_or(""), name_or_id))
      return &s;
  return nullptr;
}

std::string PrivateEndpoint::connection_status() const {
  for (const auto* list : {&connections, &manual_connections})
    for (const auto& c : *list)
      if (c.status && !c.status->empty()) return *c.status;
  return "";
}

std::vector<std::string> ZoneGroup::zone_ids() const {
  std::vector<std::string> out;
  out.reserve(zone_configs.size());
  for (const auto& c : zone_configs) out.push_back(c.private_dns_zone_id.value_or(""));
  return out;
}

std::vector<std::string> ARecordSet::addresses() const {
  std::vector<std::string> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r.ipv4_address.value_or(""));
  return out;
}

const Vault* ArmState::vault(const std::string& name) const {
  for (const auto& v : vaults)
    if (lower_or_empty(v.name) == lower(name)) return &v;
  return nullptr;
}

bool KeyVaultReference::fetch_refused() const {
  const std::string s = lower(status.value_or(""));
  return s == "accesstokeyvaultdenied" || s == "fetchtimedout" || s == "unauthorizedclient";
}

bool ArmState::vault_private_only(const std::string& name) const {
  const Vault* v = vault(name);
  if (!v) return false;
  if (lower_or_empty(v->public_network_access) == "disabled") return true;
  return v->network_acls && lower_or_empty(v->network_acls->default_action) == "deny";
}

const Account* ArmState::account(const std::string& name) const {
  for (const auto& a : accounts)
    if (lower_or_empty(a.name) == lower(name) ||
        lower_or_empty(a.custom_sub_domain_name) == lower(name))
      return &a;
  return nullptr;
}

const PrivateDnsZone* ArmState::zone(const std::string& name) const {
  for (const auto& z : zones)
    if (lower_or_empty(z.name) == lower(name)) return &z;
  return nullptr;
}

std::vector<const PrivateEndpoint*> ArmState::endpoints_for(const std::string& target_id) const {
  std::vector<const PrivateEndpoint*> out;
  for (const auto& pe : private_endpoints)
    for (const auto* list : {&pe.connections, &pe.manual_connections})
      for (const auto& c : *list)
        if (same_resource(c.private_link_service_id.value_or(""), target_id)) out.push_back(&pe);
  return out;
}

std::string ArmState::endpoint_address(const PrivateEndpoint& pe) const {
  for (const auto& nic_id : pe.network_interface_ids) {
    auto nic_it = nics.find(lower(nic_id.value_or("")));
    if (nic_it == nics.end()) continue;
    for (const auto& ipc : nic_it->second.ip_configurations)
      if (ipc.private_ip_address && !ipc.private_ip_address->empty())
        return *ipc.private_ip_address;
  }
  // Without the NIC, the endpoint's own DNS configuration carries the address.
  for (const auto& c : pe.custom_dns_configs)
    if (!c.ip_addresses.empty()) return c.ip_addresses.front();
  return "";
}

const std::vector<VnetLink>& ArmState::links_of(const std::string& zone_name) const {
  return listed_under(links, zone_name);
}

const std::vector<ARecordSet>& ArmState::records_of(const std::string& zone_name) const {
  return listed_under(a_records, zone_name);
}

const std::vector<ZoneGroup>& ArmState::groups_of(const std::string& endpoint_id) const {
  return listed_under(zone_groups, endpoint_id);
}

const Nic* ArmState::nic(const std::string& id) const {
  auto it = nics.find(lower(id));
  return it == nics.end() ? nullptr : &it->second;
}

const Nsg* ArmState::nsg(const std::string& id) const {
  auto it = nsgs.find(lower(id));
  return it == nsgs.end() ? nullptr : &it->second;
}

const RouteTable* ArmState::route_table(const std::string& id) const {
  auto it = route_tables.find(lower(id));
  return it == route_tables.end() ? nullptr : &it->second;
}

const Subnet* ArmState::subnet_by_id(const std::string& id) const {
  if (id.empty()) return nullptr;
  if (subnet && subnet->id && same_resource(*subnet->id, id)) return &*subnet;
  if (vnet)
    for (const auto& s : vnet->subnets)
      if (s.id && same_resource(*s.id, id)) return &s;
  for (const auto& v : vnets)
    for (const auto& s : v.subnets)
      if (s.id && same_resource(*s.id, id)) return &s;
  return nullptr;
}

const Vnet* ArmState::vnet_by_id(const std::string& id) const {
  if (id.empty()) return nullptr;
  if (vnet && vnet->id && same_resource(*vnet->id, id)) return &*vnet;
  for (const auto& v : vnets)
    if (v.id && same_resource(*v.id, id)) return &v;
  return nullptr;
}

std::pair<const DnsResolver*, const InboundEndpoint*> ArmState::inbound_endpoint_at(
    const std::string& address) const {
  if (address.empty()) return {nullptr, nullptr};
  for (const auto& r : resolvers)
    for (const auto& ep : listed_under(inbound_endpoints, r.id.value_or("")))
      for (const auto& ip : ep.private_ip_addresses)
        if (ip == address) return {&r, &ep};
  return {nullptr, nullptr};
}

std::vector<const DnsForwardingRuleset*> ArmState::rulesets_linked_to(
    const std::string& vnet_id) const {
  std::vector<const DnsForwardingRuleset*> out;
  for (const auto& rs : rulesets)
    for (const auto& link : listed_under(ruleset_links, rs.id.value_or("")))
      if (same_resource(link.virtual_network_id.value_or(""), vnet_id)) {
        out.push_back(&rs);
        break;
      }
  return out;
}

std::vector<std::string> ArmState::app_dns_servers() const {
  if (app_settings && app_settings->website_dns_server &&
      !app_settings->website_dns_server->empty()) {
    std::vector<std::string> out{*app_settings->website_dns_server};
    if (app_settings->website_dns_alt_server && !app_settings->website_dns_alt_server->empty())
      out.push_back(*app_settings->website_dns_alt_server);
    return out;
  }
  return vnet ? vnet->dns_servers : std::vector<std::string>{};
}

std::vector<std::string> ArmState::resolution_vnet_ids() const {
  std::string integration;
  if (vnet && vnet->id)
    integration = *vnet->id;
  else if (subnet && subnet->id)
    if (auto sid = parse_resource_id(*subnet->id); sid && sid->parent())
      integration = sid->parent()->str();
  if (integration.empty()) return {};
  const std::vector<std::string> servers = app_dns_servers();
  std::vector<std::string> out;
  const auto add = [&out](const std::string& id) {
    for (const auto& o : out)
      if (same_resource(o, id)) return;
    out.push_back(id);
  };
  if (servers.empty()) add(integration);
  for (const auto& s : servers) {
    if (s == "168.63.129.16") {
      add(integration);
    } else if (auto [resolver, endpoint] = inbound_endpoint_at(s);
               resolver && resolver->virtual_network_id) {
      add(*resolver->virtual_network_id);
    }
  }
  return out;
}

const Peering* ArmState::peering_between(const std::string& from_vnet_id,
                                         const std::string& to_vnet_id) const {
  const Vnet* from = vnet_by_id(from_vnet_id);
  if (!from) return nullptr;
  for (const auto& p : from->peerings)
    if (same_resource(p.remote_virtual_network_id.value_or(""), to_vnet_id)) return &p;
  return nullptr;
}

}  // namespace vnetdiag::arm
