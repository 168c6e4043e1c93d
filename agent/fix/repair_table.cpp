// The registry of repairs, in the order the planner evaluates them. A repair's needs are looked
// up among the steps planned before it, so what it needs comes earlier in this table (the
// endpoint subnet before the endpoints); Placement only decides where its step is listed.
#include "repairs/repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {

const std::vector<const Repair*>& repair_table() {
  using namespace repairs;
  static const std::vector<const Repair*> table = {
      // The network and the plan, once.
      &kVnet, &kDelegationElsewhere, &kIntegrationSubnet, &kDelegation, &kEndpointSubnet,
      &kPlanTier,
      // Hub-spoke estates: the peerings to the VNet the app resolves through, the links of
      // same-named zones that conflict (before the targets: a link waits for such an unlink), and
      // the forwarding rulesets the app's VNet should be linked to.
      &kPeeringRefused, &kPeering, &kDuplicateLinkRefused, &kDuplicateLinkDelete, &kRulesetLink,
      // Per target (vault, account), in the targets' order: zone, link, endpoint or its
      // approval or replacement, zone group, lock-down.
      &kZone, &kZoneLink, &kEndpoint, &kRegisterProvider, &kApprove, &kApproveNothingToApprove,
      &kReplaceRefused, &kReplaceDelete, &kReplaceCreate, &kZoneGroupPolicyOwned, &kZoneGroup,
      &kRecord, &kVaultLockdown, &kAccountLockdown,
      // The site, once the subnet and the plan are ready.
      &kRegionRefused, &kRouteAll, &kSite,
      // Whatever ARM left Failed, for each such resource.
      &kReapply};
  return table;
}

std::string expand_key(std::string_view pattern, const RepairInput& in) {
  std::string out(pattern);
  const auto fill = [&](std::string_view hole, const std::string& value) {
    for (auto at = out.find(hole); at != std::string::npos; at = out.find(hole, at + value.size()))
      out.replace(at, hole.size(), value);
  };
  if (in.target) {
    fill("{kind}", in.target->kind);
    fill("{zone}", in.target->zone_name);
    fill("{linkvnet}", lower(in.target->link_vnet_id));
  }
  if (in.failed) fill("{id}", lower(in.failed->id));
  if (in.duplicate) {
    fill("{zone}", in.duplicate->zone_name);
    fill("{linkvnet}", lower(in.duplicate->vnet_id));
  }
  if (in.peering) fill("{peering}", lower(in.peering->peering_id));
  if (in.ruleset_link) fill("{ruleset}", lower(in.ruleset_link->ruleset_id));
  return out;
}

void strip_read_only(nlohmann::json& j) {
  for (const char* k : {"etag", "type", "systemData"}) j.erase(k);
  if (j.contains("properties") && j["properties"].is_object()) {
    auto& p = j["properties"];
    for (const char* k :
         {"provisioningState", "privateEndpoints", "ipConfigurations", "ipConfigurationProfiles",
          "resourceNavigationLinks", "serviceAssociationLinks", "purpose", "status", "resourceGuid",
          "maximumNumberOfWorkers", "numberOfWorkers", "geoRegion", "numberOfSites", "subscription",
          "resourceGroup", "privateEndpointConnections"})
      p.erase(k);
    if (p.contains("delegations") && p["delegations"].is_array())
      for (auto& d : p["delegations"])
        if (d.contains("properties")) {
          d["properties"].erase("actions");
          d["properties"].erase("provisioningState");
        }
  }
}

}  // namespace vnetdiag::fix
