#pragma once
// The zone steps of a target's private DNS chain in a real estate (issue 15): zones in a hub,
// resolution through a DNS Private Resolver, forwarding rulesets, duplicate zones. Used by
// dns_root_cause (arm_zone_rules.cpp), which reports the first wrong step.
#include <optional>
#include <string>
#include <vector>

#include "arm_facts.hpp"

namespace vnetdiag::hub_dns {

// The link step: is the zone linked to a VNet the app resolves through, and does the app reach
// that VNet? `judged` false: something it needs was not read (no cause then, never a guess).
struct LinkStep {
  bool judged = false;
  std::optional<arm_facts::RootCause> cause;
};
LinkStep zone_link_step(const arm::ArmState& s, const Target& target,
                        const arm::PrivateDnsZone& zone);

// FM-13: the zone serving the app lacks the target's record while a second zone of that name,
// linked to a VNet that reaches the one it resolves through, holds it (arm.zone_duplicate). Not
// judged while a second zone's links or records were not read.
LinkStep duplicate_zone_step(const arm::ArmState& s, const Target& target,
                             const arm::PrivateDnsZone& zone);

// The names the app asks for a target: its public name and its privatelink alias.
std::vector<std::string> asked_names(const Target& target);
// The most specific Enabled forwarding rule of the rulesets linked to `vnet` for `name`, or
// nullptr.
const arm::ForwardingRule* rule_for(const arm::ArmState& s, const std::string& vnet,
                                    const std::string& name);
// The VNets whose zone links answer the target's names: estate_facts::resolving_vnets, plus the
// VNet of each resolver inbound endpoint that a ruleset linked to one of them forwards them to.
std::vector<std::string> resolving_for(const arm::ArmState& s, const Target& target);
// Rulesets, their links and rules, and the resolvers were all read.
bool rulesets_read(const arm::ArmState& s);

}  // namespace vnetdiag::hub_dns
