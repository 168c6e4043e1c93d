// The typed ARM state (issue 13): parsed once from a Topology, absent kept apart from empty,
// wrong types noted instead of thrown, lookups with Topology's semantics.
#include "arm_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "topology_fixture.hpp"

using namespace vnetdiag;
using namespace vnetdiag::arm;
using namespace vnetdiag::testdata;
using nlohmann::json;

namespace {

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

// Cut from the REST spec examples (../shared/azure-specs): GetWebApp, GetSiteConfig, getVault,
// GetAccount, PrivateEndpointGet, VirtualNetworkGetWithSubnetDelegation, VirtualNetworkLinkGet,
// RecordSetAGet, PrivateEndpointDnsZoneGroupGet.
Topology spec_examples() {
  Topology t;
  t.site = json::parse(
      R"({"id":"/subscriptions/34adfa4f/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141",
    "name":"sitef6141","type":"Microsoft.Web/sites","kind":"app","location":"East US",
    "properties":{"state":"Running","serverFarmId":"/subscriptions/34adfa4f/resourceGroups/testrg123/providers/Microsoft.Web/serverfarms/DefaultAsp",
    "vnetRouteAllEnabled":false,"vnetImagePullEnabled":false,"vnetContentShareEnabled":false,
    "siteConfig":{"vnetName":"","vnetRouteAllEnabled":false}}})");
  t.site_config = json::parse(
      R"({"id":"/subscriptions/34adfa4f/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141/config/web",
    "name":"web","properties":{"vnetName":"","vnetRouteAllEnabled":false,"vnetPrivatePortsCount":0}})");
  t.vaults = {json::parse(
      R"({"id":"/subscriptions/0000/resourceGroups/sample-resource-group/providers/Microsoft.KeyVault/vaults/sample-vault",
    "name":"sample-vault","type":"Microsoft.KeyVault/vaults","location":"westus",
    "properties":{"sku":{"family":"A","name":"standard"},"vaultUri":"https://sample-vault.vault.azure.net",
    "provisioningState":"Succeeded","publicNetworkAccess":"Enabled"}})")};
  t.accounts = {json::parse(
      R"({"id":"/subscriptions/xxxx/resourceGroups/myResourceGroup/providers/Microsoft.CognitiveServices/accounts/myAccount",
    "name":"myAccount","sku":{"name":"F0"},"kind":"Emotion",
    "properties":{"endpoint":"https://westus.api.cognitive.microsoft.com/emotion/v1.0","provisioningState":"Succeeded"}})")};
  t.private_endpoints = {json::parse(
      R"({"name":"testPe","id":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateEndpoints/testPe",
    "location":"eastus","properties":{"provisioningState":"Succeeded",
    "privateLinkServiceConnections":[{"properties":{"privateLinkServiceId":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateLinkServices/testPls",
      "groupIds":["groupIdFromResource"],"privateLinkServiceConnectionState":{"status":"Approved","description":"Auto-approved"}}}],
    "manualPrivateLinkServiceConnections":[],
    "subnet":{"id":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/myVnet/subnets/mySubnet"},
    "networkInterfaces":[{"id":"/subscriptions/subId/resourceGroups/rg1/provders/Microsoft.Network/networkInterfaces/testPe.nic.abcd1234"}],
    "customDnsConfigs":[{"fqdn":"abc.cosmos.com","ipAddresses":["192.168.0.4"]},{"fqdn":"abc2.cosmos.com","ipAddresses":["192.168.0.5"]}]}})")};
  t.vnets = {json::parse(
      R"({"name":"test-vnet","id":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet",
    "location":"westus","properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":["10.0.0.0/16"]},
    "subnets":[{"name":"subnet1","id":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1",
      "properties":{"provisioningState":"Succeeded","addressPrefix":"10.0.1.0/24",
      "delegations":[{"name":"myDelegation","properties":{"serviceName":"Microsoft.Provider/resourceType","actions":[]}}],"purpose":""}}],
    "virtualNetworkPeerings":[]}})")};
  t.links["privatezone1.com"] = {json::parse(
      R"({"id":"/subscriptions/s/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com/virtualNetworkLinks/virtualNetworkLink1",
    "name":"virtualNetworkLink1","location":"global","properties":{"virtualNetwork":{"id":"/subscriptions/v/resourceGroups/vrg/providers/Microsoft.Network/virtualNetworks/virtualNetworkName"},
    "registrationEnabled":false,"virtualNetworkLinkState":"Completed","provisioningState":"Succeeded"}})")};
  t.a_records["privatezone1.com"] = {json::parse(
      R"({"id":"/subscriptions/s/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com/A/recorda",
    "name":"recorda","properties":{"metadata":{"key1":"value1"},"ttl":3600,"fqdn":"recorda.privatezone1.com.","isAutoRegistered":false,
    "aRecords":[{"ipv4Address":"1.2.3.4"}]}})")};
  t.zone_groups
      ["/subscriptions/subid/resourcegroups/rg1/providers/microsoft.network/privateendpoints/"
       "testpe"] = {
      json::parse(
          R"({"name":"testPdnsgroup","properties":{"provisioningState":"Succeeded","privateDnsZoneConfigs":[
    {"properties":{"privateDnsZoneId":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateDnsZones/zone1.com"}},
    {"properties":{"privateDnsZoneId":"/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateDnsZones/zone2.com"}}]}})")};
  return t;
}

}  // namespace

