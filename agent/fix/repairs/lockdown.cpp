// Lock-down: the vault's and the account's public access off. Applied only after everything else,
// once the private path verifies.
#include "api_versions.hpp"
#include "public_access.hpp"
#include "repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

// Read-merge-write: the vault's networkAcls as read (ipRules, virtualNetworkRules, bypass) with
// only defaultAction changed.
Draft make_vault_lockdown(const RepairInput& r) {
  const TargetState& t = r.t();
  const nlohmann::json& res = *t.resource;
  nlohmann::json acls = res.contains("properties") && res["properties"].contains("networkAcls") &&
                                res["properties"]["networkAcls"].is_object()
                            ? res["properties"]["networkAcls"]
                            : nlohmann::json{{"bypass", "AzureServices"}};
  acls["defaultAction"] = "Deny";
  const std::string& action = t.default_action;
  return {.action = "update",
          .resource_id = t.resource_id,
          .method = "PATCH",
          .api_version = arm::kKeyVaultApi,
          .body = {{"properties", {{"networkAcls", acls}}}},
          .permission = "Microsoft.KeyVault/vaults/write",
          .changes = {{"networkAcls.defaultAction", action.empty() ? "Allow" : action, "Deny"}}};
}

Draft make_account_lockdown(const RepairInput& r) {
  const std::string& access = r.t().public_network_access;
  return {.action = "update",
          .resource_id = r.t().resource_id,
          .method = "PATCH",
          .api_version = arm::kCognitiveApi,
          .body = {{"properties", {{"publicNetworkAccess", "Disabled"}}}},
          .permission = "Microsoft.CognitiveServices/accounts/write",
          .changes = {{"publicNetworkAccess", access.empty() ? "Enabled" : access, "Disabled"}}};
}

}  // namespace

constexpr Repair kVaultLockdown{
    .name = "lockdown.vault",
    .scope = Scope::kPerTarget,
    .provides = "lockdown:vault",
    .finding = FindingId("arm.vault_public"),
    .ordering = Ordering::kAfterAll,
    .applies =
        [](const RepairInput& r) {
          return r.t().is_vault &&
                 arm::open_to_public(r.t().public_network_access, r.t().default_action);
        },
    .make = make_vault_lockdown,
};

constexpr Repair kAccountLockdown{
    .name = "lockdown.account",
    .scope = Scope::kPerTarget,
    .provides = "lockdown:account",
    .finding = FindingId("arm.account_public"),
    .ordering = Ordering::kAfterAll,
    .applies =
        [](const RepairInput& r) {
          return !r.t().is_vault &&
                 arm::open_to_public(r.t().public_network_access, r.t().default_action);
        },
    .make = make_account_lockdown,
};

}  // namespace vnetdiag::fix::repairs
