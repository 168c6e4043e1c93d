// fix's ownership read (ownership.hpp) against the routed fake transport: IaC tags on what a step
// touches, a deployment's output resources, locks by level and scope, and reads that fail named.
#include "ownership.hpp"

#include <gtest/gtest.h>

#include "arm_client.hpp"
#include "fake_arm_transport.hpp"
#include "token.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

const std::string kSub = "00000000-0000-4000-8000-000000000001";
const std::string kRg = "/subscriptions/" + kSub + "/resourceGroups/app";
const std::string kZone =
    kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
const std::string kLink = kZone + "/virtualNetworkLinks/vaultcore-zonelink";
const std::string kSite = kRg + "/providers/Microsoft.Web/sites/app";
const std::string kOld = kZone + "/virtualNetworkLinks/old";

struct Client {
  arm::TokenSource tokens{{[] {
    arm::Credential fixed;
    fixed.name = "fixed token";
    fixed.available = [] { return true; };
    fixed.skipped = [] { return std::string(); };
    fixed.attempt = [] {
      return arm::Attempt{arm::AccessToken{"eyJ0.eyJ0.sig", 4102444800, "fixed token"}};
    };
    return fixed;
  }()}};
  arm::ArmClient client{[] {
                          arm::ArmOptions o;
                          o.max_attempts = 1;
                          return o;
                        }(),
                        tokens};
};

fix::PlanStep step(const std::string& key, const std::string& action, const std::string& method,
                   const std::string& id) {
  fix::PlanStep s;
  s.key = key;
  s.action = action;
  s.method = method;
  s.resource_id = id;
  return s;
}

fix::Plan plan() {
  fix::Plan p;
  p.steps = {step("link", "create", "PUT", kLink),
             step("routeall", "update", "PATCH", kSite + "/config/web"),
             step("unlink", "delete", "DELETE", kOld)};
  return p;
}

json list_of(std::vector<json> items) { return {{"value", items}}; }

void world(std::vector<json> deployments, std::vector<json> locks) {
  fake_arm::reset();
  fake_arm::answer("GET", kRg, 200, {{"id", kRg}, {"name", "app"}, {"tags", json::object()}});
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Resources/deployments", 200,
                   list_of(deployments));
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Authorization/locks", 200, list_of(locks));
  fake_arm::answer("GET", "/subscriptions/" + kSub + "/providers/Microsoft.Authorization/locks",
                   200, list_of(locks));
}

arm::Topology topology(json zone_tags) {
  arm::Topology t;
  t.zones = {{{"id", kZone}, {"name", "privatelink.vaultcore.azure.net"}, {"tags", zone_tags}}};
  t.site = {{"id", kSite}, {"tags", {{"env", "prod"}}}};
  return t;
}

std::vector<std::string> lines(const fix::Ownership& o) {
  std::vector<std::string> out;
  for (const auto& owner : o.owners) out.push_back(fix::owner_line(owner));
  return out;
}

TEST(Ownership, NothingOwnedWhenNoTagDeploymentOrLockSaysSo) {
  world({}, {});
  Client c;
  const auto o = fix::read_ownership(c.client, topology({{"env", "prod"}}), plan());
  EXPECT_TRUE(o.owners.empty()) << lines(o).front();
  EXPECT_TRUE(o.unread.empty()) << o.unread.front();
}

TEST(Ownership, ATerraformTagOnTheParentZoneOwnsTheNewLink) {
  world({}, {});
  Client c;
  const auto o = fix::read_ownership(c.client, topology({{"managed-by", "terraform"}}), plan());
  ASSERT_EQ(o.owners.size(), 2u);  // the link made in it, and the delete of another link in it
  EXPECT_EQ(o.owners[0].step_key, "link");
  EXPECT_EQ(o.owners[0].resource_id, kZone);
  EXPECT_EQ(o.owners[0].detail, "tag managed-by=terraform");
}

TEST(Ownership, ADeploymentThatMadeTheZoneOwnsIt) {
  world({{{"name", "network-stack"},
          {"properties", {{"outputResources", {{{"id", kZone}}, {{"id", kRg + "/x"}}}}}}}},
        {});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  ASSERT_FALSE(o.owners.empty());
  EXPECT_EQ(o.owners[0].kind, "deployment");
  EXPECT_NE(o.owners[0].detail.find("network-stack"), std::string::npos);
}

TEST(Ownership, LocksStopWhatTheirLevelStopsUnderTheirScopeOnly) {
  const json read_only = {{"id", kRg + "/providers/Microsoft.Authorization/locks/freeze"},
                          {"name", "freeze"},
                          {"properties", {{"level", "ReadOnly"}}}};
  const json no_delete_zone = {{"id", kZone + "/providers/Microsoft.Authorization/locks/keep"},
                               {"name", "keep"},
                               {"properties", {{"level", "CanNotDelete"}}}};
  const json elsewhere = {{"id", kRg + "/providers/Microsoft.KeyVault/vaults/kv/providers/"
                                       "Microsoft.Authorization/locks/kv"},
                          {"name", "kv"},
                          {"properties", {{"level", "ReadOnly"}}}};
  world({}, {no_delete_zone, elsewhere});
  Client c;
  auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  // CanNotDelete on the zone stops the delete of its link, not the new link.
  ASSERT_EQ(o.owners.size(), 1u) << testing::PrintToString(lines(o));
  EXPECT_EQ(o.owners[0].step_key, "unlink");
  EXPECT_NE(o.owners[0].detail.find("CanNotDelete lock keep"), std::string::npos);
  world({}, {read_only});
  o = fix::read_ownership(c.client, topology(json::object()), plan());
  EXPECT_EQ(o.owners.size(), 3u) << testing::PrintToString(lines(o));
}

TEST(Ownership, WhatCannotBeReadIsNamedNotTakenAsFree) {
  world({}, {});
  fake_arm::answer("GET", "/subscriptions/" + kSub + "/providers/Microsoft.Authorization/locks",
                   403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message", "no 'Microsoft.Authorization/locks/read' over scope"}}}});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  // An identity scoped to its group: the subscription's own locks are a named gap; the group's
  // were read.
  ASSERT_EQ(o.unread.size(), 1u);
  EXPECT_NE(o.unread[0].find("Microsoft.Authorization/locks/read"), std::string::npos)
      << o.unread[0];
  EXPECT_NE(o.unread[0].find("the groups' locks were read"), std::string::npos) << o.unread[0];
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Resources/deployments", 500,
                   {{"error", {{"code", "InternalServerError"}, {"message", "down"}}}});
  const auto worse = fix::read_ownership(c.client, topology(json::object()), plan());
  EXPECT_EQ(worse.unread.size(), 2u);
  bool deployments_named = false;
  for (const auto& u : worse.unread)
    deployments_named |= u.find("deployments of") != std::string::npos;
  EXPECT_TRUE(deployments_named) << testing::PrintToString(worse.unread);
}

}  // namespace
}  // namespace vnetdiag