TEST(ArmState, SpecExamplesParseWithoutProblems) {
  const ArmState s = parse_state(spec_examples());
  EXPECT_EQ(s.all_problems(), std::vector<std::string>{});
  ASSERT_TRUE(s.site);
  EXPECT_EQ(s.site->name, "sitef6141");
  EXPECT_EQ(s.site->kind, "app");
  EXPECT_EQ(s.site->vnet_route_all_enabled, false);
  EXPECT_FALSE(s.site->https_only);  // GetWebApp has no httpsOnly: absent, not false
  EXPECT_FALSE(s.site->virtual_network_subnet_id);
  EXPECT_FALSE(s.site->outbound_routing);
  EXPECT_EQ(s.site->vnet_image_pull_enabled, false);
  EXPECT_TRUE(s.site->server_farm_id &&
              s.site->server_farm_id->find("DefaultAsp") != std::string::npos);
  ASSERT_TRUE(s.site_config);
  EXPECT_EQ(s.site_config->vnet_name, "");  // present and empty
  EXPECT_EQ(s.site_config->vnet_route_all_enabled, false);
  EXPECT_FALSE(s.app_settings);
  EXPECT_FALSE(s.plan);

  const Vault* v = s.vault("Sample-Vault");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->public_network_access, "Enabled");
  EXPECT_FALSE(v->network_acls);  // getVault has none: ARM's default is Allow
  EXPECT_EQ(v->vault_uri, "https://sample-vault.vault.azure.net");
  const Account* a = s.account("MYACCOUNT");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->public_network_access);
  EXPECT_FALSE(a->custom_sub_domain_name);
  EXPECT_EQ(a->endpoint, "https://westus.api.cognitive.microsoft.com/emotion/v1.0");

  ASSERT_EQ(s.private_endpoints.size(), 1u);
  const PrivateEndpoint& pe = s.private_endpoints[0];
  ASSERT_EQ(pe.connections.size(), 1u);
  EXPECT_EQ(pe.connections[0].group_ids, std::vector<std::string>{"groupIdFromResource"});
  EXPECT_EQ(pe.connections[0].description, "Auto-approved");
  EXPECT_TRUE(pe.manual_connections.empty());
  EXPECT_EQ(pe.connection_status(), "Approved");
  EXPECT_EQ(pe.subnet_id,
            "/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/"
            "myVnet/subnets/mySubnet");
  // No NIC was read: the address comes from the first custom DNS config.
  EXPECT_EQ(s.endpoint_address(pe), "192.168.0.4");
  EXPECT_EQ(s.endpoints_for("/subscriptions/SUBID/resourceGroups/RG1/providers/"
                            "Microsoft.Network/privateLinkServices/TESTPLS")
                .size(),
            1u);

  ASSERT_EQ(s.vnets.size(), 1u);
  EXPECT_EQ(s.vnets[0].address_prefixes, std::vector<std::string>{"10.0.0.0/16"});
  EXPECT_TRUE(s.vnets[0].dns_servers.empty());
  EXPECT_TRUE(s.vnets[0].peerings.empty());
  const Subnet* sub = s.vnets[0].subnet("SUBNET1");
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(sub->delegated_to("microsoft.provider/RESOURCETYPE"));
  EXPECT_FALSE(sub->delegated_to("Microsoft.Web/serverFarms"));
  EXPECT_FALSE(sub->private_endpoint_network_policies);

  ASSERT_EQ(s.links_of("PrivateZone1.com").size(), 1u);
  const VnetLink& l = s.links_of("privatezone1.com")[0];
  EXPECT_EQ(l.zone, "privatezone1.com");
  EXPECT_EQ(l.registration_enabled, false);
  EXPECT_EQ(l.virtual_network_link_state, "Completed");
  ASSERT_EQ(s.records_of("PRIVATEZONE1.COM").size(), 1u);
  EXPECT_EQ(s.records_of("privatezone1.com")[0].ttl, 3600);
  EXPECT_EQ(s.records_of("privatezone1.com")[0].addresses(), std::vector<std::string>{"1.2.3.4"});
  const auto& groups = s.groups_of(
      "/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/"
      "privateEndpoints/testPe");
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].zone_ids().size(), 2u);
  EXPECT_TRUE(s.links_of("other.zone").empty());
}

