// Golden plans: plan_to_json (and the order of Plan::steps) for many topologies, recorded from the
// planner as it was before it became a table of repairs (issue 13), compared byte for byte so the
// restructuring cannot change a single plan. VNETDIAG_UPDATE_GOLDEN=1 rewrites the files; do that
// only for a deliberate change of behaviour, and say so in the commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "planner.hpp"
#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

const std::string kCs = kRg + "/providers/Microsoft.CognitiveServices/accounts/vdlabcs";
const std::string kCsZoneName = "privatelink.cognitiveservices.azure.com";
const std::string kCsZone = kRg + "/providers/Microsoft.Network/privateDnsZones/" + kCsZoneName;
const std::string kCsPe = kRg + "/providers/Microsoft.Network/privateEndpoints/securecstext-pe";
const std::string kCsNic =
    kRg + "/providers/Microsoft.Network/networkInterfaces/securecstext-pe.nic";
const std::string kHubRg = "/subscriptions/s1/resourceGroups/hub";
const std::string kHubVnet = kHubRg + "/providers/Microsoft.Network/virtualNetworks/hub-vnet";

Target account_target() {
  return Target{TargetKind::kCognitive, "vdlabcs.cognitiveservices.azure.com", 443, kCsZoneName};
}

json& conn_state(Topology& t, std::size_t pe = 0) {
  return t.private_endpoints[pe]["properties"]["privateLinkServiceConnections"][0]["properties"]
                            ["privateLinkServiceConnectionState"];
}

