// The App Service plan: VNet integration needs Standard or above.
#include "api_versions.hpp"
#include "repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

bool below_standard(const RepairInput& r) {
  if (!r.s.plan_exists) return false;
  const std::string tier = lower(r.s.plan_tier);
  return tier == "free" || tier == "shared" || tier == "basic";
}

// Read-merge-write: the plan's own body with the sku replaced.
Draft make_plan(const RepairInput& r) {
  nlohmann::json body = *r.s.plan_body;
  strip_read_only(body);
  body.erase("id");
  body.erase("name");
  body["sku"] = {{"name", "S1"}, {"tier", "Standard"}};
  return {.action = "update",
          .resource_id = r.s.plan_id,
          .method = "PUT",
          .api_version = arm::kWebApi,
          .body = body,
          .permission = "Microsoft.Web/serverfarms/write",
          .changes = {{"sku", r.s.plan_tier, "S1 (Standard)"}},
          .warning = "changes the tier of every app in the plan and may move them to new workers"};
}

}  // namespace

constexpr Repair kPlanTier{
    .name = "plan.tier",
    .provides = "plan",
    .finding = FindingId("arm.plan_below_standard"),
    .applies = below_standard,
    .make = make_plan,
};

}  // namespace vnetdiag::fix::repairs
