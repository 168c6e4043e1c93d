#include "ruleset_path.hpp"

#include "estate_facts.hpp"
#include "hub_dns.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

// The most specific enabled rule of `rules` for one of the target's names.
const arm::ForwardingRule* best_rule(const std::vector<arm::ForwardingRule>& rules,
                                     const Target& target) {
  const arm::ForwardingRule* best = nullptr;
  for (const auto& rule : rules) {
    const std::string state = lower(rule.state.value_or(""));
    if (!state.empty() && state != "enabled") continue;
    bool covers = false;
    for (const auto& name : hub_dns::asked_names(target))
      covers |= estate_facts::under_domain(name, rule.domain_name.value_or(""));
    if (covers &&
        (!best || rule.domain_name.value_or("").size() > best->domain_name.value_or("").size()))
      best = &rule;
  }
  return best;
}

std::string inbound_vnet(const arm::ArmState& a, const arm::ForwardingRule& rule) {
  if (rule.target_ips.empty()) return "";
  const auto [resolver, endpoint] = a.inbound_endpoint_at(rule.target_ips.front());
  return resolver ? resolver->virtual_network_id.value_or("") : "";
}

}  // namespace

std::string forwarded_vnet(const arm::ArmState& a, const std::string& spoke, const Target& target) {
  if (!estate_facts::uses_azure_dns(a)) return "";
  for (const auto& name : hub_dns::asked_names(target))
    if (const arm::ForwardingRule* rule = hub_dns::rule_for(a, spoke, name))
      return inbound_vnet(a, *rule);
  return "";
}

const arm::DnsForwardingRuleset* ruleset_to_link(const arm::ArmState& a, const std::string& spoke,
                                                 const Target& target,
                                                 const std::vector<arm::VnetLink>& zone_links) {
  if (!estate_facts::uses_azure_dns(a) || !hub_dns::rulesets_read(a)) return nullptr;
  for (const auto& rs : a.rulesets) {
    const std::string id = rs.id.value_or("");
    bool linked = false;
    for (const auto* l : a.rulesets_linked_to(spoke))
      linked |= arm::same_resource(l->id.value_or(""), id);
    const auto rules = a.forwarding_rules.find(lower(id));
    if (linked || rules == a.forwarding_rules.end()) continue;
    const arm::ForwardingRule* rule = best_rule(rules->second, target);
    const std::string vnet = rule ? inbound_vnet(a, *rule) : "";
    if (vnet.empty()) continue;
    for (const auto& l : zone_links)
      if (arm::same_resource(l.virtual_network_id.value_or(""), vnet)) return &rs;
  }
  return nullptr;
}

}  // namespace vnetdiag::fix
