#include "plane_rules.hpp"

#include <algorithm>

#include "address_class.hpp"
#include "finding_catalog.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

struct RootCause {
  FindingId id;  // control-plane finding id
  Cause cause;
};

std::string first_label(const std::string& host) { return host.substr(0, host.find('.')); }

std::string connection_status(const json& pe) {
  for (const char* list :
       {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"}) {
    for (const auto& c : json_array(pe, {"properties", list})) {
      std::string s = json_str(c, {"properties", "privateLinkServiceConnectionState", "status"});
      if (!s.empty()) return s;
    }
  }
  return "";
}

bool integer_prefix_too_small(const std::string& prefix) {
  const auto slash = prefix.find('/');
  if (slash == std::string::npos) return false;
  try {
    return std::stoi(prefix.substr(slash + 1)) > 27;
  } catch (...) {
    return false;
  }
}

// The first thing in the tutorial's chain that is wrong for this target's DNS.
std::optional<RootCause> dns_root_cause(const Topology& t, const json& resource,
                                        const Target& target, const std::string& rg_id,
                                        const std::string& vnet_id) {
  const std::string resource_id = json_str(resource, {"id"});
  if (!t.was_read("private endpoints")) return std::nullopt;
  const auto endpoints = t.endpoints_for(resource_id);
  if (endpoints.empty())
    return RootCause{
        "arm.endpoint_missing",
        {resource_id, "properties.privateEndpointConnections", "none", "one Approved connection"}};
  const json* pe = nullptr;
  for (const json* e : endpoints)
    if (lower(connection_status(*e)) == "approved") pe = e;
  if (!pe) {
    const json& e = *endpoints.front();
    return RootCause{"arm.connection_not_approved",
                     {json_str(e, {"id"}),
                      "properties.privateLinkServiceConnections[0].properties."
                      "privateLinkServiceConnectionState.status",
                      connection_status(e), "Approved"}};
  }
  const std::string pe_id = json_str(*pe, {"id"});
  const std::string zone_name = target.privatelink_zone;
  if (zone_name.empty()) return std::nullopt;
  if (!t.was_read("private DNS zones")) return std::nullopt;
  const json* zone = t.zone(zone_name);
  if (!zone)
    return RootCause{"arm.zone_missing",
                     {rg_id + "/providers/Microsoft.Network/privateDnsZones/" + zone_name,
                      "(resource)", "missing", "exists"}};
  const std::string zone_id = json_str(*zone, {"id"});
  if (!t.was_read("links:" + lower(zone_name))) return std::nullopt;
  std::vector<std::string> linked;
  bool linked_here = false;
  auto links = t.links.find(lower(zone_name));
  if (links != t.links.end())
    for (const auto& l : links->second) {
      const std::string v = json_str(l, {"properties", "virtualNetwork", "id"});
      linked.push_back(v);
      if (!vnet_id.empty() && same_resource(v, vnet_id)) linked_here = true;
    }
  if (!vnet_id.empty() && !linked_here)
    return RootCause{"arm.zone_not_linked",
                     {zone_id, "virtualNetworkLinks[].properties.virtualNetwork.id",
                      linked.empty() ? "no links" : join(linked, ", "), vnet_id}};
  bool grouped = false;
  auto groups = t.zone_groups.find(lower(pe_id));
  if (groups != t.zone_groups.end())
    for (const auto& g : groups->second)
      for (const auto& cfg : json_array(g, {"properties", "privateDnsZoneConfigs"}))
        grouped |= same_resource(json_str(cfg, {"properties", "privateDnsZoneId"}), zone_id);
  const std::string address = t.endpoint_address(*pe);
  const std::string record_name = first_label(target.host);
  std::vector<std::string> record_ips;
  auto records = t.a_records.find(lower(zone_name));
  if (records != t.a_records.end())
    for (const auto& rs : records->second)
      if (lower(json_str(rs, {"name"})) == lower(record_name))
        for (const auto& a : json_array(rs, {"properties", "aRecords"}))
          record_ips.push_back(json_str(a, {"ipv4Address"}));
  if (!t.was_read("a:" + lower(zone_name)) || !t.was_read("groups:" + lower(pe_id)))
    return std::nullopt;
  if (!grouped && record_ips.empty())
    return RootCause{
        "arm.zone_group_missing",
        {pe_id,
         "privateDnsZoneGroups[].properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
         "none", zone_id}};
  if (!address.empty() &&
      std::find(record_ips.begin(), record_ips.end(), address) == record_ips.end())
    return RootCause{"arm.record_stale",
                     {zone_id + "/A/" + record_name, "properties.aRecords[].ipv4Address",
                      record_ips.empty() ? "none" : join(record_ips, ", "), address}};
  return std::nullopt;
}

bool is_dns_symptom(const Finding& f) {
  auto is_one = [&](std::initializer_list<FindingId> ids) {
    return std::any_of(ids.begin(), ids.end(), [&](FindingId id) { return is(f, id); });
  };
  return is_one({"dns.alias_missing", "dns.public_address", "dns.nxdomain", "dns.no_answer",
                 "dns.resolver_not_forwarding", "kv.public_source", "kv.forbidden_by_firewall",
                 "cs.public_access_disabled", "cs.forbidden_by_firewall", "tcp.timeout"});
}

Finding control(FindingId id, const std::string& target, const Cause& cause) {
  Finding f = make_finding(id, target, "");
  f.cause = cause;
  return f;
}

}  // namespace

