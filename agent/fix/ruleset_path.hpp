#pragma once
// Forwarding rulesets on the path of an app that asks Azure DNS (hub-spoke estates with a DNS
// Private Resolver): where a linked ruleset sends a target's names, and which unlinked ruleset
// would send them to a VNet the target's zone is linked to.
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "model.hpp"

namespace vnetdiag::fix {

// The VNet of the resolver inbound endpoint that a ruleset linked to `spoke` forwards the
// target's names to, when the app asks Azure DNS; "" when no enabled rule does.
std::string forwarded_vnet(const arm::ArmState& a, const std::string& spoke, const Target& target);

// A ruleset not linked to `spoke` whose most specific enabled rule for the target's names
// forwards to a resolver inbound endpoint in a VNet one of `zone_links` joins; nullptr when the
// app does not ask Azure DNS, when rulesets, their links or rules were not all read, or when none.
const arm::DnsForwardingRuleset* ruleset_to_link(const arm::ArmState& a, const std::string& spoke,
                                                 const Target& target,
                                                 const std::vector<arm::VnetLink>& zone_links);

}  // namespace vnetdiag::fix
