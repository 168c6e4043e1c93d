// The rules of issue 15 (real estates): hub-spoke DNS through a Private Resolver, forwarding
// rulesets, duplicate zones, stale records in hub zones, Key Vault references, outboundVnetRouting
// and read gaps that name the missing action. Each rule both ways: fires with the exact resource
// and property, silent on a healthy hub-spoke estate, silent when its input was not read.
#include <gtest/gtest.h>

#include <cctype>

#include "arm_state.hpp"
#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

const std::string kApp = "/subscriptions/a1b2c3d4-0000-4000-8000-000000000001";
const std::string kHubSub = "/subscriptions/0b5e6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d";
const std::string kRg = kApp + "/resourceGroups/rg";
const std::string kHubRg = kHubSub + "/resourceGroups/connectivity";
const std::string kSpoke = kRg + "/providers/Microsoft.Network/virtualNetworks/securebackend-vnet";
const std::string kHub = kHubRg + "/providers/Microsoft.Network/virtualNetworks/hub-vnet";
const std::string kSubnet = kSpoke + "/subnets/vnet-integration-subnet";
const std::string kSpokeToHub = kSpoke + "/virtualNetworkPeerings/spoke-to-hub";
const std::string kHubToSpoke = kHub + "/virtualNetworkPeerings/hub-to-spoke";
const std::string kResolver = kHubRg + "/providers/Microsoft.Network/dnsResolvers/hub-resolver";
const std::string kRuleset =
    kHubRg + "/providers/Microsoft.Network/dnsForwardingRulesets/hub-ruleset";
const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kPe = kRg + "/providers/Microsoft.Network/privateEndpoints/kv-pe";
const std::string kZoneName = "privatelink.vaultcore.azure.net";
const std::string kHubZone = kHubRg + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;
const std::string kSpokeZone = kRg + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;
const std::string kSite = kRg + "/providers/Microsoft.Web/sites/app";

