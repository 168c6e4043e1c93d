// The public helpers of diagnose.hpp and context_rules.hpp: each runs one part of the rules table
// (or one target's rules) on its own, for the tests, the fuzzers and the renderers' fixtures.
#include "context_rules.hpp"
#include "diagnose.hpp"
#include "rule_list.hpp"

namespace vnetdiag {
namespace {

void append(std::vector<Finding>& to, std::vector<Finding> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

std::vector<Finding> run_part(Part part, const Observations& observations, const AppContext& app,
                              const RouteAll& route_all) {
  static const std::vector<Target> kNoTargets;
  static const std::string kNoResourceGroup;
  std::vector<Finding> findings;
  run_rules({observations, app, route_all, kNoTargets, kNoResourceGroup, nullptr, ""}, findings,
            part);
  return findings;
}

}  // namespace

std::vector<Finding> diagnose(const Observations& observations) {
  return run_part(Part::kProbes, observations, AppContext{}, RouteAll{});
}

std::vector<Finding> diagnose_dns(const TargetObservation& target,
                                  const std::vector<Resolver>& resolvers,
                                  const std::set<std::string>& unreachable) {
  const auto outcomes = resolver_outcomes(target, unreachable);
  std::vector<Finding> findings = dns_not_forwarding(target, resolvers, outcomes);
  append(findings, dns_answers(target, resolvers, outcomes));
  append(findings, dns_system_disagrees(target, resolvers));
  append(findings, dns_resolvers_disagree(target, outcomes));
  return findings;
}

std::vector<Finding> diagnose_connections(const TargetObservation& target) {
  std::vector<Finding> findings = connection_problems(target);
  append(findings, one_family(target));
  append(findings, connection_passes(target));
  return findings;
}

std::vector<Finding> context_findings(const AppContext& context, const RouteAll& route_all,
                                      const Observations& observations) {
  return run_part(Part::kContext, observations, context, route_all);
}

}  // namespace vnetdiag
