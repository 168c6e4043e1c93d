#include "topology.hpp"

#include "api_versions.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

std::string api(const char* version) { return std::string("?api-version=") + version; }

std::vector<json> values_of(const ArmResponse& r) {
  std::vector<json> out;
  if (r.ok() && r.body.is_object() && r.body.contains("value") && r.body["value"].is_array())
    for (const auto& v : r.body["value"]) out.push_back(v);
  return out;
}

void note_error(Topology& t, const std::string& what, const ArmResponse& r) {
  if (r.ok() || r.status == 404) return;
  // Without a token every read fails the same way: say it once.
  if (r.error && r.error->code == "NoCredentials") {
    const std::string line = "no token: " + r.error->message;
    for (const auto& e : t.errors)
      if (e == line) return;
    t.errors.push_back(line);
    return;
  }
  t.errors.push_back(what + ": " +
                     (r.error ? r.error->summary() : "HTTP " + std::to_string(r.status)));
}

}  // namespace

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
  for (const auto& pe : private_endpoints) {
    for (const char* list :
         {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"}) {
      if (!pe.contains("properties") || !pe["properties"].contains(list) ||
          !pe["properties"][list].is_array())
        continue;
      for (const auto& c : pe["properties"][list])
        if (same_resource(json_str(c, {"properties", "privateLinkServiceId"}), target_id))
          out.push_back(&pe);
    }
  }
  return out;
}

std::string Topology::endpoint_address(const json& pe) const {
  if (pe.contains("properties") && pe["properties"].contains("networkInterfaces"))
    for (const auto& nic_ref : pe["properties"]["networkInterfaces"]) {
      auto nic = nics.find(lower(json_str(nic_ref, {"id"})));
      if (nic == nics.end() || !nic->second.contains("properties")) continue;
      for (const auto& ipc : nic->second["properties"].value("ipConfigurations", json::array())) {
        const std::string ip = json_str(ipc, {"properties", "privateIPAddress"});
        if (!ip.empty()) return ip;
      }
    }
  // Without the NIC, the endpoint's own DNS configuration carries the address.
  if (pe.contains("properties") && pe["properties"].contains("customDnsConfigs"))
    for (const auto& c : pe["properties"]["customDnsConfigs"])
      if (c.contains("ipAddresses") && c["ipAddresses"].is_array() && !c["ipAddresses"].empty())
        return c["ipAddresses"][0].get<std::string>();
  return "";
}

