#include "plane_rules.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::arm;
using nlohmann::json;

namespace {

using namespace vnetdiag::testdata;

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
  struct Case {
    const char* expect;
    std::function<void(Topology&)> breakit;
    std::string resource;
  };
  const std::vector<Case> cases = {
      {"arm.connection_not_approved",
       [](Topology& t) {
         t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                            ["privateLinkServiceConnectionState"]["status"] = "Pending";
       },
       kPe},
      {"arm.endpoint_missing", [](Topology& t) { t.private_endpoints.clear(); }, kVault},
      {"arm.zone_missing", [](Topology& t) { t.zones.clear(); }, kZone},
      {"arm.zone_group_missing",
       [](Topology& t) {
         t.zone_groups.clear();
         t.a_records.clear();
       },
       kPe},
      {"arm.record_stale",
       [](Topology& t) {
         t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]
                    ["ipv4Address"] = "10.0.1.9";
       },
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
  for (const char* id :
       {"arm.integration_missing", "arm.https_only_off", "arm.subnet_not_delegated",
        "arm.subnet_too_small", "arm.plan_below_standard", "arm.vault_public", "arm.custom_dns"})
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
