#include "plane_rules.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

using namespace vnetdiag;
using namespace vnetdiag::arm;
using nlohmann::json;

std::string lower_id(const std::string& s);

namespace {

const std::string kRg = "/subscriptions/s1/resourceGroups/securebackendsetup";
const std::string kVnet = kRg + "/providers/Microsoft.Network/virtualNetworks/securebackend-vnet";
const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/vdlabkv";
const std::string kZone = kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
const std::string kPe = kRg + "/providers/Microsoft.Network/privateEndpoints/securekeyvault-pe";
const std::string kNic = kRg + "/providers/Microsoft.Network/networkInterfaces/securekeyvault-pe.nic";

Target vault_target() { return Target{TargetKind::kKeyVault, "vdlabkv.vault.azure.net", 443, "privatelink.vaultcore.azure.net"}; }

// The tutorial's end state for the vault, as ARM shows it.
Topology tutorial() {
  Topology t;
  t.site = {{"id", kRg + "/providers/Microsoft.Web/sites/app"},
            {"properties", {{"virtualNetworkSubnetId", kVnet + "/subnets/vnet-integration-subnet"}, {"httpsOnly", true}}}};
  t.subnet = {{"id", kVnet + "/subnets/vnet-integration-subnet"},
              {"properties", {{"addressPrefix", "10.0.0.0/24"}, {"delegations", {{{"properties", {{"serviceName", "Microsoft.Web/serverFarms"}}}}}}}}};
  t.plan = {{"id", "plan"}, {"sku", {{"tier", "Standard"}, {"name", "S1"}}}};
  t.vnet = {{"id", kVnet}, {"properties", {{"dhcpOptions", {{"dnsServers", json::array()}}}}}};
  t.vaults = {{{"id", kVault}, {"name", "vdlabkv"}, {"properties", {{"networkAcls", {{"defaultAction", "Deny"}}}}}}};
  t.private_endpoints = {{{"id", kPe}, {"name", "securekeyvault-pe"},
                          {"properties", {{"privateLinkServiceConnections", {{{"properties", {{"privateLinkServiceId", kVault},
                                                                                            {"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}}}},
                                          {"networkInterfaces", {{{"id", kNic}}}}}}}};
  t.nics[lower_id(kNic)] = {{"id", kNic}, {"properties", {{"ipConfigurations", {{{"properties", {{"privateIPAddress", "10.0.1.4"}}}}}}}}};
  t.zones = {{{"id", kZone}, {"name", "privatelink.vaultcore.azure.net"}}};
  t.links["privatelink.vaultcore.azure.net"] = {{{"properties", {{"virtualNetwork", {{"id", kVnet}}}}}}};
  t.a_records["privatelink.vaultcore.azure.net"] = {{{"name", "vdlabkv"}, {"properties", {{"aRecords", {{{"ipv4Address", "10.0.1.4"}}}}}}}};
  t.zone_groups[lower_id(kPe)] = {{{"name", "default"}, {"properties", {{"privateDnsZoneConfigs", {{{"properties", {{"privateDnsZoneId", kZone}}}}}}}}}};
  return t;
}

std::set<std::string> problems(const std::vector<Finding>& f) {
  std::set<std::string> out;
  for (const auto& x : f)
    if (x.severity != Severity::kOk) out.insert(x.id);
  return out;
}

Finding symptom(const char* id) {
  Finding f;
  f.id = id;
  f.target = "vdlabkv.vault.azure.net";
  f.severity = Severity::kCritical;
  return f;
}

}  // namespace

TEST(JoinPlanes, TutorialEndStateHasNoControlPlaneProblems) {
  std::vector<Finding> f;
  join_planes(tutorial(), {vault_target()}, kRg, f);
  EXPECT_TRUE(problems(f).empty());
}

TEST(JoinPlanes, ZoneNotLinkedIsTheCauseOfThePublicAddress) {
  Topology t = tutorial();
  t.links["privatelink.vaultcore.azure.net"].clear();
  std::vector<Finding> f = {symptom("dns.public_address")};
  join_planes(t, {vault_target()}, kRg, f);
  EXPECT_EQ(problems(f), (std::set<std::string>{"dns.public_address", "arm.zone_not_linked"}));
  ASSERT_TRUE(f[0].cause);
  EXPECT_EQ(f[0].cause->resource_id, kZone);
  EXPECT_EQ(f[0].cause->property, "virtualNetworkLinks[].properties.virtualNetwork.id");
  EXPECT_EQ(f[0].cause->expected, kVnet);
}

TEST(JoinPlanes, EachBrokenLinkOfTheChain) {
  struct Case { const char* expect; std::function<void(Topology&)> breakit; std::string resource; };
  const std::vector<Case> cases = {
      {"arm.connection_not_approved", [](Topology& t) {
         t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"] = "Pending"; }, kPe},
      {"arm.endpoint_missing", [](Topology& t) { t.private_endpoints.clear(); }, kVault},
      {"arm.zone_missing", [](Topology& t) { t.zones.clear(); }, kZone},
      {"arm.zone_group_missing", [](Topology& t) { t.zone_groups.clear(); t.a_records.clear(); }, kPe},
      {"arm.record_stale", [](Topology& t) { t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]["ipv4Address"] = "10.0.1.9"; },
       kZone + "/A/vdlabkv"},
  };
  for (const auto& c : cases) {
    Topology t = tutorial();
    c.breakit(t);
    std::vector<Finding> f = {symptom("dns.public_address")};
    join_planes(t, {vault_target()}, kRg, f);
    EXPECT_TRUE(problems(f).count(c.expect)) << c.expect;
    ASSERT_TRUE(f[0].cause) << c.expect;
    EXPECT_EQ(f[0].cause->resource_id, c.resource) << c.expect;
  }
}

TEST(JoinPlanes, SiteSubnetPlanAndLockDown) {
  Topology t = tutorial();
  t.site["properties"].erase("virtualNetworkSubnetId");
  t.site["properties"]["httpsOnly"] = false;
  t.subnet["properties"]["delegations"] = json::array();
  t.subnet["properties"]["addressPrefix"] = "10.0.0.0/28";
  t.plan["sku"]["tier"] = "Basic";
  t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
  t.vnet["properties"]["dhcpOptions"]["dnsServers"] = {"10.0.2.10"};
  std::vector<Finding> f;
  join_planes(t, {vault_target()}, kRg, f);
  for (const char* id : {"arm.integration_missing", "arm.https_only_off", "arm.subnet_not_delegated", "arm.subnet_too_small",
                         "arm.plan_below_standard", "arm.vault_public", "arm.custom_dns"})
    EXPECT_TRUE(problems(f).count(id)) << id;
}

TEST(JoinPlanes, RouteAllLayersThatDisagree) {
  Topology t = tutorial();
  t.site["properties"]["vnetRouteAllEnabled"] = false;
  t.app_settings = {{"properties", {{"WEBSITE_VNET_ROUTE_ALL", "1"}}}};
  std::vector<Finding> f;
  join_planes(t, {vault_target()}, kRg, f);
  EXPECT_TRUE(problems(f).count("arm.routeall_layers_disagree"));
}

std::string lower_id(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
