#include "planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "executor.hpp"
#include "permissions.hpp"
#include "text_util.hpp"
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
  // A new endpoint beside the old one, with the old one's zone group, the old one deleted last,
  // after the private path verifies and only if the replacement works.
  const auto& create = step(p, "endpoint:vault");
  const auto& del = step(p, "delete:endpoint:vault");
  EXPECT_EQ(create.resource_id,
            kRg + "/providers/Microsoft.Network/privateEndpoints/securekeyvault-pe-r2");
  EXPECT_TRUE(create.depends_on.empty());
  EXPECT_EQ(del.method, "DELETE");
  EXPECT_EQ(del.resource_id, kPe);
  EXPECT_TRUE(del.lock_down);
  EXPECT_EQ(del.replaced_by, create.resource_id);
  EXPECT_EQ(del.host, vault_target().host);
  EXPECT_EQ(del.depends_on, (std::vector<std::string>{"endpoint:vault", "zonegroup:vault"}));
  EXPECT_EQ(step(p, "zonegroup:vault").resource_id,
            create.resource_id + "/privateDnsZoneGroups/default");
  EXPECT_EQ(fix::dependency_order(p).back()->key, "delete:endpoint:vault");
  EXPECT_NE(fix::render_plan_text(p, false).find("1 to delete"), std::string::npos);
}

TEST(Planner, AReplacementCarriesTheOldZoneGroupsZones) {
  Topology t = tutorial();
  t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                     ["privateLinkServiceConnectionState"]["status"] = "Disconnected";
  const std::string other =
      kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.other.net";
  t.zone_groups[lower_id(kPe)][0]["name"] = "mygroup";
  t.zone_groups[lower_id(kPe)][0]["properties"]["privateDnsZoneConfigs"].push_back(
      {{"name", "other"}, {"properties", {{"privateDnsZoneId", other}}}});
  fix::PlanInput in{&t, {vault_target()}, "s1", "securebackendsetup", {}};
  in.names.allow_replace = true;
  const Plan p = fix::plan_repairs(in);
  const auto& group = step(p, "zonegroup:vault");
  EXPECT_EQ(group.resource_id, kRg +
                                   "/providers/Microsoft.Network/privateEndpoints/"
                                   "securekeyvault-pe-r2/privateDnsZoneGroups/mygroup");
  const auto& configs = group.body["properties"]["privateDnsZoneConfigs"];
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0]["properties"]["privateDnsZoneId"], kZone);
  EXPECT_EQ(configs[1]["properties"]["privateDnsZoneId"], other);
  // Replacing a replacement counts on: -r2 -> -r3.
  t.private_endpoints[0]["id"] = kRg + "/providers/Microsoft.Network/privateEndpoints/x-pe-r2";
  EXPECT_EQ(step(fix::plan_repairs(in), "endpoint:vault").resource_id,
            kRg + "/providers/Microsoft.Network/privateEndpoints/x-pe-r3");
}

