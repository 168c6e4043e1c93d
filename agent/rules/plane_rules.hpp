#pragma once
// Joins the planes: each data-plane finding gets the ARM resource and property that cause it, and
// control-plane-only problems become findings of their own.
#include <vector>

#include "model.hpp"
#include "topology.hpp"

namespace vnetdiag::arm {

void join_planes(const Topology& topology, const std::vector<Target>& targets,
                 const std::string& resource_group_id, std::vector<Finding>& findings);

}  // namespace vnetdiag::arm
