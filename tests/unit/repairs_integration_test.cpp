#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

TEST(RepairsIntegration, SiteIntegratesAndTurnsHttpsOnlyOnInOnePatch) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kSite));
  h.t.site["properties"]["httpsOnly"] = false;
  auto d = h.make(r::kSite);
  EXPECT_EQ(d.body, (json{{"properties", {{"httpsOnly", true}}}}));
  EXPECT_FALSE(d.finding.has_value());  // the table's: arm.https_only_off
  EXPECT_EQ(r::kSite.finding.text(), "arm.https_only_off");
  h.t.site["properties"].erase("virtualNetworkSubnetId");
  d = h.make(r::kSite);
  EXPECT_EQ(d.body["properties"]["virtualNetworkSubnetId"],
            kVnet + "/subnets/vnet-integration-subnet");
  EXPECT_EQ(d.finding->text(), "arm.integration_missing");
  EXPECT_EQ(d.changes.size(), 2u);
  EXPECT_NE(d.permission.find("subnets/join/action"), std::string::npos);
}

TEST(RepairsIntegration, RouteAllWhenAnEndpointIsOutsideRfc1918) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kRouteAll));
  h.t.nics[lower_id(kNic)]["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] =
      "100.64.1.4";
  const auto d = h.make(r::kRouteAll);
  EXPECT_EQ(d.resource_id, h.t.site["id"].get<std::string>() + "/config/web");
  EXPECT_EQ(d.body, (json{{"properties", {{"vnetRouteAllEnabled", true}}}}));
  h.t.site_config = {{"properties", {{"vnetRouteAllEnabled", true}}}};
  EXPECT_FALSE(h.applies(r::kRouteAll));
}

TEST(RepairsIntegration, RouteAllForced) {
  RepairHarness h(tutorial());
  h.in.names.route_all = true;
  EXPECT_TRUE(h.applies(r::kRouteAll));
  h.t.site["properties"]["vnetRouteAllEnabled"] = true;
  EXPECT_FALSE(h.applies(r::kRouteAll));
}

// The tutorial's last step: a plan that builds the private path (a target without an endpoint,
// reached on its public address today) turns route-all on, with a PATCH of only that property.
TEST(RepairsIntegration, RouteAllWhenThePlanBuildsThePrivatePath) {
  RepairHarness h(tutorial());
  h.t.site_config = {{"properties", {{"vnetRouteAllEnabled", false}}}};
  h.t.site["properties"]["vnetRouteAllEnabled"] = false;
  EXPECT_FALSE(h.applies(r::kRouteAll));  // every endpoint exists, RFC 1918
  h.t.private_endpoints.clear();
  const auto d = h.make(r::kRouteAll);
  EXPECT_EQ(d.method, "PATCH");
  EXPECT_EQ(d.resource_id, h.t.site["id"].get<std::string>() + "/config/web");
  EXPECT_EQ(d.body, (json{{"properties", {{"vnetRouteAllEnabled", true}}}}));
  // Any layer already on: nothing to do.
  h.t.site["properties"]["outboundVnetRouting"] = {{"allTraffic", true}};
  EXPECT_FALSE(h.applies(r::kRouteAll));
  h.t.site["properties"].erase("outboundVnetRouting");
  h.t.app_settings = {{"properties", {{"WEBSITE_VNET_ROUTE_ALL", "1"}}}};
  EXPECT_FALSE(h.applies(r::kRouteAll));
  h.t.app_settings = {{"properties", {{"WEBSITE_VNET_ROUTE_ALL", "0"}}}};
  EXPECT_TRUE(h.applies(r::kRouteAll));
}