std::string lower_id(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

arm::Peering peering(const std::string& id, const std::string& remote, const std::string& prefix) {
  arm::Peering p;
  p.id = id;
  p.remote_virtual_network_id = remote;
  p.peering_state = "Connected";
  p.allow_virtual_network_access = true;
  p.remote_address_prefixes = {prefix};
  return p;
}

arm::VnetLink link_to(const std::string& zone_id, const std::string& vnet) {
  arm::VnetLink l;
  l.zone = kZoneName;
  l.id = zone_id + "/virtualNetworkLinks/" + vnet.substr(vnet.rfind('/') + 1);
  l.virtual_network_id = vnet;
  return l;
}

arm::ARecordSet record(const std::string& zone_id, const std::string& ip) {
  arm::ARecordSet rs;
  rs.zone = kZoneName;
  rs.id = zone_id + "/A/kv1";
  rs.name = "kv1";
  rs.records = {arm::ARecord{ip}};
  return rs;
}

// hub-spoke-healthy: the zone in the hub subscription linked to hub-vnet only, the spoke's DNS
// server the hub resolver's inbound endpoint, peerings Connected both ways.
arm::ArmState hub_spoke() {
  arm::ArmState s;
  s.site = arm::Site{};
  s.site->id = kSite;
  s.site->location = "westeurope";
  s.site->virtual_network_subnet_id = kSubnet;
  s.site->https_only = true;
  s.site->vnet_route_all_enabled = true;
  s.site->identity_type = "SystemAssigned";
  s.subnet = arm::Subnet{};
  s.subnet->id = kSubnet;
  s.subnet->address_prefix = "10.0.0.0/26";
  s.subnet->delegations = {arm::Delegation{"d", "Microsoft.Web/serverFarms"}};
  s.plan = arm::Plan{};
  s.plan->sku_tier = "PremiumV3";
  s.vnet = arm::Vnet{};
  s.vnet->id = kSpoke;
  s.vnet->location = "westeurope";
  s.vnet->address_prefixes = {"10.0.0.0/16"};
  s.vnet->dns_servers = {"10.1.2.4"};
  s.vnet->peerings = {peering(kSpokeToHub, kHub, "10.1.0.0/16")};
  arm::Vnet hub;
  hub.id = kHub;
  hub.location = "westeurope";
  hub.address_prefixes = {"10.1.0.0/16"};
  hub.peerings = {peering(kHubToSpoke, kSpoke, "10.0.0.0/16")};
  s.vnets = {*s.vnet, hub};
  arm::Vault v;
  v.id = kVault;
  v.name = "kv1";
  v.network_acls = arm::NetworkAcls{"Deny", {}, {}, {}};
  v.private_endpoint_connections = {arm::PrivateEndpointConnection{{}, {}, kPe, "Approved", {}}};
  s.vaults = {v};
  arm::PrivateEndpoint pe;
  pe.id = kPe;
  pe.subnet_id = kSpoke + "/subnets/private-endpoint-subnet";
  pe.connections = {arm::ServiceConnection{{}, {}, kVault, {"vault"}, "Approved", {}}};
  pe.custom_dns_configs = {arm::CustomDnsConfig{"kv1.vault.azure.net", {"10.0.1.4"}}};
  s.private_endpoints = {pe};
  arm::PrivateDnsZone zone;
  zone.id = kHubZone;
  zone.name = kZoneName;
  s.zones = {zone};
  s.links[kZoneName] = {link_to(kHubZone, kHub)};
  arm::ZoneGroup group;
  group.name = "default";
  group.zone_configs = {arm::ZoneConfig{"c", kHubZone}};
  s.zone_groups[lower_id(kPe)] = {group};
  s.a_records[kZoneName] = {record(kHubZone, "10.0.1.4")};
  arm::DnsResolver r;
  r.id = kResolver;
  r.virtual_network_id = kHub;
  s.resolvers = {r};
  arm::InboundEndpoint in;
  in.id = kResolver + "/inboundEndpoints/inbound";
  in.private_ip_addresses = {"10.1.2.4"};
  in.subnet_ids = {kHub + "/subnets/dns-inbound"};
  s.inbound_endpoints[lower_id(kResolver)] = {in};
  arm::DnsForwardingRuleset rs;
  rs.id = kRuleset;
  rs.outbound_endpoint_ids = {kResolver + "/outboundEndpoints/outbound"};
  s.rulesets = {rs};
  arm::RulesetLink rl;
  rl.id = kRuleset + "/virtualNetworkLinks/hub";
  rl.virtual_network_id = kHub;
  s.ruleset_links[lower_id(kRuleset)] = {rl};
  arm::ForwardingRule onprem;
  onprem.id = kRuleset + "/forwardingRules/contoso";
  onprem.domain_name = "contoso.com.";
  onprem.state = "Enabled";
  onprem.target_ips = {"192.168.10.4"};
  s.forwarding_rules[lower_id(kRuleset)] = {onprem};
  return s;
}

struct Estate {
  arm::ArmState state = hub_spoke();
  RuleFixture fx;
  Estate() {
    fx.targets = {vault()};
    fx.rg_id = kRg;
  }
  RuleInput input() {
    fx.arm = &state;
    return fx.input();
  }
  RuleInput target() {
    fx.arm = &state;
    return fx.arm_target(0);
  }
  // Every ARM rule through the engine; only findings that do not pass.
  std::vector<std::string> problems() {
    std::vector<Finding> findings;
    run_rules(input(), findings, Part::kArm);
    std::vector<Finding> bad;
    for (auto& f : findings)
      if (f.severity != Severity::kOk) bad.push_back(f);
    return ids_of(bad);
  }
  // The root cause dns_root_cause names for the vault (the finding must be the only one).
  std::optional<Finding> root() {
    const auto out = rules::dns_root_cause(target());
    if (out.findings.empty()) return std::nullopt;
    EXPECT_EQ(out.findings.size(), 1U);
    return out.findings[0];
  }
};

void expect_cause(const std::optional<Finding>& f, const std::string& id,
                  const std::string& resource, const std::string& property) {
  ASSERT_TRUE(f) << "expected " << id;
  EXPECT_EQ(f->id, id);
  ASSERT_TRUE(f->cause);
  EXPECT_EQ(f->cause->resource_id, resource);
  EXPECT_EQ(f->cause->property, property);
}

}  // namespace

