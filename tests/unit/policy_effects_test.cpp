// Azure Policy judged without ARM (policy_effects.hpp): parameter references, effects resolved
// from an assignment or an initiative, the `if` condition's type clauses, assignments' scopes.
#include "policy_effects.hpp"

#include <gtest/gtest.h>

namespace vnetdiag {
namespace {

using fix::policy::Impact;
using fix::policy::Match;
using nlohmann::json;
namespace policy = fix::policy;

const std::string kLinks = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
const std::string kSub = "/subscriptions/00000000-0000-4000-8000-000000000001";
const std::string kRg = kSub + "/resourceGroups/app";

Match judge(const json& cond, const std::string& type = kLinks, const json& supplied = {},
            const json& declared = {}) {
  return policy::applies_to_type(cond, type, supplied, declared);
}

json definition(const json& effect, const json& cond, const json& params = json::object()) {
  return {{"id", "/providers/Microsoft.Authorization/policyDefinitions/d1"},
          {"name", "d1"},
          {"properties",
           {{"displayName", "Deny links"},
            {"parameters", params},
            {"policyRule", {{"if", cond}, {"then", {{"effect", effect}}}}}}}};
}

TEST(PolicyEffects, ParameterReferencesAreRecognisedAndNothingElse) {
  EXPECT_EQ(policy::parameter_name("[parameters('effect')]"), "effect");
  EXPECT_EQ(policy::parameter_name(" [ Parameters( 'Effect' ) ] "), "Effect");
  EXPECT_EQ(policy::parameter_name("deny"), "");
  EXPECT_EQ(policy::parameter_name("[concat('a','b')]"), "");
  EXPECT_EQ(policy::parameter_name("[parameters('')]"), "");
  EXPECT_EQ(policy::parameter_name("[parameters('a')"), "");
  EXPECT_EQ(policy::parameter_name(json(3)), "");
}

TEST(PolicyEffects, EffectLiteralOrFromTheAssignmentThenTheDefault) {
  const json cond = {{"field", "type"}, {"equals", kLinks}};
  EXPECT_EQ(policy::rule_of(definition("Deny", cond), json::object()).effect, "Deny");
  const json params = {{"effect", {{"type", "String"}, {"defaultValue", "Audit"}}}};
  const json def = definition("[parameters('effect')]", cond, params);
  EXPECT_EQ(policy::rule_of(def, json::object()).effect, "Audit");
  EXPECT_EQ(policy::rule_of(def, {{"EFFECT", {{"value", "Deny"}}}}).effect, "Deny");
  const auto missing = policy::rule_of(definition("[parameters('other')]", cond, params), {});
  EXPECT_EQ(missing.effect, "");
  EXPECT_NE(missing.error.find("'other' has no value"), std::string::npos) << missing.error;
  EXPECT_NE(policy::rule_of(json::object(), {}).error, "");
  EXPECT_NE(policy::rule_of(definition(json::array({1}), cond), {}).error, "");
  EXPECT_EQ(policy::rule_of(def, {}).display_name, "Deny links");
}

TEST(PolicyEffects, ImpactOfEachEffect) {
  EXPECT_EQ(policy::impact_of("Deny"), Impact::deny);
  EXPECT_EQ(policy::impact_of("denyAction"), Impact::deny_delete);
  for (const char* e : {"modify", "Append", "DeployIfNotExists"})
    EXPECT_EQ(policy::impact_of(e), Impact::alters) << e;
  for (const char* e : {"audit", "AuditIfNotExists", "Disabled", "manual", "", "nonsense"})
    EXPECT_EQ(policy::impact_of(e), Impact::none) << e;
}

TEST(PolicyEffects, TypeClausesDecideWhatTheyCan) {
  EXPECT_EQ(judge({{"field", "type"},
                   {"equals", "microsoft.network/PRIVATEDNSZONES/virtualnetworklinks"}}),
            Match::yes);
  EXPECT_EQ(judge({{"field", "Type"}, {"notEquals", kLinks}}), Match::no);
  EXPECT_EQ(judge({{"field", "type"}, {"in", {"Microsoft.KeyVault/vaults", kLinks}}}), Match::yes);
  EXPECT_EQ(judge({{"field", "type"}, {"notIn", {kLinks}}}), Match::no);
  EXPECT_EQ(judge({{"field", "type"}, {"like", "Microsoft.Network/privateDnsZones/*"}}),
            Match::yes);
  EXPECT_EQ(judge({{"field", "type"}, {"notLike", "Microsoft.Network/*"}}), Match::no);
  EXPECT_EQ(judge({{"field", "type"}, {"equals", "Microsoft.KeyVault/vaults"}}), Match::no);
  EXPECT_EQ(judge({{"not", {{"field", "type"}, {"equals", kLinks}}}}), Match::no);
  // A parameter in a type clause, from the assignment.
  EXPECT_EQ(judge({{"field", "type"}, {"in", "[parameters('types')]"}}, kLinks,
                  {{"types", {{"value", {kLinks}}}}}),
            Match::yes);
}

TEST(PolicyEffects, WhatCannotBeJudgedIsUnknownNeverNo) {
  const json type_ok = {{"field", "type"}, {"equals", kLinks}};
  const json type_no = {{"field", "type"}, {"equals", "Microsoft.Web/sites"}};
  const json alias = {{"field", "location"}, {"notIn", {"westeurope"}}};
  EXPECT_EQ(judge(alias), Match::unknown);  // no type clause at all
  EXPECT_EQ(judge({{"allOf", {type_ok, alias}}}), Match::unknown);
  EXPECT_EQ(judge({{"allOf", {type_no, alias}}}), Match::no);  // the type decides
  EXPECT_EQ(judge({{"anyOf", {type_ok, alias}}}), Match::yes);
  EXPECT_EQ(judge({{"anyOf", {type_no, alias}}}), Match::unknown);
  EXPECT_EQ(judge({{"not", alias}}), Match::unknown);
  EXPECT_EQ(judge({{"allOf", json::array()}}), Match::unknown);
  EXPECT_EQ(judge({{"field", "type"}, {"equals", "[parameters('missing')]"}}), Match::unknown);
  EXPECT_EQ(judge({{"value", "[field('type')]"}, {"equals", kLinks}}), Match::unknown);
  EXPECT_EQ(judge(json("text")), Match::unknown);
  json deep = type_ok;
  for (int i = 0; i < 200; ++i) deep = {{"not", {{"not", deep}}}};
  EXPECT_EQ(judge(deep), Match::unknown);  // nesting past the bound: not judged
}

TEST(PolicyEffects, InitiativeMembersGetTheSetsParameters) {
  const json set = {{"properties",
                     {{"parameters", {{"linkEffect", {{"defaultValue", "Audit"}}}}},
                      {"policyDefinitions",
                       {{{"policyDefinitionId", "/providers/x/policyDefinitions/a"},
                         {"parameters", {{"effect", {{"value", "[parameters('linkEffect')]"}}}}}},
                        {{"policyDefinitionId", "/providers/x/policyDefinitions/b"}},
                        {{"parameters", json::object()}}}}}}};
  const auto members = policy::set_members(set);
  ASSERT_EQ(members.size(), 2u);  // the one without an id is skipped
  EXPECT_EQ(policy::member_parameters(members[0].second, set, json::object()),
            json({{"effect", {{"value", "Audit"}}}}));
  EXPECT_EQ(
      policy::member_parameters(members[0].second, set, {{"linkEffect", {{"value", "Deny"}}}}),
      json({{"effect", {{"value", "Deny"}}}}));
  EXPECT_EQ(policy::member_parameters(members[1].second, set, {}), json::object());
}

TEST(PolicyEffects, AssignmentsScopesAndNotScopes) {
  const json body = {
      {"id", kRg + "/providers/Microsoft.Authorization/policyAssignments/deny"},
      {"name", "deny"},
      {"properties",
       {{"policyDefinitionId", "/providers/Microsoft.Authorization/policySetDefinitions/s"},
        {"enforcementMode", "DoNotEnforce"},
        {"notScopes", {kRg + "/providers/Microsoft.Network/privateDnsZones/z"}}}}};
  const auto a = policy::parse_assignment(body);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scope, kRg);  // from the id, properties.scope being absent
  EXPECT_EQ(a->display_name, "deny");
  EXPECT_FALSE(a->enforced);
  EXPECT_TRUE(policy::is_set_id(a->definition_id));
  EXPECT_TRUE(policy::covers(*a, kRg + "/providers/Microsoft.Web/sites/app"));
  EXPECT_FALSE(policy::covers(
      *a, kRg + "/providers/Microsoft.Network/privateDnsZones/z/virtualNetworkLinks/l"));
  EXPECT_FALSE(policy::covers(*a, kSub + "/resourceGroups/app2/providers/Microsoft.Web/sites/app"));
  EXPECT_FALSE(policy::parse_assignment({{"id", "x"}}));
  EXPECT_FALSE(policy::parse_assignment(json::array()));
}

TEST(PolicyEffects, AManagementGroupAssignmentCoversOnlyWhereItWasListed) {
  policy::Assignment a;
  a.scope = "/providers/Microsoft.Management/managementGroups/corp";
  a.listed_for = {kRg};
  EXPECT_TRUE(policy::covers(a, kRg + "/providers/Microsoft.Web/sites/app"));
  // Another subscription's group: its own list, not this one, says whether it applies there.
  EXPECT_FALSE(policy::covers(
      a,
      "/subscriptions/00000000-0000-0000-0000-0000000000ff/resourceGroups/hub/providers/"
      "Microsoft.Network/privateDnsZones/z"));
  a.listed_for.clear();  // not known where it was listed: it may apply anywhere
  EXPECT_TRUE(policy::covers(a, "/subscriptions/x/resourceGroups/y"));
}

}  // namespace
}  // namespace vnetdiag
