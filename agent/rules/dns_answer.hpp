#pragma once
// What each resolver's answers mean for a target, shared by the DNS rules (dns_rules.cpp).
#include <set>
#include <string>
#include <vector>

#include "finding_catalog.hpp"
#include "model.hpp"

namespace vnetdiag {

struct ResolverOutcome {
  std::string resolver;
  FindingId id;
  std::string detail;
  const DnsObservation* evidence;   // the A answer, or the AAAA one when there is no A
  std::set<std::string> addresses;  // of both families, when the answers were NOERROR
};

// One outcome per resolver, in the order the resolvers were first asked. unreachable: resolvers
// that answered some query of this run with "port unreachable"; their timeouts are the same dead
// server (the kernel rate-limits the ICMP errors that tell it).
std::vector<ResolverOutcome> resolver_outcomes(const TargetObservation& target,
                                               const std::set<std::string>& unreachable);
std::set<std::string> unreachable_resolvers(const Observations& observations);

// "10.0.2.53 (resolv.conf)" when the resolver is known, else the label.
std::string resolver_name(const std::string& label, const std::vector<Resolver>& known);
// The answers that are not the private endpoint: an app on this resolver goes the wrong way.
bool is_wrong_answer(FindingId id);
// "a -> b -> 10.0.1.4"
std::string chain_text(const DnsObservation& dns);

}  // namespace vnetdiag
