// A resource an earlier operation left in provisioningState Failed is re-applied as it is (a PUT
// of its own body is ARM's way to retry); everything else waits for that.
#include "repairs.hpp"
#include "resource_id.hpp"

namespace vnetdiag::fix::repairs {
namespace {

bool not_planned_anew(const RepairInput& r) {
  for (const auto& s : r.planned.steps)
    if (arm::same_resource(s.resource_id, r.failed->id)) return false;
  return true;
}

// Read-merge-write by construction: the body as read, without what ARM fills in.
Draft make_reapply(const RepairInput& r) {
  nlohmann::json body = *r.failed->body;
  strip_read_only(body);
  for (const char* k : {"id", "name"}) body.erase(k);
  if (body.contains("properties")) {
    body["properties"].erase("networkInterfaces");
    body["properties"].erase("customDnsConfigs");
    body["properties"].erase("virtualNetworkLinkState");
    if (r.failed->is_vnet) body["properties"].erase("subnets");  // kept by omission (2023-09-01+)
  }
  return {.action = "update",
          .resource_id = r.failed->id,
          .method = "PUT",
          .api_version = r.failed->api_version,
          .body = body,
          .permission = "(write on the resource)",
          .changes = {{"provisioningState", "Failed", "Succeeded"}}};
}

}  // namespace

constexpr Repair kReapply{
    .name = "reapply.failed",
    .scope = Scope::kPerFailedResource,
    .provides = "reapply:{id}",
    .finding = FindingId("arm.provisioning_failed"),
    .ordering = Ordering::kBeforeAll,
    .placement = Placement::kFirst,
    .applies = not_planned_anew,
    .make = make_reapply,
};

}  // namespace vnetdiag::fix::repairs
