#include "topology.hpp"

#include <algorithm>

#include "api_versions.hpp"
#include "render.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

std::string api(const char* version) { return std::string("?api-version=") + version; }

constexpr int kMaxPages = 100;

// What a read's answer lacks, or "" when it can be used; lists must be {"value": [...]}.
std::string defect_of(const ArmResponse& r, bool list) {
  if (!r.ok()) {
    if (r.error && r.error->code == "NoCredentials") return "";
    return "HTTP " + std::to_string(r.status) + (r.error ? " " + r.error->summary() : "");
  }
  if (!r.body.is_object())
    return "HTTP " + std::to_string(r.status) + " with a body that is not a JSON object";
  if (list && !(r.body.contains("value") && r.body["value"].is_array()))
    return "HTTP " + std::to_string(r.status) + " without a 'value' list";
  return "";
}

void note_gap(Topology& t, const std::string& kind, const std::string& what,
              const std::string& path, const std::string& defect) {
  t.unread.insert(kind);
  t.errors.push_back(what + " " + path.substr(0, path.find('?')) + ": " + defect +
                     ": what depends on it was not judged");
}

void note_no_token(Topology& t, const ArmResponse& r) {
  if (!(r.error && r.error->code == "NoCredentials")) return;
  // Without a token every read fails the same way: say it once.
  const std::string line = "no token: " + r.error->message;
  for (const auto& e : t.errors)
    if (e == line) return;
  t.errors.push_back(line);
}

// A single resource: its body, or null with the gap noted.
json single(Topology& t, const std::string& kind, const std::string& what, const std::string& path,
            const ArmResponse& r) {
  note_no_token(t, r);
  if (r.error && r.error->code == "NoCredentials") {
    t.unread.insert(kind);
    return nullptr;
  }
  if (const std::string d = defect_of(r, false); !d.empty()) {
    note_gap(t, kind, what, path, d);
    return nullptr;
  }
  return r.body;
}

// Every item of a list, following nextLink page by page (bounded, loops refused); a page that
// cannot be had makes the whole list unread, since a missing item would be judged absent.
std::vector<json> list(ArmClient& client, Topology& t, const std::string& kind,
                       const std::string& what, const std::string& path, ArmResponse r) {
  std::vector<json> out;
  std::set<std::string> seen{path};
  for (int page = 1;; ++page) {
    note_no_token(t, r);
    if (r.error && r.error->code == "NoCredentials") {
      t.unread.insert(kind);
      return {};
    }
    if (const std::string d = defect_of(r, true); !d.empty()) {
      note_gap(t, kind, what, path, page == 1 ? d : "page " + std::to_string(page) + ": " + d);
      return {};
    }
    for (const auto& v : r.body["value"])
      if (v.is_object()) out.push_back(v);
    const json& next = r.body.contains("nextLink") ? r.body["nextLink"] : r.body;
    if (!next.is_string() || next.get<std::string>().empty()) return out;
    const std::string url = next.get<std::string>();
    if (!seen.insert(url).second) {
      note_gap(
          t, kind, what, path,
          "nextLink of page " + std::to_string(page) + " repeats an earlier page (a paging loop)");
      return {};
    }
    if (page >= kMaxPages) {
      note_gap(t, kind, what, path, "more than " + std::to_string(kMaxPages) + " pages");
      return {};
    }
    r = client.send("GET", url);
  }
}

// A subnet body by id: the integration subnet read on its own, else one inside a listed VNet.
const json* find_subnet(const Topology& t, const std::string& id) {
  if (id.empty()) return nullptr;
  if (same_resource(json_str(t.subnet, {"id"}), id)) return &t.subnet;
  for (const auto& v : t.vnets)
    for (const auto& s : json_array(v, {"properties", "subnets"}))
      if (same_resource(json_str(s, {"id"}), id)) return &s;
  return nullptr;
}

