// The zone steps of a target's private DNS chain in hub-spoke estates (hub_dns.hpp).
#include "hub_dns.hpp"

#include "estate_facts.hpp"
#include "resource_id.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::hub_dns {

using arm_facts::RootCause;
using arm_facts::text;
using namespace estate_facts;

namespace {

bool linked_to(const std::vector<arm::VnetLink>& links, const std::string& vnet) {
  for (const auto& l : links)
    if (arm::same_resource(text(l.virtual_network_id), vnet)) return true;
  return false;
}

}  // namespace

std::vector<std::string> asked_names(const Target& target) {
  std::vector<std::string> names{target.host};
  if (!target.privatelink_zone.empty())
    names.push_back(arm_facts::first_label(target.host) + "." + target.privatelink_zone);
  return names;
}

namespace {

// The custom server (a forwarder, not a resolver endpoint) the app uses inside `vnet`, or "".
std::string forwarder_in(const arm::ArmState& s, const std::string& vnet) {
  for (const auto& server : s.app_dns_servers())
    if (is_custom_server(s, server) && arm::same_resource(vnet_holding(s, server), vnet))
      return server;
  return "";
}

// The spoke's way to the hub VNet that resolves for it: both sides of the peering must carry, and
// a forwarder VM in the hub needs forwarded traffic allowed.
std::optional<RootCause> hub_path_cause(const arm::ArmState& s, const std::string& spoke,
                                        const std::string& hub) {
  const FindingId id("arm.zone_hub_unreachable");
  const arm::Peering* out = s.peering_between(spoke, hub);
  if (!out)
    return RootCause{id,
                     {spoke, "properties.virtualNetworkPeerings", "none to " + hub,
                      "a Connected peering to " + hub}};
  const auto state_cause = [&](const arm::Peering& p) -> std::optional<RootCause> {
    if (lower(text(p.peering_state)) != "connected")
      return RootCause{
          id,
          {text(p.id), "properties.peeringState",
           text(p.peering_state).empty() ? "unset" : text(p.peering_state), "Connected"}};
    if (p.allow_virtual_network_access == false)
      return RootCause{id, {text(p.id), "properties.allowVirtualNetworkAccess", "false", "true"}};
    return std::nullopt;
  };
  if (auto c = state_cause(*out)) return c;
  if (const arm::Peering* back = s.peering_between(hub, spoke))
    if (auto c = state_cause(*back)) return c;
  if (!forwarder_in(s, hub).empty() && out->allow_forwarded_traffic == false)
    return RootCause{id, {text(out->id), "properties.allowForwardedTraffic", "false", "true"}};
  return std::nullopt;
}

// A VNet that looks like a hub from the spoke: peered with it either way, or home of a resolver.
bool hub_like(const arm::ArmState& s, const std::string& spoke, const std::string& vnet) {
  if (s.peering_between(spoke, vnet) || s.peering_between(vnet, spoke)) return true;
  for (const auto& r : s.resolvers)
    if (arm::same_resource(text(r.virtual_network_id), vnet)) return true;
  return false;
}

}  // namespace

const arm::ForwardingRule* rule_for(const arm::ArmState& s, const std::string& vnet,
                                    const std::string& name) {
  const arm::ForwardingRule* best = nullptr;
  for (const auto* rs : s.rulesets_linked_to(vnet)) {
    const auto it = s.forwarding_rules.find(lower(text(rs->id)));
    if (it == s.forwarding_rules.end()) continue;
    for (const auto& rule : it->second) {
      const std::string state = lower(text(rule.state));
      if ((!state.empty() && state != "enabled") || !under_domain(name, text(rule.domain_name)))
        continue;
      if (!best || text(rule.domain_name).size() > text(best->domain_name).size()) best = &rule;
    }
  }
  return best;
}

bool rulesets_read(const arm::ArmState& s) {
  return read_whole(s, "dns forwarding rulesets") && read_whole(s, "ruleset links") &&
         read_whole(s, "forwarding rules") && read_whole(s, "dns resolvers");
}

