// fix's ownership read (ownership.hpp) against the routed fake transport: IaC tags on what a step
// touches, a deployment's output resources, locks by level and scope, policy assignments by effect,
// type, scope and enforcement mode, and reads that fail named.
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

using fake_arm::Client;

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
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Authorization/policyAssignments", 200,
                   list_of({}));
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

// -- Azure Policy
// -----------------------------------------------------------------------------------

const std::string kLinks = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
const std::string kBuiltin = "/providers/Microsoft.Authorization/policyDefinitions/deny-links";
const std::string kSet = "/providers/Microsoft.Authorization/policySetDefinitions/guardrails";

json assignment(const std::string& name, const std::string& scope, const std::string& definition,
                json params = json::object(), const std::string& mode = "Default",
                std::vector<std::string> not_scopes = {}) {
  return {{"id", scope + "/providers/Microsoft.Authorization/policyAssignments/" + name},
          {"name", name},
          {"properties",
           {{"displayName", "Assigned " + name},
            {"policyDefinitionId", definition},
            {"scope", scope},
            {"parameters", params},
            {"enforcementMode", mode},
            {"notScopes", not_scopes}}}};
}

json rule_definition(const std::string& id, const json& effect, const json& cond) {
  return {{"id", id},
          {"name", id.substr(id.rfind('/') + 1)},
          {"properties",
           {{"displayName", "Definition " + id.substr(id.rfind('/') + 1)},
            {"parameters", {{"effect", {{"defaultValue", "Audit"}}}}},
            {"policyRule", {{"if", cond}, {"then", {{"effect", effect}}}}}}}};
}

void policy_world(std::vector<json> assignments, std::vector<json> definitions) {
  world({}, {});
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Authorization/policyAssignments", 200,
                   list_of(std::move(assignments)));
  for (const auto& d : definitions) fake_arm::answer("GET", d["id"].get<std::string>(), 200, d);
}

std::vector<fix::Owner> policy_owners(const fix::Ownership& o) {
  std::vector<fix::Owner> out;
  for (const auto& owner : o.owners)
    if (owner.kind == "policy") out.push_back(owner);
  return out;
}

const json kLinksOnly = {{"field", "type"}, {"equals", kLinks}};

TEST(OwnershipPolicy, ADenyOnTheLinkTypeOwnsTheNewLinkOnly) {
  policy_world({assignment("deny", kRg, kBuiltin, {{"effect", {{"value", "Deny"}}}})},
               {rule_definition(kBuiltin, "[parameters('effect')]", kLinksOnly)});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  const auto owners = policy_owners(o);
  // The new link (a write); not the delete of the old link, not the site's config.
  ASSERT_EQ(owners.size(), 1u) << testing::PrintToString(lines(o));
  EXPECT_EQ(owners[0].step_key, "link");
  EXPECT_EQ(owners[0].resource_id, kRg);
  const std::string line = fix::owner_line(owners[0]);
  EXPECT_NE(line.find("link: policy 'Assigned deny' (deny) assigned at " + kRg), std::string::npos)
      << line;
  EXPECT_NE(line.find("RequestDisallowedByPolicy"), std::string::npos) << line;
  EXPECT_NE(line.find("--force-owned does not get past it"), std::string::npos) << line;
  EXPECT_TRUE(o.unread.empty()) << testing::PrintToString(o.unread);
}

TEST(OwnershipPolicy, AuditDefaultNotScopeAndOtherTypesOwnNothing) {
  const std::string audit = "/providers/Microsoft.Authorization/policyDefinitions/audit";
  const std::string other = "/providers/Microsoft.Authorization/policyDefinitions/vaults";
  policy_world({assignment("default", kRg, kBuiltin),  // the parameter's default: Audit
                assignment("audit", kRg, audit), assignment("vaults", kRg, other),
                assignment("excluded", kRg, kBuiltin, {{"effect", {{"value", "Deny"}}}}, "Default",
                           {kZone})},
               {rule_definition(kBuiltin, "[parameters('effect')]", kLinksOnly),
                rule_definition(audit, "audit", kLinksOnly),
                rule_definition(other, "deny",
                                {{"field", "type"}, {"equals", "Microsoft.KeyVault/vaults"}})});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  EXPECT_TRUE(policy_owners(o).empty()) << testing::PrintToString(lines(o));
  EXPECT_TRUE(o.unread.empty()) << testing::PrintToString(o.unread);
  EXPECT_TRUE(o.notes.empty()) << testing::PrintToString(o.notes);
}

