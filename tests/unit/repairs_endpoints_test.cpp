#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

namespace {
json& status(Topology& t) {
  return t.private_endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
                            ["privateLinkServiceConnectionState"]["status"];
}
}  // namespace

TEST(RepairsEndpoints, CreatedInTheEndpointSubnet) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kEndpoint));
  h.t.private_endpoints.clear();
  const auto d = h.make(r::kEndpoint);
  EXPECT_EQ(d.resource_id, kPe);
  EXPECT_EQ(d.body["location"], "westeurope");
  EXPECT_EQ(d.body["properties"]["subnet"]["id"], kVnet + "/subnets/private-endpoint-subnet");
  EXPECT_EQ(d.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"],
            json::array({"vault"}));
  EXPECT_EQ(h.key(r::kEndpoint), "endpoint:vault");
}

TEST(RepairsEndpoints, PendingIsApprovedOnTheTargetsSide) {
  RepairHarness h(tutorial());
  status(h.t) = "Pending";
  EXPECT_FALSE(h.applies(r::kApprove));
  EXPECT_NE(h.refuse(r::kApproveNothingToApprove).find("no matching connection"),
            std::string::npos);
  h.t.vaults[0]["properties"]["privateEndpointConnections"] = {
      {{"id", kVault + "/privateEndpointConnections/c1"},
       {"properties", {{"privateEndpoint", {{"id", kPe}}}}}}};
  const auto d = h.make(r::kApprove);
  EXPECT_EQ(d.resource_id, kVault + "/privateEndpointConnections/c1");
  EXPECT_EQ(d.permission, "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action");
  EXPECT_FALSE(h.applies(r::kApproveNothingToApprove));
}

TEST(RepairsEndpoints, RejectedIsReplacedOnlyWhenAllowed) {
  RepairHarness h(tutorial());
  status(h.t) = "Rejected";
  EXPECT_FALSE(h.applies(r::kReplaceDelete));
  EXPECT_NE(h.refuse(r::kReplaceRefused).find("--allow-replace"), std::string::npos);
  h.in.names.allow_replace = true;
  h.t.private_endpoints[0]["properties"]["subnet"] = {{"id", kVnet + "/subnets/unrelated"}};
  EXPECT_FALSE(h.applies(r::kReplaceRefused));
  const auto del = h.make(r::kReplaceDelete);
  EXPECT_EQ(del.method, "DELETE");
  EXPECT_EQ(del.resource_id, kPe);
  const auto d = h.make(r::kReplaceCreate);
  EXPECT_EQ(d.resource_id, kPe + "-r2");  // a new endpoint beside the old one
  EXPECT_EQ(del.replaced_by, d.resource_id);
  EXPECT_EQ(d.body["properties"]["subnet"]["id"], kVnet + "/subnets/unrelated");
  EXPECT_EQ(d.body["location"], "westeurope");  // the endpoint had none: the app's region
  EXPECT_EQ(d.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"],
            json::array({"vault"}));
  // The old one goes last, once the private path is verified (and the executor has seen the
  // replacement Approved and resolving).
  EXPECT_EQ(r::kReplaceDelete.ordering, fix::Ordering::kAfterAll);
}
