#pragma once
// What the repairs' predicates read, resolved once from what ARM showed: which VNet and subnets
// are the app's, each target's resource, zone, endpoint and zone group, and the resources left
// in provisioningState Failed. Predicates read these values, never the topology's JSON paths.
//
// The raw bodies (json pointers below) are kept only for requests that must preserve what the
// resource has: a read-merge-write PUT of a subnet or plan, the vault's networkAcls PATCH and a
// failed resource's re-apply. fix never overwrites what it did not mean to.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "planner.hpp"

namespace vnetdiag::fix {

struct TargetState {
  const Target* target = nullptr;
  bool is_vault = false;
  std::string kind;                          // vault | account
  std::string name;                          // the host's first label
  const nlohmann::json* resource = nullptr;  // raw body: approvals and networkAcls merge
  std::string resource_id;

  // zone_id: the zone the app should resolve through (the one the endpoint's zone group names,
  // else the one serving the app; it may be in a hub subscription), else where it will be made.
  // A zone of that name anywhere is never made again: a duplicate breaks resolution for others.
  std::string zone_name, zone_id;
  bool zone_exists = false;
  bool linked = false;       // the zone is linked to every VNet the app resolves through
  std::string link_vnet_id;  // the first resolution VNet it lacks a link to ("" when linked)
  std::string link_name;     // a name no other link of the zone has
  bool link_waits_for_unlink = false;  // link_vnet_id is linked to a same-named zone already
  // The app asks Azure DNS, and a forwarding ruleset sends the target's names to a resolver
  // inbound endpoint in a VNet the zone is linked to, but is not linked to the app's VNet: the
  // estate's way is to link that ruleset (PlanState::ruleset_links), not the zone.
  std::string ruleset_id;

  // The endpoint: the last approved one, else the first pending one, else the first.
  bool endpoint = false;
  std::string endpoint_id;  // the existing one's, else the one to create
  std::string status;       // its connection status as ARM spells it; "" when none
  std::string endpoint_location, endpoint_subnet_id, endpoint_address;
  std::string pending_connection_id;  // the target's connection pointing at the endpoint
  // Not approvable and --allow-replace: a new endpoint (endpoint_id, a new name) is made beside
  // the old one (old_endpoint_id), which is deleted once the new one is Approved and resolves.
  bool replaced = false;
  std::string old_endpoint_id;
  std::vector<std::string> group_ids;         // the old connection's groupIds, carried over
  std::vector<std::string> carried_zone_ids;  // the old endpoint's zone group's zones
  // FM-25: the target's provider in the endpoint's subscription, when ARM showed it unregistered
  // ("/subscriptions/{sub}/providers/{namespace}", and its registrationState); "" otherwise.
  std::string unregistered_provider, provider_state;

  // Its zone group for the zone (not looked at when the endpoint is replaced).
  bool grouped = false, policy_owned = false, stale = false;
  std::string group_name;               // the existing group's name, else "default"
  std::vector<std::string> record_ips;  // the zone's A records for the target's name
  std::optional<std::int64_t> record_ttl;
  // Stale in a zone of another subscription than the endpoint's (a hub zone): the record set is
  // rewritten there, one set only, rather than re-putting a zone group that already points at it.
  bool record_direct = false;

  std::string default_action;  // properties.networkAcls.defaultAction (vault or account)
  std::string public_network_access;
  // An account without properties.customSubDomainName (FM-27): no private DNS name is possible,
  // and setting one is irreversible, so nothing is planned for it.
  bool no_subdomain = false;
};

struct FailedResource {
  const nlohmann::json* body = nullptr;  // raw: re-applied as it is
  std::string id;
  const char* api_version = "";
  bool is_vnet = false;  // its subnets are left out of the PUT (kept by omission)
};

// A link of a zone with a target's privatelink name, other than the zone the app should resolve
// through, to a VNet the app reaches (its integration VNet, a VNet it resolves through or one
// peered with it): the two zones conflict (arm.zone_duplicate).
struct DuplicateLink {
  std::string zone_name, zone_id, link_id, vnet_id;
  std::string serving_zone_id;  // the zone the app should resolve through
};

// A peering the path to a VNet the app resolves through (a hub resolver's) lacks: missing on
// either side (a side deleted leaves the other Initiated or Disconnected), or with
// allowForwardedTraffic off.
struct PeeringFix {
  std::string vnet_id;  // the VNet the peering belongs to: its subscription is the step's
  std::string remote_vnet_id;
  std::string peering_id;  // the existing one's, else the one to create
  bool exists = false;
  const nlohmann::json* body = nullptr;  // raw, for read-merge-write of an update
  // Both sides exist and one is Disconnected: only deleting and re-creating both heals that,
  // which fix does not do.
  bool disconnected_both_sides = false;
  std::string state;  // peeringState as read
};

// A forwarding ruleset to link to the app's VNet (dnsForwardingRulesets/{r}/virtualNetworkLinks),
// in the ruleset's subscription.
struct RulesetLinkFix {
  std::string ruleset_id, vnet_id;
  std::string link_id;                  // a name no other link of the ruleset has
  std::vector<std::string> zone_names;  // the targets' zones it forwards
};

struct PlanState {
  explicit PlanState(const PlanInput& input) : in(input) {}
  const PlanInput& in;
  std::string net;       // the resource group's Microsoft.Network provider id
  std::string location;  // for new resources: --location, else the app's
  bool site_exists = false, plan_exists = false;
  std::string site_id, site_subnet;  // properties.virtualNetworkSubnetId
  std::string site_location;         // the app's region, lower-case without spaces
  std::string https_only;            // as json_str shows it ("true" when on)
  std::string route_all_config, route_all_site;
  // Route-all's other layers: site outboundVnetRouting.allTraffic (newer api-versions return it)
  // and the app setting WEBSITE_VNET_ROUTE_ALL.
  std::string route_all_outbound, route_all_setting;
  std::string plan_id, plan_tier;
  const nlohmann::json* plan_body = nullptr;

  bool vnet_exists = false;
  std::string vnet_id, vnet_location;

  const nlohmann::json* int_subnet = nullptr;  // raw: a delegation is merged into it
  std::string int_subnet_id, int_subnet_etag;
  bool int_web_delegated = false;
  std::vector<std::string> int_other_delegations;

  bool pe_subnet_exists = false;
  std::string pe_subnet_id;

  std::vector<TargetState> targets;             // targets with a privatelink zone, in order
  std::vector<std::string> endpoint_addresses;  // of the endpoints that exist
  std::vector<FailedResource> failed;  // vnets (then their subnets), zones, links, endpoints,
                                       // zone groups
  // Where the app's names are resolved (ArmState::resolution_vnet_ids; the integration VNet when
  // that says nothing), the conflicting links of same-named zones and the peerings to fix.
  std::vector<std::string> resolution_vnets;
  std::vector<DuplicateLink> duplicate_links;
  std::vector<PeeringFix> peerings;
  std::vector<RulesetLinkFix> ruleset_links;
  // A Key Vault reference did not resolve (denied or timed out) for a vault reached only through
  // its private endpoint, and the platform's fetch does not go into the VNet: route-all is wanted.
  bool kv_reference_needs_vnet = false;
  bool some_endpoint_missing() const;
  // FM-05: the app is not integrated and the VNet it would join (existing, or to be created in
  // `location`) is in another region: regional integration cannot be made there.
  bool integration_region_mismatch() const;
};

PlanState resolve_state(const PlanInput& in);

}  // namespace vnetdiag::fix