// The tutorial's end state for the Cognitive Services account too.
void add_account(Topology& t) {
  t.accounts = {
      {{"id", kCs},
       {"name", "vdlabcs"},
       {"properties", {{"publicNetworkAccess", "Disabled"}, {"customSubDomainName", "vdlabcs"}}}}};
  t.private_endpoints.push_back(
      {{"id", kCsPe},
       {"name", "securecstext-pe"},
       {"location", "westeurope"},
       {"properties",
        {{"subnet", {{"id", kVnet + "/subnets/private-endpoint-subnet"}}},
         {"privateLinkServiceConnections",
          {{{"properties",
             {{"privateLinkServiceId", kCs},
              {"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}}}},
         {"networkInterfaces", {{{"id", kCsNic}}}}}}});
  t.nics[lower_id(kCsNic)] = {
      {"id", kCsNic},
      {"properties",
       {{"ipConfigurations", {{{"properties", {{"privateIPAddress", "10.0.1.5"}}}}}}}}};
  t.zones.push_back({{"id", kCsZone}, {"name", kCsZoneName}});
  t.links[kCsZoneName] = {{{"properties", {{"virtualNetwork", {{"id", kVnet}}}}}}};
  t.a_records[kCsZoneName] = {
      {{"name", "vdlabcs"}, {"properties", {{"aRecords", {{{"ipv4Address", "10.0.1.5"}}}}}}}};
  t.zone_groups[lower_id(kCsPe)] = {
      {{"name", "default"},
       {"properties",
        {{"privateDnsZoneConfigs", {{{"properties", {{"privateDnsZoneId", kCsZone}}}}}}}}}};
}

void empty_network(Topology& t) {
  t.vnets.clear();
  t.vnet = nullptr;
  t.subnet = nullptr;
  t.site["properties"].erase("virtualNetworkSubnetId");
  t.private_endpoints.clear();
  t.zones.clear();
  t.links.clear();
  t.a_records.clear();
  t.zone_groups.clear();
  t.nics.clear();
  t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
  if (!t.accounts.empty()) t.accounts[0]["properties"]["publicNetworkAccess"] = "Enabled";
}

void set_integration_subnet(Topology& t, const json& subnet) {
  t.subnet = subnet;
  t.vnets[0]["properties"]["subnets"][0] = subnet;
  t.vnet = t.vnets[0];
}

struct World {
  Topology t;
  fix::PlanInput in;
};

struct Scenario {
  const char* name;
  std::function<void(World&)> make;
};

// Every scenario starts from the tutorial's end state for the vault (targets: the vault).
const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"healthy", [](World&) {}},
      {"healthy-both",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
       }},
      {"empty-network", [](World& w) { empty_network(w.t); }},
      {"empty-network-both",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
         empty_network(w.t);
       }},
      {"empty-network-both-account-first",
       [](World& w) {
         add_account(w.t);
         w.in.targets.insert(w.in.targets.begin(), account_target());
         empty_network(w.t);
       }},
      {"empty-network-custom-names",
       [](World& w) {
         empty_network(w.t);
         w.in.names.location = "North Europe";
         w.in.names.vnet = "other-vnet";
         w.in.names.vnet_prefix = "10.8.0.0/16";
         w.in.names.integration_subnet = "int";
         w.in.names.integration_prefix = "10.8.0.0/24";
         w.in.names.endpoint_subnet = "pes";
         w.in.names.endpoint_prefix = "10.8.1.0/24";
       }},
      {"empty-network-no-acls",
       [](World& w) {
         empty_network(w.t);
         w.t.vaults[0]["properties"].erase("networkAcls");
       }},
      {"no-vnet-but-endpoint",
       [](World& w) {
         w.t.vnets.clear();
         w.t.site["properties"].erase("virtualNetworkSubnetId");
       }},
      {"link-missing", [](World& w) { w.t.links.clear(); }},
      {"link-to-other-vnet",
       [](World& w) {
         w.t.links["privatelink.vaultcore.azure.net"] = {
             {{"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}};
       }},
      {"hub-zone",
       // The zone lives in a hub resource group, linked to the hub: ours links to it there.
       [](World& w) {
         const std::string hub_zone =
             kHubRg +
             "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
         w.t.zones[0]["id"] = hub_zone;
         w.t.links["privatelink.vaultcore.azure.net"] = {
             {{"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}};
         w.t.zone_groups[lower_id(kPe)][0]["properties"]["privateDnsZoneConfigs"][0]["properties"]
                        ["privateDnsZoneId"] = hub_zone;
       }},
      // Issue 15: the zone is in another subscription (a hub's): the link is a write there, held
      // back unless that subscription is allowed; the zone group stays on the hub zone.
      {"hub-subscription-zone-not-allowed",
       [](World& w) {
         const std::string hub_zone =
             "/subscriptions/hub-sub/resourceGroups/connectivity/providers/Microsoft.Network/"
             "privateDnsZones/privatelink.vaultcore.azure.net";
         w.t.zones[0]["id"] = hub_zone;
         w.t.links["privatelink.vaultcore.azure.net"] = {
             {{"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}};
         w.t.zone_groups[lower_id(kPe)][0]["properties"]["privateDnsZoneConfigs"][0]["properties"]
                        ["privateDnsZoneId"] = hub_zone;
       }},
      {"hub-subscription-zone-allowed",
       [](World& w) {
         const std::string hub_zone =
             "/subscriptions/hub-sub/resourceGroups/connectivity/providers/Microsoft.Network/"
             "privateDnsZones/privatelink.vaultcore.azure.net";
         w.t.zones[0]["id"] = hub_zone;
         w.t.links["privatelink.vaultcore.azure.net"] = {
             {{"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}};
         w.t.zone_groups[lower_id(kPe)][0]["properties"]["privateDnsZoneConfigs"][0]["properties"]
                        ["privateDnsZoneId"] = hub_zone;
         w.in.allowed_subscriptions = {"HUB-SUB"};
       }},
      {"hub-zone-group-points-elsewhere",
       [](World& w) {
         w.t.zones[0]["id"] =
             kHubRg +
             "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
       }},
      {"zone-group-missing",
       [](World& w) {
         w.t.zone_groups.clear();
         w.t.a_records.clear();
       }},
      {"zone-group-missing-record-present", [](World& w) { w.t.zone_groups.clear(); }},
      {"zone-missing",
       [](World& w) {
         w.t.zones.clear();
         w.t.links.clear();
         w.t.a_records.clear();
       }},
      {"zone-missing-link-listed",
       [](World& w) {
         w.t.zones.clear();
         w.t.a_records.clear();
       }},
      {"record-stale",
       [](World& w) {
         w.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]
                      ["ipv4Address"] = "10.0.1.9";
       }},
      {"record-stale-custom-group-name",
       [](World& w) {
         w.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"] = {
             {{"ipv4Address", "10.0.1.9"}}, {{"ipv4Address", "10.0.1.10"}}};
         w.t.zone_groups[lower_id(kPe)][0]["name"] = "mygroup";
       }},
      {"record-missing-no-nic-address",
       [](World& w) {
         w.t.a_records.clear();
         w.t.nics.clear();
       }},
      {"connection-pending",
       [](World& w) {
         conn_state(w.t)["status"] = "Pending";
         w.t.vaults[0]["properties"]["privateEndpointConnections"] = {
             {{"id", kVault + "/privateEndpointConnections/c1"},
              {"properties", {{"privateEndpoint", {{"id", kPe}}}}}}};
       }},
      {"connection-pending-no-connection", [](World& w) { conn_state(w.t)["status"] = "Pending"; }},
      {"connection-pending-account",
       [](World& w) {
         add_account(w.t);
         w.in.targets = {account_target()};
         conn_state(w.t, 1)["status"] = "Pending";
         w.t.accounts[0]["properties"]["privateEndpointConnections"] = {
             {{"id", kCs + "/privateEndpointConnections/c9"},
              {"properties", {{"privateEndpoint", {{"id", kCsPe}}}}}}};
       }},
      {"connection-rejected", [](World& w) { conn_state(w.t)["status"] = "Rejected"; }},
      {"connection-disconnected", [](World& w) { conn_state(w.t)["status"] = "Disconnected"; }},
      {"connection-rejected-allow-replace",
       [](World& w) {
         conn_state(w.t)["status"] = "Rejected";
         w.in.names.allow_replace = true;
       }},
      {"connection-disconnected-allow-replace-with-subnet",
       [](World& w) {
         conn_state(w.t)["status"] = "Disconnected";
         w.t.private_endpoints[0]["location"] = "northeurope";
         w.t.private_endpoints[0]["properties"]["subnet"] = {{"id", kVnet + "/subnets/unrelated"}};
         w.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
         w.in.names.allow_replace = true;
       }},
      {"connection-manual-approved",
       [](World& w) {
         auto& p = w.t.private_endpoints[0]["properties"];
         p["manualPrivateLinkServiceConnections"] = p["privateLinkServiceConnections"];
         p.erase("privateLinkServiceConnections");
       }},
      {"two-endpoints-one-approved",
       [](World& w) {
         json other = w.t.private_endpoints[0];
         other["id"] = kRg + "/providers/Microsoft.Network/privateEndpoints/old-pe";
         other["properties"]["privateLinkServiceConnections"][0]["properties"]
              ["privateLinkServiceConnectionState"]["status"] = "Rejected";
         w.t.private_endpoints.insert(w.t.private_endpoints.begin(), other);
         w.t.private_endpoints.push_back(other);
       }},
      {"endpoint-missing",
       [](World& w) {
         w.t.private_endpoints.clear();
         w.t.zone_groups.clear();
       }},
      {"endpoint-and-subnet-missing",
       [](World& w) {
         w.t.private_endpoints.clear();
         w.t.zone_groups.clear();
         w.t.vnets[0]["properties"]["subnets"].erase(1);
       }},
      {"endpoint-subnet-missing-endpoint-present",
       [](World& w) { w.t.vnets[0]["properties"]["subnets"].erase(1); }},
      {"vault-public",
       [](World& w) { w.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow"; }},
      {"vault-public-no-acls", [](World& w) { w.t.vaults[0]["properties"].erase("networkAcls"); }},
      {"vault-public-keeps-rules",
       [](World& w) {
         w.t.vaults[0]["properties"]["networkAcls"] = {
             {"defaultAction", "allow"},
             {"bypass", "None"},
             {"ipRules", {{{"value", "203.0.113.7/32"}}}},
             {"virtualNetworkRules", {{{"id", kVnet + "/subnets/unrelated"}}}}};
       }},
      {"account-public",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
         w.t.accounts[0]["properties"]["publicNetworkAccess"] = "Enabled";
       }},
      {"account-public-unset",
       [](World& w) {
         add_account(w.t);
         w.in.targets = {account_target()};
         w.t.accounts[0]["properties"].erase("publicNetworkAccess");
       }},
      {"both-public",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
         w.t.accounts[0]["properties"]["publicNetworkAccess"] = "Enabled";
         w.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
       }},
      {"https-off", [](World& w) { w.t.site["properties"]["httpsOnly"] = false; }},
      {"https-unset", [](World& w) { w.t.site["properties"].erase("httpsOnly"); }},
      {"integration-missing",
       [](World& w) { w.t.site["properties"].erase("virtualNetworkSubnetId"); }},
      {"integration-missing-https-off",
       [](World& w) {
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.site["properties"]["httpsOnly"] = false;
       }},
      {"integration-missing-no-subnet",
       [](World& w) {
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.vnets[0]["properties"]["subnets"].erase(0);
       }},
      {"integration-missing-subnet-by-name",
       [](World& w) {
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.vnets[0]["properties"]["subnets"][0]["name"] = "vnet-integration-subnet";
         w.t.vnets[0]["properties"]["subnets"][0]["etag"] = "W/\"1\"";
         w.t.vnets[0]["properties"]["subnets"][0]["properties"]["delegations"] = json::array();
       }},
      {"integrated-into-other-vnet",
       [](World& w) {
         json other = w.t.vnets[0];
         const std::string id = kRg + "/providers/Microsoft.Network/virtualNetworks/app-vnet";
         other["id"] = id;
         other["name"] = "app-vnet";
         other["location"] = "northeurope";
         other["properties"]["subnets"] = {
             {{"id", id + "/subnets/apps"},
              {"name", "apps"},
              {"properties",
               {{"addressPrefix", "10.1.0.0/24"},
                {"delegations",
                 {{{"properties", {{"serviceName", "Microsoft.Web/serverFarms"}}}}}}}}}};
         w.t.vnets.push_back(other);
         w.t.site["properties"]["virtualNetworkSubnetId"] = id + "/subnets/apps";
       }},
      {"subnet-not-delegated",
       [](World& w) {
         json s = w.t.subnet;
         s["etag"] = "W/\"7\"";
         s["name"] = "vnet-integration-subnet";
         s["type"] = "Microsoft.Network/virtualNetworks/subnets";
         s["properties"]["delegations"] = json::array();
         s["properties"]["networkSecurityGroup"] = {{"id", "nsg1"}};
         s["properties"]["provisioningState"] = "Succeeded";
         s["properties"]["ipConfigurations"] = {{{"id", "x"}}};
         set_integration_subnet(w.t, s);
       }},
      {"subnet-delegation-without-name",
       [](World& w) {
         json s = w.t.subnet;
         s["properties"].erase("delegations");
         set_integration_subnet(w.t, s);
         w.t.site["properties"]["httpsOnly"] = false;
       }},
      {"subnet-delegated-elsewhere",
       [](World& w) {
         json s = w.t.subnet;
         s["properties"]["delegations"] = {
             {{"properties", {{"serviceName", "Microsoft.ContainerInstance/containerGroups"}}}},
             {{"properties", {{"serviceName", "Microsoft.Sql/managedInstances"}}}}};
         set_integration_subnet(w.t, s);
       }},
      {"subnet-delegated-web-and-other",
       [](World& w) {
         json s = w.t.subnet;
         s["properties"]["delegations"].push_back(
             {{"properties", {{"serviceName", "Microsoft.Sql/managedInstances"}}}});
         set_integration_subnet(w.t, s);
       }},
      {"policy-owned-zone-group",
       [](World& w) {
         w.t.zone_groups[lower_id(kPe)] = {
             {{"name", "deployedByPolicy"},
              {"properties", {{"privateDnsZoneConfigs", json::array()}}}}};
         w.t.a_records.clear();
       }},
      {"policy-owned-zone-group-healthy",
       [](World& w) { w.t.zone_groups[lower_id(kPe)][0]["name"] = "deployedByPolicy"; }},
      {"policy-owned-zone-group-stale",
       [](World& w) {
         w.t.zone_groups[lower_id(kPe)][0]["name"] = "DeployedByPolicy";
         w.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]
                      ["ipv4Address"] = "10.0.1.9";
       }},
      {"refused-delegation-and-policy",
       [](World& w) {
         json s = w.t.subnet;
         s["properties"]["delegations"] = {
             {{"properties", {{"serviceName", "Microsoft.ContainerInstance/containerGroups"}}}}};
         set_integration_subnet(w.t, s);
         w.t.zone_groups[lower_id(kPe)] = {
             {{"name", "deployedByPolicy"},
              {"properties", {{"privateDnsZoneConfigs", json::array()}}}}};
         w.t.a_records.clear();
       }},
      {"custom-dns",
       [](World& w) {
         w.t.vnets[0]["properties"]["dhcpOptions"]["dnsServers"] = {"10.0.9.4"};
         w.t.links.clear();
       }},
      {"plan-basic", [](World& w) { w.t.plan["sku"]["tier"] = "Basic"; }},
      {"plan-free-lower", [](World& w) { w.t.plan["sku"]["tier"] = "free"; }},
      {"plan-shared-with-readonly",
       [](World& w) {
         w.t.plan["sku"]["tier"] = "Shared";
         w.t.plan["name"] = "securebackend-plan";
         w.t.plan["location"] = "West Europe";
         w.t.plan["properties"] = {{"numberOfSites", 3}, {"reserved", true}, {"geoRegion", "x"}};
       }},
      {"plan-premium", [](World& w) { w.t.plan["sku"]["tier"] = "PremiumV3"; }},
      {"plan-basic-integration-missing",
       [](World& w) {
         w.t.plan["sku"]["tier"] = "Basic";
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.site["properties"]["httpsOnly"] = false;
       }},
      {"no-plan-no-site",
       [](World& w) {
         w.t.plan = nullptr;
         w.t.site = nullptr;
       }},
      {"routeall-needed",
       [](World& w) {
         w.t.nics[lower_id(kNic)]["properties"]["ipConfigurations"][0]["properties"]
                 ["privateIPAddress"] = "100.64.1.4";
         w.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]
                      ["ipv4Address"] = "100.64.1.4";
       }},
      {"routeall-needed-integration-missing",
       [](World& w) {
         w.t.nics[lower_id(kNic)]["properties"]["ipConfigurations"][0]["properties"]
                 ["privateIPAddress"] = "100.64.1.4";
         w.t.a_records.clear();
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.plan["sku"]["tier"] = "Basic";
       }},
      {"routeall-on-in-config",
       [](World& w) {
         w.t.nics[lower_id(kNic)]["properties"]["ipConfigurations"][0]["properties"]
                 ["privateIPAddress"] = "100.64.1.4";
         w.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]
                      ["ipv4Address"] = "100.64.1.4";
         w.t.site_config = {{"properties", {{"vnetRouteAllEnabled", true}}}};
       }},
      {"routeall-on-on-site",
       [](World& w) {
         w.t.site["properties"]["vnetRouteAllEnabled"] = true;
         w.in.names.route_all = true;
       }},
      {"routeall-forced", [](World& w) { w.in.names.route_all = true; }},
      {"routeall-forced-config-false",
       [](World& w) {
         w.in.names.route_all = true;
         w.t.site_config = {{"properties", {{"vnetRouteAllEnabled", false}}}};
       }},
      {"target-custom-and-zoneless",
       [](World& w) {
         w.in.targets.push_back(Target{TargetKind::kCustom, "api.example.com", 443, ""});
         w.in.targets.push_back(
             Target{TargetKind::kCognitive, "vdlabcs.cognitiveservices.azure.com", 443, ""});
         w.t.links.clear();
       }},
      {"target-not-found",
       [](World& w) {
         w.in.targets.push_back(account_target());
         w.in.targets.push_back(Target{TargetKind::kKeyVault, "nope.vault.azure.net", 443,
                                       "privatelink.vaultcore.azure.net"});
       }},
      {"two-vaults-same-zone",
       // Two vaults: one zone, one link, but the second vault's endpoint key repeats the first's.
       [](World& w) {
         empty_network(w.t);
         json v2 = w.t.vaults[0];
         v2["id"] = kRg + "/providers/Microsoft.KeyVault/vaults/second";
         v2["name"] = "second";
         w.t.vaults.push_back(v2);
         w.in.targets.push_back(Target{TargetKind::kKeyVault, "second.vault.azure.net", 443,
                                       "privatelink.vaultcore.azure.net"});
       }},
      {"failed-vnet",
       [](World& w) {
         w.t.vnets[0]["properties"]["provisioningState"] = "Failed";
         w.t.vnets[0]["etag"] = "W/\"3\"";
         w.t.vnets[0]["properties"]["resourceGuid"] = "g";
         w.t.links["privatelink.vaultcore.azure.net"].clear();
       }},
      {"failed-subnet-and-zone",
       [](World& w) {
         w.t.vnets[0]["properties"]["subnets"][2]["properties"]["provisioningState"] = "failed";
         w.t.zones[0]["properties"] = {{"provisioningState", "Failed"},
                                       {"numberOfRecordSets", 2},
                                       {"virtualNetworkLinkState", "x"}};
         w.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
       }},
      {"failed-link-endpoint-group",
       [](World& w) {
         w.t.links["privatelink.vaultcore.azure.net"][0]["id"] = kZone + "/virtualNetworkLinks/l1";
         w.t.links["privatelink.vaultcore.azure.net"][0]["properties"]["provisioningState"] =
             "Failed";
         w.t.private_endpoints[0]["properties"]["provisioningState"] = "Failed";
         w.t.private_endpoints[0]["properties"]["customDnsConfigs"] = json::array();
         w.t.zone_groups[lower_id(kPe)][0]["id"] = kPe + "/privateDnsZoneGroups/default";
         w.t.zone_groups[lower_id(kPe)][0]["properties"]["provisioningState"] = "Failed";
       }},
      {"failed-endpoint-replaced",
       [](World& w) {
         conn_state(w.t)["status"] = "Rejected";
         w.t.private_endpoints[0]["properties"]["provisioningState"] = "Failed";
         w.in.names.allow_replace = true;
       }},
      {"everything-at-once",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
         w.t.plan["sku"]["tier"] = "Basic";
         w.t.site["properties"]["httpsOnly"] = false;
         w.t.links.erase(kCsZoneName);
         conn_state(w.t)["status"] = "Pending";
         w.t.vaults[0]["properties"]["privateEndpointConnections"] = {
             {{"id", kVault + "/privateEndpointConnections/c1"},
              {"properties", {{"privateEndpoint", {{"id", kPe}}}}}}};
         w.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
         w.t.accounts[0]["properties"]["publicNetworkAccess"] = "Enabled";
         w.t.nics[lower_id(kCsNic)]["properties"]["ipConfigurations"][0]["properties"]
                 ["privateIPAddress"] = "100.64.1.5";
         w.t.zones[0]["properties"] = {{"provisioningState", "Failed"}};
       }},
      // Issue 14. FM-05: not integrated, and the VNet is in another region: no integration, no
      // integration subnet there, a refusal that says why.
      {"region-mismatch",
       [](World& w) {
         w.t.site["properties"].erase("virtualNetworkSubnetId");
         w.t.vnets[0]["location"] = "northeurope";
         w.t.site["properties"]["httpsOnly"] = false;
       }},
      // FM-27: an account without customSubDomainName: nothing planned for it, a refusal.
      {"account-no-subdomain",
       [](World& w) {
         add_account(w.t);
         w.in.targets.push_back(account_target());
         w.t.accounts[0]["properties"].erase("customSubDomainName");
         w.t.accounts[0]["properties"]["publicNetworkAccess"] = "Enabled";
       }},
      // FM-25: the pending connection's provider is not registered where the endpoint is:
      // register it, then approve.
      {"provider-unregistered",
       [](World& w) {
         conn_state(w.t)["status"] = "Pending";
         w.t.vaults[0]["properties"]["privateEndpointConnections"] = {
             {{"id", kVault + "/privateEndpointConnections/c1"},
              {"properties", {{"privateEndpoint", {{"id", kPe}}}}}}};
         w.t.provider_states["s1/microsoft.keyvault"] = "NotRegistered";
       }},
  };
  return all;
}

std::string golden_text(const fix::Plan& p) {
  json order = json::array();
  for (const auto& s : p.steps) order.push_back(s.key);
  return json{{"plan", fix::plan_to_json(p)}, {"step_order", order}}.dump(2) + "\n";
}

std::string golden_path(const std::string& name) {
  return std::string(VNETDIAG_PLANNER_GOLDEN_DIR) + "/" + name + ".json";
}

}  // namespace

TEST(PlannerGolden, EveryTopologyPlansExactlyAsRecorded) {
  const bool update = std::getenv("VNETDIAG_UPDATE_GOLDEN") != nullptr;
  std::size_t compared = 0;
  for (const auto& sc : scenarios()) {
    World w{tutorial(), {}};
    w.in = fix::PlanInput{&w.t, {vault_target()}, "s1", "securebackendsetup", {}};
    sc.make(w);
    w.in.topology = &w.t;
    const std::string got = golden_text(fix::plan_repairs(w.in));
    if (update) {
      std::ofstream(golden_path(sc.name)) << got;
      continue;
    }
    std::ifstream f(golden_path(sc.name));
    ASSERT_TRUE(f) << "no golden file for " << sc.name << " (VNETDIAG_UPDATE_GOLDEN=1 records it)";
    std::stringstream want;
    want << f.rdbuf();
    EXPECT_EQ(got, want.str()) << sc.name;
    ++compared;
  }
  if (!update) {
    EXPECT_EQ(compared, scenarios().size());
  }
}
