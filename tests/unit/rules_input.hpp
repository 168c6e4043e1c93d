#pragma once
// A RuleInput over literal parts, for the rules_*_test.cpp files.
#include <string>
#include <vector>

#include "finding_catalog.hpp"
#include "rule_list.hpp"

namespace vnetdiag::testdata {

struct RuleFixture {
  Observations observations;
  AppContext app;
  RouteAll route_all{"off", "default", {}, false};
  std::vector<Target> targets;
  std::string rg_id = "/subscriptions/s/resourceGroups/rg";
  const arm::ArmState* arm = nullptr;
  std::string skip_reason = "--no-arm";

  RuleInput input() const {
    return {observations, app, route_all, targets, rg_id, arm, skip_reason};
  }
  // The input of a Scope::kEachProbedTarget rule for observations.targets[i].
  RuleInput probed(std::size_t i) const {
    RuleInput in = input();
    in.observed = &observations.targets.at(i);
    return in;
  }
  // The input of a Scope::kEachArmTarget rule for targets[i].
  RuleInput arm_target(std::size_t i) const {
    RuleInput in = input();
    in.target = &targets.at(i);
    return in;
  }
};

inline std::vector<std::string> ids_of(const std::vector<Finding>& findings) {
  std::vector<std::string> ids;
  ids.reserve(findings.size());
  for (const auto& f : findings) ids.push_back(f.id + (f.target.empty() ? "" : "@" + f.target));
  return ids;
}

inline std::vector<std::string> ids_of(const RuleOutput& out) { return ids_of(out.findings); }

}  // namespace vnetdiag::testdata