namespace {

// FM-13 through a ruleset: the spoke uses Azure DNS, the zone is linked elsewhere, and a ruleset
// of a resolver the spoke reaches would forward the target's names but is not linked to it.
std::optional<RootCause> unlinked_ruleset_cause(const arm::ArmState& s, const Target& target,
                                                const std::string& spoke) {
  if (!uses_azure_dns(s) || !rulesets_read(s)) return std::nullopt;
  for (const auto& rs : s.rulesets) {
    const std::string rs_id = text(rs.id);
    bool in_reach = false;
    for (const auto& outbound : rs.outbound_endpoint_ids) {
      const auto oid = arm::parse_resource_id(outbound);
      if (!oid || !oid->parent()) continue;
      for (const auto& r : s.resolvers)
        if (arm::same_resource(text(r.id), oid->parent()->str()))
          in_reach |= reaches(s, spoke, text(r.virtual_network_id));
    }
    if (!in_reach) continue;
    bool linked = false, forwards = false;
    std::vector<std::string> linked_vnets;
    const auto links = s.ruleset_links.find(lower(rs_id));
    if (links != s.ruleset_links.end())
      for (const auto& l : links->second) {
        linked_vnets.push_back(text(l.virtual_network_id));
        linked |= arm::same_resource(linked_vnets.back(), spoke);
      }
    const auto rules = s.forwarding_rules.find(lower(rs_id));
    if (rules != s.forwarding_rules.end())
      for (const auto& rule : rules->second)
        for (const auto& name : asked_names(target))
          forwards |=
              lower(text(rule.state)) != "disabled" && under_domain(name, text(rule.domain_name));
    if (linked || !forwards) continue;
    return RootCause{"arm.ruleset_unlinked",
                     {rs_id, "properties.virtualNetworkLinks",
                      linked_vnets.empty() ? "no links" : join(linked_vnets, ", "), spoke}};
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> resolving_for(const arm::ArmState& s, const Target& target) {
  std::vector<std::string> out = resolving_vnets(s);
  const std::size_t direct = out.size();
  for (std::size_t i = 0; i < direct; ++i)
    for (const auto& name : asked_names(target)) {
      const arm::ForwardingRule* rule = rule_for(s, out[i], name);
      if (!rule) continue;
      for (const auto& ip : rule->target_ips) {
        const auto [resolver, endpoint] = s.inbound_endpoint_at(ip);
        const std::string vnet = resolver ? text(resolver->virtual_network_id) : "";
        bool known = vnet.empty();
        for (const auto& o : out) known |= arm::same_resource(o, vnet);
        if (!known) out.push_back(vnet);
      }
    }
  return out;
}

LinkStep zone_link_step(const arm::ArmState& s, const Target& target,
                        const arm::PrivateDnsZone& zone) {
  const std::string spoke = arm_facts::vnet_id(s);
  if (spoke.empty()) return {true, std::nullopt};
  if (!s.was_read("vnet") || !servers_judgeable(s)) return {};
  const std::string zone_name = target.privatelink_zone;
  const auto& links = s.links_of(zone_name);
  const std::vector<std::string> resolving = resolving_for(s, target);
  std::optional<RootCause> first;
  for (const auto& vnet : resolving) {
    if (!linked_to(links, vnet)) continue;
    if (arm::same_resource(vnet, spoke)) return {true, std::nullopt};
    auto cause = hub_path_cause(s, spoke, vnet);
    if (!cause) return {true, std::nullopt};
    if (!first) first = cause;
  }
  if (first) return {true, first};
  // Linked to no VNet the app resolves through; a ruleset not read might forward the names to one.
  if (!rulesets_read(s)) return {};
  std::vector<std::string> linked;
  bool to_hub = false;
  for (const auto& l : links) {
    linked.push_back(text(l.virtual_network_id));
    to_hub |= hub_like(s, spoke, linked.back());
  }
  const std::string wanted = join(resolving, ", ");
  if (!linked.empty())
    if (auto ruleset = unlinked_ruleset_cause(s, target, spoke)) return {true, ruleset};
  const FindingId id =
      to_hub ? FindingId("arm.zone_hub_unreachable") : FindingId("arm.zone_not_linked");
  return {true, RootCause{id,
                          {text(zone.id), "virtualNetworkLinks[].properties.virtualNetwork.id",
                           linked.empty() ? "no links" : join(linked, ", "), wanted}}};
}

LinkStep duplicate_zone_step(const arm::ArmState& s, const Target& target,
                             const arm::PrivateDnsZone& zone) {
  const std::string zone_name = lower(target.privatelink_zone);
  const std::string record = lower(arm_facts::first_label(target.host));
  const auto has_record = [&](const std::vector<arm::ARecordSet>& sets) {
    for (const auto& rs : sets)
      if (lower(text(rs.name)) == record) return true;
    return false;
  };
  if (has_record(s.records_of(zone_name))) return {true, std::nullopt};
  if (!read_whole(s, "private DNS zones")) return {};
  // The serving zone's links to the VNets the app resolves through.
  std::vector<const arm::VnetLink*> serving;
  for (const auto& vnet : resolving_for(s, target))
    for (const auto& l : s.links_of(zone_name))
      if (arm::same_resource(text(l.virtual_network_id), vnet)) serving.push_back(&l);
  for (const auto& dup : s.duplicate_zones) {
    const std::string dup_id = lower(text(dup.id));
    if (lower(text(dup.name)) != zone_name) continue;
    if (!s.was_read("links:" + dup_id) || !s.was_read("a:" + dup_id)) return {};
    const auto sets = s.duplicate_a_records.find(dup_id);
    if (sets == s.duplicate_a_records.end() || !has_record(sets->second)) continue;
    const auto dup_links = s.duplicate_links.find(dup_id);
    if (dup_links == s.duplicate_links.end()) continue;
    for (const auto* mine : serving)
      for (const auto& theirs : dup_links->second)
        if (reaches(s, text(mine->virtual_network_id), text(theirs.virtual_network_id)))
          return {true, RootCause{"arm.zone_duplicate",
                                  {text(mine->id), "properties.virtualNetwork.id", text(zone.id),
                                   "no second zone " + zone_name +
                                       " linked to VNets that reach each other (the app resolves "
                                       "through this one, which lacks " +
                                       record + "; " + text(dup.id) + " holds it)"}}};
  }
  return {true, std::nullopt};
}

}  // namespace vnetdiag::hub_dns

namespace vnetdiag::rules {

using namespace estate_facts;
using arm_facts::text;

// A ruleset linked to a VNet the app resolves through forwards the target's name (or its
// privatelink alias) to servers that are neither a resolver inbound endpoint nor Azure DNS: the
// privatelink zones are never asked. The most specific Enabled rule decides, as in Azure DNS.
RuleOutput ruleset_rule_diverts(const RuleInput& in) {
  if (!in.arm || in.target->kind == TargetKind::kCustom) return {};
  const arm::ArmState& s = *in.arm;
  if (!hub_dns::rulesets_read(s) || !read_whole(s, "inbound endpoints") || !s.was_read("vnet"))
    return {};
  const std::string label = in.target->label();
  for (const auto& vnet : resolving_vnets(s))
    for (const auto& name : hub_dns::asked_names(*in.target)) {
      const arm::ForwardingRule* rule = hub_dns::rule_for(s, vnet, name);
      if (!rule) continue;
      std::vector<std::string> elsewhere;
      for (const auto& ip : rule->target_ips)
        if (is_custom_server(s, ip)) elsewhere.push_back(ip);
      if (elsewhere.empty()) continue;
      const Cause cause{text(rule->id), "properties.targetDnsServers", join(rule->target_ips, ", "),
                        "a DNS Private Resolver inbound endpoint or 168.63.129.16"};
      Finding f = control_finding("arm.ruleset_rule_diverts", label, cause);
      f.summary += " (" + name + " matches " + text(rule->domain_name) + ", forwarded to " +
                   join(elsewhere, ", ") + ")";
      f.evidence["domain_name"] = text(rule->domain_name);
      f.evidence["resolution_vnet"] = vnet;
      return {{std::move(f)}, {CauseNote{arm_facts::dns_symptoms(), label, cause}}};
    }
  return {};
}

}  // namespace vnetdiag::rules