Topology read_topology(ArmClient& client, const TopologyRequest& req) {
  Topology t;
  const int before = client.requests_sent();
  const std::string rg =
      "/subscriptions/" + req.subscription + "/resourceGroups/" + req.resource_group;
  const std::string site = rg + "/providers/Microsoft.Web/sites/" + req.app;

  // Round 1: the app and every list in its resource group, at once.
  const std::vector<std::string> first = {
      site + api(kWebApi),
      site + "/config/web" + api(kWebApi),
      rg + "/providers/Microsoft.KeyVault/vaults" + api(kKeyVaultApi),
      rg + "/providers/Microsoft.CognitiveServices/accounts" + api(kCognitiveApi),
      rg + "/providers/Microsoft.Network/privateEndpoints" + api(kNetworkApi),
      rg + "/providers/Microsoft.Network/privateDnsZones" + api(kPrivateDnsApi),
      rg + "/providers/Microsoft.Network/virtualNetworks" + api(kNetworkApi),
  };
  auto r1 = client.get_all(first);
  const char* names1[] = {"site",
                          "site config/web",
                          "vaults",
                          "accounts",
                          "private endpoints",
                          "private DNS zones",
                          "virtual networks"};
  for (std::size_t i = 0; i < r1.size(); ++i)
    note_error(t, std::string("read ") + names1[i], r1[i]);
  if (r1[0].ok()) t.site = r1[0].body;
  if (r1[1].ok()) t.site_config = r1[1].body;
  t.vaults = values_of(r1[2]);
  t.accounts = values_of(r1[3]);
  t.private_endpoints = values_of(r1[4]);
  t.zones = values_of(r1[5]);
  t.vnets = values_of(r1[6]);
  auto settings = client.send("POST", site + "/config/appsettings/list" + api(kWebApi));
  note_error(t, "list app settings", settings);
  if (settings.ok()) t.app_settings = settings.body;

  // Round 2: what round 1 points at.
  std::vector<std::string> second;
  std::vector<std::string> kinds;
  const std::string farm = json_str(t.site, {"properties", "serverFarmId"});
  if (!farm.empty()) {
    second.push_back(farm + api(kWebApi));
    kinds.push_back("plan");
  }
  const std::string subnet = json_str(t.site, {"properties", "virtualNetworkSubnetId"});
  if (auto sid = parse_resource_id(subnet); sid && sid->parent()) {
    second.push_back(subnet + api(kNetworkApi));
    kinds.push_back("subnet");
    second.push_back(sid->parent()->str() + api(kNetworkApi));
    kinds.push_back("vnet");
  }
  std::vector<std::string> zone_names = req.zone_names;
  if (!req.zoneless_accounts.empty()) {
    std::vector<std::string> paths, names;
    for (const auto& name : req.zoneless_accounts)
      if (const json* a = t.account(name)) {
        paths.push_back(json_str(*a, {"id"}) + "/privateLinkResources" + api(kCognitiveApi));
        names.push_back(lower(name));
      }
    auto found = client.get_all(paths);
    for (std::size_t i = 0; i < found.size(); ++i) {
      note_error(t, "read private link resources", found[i]);
      for (const auto& res : values_of(found[i])) {
        const json zones =
            res.value("properties", json::object()).value("requiredZoneNames", json::array());
        if (!zones.empty() && zones[0].is_string()) {
          t.required_zones[names[i]] = zones[0].get<std::string>();
          zone_names.push_back(zones[0].get<std::string>());
        }
      }
    }
  }
  for (const auto& zone_name : zone_names) {
    const json* z = t.zone(zone_name);
    if (!z) continue;
    const std::string id = json_str(*z, {"id"});
    second.push_back(id + "/virtualNetworkLinks" + api(kPrivateDnsApi));
    kinds.push_back("links:" + lower(zone_name));
    second.push_back(id + "/A" + api(kPrivateDnsApi));
    kinds.push_back("a:" + lower(zone_name));
  }
  for (const auto& pe : t.private_endpoints) {
    const std::string id = json_str(pe, {"id"});
    second.push_back(id + "/privateDnsZoneGroups" + api(kNetworkApi));
    kinds.push_back("groups:" + lower(id));
    if (pe.contains("properties") && pe["properties"].contains("networkInterfaces"))
      for (const auto& nic : pe["properties"]["networkInterfaces"]) {
        second.push_back(json_str(nic, {"id"}) + api(kNetworkApi));
        kinds.push_back("nic");
      }
  }
  auto r2 = client.get_all(second);
  for (std::size_t i = 0; i < r2.size(); ++i) {
    const std::string& kind = kinds[i];
    note_error(t, "read " + kind.substr(0, kind.find(':')), r2[i]);
    if (!r2[i].ok()) continue;
    if (kind == "plan")
      t.plan = r2[i].body;
    else if (kind == "subnet")
      t.subnet = r2[i].body;
    else if (kind == "vnet")
      t.vnet = r2[i].body;
    else if (kind == "nic")
      t.nics[lower(json_str(r2[i].body, {"id"}))] = r2[i].body;
    else if (starts_with(kind, "links:"))
      t.links[kind.substr(6)] = values_of(r2[i]);
    else if (starts_with(kind, "a:"))
      t.a_records[kind.substr(2)] = values_of(r2[i]);
    else if (starts_with(kind, "groups:"))
      t.zone_groups[kind.substr(7)] = values_of(r2[i]);
  }
  t.requests = client.requests_sent() - before;
  t.credential = client.tokens().source();
  t.correlation_id = client.correlation_id();
  return t;
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
          {"errors", t.errors},
          {"requests", t.requests},
          {"credential", t.credential},
          {"correlation_id", t.correlation_id}};
}

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
  get("errors", t.errors);
  get("requests", t.requests);
  get("credential", t.credential);
  get("correlation_id", t.correlation_id);
  return t;
}

}  // namespace vnetdiag::arm
