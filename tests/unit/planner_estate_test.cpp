// Issue 15: fix in hub-spoke estates. The app's spoke (subscription s1) resolves through a DNS
// Private Resolver in a hub subscription; the privatelink zone lives in the hub, linked to the hub
// VNet. The typed state is built by hand: the Topology's JSON for what parse_state reads, plus
// the resolver and the duplicate zones that the estate reader fills.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include "permissions.hpp"
#include "planner.hpp"
#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
using fix::Plan;
using fix::PlanStep;

namespace {

const std::string kZoneName = "privatelink.vaultcore.azure.net";
const std::string kHubSub = "0b5e6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d";
const std::string kHubRg = "/subscriptions/" + kHubSub + "/resourceGroups/connectivity";
const std::string kHubVnet = kHubRg + "/providers/Microsoft.Network/virtualNetworks/hub-vnet";
const std::string kHubZone = kHubRg + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;
const std::string kResolver = kHubRg + "/providers/Microsoft.Network/dnsResolvers/hub-resolver";
const std::string kSpokeToHub = kVnet + "/virtualNetworkPeerings/spoke-to-hub";
const std::string kHubToSpoke = kHubVnet + "/virtualNetworkPeerings/hub-to-spoke";

json peering(const std::string& id, const std::string& remote, const std::string& state,
             bool forwarded) {
  return {{"id", id},
          {"name", id.substr(id.rfind('/') + 1)},
          {"properties",
           {{"remoteVirtualNetwork", {{"id", remote}}},
            {"peeringState", state},
            {"peeringSyncLevel", "FullyInSync"},
            {"provisioningState", "Succeeded"},
            {"allowVirtualNetworkAccess", true},
            {"allowForwardedTraffic", forwarded},
            {"allowGatewayTransit", false},
            {"useRemoteGateways", false}}}};
}

// The hub-spoke-healthy estate: the spoke's VNet asks the hub resolver's inbound endpoint
// (10.1.2.4), peered both ways; the zone is the hub's, linked to the hub VNet only; the endpoint
// (in the spoke) has its zone group on the hub zone.
struct Estate {
  Topology t = tutorial();
  arm::ArmState a;
  fix::PlanInput in{&t, {vault_target()}, "s1", "securebackendsetup", {}};