TEST(RulesEstate, HealthyHubSpokeHasNoFinding) {
  Estate e;
  EXPECT_EQ(e.problems(), std::vector<std::string>{});
}

TEST(RulesEstate, SpokeWithoutPeeringToTheHubNamesTheSpokesPeerings) {
  Estate e;
  e.state.vnet->peerings.clear();
  e.state.vnets[0].peerings.clear();
  expect_cause(e.root(), "arm.zone_hub_unreachable", kSpoke, "properties.virtualNetworkPeerings");
  EXPECT_EQ(e.problems(), std::vector<std::string>{"arm.zone_hub_unreachable@kv1.vault.azure.net"});
}

TEST(RulesEstate, DisconnectedPeeringIsNamedOnWhicheverSide) {
  Estate e;
  e.state.vnet->peerings[0].peering_state = "Disconnected";
  auto f = e.root();
  expect_cause(f, "arm.zone_hub_unreachable", kSpokeToHub, "properties.peeringState");
  EXPECT_EQ(f->cause->actual, "Disconnected");
  EXPECT_EQ(f->cause->expected, "Connected");
  e.state = hub_spoke();
  e.state.vnets[1].peerings[0].peering_state = "Initiated";
  expect_cause(e.root(), "arm.zone_hub_unreachable", kHubToSpoke, "properties.peeringState");
}

TEST(RulesEstate, ForwarderInTheHubNeedsForwardedTraffic) {
  Estate e;
  e.state.vnet->dns_servers = {"10.1.0.4"};  // a DNS VM in the hub, not the resolver
  e.state.links[kZoneName] = {link_to(kHubZone, kHub)};
  EXPECT_FALSE(e.root());  // forwarded traffic not forbidden: nothing wrong in the path
  e.state.vnet->peerings[0].allow_forwarded_traffic = false;
  auto f = e.root();
  expect_cause(f, "arm.zone_hub_unreachable", kSpokeToHub, "properties.allowForwardedTraffic");
  // The resolver's inbound endpoint is not a forwarder: the flag does not matter for it.
  e.state.vnet->dns_servers = {"10.1.2.4"};
  EXPECT_FALSE(e.root());
}

TEST(RulesEstate, ZoneLinkedOnlyToTheHubWhileTheSpokeUsesAzureDns) {
  Estate e;
  e.state.vnet->dns_servers.clear();
  auto f = e.root();
  expect_cause(f, "arm.zone_hub_unreachable", kHubZone,
               "virtualNetworkLinks[].properties.virtualNetwork.id");
  EXPECT_EQ(f->cause->actual, kHub);
  EXPECT_EQ(f->cause->expected, kSpoke);
  // No link at all stays the tutorial's finding.
  e.state.links[kZoneName].clear();
  expect_cause(e.root(), "arm.zone_not_linked", kHubZone,
               "virtualNetworkLinks[].properties.virtualNetwork.id");
}

TEST(RulesEstate, UnlinkedRulesetThatWouldForwardTheZoneIsTheCause) {
  Estate e;
  e.state.vnet->dns_servers.clear();
  arm::ForwardingRule pl;
  pl.id = kRuleset + "/forwardingRules/privatelink-vault";
  pl.domain_name = "privatelink.vaultcore.azure.net.";
  pl.state = "Enabled";
  pl.target_ips = {"10.1.2.4"};
  e.state.forwarding_rules[lower_id(kRuleset)].push_back(pl);
  auto f = e.root();
  expect_cause(f, "arm.ruleset_unlinked", kRuleset, "properties.virtualNetworkLinks");
  EXPECT_EQ(f->cause->expected, kSpoke);
  EXPECT_EQ(e.problems(), std::vector<std::string>{"arm.ruleset_unlinked@kv1.vault.azure.net"});
  // Linked to the spoke: the spoke resolves the zone through the hub resolver, a healthy estate.
  arm::RulesetLink rl;
  rl.id = kRuleset + "/virtualNetworkLinks/spoke";
  rl.virtual_network_id = kSpoke;
  e.state.ruleset_links[lower_id(kRuleset)].push_back(rl);
  EXPECT_EQ(e.problems(), std::vector<std::string>{});
  // ... as long as the spoke reaches the hub.
  e.state.vnet->peerings[0].peering_state = "Disconnected";
  expect_cause(e.root(), "arm.zone_hub_unreachable", kSpokeToHub, "properties.peeringState");
  // Rulesets not read: whether one forwards the zone is unknown, so nothing is blamed.
  e.state.vnet->peerings[0].peering_state = "Connected";
  e.state.ruleset_links[lower_id(kRuleset)].pop_back();
  e.state.unread.insert("ruleset links");
  EXPECT_FALSE(e.root());
}