void join_planes(const Topology& t, const std::vector<Target>& targets, const std::string& rg_id,
                 std::vector<Finding>& findings) {
  const std::string site_id = json_str(t.site, {"id"});
  const std::string subnet_id = json_str(t.site, {"properties", "virtualNetworkSubnetId"});
  std::string vnet_id;
  if (auto sid = parse_resource_id(subnet_id); sid && sid->parent()) vnet_id = sid->parent()->str();
  std::vector<Finding> added;

  for (const auto& err : t.errors)
    added.push_back(make_finding(err.find("UntrustedRedirect") != std::string::npos
                                     ? FindingId("arm.untrusted_redirect")
                                     : FindingId("arm.read_incomplete"),
                                 "", err));

  if (!t.site.is_null()) {
    if (subnet_id.empty())
      added.push_back(control("arm.integration_missing", "",
                              {site_id, "properties.virtualNetworkSubnetId", "null",
                               "the delegated integration subnet"}));
    if (json_str(t.site, {"properties", "httpsOnly"}) == "false")
      added.push_back(
          control("arm.https_only_off", "", {site_id, "properties.httpsOnly", "false", "true"}));
  }
  // Not integrated: the tutorial's integration subnet, if it exists, must be delegated before
  // the app can join it (FM-03).
  if (subnet_id.empty() && !t.site.is_null()) {
    for (const auto& v : t.vnets) {
      for (const auto& sub : json_array(v, {"properties", "subnets"})) {
        if (lower(json_str(sub, {"name"})) != "vnet-integration-subnet") continue;
        bool delegated = false;
        for (const auto& d : json_array(sub, {"properties", "delegations"}))
          delegated |=
              lower(json_str(d, {"properties", "serviceName"})) == "microsoft.web/serverfarms";
        if (!delegated)
          added.push_back(
              control("arm.subnet_not_delegated", "",
                      {json_str(sub, {"id"}), "properties.delegations[].properties.serviceName",
                       "none", "Microsoft.Web/serverFarms"}));
      }
    }
  }
  if (!t.subnet.is_null()) {
    bool delegated = false;
    for (const auto& d : json_array(t.subnet, {"properties", "delegations"}))
      delegated |= lower(json_str(d, {"properties", "serviceName"})) == "microsoft.web/serverfarms";
    if (!delegated)
      added.push_back(control("arm.subnet_not_delegated", "",
                              {subnet_id, "properties.delegations[].properties.serviceName", "none",
                               "Microsoft.Web/serverFarms"}));
    const std::string prefix = json_str(t.subnet, {"properties", "addressPrefix"});
    if (integer_prefix_too_small(prefix))
      added.push_back(control("arm.subnet_too_small", "",
                              {subnet_id, "properties.addressPrefix", prefix, "/26 or larger"}));
  }
  if (!t.plan.is_null()) {
    const std::string tier = lower(json_str(t.plan, {"sku", "tier"}));
    if (tier == "free" || tier == "shared" || tier == "basic")
      added.push_back(control("arm.plan_below_standard", "",
                              {json_str(t.plan, {"id"}), "sku.tier",
                               json_str(t.plan, {"sku", "tier"}), "Standard or above"}));
  }
  {
    std::vector<std::string> servers;
    for (const auto& s : json_array(t.vnet, {"properties", "dhcpOptions", "dnsServers"}))
      if (s.is_string()) servers.push_back(s.get<std::string>());
    if (!servers.empty())
      added.push_back(control("arm.custom_dns", "",
                              {vnet_id, "properties.dhcpOptions.dnsServers", join(servers, ", "),
                               "[] (Azure DNS) or forwarders to 168.63.129.16"}));
  }
  // Route-all layers: site property, site config, app setting.
  {
    std::vector<std::pair<std::string, std::string>> layers;
    if (auto v = json_str(t.site, {"properties", "vnetRouteAllEnabled"}); !v.empty())
      layers.push_back({"site vnetRouteAllEnabled", v});
    if (auto v = json_str(t.site, {"properties", "outboundVnetRouting", "allTraffic"}); !v.empty())
      layers.push_back({"site outboundVnetRouting.allTraffic", v});
    if (auto v = json_str(t.site_config, {"properties", "vnetRouteAllEnabled"}); !v.empty())
      layers.push_back({"config/web vnetRouteAllEnabled", v});
    if (auto v = json_str(t.app_settings, {"properties", "WEBSITE_VNET_ROUTE_ALL"}); !v.empty())
      layers.push_back({"app setting WEBSITE_VNET_ROUTE_ALL", v == "1" ? "true" : "false"});
    bool disagree = false;
    for (const auto& l : layers) disagree |= l.second != layers.front().second;
    if (disagree) {
      std::vector<std::string> text;
      text.reserve(layers.size());
      for (const auto& [k, v] : layers) text.push_back(std::string(k).append("=").append(v));
      added.push_back(control("arm.routeall_layers_disagree", "",
                              {site_id, "properties.vnetRouteAllEnabled", join(text, ", "),
                               "one value in every layer"}));
    }
  }

  // Route-all off with an endpoint outside RFC1918 (FM-06): the site property is the cause.
  {
    std::string value = json_str(t.site, {"properties", "vnetRouteAllEnabled"});
    std::string property = "properties.vnetRouteAllEnabled";
    if (value.empty()) {
      value = json_str(t.site_config, {"properties", "vnetRouteAllEnabled"});
      if (!value.empty()) property = "config/web properties.vnetRouteAllEnabled";
    }
    for (auto& f : findings)
      if (is(f, "route.outside_vnet"))
        f.cause = Cause{site_id, property, value.empty() ? "false (unset)" : value, "true"};
  }

  for (const auto& target : targets) {
    if (target.kind == TargetKind::kCustom) continue;
    const std::string label = target.label();
    const std::string name = first_label(target.host);
    const bool vault = target.kind == TargetKind::kKeyVault;
    if (!t.was_read(vault ? "vaults" : "accounts")) continue;  // the gap finding says so
    const json* resource = vault ? t.vault(name) : t.account(name);
    if (!resource) {
      added.push_back(make_finding("arm.target_not_found", label, name));
      continue;
    }
    const std::string resource_id = json_str(*resource, {"id"});
    if (target.kind == TargetKind::kKeyVault) {
      const std::string action =
          json_str(*resource, {"properties", "networkAcls", "defaultAction"});
      if (lower(action) != "deny")
        added.push_back(control("arm.vault_public", label,
                                {resource_id, "properties.networkAcls.defaultAction",
                                 action.empty() ? "Allow (unset)" : action, "Deny"}));
    } else {
      const std::string access = json_str(*resource, {"properties", "publicNetworkAccess"});
      if (lower(access) != "disabled")
        added.push_back(control("arm.account_public", label,
                                {resource_id, "properties.publicNetworkAccess",
                                 access.empty() ? "Enabled (unset)" : access, "Disabled"}));
    }
    for (const json* pe : t.endpoints_for(resource_id)) {
      auto groups = t.zone_groups.find(lower(json_str(*pe, {"id"})));
      if (groups == t.zone_groups.end()) continue;
      for (const auto& g : groups->second)
        if (lower(json_str(g, {"name"})) == "deployedbypolicy")
          added.push_back(
              control("arm.zone_group_policy_owned", label,
                      {json_str(g, {"id"}), "name", "deployedByPolicy", "owned by Azure Policy"}));
    }
    auto root = dns_root_cause(t, *resource, target, rg_id, vnet_id);
    if (!root) continue;
    bool symptom = false;
    for (auto& f : findings) {
      if (f.target != label || f.severity == Severity::kOk || !is_dns_symptom(f)) continue;
      f.cause = root->cause;
      symptom = true;
    }
    (void)symptom;  // the control-plane finding stands even before the data plane shows it
    added.push_back(control(root->id, label, root->cause));
  }
  findings.insert(findings.end(), added.begin(), added.end());
}

}  // namespace vnetdiag::arm
