// Issue 15's pure parts: the Resource Graph query and answer parsers, the serving-zone choice,
// parse_state of the new resources (hostile bodies included), the lookups, the cache round trip.
#include <gtest/gtest.h>

#include "arm_state.hpp"
#include "resource_graph.hpp"
#include "text_util.hpp"
#include "topology.hpp"
#include "topology_zones.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

TEST(ResourceGraph, QueryHasTheContractShapeAndDropsNamesThatCannotBeResourceNames) {
  arm::GraphSearch s{{"KV1", "kv1", "x') or true or ('"},
                     {"cs1"},
                     {"privatelink.vaultcore.azure.net"},
                     true,
                     false};
  const std::string q = arm::graph_query_text(s);
  EXPECT_EQ(q,
            "resources | where (type =~ 'microsoft.keyvault/vaults' and name in~ ('kv1')) or "
            "(type =~ 'microsoft.cognitiveservices/accounts' and (name in~ ('cs1') or "
            "tostring(properties.customSubDomainName) in~ ('cs1'))) or (type =~ "
            "'microsoft.network/privatednszones' and name in~ ('privatelink.vaultcore.azure.net')) "
            "or type =~ 'microsoft.network/dnsresolvers' | project id, name, type, location, "
            "subscriptionId, resourceGroup, tags, properties | order by id asc");
  EXPECT_EQ(arm::graph_query_text({{}, {}, {}, false, false}), "");
}

TEST(ResourceGraph, PageParserTakesRowsAndTokenAndRefusesWhatCannotBeTrusted) {
  std::string defect;
  auto page = arm::parse_graph_page(
      {{"data", {{{"id", "/a"}, {"type", "t"}}}}, {"$skipToken", "next"}}, &defect);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->skip_token, "next");
  for (const json& bad :
       {json(nullptr), json::array(), json{{"data", "x"}},
        json{{"data", json::array()}, {"resultTruncated", "true"}},
        json{{"data", json::array()}, {"resultTruncated", true}}, json{{"data", {1}}},
        json{{"data", {{{"id", "/a"}}}}}, json{{"data", json::array()}, {"$skipToken", 7}}}) {
    defect.clear();
    EXPECT_FALSE(arm::parse_graph_page(bad, &defect)) << bad.dump();
    EXPECT_FALSE(defect.empty());
  }
}

TEST(ResourceGraph, QuotaResetsAfterIsHoursMinutesSeconds) {
  EXPECT_EQ(arm::parse_quota_resets_after("00:00:05"), 5);
  EXPECT_EQ(arm::parse_quota_resets_after(" 01:02:03.5 "), 3723);
  for (const char* bad : {"", "5", "00:05", "a:b:c", "00:00:-1", "::", "9999999:00:00"})
    EXPECT_FALSE(arm::parse_quota_resets_after(bad)) << bad;
}

std::string lower_id(const std::string& id) { return lower(id); }

json zone(const std::string& id) { return {{"id", id}, {"name", id.substr(id.rfind('/') + 1)}}; }

json link_to(const std::string& vnet) {
  return {{"properties", {{"virtualNetwork", {{"id", vnet}}}}}};
}

TEST(ServingZone, LinkedToAResolutionVnetThenNamedByAZoneGroupThenLowestId) {
  const std::string a =
      "/subscriptions/a/resourceGroups/r/providers/Microsoft.Network/"
      "privateDnsZones/privatelink.vaultcore.azure.net";
  const std::string b =
      "/subscriptions/b/resourceGroups/r/providers/Microsoft.Network/"
      "privateDnsZones/privatelink.vaultcore.azure.net";
  const std::string c =
      "/subscriptions/c/resourceGroups/r/providers/Microsoft.Network/"
      "privateDnsZones/privatelink.vaultcore.azure.net";
  const std::string hub =
      "/subscriptions/b/resourceGroups/r/providers/Microsoft.Network/"
      "virtualNetworks/hub";
  const auto candidates = [&] {
    arm::topology_detail::ZoneCandidates z;
    z.zones = {zone(c), zone(b), zone(a)};
    z.links[lower_id(b)] = {link_to(hub)};
    z.a_records[lower_id(c)] = {{{"name", "kv1"}}};
    return z;
  };
  {
    arm::Topology t;
    arm::topology_detail::place_zones(t, candidates(), {hub}, {});
    ASSERT_EQ(t.zones.size(), 1u);
    EXPECT_EQ(arm::json_str(t.zones[0], {"id"}), b);
    EXPECT_EQ(t.duplicate_zones.size(), 2u);
    EXPECT_EQ(t.duplicate_a_records.at(lower_id(c)).size(), 1u);
    EXPECT_EQ(t.links.at("privatelink.vaultcore.azure.net").size(), 1u);
  }
  {
    arm::Topology t;
    arm::topology_detail::place_zones(t, candidates(), {}, {lower_id(c)});
    EXPECT_EQ(arm::json_str(t.zones[0], {"id"}), c);
    EXPECT_EQ(t.a_records.at("privatelink.vaultcore.azure.net").size(), 1u);
  }
  {
    arm::Topology t;
    t.unread.insert("links:" + lower_id(c));
    arm::topology_detail::place_zones(t, candidates(), {}, {});
    EXPECT_EQ(arm::json_str(t.zones[0], {"id"}), a);
    // A zone whose links were not had might have been the serving one.
    EXPECT_FALSE(t.was_read("links:privatelink.vaultcore.azure.net"));
  }
}

