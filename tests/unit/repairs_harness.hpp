#pragma once
// Runs one repair of the table against a literal topology: does it apply, what does it make.
#include <gtest/gtest.h>

#include <utility>

#include "plan_state.hpp"
#include "repairs/repairs.hpp"
#include "topology_fixture.hpp"

namespace vnetdiag::testdata {

struct RepairHarness {
  Topology t;
  fix::PlanInput in;
  fix::Plan planned;  // what the repair sees as planned before it

  explicit RepairHarness(Topology topology, std::vector<Target> targets = {vault_target()})
      : t(std::move(topology)), in{&t, std::move(targets), "s1", "securebackendsetup", {}} {}

  // The repair for the state now, for target `target` (per-target repairs) or failed resource
  // `failed` (per-failed-resource repairs).
  bool applies(const fix::Repair& r, std::size_t index = 0) {
    state_ = std::make_unique<fix::PlanState>(fix::resolve_state(in));
    return r.applies(input(r, index));
  }
  fix::Draft make(const fix::Repair& r, std::size_t index = 0) {
    EXPECT_TRUE(applies(r, index)) << r.name;
    return r.make(input(r, index));
  }
  std::string refuse(const fix::Repair& r, std::size_t index = 0) {
    EXPECT_TRUE(applies(r, index)) << r.name;
    return r.refuse(input(r, index));
  }
  std::string key(const fix::Repair& r, std::size_t index = 0) {
    state_ = std::make_unique<fix::PlanState>(fix::resolve_state(in));
    return fix::expand_key(r.provides, input(r, index));
  }
  const fix::PlanState& state() const { return *state_; }

 private:
  fix::RepairInput input(const fix::Repair& r, std::size_t index) const {
    const fix::TargetState* target =
        r.scope == fix::Scope::kPerTarget ? &state_->targets.at(index) : nullptr;
    const fix::FailedResource* failed =
        r.scope == fix::Scope::kPerFailedResource ? &state_->failed.at(index) : nullptr;
    const fix::DuplicateLink* duplicate =
        r.scope == fix::Scope::kPerDuplicateLink ? &state_->duplicate_links.at(index) : nullptr;
    const fix::PeeringFix* peering =
        r.scope == fix::Scope::kPerPeering ? &state_->peerings.at(index) : nullptr;
    return fix::RepairInput{*state_, target, failed, planned, duplicate, peering};
  }
  std::unique_ptr<fix::PlanState> state_;
};

}  // namespace vnetdiag::testdata
