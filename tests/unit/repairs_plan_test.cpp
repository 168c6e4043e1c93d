#include "repairs_harness.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
namespace r = vnetdiag::fix::repairs;

TEST(RepairsPlan, BelowStandardIsScaledKeepingThePlansBody) {
  RepairHarness h(tutorial());
  EXPECT_FALSE(h.applies(r::kPlanTier));
  h.t.plan = {{"id", "plan"},
              {"name", "p"},
              {"location", "West Europe"},
              {"sku", {{"tier", "basic"}, {"name", "B1"}}},
              {"properties", {{"reserved", true}, {"numberOfSites", 2}}}};
  const auto d = h.make(r::kPlanTier);
  EXPECT_EQ(d.body, (json{{"location", "West Europe"},
                          {"sku", {{"name", "S1"}, {"tier", "Standard"}}},
                          {"properties", {{"reserved", true}}}}));
  EXPECT_EQ(d.changes[0].before, "basic");
  h.t.plan = nullptr;
  EXPECT_FALSE(h.applies(r::kPlanTier));
}

TEST(RepairsReapply, AFailedResourceIsPutAsItWas) {
  RepairHarness h(tutorial());
  h.t.zones[0]["properties"] = {{"provisioningState", "Failed"}, {"virtualNetworkLinkState", "x"}};
  const auto d = h.make(r::kReapply, 0);
  EXPECT_EQ(d.resource_id, kZone);
  EXPECT_EQ(d.body, (json{{"properties", json::object()}}));
  EXPECT_EQ(h.key(r::kReapply, 0), "reapply:" + lower_id(kZone));
  EXPECT_EQ(r::kReapply.finding.text(), "arm.provisioning_failed");
  fix::PlanStep planned;
  planned.key = "zone:x";
  planned.resource_id = kZone;
  h.planned.steps.push_back(planned);
  EXPECT_FALSE(h.applies(r::kReapply, 0));  // planned anew already
}

// The table: every need names a key a repair earlier in the table provides, so the derived
// dependencies point backwards and the plan is a DAG.
TEST(RepairTable, NeedsAreProvidedEarlier) {
  const auto& table = fix::repair_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_FALSE(table[i]->name.empty());
    EXPECT_TRUE((table[i]->make != nullptr) != (table[i]->refuse != nullptr)) << table[i]->name;
    EXPECT_EQ(table[i]->refuse != nullptr, table[i]->provides.empty()) << table[i]->name;
    for (const auto need : table[i]->needs) {
      if (need.empty()) continue;
      bool provided = false;
      for (std::size_t j = 0; j < i; ++j) provided |= table[j]->provides == need;
      EXPECT_TRUE(provided) << table[i]->name << " needs " << need;
    }
  }
}