TEST(OwnershipPolicy, ModifyAndDineAlterTheTypeAfterEachWrite) {
  const std::string modify =
      "/subscriptions/" + kSub + "/providers/Microsoft.Authorization/policyDefinitions/tag-links";
  const std::string dine = "/providers/Microsoft.Authorization/policyDefinitions/diag";
  policy_world(
      {assignment("tags", "/subscriptions/" + kSub, modify), assignment("diag", kRg, dine)},
      {rule_definition(modify, "modify", kLinksOnly),
       rule_definition(dine, "DeployIfNotExists",
                       {{"field", "type"}, {"equals", "Microsoft.Web/sites/config"}})});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  const auto owners = policy_owners(o);
  ASSERT_EQ(owners.size(), 2u) << testing::PrintToString(lines(o));
  EXPECT_NE(owners[0].detail.find("(modify) assigned at /subscriptions/" + kSub +
                                  ": the platform changes " + kLinks + " after each write"),
            std::string::npos)
      << owners[0].detail;
  EXPECT_EQ(owners[1].step_key, "routeall");
  EXPECT_NE(owners[1].detail.find("(deployIfNotExists)"), std::string::npos) << owners[1].detail;
}

TEST(OwnershipPolicy, AnInitiativesMemberAndDoNotEnforce) {
  const json set = {
      {"id", kSet},
      {"name", "guardrails"},
      {"properties",
       {{"displayName", "Guardrails"},
        {"parameters", {{"linkEffect", {{"defaultValue", "Audit"}}}}},
        {"policyDefinitions",
         {{{"policyDefinitionId", kBuiltin},
           {"parameters", {{"effect", {{"value", "[parameters('linkEffect')]"}}}}}}}}}}};
  const json deny = {{"linkEffect", {{"value", "Deny"}}}};
  policy_world({assignment("enforced", kRg, kSet, deny),
                assignment("trial", kRg, kSet, deny, "DoNotEnforce")},
               {set, rule_definition(kBuiltin, "[parameters('effect')]", kLinksOnly)});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  const auto owners = policy_owners(o);
  ASSERT_EQ(owners.size(), 1u) << testing::PrintToString(lines(o));
  EXPECT_NE(
      owners[0].detail.find("policy 'Assigned enforced' (member 'Definition deny-links') (deny)"),
      std::string::npos)
      << owners[0].detail;
  ASSERT_EQ(o.notes.size(), 1u);
  EXPECT_NE(o.notes[0].find("'Assigned trial'"), std::string::npos) << o.notes[0];
  EXPECT_NE(o.notes[0].find("is DoNotEnforce: it does not stop this write"), std::string::npos)
      << o.notes[0];
}

TEST(OwnershipPolicy, AConditionNotJudgedIsNamedNotJudgedNotRefused) {
  policy_world({assignment("locations", kRg, kBuiltin, {{"effect", {{"value", "deny"}}}})},
               {rule_definition(kBuiltin, "[parameters('effect')]",
                                {{"field", "location"}, {"notIn", {"westeurope"}}})});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  EXPECT_TRUE(policy_owners(o).empty()) << testing::PrintToString(lines(o));
  std::size_t named = 0;  // both writes; not the delete
  for (const auto& u : o.unread)
    if (u.find("may apply: its condition has clauses vnetdiag does not evaluate") !=
        std::string::npos)
      ++named;
  EXPECT_EQ(named, 2u) << testing::PrintToString(o.unread);
}