TEST(RulesEstate, RuleForTheVaultDomainPointingElsewhereDiverts) {
  Estate e;
  EXPECT_TRUE(rules::ruleset_rule_diverts(e.target()).findings.empty());
  arm::ForwardingRule kv;
  kv.id = kRuleset + "/forwardingRules/vault";
  kv.domain_name = "vault.azure.net.";
  kv.state = "Enabled";
  kv.target_ips = {"192.168.10.4"};
  e.state.forwarding_rules[lower_id(kRuleset)].push_back(kv);
  const auto out = rules::ruleset_rule_diverts(e.target());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.ruleset_rule_diverts@kv1.vault.azure.net"});
  ASSERT_TRUE(out.findings[0].cause);
  EXPECT_EQ(out.findings[0].cause->resource_id, kv.id.value());
  EXPECT_EQ(out.findings[0].cause->property, "properties.targetDnsServers");
  EXPECT_EQ(out.findings[0].cause->actual, "192.168.10.4");
  ASSERT_EQ(out.causes.size(), 1U);
  // Disabled, or pointing at the inbound endpoint: silent.
  e.state.forwarding_rules[lower_id(kRuleset)].back().state = "Disabled";
  EXPECT_TRUE(rules::ruleset_rule_diverts(e.target()).findings.empty());
  e.state.forwarding_rules[lower_id(kRuleset)].back().state = "Enabled";
  e.state.forwarding_rules[lower_id(kRuleset)].back().target_ips = {"10.1.2.4"};
  EXPECT_TRUE(rules::ruleset_rule_diverts(e.target()).findings.empty());
  // The ruleset's rules not all read: nothing is judged.
  e.state.forwarding_rules[lower_id(kRuleset)].back().target_ips = {"192.168.10.4"};
  e.state.unread.insert("forwarding rules:" + lower_id(kRuleset));
  EXPECT_TRUE(rules::ruleset_rule_diverts(e.target()).findings.empty());
}

TEST(RulesEstate, DuplicateZoneInTheSpokeWithoutTheRecord) {
  Estate e;
  // The spoke uses Azure DNS and has its own empty zone; the hub's zone holds the record.
  e.state.vnet->dns_servers.clear();
  arm::PrivateDnsZone spoke_zone;
  spoke_zone.id = kSpokeZone;
  spoke_zone.name = kZoneName;
  arm::PrivateDnsZone hub_zone = e.state.zones[0];
  e.state.zones = {spoke_zone};
  e.state.links[kZoneName] = {link_to(kSpokeZone, kSpoke)};
  e.state.a_records[kZoneName].clear();
  e.state.duplicate_zones = {hub_zone};
  e.state.duplicate_links[lower_id(kHubZone)] = {link_to(kHubZone, kHub)};
  e.state.duplicate_a_records[lower_id(kHubZone)] = {record(kHubZone, "10.0.1.4")};
  auto f = e.root();
  expect_cause(f, "arm.zone_duplicate", kSpokeZone + "/virtualNetworkLinks/securebackend-vnet",
               "properties.virtualNetwork.id");
  EXPECT_EQ(f->cause->actual, kSpokeZone);
  EXPECT_NE(f->cause->expected.find(kHubZone), std::string::npos);
  // The VNets do not reach each other: no conflict, the spoke zone just lacks the record.
  e.state.vnet->peerings[0].peering_state = "Disconnected";
  e.state.vnets[1].peerings[0].peering_state = "Disconnected";
  EXPECT_NE(e.root()->id, "arm.zone_duplicate");
  // The second zone's links not read: nothing is blamed (not even the zone group).
  e.state.vnet->peerings[0].peering_state = "Connected";
  e.state.unread.insert("links:" + lower_id(kHubZone));
  EXPECT_FALSE(e.root());
}

