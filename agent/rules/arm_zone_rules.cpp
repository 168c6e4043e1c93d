// ARM rules about each target's private DNS: the tutorial's chain endpoint -> Approved connection
// -> privatelink zone -> link to the app's VNet -> zone group -> A record, and its first wrong link
// as the cause of the target's DNS symptoms.
#include <algorithm>

#include "arm_facts.hpp"
#include "estate_facts.hpp"
#include "hub_dns.hpp"
#include "resource_id.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm_facts {

std::vector<FindingId> dns_symptoms() {
  return {"dns.alias_missing",
          "dns.public_address",
          "dns.nxdomain",
          "dns.no_answer",
          "dns.resolver_not_forwarding",
          "kv.public_source",
          "kv.forbidden_by_firewall",
          "cs.public_access_disabled",
          "cs.forbidden_by_firewall",
          "tcp.timeout"};
}

}  // namespace vnetdiag::arm_facts

namespace vnetdiag::rules {

using namespace arm_facts;
using estate_facts::read_whole;

namespace {

// The zone links of the chain, from the Approved endpoint on.
std::optional<RootCause> zone_root_cause(const arm::ArmState& s, const Target& target,
                                         const std::string& rg_id, const arm::PrivateEndpoint& pe) {
  const std::string pe_id = text(pe.id);
  const std::string zone_name = target.privatelink_zone;
  if (zone_name.empty() || !read_whole(s, "private DNS zones")) return std::nullopt;
  const arm::PrivateDnsZone* zone = s.zone(zone_name);
  if (!zone)
    return RootCause{"arm.zone_missing",
                     {rg_id + "/providers/Microsoft.Network/privateDnsZones/" + zone_name,
                      "(resource)", "missing", "exists"}};
  const std::string zone_id = text(zone->id);
  if (!read_whole(s, "links:" + lower(zone_name))) return std::nullopt;
  const hub_dns::LinkStep link = hub_dns::zone_link_step(s, target, *zone);
  if (!link.judged || link.cause) return link.cause;
  bool grouped = false;
  for (const auto& g : s.groups_of(pe_id))
    for (const auto& id : g.zone_ids()) grouped |= arm::same_resource(id, zone_id);
  const std::string address = s.endpoint_address(pe);
  const std::string record_name = first_label(target.host);
  std::vector<std::string> record_ips;
  for (const auto& rs : s.records_of(zone_name))
    if (lower(text(rs.name)) == lower(record_name))
      for (const auto& ip : rs.addresses()) record_ips.push_back(ip);
  if (!read_whole(s, "a:" + lower(zone_name)) || !s.was_read("groups:" + lower(pe_id)))
    return std::nullopt;
  const hub_dns::LinkStep duplicate = hub_dns::duplicate_zone_step(s, target, *zone);
  if (!duplicate.judged || duplicate.cause) return duplicate.cause;
  if (!grouped && record_ips.empty())
    return RootCause{
        "arm.zone_group_missing",
        {pe_id,
         "privateDnsZoneGroups[].properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
         "none", zone_id}};
  if (!address.empty() &&
      std::find(record_ips.begin(), record_ips.end(), address) == record_ips.end())
    // The record set's id is the serving zone's (wherever it lives) + /A/name.
    return RootCause{"arm.record_stale",
                     {zone_id + "/A/" + record_name, "properties.aRecords[].ipv4Address",
                      record_ips.empty() ? "none" : join(record_ips, ", "), address}};
  return std::nullopt;
}

// FM-27: the Cognitive Services account the target names, when it has no customSubDomainName.
const arm::Account* account_without_subdomain(const arm::ArmState& s, const Target& target) {
  if (target.kind != TargetKind::kCognitive || !read_whole(s, "accounts")) return nullptr;
  const arm::Account* a = s.account(first_label(target.host));
  return a && text(a->custom_sub_domain_name).empty() ? a : nullptr;
}

}  // namespace

// The first wrong link of the chain is a finding of its own (it stands even before the data plane
// shows it) and the cause of the target's DNS symptoms.
RuleOutput dns_root_cause(const RuleInput& in) {
  if (!in.arm) return {};
  const auto resource = target_resource(*in.arm, *in.target);
  if (!resource || !resource->found) return {};
  if (account_without_subdomain(*in.arm, *in.target)) return {};  // account_subdomain's
  const EndpointStep step = endpoint_step(*in.arm, resource->id);
  std::optional<RootCause> root = step.cause;
  if (step.approved)
    root = zone_root_cause(*in.arm, *in.target, in.resource_group_id, *step.approved);
  if (!root) return {};
  const std::string label = in.target->label();
  return {{control_finding(root->id, label, root->cause)},
          {CauseNote{dns_symptoms(), label, root->cause}}};
}

// FM-25: an endpoint of this target that is not Approved (or failed), in a subscription where the
// target's resource provider is not registered: approval fails until it is. The root cause of the
// target's DNS symptoms (the connection finding keeps its own cause).
RuleOutput provider_registration(const RuleInput& in) {
  if (!in.arm || in.arm->provider_states.empty()) return {};
  const auto resource = target_resource(*in.arm, *in.target);
  if (!resource || !resource->found) return {};
  const auto target_id = arm::parse_resource_id(resource->id);
  if (!target_id) return {};
  RuleOutput out;
  std::vector<std::string> seen;
  for (const arm::PrivateEndpoint* pe : in.arm->endpoints_for(resource->id)) {
    const bool failed = lower(text(pe->provisioning_state)) == "failed";
    if (lower(pe->connection_status()) == "approved" && !failed) continue;
    const auto pe_id = arm::parse_resource_id(text(pe->id));
    if (!pe_id) continue;
    const std::string key = lower(pe_id->subscription + "/" + target_id->provider);
    const auto state = in.arm->provider_states.find(key);
    if (state == in.arm->provider_states.end() || lower(state->second) == "registered" ||
        std::find(seen.begin(), seen.end(), key) != seen.end())
      continue;
    seen.push_back(key);
    const Cause cause{"/subscriptions/" + pe_id->subscription + "/providers/" + target_id->provider,
                      "registrationState", state->second.empty() ? "unknown" : state->second,
                      "Registered"};
    Finding f = control_finding("arm.provider_not_registered", in.target->label(), cause);
    f.summary += " (" + target_id->provider + " in subscription " + pe_id->subscription +
                 ", endpoint " + text(pe->name) + ")";
    out.findings.push_back(std::move(f));
    out.causes.push_back(CauseNote{dns_symptoms(), in.target->label(), cause});
  }
  return out;
}

// FM-16: the zone linked to the app's VNet has no record for the target's name and the link's
// resolutionPolicy is Default: Azure DNS answers NXDOMAIN instead of falling back to the public
// answer, which breaks every resource of the type whose endpoint lives elsewhere (a partner's
// vault). Not judged when this estate has an Approved endpoint for the target (the zone group is
// then what is missing) or when what it needs was not read.
RuleOutput zone_link_fallback(const RuleInput& in) {
  if (!in.arm) return {};
  const arm::ArmState& s = *in.arm;
  const std::string zone_name = in.target->privatelink_zone;
  const std::string vnet = vnet_id(s);
  if (zone_name.empty() || vnet.empty() || !read_whole(s, "private DNS zones") ||
      !s.zone(zone_name) || !read_whole(s, "links:" + lower(zone_name)) ||
      !read_whole(s, "a:" + lower(zone_name)) || !read_whole(s, "private endpoints"))
    return {};
  if (account_without_subdomain(s, *in.target)) return {};  // no name at all: FM-27
  if (const auto resource = target_resource(s, *in.target); resource && resource->found)
    if (endpoint_step(s, resource->id).approved) return {};
  const std::string label_name = lower(first_label(in.target->host));
  for (const auto& rs : s.records_of(zone_name))
    if (lower(text(rs.name)) == label_name) return {};
  for (const auto& l : s.links_of(zone_name)) {
    if (!arm::same_resource(text(l.virtual_network_id), vnet)) continue;
    const std::string policy = text(l.resolution_policy);
    if (lower(policy) == "nxdomainredirect") return {};
    const Cause cause{text(l.id), "properties.resolutionPolicy",
                      policy.empty() ? "Default (unset)" : policy, "NxDomainRedirect"};
    const std::string label = in.target->label();
    Finding f = control_finding("arm.zone_link_no_fallback", label, cause);
    f.summary += " (" + label_name + " in " + zone_name + ")";
    return {{std::move(f)}, {CauseNote{{"dns.nxdomain"}, label, cause}}};
  }
  return {};
}

// FM-27: without a custom subdomain the account has no name of its own: no privatelink alias, no
// private endpoint DNS, only the regional endpoint. The root cause of the target's DNS symptoms.
RuleOutput account_subdomain(const RuleInput& in) {
  if (!in.arm) return {};
  const arm::Account* a = account_without_subdomain(*in.arm, *in.target);
  if (!a) return {};
  const std::string label = in.target->label();
  const Cause cause{text(a->id), "properties.customSubDomainName", "none",
                    "a custom subdomain (irreversible: set it deliberately)"};
  Finding f = control_finding("arm.account_no_subdomain", label, cause);
  if (!text(a->endpoint).empty()) f.evidence["endpoint"] = text(a->endpoint);
  return {{std::move(f)}, {CauseNote{dns_symptoms(), label, cause}}};
}

}  // namespace vnetdiag::rules
