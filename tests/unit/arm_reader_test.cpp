// read_topology against a routed fake transport (fake_arm_transport.hpp): a hub-spoke estate in
// two subscriptions, read through Resource Graph and, when that is refused, through
// subscription-level lists; throttling and paging of Resource Graph.
#include <gtest/gtest.h>

#include "arm_client.hpp"
#include "arm_state.hpp"
#include "fake_arm_transport.hpp"
#include "resource_graph.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "token.hpp"
#include "topology.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

// The app's subscription sorts before the hub's, so the spoke's zone is found first and only the
// resolution path makes the hub's zone the serving one.
const std::string kApp = "00000000-0000-4000-8000-000000000001";
const std::string kHub = "0b5e6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d";
const std::string kRg = "/subscriptions/" + kApp + "/resourceGroups/spoke";
const std::string kHubRg = "/subscriptions/" + kHub + "/resourceGroups/connectivity";
const std::string kSite = kRg + "/providers/Microsoft.Web/sites/app";
const std::string kSpoke = kRg + "/providers/Microsoft.Network/virtualNetworks/spoke-vnet";
const std::string kHubVnet = kHubRg + "/providers/Microsoft.Network/virtualNetworks/hub-vnet";
const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kPe = kRg + "/providers/Microsoft.Network/privateEndpoints/kv1-pe";
const std::string kNic = kRg + "/providers/Microsoft.Network/networkInterfaces/kv1-pe-nic";
const std::string kZoneName = "privatelink.vaultcore.azure.net";
const std::string kHubZone = kHubRg + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;
const std::string kSpokeZone = kRg + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;
const std::string kResolver = kHubRg + "/providers/Microsoft.Network/dnsResolvers/hub-resolver";
const std::string kRuleset =
    kHubRg + "/providers/Microsoft.Network/dnsForwardingRulesets/hub-ruleset";
const std::string kGraph = "/providers/Microsoft.ResourceGraph/resources";

json list_of(std::vector<json> items) { return {{"value", items}}; }

json zone(const std::string& id) {
  return {{"id", id},
          {"name", kZoneName},
          {"type", "Microsoft.Network/privateDnsZones"},
          {"location", "global"},
          {"properties", json::object()}};
}

json link(const std::string& zone_id, const std::string& vnet) {
  return {{"id", zone_id + "/virtualNetworkLinks/l"},
          {"name", "l"},
          {"properties", {{"virtualNetwork", {{"id", vnet}}}}}};
}