TEST(RulesEstate, StaleRecordInTheHubZoneNamesTheRecordSet) {
  Estate e;
  e.state.a_records[kZoneName] = {record(kHubZone, "10.0.1.99")};
  auto f = e.root();
  expect_cause(f, "arm.record_stale", kHubZone + "/A/kv1", "properties.aRecords[].ipv4Address");
  EXPECT_EQ(f->cause->expected, "10.0.1.4");
  EXPECT_EQ(f->cause->actual, "10.0.1.99");
  e.state.unread.insert("a:" + kZoneName);
  EXPECT_FALSE(e.root());
}

TEST(RulesEstate, NoZoneCauseWhenAHubSubscriptionsZonesWereNotRead) {
  Estate e;
  e.state.zones.clear();  // the hub's zones were forbidden: the app's subscription has none
  e.state.links.clear();
  e.state.unread.insert("private DNS zones:" + kHubSub);
  EXPECT_FALSE(e.root());
  e.state.unread.clear();
  EXPECT_EQ(e.root()->id, "arm.zone_missing");
}

TEST(RulesEstate, ResolverInboundEndpointIsACorrectDnsServer) {
  Estate e;
  EXPECT_TRUE(rules::custom_dns(e.input()).findings.empty());
  e.state.vnet->dns_servers = {"10.1.2.4", "10.9.9.9"};
  const auto out = rules::custom_dns(e.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.custom_dns"});
  EXPECT_EQ(out.findings[0].cause->resource_id, kSpoke);
  EXPECT_EQ(out.findings[0].cause->property, "properties.dhcpOptions.dnsServers");
  EXPECT_NE(out.findings[0].cause->expected.find("inbound endpoint 10.1.2.4"), std::string::npos);
  // Whether 10.9.9.9 is some resolver's endpoint is unknown while the resolvers were not read.
  e.state.unread.insert("dns resolvers");
  EXPECT_TRUE(rules::custom_dns(e.input()).findings.empty());
  EXPECT_FALSE(e.root());
}

TEST(RulesEstate, UnresolvedKeyVaultReferenceSaysStatusIdentityAndLayer) {
  Estate e;
  e.state.site->vnet_route_all_enabled.reset();
  arm::KeyVaultReference r;
  r.id = kSite + "/config/configreferences/appsettings/DbPassword";
  r.name = "DbPassword";
  r.status = "AccessToKeyVaultDenied";
  r.vault_name = "kv1";
  r.secret_name = "db-password";
  r.identity_type = "SystemAssigned";
  r.details = "Key Vault reference was not able to be resolved because site was denied access";
  e.state.kv_references = {r};
  auto out = rules::kv_reference_unresolved(e.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.kv_reference_unresolved"});
  const Finding& f = out.findings[0];
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.cause->resource_id, r.id.value());
  EXPECT_EQ(f.cause->property, "properties.status");
  EXPECT_NE(f.summary.find("DbPassword"), std::string::npos);
  EXPECT_NE(f.summary.find("db-password"), std::string::npos);
  EXPECT_EQ(f.evidence.at("keyVaultReferenceIdentity"), "SystemAssigned (default)");
  EXPECT_NE(f.remedy.find("applicationTraffic"), std::string::npos) << f.remedy;
  // Routed by the platform: the remedy no longer asks for routing.
  e.state.site->outbound_routing = arm::OutboundVnetRouting{};
  e.state.site->outbound_routing->application_traffic = true;
  out = rules::kv_reference_unresolved(e.input());
  EXPECT_EQ(out.findings[0].remedy.find("set outboundVnetRouting"), std::string::npos);
  // No identity: the cause is the site's keyVaultReferenceIdentity.
  e.state.kv_references[0].status = "MSINotEnabled";
  e.state.site->identity_type = "None";
  e.state.site->key_vault_reference_identity = "/subscriptions/x/uami";
  out = rules::kv_reference_unresolved(e.input());
  EXPECT_EQ(out.findings[0].cause->resource_id, kSite);
  EXPECT_EQ(out.findings[0].cause->property, "properties.keyVaultReferenceIdentity");
  EXPECT_EQ(out.findings[0].cause->actual, "/subscriptions/x/uami");
  e.state.kv_references[0].status = "Resolved";
  EXPECT_TRUE(rules::kv_reference_unresolved(e.input()).findings.empty());
}

TEST(RulesEstate, OutboundRoutingSplitExplainsEveryKind) {
  Estate e;
  EXPECT_TRUE(rules::outbound_split(e.input()).findings.empty());  // no outboundVnetRouting
  e.state.site->outbound_routing = arm::OutboundVnetRouting{};
  e.state.site->outbound_routing->all_traffic = false;
  e.state.site->outbound_routing->content_share_traffic = true;
  const auto out = rules::outbound_split(e.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"route.outbound_split"});
  const Finding& f = out.findings[0];
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_EQ(f.cause->resource_id, kSite);
  EXPECT_EQ(f.cause->property, "properties.outboundVnetRouting");
  EXPECT_EQ(f.evidence.at("route.application"),
            "application: into the VNet (site vnetRouteAllEnabled=true)");
  EXPECT_EQ(f.evidence.at("route.content share"),
            "content share: into the VNet (site outboundVnetRouting.contentShareTraffic=true)");
  EXPECT_EQ(f.evidence.at("route.image pull"),
            "image pull: outside the VNet (site "
            "outboundVnetRouting.allTraffic=false)");
  e.state.site->outbound_routing->all_traffic = true;
  EXPECT_TRUE(rules::outbound_split(e.input()).findings.empty());
}

