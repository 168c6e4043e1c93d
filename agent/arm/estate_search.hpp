#pragma once
// Locating the resources a check starts from wherever they live: the targets by name, the
// privatelink zones by name, DNS Private Resolvers and forwarding rulesets. Resource Graph first;
// subscription-level lists in the search set when it cannot be used.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "resource_graph.hpp"
#include "topology.hpp"

namespace vnetdiag::arm {

struct EstateFound {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's move
  std::vector<nlohmann::json> vaults, accounts, zones, resolvers, rulesets;
  // Adds a body unless one with its id (same_resource) is there; false when the row is unusable.
  void add(const nlohmann::json& row, const GraphSearch& wanted);
};

// Resource Graph; on success the topology's read_mode is "resource-graph" and rows are in
// `found`, else read_mode is "direct" with the reason and `found` is untouched.
bool search_by_graph(ArmClient& client, Topology& t, const GraphSearch& wanted,
                     const Sleeper& sleep, EstateFound& found);
// The subscription-level lists of every subscription in `subscriptions` (lower ids), followed
// through nextLink; a list that fails in any of them marks its kind unread. A subscription-level
// list refused with 403 (an identity with Reader on resource groups only) is read per resource
// group instead, in `resource_groups` ("/subscriptions/{s}/resourcegroups/{g}", lower): the
// view the identity has, as the reads before issue 15 had.
void search_directly(ArmClient& client, Topology& t, const GraphSearch& wanted,
                     const std::set<std::string>& subscriptions, EstateFound& found,
                     const std::set<std::string>& resource_groups = {});

}  // namespace vnetdiag::arm
