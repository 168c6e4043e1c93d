#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

TEST(RepairsDns, ZoneCreatedWhereTheResourceGroupIs) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kZone));
  h.t.zones.clear();
  const auto d = h.make(r::kZone);
  EXPECT_EQ(d.resource_id, kZone);
  EXPECT_EQ(d.body, (json{{"location", "global"}}));
  EXPECT_EQ(h.key(r::kZone), "zone:privatelink.vaultcore.azure.net");
  EXPECT_TRUE(r::kZone.shared);
}

TEST(RepairsDns, LinkToOurVnetEvenWhenTheZoneIsInAHub) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kZoneLink));
  const std::string hub =
      "/subscriptions/s1/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/"
      "privatelink.vaultcore.azure.net";
  h.t.zones[0]["id"] = hub;
  h.t.links["privatelink.vaultcore.azure.net"][0]["properties"]["virtualNetwork"]["id"] = "hubvnet";
  const auto d = h.make(r::kZoneLink);
  EXPECT_EQ(d.resource_id, hub + "/virtualNetworkLinks/vaultcore-zonelink");
  EXPECT_EQ(d.body["properties"]["virtualNetwork"]["id"], kVnet);
  EXPECT_EQ(d.body["properties"]["registrationEnabled"], false);
}

TEST(RepairsDns, ZoneGroupMissingOrStale) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kZoneGroup));
  h.t.a_records["privatelink.vaultcore.azure.net"][0]["properties"]["aRecords"][0]["ipv4Address"] =
      "10.0.1.9";
  auto d = h.make(r::kZoneGroup);
  EXPECT_EQ(d.action, "update");
  EXPECT_EQ(d.finding->text(), "arm.record_stale");
  EXPECT_EQ(d.resource_id, kPe + "/privateDnsZoneGroups/default");
  h.t.zone_groups.clear();
  d = h.make(r::kZoneGroup);
  EXPECT_EQ(d.action, "create");
  EXPECT_FALSE(d.finding.has_value());  // arm.zone_group_missing
  EXPECT_EQ(d.body["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
            kZone);
}

TEST(RepairsDns, PolicyOwnedZoneGroupIsRefusedNotRewritten) {
  RepairHarness h(tutorial());
  h.t.zone_groups[lower_id(kPe)][0]["name"] = "deployedByPolicy";
  EXPECT_FALSE(h.applies(r::kZoneGroupPolicyOwned));  // healthy: nothing to say
  h.t.a_records.clear();
  EXPECT_FALSE(h.applies(r::kZoneGroup));
  EXPECT_NE(h.refuse(r::kZoneGroupPolicyOwned).find("deployedByPolicy"), std::string::npos);
}
