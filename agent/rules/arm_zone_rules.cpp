// ARM rules about each target's private DNS: the tutorial's chain endpoint -> Approved connection
// -> privatelink zone -> link to the app's VNet -> zone group -> A record, and its first wrong link
// as the cause of the target's DNS symptoms.
#include <algorithm>

#include "arm_facts.hpp"
#include "resource_id.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::rules {

using namespace arm_facts;

namespace {

// What a wrong private DNS chain looks like from the app.
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

// The zone links of the chain, from the Approved endpoint on.
std::optional<RootCause> zone_root_cause(const arm::ArmState& s, const Target& target,
                                         const std::string& rg_id, const std::string& vnet_id,
                                         const arm::PrivateEndpoint& pe) {
  const std::string pe_id = text(pe.id);
  const std::string zone_name = target.privatelink_zone;
  if (zone_name.empty() || !s.was_read("private DNS zones")) return std::nullopt;
  const arm::PrivateDnsZone* zone = s.zone(zone_name);
  if (!zone)
    return RootCause{"arm.zone_missing",
                     {rg_id + "/providers/Microsoft.Network/privateDnsZones/" + zone_name,
                      "(resource)", "missing", "exists"}};
  const std::string zone_id = text(zone->id);
  if (!s.was_read("links:" + lower(zone_name))) return std::nullopt;
  std::vector<std::string> linked;
  bool linked_here = false;
  for (const auto& l : s.links_of(zone_name)) {
    linked.push_back(text(l.virtual_network_id));
    if (!vnet_id.empty() && arm::same_resource(linked.back(), vnet_id)) linked_here = true;
  }
  if (!vnet_id.empty() && !linked_here)
    return RootCause{"arm.zone_not_linked",
                     {zone_id, "virtualNetworkLinks[].properties.virtualNetwork.id",
                      linked.empty() ? "no links" : join(linked, ", "), vnet_id}};
  bool grouped = false;
  for (const auto& g : s.groups_of(pe_id))
    for (const auto& id : g.zone_ids()) grouped |= arm::same_resource(id, zone_id);
  const std::string address = s.endpoint_address(pe);
  const std::string record_name = first_label(target.host);
  std::vector<std::string> record_ips;
  for (const auto& rs : s.records_of(zone_name))
    if (lower(text(rs.name)) == lower(record_name))
      for (const auto& ip : rs.addresses()) record_ips.push_back(ip);
  if (!s.was_read("a:" + lower(zone_name)) || !s.was_read("groups:" + lower(pe_id)))
    return std::nullopt;
  if (!grouped && record_ips.empty())
    return RootCause{
        "arm.zone_group_missing",
        {pe_id,
         "privateDnsZoneGroups[].properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
         "none", zone_id}};
  if (!address.empty() &&
      std::find(record_ips.begin(), record_ips.end(), address) == record_ips.end())
    return RootCause{"arm.record_stale",
                     {zone_id + "/A/" + record_name, "properties.aRecords[].ipv4Address",
                      record_ips.empty() ? "none" : join(record_ips, ", "), address}};
  return std::nullopt;
}

}  // namespace

// The first wrong link of the chain is a finding of its own (it stands even before the data plane
// shows it) and the cause of the target's DNS symptoms.
RuleOutput dns_root_cause(const RuleInput& in) {
  if (!in.arm) return {};
  const auto resource = target_resource(*in.arm, *in.target);
  if (!resource || !resource->found) return {};
  const EndpointStep step = endpoint_step(*in.arm, resource->id);
  std::optional<RootCause> root = step.cause;
  if (step.approved)
    root = zone_root_cause(*in.arm, *in.target, in.resource_group_id, vnet_id(*in.arm),
                           *step.approved);
  if (!root) return {};
  const std::string label = in.target->label();
  return {{control_finding(root->id, label, root->cause)},
          {CauseNote{dns_symptoms(), label, root->cause}}};
}

}  // namespace vnetdiag::rules