json resolver() {
  return {{"id", kResolver},
          {"name", "hub-resolver"},
          {"type", "Microsoft.Network/dnsResolvers"},
          {"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}};
}

json ruleset() {
  return {{"id", kRuleset},
          {"name", "hub-ruleset"},
          {"type", "Microsoft.Network/dnsForwardingRulesets"},
          {"properties",
           {{"dnsResolverOutboundEndpoints", {{{"id", kResolver + "/outboundEndpoints/out"}}}}}}};
}

json vnet(const std::string& id, const std::string& remote, json dns) {
  return {{"id", id},
          {"name", id.substr(id.rfind('/') + 1)},
          {"properties",
           {{"dhcpOptions", {{"dnsServers", dns}}},
            {"subnets", {{{"id", id + "/subnets/s"}, {"name", "s"}}}},
            {"virtualNetworkPeerings",
             {{{"name", "p"},
               {"properties",
                {{"remoteVirtualNetwork", {{"id", remote}}},
                 {"peeringState", "Connected"},
                 {"allowForwardedTraffic", true}}}}}}}}};
}

// The estate every test reads; Resource Graph is routed by each test.
void hub_spoke_world() {
  fake_arm::reset();
  fake_arm::answer("GET", kSite, 200,
                   {{"id", kSite},
                    {"name", "app"},
                    {"identity", {{"type", "SystemAssigned"}}},
                    {"properties",
                     {{"virtualNetworkSubnetId", kSpoke + "/subnets/s"},
                      {"keyVaultReferenceIdentity", "SystemAssigned"}}}});
  fake_arm::answer("GET", kSite + "/config/web", 200, {{"id", kSite + "/config/web"}});
  fake_arm::answer(
      "GET", kSite + "/config/configreferences/appsettings", 200,
      list_of({{{"id", kSite + "/config/configreferences/appsettings/DB"},
                {"name", "app/config/configreferences/appsettings/DB"},
                {"properties", {{"status", "AccessToKeyVaultDenied"}, {"vaultName", "kv1"}}}}}));
  fake_arm::answer("POST", kSite + "/config/appsettings/list", 200,
                   {{"properties", json::object()}});
  fake_arm::answer("GET", kSpoke + "/subnets/s", 200, {{"id", kSpoke + "/subnets/s"}});
  fake_arm::answer("GET", kSpoke, 200, vnet(kSpoke, kHubVnet, {"10.1.2.4"}));
  fake_arm::answer("GET", kHubVnet, 200, vnet(kHubVnet, kSpoke, json::array()));
  fake_arm::answer("GET", kVault, 200,
                   {{"id", kVault},
                    {"name", "kv1"},
                    {"properties",
                     {{"privateEndpointConnections",
                       {{{"properties", {{"privateEndpoint", {{"id", kPe}}}}}}}}}}});
  const json pe = {{"id", kPe},
                   {"properties",
                    {{"subnet", {{"id", kSpoke + "/subnets/s"}}},
                     {"networkInterfaces", {{{"id", kNic}}}},
                     {"privateLinkServiceConnections",
                      {{{"properties",
                         {{"privateLinkServiceId", kVault},
                          {"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}}}}}}};
  fake_arm::answer("GET", kPe, 200, pe);
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Network/privateEndpoints", 200,
                   list_of({pe}));
  fake_arm::answer(
      "GET", kNic, 200,
      {{"id", kNic},
       {"properties",
        {{"ipConfigurations", {{{"properties", {{"privateIPAddress", "10.0.2.4"}}}}}}}}});
  fake_arm::answer(
      "GET", kPe + "/privateDnsZoneGroups", 200,
      list_of(
          {{{"id", kPe + "/privateDnsZoneGroups/default"},
            {"properties",
             {{"privateDnsZoneConfigs", {{{"properties", {{"privateDnsZoneId", kHubZone}}}}}}}}}}));
  fake_arm::answer("GET", kHubZone + "/virtualNetworkLinks", 200,
                   list_of({link(kHubZone, kHubVnet)}));
  fake_arm::answer("GET", kSpokeZone + "/virtualNetworkLinks", 200,
                   list_of({link(kSpokeZone, kSpoke)}));
  fake_arm::answer("GET", kHubZone + "/A", 200,
                   list_of({{{"name", "kv1"},
                             {"properties", {{"aRecords", {{{"ipv4Address", "10.0.2.4"}}}}}}}}));
  fake_arm::answer("GET", kSpokeZone + "/A", 200, list_of({}));
  fake_arm::answer("GET", kResolver + "/inboundEndpoints", 200,
                   list_of({{{"id", kResolver + "/inboundEndpoints/in"},
                             {"properties",
                              {{"ipConfigurations",
                                {{{"privateIpAddress", "10.1.2.4"},
                                  {"subnet", {{"id", kHubVnet + "/subnets/dns-inbound"}}}}}}}}}}));
  fake_arm::answer("GET", kRuleset + "/virtualNetworkLinks", 200,
                   list_of({{{"id", kRuleset + "/virtualNetworkLinks/hub"},
                             {"properties", {{"virtualNetwork", {{"id", kHubVnet}}}}}}}));
  fake_arm::answer(
      "GET", kRuleset + "/forwardingRules", 200,
      list_of({{{"id", kRuleset + "/forwardingRules/kv"},
                {"properties",
                 {{"domainName", "vault.azure.net."},
                  {"forwardingRuleState", "Enabled"},
                  {"targetDnsServers", {{{"ipAddress", "10.9.9.9"}, {"port", 53}}}}}}}}));
}

json vault_row() {
  return {{"id", kVault},
          {"name", "kv1"},
          {"type", "microsoft.keyvault/vaults"},
          {"properties", json::object()}};
}

arm::TopologyRequest request() {
  arm::TopologyRequest r;
  r.subscription = kApp;
  r.resource_group = "spoke";
  r.app = "app";
  r.vault_names = {"kv1"};
  r.zone_names = {kZoneName};
  return r;
}

using fake_arm::Client;

int count_sent(const std::string& method, const std::string& path) {
  int n = 0;
  for (const auto& r : fake_arm::sent())
    if (r.method == method && fake_arm::path_of(r.url) == lower(path)) ++n;
  return n;
}

void expect_estate(const arm::Topology& t) {
  const arm::ArmState s = arm::parse_state(t);
  // The hub zone serves (linked to the VNet of the resolver the spoke's DNS server is); the
  // spoke's own zone of that name is a duplicate, with its links kept.
  ASSERT_EQ(t.zones.size(), 1u);
  EXPECT_TRUE(arm::same_resource(arm::json_str(t.zones[0], {"id"}), kHubZone));
  ASSERT_EQ(t.duplicate_zones.size(), 1u);
  EXPECT_EQ(t.duplicate_links.at(lower(kSpokeZone)).size(), 1u);
  EXPECT_EQ(t.a_records.at(kZoneName).size(), 1u);
  ASSERT_EQ(s.resolution_vnet_ids().size(), 1u);
  EXPECT_TRUE(arm::same_resource(s.resolution_vnet_ids()[0], kHubVnet));
  EXPECT_EQ(s.inbound_endpoint_at("10.1.2.4").first->name.value_or(""), "hub-resolver");
  EXPECT_EQ(s.rulesets_linked_to(kHubVnet).size(), 1u);
  EXPECT_EQ(s.forwarding_rules.at(lower(kRuleset)).at(0).target_ips.at(0), "10.9.9.9");
  ASSERT_NE(s.peering_between(kHubVnet, kSpoke), nullptr);
  EXPECT_EQ(s.endpoint_address(*s.endpoints_for(kVault).at(0)), "10.0.2.4");
  ASSERT_EQ(s.kv_references.size(), 1u);
  EXPECT_EQ(s.kv_references[0].name.value_or(""), "DB");
  EXPECT_EQ(s.site->key_vault_reference_identity.value_or(""), "SystemAssigned");
  EXPECT_TRUE(t.subscriptions.count(lower(kHub)));
  EXPECT_TRUE(t.subscriptions.count(lower(kApp)));
  EXPECT_LE(fake_arm::most_in_flight(), 8);
}

TEST(ArmReader, ResourceGraphPagesWithSkipTokenAndFollowsReferencesAcrossSubscriptions) {
  hub_spoke_world();
  std::vector<json> bodies;
  fake_arm::route("POST", kGraph, [&bodies](const arm::HttpRequest& r) {
    const json body = json::parse(r.body);
    bodies.push_back(body);
    if (!body["options"].contains("$skipToken"))
      return fake_arm::json_response(200,
                                     {{"totalRecords", 5},
                                      {"count", 3},
                                      {"resultTruncated", "false"},
                                      {"data", {vault_row(), zone(kHubZone), zone(kSpokeZone)}},
                                      {"$skipToken", "page2"}});
    return fake_arm::json_response(200, {{"totalRecords", 5},
                                         {"count", 2},
                                         {"resultTruncated", "false"},
                                         {"data", {resolver(), ruleset()}}});
  });
  Client c;
  const arm::Topology t = arm::read_topology(c.client, request());
  EXPECT_EQ(t.read_mode, "resource-graph") << t.read_mode_reason;
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[1]["options"]["$skipToken"], "page2");
  EXPECT_NE(bodies[0]["query"].get<std::string>().find("name in~ ('kv1')"), std::string::npos);
  EXPECT_EQ(
      count_sent("GET", "/subscriptions/" + kHub + "/providers/Microsoft.Network/privateDnsZones"),
      0);
  expect_estate(t);
  EXPECT_TRUE(t.errors.empty()) << t.errors.front();
}

TEST(ArmReader, RefusedResourceGraphFallsBackToListsInEverySubscriptionNamed) {
  hub_spoke_world();
  fake_arm::answer("POST", kGraph, 403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message",
                       "The client does not have authorization to perform action "
                       "'Microsoft.ResourceGraph/resources/read' over scope '/'"}}}});
  const std::string app_subs = "/subscriptions/" + kApp + "/providers/";
  const std::string hub_subs = "/subscriptions/" + kHub + "/providers/";
  fake_arm::answer("GET", app_subs + "Microsoft.KeyVault/vaults", 200,
                   list_of({{{"id", kVault}, {"name", "kv1"}}}));
  fake_arm::answer("GET", app_subs + "Microsoft.Network/privateDnsZones", 200,
                   list_of({zone(kSpokeZone)}));
  // The hub's zones come in two pages.
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/privateDnsZones", 200,
                   {{"value", json::array()},
                    {"nextLink", "https://management.azure.com/subscriptions/" + kHub +
                                     "/zones-page-2?api-version=2024-06-01"}});
  fake_arm::answer("GET", "/subscriptions/" + kHub + "/zones-page-2", 200,
                   list_of({zone(kHubZone)}));
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/dnsResolvers", 200, list_of({resolver()}));
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/dnsForwardingRulesets", 200,
                   list_of({ruleset()}));
  for (const char* empty :
       {"Microsoft.Network/dnsResolvers", "Microsoft.Network/dnsForwardingRulesets"})
    fake_arm::answer("GET", app_subs + empty, 200, list_of({}));
  fake_arm::answer("GET", hub_subs + "Microsoft.KeyVault/vaults", 200, list_of({}));

  Client c;
  arm::TopologyRequest req = request();
  const arm::Topology t = arm::read_topology(c.client, req);
  EXPECT_EQ(t.read_mode, "direct");
  EXPECT_NE(t.read_mode_reason.find("403"), std::string::npos) << t.read_mode_reason;
  EXPECT_NE(t.read_mode_reason.find("Microsoft.ResourceGraph/resources/read"), std::string::npos)
      << t.read_mode_reason;
  expect_estate(t);
  EXPECT_EQ(count_sent("GET", hub_subs + "Microsoft.Network/privateDnsZones"), 1);
  EXPECT_TRUE(t.was_read("private DNS zones"));
}

TEST(ArmReader, AListForbiddenInTheHubMarksItsKindUnreadWithTheAction) {
  hub_spoke_world();
  const std::string hub_subs = "/subscriptions/" + kHub + "/providers/";
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/privateDnsZones", 403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message",
                       "The client does not have authorization to perform action "
                       "'Microsoft.Network/privateDnsZones/read' over scope "
                       "'/subscriptions/" +
                           kHub + "'"}}}});
  const std::string app_subs = "/subscriptions/" + kApp + "/providers/";
  fake_arm::answer("GET", app_subs + "Microsoft.KeyVault/vaults", 200,
                   list_of({{{"id", kVault}, {"name", "kv1"}}}));
  for (const char* empty : {"Microsoft.Network/privateDnsZones", "Microsoft.Network/dnsResolvers",
                            "Microsoft.Network/dnsForwardingRulesets"}) {
    fake_arm::answer("GET", app_subs + empty, 200, list_of({}));
    fake_arm::answer("GET", hub_subs + empty, 200, list_of({}));
  }
  fake_arm::answer("GET", hub_subs + "Microsoft.KeyVault/vaults", 200, list_of({}));
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/privateDnsZones", 403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message",
                       "The client does not have authorization to perform action "
                       "'Microsoft.Network/privateDnsZones/read' over scope "
                       "'/subscriptions/" +
                           kHub + "'"}}}});
  fake_arm::answer("GET", kHubZone, 403,
                   {{"error",
                     {{"code", "AuthorizationFailed"},
                      {"message",
                       "The client does not have authorization to perform action "
                       "'Microsoft.Network/privateDnsZones/read' over scope "
                       "'" +
                           kHubZone + "'"}}}});
  Client c;
  arm::TopologyRequest req = request();
  req.no_resource_graph = true;
  const arm::Topology t = arm::read_topology(c.client, req);
  EXPECT_EQ(t.read_mode, "direct");
  EXPECT_EQ(count_sent("POST", kGraph), 0);
  EXPECT_FALSE(t.was_read("private DNS zones"));
  bool named = false;
  for (const auto& e : t.errors)
    named = named || e.find("Microsoft.Network/privateDnsZones/read") != std::string::npos;
  EXPECT_TRUE(named) << join(t.errors, "\n");
}

