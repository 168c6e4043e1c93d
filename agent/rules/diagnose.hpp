#pragma once
// Diagnosis rules: observations in, findings out. Pure functions, tested from recorded
// observations.
#include <set>
#include <string>
#include <vector>

#include "model.hpp"

namespace vnetdiag {

std::vector<Finding> diagnose(const Observations& observations);

// Parts of the rules, exposed for tests.
// unreachable: resolvers that answered some query of this run with "port unreachable"; their
// timeouts are the same dead server (the kernel rate-limits the ICMP errors that tell it).
std::vector<Finding> diagnose_dns(const TargetObservation& target,
                                  const std::vector<Resolver>& resolvers = {},
                                  const std::set<std::string>& unreachable = {});
std::vector<Finding> diagnose_connections(const TargetObservation& target);
// The `addr=` value of an x-ms-keyvault-network-info header, or empty.
std::string keyvault_source_address(const std::string& network_info);

}  // namespace vnetdiag
