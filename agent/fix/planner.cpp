#include "planner.hpp"

#include <algorithm>

#include "address_class.hpp"
#include "api_versions.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

using arm::json_str;
using arm::same_resource;
using nlohmann::json;

std::string first_label(const std::string& host) { return host.substr(0, host.find('.')); }

// Read-only fields ARM fills in; stripped before a read-merge-write PUT.
void strip_read_only(json& j) {
  for (const char* k : {"etag", "type", "systemData"}) j.erase(k);
  if (j.contains("properties") && j["properties"].is_object()) {
    auto& p = j["properties"];
    for (const char* k :
         {"provisioningState", "privateEndpoints", "ipConfigurations", "ipConfigurationProfiles",
          "resourceNavigationLinks", "serviceAssociationLinks", "purpose", "status", "resourceGuid",
          "maximumNumberOfWorkers", "numberOfWorkers", "geoRegion", "numberOfSites", "subscription",
          "resourceGroup", "privateEndpointConnections"})
      p.erase(k);
    if (p.contains("delegations") && p["delegations"].is_array())
      for (auto& d : p["delegations"])
        if (d.contains("properties")) {
          d["properties"].erase("actions");
          d["properties"].erase("provisioningState");
        }
  }
}

struct Builder {
  const PlanInput& in;
  const arm::Topology& t;
  Plan plan;
  std::string rg_id;
  std::string location;

  PlanStep& add(PlanStep s) {
    plan.steps.push_back(std::move(s));
    return plan.steps.back();
  }
  bool has(const std::string& key) const {
    return std::any_of(plan.steps.begin(), plan.steps.end(),
                       [&](const PlanStep& s) { return s.key == key; });
  }
  std::vector<std::string> existing(std::initializer_list<std::string> keys) const {
    std::vector<std::string> out;
    for (const auto& k : keys)
      if (has(k)) out.push_back(k);
    return out;
  }
};

const json* find_subnet(const json& vnet, const std::string& name_or_id) {
  if (!vnet.contains("properties") || !vnet["properties"].contains("subnets")) return nullptr;
  for (const auto& s : vnet["properties"]["subnets"])
    if (lower(json_str(s, {"name"})) == lower(name_or_id) ||
        same_resource(json_str(s, {"id"}), name_or_id))
      return &s;
  return nullptr;
}

std::string connection_status(const json& pe) {
  for (const char* list : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
    if (pe.contains("properties") && pe["properties"].contains(list))
      for (const auto& c : pe["properties"][list]) {
        std::string s = json_str(c, {"properties", "privateLinkServiceConnectionState", "status"});
        if (!s.empty()) return s;
      }
  return "";
}

}  // namespace