TEST(Permissions, EachStepNeedsWhatArmChecksForItsRequest) {
  // Every step of an empty network's plan, with what ARM checks beside its own write.
  fix::PlanInput in{nullptr, {vault_target()}, "s1", "securebackendsetup", {}};
  Topology t = tutorial();
  t.vnets.clear();
  t.private_endpoints.clear();
  t.zone_groups.clear();
  t.links.clear();
  t.site["properties"].erase("virtualNetworkSubnetId");
  in.topology = &t;
  const Plan p = fix::plan_repairs(in);
  std::map<std::string, std::set<std::string>> needs;  // key -> "action@scope-tail"
  for (const auto& s : p.steps)
    for (const auto& r : fix::required_actions(s))
      needs[s.key].insert(r.action +
                          (r.linked ? "@" + r.scope.substr(r.scope.rfind('/') + 1) : ""));
  EXPECT_TRUE(needs["endpoint:vault"].count(
      "Microsoft.Network/virtualNetworks/subnets/join/action@private-endpoint-subnet"));
  EXPECT_TRUE(needs["endpoint:vault"].count(
      "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action@vdlabkv"));
  EXPECT_TRUE(needs["zonegroup:vault"].count(
      "Microsoft.Network/privateDnsZones/join/action@privatelink.vaultcore.azure.net"));
  EXPECT_TRUE(needs["link:privatelink.vaultcore.azure.net"].count(
      "Microsoft.Network/virtualNetworks/join/action@securebackend-vnet"));
  bool site_joins = false;
  for (const auto& [key, n] : needs)
    for (const auto& a : n)
      site_joins |=
          starts_with(key, "site") &&
          a == "Microsoft.Network/virtualNetworks/subnets/join/action@vnet-integration-subnet";
  EXPECT_TRUE(site_joins);
  // A step's own write is the one ARM derives from its request: config/web is sites/config/write.
  for (const auto& s : p.steps) {
    const auto r = fix::required_actions(s);
    ASSERT_FALSE(r.empty()) << s.key;
    EXPECT_FALSE(r[0].linked) << s.key;
    if (s.resource_id.find("/config/") != std::string::npos) {
      EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](const fix::RequiredAction& a) {
        return lower(a.action) == "microsoft.web/sites/config/write";
      })) << s.key;
    }
  }
  // An approval needs the connection's write and the approval on the target.
  fix::PlanStep approve;
  approve.key = "approve:vault";
  approve.resource_id = kVault + "/privateEndpointConnections/c1";
  approve.method = "PUT";
  approve.permission = "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action";
  std::set<std::string> actions;
  for (const auto& r : fix::required_actions(approve)) actions.insert(r.action);
  EXPECT_EQ(actions, (std::set<std::string>{
                         "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action",
                         "Microsoft.KeyVault/vaults/privateEndpointConnections/write"}));
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

// The executor deletes a replaced endpoint only once confirm_replacement says the replacement
// works; a "why not" skips it unsent (and fix fails).
TEST(Executor, AReplacedEndpointIsDeletedOnlyOnceConfirmed) {
  Topology t = tutorial();
  t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                     ["privateLinkServiceConnectionState"]["status"] = "Rejected";
  fix::PlanInput in{&t, {vault_target()}, "s1", "securebackendsetup", {}};
  in.names.allow_replace = true;
  Plan only_delete;
  only_delete.steps.push_back(step(fix::plan_repairs(in), "delete:endpoint:vault"));
  only_delete.steps[0].depends_on.clear();

  arm::TokenSource tokens({});  // no credential: a request that is sent fails at once, unsent
  arm::ArmOptions options;
  options.endpoint = "https://127.0.0.1:9";
  options.max_attempts = 1;
  arm::ArmClient client(options, tokens);
  fix::ApplyOptions apply;
  apply.verify = [] { return true; };
  std::string asked_for;
  apply.confirm_replacement = [&](const PlanStep& s) {
    asked_for = s.replaced_by + " " + s.host;
    return std::string("the new endpoint's connection is Pending, not Approved");
  };
  const auto refused = fix::apply_plan(only_delete, client, apply);
  EXPECT_EQ(asked_for, kRg + "/providers/Microsoft.Network/privateEndpoints/securekeyvault-pe-r2 " +
                           vault_target().host);
  ASSERT_EQ(refused.steps.size(), 1u);
  EXPECT_EQ(refused.steps[0].outcome, "skipped");
  EXPECT_NE(refused.steps[0].message.find("Pending"), std::string::npos);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(client.journal().size(), 0u);  // nothing was sent

  apply.confirm_replacement = nullptr;  // nothing to confirm with: never delete
  EXPECT_EQ(fix::apply_plan(only_delete, client, apply).steps[0].outcome, "skipped");
  EXPECT_EQ(client.journal().size(), 0u);

  apply.confirm_replacement = [](const PlanStep&) { return std::string(); };
  const auto confirmed = fix::apply_plan(only_delete, client, apply);
  EXPECT_NE(confirmed.steps[0].outcome, "skipped");  // tried (and failed: no credential here)
}