  Estate() {
    for (json* v : {&t.vnet, &t.vnets[0]}) {
      (*v)["properties"]["dhcpOptions"]["dnsServers"] = {"10.1.2.4"};
      // json::array: a braced single json is a copy under clang, an array under gcc.
      (*v)["properties"]["virtualNetworkPeerings"] =
          json::array({peering(kSpokeToHub, kHubVnet, "Connected", true)});
    }
    t.vnets.push_back({{"id", kHubVnet},
                       {"name", "hub-vnet"},
                       {"location", "westeurope"},
                       {"properties",
                        {{"addressSpace", {{"addressPrefixes", {"10.1.0.0/16"}}}},
                         {"virtualNetworkPeerings",
                          json::array({peering(kHubToSpoke, kVnet, "Connected", true)})}}}});
    t.zones = {{{"id", kHubZone}, {"name", kZoneName}}};
    t.links[kZoneName] = {{{"id", kHubZone + "/virtualNetworkLinks/hub-link"},
                           {"name", "hub-link"},
                           {"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}};
    t.zone_groups[lower_id(kPe)][0]["properties"]["privateDnsZoneConfigs"][0]["properties"]
                 ["privateDnsZoneId"] = kHubZone;
    t.a_records[kZoneName][0]["properties"]["ttl"] = 10;
  }

  // What the estate reader adds beyond parse_state.
  void add_resolver() {
    arm::DnsResolver r;
    r.id = kResolver;
    r.name = "hub-resolver";
    r.virtual_network_id = kHubVnet;
    a.resolvers = {r};
    arm::InboundEndpoint ep;
    ep.id = kResolver + "/inboundEndpoints/inbound";
    ep.private_ip_addresses = {"10.1.2.4"};
    ep.subnet_ids = {kHubVnet + "/subnets/dns-inbound"};
    a.inbound_endpoints[lower_id(kResolver)] = {ep};
  }

  // Another zone of the same name, in the spoke's resource group, linked to the spoke VNet.
  void add_spoke_duplicate() {
    arm::PrivateDnsZone z;
    z.id = kZone;
    z.name = kZoneName;
    a.duplicate_zones = {z};
    arm::VnetLink l;
    l.zone = lower_id(kZone);
    l.id = kZone + "/virtualNetworkLinks/spoke-link";
    l.name = "spoke-link";
    l.virtual_network_id = kVnet;
    a.duplicate_links[lower_id(kZone)] = {l};
  }

  Plan plan() {
    a = arm::parse_state(t);
    add_resolver();
    if (duplicate) add_spoke_duplicate();
    if (also) also(a);
    in.topology = &t;
    in.state = &a;
    return fix::plan_repairs(in);
  }
  bool duplicate = false;
  std::function<void(arm::ArmState&)> also;  // more of what the estate reader fills
};

const std::string kRuleset =
    kHubRg + "/providers/Microsoft.Network/dnsForwardingRulesets/hub-ruleset";

// A ruleset of the hub resolver forwarding the vault's privatelink zone to its inbound endpoint,
// linked to `linked_vnets`.
void add_ruleset(arm::ArmState& a, const std::vector<std::string>& linked_vnets) {
  arm::DnsForwardingRuleset rs;
  rs.id = kRuleset;
  rs.name = "hub-ruleset";
  rs.outbound_endpoint_ids = {kResolver + "/outboundEndpoints/outbound"};
  a.rulesets = {rs};
  arm::ForwardingRule rule;
  rule.id = kRuleset + "/forwardingRules/vaultcore";
  rule.name = "vaultcore";
  rule.domain_name = kZoneName + ".";
  rule.state = "Enabled";
  rule.target_ips = {"10.1.2.4"};
  a.forwarding_rules[lower_id(kRuleset)] = {rule};
  auto& links = a.ruleset_links[lower_id(kRuleset)];
  for (const auto& vnet : linked_vnets) {
    arm::RulesetLink l;
    l.name = vnet.substr(vnet.rfind('/') + 1) + "-link";
    l.id = kRuleset + "/virtualNetworkLinks/" + *l.name;
    l.virtual_network_id = vnet;
    links.push_back(l);
  }
}

std::set<std::string> keys(const std::vector<PlanStep>& steps) {
  std::set<std::string> out;
  for (const auto& s : steps) out.insert(s.key);
  return out;
}

const PlanStep& step(const std::vector<PlanStep>& steps, const std::string& key) {
  for (const auto& s : steps)
    if (s.key == key) return s;
  throw std::runtime_error("no step " + key);
}

// Nothing lost: no zone is ever re-put or deleted, and no delete without --allow-replace.
void expect_nothing_lost(const Plan& p, bool allow_replace) {
  std::vector<PlanStep> all = p.steps;
  all.insert(all.end(), p.not_allowed.begin(), p.not_allowed.end());
  for (const auto& s : all) {
    const bool zone_itself = lower_id(s.resource_id).size() >= lower_id(kZoneName).size() &&
                             lower_id(s.resource_id).rfind(lower_id(kZoneName)) ==
                                 lower_id(s.resource_id).size() - kZoneName.size();
    EXPECT_FALSE(zone_itself) << s.key << " writes a whole zone";
    if (!allow_replace) {
      EXPECT_NE(s.method, "DELETE") << s.key;
    }
  }
}

}  // namespace

TEST(PlannerEstate, HubSpokeHealthyPlansNothing) {
  Estate e;
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_TRUE(p.not_allowed.empty());
  EXPECT_TRUE(p.refused.empty());
}

TEST(PlannerEstate, AnAzureDnsSpokeIsLinkedToTheHubZoneNeverGivenANewZone) {
  // The spoke uses Azure DNS: the app resolves in its own VNet, so the hub zone gets a link to
  // it (a write in the hub), and no zone is made in the spoke.
  Estate e;
  e.t.vnet["properties"]["dhcpOptions"]["dnsServers"] = json::array();
  e.in.allowed_subscriptions = {kHubSub};
  const Plan p = e.plan();
  EXPECT_EQ(keys(p.steps), std::set<std::string>{"link:" + kZoneName});
  const auto& link = step(p.steps, "link:" + kZoneName);
  EXPECT_EQ(link.resource_id, kHubZone + "/virtualNetworkLinks/vaultcore-zonelink");
  EXPECT_EQ(link.subscription, kHubSub);
  EXPECT_EQ(link.body["properties"]["virtualNetwork"]["id"], kVnet);
  expect_nothing_lost(p, false);
}

TEST(PlannerEstate, ZoneUnlinkedInTheHubIsLinkedToTheHubVnetInTheHubSubscription) {
  Estate e;
  // Another spoke's link already has the usual name: ours must not overwrite it.
  e.t.links[kZoneName] = {{{"id", kHubZone + "/virtualNetworkLinks/vaultcore-zonelink"},
                           {"name", "vaultcore-zonelink"},
                           {"properties", {{"virtualNetwork", {{"id", "/subscriptions/x/r"}}}}}}};
  Plan p = e.plan();
  ASSERT_TRUE(p.steps.empty());
  ASSERT_EQ(keys(p.not_allowed), std::set<std::string>{"link:" + kZoneName});
  EXPECT_EQ(p.not_allowed[0].needs_subscription, kHubSub);
  EXPECT_NE(fix::not_allowed_reason(p.not_allowed[0]).find("--allow-subscription " + kHubSub),
            std::string::npos);

  e.in.allowed_subscriptions = {kHubSub};
  p = e.plan();
  EXPECT_TRUE(p.not_allowed.empty());
  ASSERT_EQ(keys(p.steps), std::set<std::string>{"link:" + kZoneName});
  const auto& link = p.steps[0];
  EXPECT_EQ(link.resource_id, kHubZone + "/virtualNetworkLinks/hub-vnet-vaultcore-zonelink");
  EXPECT_EQ(link.body["properties"]["virtualNetwork"]["id"], kHubVnet);
  EXPECT_EQ(link.subscription, kHubSub);
  EXPECT_EQ(link.method, "PUT");
  expect_nothing_lost(p, false);
}

TEST(PlannerEstate, ForwardingOffOnTheSpokesPeeringIsSetOnTheSpokesVnet) {
  Estate e;
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["virtualNetworkPeerings"][0]["properties"]["allowForwardedTraffic"] = false;
  const Plan p = e.plan();
  ASSERT_EQ(keys(p.steps), std::set<std::string>{"peering:" + lower_id(kSpokeToHub)});
  const auto& s = p.steps[0];
  EXPECT_EQ(s.action, "update");
  EXPECT_EQ(s.resource_id, kSpokeToHub);
  EXPECT_EQ(s.subscription, "s1");
  EXPECT_EQ(s.repairs, "arm.peering_not_connected");
  // Read-merge-write: the peering's own settings stay, ARM's read-only state does not go back.
  const auto& props = s.body["properties"];
  EXPECT_EQ(props["allowForwardedTraffic"], true);
  EXPECT_EQ(props["allowGatewayTransit"], false);
  EXPECT_EQ(props["remoteVirtualNetwork"]["id"], kHubVnet);
  EXPECT_FALSE(props.contains("peeringState"));
  EXPECT_FALSE(props.contains("peeringSyncLevel"));
  EXPECT_FALSE(s.body.contains("id"));
}

TEST(PlannerEstate, PeeringDisconnectedRecreatesTheHubSideInTheHubSubscriptionWhenAllowed) {
  // The hub's side was deleted: the spoke's shows Disconnected; the hub side is re-created on the
  // hub VNet, which is the hub subscription's to allow.
  Estate e;
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["virtualNetworkPeerings"][0]["properties"]["peeringState"] = "Disconnected";
  e.t.vnets[1]["properties"]["virtualNetworkPeerings"] = json::array();
  Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty());
  ASSERT_EQ(p.not_allowed.size(), 1u);
  const PlanStep& held = p.not_allowed[0];
  EXPECT_EQ(held.resource_id, kHubVnet + "/virtualNetworkPeerings/hub-vnet-to-securebackend-vnet");
  EXPECT_EQ(held.needs_subscription, kHubSub);
  EXPECT_NE(fix::render_plan_text(p, false).find("needs subscription " + kHubSub +
                                                 " (not allowed: rerun with "
                                                 "--allow-subscription " +
                                                 kHubSub + ")"),
            std::string::npos);

  e.in.allowed_subscriptions = {kHubSub};
  p = e.plan();
  ASSERT_EQ(p.steps.size(), 1u);
  const PlanStep& create = p.steps[0];
  EXPECT_EQ(create.action, "create");
  EXPECT_EQ(create.subscription, kHubSub);
  EXPECT_EQ(create.repairs, "arm.peering_not_connected");
  EXPECT_EQ(create.body["properties"]["remoteVirtualNetwork"]["id"], kVnet);
  EXPECT_EQ(create.body["properties"]["allowForwardedTraffic"], true);
  EXPECT_EQ(plan_to_json(p)["steps"][0]["subscription"], kHubSub);
}

TEST(PlannerEstate, BothSidesDisconnectedIsRefusedWithTheCommands) {
  Estate e;
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["virtualNetworkPeerings"][0]["properties"]["peeringState"] = "Disconnected";
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty());
  ASSERT_EQ(p.refused.size(), 1u);
  EXPECT_NE(p.refused[0].find("az network vnet peering delete --subscription s1 --resource-group "
                              "securebackendsetup --vnet-name securebackend-vnet --name "
                              "spoke-to-hub"),
            std::string::npos);
}

TEST(PlannerEstate, SpokeSidePeeringMissingIsCreatedOnTheSpoke) {
  Estate e;
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["virtualNetworkPeerings"] = json::array();
  const Plan p = e.plan();
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].resource_id,
            kVnet + "/virtualNetworkPeerings/securebackend-vnet-to-hub-vnet");
  EXPECT_EQ(p.steps[0].repairs, "arm.vnet_not_peered");
  EXPECT_EQ(p.steps[0].subscription, "s1");
  // Peering needs the peer action on the remote VNet too.
  bool peer_on_hub = false;
  for (const auto& r : fix::required_actions(p.steps[0]))
    peer_on_hub |= r.action == "Microsoft.Network/virtualNetworks/peer/action" &&
                   r.scope == kHubVnet && r.linked;
  EXPECT_TRUE(peer_on_hub);
}