TEST(ArmState, TutorialEndStateAnswersWhatTheRulesAsk) {
  const ArmState s = parse_state(tutorial());
  EXPECT_EQ(s.all_problems(), std::vector<std::string>{});
  ASSERT_TRUE(s.site && s.subnet && s.vnet && s.plan);
  EXPECT_EQ(s.site->https_only, true);
  EXPECT_EQ(s.site->virtual_network_subnet_id, kVnet + "/subnets/vnet-integration-subnet");
  EXPECT_TRUE(s.subnet->delegated_to("Microsoft.Web/serverFarms"));
  EXPECT_EQ(s.subnet->address_prefix, "10.0.0.0/24");
  EXPECT_EQ(s.plan->sku_tier, "Standard");
  EXPECT_EQ(s.vnet->subnets.size(), 3u);
  EXPECT_EQ(s.vnet->subnet(kVnet + "/subnets/PRIVATE-endpoint-subnet")->name,
            "private-endpoint-subnet");
  const Vault* v = s.vault("VDLABKV");
  ASSERT_TRUE(v && v->network_acls);
  EXPECT_EQ(v->network_acls->default_action, "Deny");
  const auto endpoints = s.endpoints_for(lower_id(kVault));
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(s.endpoint_address(*endpoints[0]), "10.0.1.4");  // the NIC's, found case-insensitively
  EXPECT_NE(s.nic(kNic), nullptr);
  EXPECT_EQ(s.groups_of(kPe).at(0).zone_ids(), std::vector<std::string>{kZone});
  EXPECT_NE(s.zone("PrivateLink.VaultCore.Azure.Net"), nullptr);
  EXPECT_EQ(s.zone("privatelink.blob.core.windows.net"), nullptr);
  EXPECT_EQ(s.vault("otherkv"), nullptr);
}

TEST(ArmState, AbsentNullAndEmptyStayApart) {
  Topology t;
  t.site = {{"id", "s"}, {"properties", {{"virtualNetworkSubnetId", nullptr}}}};
  t.subnet = {{"properties", {{"addressPrefix", ""}, {"delegations", json::array()}}}};
  t.vnet = {{"properties", {{"dhcpOptions", {{"dnsServers", json::array()}}}}}};
  t.app_settings = {{"properties", {{"WEBSITE_VNET_ROUTE_ALL", ""}}}};
  ArmState s = parse_state(t);
  EXPECT_EQ(s.all_problems(), std::vector<std::string>{});  // null is how ARM says absent
  EXPECT_FALSE(s.site->virtual_network_subnet_id);
  EXPECT_FALSE(s.site->name);
  EXPECT_EQ(s.subnet->address_prefix, "");
  EXPECT_FALSE(s.subnet->private_endpoint_network_policies);
  EXPECT_EQ(s.app_settings->website_vnet_route_all, "");
  EXPECT_FALSE(s.app_settings->website_dns_server);
  EXPECT_FALSE(s.site_config);  // not read at all
  EXPECT_FALSE(s.plan);

  t.site["properties"]["virtualNetworkSubnetId"] = "";
  s = parse_state(t);
  EXPECT_EQ(s.site->virtual_network_subnet_id, "");
}