TEST(ArmReader, ResourceGraphQuotaSpentWaitsResetsAfterOnceThenGivesUp) {
  fake_arm::reset();
  int calls = 0;
  fake_arm::route("POST", kGraph, [&calls](const arm::HttpRequest&) {
    ++calls;
    return fake_arm::json_response(
        200, {{"data", {vault_row()}}, {"$skipToken", "t" + std::to_string(calls)}},
        {{"x-ms-user-quota-remaining", "0"}, {"x-ms-user-quota-resets-after", "00:00:04"}});
  });
  Client c;
  std::vector<double> waits;
  const auto a =
      arm::query_resource_graph(c.client, "resources", [&](double s) { waits.push_back(s); });
  EXPECT_FALSE(a.used);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_DOUBLE_EQ(waits[0], 4);
  EXPECT_EQ(calls, 2);
  EXPECT_NE(a.reason.find("quota"), std::string::npos) << a.reason;
}

TEST(ArmReader, ResourceGraph429WaitsOnceClampedAndRetries) {
  fake_arm::reset();
  int calls = 0;
  fake_arm::route("POST", kGraph, [&calls](const arm::HttpRequest&) {
    if (++calls == 1)
      return fake_arm::json_response(
          429, {{"error", {{"code", "RateLimiting"}, {"message", "slow down"}}}},
          {{"x-ms-user-quota-remaining", "0"}, {"x-ms-user-quota-resets-after", "05:00:00"}});
    return fake_arm::json_response(200, {{"data", {vault_row()}}});
  });
  Client c;
  std::vector<double> waits;
  const auto a =
      arm::query_resource_graph(c.client, "resources", [&](double s) { waits.push_back(s); });
  EXPECT_TRUE(a.used) << a.reason;
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_DOUBLE_EQ(waits[0], arm::kMaxWaitS);  // five hours asked, one minute at most waited
  EXPECT_EQ(a.rows.size(), 1u);
}

