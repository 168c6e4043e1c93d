// DNS: the privatelink zone, its link to the VNet the app resolves through, and the endpoint's
// zone group (which is what writes, and rewrites, the zone's A record); in a zone of another
// subscription (a hub's), a stale record set is rewritten on its own.
#include <algorithm>

#include "api_versions.hpp"
#include "repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

Draft make_zone(const RepairInput& r) {
  return {.action = "create",
          .resource_id = r.t().zone_id,
          .method = "PUT",
          .api_version = arm::kPrivateDnsApi,
          .body = {{"location", "global"}},
          .permission = "Microsoft.Network/privateDnsZones/write",
          .changes = {{"name", "(none)", r.t().zone_name}}};
}

// A new link under a name no other link of the zone has (PlanState), so a shared hub zone's
// other links are never overwritten.
Draft make_link(const RepairInput& r) {
  const TargetState& t = r.t();
  return {
      .action = "create",
      .resource_id = t.zone_id + "/virtualNetworkLinks/" + t.link_name,
      .method = "PUT",
      .api_version = arm::kPrivateDnsApi,
      .body = {{"location", "global"},
               {"properties",
                {{"virtualNetwork", {{"id", t.link_vnet_id}}}, {"registrationEnabled", false}}}},
      .permission = "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
      .changes = {{"virtualNetwork.id", "(not linked)", t.link_vnet_id}}};
}

bool group_wanted(const TargetState& t) { return !t.grouped || (t.stale && !t.record_direct); }

// The one record set of the target's name: a PUT replaces that set only, never the zone's others.
Draft make_record(const RepairInput& r) {
  const TargetState& t = r.t();
  return {.action = "update",
          .resource_id = t.zone_id + "/A/" + t.name,
          .method = "PUT",
          .api_version = arm::kPrivateDnsApi,
          .body = {{"properties",
                    {{"ttl", t.record_ttl.value_or(10)},
                     {"aRecords", {{{"ipv4Address", t.endpoint_address}}}}}}},
          .permission = "Microsoft.Network/privateDnsZones/A/write",
          .changes = {{"A " + t.name, t.record_ips.empty() ? "(none)" : join(t.record_ips, ", "),
                       t.endpoint_address}}};
}

// The target's zone; a replacement endpoint's group carries the old group's zones (and the
// target's, if the old group lacked it).
nlohmann::json zone_configs(const TargetState& t) {
  std::vector<std::string> ids = t.carried_zone_ids;
  if (std::none_of(ids.begin(), ids.end(),
                   [&](const std::string& id) { return lower(id) == lower(t.zone_id); }))
    ids.push_back(t.zone_id);
  nlohmann::json configs = nlohmann::json::array();
  for (const auto& id : ids)
    configs.push_back(
        {{"name", id.substr(id.rfind('/') + 1)}, {"properties", {{"privateDnsZoneId", id}}}});
  return configs;
}

Draft make_group(const RepairInput& r) {
  const TargetState& t = r.t();
  Draft d{.action = t.grouped ? "update" : "create",
          .resource_id = t.endpoint_id + "/privateDnsZoneGroups/" + t.group_name,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = {{"properties", {{"privateDnsZoneConfigs", zone_configs(t)}}}},
          .permission = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write",
          .changes = {{"A " + t.name, t.record_ips.empty() ? "(none)" : join(t.record_ips, ", "),
                       t.replaced || t.endpoint_address.empty() ? "the endpoint's address"
                                                                : t.endpoint_address}}};
  if (t.stale) d.finding = FindingId("arm.record_stale");
  return d;
}

}  // namespace

constexpr Repair kZone{
    .name = "dns.zone",
    .scope = Scope::kPerTarget,
    .provides = "zone:{zone}",
    .finding = FindingId("arm.zone_missing"),
    .shared = true,
    .applies = [](const RepairInput& r) { return !r.t().zone_exists; },
    .make = make_zone,
};

constexpr Repair kZoneLink{
    .name = "dns.link",
    .scope = Scope::kPerTarget,
    .provides = "link:{zone}",
    .needs = {"zone:{zone}", "vnet", "unlink:{zone}:{linkvnet}"},
    .finding = FindingId("arm.zone_not_linked"),
    .shared = true,
    // A VNet already linked to a same-named zone cannot be linked to this one until that link
    // goes, which only --allow-replace plans (kDuplicateLinkRefused says what to do otherwise).
    .applies =
        [](const RepairInput& r) {
          return !r.t().linked && (!r.t().link_waits_for_unlink || r.s.in.names.allow_replace);
        },
    .make = make_link,
};

constexpr Repair kZoneGroupPolicyOwned{
    .name = "dns.zone_group_policy_owned",
    .scope = Scope::kPerTarget,
    .finding = FindingId("arm.zone_group_policy_owned"),
    .applies = [](const RepairInput& r) { return r.t().policy_owned && group_wanted(r.t()); },
    .refuse =
        [](const RepairInput& r) {
          return r.t().endpoint_id +
                 ": its DNS zone group is deployed by Azure Policy (deployedByPolicy); not "
                 "touching it";
        },
};

// Missing, or present with the zone's A record no longer the endpoint's address (arm.record_stale).
constexpr Repair kZoneGroup{
    .name = "dns.zone_group",
    .scope = Scope::kPerTarget,
    .provides = "zonegroup:{kind}",
    .needs = {"endpoint:{kind}", "zone:{zone}"},
    .finding = FindingId("arm.zone_group_missing"),
    .applies = [](const RepairInput& r) { return !r.t().policy_owned && group_wanted(r.t()); },
    .make = make_group,
};

constexpr Repair kRecord{
    .name = "dns.record",
    .scope = Scope::kPerTarget,
    .provides = "record:{kind}",
    .finding = FindingId("arm.record_stale"),
    .applies = [](const RepairInput& r) { return r.t().record_direct; },
    .make = make_record,
};

}  // namespace vnetdiag::fix::repairs