TEST(OwnershipPolicy, AnAlteringEffectNotJudgedStillOwnsTheWrite) {
  // Like Azure Landing Zones' DINE of zone groups: the type and a count on groupIds. ARM would
  // not refuse the write; the platform would rewrite it after.
  policy_world({assignment("dine", kRg, kBuiltin, {{"effect", {{"value", "deployIfNotExists"}}}})},
               {rule_definition(kBuiltin, "[parameters('effect')]",
                                {{"field", "location"}, {"notIn", {"westeurope"}}})});
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  const auto owners = policy_owners(o);
  ASSERT_EQ(owners.size(), 2u) << testing::PrintToString(lines(o));  // both writes
  EXPECT_NE(owners[0].detail.find("may change"), std::string::npos) << owners[0].detail;
}

TEST(OwnershipPolicy, UnreadablePolicyIsNamedNotTakenAsFree) {
  policy_world({}, {});
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Authorization/policyAssignments", 403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message", "no 'Microsoft.Authorization/policyAssignments/read'"}}}});
  Client c;
  auto o = fix::read_ownership(c.client, topology(json::object()), plan());
  ASSERT_EQ(o.unread.size(), 1u) << testing::PrintToString(o.unread);
  EXPECT_NE(o.unread[0].find("policy assignments of " + kRg), std::string::npos) << o.unread[0];
  EXPECT_NE(o.unread[0].find("403"), std::string::npos) << o.unread[0];
  // The assignment read, its definition not: said, with the action it needs.
  policy_world({assignment("deny", kRg, kBuiltin)}, {});
  fake_arm::answer("GET", kBuiltin, 403,
                   {{"error", {{"code", "AuthorizationFailed"}, {"message", "no definitions"}}}});
  o = fix::read_ownership(c.client, topology(json::object()), plan());
  ASSERT_EQ(o.unread.size(), 1u) << testing::PrintToString(o.unread);
  EXPECT_NE(o.unread[0].find("policy 'Assigned deny' assigned at " + kRg + ": its definition " +
                             kBuiltin + " was not read"),
            std::string::npos)
      << o.unread[0];
  EXPECT_NE(o.unread[0].find("policyDefinitions/read"), std::string::npos) << o.unread[0];
  // An effect parameter with no value and no default: not judged, said.
  policy_world({assignment("deny", kRg, kBuiltin)},
               {rule_definition(kBuiltin, "[parameters('nosuch')]", kLinksOnly)});
  o = fix::read_ownership(c.client, topology(json::object()), plan());
  ASSERT_EQ(o.unread.size(), 1u) << testing::PrintToString(o.unread);
  EXPECT_NE(o.unread[0].find("effect not judged"), std::string::npos) << o.unread[0];
}

TEST(OwnershipPolicy, AGroupFixWillMakeTakesTheSubscriptionsAtScopeList) {
  world({}, {});
  const std::string new_rg = "/subscriptions/" + kSub + "/resourceGroups/new";
  fake_arm::answer("GET", new_rg, 404, {{"error", {{"code", "ResourceGroupNotFound"}}}});
  fake_arm::answer(
      "GET", "/subscriptions/" + kSub + "/providers/Microsoft.Authorization/policyAssignments", 200,
      list_of({assignment("sub-deny", "/subscriptions/" + kSub, kBuiltin,
                          {{"effect", {{"value", "Deny"}}}})}));
  fake_arm::answer("GET", kBuiltin, 200,
                   rule_definition(kBuiltin, "[parameters('effect')]", kLinksOnly));
  fix::Plan p;
  p.steps = {step("link", "create", "PUT",
                  new_rg + "/providers/Microsoft.Network/privateDnsZones/z/virtualNetworkLinks/l")};
  Client c;
  const auto o = fix::read_ownership(c.client, topology(json::object()), p);
  ASSERT_EQ(policy_owners(o).size(), 1u) << testing::PrintToString(lines(o));
  bool at_scope = false;
  for (const auto& r : fake_arm::sent())
    at_scope |= r.url.find(
                    "/providers/Microsoft.Authorization/policyAssignments?api-version=2023-04-01"
                    "&$filter=atScope()") != std::string::npos;
  EXPECT_TRUE(at_scope);
}

}  // namespace
}  // namespace vnetdiag