TEST(ArmReader, ResourceGraphRepeatedSkipTokenAndBadPagesAreRefused) {
  fake_arm::reset();
  fake_arm::answer("POST", kGraph, 200, {{"data", {vault_row()}}, {"$skipToken", "same"}});
  Client c;
  const auto noop = [](double) {};
  auto loop = arm::query_resource_graph(c.client, "resources", noop);
  EXPECT_FALSE(loop.used);
  EXPECT_NE(loop.reason.find("paging loop"), std::string::npos);
  fake_arm::answer("POST", kGraph, 400,
                   {{"error",
                     {{"code", "BadRequest"},
                      {"message", "bad query"},
                      {"details", {{{"code", "InvalidQuery"}}}}}}});
  auto bad = arm::query_resource_graph(c.client, "resources", noop);
  EXPECT_FALSE(bad.used);
  EXPECT_NE(bad.reason.find("400"), std::string::npos);
  fake_arm::answer("POST", kGraph, 200, {{"data", {{{"id", 5}}}}});
  auto rows = arm::query_resource_graph(c.client, "resources", noop);
  EXPECT_FALSE(rows.used);
  EXPECT_NE(rows.reason.find("row"), std::string::npos);
}

TEST(ArmClient, AnEndpointThatNeverAnswersIsNotAskedAgainInTheSameRun) {
  fake_arm::reset();
  fake_arm::route("GET", "/stalled", [](const arm::HttpRequest&) {
    arm::HttpResponse r;
    r.error = "Timeout was reached";
    return r;
  });
  fake_arm::answer("GET", "/fine", 200, {{"id", "/fine"}});
  fake_arm::answer("GET", "/missing", 404, {{"error", {{"code", "NotFound"}}}});
  Client c;
  // An HTTP answer, even an error, says the endpoint is there.
  EXPECT_EQ(c.client.send("GET", "/missing").status, 404);
  EXPECT_TRUE(c.client.send("GET", "/fine").ok());
  const auto stalled = c.client.send("GET", "/stalled");
  ASSERT_TRUE(stalled.error);
  EXPECT_EQ(stalled.error->code, "ConnectionFailed");
  const std::size_t asked = fake_arm::sent().size();
  const auto later = c.client.send("GET", "/fine");
  ASSERT_TRUE(later.error);
  EXPECT_EQ(later.error->code, "EndpointNotAnswering");
  EXPECT_NE(later.error->message.find("not asked again"), std::string::npos);
  const auto many = c.client.get_all({"/fine", "/missing"});
  for (const auto& r : many) EXPECT_EQ(r.error ? r.error->code : "none", "EndpointNotAnswering");
  EXPECT_EQ(fake_arm::sent().size(), asked);
  EXPECT_EQ(c.client.journal().back().outcome, "EndpointNotAnswering");
}

