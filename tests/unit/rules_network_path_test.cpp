// The network path rules (network_path_rules.cpp): NSGs and route tables on the integration
// subnet (FM-09/10), the endpoint subnet's NSG under its network policies (FM-11), peering
// (FM-26). The ARM state is parsed from bodies as ARM returns them (arm::parse_state).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "arm_state.hpp"
#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
using nlohmann::json;

namespace {

const std::string kRg = "/subscriptions/s/resourceGroups/rg";
const std::string kNet = kRg + "/providers/Microsoft.Network";
const std::string kVnet = kNet + "/virtualNetworks/vnet";
const std::string kHub = kNet + "/virtualNetworks/hub";
const std::string kIntegration = kVnet + "/subnets/integration";
const std::string kPeSubnet = kVnet + "/subnets/pe";
const std::string kHubPeSubnet = kHub + "/subnets/pe";
const std::string kNsg = kNet + "/networkSecurityGroups/nsg";
const std::string kPeNsg = kNet + "/networkSecurityGroups/pe-nsg";
const std::string kRt = kNet + "/routeTables/rt";
const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kPe = kNet + "/privateEndpoints/kv-pe";

json rule(const std::string& name, const std::string& direction, int priority,
          const std::string& access, const std::string& dst, const std::string& port,
          const std::string& src = "*", const std::string& protocol = "Tcp") {
  return {{"name", name},
          {"properties",
           {{"protocol", protocol},
            {"access", access},
            {"direction", direction},
            {"priority", priority},
            {"sourceAddressPrefix", src},
            {"destinationAddressPrefix", dst},
            {"destinationPortRange", port}}}};
}

struct World {
  json integration = {{"id", kIntegration},
                      {"name", "integration"},
                      {"properties", {{"addressPrefix", "10.0.0.0/24"}}}};
  json pe_subnet = {
      {"id", kPeSubnet},
      {"name", "pe"},
      {"properties",
       {{"addressPrefix", "10.0.1.0/24"}, {"privateEndpointNetworkPolicies", "Disabled"}}}};
  json vnet_peerings = json::array();
  std::string pe_subnet_id = kPeSubnet;
  std::string address = "10.0.1.4";
  bool route_all = true;
  std::map<std::string, json> nsgs, route_tables;
  std::set<std::string> unread;

