// ARM rule about resources an earlier operation left broken: provisioningState Failed on the
// network pieces of the private path (the same set `vnetdiag fix` re-applies first).
#include "arm_facts.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::rules {

using namespace arm_facts;

namespace {

void add_if_failed(const arm::Text& id, const arm::Text& state, RuleOutput& out) {
  if (lower(text(state)) != "failed") return;
  out.findings.push_back(
      control_finding("arm.provisioning_failed", "",
                      {text(id), "properties.provisioningState", "Failed", "Succeeded"}));
}

}  // namespace

RuleOutput provisioning_failed(const RuleInput& in) {
  if (!in.arm) return {};
  RuleOutput out;
  for (const auto& vnet : in.arm->vnets) {
    add_if_failed(vnet.id, vnet.provisioning_state, out);
    for (const auto& subnet : vnet.subnets)
      add_if_failed(subnet.id, subnet.provisioning_state, out);
  }
  for (const auto& zone : in.arm->zones) add_if_failed(zone.id, zone.provisioning_state, out);
  for (const auto& [zone, links] : in.arm->links)
    for (const auto& link : links) add_if_failed(link.id, link.provisioning_state, out);
  for (const auto& endpoint : in.arm->private_endpoints)
    add_if_failed(endpoint.id, endpoint.provisioning_state, out);
  for (const auto& [endpoint, groups] : in.arm->zone_groups)
    for (const auto& group : groups) add_if_failed(group.id, group.provisioning_state, out);
  return out;
}

}  // namespace vnetdiag::rules