TEST(RulesEstate, ForbiddenReadNamesTheActionAndScope) {
  Estate e;
  e.state.errors = {"list private DNS zones " + kHubSub +
                    "/providers/Microsoft.Network/privateDnsZones: AuthorizationFailed: the "
                    "identity may not perform 'Microsoft.Network/privateDnsZones/read'; a role "
                    "such as Reader on the resource grants it: what depends on it was not judged"};
  const auto out = rules::arm_read_gaps(e.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.read_incomplete"});
  EXPECT_EQ(out.findings[0].evidence.at("action"), "Microsoft.Network/privateDnsZones/read");
  EXPECT_EQ(out.findings[0].evidence.at("scope"), kHubSub);
  EXPECT_NE(
      out.findings[0].summary.find("missing Microsoft.Network/privateDnsZones/read on " + kHubSub),
      std::string::npos);
}

TEST(RulesEstate, WebsiteDnsServerDecidesWhereTheAppResolves) {
  Estate e;
  e.state.vnet->dns_servers.clear();  // the VNet uses Azure DNS, the app setting the hub resolver
  e.state.app_settings = arm::AppSettings{};
  e.state.app_settings->website_dns_server = "10.1.2.4";
  EXPECT_EQ(e.problems(), std::vector<std::string>{});
  e.state.app_settings->website_dns_server.reset();
  EXPECT_EQ(e.root()->id, "arm.zone_hub_unreachable");
}

TEST(RulesEstate, LinkToAnUnrelatedVnetStaysZoneNotLinked) {
  Estate e;
  e.state.vnet->dns_servers.clear();
  const std::string other = kRg + "/providers/Microsoft.Network/virtualNetworks/other";
  e.state.links[kZoneName] = {link_to(kHubZone, other)};
  auto f = e.root();
  expect_cause(f, "arm.zone_not_linked", kHubZone,
               "virtualNetworkLinks[].properties.virtualNetwork.id");
  EXPECT_EQ(f->cause->actual, other);
}
