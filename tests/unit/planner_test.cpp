#include "planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include "permissions.hpp"
#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
using fix::Plan;
using fix::PlanStep;

namespace {

Plan plan_for(const Topology& t) {
  fix::PlanInput in{&t, {vault_target()}, "s1", "securebackendsetup", {}};
  return fix::plan_repairs(in);
}

std::set<std::string> keys(const Plan& p) {
  std::set<std::string> out;
  for (const auto& s : p.steps) out.insert(s.key);
  return out;
}

const PlanStep& step(const Plan& p, const std::string& key) {
  for (const auto& s : p.steps)
    if (s.key == key) return s;
  throw std::runtime_error("no step " + key);
}

}  // namespace

TEST(Planner, TutorialEndStatePlansNothing) {
  const Plan p = plan_for(tutorial());
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_TRUE(p.refused.empty());
}

TEST(Planner, EmptyNetworkPlansTheTutorialInDependencyOrder) {
  Topology t = tutorial();
  t.vnets.clear();
  t.vnet = nullptr;
  t.subnet = nullptr;
  t.site["properties"].erase("virtualNetworkSubnetId");
  t.private_endpoints.clear();
  t.zones.clear();
  t.links.clear();
  t.a_records.clear();
  t.zone_groups.clear();
  t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
  const Plan p = plan_for(t);
  EXPECT_EQ(
      keys(p),
      (std::set<std::string>{
          "vnet", "subnet:integration", "subnet:endpoints", "zone:privatelink.vaultcore.azure.net",
          "link:privatelink.vaultcore.azure.net", "endpoint:vault", "zonegroup:vault", "site",
          "lockdown:vault", "routeall"}));  // the tutorial's last step
  for (const auto& s : p.steps) EXPECT_NE(s.method, "DELETE");
  const auto order = fix::dependency_order(p);
  std::vector<std::string> seen;
  for (const auto* s : order) {
    for (const auto& d : s->depends_on)
      EXPECT_NE(std::find(seen.begin(), seen.end(), d), seen.end()) << s->key << " before " << d;
    seen.push_back(s->key);
  }
  EXPECT_EQ(order.back()->key, "lockdown:vault");
  EXPECT_EQ(step(p, "vnet").body["location"], "westeurope");
  EXPECT_EQ(step(p, "site").body["properties"]["virtualNetworkSubnetId"],
            kVnet + "/subnets/vnet-integration-subnet");
}

