// Findings no other test produced (tests/catalogue/coverage.py requires every catalogued id to
// be produced by some test): each from the smallest literal input that makes it.
#include <gtest/gtest.h>

#include <algorithm>

#include "diagnose.hpp"
#include "finding_catalog.hpp"
#include "observations.hpp"
#include "plane_rules.hpp"
#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

bool has(const std::vector<Finding>& findings, FindingId id) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return is(f, id); });
}

}  // namespace

TEST(CatalogueCoverage, NoRouteToTheEndpointIsTcpUnreachable) {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = t.connections[0].tls = t.connections[0].http = PhaseStatus::kNotRun;
  t.connections[0].tcp = PhaseStatus::kUnreachable;
  t.connections[0].error = "No route to host";
  const auto findings = diagnose_connections(t);
  ASSERT_TRUE(has(findings, "tcp.unreachable"));
  EXPECT_FALSE(has(findings, "tcp.connected"));
}

TEST(CatalogueCoverage, AVaultAnsweringPrivately500IsAnUnexpectedStatus) {
  TargetObservation t = healthy_vault();
  t.connections[0].status_code = 500;
  const auto findings = diagnose_connections(t);
  ASSERT_TRUE(has(findings, "http.unexpected_status"));
  EXPECT_FALSE(has(findings, "http.private_path"));
}

TEST(CatalogueCoverage, ARunCutShortByItsDeadlineSaysSo) {
  Observations o;
  o.targets.push_back(healthy_vault());
  EXPECT_FALSE(has(diagnose(o), "check.deadline"));
  o.deadline_hit = true;
  o.duration_ms = 10000;
  EXPECT_TRUE(has(diagnose(o), "check.deadline"));
}

TEST(CatalogueCoverage, AZoneGroupDeployedByPolicyIsNamed) {
  arm::Topology t = tutorial();
  std::vector<Finding> findings;
  arm::join_planes(t, {vault_target()}, kRg, findings);
  EXPECT_FALSE(has(findings, "arm.zone_group_policy_owned"));
  for (auto& group : t.zone_groups[lower_id(kPe)]) group["name"] = "deployedByPolicy";
  findings.clear();
  arm::join_planes(t, {vault_target()}, kRg, findings);
  EXPECT_TRUE(has(findings, "arm.zone_group_policy_owned"));
}