TEST(PlannerEstate, RecordStaleInTheHubZoneRewritesThatRecordSetOnly) {
  Estate e;
  e.t.a_records[kZoneName][0]["properties"]["aRecords"][0]["ipv4Address"] = "10.0.1.9";
  e.in.allowed_subscriptions = {kHubSub};
  const Plan p = e.plan();
  ASSERT_EQ(keys(p.steps), std::set<std::string>{"record:vault"});
  const auto& s = p.steps[0];
  EXPECT_EQ(s.resource_id, kHubZone + "/A/vdlabkv");
  EXPECT_EQ(s.method, "PUT");
  EXPECT_EQ(s.subscription, kHubSub);
  EXPECT_EQ(s.repairs, "arm.record_stale");
  EXPECT_EQ(s.body,
            (json{{"properties", {{"ttl", 10}, {"aRecords", {{{"ipv4Address", "10.0.1.4"}}}}}}}));
  expect_nothing_lost(p, false);
}

TEST(PlannerEstate, AMissingZoneGroupPointsAtTheHubZoneAndNeedsTheHubAllowed) {
  // The group writes the endpoint's record into the hub zone: that is a write in the hub.
  Estate e;
  e.t.zone_groups.clear();
  Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty());
  ASSERT_EQ(keys(p.not_allowed), std::set<std::string>{"zonegroup:vault"});
  EXPECT_EQ(p.not_allowed[0].subscription, "s1");
  EXPECT_EQ(p.not_allowed[0].needs_subscription, kHubSub);
  e.in.allowed_subscriptions = {kHubSub};
  p = e.plan();
  ASSERT_EQ(keys(p.steps), std::set<std::string>{"zonegroup:vault"});
  EXPECT_EQ(
      p.steps[0].body["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
      kHubZone);
}

