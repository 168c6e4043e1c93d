// The rules table and its engine (agent/rules/registry.cpp).
#include <gtest/gtest.h>

#include <set>

#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

TEST(RulesRegistry, EveryRuleHasAUniqueNameAndARule) {
  std::set<std::string_view> names;
  for (const auto& entry : rule_table()) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
    EXPECT_NE(entry.rule, nullptr) << entry.name;
  }
}

TEST(RulesRegistry, ContextThenEachTargetDnsThenConnectionsThenTheRun) {
  RuleFixture fx;
  TargetObservation kv = healthy_vault();
  TargetObservation cs{account(), {}, {}, {}};
  cs.dns.push_back(
      answered("10.0.2.53",
               {"cs1.cognitiveservices.azure.com", "cs1.privatelink.cognitiveservices.azure.com"},
               {"10.0.1.5"}));
  fx.observations.targets = {kv, cs};
  fx.observations.deadline_hit = true;
  std::vector<Finding> findings;
  run_rules(fx.input(), findings);
  EXPECT_EQ(ids_of(findings),
            (std::vector<std::string>{
                "context.not_in_app", "dns.private_endpoint@kv1.vault.azure.net",
                "tcp.connected@kv1.vault.azure.net", "tls.verified@kv1.vault.azure.net",
                "http.private_path@kv1.vault.azure.net",
                "dns.private_endpoint@cs1.cognitiveservices.azure.com", "check.deadline",
                "arm.not_read"}));
  findings.clear();
  run_rules(fx.input(), findings, Part::kProbes);
  EXPECT_EQ(ids_of(findings), ids_of(diagnose(fx.observations)));
}

TEST(RulesRegistry, CauseNotesReachOnlyTheirTargetsProblems) {
  std::vector<Finding> findings = {
      make_finding("tcp.timeout", "kv", ""), make_finding("tcp.timeout", "cs", ""),
      make_finding("tcp.connected", "kv", ""), make_finding("route.outside_vnet", "cs", "")};
  apply_causes(
      {CauseNote{{FindingId("tcp.timeout"), FindingId("tcp.connected")},
                 "kv",
                 Cause{"/kv", "p", "a", "e"}},
       CauseNote{{FindingId("route.outside_vnet")}, std::nullopt, Cause{"/site", "p", "a", "e"}}},
      findings);
  ASSERT_TRUE(findings[0].cause);
  EXPECT_EQ(findings[0].cause->resource_id, "/kv");
  EXPECT_FALSE(findings[1].cause);  // another target
  EXPECT_FALSE(findings[2].cause);  // passing
  ASSERT_TRUE(findings[3].cause);   // any target
  EXPECT_EQ(findings[3].cause->resource_id, "/site");
}
