#pragma once
// Every rule of the table (registry.cpp), by the file that holds it, and the parts of the rules
// that the public helpers (diagnose.hpp) and the tests call with explicit inputs.
#include <string>
#include <vector>

#include "dns_answer.hpp"
#include "rules.hpp"

namespace vnetdiag {

// dns_rules.cpp, one target at a time (known: the resolvers of the run, for their names).
std::vector<Finding> dns_not_forwarding(const TargetObservation& target,
                                        const std::vector<Resolver>& known,
                                        const std::vector<ResolverOutcome>& outcomes);
std::vector<Finding> dns_answers(const TargetObservation& target,
                                 const std::vector<Resolver>& known,
                                 const std::vector<ResolverOutcome>& outcomes);
std::vector<Finding> dns_system_disagrees(const TargetObservation& target,
                                          const std::vector<Resolver>& known);
std::vector<Finding> dns_resolvers_disagree(const TargetObservation& target,
                                            const std::vector<ResolverOutcome>& outcomes);

// tcp_tls_rules.cpp
std::vector<Finding> connection_problems(const TargetObservation& target);
std::vector<Finding> one_family(const TargetObservation& target);
std::vector<Finding> connection_passes(const TargetObservation& target);

// service_rules.cpp: the service's answer on a connection that got through HTTP (an ok id, or
// the problem), for connection_problems and connection_passes.
FindingId service_answer(const Target& target, const ConnectionObservation& connection,
                         std::string* detail);

// arm_integration_rules.cpp: an ARM finding with the property behind it.
Finding control_finding(FindingId id, const std::string& target, const Cause& cause);

namespace rules {

// context_rules.cpp
RuleOutput not_in_app(const RuleInput& in);
RuleOutput no_integration(const RuleInput& in);
RuleOutput bad_context_value(const RuleInput& in);
RuleOutput public_dns_fallback(const RuleInput& in);
RuleOutput check_deadline(const RuleInput& in);

// route_rules.cpp
RuleOutput route_layers_disagree(const RuleInput& in);
RuleOutput route_path(const RuleInput& in);
RuleOutput route_restart_pending(const RuleInput& in);
RuleOutput arm_route_all_layers(const RuleInput& in);
RuleOutput arm_route_all_cause(const RuleInput& in);

// dns_rules.cpp (Scope::kEachProbedTarget)
RuleOutput dns_resolver_not_forwarding(const RuleInput& in);
RuleOutput dns_answer(const RuleInput& in);
RuleOutput dns_system(const RuleInput& in);
RuleOutput dns_disagree(const RuleInput& in);

// tcp_tls_rules.cpp (Scope::kEachProbedTarget)
RuleOutput connection_layers(const RuleInput& in);
RuleOutput address_family(const RuleInput& in);
RuleOutput healthy_layers(const RuleInput& in);

// arm_integration_rules.cpp
RuleOutput arm_not_read(const RuleInput& in);
RuleOutput arm_read_gaps(const RuleInput& in);
RuleOutput site_not_integrated(const RuleInput& in);
RuleOutput https_only_off(const RuleInput& in);
RuleOutput plan_tier(const RuleInput& in);

// network_rules.cpp
RuleOutput candidate_subnet_delegation(const RuleInput& in);
RuleOutput integration_subnet(const RuleInput& in);
RuleOutput custom_dns(const RuleInput& in);
RuleOutput vnet_region(const RuleInput& in);
RuleOutput instance_without_private_ip(const RuleInput& in);
RuleOutput resolver_list_stale(const RuleInput& in);

// arm_endpoint_rules.cpp (Scope::kEachArmTarget)
RuleOutput target_exposure(const RuleInput& in);
RuleOutput zone_group_policy_owned(const RuleInput& in);

// arm_zone_rules.cpp (Scope::kEachArmTarget)
RuleOutput dns_root_cause(const RuleInput& in);
RuleOutput account_subdomain(const RuleInput& in);
RuleOutput provider_registration(const RuleInput& in);
RuleOutput zone_link_fallback(const RuleInput& in);

// network_path_rules.cpp
RuleOutput dns_server_path(const RuleInput& in);           // Scope::kRun
RuleOutput integration_path(const RuleInput& in);          // Scope::kEachArmTarget
RuleOutput endpoint_subnet_policies(const RuleInput& in);  // Scope::kEachArmTarget
RuleOutput endpoint_vnet_peering(const RuleInput& in);     // Scope::kEachArmTarget

// hub_dns.cpp (Scope::kEachArmTarget)
RuleOutput ruleset_rule_diverts(const RuleInput& in);

// kv_reference_rules.cpp
RuleOutput kv_reference_unresolved(const RuleInput& in);

// outbound_routing.cpp
RuleOutput outbound_split(const RuleInput& in);

// arm_provisioning_rules.cpp
RuleOutput provisioning_failed(const RuleInput& in);

}  // namespace rules
}  // namespace vnetdiag
