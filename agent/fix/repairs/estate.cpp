// Hub-spoke estates (issue 15). The app resolves through a VNet of its own or through a hub
// resolver's; each peering side on the path is fixed on its own VNet, in that VNet's
// subscription. A zone of the target's name other than the one the app should resolve through,
// linked to a VNet the app reaches, conflicts with it: only --allow-replace removes that link
// (never the zone nor its records); otherwise the plan says exactly what to run.
#include "api_versions.hpp"
#include "repairs.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

using nlohmann::json;

std::string last_segment(const std::string& id) { return id.substr(id.rfind('/') + 1); }

// `az ... --subscription S --resource-group G` for a resource id.
std::string az_scope(const std::string& id) {
  const auto parsed = arm::parse_resource_id(id);
  if (!parsed) return "";
  return " --subscription " + parsed->subscription + " --resource-group " + parsed->resource_group;
}

bool is_own_vnet(const RepairInput& r) {
  return arm::same_resource(r.peering->vnet_id, r.s.vnet_id);
}

// An update is read-merge-write of the peering as read (gateway settings and all), with only
// allowForwardedTraffic changed; a new side allows the VNet's traffic and forwarded traffic.
Draft make_peering(const RepairInput& r) {
  const PeeringFix& p = *r.peering;
  json body;
  if (p.exists && p.body) {
    body = *p.body;
    strip_read_only(body);
    for (const char* k : {"id", "name"}) body.erase(k);
    if (!body["properties"].is_object()) body["properties"] = json::object();
    for (const char* k : {"peeringState", "peeringSyncLevel", "remoteAddressSpace",
                          "remoteVirtualNetworkAddressSpace", "remoteBgpCommunities",
                          "remoteVirtualNetworkEncryption"})
      body["properties"].erase(k);
    body["properties"]["allowForwardedTraffic"] = true;
  } else {
    body = {{"properties",
             {{"remoteVirtualNetwork", {{"id", p.remote_vnet_id}}},
              {"allowVirtualNetworkAccess", true},
              {"allowForwardedTraffic", true}}}};
  }
  Draft d{.action = p.exists ? "update" : "create",
          .resource_id = p.peering_id,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = body,
          .permission = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
          .changes = {p.exists ? PropertyChange{"allowForwardedTraffic", "false", "true"}
                               : PropertyChange{"remoteVirtualNetwork.id", "(not peered)",
                                                p.remote_vnet_id}}};
  // The spoke's own side missing is a VNet not peered; the hub's side missing (the spoke's shows
  // Initiated or Disconnected) or not forwarding is a peering not connected.
  if (p.exists || !is_own_vnet(r)) d.finding = FindingId("arm.peering_not_connected");
  return d;
}

Draft make_unlink(const RepairInput& r) {
  const DuplicateLink& d = *r.duplicate;
  return {.action = "delete",
          .resource_id = d.link_id,
          .method = "DELETE",
          .api_version = arm::kPrivateDnsApi,
          .body = nullptr,
          .permission = "Microsoft.Network/privateDnsZones/virtualNetworkLinks/delete",
          .changes = {{"virtualNetwork.id", d.vnet_id, "(unlinked)"}},
          .warning = "only this link goes: the zone " + d.zone_id +
                     " and its records stay (az network private-dns zone delete" +
                     az_scope(d.zone_id) + " --name " + d.zone_name + " once nothing uses it)"};
}

// A new link of the ruleset to the app's VNet: the resolver's outbound endpoint then forwards the
// app's queries for the targets' names as the ruleset's rules say.
Draft make_ruleset_link(const RepairInput& r) {
  const RulesetLinkFix& l = *r.ruleset_link;
  return {.action = "create",
          .resource_id = l.link_id,
          .method = "PUT",
          .api_version = arm::kDnsResolverApi,
          .body = {{"properties", {{"virtualNetwork", {{"id", l.vnet_id}}}}}},
          .permission = "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks/write",
          .changes = {{"virtualNetwork.id", "(not linked)", l.vnet_id}},
          .warning = "the ruleset's rules then apply to every name the VNet asks, not only " +
                     join(l.zone_names, ", ")};
}

}  // namespace

constexpr Repair kPeeringRefused{
    .name = "estate.peering_disconnected",
    .scope = Scope::kPerPeering,
    .finding = FindingId("arm.peering_not_connected"),
    .applies = [](const RepairInput& r) { return r.peering->disconnected_both_sides; },
    .refuse =
        [](const RepairInput& r) {
          const PeeringFix& p = *r.peering;
          return p.peering_id + ": peeringState " + p.state +
                 " while both sides exist; only deleting and re-creating both sides heals it, "
                 "which fix does not do: az network vnet peering delete" +
                 az_scope(p.vnet_id) + " --vnet-name " + last_segment(p.vnet_id) + " --name " +
                 last_segment(p.peering_id) + ", the same for the other side, then run fix again";
        },
};

constexpr Repair kPeering{
    .name = "estate.peering",
    .scope = Scope::kPerPeering,
    .provides = "peering:{peering}",
    .finding = FindingId("arm.vnet_not_peered"),
    .applies = [](const RepairInput& r) { return !r.peering->disconnected_both_sides; },
    .make = make_peering,
};

constexpr Repair kDuplicateLinkRefused{
    .name = "estate.duplicate_link_refused",
    .scope = Scope::kPerDuplicateLink,
    .finding = FindingId("arm.zone_duplicate"),
    .applies = [](const RepairInput& r) { return !r.s.in.names.allow_replace; },
    .refuse =
        [](const RepairInput& r) {
          const DuplicateLink& d = *r.duplicate;
          return d.zone_id + " has the name of " + d.serving_zone_id + " and is linked to " +
                 d.vnet_id +
                 ", which the app reaches: the two zones conflict; fix deletes nothing without "
                 "--allow-replace (which removes only that link, never the zone or its "
                 "records). By hand: az network private-dns link vnet delete" +
                 az_scope(d.zone_id) + " --zone-name " + d.zone_name + " --name " +
                 last_segment(d.link_id) + " --yes; then run fix again";
        },
};

constexpr Repair kDuplicateLinkDelete{
    .name = "estate.duplicate_link_delete",
    .scope = Scope::kPerDuplicateLink,
    .provides = "unlink:{zone}:{linkvnet}",
    .finding = FindingId("arm.zone_duplicate"),
    .applies = [](const RepairInput& r) { return r.s.in.names.allow_replace; },
    .make = make_unlink,
};

constexpr Repair kRulesetLink{
    .name = "estate.ruleset_link",
    .scope = Scope::kPerRulesetLink,
    .provides = "rulesetlink:{ruleset}",
    .finding = FindingId("arm.ruleset_unlinked"),
    .applies = [](const RepairInput&) { return true; },
    .make = make_ruleset_link,
};

}  // namespace vnetdiag::fix::repairs