Plan plan_repairs(const PlanInput& in) {
  const arm::Topology& t = *in.topology;
  Builder b{
      in, t, {}, "/subscriptions/" + in.subscription + "/resourceGroups/" + in.resource_group, ""};
  const std::string net = b.rg_id + "/providers/Microsoft.Network";
  b.location =
      !in.names.location.empty() ? in.names.location : lower(json_str(t.site, {"location"}));
  b.location.erase(std::remove(b.location.begin(), b.location.end(), ' '), b.location.end());

  // The VNet: the one the app is integrated with, else the one holding the endpoints, else by name.
  const std::string site_subnet = json_str(t.site, {"properties", "virtualNetworkSubnetId"});
  const json* vnet = nullptr;
  for (const auto& v : t.vnets)
    if (!site_subnet.empty() && find_subnet(v, site_subnet)) vnet = &v;
  for (const auto& v : t.vnets)
    if (!vnet && lower(json_str(v, {"name"})) == lower(in.names.vnet)) vnet = &v;
  const std::string vnet_id =
      vnet ? json_str(*vnet, {"id"}) : net + "/virtualNetworks/" + in.names.vnet;
  const std::string vnet_location = vnet ? json_str(*vnet, {"location"}) : b.location;
  if (!vnet) {
    b.add({"vnet",
           "create",
           vnet_id,
           "PUT",
           arm::kNetworkApi,
           {{"location", b.location},
            {"properties", {{"addressSpace", {{"addressPrefixes", {in.names.vnet_prefix}}}}}}},
           {},
           "arm.integration_missing",
           "Microsoft.Network/virtualNetworks/write",
           {{"addressSpace.addressPrefixes", "(none)", in.names.vnet_prefix}},
           "",
           false,
           ""});
  }

  // Integration subnet, delegated to Microsoft.Web/serverFarms.
  const json* int_subnet =
      vnet ? (site_subnet.empty() ? find_subnet(*vnet, in.names.integration_subnet)
                                  : find_subnet(*vnet, site_subnet))
           : nullptr;
  const std::string int_subnet_id = int_subnet
                                        ? json_str(*int_subnet, {"id"})
                                        : vnet_id + "/subnets/" + in.names.integration_subnet;
  const json web_delegation = {{"name", "delegation"},
                               {"properties", {{"serviceName", "Microsoft.Web/serverFarms"}}}};
  if (!int_subnet) {
    b.add({"subnet:integration",
           "create",
           int_subnet_id,
           "PUT",
           arm::kNetworkApi,
           {{"properties",
             {{"addressPrefix", in.names.integration_prefix}, {"delegations", {web_delegation}}}}},
           b.existing({"vnet"}),
           "arm.integration_missing",
           "Microsoft.Network/virtualNetworks/subnets/write",
           {{"addressPrefix", "(none)", in.names.integration_prefix},
            {"delegations", "(none)", "Microsoft.Web/serverFarms"}},
           "",
           false,
           ""});
  } else {
    const json& delegations = arm::json_array(*int_subnet, {"properties", "delegations"});
    bool web = false;
    std::vector<std::string> others;
    for (const auto& d : delegations) {
      const std::string svc = json_str(d, {"properties", "serviceName"});
      if (lower(svc) == "microsoft.web/serverfarms")
        web = true;
      else
        others.push_back(svc);
    }
    if (!web && !others.empty()) {
      b.plan.refused.push_back(
          "subnet " + int_subnet_id + " is delegated to " + join(others, ", ") +
          ": not replacing another service's delegation; pick another integration subnet");
    } else if (!web) {
      json body = *int_subnet;
      strip_read_only(body);
      body.erase("id");
      body.erase("name");
      body["properties"]["delegations"] = json::array({web_delegation});
      b.add({"subnet:integration",
             "update",
             int_subnet_id,
             "PUT",
             arm::kNetworkApi,
             body,
             {},
             "arm.subnet_not_delegated",
             "Microsoft.Network/virtualNetworks/subnets/write",
             {{"delegations", "(none)", "Microsoft.Web/serverFarms"}},
             json_str(*int_subnet, {"etag"}),
             false,
             ""});
    }
  }

  // Private-endpoint subnet.
  const json* pe_subnet = vnet ? find_subnet(*vnet, in.names.endpoint_subnet) : nullptr;
  const std::string pe_subnet_id =
      pe_subnet ? json_str(*pe_subnet, {"id"}) : vnet_id + "/subnets/" + in.names.endpoint_subnet;
  bool pe_subnet_needed = false;

  // App Service plan and site.
  if (!t.plan.is_null()) {
    const std::string tier = json_str(t.plan, {"sku", "tier"});
    if (tier == "Free" || tier == "Shared" || tier == "Basic" || lower(tier) == "free" ||
        lower(tier) == "basic" || lower(tier) == "shared") {
      json body = t.plan;
      strip_read_only(body);
      body.erase("id");
      body.erase("name");
      body["sku"] = {{"name", "S1"}, {"tier", "Standard"}};
      b.add({"plan",
             "update",
             json_str(t.plan, {"id"}),
             "PUT",
             arm::kWebApi,
             body,
             {},
             "arm.plan_below_standard",
             "Microsoft.Web/serverfarms/write",
             {{"sku", tier, "S1 (Standard)"}},
             "",
             false,
             "changes the tier of every app in the plan and may move them to new workers"});
    }
  }
  const std::string site_id = json_str(t.site, {"id"});

  // Per target: zone, link, endpoint (or approval), zone group, lock-down.
  std::vector<std::string> endpoint_addresses;
  for (const auto& target : in.targets) {
    if (target.kind == TargetKind::kCustom || target.privatelink_zone.empty()) continue;
    const bool is_vault = target.kind == TargetKind::kKeyVault;
    const std::string name = first_label(target.host);
    const json* resource = is_vault ? t.vault(name) : t.account(name);
    if (!resource) {
      b.plan.refused.push_back(target.host + ": no such " + (is_vault ? "vault" : "account") +
                               " in " + in.resource_group);
      continue;
    }
    const std::string resource_id = json_str(*resource, {"id"});
    const std::string zone_name = target.privatelink_zone;
    const std::string zkey = "zone:" + zone_name;
    const json* zone = t.zone(zone_name);
    const std::string zone_id =
        zone ? json_str(*zone, {"id"}) : net + "/privateDnsZones/" + zone_name;
    if (!zone && !b.has(zkey))
      b.add({zkey,
             "create",
             zone_id,
             "PUT",
             arm::kPrivateDnsApi,
             {{"location", "global"}},
             {},
             "arm.zone_missing",
             "Microsoft.Network/privateDnsZones/write",
             {{"name", "(none)", zone_name}},
             "",
             false,
             ""});
    bool linked = false;
    auto links = t.links.find(lower(zone_name));
    if (links != t.links.end())
      for (const auto& l : links->second)
        linked |= same_resource(json_str(l, {"properties", "virtualNetwork", "id"}), vnet_id);
    const std::string lkey = "link:" + zone_name;
    if (!linked && !b.has(lkey)) {
      const std::string link_name =
          (is_vault ? std::string("vaultcore") : std::string("cognitiveservices")) + "-zonelink";
      auto deps = b.existing({zkey, "vnet"});
      b.add({lkey,
             "create",
             zone_id + "/virtualNetworkLinks/" + link_name,
             "PUT",
             arm::kPrivateDnsApi,
             {{"location", "global"},
              {"properties",
               {{"virtualNetwork", {{"id", vnet_id}}}, {"registrationEnabled", false}}}},
             deps,
             "arm.zone_not_linked",
             "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
             {{"virtualNetwork.id", "(not linked)", vnet_id}},
             "",
             false,
             ""});
    }

    const auto endpoints = t.endpoints_for(resource_id);
    const json* pe = nullptr;
    for (const json* e : endpoints)
      if (!pe || lower(connection_status(*e)) == "approved") pe = e;
    const std::string pkey = std::string("endpoint:") + (is_vault ? "vault" : "account");
    std::string pe_id;
    bool replaced = false;
    if (!pe) {
      const std::string pe_name = is_vault ? "securekeyvault-pe" : "securecstext-pe";
      pe_id = net + "/privateEndpoints/" + pe_name;
      pe_subnet_needed = true;
      auto deps = b.existing({"subnet:endpoints", "vnet"});
      if (!pe_subnet) deps.push_back("subnet:endpoints");
      b.add({pkey,
             "create",
             pe_id,
             "PUT",
             arm::kNetworkApi,
             {{"location", vnet_location.empty() ? b.location : vnet_location},
              {"properties",
               {{"subnet", {{"id", pe_subnet_id}}},
                {"privateLinkServiceConnections",
                 {{{"name", is_vault ? "securekeyvault-pc" : "securecstext-pc"},
                   {"properties",
                    {{"privateLinkServiceId", resource_id},
                     {"groupIds", {is_vault ? "vault" : "account"}}}}}}}}}},
             deps,
             "arm.endpoint_missing",
             "Microsoft.Network/privateEndpoints/write",
             {{"privateLinkServiceConnections", "(none)", resource_id}},
             "",
             false,
             ""});
    } else {
      pe_id = json_str(*pe, {"id"});
      const std::string status = connection_status(*pe);
      if (lower(status) == "pending") {
        // Approve on the target's side: its connection that points at this endpoint.
        std::string connection_id;
        if (resource->contains("properties") &&
            (*resource)["properties"].contains("privateEndpointConnections"))
          for (const auto& c : (*resource)["properties"]["privateEndpointConnections"])
            if (same_resource(json_str(c, {"properties", "privateEndpoint", "id"}), pe_id))
              connection_id = json_str(c, {"id"});
        if (connection_id.empty()) {
          b.plan.refused.push_back(pe_id + ": connection Pending, but the " +
                                   std::string(is_vault ? "vault" : "account") +
                                   " shows no matching connection to approve");
        } else {
          b.add({"approve:" + std::string(is_vault ? "vault" : "account"),
                 "approve",
                 connection_id,
                 "PUT",
                 is_vault ? arm::kKeyVaultApi : arm::kCognitiveApi,
                 {{"properties",
                   {{"privateLinkServiceConnectionState",
                     {{"status", "Approved"}, {"description", "Approved by vnetdiag fix"}}}}}},
                 {},
                 "arm.connection_not_approved",
                 std::string(is_vault ? "Microsoft.KeyVault/vaults"
                                      : "Microsoft.CognitiveServices/accounts") +
                     "/privateEndpointConnectionsApproval/action",
                 {{"privateLinkServiceConnectionState.status", status, "Approved"}},
                 "",
                 false,
                 ""});
        }
      } else if (lower(status) != "approved" && !in.names.allow_replace) {
        b.plan.refused.push_back(
            pe_id + ": connection " + status +
            " cannot be repaired in place; it needs a new endpoint (--allow-replace "
            "deletes and recreates it)");
      } else if (lower(status) != "approved") {
        // Delete, then create the same endpoint anew in the same subnet; its zone group goes
        // with it, so one is planned again below.
        const std::string dkey = "delete:" + pkey;
        const std::string subnet = json_str(*pe, {"properties", "subnet", "id"});
        b.add({dkey,
               "delete",
               pe_id,
               "DELETE",
               arm::kNetworkApi,
               nullptr,
               {},
               "arm.connection_not_approved",
               "Microsoft.Network/privateEndpoints/delete",
               {{"connection", status, "(endpoint deleted)"}},
               "",
               false,
               "the endpoint is deleted and created again: its address may change"});
        b.add({pkey,
               "create",
               pe_id,
               "PUT",
               arm::kNetworkApi,
               {{"location",
                 json_str(*pe, {"location"}).empty() ? b.location : json_str(*pe, {"location"})},
                {"properties",
                 {{"subnet", {{"id", subnet.empty() ? pe_subnet_id : subnet}}},
                  {"privateLinkServiceConnections",
                   {{{"name", is_vault ? "securekeyvault-pc" : "securecstext-pc"},
                     {"properties",
                      {{"privateLinkServiceId", resource_id},
                       {"groupIds", {is_vault ? "vault" : "account"}}}}}}}}}},
               {dkey},
               "arm.connection_not_approved",
               "Microsoft.Network/privateEndpoints/write",
               {{"privateLinkServiceConnections", status, "Approved (new endpoint)"}},
               "",
               false,
               ""});
        replaced = true;
      }
      const std::string addr = t.endpoint_address(*pe);
      if (!addr.empty()) endpoint_addresses.push_back(addr);
    }

    // Zone group on the endpoint for this zone.
    bool grouped = false, policy_owned = false;
    json existing_group;
    auto groups = t.zone_groups.find(lower(pe_id));
    if (groups != t.zone_groups.end() && !replaced)
      for (const auto& g : groups->second) {
        if (lower(json_str(g, {"name"})) == "deployedbypolicy") policy_owned = true;
        if (g.contains("properties") && g["properties"].contains("privateDnsZoneConfigs"))
          for (const auto& cfg : g["properties"]["privateDnsZoneConfigs"])
            if (same_resource(json_str(cfg, {"properties", "privateDnsZoneId"}), zone_id)) {
              grouped = true;
              existing_group = g;
            }
      }
    std::vector<std::string> record_ips;
    auto records = t.a_records.find(lower(zone_name));
    if (records != t.a_records.end())
      for (const auto& rs : records->second)
        if (lower(json_str(rs, {"name"})) == lower(name))
          for (const auto& a : arm::json_array(rs, {"properties", "aRecords"}))
            record_ips.push_back(json_str(a, {"ipv4Address"}));
    const std::string addr = pe ? t.endpoint_address(*pe) : "";
    const bool stale = grouped && !addr.empty() &&
                       std::find(record_ips.begin(), record_ips.end(), addr) == record_ips.end();
    const std::string gkey = std::string("zonegroup:") + (is_vault ? "vault" : "account");
    if (policy_owned && (!grouped || stale)) {
      b.plan.refused.push_back(
          pe_id +
          ": its DNS zone group is deployed by Azure Policy (deployedByPolicy); not touching it");
    } else if (!grouped || stale) {
      const std::string group_name =
          grouped ? json_str(existing_group, {"name"}) : std::string("default");
      auto deps = b.existing({pkey, zkey});
      b.add({gkey,
             grouped ? "update" : "create",
             pe_id + "/privateDnsZoneGroups/" + group_name,
             "PUT",
             arm::kNetworkApi,
             {{"properties",
               {{"privateDnsZoneConfigs",
                 {{{"name", zone_name}, {"properties", {{"privateDnsZoneId", zone_id}}}}}}}}},
             deps,
             stale ? "arm.record_stale" : "arm.zone_group_missing",
             "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write",
             {{"A " + name, record_ips.empty() ? "(none)" : join(record_ips, ", "),
               addr.empty() ? "the endpoint's address" : addr}},
             "",
             false,
             ""});
    }

    // Lock-down, last.
    if (is_vault) {
      const std::string action =
          json_str(*resource, {"properties", "networkAcls", "defaultAction"});
      if (lower(action) != "deny") {
        json acls = resource->contains("properties") &&
                            (*resource)["properties"].contains("networkAcls") &&
                            (*resource)["properties"]["networkAcls"].is_object()
                        ? (*resource)["properties"]["networkAcls"]
                        : json{{"bypass", "AzureServices"}};
        acls["defaultAction"] =
            "Deny";  // every other field (ipRules, virtualNetworkRules, bypass) kept as read
        b.add({"lockdown:vault",
               "update",
               resource_id,
               "PATCH",
               arm::kKeyVaultApi,
               {{"properties", {{"networkAcls", acls}}}},
               {},
               "arm.vault_public",
               "Microsoft.KeyVault/vaults/write",
               {{"networkAcls.defaultAction", action.empty() ? "Allow" : action, "Deny"}},
               "",
               true,
               ""});
      }
    } else {
      const std::string access = json_str(*resource, {"properties", "publicNetworkAccess"});
      if (lower(access) != "disabled")
        b.add({"lockdown:account",
               "update",
               resource_id,
               "PATCH",
               arm::kCognitiveApi,
               {{"properties", {{"publicNetworkAccess", "Disabled"}}}},
               {},
               "arm.account_public",
               "Microsoft.CognitiveServices/accounts/write",
               {{"publicNetworkAccess", access.empty() ? "Enabled" : access, "Disabled"}},
               "",
               true,
               ""});
    }
  }

  if (!pe_subnet && pe_subnet_needed) {
    b.plan.steps.insert(b.plan.steps.begin(),
                        PlanStep{"subnet:endpoints",
                                 "create",
                                 pe_subnet_id,
                                 "PUT",
                                 arm::kNetworkApi,
                                 {{"properties",
                                   {{"addressPrefix", in.names.endpoint_prefix},
                                    {"privateEndpointNetworkPolicies", "Disabled"}}}},
                                 b.existing({"vnet", "subnet:integration"}),
                                 "arm.endpoint_missing",
                                 "Microsoft.Network/virtualNetworks/subnets/write",
                                 {{"addressPrefix", "(none)", in.names.endpoint_prefix}},
                                 "",
                                 false,
                                 ""});
  }

  // The site: HTTPS only, integration, route-all — one PATCH, after the subnet and plan are ready.
  if (!t.site.is_null()) {
    json props = json::object();
    std::vector<PropertyChange> changes;
    std::string repairs;
    if (json_str(t.site, {"properties", "httpsOnly"}) != "true") {
      props["httpsOnly"] = true;
      changes.push_back({"httpsOnly", "false", "true"});
      repairs = "arm.https_only_off";
    }
    if (site_subnet.empty()) {
      props["virtualNetworkSubnetId"] = int_subnet_id;
      changes.push_back({"virtualNetworkSubnetId", "null", int_subnet_id});
      repairs = "arm.integration_missing";
    }
    // Route-all: with api-version 2023-12-01 it is site config's vnetRouteAllEnabled (the
    // site-level property and outboundVnetRouting come with newer api-versions), one PATCH.
    bool needs_route_all = in.names.route_all;
    for (const auto& a : endpoint_addresses)
      needs_route_all |= classify_address(a) != AddressClass::kRfc1918;
    const std::string route_all_now =
        json_str(t.site_config, {"properties", "vnetRouteAllEnabled"});
    if (needs_route_all && route_all_now != "true" &&
        json_str(t.site, {"properties", "vnetRouteAllEnabled"}) != "true") {
      auto deps = b.existing({"subnet:integration", "plan"});
      b.add({"routeall",
             "update",
             site_id + "/config/web",
             "PATCH",
             arm::kWebApi,
             {{"properties", {{"vnetRouteAllEnabled", true}}}},
             deps,
             "route.outside_vnet",
             "Microsoft.Web/sites/config/write",
             {{"vnetRouteAllEnabled", route_all_now.empty() ? "false" : route_all_now, "true"}},
             "",
             false,
             "site configuration changes restart the app (and vnetdiag if it runs inside it)"});
    }
    if (!changes.empty()) {
      auto deps = b.existing({"subnet:integration", "plan"});
      b.add({"site",
             "update",
             site_id,
             "PATCH",
             arm::kWebApi,
             {{"properties", props}},
             deps,
             repairs,
             "Microsoft.Web/sites/write" +
                 std::string(site_subnet.empty()
                                 ? " + Microsoft.Network/virtualNetworks/subnets/join/action"
                                 : ""),
             changes,
             "",
             false,
             "site configuration changes restart the app (and vnetdiag if it runs inside it)"});
    }
  }

  // A resource an earlier operation left in provisioningState Failed is re-applied as it is
  // (a PUT of its own body is ARM's way to retry); everything else waits for that.
  std::vector<std::string> reapplied;
  const auto reapply = [&](const json& r, const char* api_version, bool vnet_body) {
    if (lower(json_str(r, {"properties", "provisioningState"})) != "failed") return;
    const std::string id = json_str(r, {"id"});
    for (const auto& s : b.plan.steps)
      if (same_resource(s.resource_id, id)) return;  // already planned anew
    json body = r;
    strip_read_only(body);
    for (const char* k : {"id", "name"}) body.erase(k);
    if (body.contains("properties")) {
      body["properties"].erase("networkInterfaces");
      body["properties"].erase("customDnsConfigs");
      body["properties"].erase("virtualNetworkLinkState");
      if (vnet_body) body["properties"].erase("subnets");  // omitted subnets are kept (2023-09-01+)
    }
    const std::string key = "reapply:" + lower(id);
    b.plan.steps.insert(b.plan.steps.begin(),
                        PlanStep{key,
                                 "update",
                                 id,
                                 "PUT",
                                 api_version,
                                 body,
                                 {},
                                 "provisioning_failed",
                                 "(write on the resource)",
                                 {{"provisioningState", "Failed", "Succeeded"}},
                                 "",
                                 false,
                                 ""});
    reapplied.push_back(key);
  };
  for (const auto& v : t.vnets) {
    reapply(v, arm::kNetworkApi, true);
    for (const auto& sub : arm::json_array(v, {"properties", "subnets"}))
      reapply(sub, arm::kNetworkApi, false);
  }
  for (const auto& z : t.zones) reapply(z, arm::kPrivateDnsApi, false);
  for (const auto& [zone, links] : t.links)
    for (const auto& l : links) reapply(l, arm::kPrivateDnsApi, false);
  for (const auto& pe : t.private_endpoints) reapply(pe, arm::kNetworkApi, false);
  for (const auto& [pe, groups] : t.zone_groups)
    for (const auto& g : groups) reapply(g, arm::kNetworkApi, false);
  for (auto& s : b.plan.steps)
    if (s.key.rfind("reapply:", 0) != 0)
      s.depends_on.insert(s.depends_on.end(), reapplied.begin(), reapplied.end());

  // Lock-down steps wait for everything else.
  std::vector<std::string> all_others;
  for (const auto& s : b.plan.steps)
    if (!s.lock_down) all_others.push_back(s.key);
  for (auto& s : b.plan.steps)
    if (s.lock_down) s.depends_on = all_others;
  return b.plan;
}

}  // namespace vnetdiag::fix
