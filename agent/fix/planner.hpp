#pragma once
// The planner: tutorial end state, parameterised by what exists, diffed against what ARM shows.
// Reads nothing itself; deletes only what --allow-replace allows (a replaced endpoint, a
// duplicate zone's link that conflicts), and writes only in the subscriptions allowed.
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "model.hpp"
#include "plan.hpp"
#include "topology.hpp"

namespace vnetdiag::fix {

// Names and prefixes for what does not exist yet. Existing resources' names win.
struct DesiredNames {
  std::string location;  // empty: the app's region
  std::string vnet = "securebackend-vnet";
  std::string vnet_prefix = "10.0.0.0/16";
  std::string integration_subnet = "vnet-integration-subnet";
  std::string integration_prefix = "10.0.0.0/24";
  std::string endpoint_subnet = "private-endpoint-subnet";
  std::string endpoint_prefix = "10.0.1.0/24";
  bool route_all = false;  // force route-all even when every endpoint address is RFC1918
  // Replace what cannot be repaired in place (an endpoint whose connection was Rejected or
  // Disconnected): the only case in which a plan may delete.
  bool allow_replace = false;
};

struct PlanInput {
  const arm::Topology* topology;
  std::vector<Target> targets;
  std::string subscription, resource_group;
  DesiredNames names;
  // Subscriptions besides `subscription` (always allowed: the app's own) in which steps may
  // write (fix --allow-subscription). A step elsewhere goes to Plan::not_allowed.
  std::vector<std::string> allowed_subscriptions{};
  // The typed state, when the caller has it (tests build it by hand); else parsed from topology.
  const arm::ArmState* state = nullptr;
};

Plan plan_repairs(const PlanInput& input);

}  // namespace vnetdiag::fix
