#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

TEST(RepairsNetwork, VnetOnlyWhenNoneIsTheApps) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kVnet));
  h.t.vnets.clear();
  h.t.site["properties"].erase("virtualNetworkSubnetId");
  const auto d = h.make(r::kVnet);
  EXPECT_EQ(d.resource_id, kVnet);
  EXPECT_EQ(d.body,
            (json{{"location", "westeurope"},
                  {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}}}));
  EXPECT_EQ(h.key(r::kVnet), "vnet");
}

TEST(RepairsNetwork, IntegrationSubnetCreatedDelegated) {
  RepairHarness h(tutorial());
  h.t.site["properties"].erase("virtualNetworkSubnetId");
  h.t.vnets[0]["properties"]["subnets"].erase(0);
  const auto d = h.make(r::kIntegrationSubnet);
  EXPECT_EQ(d.resource_id, kVnet + "/subnets/vnet-integration-subnet");
  EXPECT_EQ(d.body["properties"]["delegations"][0]["properties"]["serviceName"],
            "Microsoft.Web/serverFarms");
  EXPECT_FALSE(h.applies(r::kDelegation));
}

TEST(RepairsNetwork, DelegationKeepsWhatTheSubnetHas) {
  RepairHarness h(tutorial());
  json& s = h.t.vnets[0]["properties"]["subnets"][0];
  s["etag"] = "W/\"7\"";
  s["properties"]["delegations"] = json::array();
  s["properties"]["routeTable"] = {{"id", "rt1"}};
  s["properties"]["provisioningState"] = "Succeeded";
  EXPECT_FALSE(h.applies(r::kIntegrationSubnet));
  EXPECT_FALSE(h.applies(r::kDelegationElsewhere));
  const auto d = h.make(r::kDelegation);
  EXPECT_EQ(d.method, "PUT");
  EXPECT_EQ(d.if_match, "W/\"7\"");
  EXPECT_EQ(d.body["properties"]["routeTable"]["id"], "rt1");
  EXPECT_FALSE(d.body.contains("id"));
  EXPECT_FALSE(d.body["properties"].contains("provisioningState"));
}

TEST(RepairsNetwork, AnotherServicesDelegationIsRefused) {
  RepairHarness h(tutorial());
  h.t.vnets[0]["properties"]["subnets"][0]["properties"]["delegations"] = {
      {{"properties", {{"serviceName", "Microsoft.Sql/managedInstances"}}}}};
  EXPECT_FALSE(h.applies(r::kDelegation));
  EXPECT_NE(h.refuse(r::kDelegationElsewhere).find("Microsoft.Sql/managedInstances"),
            std::string::npos);
}

TEST(RepairsNetwork, EndpointSubnetOnlyWhenAnEndpointIsToBeCreated) {
  RepairHarness h(tutorial());
  h.t.vnets[0]["properties"]["subnets"].erase(1);
  EXPECT_FALSE(h.applies(r::kEndpointSubnet));  // the endpoint exists (elsewhere)
  h.t.private_endpoints.clear();
  const auto d = h.make(r::kEndpointSubnet);
  EXPECT_EQ(d.body["properties"]["privateEndpointNetworkPolicies"], "Disabled");
  EXPECT_EQ(d.resource_id, kVnet + "/subnets/private-endpoint-subnet");
}