TEST(ArmState, WrongTypesAreNotedNotThrown) {
  Topology t;
  t.site = {{"id", "site1"},
            {"name", 42},
            {"properties",
             {{"httpsOnly", "yes"},
              {"vnetRouteAllEnabled", "true"},  // json_str compared this text as a boolean
              {"outboundVnetRouting", {{"allTraffic", 1}}}}}};
  t.plan = {{"id", "plan"}, {"sku", "S1"}};
  t.vnet = {{"properties", {{"subnets", "x"}, {"dhcpOptions", {{"dnsServers", {"10.0.0.4", 5}}}}}}};
  t.subnet = {{"properties", {{"delegations", {5, {{"properties", {{"serviceName", nullptr}}}}}}}}};
  t.app_settings = {{"properties", {{"WEBSITE_DNS_SERVER", 1234567}}}};
  t.vnets = {{{"properties",
               {{"subnets",
                 {{{"name", "int"},
                   {"properties", {{"delegations", {true}}, {"addressPrefixes", {1}}}}}}}}}}};
  t.vaults = {json("not a vault"), {{"name", "kv"}, {"properties", {{"networkAcls", "Deny"}}}}};
  t.a_records["z"] = {
      {{"name", "kv"}, {"properties", {{"ttl", -1.5}, {"aRecords", {json::object(), 7}}}}}};
  t.private_endpoints = {{{"id", "pe"}, {"properties", 3}}};
  ArmState s;
  ASSERT_NO_THROW(s = parse_state(t));

  EXPECT_FALSE(s.site->https_only);
  EXPECT_TRUE(mentions(s.site->problems, "properties.httpsOnly is string, not a boolean"));
  EXPECT_EQ(s.site->vnet_route_all_enabled, true);
  EXPECT_EQ(s.site->name, "42");  // json_str's text, so lookups keep their answers; but noted
  EXPECT_TRUE(mentions(s.site->problems, "name is number, not a string"));
  ASSERT_TRUE(s.site->outbound_routing);
  EXPECT_FALSE(s.site->outbound_routing->all_traffic);
  EXPECT_TRUE(mentions(s.site->problems, "properties.outboundVnetRouting.allTraffic is number"));

  EXPECT_FALSE(s.plan->sku_tier);
  EXPECT_TRUE(mentions(s.plan->problems, "sku is string, not an object"));
  EXPECT_TRUE(s.vnet->subnets.empty());
  EXPECT_TRUE(mentions(s.vnet->problems, "properties.subnets is string, not a list"));
  EXPECT_EQ(s.vnet->dns_servers, std::vector<std::string>{"10.0.0.4"});
  EXPECT_TRUE(mentions(s.vnet->problems, "properties.dhcpOptions.dnsServers[1] is number"));
  // Every delegation item is an entry, as the rules' loops see them.
  ASSERT_EQ(s.subnet->delegations.size(), 2u);
  EXPECT_FALSE(s.subnet->delegations[0].service_name);
  EXPECT_TRUE(mentions(s.subnet->problems, "properties.delegations[0] is number, not an object"));
  // A subnet inside a VNet body reports into the VNet, with its whole path.
  ASSERT_EQ(s.vnets.at(0).subnets.size(), 1u);
  EXPECT_EQ(s.vnets[0].subnets[0].delegations.size(), 1u);
  EXPECT_TRUE(
      mentions(s.vnets[0].problems,
               "properties.subnets[0].properties.delegations[0] is boolean, not an object"));
  EXPECT_TRUE(
      mentions(s.vnets[0].problems,
               "properties.subnets[0].properties.addressPrefixes[0] is number, not a string"));
  EXPECT_EQ(s.app_settings->website_dns_server, "1234567");
  // A problem names the path, never the value (app settings may be secrets).
  EXPECT_FALSE(mentions(s.app_settings->problems, "1234567"));
  EXPECT_TRUE(mentions(s.app_settings->problems, "properties.WEBSITE_DNS_SERVER is number"));

  ASSERT_EQ(s.vaults.size(), 2u);
  EXPECT_TRUE(mentions(s.vaults[0].problems, "the body is string, not an object"));
  EXPECT_FALSE(s.vaults[1].network_acls);
  EXPECT_TRUE(mentions(s.vaults[1].problems, "properties.networkAcls is string, not an object"));
  const ARecordSet& rs = s.records_of("Z").at(0);
  EXPECT_FALSE(rs.ttl);
  EXPECT_EQ(rs.addresses(), (std::vector<std::string>{"", ""}));
  EXPECT_TRUE(mentions(rs.problems, "properties.aRecords[1] is number, not an object"));
  EXPECT_TRUE(mentions(s.private_endpoints[0].problems, "properties is number, not an object"));

  const auto all = s.all_problems();
  EXPECT_TRUE(mentions(all, "site site1: name is number"));
  EXPECT_TRUE(mentions(all, "vault (no id): the body is string"));
  EXPECT_TRUE(mentions(all, "private endpoint pe: properties is number"));
}

TEST(ArmState, ProblemsAreNotedOnce) {
  Topology t;
  t.site = {{"properties", "oops"}};
  const ArmState s = parse_state(t);
  EXPECT_EQ(s.site->problems, std::vector<std::string>{"properties is string, not an object"});
}