TEST(Planner, EachBreakPlansOnlyItsRepair) {
  struct Case {
    const char* key;
    std::function<void(Topology&)> breakit;
  };
  const std::vector<Case> cases = {
      {"link:privatelink.vaultcore.azure.net", [](Topology& t) { t.links.clear(); }},
      {"zonegroup:vault",
       [](Topology& t) {
         t.zone_groups.clear();
         t.a_records.clear();
       }},
      {"approve:vault",
       [](Topology& t) {
         t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                            ["privateLinkServiceConnectionState"]["status"] = "Pending";
         t.vaults[0]["properties"]["privateEndpointConnections"] = {
             {{"id", kVault + "/privateEndpointConnections/c1"},
              {"properties", {{"privateEndpoint", {{"id", kPe}}}}}}};
       }},
      {"lockdown:vault",
       [](Topology& t) { t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow"; }},
      {"site", [](Topology& t) { t.site["properties"]["httpsOnly"] = false; }},
      {"plan", [](Topology& t) { t.plan["sku"]["tier"] = "Basic"; }},
  };
  for (const auto& c : cases) {
    Topology t = tutorial();
    c.breakit(t);
    const Plan p = plan_for(t);
    EXPECT_EQ(keys(p), std::set<std::string>{c.key}) << c.key << "\n"
                                                     << fix::render_plan_text(p, false);
  }
}

TEST(Planner, MissingZoneIsCreatedLinkedAndFilled) {
  Topology t = tutorial();
  t.zones.clear();
  t.links.clear();
  t.a_records.clear();
  const Plan p = plan_for(t);
  EXPECT_EQ(keys(p),
            (std::set<std::string>{"zone:privatelink.vaultcore.azure.net",
                                   "link:privatelink.vaultcore.azure.net", "zonegroup:vault"}));
  EXPECT_EQ(step(p, "zonegroup:vault").depends_on,
            std::vector<std::string>{"zone:privatelink.vaultcore.azure.net"});
}

TEST(Planner, StaleRecordRewritesTheZoneGroup) {
  Topology t = tutorial();
  t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]["ipv4Address"] =
      "10.0.1.9";
  const Plan p = plan_for(t);
  ASSERT_EQ(keys(p), std::set<std::string>{"zonegroup:vault"});
  EXPECT_EQ(p.steps[0].repairs, "arm.record_stale");
}

TEST(Planner, NothingIsLost) {
  // The subnet update keeps what the subnet had (NSG, route table); the vault keeps its IP rules.
  Topology t = tutorial();
  t.subnet["properties"]["delegations"] = json::array();
  t.subnet["properties"]["networkSecurityGroup"] = {{"id", "nsg1"}};
  t.vnet["properties"]["subnets"][0] = t.subnet;
  t.vnets = {t.vnet};
  t.vaults[0]["properties"]["networkAcls"] = {{"defaultAction", "Allow"},
                                              {"bypass", "AzureServices"},
                                              {"ipRules", {{{"value", "203.0.113.7/32"}}}}};
  const Plan p = plan_for(t);
  const auto& subnet = step(p, "subnet:integration");
  EXPECT_EQ(subnet.body["properties"]["networkSecurityGroup"]["id"], "nsg1");
  EXPECT_EQ(subnet.body["properties"]["addressPrefix"], "10.0.0.0/24");
  const auto& lock = step(p, "lockdown:vault");
  EXPECT_EQ(lock.method, "PATCH");
  EXPECT_EQ(lock.body["properties"]["networkAcls"]["ipRules"][0]["value"], "203.0.113.7/32");
  EXPECT_EQ(lock.body["properties"]["networkAcls"]["defaultAction"], "Deny");
}

TEST(Planner, RefusesWhatItMustNotTouch) {
  Topology t = tutorial();
  t.subnet["properties"]["delegations"] = {
      {{"properties", {{"serviceName", "Microsoft.ContainerInstance/containerGroups"}}}}};
  t.vnet["properties"]["subnets"][0] = t.subnet;
  t.vnets = {t.vnet};
  t.zone_groups[lower_id(kPe)] = {
      {{"name", "deployedByPolicy"}, {"properties", {{"privateDnsZoneConfigs", json::array()}}}}};
  t.a_records.clear();
  const Plan p = plan_for(t);
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_EQ(p.refused.size(), 2u);
}

TEST(Permissions, WildcardsAndNotActions) {
  using fix::action_allowed;
  EXPECT_TRUE(action_allowed("Microsoft.Network/privateDnsZones/write", {"*"}, {}));
  EXPECT_TRUE(
      action_allowed("Microsoft.Network/privateDnsZones/write", {"Microsoft.Network/*"}, {}));
  EXPECT_TRUE(action_allowed("microsoft.network/privatednszones/write",
                             {"Microsoft.Network/privateDnsZones/*"}, {}));
  EXPECT_FALSE(action_allowed("Microsoft.Network/privateDnsZones/write", {"*/read"}, {}));
  EXPECT_FALSE(action_allowed("Microsoft.Authorization/roleAssignments/write", {"*"},
                              {"Microsoft.Authorization/*/Write"}));
  EXPECT_FALSE(action_allowed("Microsoft.Web/sites/write", {}, {}));
}

TEST(Planner, RejectedConnectionIsReplacedOnlyWhenAllowed) {
  Topology t = tutorial();
  t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                     ["privateLinkServiceConnectionState"]["status"] = "Rejected";
  const Plan refused = plan_for(t);
  EXPECT_TRUE(refused.steps.empty());
  ASSERT_EQ(refused.refused.size(), 1u);
  EXPECT_NE(refused.refused[0].find("--allow-replace"), std::string::npos);

  fix::PlanInput in{&t, {vault_target()}, "s1", "securebackendsetup", {}};
  in.names.allow_replace = true;
  const Plan p = fix::plan_repairs(in);
  EXPECT_EQ(keys(p),
            (std::set<std::string>{"delete:endpoint:vault", "endpoint:vault", "zonegroup:vault"}));
  EXPECT_EQ(step(p, "delete:endpoint:vault").method, "DELETE");
  EXPECT_EQ(step(p, "endpoint:vault").depends_on,
            std::vector<std::string>{"delete:endpoint:vault"});
  EXPECT_NE(fix::render_plan_text(p, false).find("1 to delete"), std::string::npos);
}

TEST(Planner, AResourceLeftFailedIsReappliedFirst) {
  Topology t = tutorial();
  t.vnets[0]["properties"]["provisioningState"] = "Failed";
  t.vnets[0]["location"] = "westeurope";
  t.links["privatelink.vaultcore.azure.net"].clear();
  const Plan p = plan_for(t);
  const std::string key = "reapply:" + lower_id(kVnet);
  ASSERT_EQ(keys(p), (std::set<std::string>{key, "link:privatelink.vaultcore.azure.net"}));
  EXPECT_FALSE(
      step(p, key).body["properties"].contains("subnets"));  // subnets are kept by omission
  EXPECT_EQ(step(p, "link:privatelink.vaultcore.azure.net").depends_on,
            std::vector<std::string>{key});
}
