#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

TEST(RepairsLockdown, VaultKeepsItsRulesAndOnlyDeniesByDefault) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kVaultLockdown));
  EXPECT_FALSE(h.applies(r::kAccountLockdown));  // not for a vault
  h.t.vaults[0]["properties"]["networkAcls"] = {{"defaultAction", "Allow"},
                                                {"ipRules", {{{"value", "203.0.113.7/32"}}}}};
  const auto d = h.make(r::kVaultLockdown);
  EXPECT_EQ(d.method, "PATCH");
  EXPECT_EQ(
      d.body,
      (json{{"properties",
             {{"networkAcls",
               {{"defaultAction", "Deny"}, {"ipRules", {{{"value", "203.0.113.7/32"}}}}}}}}}));
  EXPECT_EQ(r::kVaultLockdown.ordering, fix::Ordering::kAfterAll);
  h.t.vaults[0]["properties"].erase("networkAcls");
  EXPECT_EQ(h.make(r::kVaultLockdown).body["properties"]["networkAcls"]["bypass"], "AzureServices");
}

TEST(RepairsLockdown, AccountPublicAccessDisabled) {
  Topology t = tutorial();
  t.accounts = {
      {{"id", "cs1"}, {"name", "vdlabcs"}, {"properties", {{"customSubDomainName", "vdlabcs"}}}}};
  RepairHarness h(t, {Target{TargetKind::kCognitive, "vdlabcs.cognitiveservices.azure.com", 443,
                             "privatelink.cognitiveservices.azure.com"}});
  const auto d = h.make(r::kAccountLockdown);
  EXPECT_EQ(d.body, (json{{"properties", {{"publicNetworkAccess", "Disabled"}}}}));
  EXPECT_EQ(d.changes[0].before, "Enabled");
  h.t.accounts[0]["properties"]["publicNetworkAccess"] = "disabled";
  EXPECT_FALSE(h.applies(r::kAccountLockdown));
}

// The planner and the check agree on what "public" is (arm::open_to_public): a vault closed by
// publicNetworkAccess and an account that denies by default are left alone.
TEST(RepairsLockdown, NothingToLockWhenAlreadyClosedAnotherWay) {
  RepairHarness vault(tutorial());
  vault.t.vaults[0]["properties"]["networkAcls"] = {{"defaultAction", "Allow"}};
  EXPECT_TRUE(vault.applies(r::kVaultLockdown));
  vault.t.vaults[0]["properties"]["publicNetworkAccess"] = "Disabled";
  EXPECT_FALSE(vault.applies(r::kVaultLockdown));

  Topology t = tutorial();
  t.accounts = {
      {{"id", "cs1"},
       {"name", "vdlabcs"},
       {"properties",
        {{"publicNetworkAccess", "Enabled"}, {"networkAcls", {{"defaultAction", "Deny"}}}}}}};
  RepairHarness account(t, {Target{TargetKind::kCognitive, "vdlabcs.cognitiveservices.azure.com",
                                   443, "privatelink.cognitiveservices.azure.com"}});
  EXPECT_FALSE(account.applies(r::kAccountLockdown));
  account.t.accounts[0]["properties"]["networkAcls"]["defaultAction"] = "Allow";
  EXPECT_TRUE(account.applies(r::kAccountLockdown));
}