TEST(ArmState, BytesThatAreNotUtf8AreCarriedNotThrown) {
  Topology t;
  t.vaults = {{{"name", std::string("kv\xff\xfe")}, {"properties", {{"publicNetworkAccess", 1}}}}};
  ArmState s;
  ASSERT_NO_THROW(s = parse_state(t));
  EXPECT_NE(s.vault(std::string("KV\xff\xfe")), nullptr);
  EXPECT_NO_THROW((void)s.all_problems());
}

TEST(ArmState, LookupsMirrorTopologyHelpers) {
  Topology t = tutorial();
  // A second endpoint to the vault with both an automatic and a manual connection: Topology
  // lists it once per matching connection.
  json twice = t.private_endpoints[0];
  twice["id"] = kPe + "2";
  twice["properties"]["manualPrivateLinkServiceConnections"] =
      twice["properties"]["privateLinkServiceConnections"];
  twice["properties"]["networkInterfaces"] = {{{"id", "missing-nic"}}, json::object(), 5};
  twice["properties"]["customDnsConfigs"] = {{{"ipAddresses", {7, "10.0.1.9"}}}};
  t.private_endpoints.push_back(twice);
  t.accounts = {
      {{"name", "cs1"}, {"id", "acc"}, {"properties", {{"customSubDomainName", "MySub"}}}},
      json::array()};
  t.zones.push_back(json::object());
  t.vaults.push_back({{"name", 7}});  // json_str read a number as its text: found by "7"
  const ArmState s = parse_state(t);

  for (const std::string name : {"vdlabkv", "VDLABKV", "", "nope", "7"})
    EXPECT_EQ(t.vault(name) != nullptr, s.vault(name) != nullptr) << name;
  for (const std::string name : {"cs1", "mysub", "MYSUB", "", "nope"})
    EXPECT_EQ(t.account(name) != nullptr, s.account(name) != nullptr) << name;
  for (const std::string name : {"privatelink.vaultcore.azure.net", "", "x"})
    EXPECT_EQ(t.zone(name) != nullptr, s.zone(name) != nullptr) << name;
  for (const auto& id : {kVault, lower_id(kVault), std::string("acc"), std::string()})
    EXPECT_EQ(t.endpoints_for(id).size(), s.endpoints_for(id).size()) << id;
  EXPECT_EQ(s.endpoints_for(kVault).size(), 3u);
  ASSERT_EQ(s.private_endpoints.size(), t.private_endpoints.size());
  for (std::size_t i = 0; i < t.private_endpoints.size(); ++i)
    EXPECT_EQ(t.endpoint_address(t.private_endpoints[i]),
              s.endpoint_address(s.private_endpoints[i]));
  EXPECT_EQ(s.endpoint_address(s.private_endpoints[1]), "10.0.1.9");
  EXPECT_NE(s.vault("7"), nullptr);
}

TEST(ArmState, BookkeepingIsCarriedOver) {
  Topology t;
  t.unread = {"vaults", "links:privatelink.vaultcore.azure.net"};
  t.errors = {"list vaults /subscriptions/s/...: HTTP 403"};
  t.required_zones["cs-china"] = "privatelink.cognitiveservices.azure.cn";
  t.requests = 9;
  t.credential = "managed identity";
  t.correlation_id = "c1";
  const ArmState s = parse_state(t);
  EXPECT_FALSE(s.was_read("vaults"));
  EXPECT_TRUE(s.was_read("accounts"));
  EXPECT_EQ(s.errors, t.errors);
  EXPECT_EQ(s.required_zones, t.required_zones);
  EXPECT_EQ(s.requests, 9);
  EXPECT_EQ(s.credential, "managed identity");
  EXPECT_EQ(s.correlation_id, "c1");
  EXPECT_FALSE(s.site);
}

TEST(ArmState, ConnectionStatusSkipsEmptyStatusesAutomaticBeforeManual) {
  Topology t;
  t.private_endpoints = {
      {{"properties",
        {{"privateLinkServiceConnections",
          {{{"properties", {{"privateLinkServiceConnectionState", {{"status", ""}}}}}}}},
         {"manualPrivateLinkServiceConnections",
          {{{"properties", {{"privateLinkServiceConnectionState", {{"status", "Pending"}}}}}}}}}}}};
  const ArmState s = parse_state(t);
  EXPECT_EQ(s.private_endpoints.at(0).connection_status(), "Pending");
  EXPECT_EQ(s.private_endpoints.at(0).connections.at(0).status, "");  // present, empty
  EXPECT_EQ(PrivateEndpoint{}.connection_status(), "");
}