TEST(PlannerEstate, ADependentOfAHeldBackStepIsHeldBackToo) {
  // The vault is public and the hub side of the peering is missing: the lock-down waits for
  // every other step, so it is held back with it, and nothing is left to apply half-way.
  Estate e;
  e.t.vnets[1]["properties"]["virtualNetworkPeerings"] = json::array();
  e.t.vaults[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty());
  ASSERT_EQ(p.not_allowed.size(), 2u);
  const PlanStep& lock = p.not_allowed[1];
  EXPECT_EQ(lock.key, "lockdown:vault");
  EXPECT_EQ(lock.needs_subscription, kHubSub);
  EXPECT_EQ(lock.waits_for, p.not_allowed[0].key);
  EXPECT_NE(fix::not_allowed_reason(lock).find("waits for " + p.not_allowed[0].key),
            std::string::npos);
  EXPECT_EQ(plan_to_json(p)["not_allowed"].size(), 2u);
}

TEST(PlannerEstate, SpokeDuplicateZoneMakesNoZoneRemovesNothingAndSaysWhatToRun) {
  Estate e;
  e.duplicate = true;
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_TRUE(p.not_allowed.empty());
  ASSERT_EQ(p.refused.size(), 1u);
  EXPECT_NE(p.refused[0].find("az network private-dns link vnet delete --subscription s1 "
                              "--resource-group securebackendsetup --zone-name " +
                              kZoneName + " --name spoke-link --yes"),
            std::string::npos)
      << p.refused[0];
  expect_nothing_lost(p, false);
}