// Subscription lists answered by the hub; the app's subscription is set by each test.
void hub_lists() {
  const std::string hub_subs = "/subscriptions/" + kHub + "/providers/";
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/privateDnsZones", 200,
                   list_of({zone(kHubZone)}));
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/dnsResolvers", 200, list_of({resolver()}));
  fake_arm::answer("GET", hub_subs + "Microsoft.Network/dnsForwardingRulesets", 200,
                   list_of({ruleset()}));
  fake_arm::answer("GET", hub_subs + "Microsoft.KeyVault/vaults", 200, list_of({}));
}

TEST(ArmReader, SubscriptionListsRefusedAreReadPerResourceGroup) {
  // An identity with a role on its resource group only: every list of the app's subscription is
  // refused, so the reader lists that group instead, and nothing is missed or marked unread.
  hub_spoke_world();
  hub_lists();
  const std::string app_subs = "/subscriptions/" + kApp + "/providers/";
  const json refused = {
      {"error",
       {{"code", "AuthorizationFailed"},
        {"message", "no authorization over scope '/subscriptions/" + kApp + "'"}}}};
  for (const char* provider :
       {"Microsoft.KeyVault/vaults", "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/dnsResolvers", "Microsoft.Network/dnsForwardingRulesets"}) {
    fake_arm::answer("GET", app_subs + provider, 403, refused);
    fake_arm::answer("GET", kRg + "/providers/" + provider, 200, list_of({}));
  }
  fake_arm::answer("GET", kRg + "/providers/Microsoft.KeyVault/vaults", 200,
                   list_of({{{"id", kVault}, {"name", "kv1"}}}));
  fake_arm::answer("GET", kRg + "/providers/Microsoft.Network/privateDnsZones", 200,
                   list_of({zone(kSpokeZone)}));
  Client c;
  arm::TopologyRequest req = request();
  req.no_resource_graph = true;
  const arm::Topology t = arm::read_topology(c.client, req);
  EXPECT_EQ(count_sent("GET", kRg + "/providers/Microsoft.KeyVault/vaults"), 1);
  EXPECT_EQ(count_sent("GET", kRg + "/providers/Microsoft.Network/privateDnsZones"), 1);
  expect_estate(t);
  EXPECT_TRUE(t.was_read("private DNS zones")) << join(t.errors, "\n");
  EXPECT_TRUE(t.was_read("vaults")) << join(t.errors, "\n");
}