  arm::ArmState state() const {
    arm::Topology t;
    t.site = {{"id", kRg + "/providers/Microsoft.Web/sites/app"},
              {"properties",
               {{"virtualNetworkSubnetId", kIntegration}, {"vnetRouteAllEnabled", route_all}}}};
    t.subnet = integration;
    t.vnet = {{"id", kVnet},
              {"name", "vnet"},
              {"properties",
               {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
                {"subnets", {integration, pe_subnet}},
                {"virtualNetworkPeerings", vnet_peerings}}}};
    t.vnets = {t.vnet,
               {{"id", kHub},
                {"name", "hub"},
                {"properties",
                 {{"addressSpace", {{"addressPrefixes", {"10.1.0.0/16"}}}},
                  {"subnets",
                   {{{"id", kHubPeSubnet},
                     {"name", "pe"},
                     {"properties", {{"addressPrefix", "10.1.1.0/24"}}}}}}}}}};
    t.vaults = {{{"id", kVault},
                 {"name", "kv1"},
                 {"properties", {{"networkAcls", {{"defaultAction", "Deny"}}}}}}};
    t.private_endpoints = {
        {{"id", kPe},
         {"properties",
          {{"subnet", {{"id", pe_subnet_id}}},
           {"privateLinkServiceConnections",
            {{{"properties",
               {{"privateLinkServiceId", kVault},
                {"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}}}},
           {"customDnsConfigs",
            {{{"fqdn", "kv1.vault.azure.net"}, {"ipAddresses", {address}}}}}}}}};
    // A healthy private DNS chain, so that only the path explains a timeout.
    const std::string zone = "privatelink.vaultcore.azure.net";
    const std::string zone_id = kNet + "/privateDnsZones/" + zone;
    t.zones = {{{"id", zone_id}, {"name", zone}}};
    t.links[zone] = {
        {{"properties",
          {{"virtualNetwork", {{"id", kVnet}}}, {"virtualNetworkLinkState", "Completed"}}}}};
    t.a_records[zone] = {
        {{"name", "kv1"}, {"properties", {{"aRecords", {{{"ipv4Address", address}}}}}}}};
    t.zone_groups
        ["/subscriptions/s/resourcegroups/rg/providers/microsoft.network/privateendpoints/"
         "kv-pe"] = {
        {{"name", "default"},
         {"properties",
          {{"privateDnsZoneConfigs", {{{"properties", {{"privateDnsZoneId", zone_id}}}}}}}}}};
    for (const auto& [id, body] : nsgs) t.nsgs[id] = body;
    for (const auto& [id, body] : route_tables) t.route_tables[id] = body;
    t.unread = unread;
    return arm::parse_state(t);
  }

  void integration_nsg(const std::vector<json>& rules) {
    integration["properties"]["networkSecurityGroup"] = {{"id", kNsg}};
    nsgs
        ["/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/"
         "nsg"] = {{"id", kNsg}, {"properties", {{"securityRules", rules}}}};
  }
  void routes(const std::vector<json>& routes_) {
    integration["properties"]["routeTable"] = {{"id", kRt}};
    route_tables["/subscriptions/s/resourcegroups/rg/providers/microsoft.network/routetables/rt"] =
        {{"id", kRt}, {"properties", {{"routes", routes_}}}};
  }
};

json route(const std::string& name, const std::string& prefix, const std::string& hop) {
  return {{"name", name},
          {"properties",
           {{"addressPrefix", prefix}, {"nextHopType", hop}, {"nextHopIpAddress", "10.0.3.4"}}}};
}

// Every finding of the ARM part, with the causes applied to a tcp.timeout of the vault.
struct PathRun {
  std::vector<std::string> ids;
  std::vector<Finding> findings;
};

// The DNS-chain and integration rules also speak about this bare world: only the path's findings
// (and the symptom) are kept.
PathRun run(const World& w) {
  const arm::ArmState state = w.state();
  RuleFixture fx;
  fx.targets = {vault()};
  fx.targets[0].host = "kv1.vault.azure.net";
  fx.rg_id = kRg;
  fx.arm = &state;
  std::vector<Finding> findings = {make_finding("tcp.timeout", "kv1.vault.azure.net", "")};
  run_rules(fx.input(), findings, Part::kArm);
  const std::set<std::string> path = {"tcp.timeout",         "arm.nsg_denies",
                                      "arm.route_diverts",   "arm.endpoint_nsg_denies",
                                      "arm.vnet_not_peered", "arm.peering_not_connected",
                                      "arm.path_not_judged"};
  PathRun r;
  for (auto& f : findings)
    if (path.count(f.id)) r.findings.push_back(std::move(f));
  r.ids = ids_of(r.findings);
  return r;
}

}  // namespace

TEST(RulesNetworkPath, NoNsgNoRouteTableNoFinding) {
  World w;
  EXPECT_EQ(run(w).ids, std::vector<std::string>{"tcp.timeout@kv1.vault.azure.net"});
}

TEST(RulesNetworkPath, OutboundDenyByPriorityIsTheCauseOfTheTimeout) {
  World w;
  w.integration_nsg({rule("allow-late", "Outbound", 300, "Allow", "10.0.1.0/24", "443"),
                     rule("deny-pe", "Outbound", 200, "Deny", "10.0.1.0/24", "400-500")});
  const PathRun r = run(w);
  ASSERT_EQ(r.ids, (std::vector<std::string>{"tcp.timeout@kv1.vault.azure.net",
                                             "arm.nsg_denies@kv1.vault.azure.net"}));
  EXPECT_EQ(r.findings[1].fm, 9);
  EXPECT_EQ(r.findings[1].cause->resource_id, kNsg + "/securityRules/deny-pe");
  ASSERT_TRUE(r.findings[0].cause);
  EXPECT_EQ(r.findings[0].cause->resource_id, kNsg + "/securityRules/deny-pe");
}

TEST(RulesNetworkPath, AnAllowOfLowerNumberWinsAndDefaultsAllowTheVnet) {
  World w;
  w.integration_nsg({rule("allow-pe", "Outbound", 100, "Allow", "VirtualNetwork", "443"),
                     rule("deny-pe", "Outbound", 200, "Deny", "10.0.1.0/24", "*")});
  EXPECT_EQ(run(w).ids, std::vector<std::string>{"tcp.timeout@kv1.vault.azure.net"});
  World d;  // only unrelated rules: AllowVnetOutBound (65000) lets it through
  d.integration_nsg({rule("deny-ssh", "Outbound", 100, "Deny", "203.0.113.0/24", "22"),
                     rule("deny-udp", "Outbound", 110, "Deny", "*", "443", "*", "Udp"),
                     rule("deny-in", "Inbound", 120, "Deny", "*", "*", "*", "*")});
  EXPECT_EQ(run(d).ids, std::vector<std::string>{"tcp.timeout@kv1.vault.azure.net"});
}

TEST(RulesNetworkPath, ARuleThatCannotBeEvaluatedIsNamedNotGuessed) {
  World w;
  w.integration_nsg({rule("deny-cloud", "Outbound", 100, "Deny", "AzureCloud", "*", "*", "*")});
  PathRun r = run(w);
  ASSERT_EQ(r.ids, (std::vector<std::string>{"tcp.timeout@kv1.vault.azure.net",
                                             "arm.path_not_judged@kv1.vault.azure.net"}));
  EXPECT_FALSE(r.findings[0].cause);
  World p;  // a prefix that covers half the integration subnet
  p.integration_nsg({rule("deny-half", "Outbound", 100, "Deny", "*", "443", "10.0.0.0/25")});
  EXPECT_EQ(run(p).ids[1], "arm.path_not_judged@kv1.vault.azure.net");
  World x;  // ... but one that covers none of it does not match
  x.integration_nsg({rule("deny-other", "Outbound", 100, "Deny", "*", "443", "10.0.9.0/24")});
  EXPECT_EQ(run(x).ids.size(), 1U);
}

TEST(RulesNetworkPath, NsgsApplyOutsideRfc1918OnlyWithRouteAll) {
  World w;
  w.address = "100.64.1.4";
  w.route_all = false;
  w.integration_nsg({rule("deny-all", "Outbound", 100, "Deny", "*", "*", "*", "*")});
  EXPECT_EQ(run(w).ids.size(), 1U);
  w.route_all = true;
  EXPECT_EQ(run(w).ids[1], "arm.nsg_denies@kv1.vault.azure.net");
}

TEST(RulesNetworkPath, AnNsgThatCouldNotBeReadIsNotJudgedHere) {
  World w;
  w.integration_nsg({rule("deny-pe", "Outbound", 100, "Deny", "*", "*", "*", "*")});
  w.unread = {
      "nsg:/subscriptions/s/resourcegroups/rg/providers/microsoft.network/"
      "networksecuritygroups/nsg"};
  w.nsgs.clear();
  EXPECT_EQ(run(w).ids.size(), 1U);
}

TEST(RulesNetworkPath, RouteToApplianceOnlyWhenItBeatsTheEndpointRoute) {
  World w;
  w.routes({route("default", "0.0.0.0/0", "VirtualAppliance")});
  EXPECT_EQ(run(w).ids.size(), 1U) << "the VNet prefix and the endpoint /32 outrank 0.0.0.0/0";
  w.routes({route("pe", "10.0.1.4/32", "VirtualAppliance")});
  EXPECT_EQ(run(w).ids.size(), 1U) << "policies Disabled: the endpoint's /32 system route wins";
  w.pe_subnet["properties"]["privateEndpointNetworkPolicies"] = "RouteTableEnabled";
  const PathRun r = run(w);
  ASSERT_EQ(r.ids[1], "arm.route_diverts@kv1.vault.azure.net");
  EXPECT_EQ(r.findings[1].cause->resource_id, kRt + "/routes/pe");
  EXPECT_EQ(r.findings[0].cause->resource_id, kRt + "/routes/pe");
  w.routes({route("wide", "10.0.1.0/24", "None")});
  EXPECT_EQ(run(w).ids[1], "arm.path_not_judged@kv1.vault.azure.net");
}

TEST(RulesNetworkPath, RouteToADnsServerByLongestPrefix) {
  World w;
  w.routes({route("wide", "10.0.0.0/8", "VirtualAppliance")});  // the VNet's /16 outranks it
  arm::ArmState s = w.state();
  s.vnet->dns_servers = {"10.0.2.54"};
  RuleFixture fx;
  fx.arm = &s;
  EXPECT_EQ(ids_of(rules::dns_server_path(fx.input())), std::vector<std::string>{});
  w.routes({route("dns", "10.0.2.54/32", "VirtualAppliance")});
  s = w.state();
  s.vnet->dns_servers = {"10.0.2.54"};
  EXPECT_EQ(ids_of(rules::dns_server_path(fx.input())),
            std::vector<std::string>{"arm.route_diverts"});
  w.routes({});
  w.integration_nsg({rule("deny-dns", "Outbound", 100, "Deny", "10.0.2.54", "53", "*", "Udp")});
  s = w.state();
  s.vnet->dns_servers = {"10.0.2.54", "168.63.129.16"};
  const auto out = rules::dns_server_path(fx.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.nsg_denies"});
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].ids[0], FindingId("dns.timeout"));
}

TEST(RulesNetworkPath, EndpointSubnetNsgOnlyUnderItsNetworkPolicies) {
  World w;
  w.pe_subnet["properties"]["networkSecurityGroup"] = {{"id", kPeNsg}};
  w.nsgs
      ["/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/"
       "pe-nsg"] = {
      {"id", kPeNsg},
      {"properties",
       {{"securityRules",
         {rule("deny-integration", "Inbound", 100, "Deny", "*", "443", "10.0.0.0/24")}}}}};
  EXPECT_EQ(run(w).ids.size(), 1U) << "policies Disabled: the NSG does not apply";
  w.pe_subnet["properties"]["privateEndpointNetworkPolicies"] = "NetworkSecurityGroupEnabled";
  const PathRun r = run(w);
  ASSERT_EQ(r.ids[1], "arm.endpoint_nsg_denies@kv1.vault.azure.net");
  EXPECT_EQ(r.findings[1].fm, 11);
  EXPECT_EQ(r.findings[0].cause->resource_id, kPeNsg + "/securityRules/deny-integration");
}

TEST(RulesNetworkPath, EndpointInAnotherVnetNeedsAConnectedPeering) {
  World w;
  w.pe_subnet_id = kHubPeSubnet;
  w.address = "10.1.1.4";
  PathRun r = run(w);
  ASSERT_EQ(r.ids[1], "arm.vnet_not_peered@kv1.vault.azure.net");
  EXPECT_EQ(r.findings[1].fm, 26);
  EXPECT_EQ(r.findings[0].cause->property, "properties.virtualNetworkPeerings");
  w.vnet_peerings = {{{"id", kVnet + "/virtualNetworkPeerings/to-hub"},
                      {"properties",
                       {{"remoteVirtualNetwork", {{"id", kHub}}},
                        {"peeringState", "Initiated"},
                        {"allowVirtualNetworkAccess", true},
                        {"remoteAddressSpace", {{"addressPrefixes", {"10.1.0.0/16"}}}}}}}};
  r = run(w);
  ASSERT_EQ(r.ids[1], "arm.peering_not_connected@kv1.vault.azure.net");
  EXPECT_EQ(r.findings[1].cause->actual, "Initiated");
  w.vnet_peerings[0]["properties"]["peeringState"] = "Connected";
  EXPECT_EQ(run(w).ids.size(), 1U);
  w.vnet_peerings[0]["properties"]["allowVirtualNetworkAccess"] = false;
  r = run(w);
  ASSERT_EQ(r.ids[1], "arm.peering_not_connected@kv1.vault.azure.net");
  EXPECT_EQ(r.findings[1].cause->property, "properties.allowVirtualNetworkAccess");
}

TEST(RulesNetworkPath, VnetDnsServersAreTheCauseOfANonForwardingResolver) {
  World w;
  arm::ArmState s = w.state();
  s.vnet->dns_servers = {"10.0.2.54"};
  RuleFixture fx;
  fx.arm = &s;
  auto out = rules::custom_dns(fx.input());
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].cause.property, "properties.dhcpOptions.dnsServers");
  s.app_settings = arm::AppSettings{};
  s.app_settings->website_dns_server = "10.0.2.60";
  EXPECT_TRUE(rules::custom_dns(fx.input()).causes.empty())
      << "WEBSITE_DNS_SERVER overrides the VNet's servers";
}

TEST(RulesNetworkPath, ResolverListStaleWhenTheProcessUsesOtherServersThanArm) {
  World w;
  arm::ArmState s = w.state();
  s.vnet->dns_servers = {"10.0.2.54"};
  RuleFixture fx;
  fx.arm = &s;
  auto ids = [&] { return ids_of(rules::resolver_list_stale(fx.input())); };
  const std::vector<std::string> stale{"arm.resolver_list_stale"}, none{};
  // The lab's resolv.conf: the embedded resolver's upstream list and the same nameserver, which
  // is also the run's Azure DNS.
  fx.observations.resolvers = {
      Resolver{"10.0.2.53", 53, "resolv.conf, embedded resolver upstream, Azure DNS"}};
  EXPECT_EQ(ids(), stale);
  s.vnet->dns_servers = {};
  EXPECT_EQ(ids(), none) << "an empty list is Azure DNS";
  s.vnet->dns_servers = {"168.63.129.16"};
  EXPECT_EQ(ids(), none) << "168.63.129.16 is Azure DNS";
  s.vnet->dns_servers = {"10.0.2.54"};
  fx.observations.resolvers = {Resolver{"127.0.0.11", 53, "resolv.conf"},
                               Resolver{"10.0.2.54", 53, "embedded resolver upstream"}};
  EXPECT_EQ(ids(), none) << "the stub's upstream list is what counts";
  fx.observations.resolvers = {Resolver{"127.0.0.11", 53, "resolv.conf"}};
  EXPECT_EQ(ids(), none) << "a local stub alone says nothing";
  fx.observations.resolvers = {Resolver{"168.63.129.16", 53, "resolv.conf"}};
  const auto out = rules::resolver_list_stale(fx.input());
  ASSERT_EQ(ids_of(out), stale);
  EXPECT_EQ(out.findings[0].fm, 20);
  EXPECT_EQ(out.findings[0].cause->property, "properties.dhcpOptions.dnsServers");
  s.app_settings = arm::AppSettings{};
  s.app_settings->website_dns_server = "168.63.129.16";
  EXPECT_EQ(ids(), none) << "WEBSITE_DNS_SERVER is what ARM configures then";
}