TEST(PlannerEstate, SpokeDuplicateWithAllowReplaceDeletesOnlyItsLink) {
  Estate e;
  e.duplicate = true;
  e.in.names.allow_replace = true;
  const Plan p = e.plan();
  ASSERT_EQ(p.steps.size(), 1u) << fix::render_plan_text(p, false);
  const auto& s = p.steps[0];
  EXPECT_EQ(s.method, "DELETE");
  EXPECT_EQ(s.resource_id, kZone + "/virtualNetworkLinks/spoke-link");
  EXPECT_EQ(s.subscription, "s1");
  EXPECT_FALSE(s.lock_down);
  EXPECT_NE(s.warning.find("records stay"), std::string::npos);
  EXPECT_TRUE(p.refused.empty());
}

TEST(PlannerEstate, AnAzureDnsSpokeLinkedToADuplicateIsRelinkedOnlyAfterTheUnlink) {
  // The spoke uses Azure DNS and is linked to its own zone; the endpoint's group is on the hub
  // zone, which the app should resolve through. A VNet links to one zone of a name only.
  Estate e;
  e.duplicate = true;
  e.t.vnet["properties"]["dhcpOptions"]["dnsServers"] = json::array();
  e.in.allowed_subscriptions = {kHubSub};
  Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_EQ(p.refused.size(), 1u);

  e.in.names.allow_replace = true;
  p = e.plan();
  const std::string unlink = "unlink:" + kZoneName + ":" + lower_id(kVnet);
  ASSERT_EQ(keys(p.steps), (std::set<std::string>{unlink, "link:" + kZoneName}));
  const auto& link = step(p.steps, "link:" + kZoneName);
  EXPECT_EQ(link.resource_id, kHubZone + "/virtualNetworkLinks/vaultcore-zonelink");
  EXPECT_EQ(link.body["properties"]["virtualNetwork"]["id"], kVnet);
  EXPECT_EQ(link.depends_on, std::vector<std::string>{unlink});
  EXPECT_EQ(fix::dependency_order(p).front()->key, unlink);
  expect_nothing_lost(p, true);
}