TEST(ArmReader, EndpointsBeyondTheCapAreNamedUnreadNotIgnored) {
  // A vault shared by a whole estate: 70 endpoint connections. 64 are read; the rest are a gap
  // that says so, so nothing is judged as if the list were whole.
  hub_spoke_world();
  hub_lists();
  const std::string app_subs = "/subscriptions/" + kApp + "/providers/";
  fake_arm::answer("GET", app_subs + "Microsoft.KeyVault/vaults", 200,
                   list_of({{{"id", kVault}, {"name", "kv1"}}}));
  for (const char* empty : {"Microsoft.Network/privateDnsZones", "Microsoft.Network/dnsResolvers",
                            "Microsoft.Network/dnsForwardingRulesets"})
    fake_arm::answer("GET", app_subs + empty, 200, list_of({}));
  json connections = json::array();
  for (int i = 0; i < 70; ++i) {
    const std::string id =
        kRg + "/providers/Microsoft.Network/privateEndpoints/pe" + std::to_string(i);
    connections.push_back({{"properties", {{"privateEndpoint", {{"id", id}}}}}});
    fake_arm::answer("GET", id, 200, {{"id", id}, {"properties", json::object()}});
  }
  fake_arm::answer("GET", kVault, 200,
                   {{"id", kVault},
                    {"name", "kv1"},
                    {"properties", {{"privateEndpointConnections", connections}}}});
  Client c;
  arm::TopologyRequest req = request();
  req.no_resource_graph = true;
  const arm::Topology t = arm::read_topology(c.client, req);
  int endpoint_reads = 0;
  for (const auto& r : fake_arm::sent())
    if (const std::string path = fake_arm::path_of(r.url);
        path.find("/privateendpoints/pe") != std::string::npos &&
        path.find("/privatednszonegroups") == std::string::npos)
      ++endpoint_reads;
  EXPECT_EQ(endpoint_reads, 64);
  EXPECT_FALSE(t.was_read("private endpoints"));
  EXPECT_NE(join(t.errors, "\n").find("more than 64 endpoints"), std::string::npos)
      << join(t.errors, "\n");
  EXPECT_LE(fake_arm::most_in_flight(), 8);
}

}  // namespace
}  // namespace vnetdiag