// Round 3: the NSGs and route tables on the integration subnet and on the endpoints' subnets.
void read_subnet_policies(ArmClient& client, Topology& t) {
  std::vector<std::string> subnet_ids{json_str(t.site, {"properties", "virtualNetworkSubnetId"})};
  for (const auto& pe : t.private_endpoints)
    subnet_ids.push_back(json_str(pe, {"properties", "subnet", "id"}));
  std::vector<std::string> paths, kinds;
  std::set<std::string> seen;
  for (const auto& sid : subnet_ids) {
    const json* subnet = find_subnet(t, sid);
    if (!subnet) continue;
    for (const auto& [property, kind] :
         {std::pair{"networkSecurityGroup", "nsg:"}, std::pair{"routeTable", "route table:"}}) {
      const std::string id = json_str(*subnet, {"properties", property, "id"});
      if (id.empty() || !seen.insert(kind + lower(id)).second) continue;
      paths.push_back(id + api(kNetworkApi));
      kinds.push_back(kind + lower(id));
    }
  }
  auto r = client.get_all(paths);
  for (std::size_t i = 0; i < r.size(); ++i) {
    const std::string& kind = kinds[i];
    const auto colon = kind.find(':');
    json body = single(t, kind, "read " + kind.substr(0, colon), paths[i], r[i]);
    if (body.is_null()) continue;
    (starts_with(kind, "nsg:") ? t.nsgs : t.route_tables)[kind.substr(colon + 1)] = std::move(body);
  }
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
  t.site = single(t, "site", "read site", first[0], r1[0]);
  t.site_config = single(t, "site config", "read site config/web", first[1], r1[1]);
  t.vaults = list(client, t, "vaults", "list vaults", first[2], std::move(r1[2]));
  t.accounts = list(client, t, "accounts", "list accounts", first[3], std::move(r1[3]));
  t.private_endpoints =
      list(client, t, "private endpoints", "list private endpoints", first[4], std::move(r1[4]));
  t.zones =
      list(client, t, "private DNS zones", "list private DNS zones", first[5], std::move(r1[5]));
  t.vnets =
      list(client, t, "virtual networks", "list virtual networks", first[6], std::move(r1[6]));
  const std::string settings_path = site + "/config/appsettings/list" + api(kWebApi);
  t.app_settings = single(t, "app settings", "list app settings", settings_path,
                          client.send("POST", settings_path));

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
      for (const auto& res : list(client, t, "private link resources:" + names[i],
                                  "list private link resources", paths[i], std::move(found[i]))) {
        const json& zones = json_array(res, {"properties", "requiredZoneNames"});
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
    for (const auto& nic : json_array(pe, {"properties", "networkInterfaces"})) {
      const std::string nic_id = json_str(nic, {"id"});
      if (nic_id.empty()) continue;
      second.push_back(nic_id + api(kNetworkApi));
      kinds.push_back("nic:" + lower(nic_id));
    }
  }
  auto r2 = client.get_all(second);
  for (std::size_t i = 0; i < r2.size(); ++i) {
    const std::string& kind = kinds[i];
    const std::string what = "read " + kind.substr(0, kind.find(':'));
    if (kind == "plan")
      t.plan = single(t, kind, what, second[i], r2[i]);
    else if (kind == "subnet")
      t.subnet = single(t, kind, what, second[i], r2[i]);
    else if (kind == "vnet")
      t.vnet = single(t, kind, what, second[i], r2[i]);
    else if (starts_with(kind, "nic:")) {
      json nic = single(t, kind, what, second[i], r2[i]);
      if (!nic.is_null()) t.nics[kind.substr(4)] = std::move(nic);
    } else if (starts_with(kind, "links:"))
      t.links[kind.substr(6)] = list(client, t, kind, what, second[i], std::move(r2[i]));
    else if (starts_with(kind, "a:"))
      t.a_records[kind.substr(2)] = list(client, t, kind, what, second[i], std::move(r2[i]));
    else if (starts_with(kind, "groups:"))
      t.zone_groups[kind.substr(7)] = list(client, t, kind, what, second[i], std::move(r2[i]));
  }
  // Round 3 (FM-25): an endpoint whose connection is not Approved, or that failed, may be blocked
  // by its target's resource provider not being registered in the endpoint's subscription.
  std::vector<std::string> third, keys;
  for (const auto& pe : t.private_endpoints) {
    const auto pe_id = parse_resource_id(json_str(pe, {"id"}));
    if (!pe_id) continue;
    const bool failed = lower(json_str(pe, {"properties", "provisioningState"})) == "failed";
    for (const char* kind :
         {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& c : json_array(pe, {"properties", kind})) {
        const std::string status =
            json_str(c, {"properties", "privateLinkServiceConnectionState", "status"});
        const auto target = parse_resource_id(json_str(c, {"properties", "privateLinkServiceId"}));
        if (!target || target->provider.empty() || (lower(status) == "approved" && !failed))
          continue;
        const std::string key = lower(pe_id->subscription + "/" + target->provider);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
        keys.push_back(key);
        third.push_back("/subscriptions/" + pe_id->subscription + "/providers/" + target->provider +
                        api(kResourcesApi));
      }
  }
  auto r3 = client.get_all(third);
  for (std::size_t i = 0; i < r3.size(); ++i) {
    json body = single(t, "provider:" + keys[i], "read provider registration", third[i], r3[i]);
    if (!body.is_null()) t.provider_states[keys[i]] = json_str(body, {"registrationState"});
  }
  read_subnet_policies(client, t);
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
          {"provider_states", t.provider_states},
          {"nsgs", t.nsgs},
          {"route_tables", t.route_tables},
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
  get("errors", t.errors);
  get("unread", t.unread);
  get("requests", t.requests);
  get("credential", t.credential);
  get("correlation_id", t.correlation_id);
  return t;
}

}  // namespace vnetdiag::arm