TEST(PlannerEstate, PermissionsAreReadOncePerScopeAndAnUnreadScopeIsNamed) {
  Estate e;
  e.t.zone_groups.clear();
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["virtualNetworkPeerings"][0]["properties"]["allowForwardedTraffic"] = false;
  e.in.allowed_subscriptions = {kHubSub};
  const Plan p = e.plan();
  ASSERT_EQ(p.steps.size(), 2u);
  const std::string home = kRg;
  // The zone group and the peering in the spoke's group; the zone join and the peer action on
  // the hub's.
  EXPECT_EQ(fix::permission_scopes(p, home), (std::vector<std::string>{kRg, kHubRg}));

  std::map<std::string, fix::ScopeGrants> grants;
  grants[lower_id(kRg)] = {true, "", {"Microsoft.Network/*"}, {}};
  grants[lower_id(kHubRg)] = {false, "HTTP 403 AuthorizationFailed", {}, {}};
  auto check = fix::judge_permissions(p, home, grants);
  EXPECT_FALSE(check.checked);
  ASSERT_EQ(check.unread_scopes.size(), 1u);
  EXPECT_NE(check.unread_scopes[0].find(kHubRg + ": HTTP 403 AuthorizationFailed"),
            std::string::npos);
  EXPECT_NE(check.note.find(kHubRg), std::string::npos);
  EXPECT_TRUE(check.missing.empty());

  grants[lower_id(kHubRg)] = {true, "", {"*/read"}, {}};
  check = fix::judge_permissions(p, home, grants);
  EXPECT_TRUE(check.checked);
  EXPECT_EQ(check.missing,
            (std::vector<std::string>{
                "peering:" + lower_id(kSpokeToHub) +
                    ": Microsoft.Network/virtualNetworks/peer/action on " + kHubVnet,
                "zonegroup:vault: Microsoft.Network/privateDnsZones/join/action on " + kHubZone}));
}

TEST(PlannerEstate, AnAzureDnsSpokeGetsTheUnlinkedRulesetLinkedNotTheZone) {
  // The spoke asks Azure DNS; the hub's ruleset forwards the zone to the resolver, whose VNet
  // the zone is linked to, but the ruleset is linked only to the hub: link it to the spoke.
  Estate e;
  e.t.vnet["properties"]["dhcpOptions"]["dnsServers"] = json::array();
  e.also = [](arm::ArmState& a) { add_ruleset(a, {kHubVnet}); };
  e.in.allowed_subscriptions = {kHubSub};
  const Plan p = e.plan();
  EXPECT_EQ(keys(p.steps), std::set<std::string>{"rulesetlink:" + lower_id(kRuleset)})
      << fix::render_plan_text(p, false);
  const auto& link = step(p.steps, "rulesetlink:" + lower_id(kRuleset));
  EXPECT_EQ(link.resource_id, kRuleset + "/virtualNetworkLinks/securebackend-vnet-link");
  EXPECT_EQ(link.method, "PUT");
  EXPECT_EQ(link.subscription, kHubSub);
  EXPECT_EQ(link.body["properties"]["virtualNetwork"]["id"], kVnet);
  EXPECT_EQ(link.repairs, "arm.ruleset_unlinked");
  expect_nothing_lost(p, false);
  // Without the hub allowed the link is held back, never replaced by a zone link.
  e.in.allowed_subscriptions.clear();
  const Plan held = e.plan();
  EXPECT_TRUE(held.steps.empty());
  ASSERT_EQ(held.not_allowed.size(), 1u);
  EXPECT_EQ(held.not_allowed[0].key, "rulesetlink:" + lower_id(kRuleset));
}

