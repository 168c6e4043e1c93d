// Topology as data (serve's cache) and its small lookups.
#include <algorithm>

#include "render.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "topology.hpp"

namespace vnetdiag::arm {

using nlohmann::json;

std::string json_str(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->contains(key)) return "";
    cur = &(*cur)[key];
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

const json& json_array(const json& j, std::initializer_list<const char*> path) {
  static const json empty = json::array();
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->contains(key)) return empty;
    cur = &(*cur)[key];
  }
  return cur->is_array() ? *cur : empty;
}

const json* Topology::vault(const std::string& name) const {
  for (const auto& v : vaults)
    if (lower(json_str(v, {"name"})) == lower(name)) return &v;
  return nullptr;
}

const json* Topology::account(const std::string& name) const {
  for (const auto& a : accounts)
    if (lower(json_str(a, {"name"})) == lower(name) ||
        lower(json_str(a, {"properties", "customSubDomainName"})) == lower(name))
      return &a;
  return nullptr;
}

const json* Topology::zone(const std::string& name) const {
  for (const auto& z : zones)
    if (lower(json_str(z, {"name"})) == lower(name)) return &z;
  return nullptr;
}

std::vector<const json*> Topology::endpoints_for(const std::string& target_id) const {
  std::vector<const json*> out;
  for (const auto& pe : private_endpoints)
    for (const char* kind :
         {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& c : json_array(pe, {"properties", kind}))
        if (same_resource(json_str(c, {"properties", "privateLinkServiceId"}), target_id))
          out.push_back(&pe);
  return out;
}

std::string Topology::endpoint_address(const json& pe) const {
  for (const auto& nic_ref : json_array(pe, {"properties", "networkInterfaces"})) {
    auto nic = nics.find(lower(json_str(nic_ref, {"id"})));
    if (nic == nics.end()) continue;
    for (const auto& ipc : json_array(nic->second, {"properties", "ipConfigurations"})) {
      std::string ip = json_str(ipc, {"properties", "privateIPAddress"});
      if (!ip.empty()) return ip;
    }
  }
  // Without the NIC, the endpoint's own DNS configuration carries the address.
  for (const auto& c : json_array(pe, {"properties", "customDnsConfigs"}))
    for (const auto& ip : json_array(c, {"ipAddresses"}))
      if (ip.is_string()) return ip.get<std::string>();
  return "";
}

json topology_to_json(const Topology& t) {
  json settings = json::object();
  if (t.app_settings.is_object() && t.app_settings.contains("properties"))
    for (const char* name :
         {"WEBSITE_VNET_ROUTE_ALL", "WEBSITE_DNS_SERVER", "WEBSITE_DNS_ALT_SERVER"})
      if (t.app_settings["properties"].contains(name))
        settings[name] = t.app_settings["properties"][name];
  return {{"site", t.site},
          {"site_config", t.site_config},
          {"app_settings", {{"properties", settings}}},
          {"plan", t.plan},
          {"subnet", t.subnet},
          {"vnet", t.vnet},
          {"vaults", t.vaults},
          {"accounts", t.accounts},
          {"private_endpoints", t.private_endpoints},
          {"zones", t.zones},
          {"vnets", t.vnets},
          {"links", t.links},
          {"a_records", t.a_records},
          {"zone_groups", t.zone_groups},
          {"nics", t.nics},
          {"required_zones", t.required_zones},
          {"provider_states", t.provider_states},
          {"nsgs", t.nsgs},
          {"route_tables", t.route_tables},
          {"duplicate_zones", t.duplicate_zones},
          {"duplicate_links", t.duplicate_links},
          {"duplicate_a_records", t.duplicate_a_records},
          {"resolvers", t.resolvers},
          {"rulesets", t.rulesets},
          {"inbound_endpoints", t.inbound_endpoints},
          {"ruleset_links", t.ruleset_links},
          {"forwarding_rules", t.forwarding_rules},
          {"kv_references", t.kv_references},
          {"read_mode", t.read_mode},
          {"read_mode_reason", t.read_mode_reason},
          {"subscriptions", t.subscriptions},
          {"errors", t.errors},
          {"unread", t.unread},
          {"requests", t.requests},
          {"credential", t.credential},
          {"correlation_id", t.correlation_id}};
}

std::string topology_cache_text(const Topology& t) { return json_text(topology_to_json(t)); }

Topology topology_from_json(const json& j) {
  Topology t;
  const auto get = [&j](const char* key, auto& out) {
    if (j.contains(key) && !j[key].is_null()) j[key].get_to(out);
  };
  get("site", t.site);
  get("site_config", t.site_config);
  get("app_settings", t.app_settings);
  get("plan", t.plan);
  get("subnet", t.subnet);
  get("vnet", t.vnet);
  get("vaults", t.vaults);
  get("accounts", t.accounts);
  get("private_endpoints", t.private_endpoints);
  get("zones", t.zones);
  get("vnets", t.vnets);
  get("links", t.links);
  get("a_records", t.a_records);
  get("zone_groups", t.zone_groups);
  get("nics", t.nics);
  get("required_zones", t.required_zones);
  get("provider_states", t.provider_states);
  get("nsgs", t.nsgs);
  get("route_tables", t.route_tables);
  get("duplicate_zones", t.duplicate_zones);
  get("duplicate_links", t.duplicate_links);
  get("duplicate_a_records", t.duplicate_a_records);
  get("resolvers", t.resolvers);
  get("rulesets", t.rulesets);
  get("inbound_endpoints", t.inbound_endpoints);
  get("ruleset_links", t.ruleset_links);
  get("forwarding_rules", t.forwarding_rules);
  get("kv_references", t.kv_references);
  get("read_mode", t.read_mode);
  get("read_mode_reason", t.read_mode_reason);
  get("subscriptions", t.subscriptions);
  get("errors", t.errors);
  get("unread", t.unread);
  get("requests", t.requests);
  get("credential", t.credential);
  get("correlation_id", t.correlation_id);
  return t;
}

}  // namespace vnetdiag::arm
