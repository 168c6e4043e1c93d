// DNS: the privatelink zone, its link to the VNet, and the endpoint's zone group (which is what
// writes, and rewrites, the zone's A record).
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

Draft make_link(const RepairInput& r) {
  const std::string link_name =
      std::string(r.t().is_vault ? "vaultcore" : "cognitiveservices") + "-zonelink";
  return {.action = "create",
          .resource_id = r.t().zone_id + "/virtualNetworkLinks/" + link_name,
          .method = "PUT",
          .api_version = arm::kPrivateDnsApi,
          .body = {{"location", "global"},
                   {"properties",
                    {{"virtualNetwork", {{"id", r.s.vnet_id}}}, {"registrationEnabled", false}}}},
          .permission = "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
          .changes = {{"virtualNetwork.id", "(not linked)", r.s.vnet_id}}};
}

bool group_wanted(const TargetState& t) { return !t.grouped || t.stale; }

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
    .needs = {"zone:{zone}", "vnet"},
    .finding = FindingId("arm.zone_not_linked"),
    .shared = true,
    .applies = [](const RepairInput& r) { return !r.t().linked; },
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

}  // namespace vnetdiag::fix::repairs