TEST(PlannerEstate, ARulesetLinkedToTheSpokeForwardsToTheHubSoNothingIsPlanned) {
  Estate e;
  e.t.vnet["properties"]["dhcpOptions"]["dnsServers"] = json::array();
  e.also = [](arm::ArmState& a) { add_ruleset(a, {kHubVnet, kVnet}); };
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_TRUE(p.not_allowed.empty()) << p.not_allowed[0].key;
}

TEST(PlannerEstate, ARulesetNotReadIsNeverGuessedAt) {
  // Rulesets unread: the zone link is what fix can judge, so it plans that.
  Estate e;
  e.t.vnet["properties"]["dhcpOptions"]["dnsServers"] = json::array();
  e.also = [](arm::ArmState& a) {
    add_ruleset(a, {kHubVnet});
    a.unread.insert("forwarding rules:" + lower_id(kRuleset));
  };
  e.in.allowed_subscriptions = {kHubSub};
  const Plan p = e.plan();
  EXPECT_EQ(keys(p.steps), std::set<std::string>{"link:" + kZoneName});
}

TEST(PlannerEstate, ACustomDnsServerInTheHubIsNotAnsweredWithASpokeLink) {
  // The spoke's DNS server is a VM in the hub (no resolver endpoint): the hub's links decide what
  // it can answer, and the zone is linked there. What the VM forwards is outside ARM: nothing
  // to plan (check names arm.custom_dns when it does not forward).
  Estate e;
  for (json* v : {&e.t.vnet, &e.t.vnets[0]})
    (*v)["properties"]["dhcpOptions"]["dnsServers"] = {"10.1.4.4"};
  const Plan p = e.plan();
  EXPECT_TRUE(p.steps.empty()) << fix::render_plan_text(p, false);
  EXPECT_TRUE(p.not_allowed.empty()) << p.not_allowed[0].key;
}

TEST(PlannerEstate, AKeyVaultReferenceDeniedForAPrivateVaultTurnsRouteAllOn) {
  Estate e;
  const auto reference = [](const std::string& status) {
    return [status](arm::ArmState& a) {
      arm::KeyVaultReference r;
      r.name = "DB";
      r.status = status;
      r.vault_name = "vdlabkv";
      a.kv_references = {r};
    };
  };
  e.also = reference("AccessToKeyVaultDenied");
  const Plan p = e.plan();
  EXPECT_EQ(keys(p.steps), std::set<std::string>{"routeall"}) << fix::render_plan_text(p, false);
  EXPECT_EQ(step(p.steps, "routeall").body["properties"]["vnetRouteAllEnabled"], true);
  // Once the platform's fetch goes into the VNet, a denial is a grant to make, not a route.
  e.t.site_config = {{"properties", {{"vnetRouteAllEnabled", true}}}};
  EXPECT_TRUE(e.plan().steps.empty());
  e.t.site_config = nullptr;
  // WEBSITE_VNET_ROUTE_ALL routes the app's calls, not the platform's fetch.
  e.t.app_settings = {{"properties", {{"WEBSITE_VNET_ROUTE_ALL", "1"}}}};
  EXPECT_EQ(keys(e.plan().steps), std::set<std::string>{"routeall"});
  e.also = reference("SecretNotFound");
  EXPECT_TRUE(e.plan().steps.empty());
  // The same statuses as the rule's remedy (KeyVaultReference::fetch_refused), routing first.
  e.t.app_settings = nullptr;
  for (const char* status : {"FetchTimedOut", "UnauthorizedClient"}) {
    e.also = reference(status);
    EXPECT_EQ(keys(e.plan().steps), std::set<std::string>{"routeall"}) << status;
  }
}