const std::string kHub =
    "/subscriptions/h/resourceGroups/c/providers/Microsoft.Network/virtualNetworks/hub";
const std::string kSpoke =
    "/subscriptions/s/resourceGroups/c/providers/Microsoft.Network/virtualNetworks/spoke";
const std::string kResolver =
    "/subscriptions/h/resourceGroups/c/providers/Microsoft.Network/dnsResolvers/r";
const std::string kRuleset =
    "/subscriptions/h/resourceGroups/c/providers/Microsoft.Network/dnsForwardingRulesets/rs";

arm::Topology estate() {
  arm::Topology t;
  t.site = {{"id", "/subscriptions/s/resourceGroups/c/providers/Microsoft.Web/sites/app"},
            {"identity",
             {{"type", "SystemAssigned, UserAssigned"},
              {"userAssignedIdentities", {{"/subscriptions/s/id1", json::object()}}}}},
            {"properties",
             {{"virtualNetworkSubnetId", kSpoke + "/subnets/int"},
              {"keyVaultReferenceIdentity", "/subscriptions/s/id1"},
              {"outboundVnetRouting",
               {{"allTraffic", false},
                {"imagePullTraffic", true},
                {"contentShareTraffic", "true"},
                {"backupRestoreTraffic", false}}}}}};
  t.vnet = {{"id", kSpoke},
            {"properties",
             {{"dhcpOptions", {{"dnsServers", {"10.1.2.4"}}}},
              {"virtualNetworkPeerings",
               {{{"properties",
                  {{"remoteVirtualNetwork", {{"id", kHub}}}, {"peeringState", "Connected"}}}}}}}}};
  t.vnets = {t.vnet};
  t.resolvers = {{{"id", kResolver}, {"properties", {{"virtualNetwork", {{"id", kHub}}}}}}};
  t.inbound_endpoints[lower(kResolver)] = {
      {{"id", kResolver + "/inboundEndpoints/in"},
       {"properties",
        {{"ipConfigurations",
          {{{"privateIpAddress", "10.1.2.4"}, {"subnet", {{"id", kHub + "/subnets/in"}}}}}}}}}};
  t.rulesets = {{{"id", kRuleset},
                 {"properties", {{"dnsResolverOutboundEndpoints", {{{"id", kResolver + "/o"}}}}}}}};
  t.ruleset_links[lower(kRuleset)] = {
      {{"id", kRuleset + "/virtualNetworkLinks/l"},
       {"properties", {{"virtualNetwork", {{"id", lower(kHub)}}}}}}};
  t.forwarding_rules[lower(kRuleset)] = {
      {{"id", kRuleset + "/forwardingRules/kv"},
       {"properties",
        {{"domainName", "vault.azure.net."},
         {"forwardingRuleState", "Disabled"},
         {"targetDnsServers", {{{"ipAddress", "10.9.9.9"}, {"port", 53}}}}}}}};
  t.kv_references = {{{"id", "x"},
                      {"name", "app/config/configreferences/appsettings/DB_PASSWORD"},
                      {"properties",
                       {{"reference", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"},
                        {"status", "MSINotEnabled"},
                        {"vaultName", "kv1"},
                        {"secretName", "db"},
                        {"identityType", "UserAssigned"},
                        {"details", "no identity"},
                        {"source", "KeyVault"}}}}};
  t.duplicate_zones = {{{"id", "/subscriptions/s/z/privatelink.vaultcore.azure.net"},
                        {"name", "privatelink.vaultcore.azure.net"}}};
  t.duplicate_links["/subscriptions/s/z/privatelink.vaultcore.azure.net"] = {
      {{"properties", {{"virtualNetwork", {{"id", kSpoke}}}}}}};
  t.duplicate_a_records["/subscriptions/s/z/privatelink.vaultcore.azure.net"] = {
      {{"name", "kv1"}, {"properties", {{"aRecords", {{{"ipv4Address", "10.0.9.9"}}}}}}}};
  t.read_mode = "direct";
  t.read_mode_reason = "Resource Graph answered HTTP 403";
  t.subscriptions = {"s", "h"};
  return t;
}

void expect_estate(const arm::ArmState& s) {
  ASSERT_TRUE(s.site);
  EXPECT_EQ(s.site->identity_type.value_or(""), "SystemAssigned, UserAssigned");
  EXPECT_EQ(s.site->user_assigned_identities, std::vector<std::string>{"/subscriptions/s/id1"});
  EXPECT_EQ(s.site->key_vault_reference_identity.value_or(""), "/subscriptions/s/id1");
  ASSERT_TRUE(s.site->outbound_routing);
  EXPECT_EQ(s.site->outbound_routing->all_traffic, false);
  EXPECT_EQ(s.site->outbound_routing->image_pull_traffic, true);
  EXPECT_EQ(s.site->outbound_routing->content_share_traffic, true);
  EXPECT_EQ(s.site->outbound_routing->backup_restore_traffic, false);
  auto [resolver, endpoint] = s.inbound_endpoint_at("10.1.2.4");
  ASSERT_TRUE(resolver && endpoint);
  EXPECT_EQ(endpoint->subnet_ids.at(0), kHub + "/subnets/in");
  EXPECT_EQ(s.inbound_endpoint_at("10.1.2.5").first, nullptr);
  EXPECT_EQ(s.rulesets_linked_to(kHub).size(), 1u);  // ids compared case-insensitively
  EXPECT_TRUE(s.rulesets_linked_to(kSpoke).empty());
  EXPECT_EQ(s.rulesets.at(0).outbound_endpoint_ids.at(0), kResolver + "/o");
  const auto& rule = s.forwarding_rules.at(lower(kRuleset)).at(0);
  EXPECT_EQ(rule.domain_name.value_or(""), "vault.azure.net.");
  EXPECT_EQ(rule.state.value_or(""), "Disabled");
  EXPECT_EQ(s.resolution_vnet_ids(), std::vector<std::string>{kHub});
  ASSERT_NE(s.peering_between(kSpoke, kHub), nullptr);
  EXPECT_EQ(s.peering_between(kHub, kSpoke), nullptr);  // the hub's side was not read
  ASSERT_EQ(s.kv_references.size(), 1u);
  EXPECT_EQ(s.kv_references[0].name.value_or(""), "DB_PASSWORD");
  EXPECT_EQ(s.kv_references[0].status.value_or(""), "MSINotEnabled");
  EXPECT_EQ(s.kv_references[0].identity_type.value_or(""), "UserAssigned");
  EXPECT_EQ(s.duplicate_zones.size(), 1u);
  EXPECT_EQ(s.duplicate_a_records.begin()->second.at(0).addresses(),
            std::vector<std::string>{"10.0.9.9"});
  EXPECT_EQ(s.duplicate_links.begin()->second.at(0).virtual_network_id.value_or(""), kSpoke);
  EXPECT_EQ(s.read_mode, "direct");
  EXPECT_EQ(s.subscriptions.size(), 2u);
  EXPECT_TRUE(s.all_problems().empty()) << s.all_problems().front();
}

TEST(EstateState, ParsesEveryNewResourceAndAnswersTheLookups) {
  expect_estate(arm::parse_state(estate()));
}

TEST(EstateState, SurvivesTheServeCacheRoundTrip) {
  const arm::Topology again =
      arm::topology_from_json(json::parse(arm::topology_cache_text(estate())));
  expect_estate(arm::parse_state(again));
  EXPECT_EQ(again.read_mode_reason, "Resource Graph answered HTTP 403");
}

TEST(EstateState, HostileBodiesBecomeProblemsNeverThrows) {
  arm::Topology t;
  t.site = {{"identity", {{"type", 5}, {"userAssignedIdentities", {1, 2}}}},
            {"properties", {{"keyVaultReferenceIdentity", json::array()}}}};
  t.resolvers = {json("not an object"), {{"properties", {{"virtualNetwork", 3}}}}};
  t.inbound_endpoints["r"] = {
      {{"properties", {{"ipConfigurations", {1, {{"privateIpAddress", {}}}}}}}}};
  t.rulesets = {{{"properties", {{"dnsResolverOutboundEndpoints", "x"}}}}};
  t.ruleset_links["r"] = {json::array()};
  t.forwarding_rules["r"] = {{{"properties", {{"targetDnsServers", {{{"ipAddress", 10}}}}}}}};
  t.kv_references = {{{"name", 7}, {"properties", {{"status", json::object()}}}}};
  t.duplicate_zones = {json(1)};
  t.duplicate_links["z"] = {json(nullptr)};
  t.duplicate_a_records["z"] = {{{"properties", {{"aRecords", "x"}}}}};
  arm::ArmState s;
  ASSERT_NO_THROW(s = arm::parse_state(t));
  EXPECT_EQ(s.resolvers.size(), 2u);
  EXPECT_FALSE(s.site->key_vault_reference_identity);
  EXPECT_TRUE(s.site->user_assigned_identities.empty());
  EXPECT_EQ(s.forwarding_rules.at("r").at(0).target_ips, std::vector<std::string>{"10"});
  EXPECT_FALSE(s.kv_references.at(0).status);
  EXPECT_GE(s.all_problems().size(), 8u);
  EXPECT_EQ(s.inbound_endpoint_at("").first, nullptr);
  EXPECT_TRUE(s.resolution_vnet_ids().empty());
}

}  // namespace
}  // namespace vnetdiag
