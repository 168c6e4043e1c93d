#pragma once
// Diagnosis rules: observations in, findings out. Pure functions, tested from recorded observations.
#include <vector>

#include "model.hpp"

namespace vnetdiag {

std::vector<Finding> diagnose(const Observations& observations);

// Parts of the rules, exposed for tests.
std::vector<Finding> diagnose_dns(const TargetObservation& target, const std::vector<Resolver>& resolvers = {});
std::vector<Finding> diagnose_connections(const TargetObservation& target);
// The `addr=` value of an x-ms-keyvault-network-info header, or empty.
std::string keyvault_source_address(const std::string& network_info);

}  // namespace vnetdiag
