// Private endpoints: create one where the target has none, approve a Pending connection on the
// target's side, and replace one Rejected or Disconnected when allowed: a new endpoint beside it
// (new name, same subnet, target and groupIds, the same zone group), the old one deleted last,
// only once the new connection is Approved and the name resolves to the new address.
#include "api_versions.hpp"
#include "repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

using nlohmann::json;

json endpoint_body(const TargetState& t, const std::string& location, const std::string& subnet) {
  const json group_ids = t.group_ids.empty() ? json::array({t.kind}) : json(t.group_ids);
  return {
      {"location", location},
      {"properties",
       {{"subnet", {{"id", subnet}}},
        {"privateLinkServiceConnections",
         {{{"name", t.is_vault ? "securekeyvault-pc" : "securecstext-pc"},
           {"properties", {{"privateLinkServiceId", t.resource_id}, {"groupIds", group_ids}}}}}}}}};
}

bool pending(const TargetState& t) { return t.endpoint && lower(t.status) == "pending"; }
bool needs_replacing(const TargetState& t) {
  return t.endpoint && lower(t.status) != "pending" && lower(t.status) != "approved";
}

Draft make_endpoint(const RepairInput& r) {
  const TargetState& t = r.t();
  return {.action = "create",
          .resource_id = t.endpoint_id,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = endpoint_body(t, r.s.vnet_location.empty() ? r.s.location : r.s.vnet_location,
                                r.s.pe_subnet_id),
          .permission = "Microsoft.Network/privateEndpoints/write",
          .changes = {{"privateLinkServiceConnections", "(none)", t.resource_id}}};
}

Draft make_approval(const RepairInput& r) {
  const TargetState& t = r.t();
  return {.action = "approve",
          .resource_id = t.pending_connection_id,
          .method = "PUT",
          .api_version = t.is_vault ? arm::kKeyVaultApi : arm::kCognitiveApi,
          .body = {{"properties",
                    {{"privateLinkServiceConnectionState",
                      {{"status", "Approved"}, {"description", "Approved by vnetdiag fix"}}}}}},
          .permission = std::string(t.is_vault ? "Microsoft.KeyVault/vaults"
                                               : "Microsoft.CognitiveServices/accounts") +
                        "/privateEndpointConnectionsApproval/action",
          .changes = {{"privateLinkServiceConnectionState.status", t.status, "Approved"}}};
}

// FM-25: approval needs the target's provider registered in the endpoint's subscription.
Draft make_register(const RepairInput& r) {
  const TargetState& t = r.t();
  const std::string ns = t.unregistered_provider.substr(t.unregistered_provider.rfind('/') + 1);
  return {.action = "register",
          .resource_id = t.unregistered_provider + "/register",
          .method = "POST",
          .api_version = arm::kResourcesApi,
          .body = nullptr,
          .permission = ns + "/register/action",
          .changes = {{"registrationState", t.provider_state.empty() ? "unknown" : t.provider_state,
                       "Registered"}},
          .warning = "registers " + ns + " in the whole subscription; Azure may take minutes"};
}

// Last, after the private path verified: the executor deletes it only once the replacement's
// connection is Approved and the target's name resolves to the replacement's address.
Draft make_delete(const RepairInput& r) {
  const TargetState& t = r.t();
  return {.action = "delete",
          .resource_id = t.old_endpoint_id,
          .method = "DELETE",
          .api_version = arm::kNetworkApi,
          .body = nullptr,
          .permission = "Microsoft.Network/privateEndpoints/delete",
          .changes = {{"connection", t.status, "(endpoint deleted)"}},
          .warning = "deleted only once " + t.endpoint_id.substr(t.endpoint_id.rfind('/') + 1) +
                     " is Approved and " + t.target->host + " resolves to its address",
          .replaced_by = t.endpoint_id,
          .host = t.target->host};
}

// A new endpoint beside the old one, in its subnet and region, for the same target and groupIds.
Draft make_replacement(const RepairInput& r) {
  const TargetState& t = r.t();
  return {
      .action = "create",
      .resource_id = t.endpoint_id,
      .method = "PUT",
      .api_version = arm::kNetworkApi,
      .body = endpoint_body(t, t.endpoint_location.empty() ? r.s.location : t.endpoint_location,
                            t.endpoint_subnet_id.empty() ? r.s.pe_subnet_id : t.endpoint_subnet_id),
      .permission = "Microsoft.Network/privateEndpoints/write",
      .changes = {{"privateLinkServiceConnections", t.status, "Approved (new endpoint)"}},
      .warning = "replaces " + t.old_endpoint_id.substr(t.old_endpoint_id.rfind('/') + 1) +
                 ": the target's address changes"};
}

}  // namespace

constexpr Repair kEndpoint{
    .name = "endpoints.create",
    .scope = Scope::kPerTarget,
    .provides = "endpoint:{kind}",
    .needs = {"vnet", "subnet:endpoints"},
    .finding = FindingId("arm.endpoint_missing"),
    .applies = [](const RepairInput& r) { return !r.t().endpoint; },
    .make = make_endpoint,
};

constexpr Repair kRegisterProvider{
    .name = "endpoints.register_provider",
    .scope = Scope::kPerTarget,
    .provides = "register:{kind}",
    .finding = FindingId("arm.provider_not_registered"),
    .applies =
        [](const RepairInput& r) {
          return pending(r.t()) && !r.t().pending_connection_id.empty() &&
                 !r.t().unregistered_provider.empty();
        },
    .make = make_register,
};

constexpr Repair kApprove{
    .name = "endpoints.approve",
    .scope = Scope::kPerTarget,
    .provides = "approve:{kind}",
    .needs = {"register:{kind}"},
    .finding = FindingId("arm.connection_not_approved"),
    .applies =
        [](const RepairInput& r) { return pending(r.t()) && !r.t().pending_connection_id.empty(); },
    .make = make_approval,
};

constexpr Repair kApproveNothingToApprove{
    .name = "endpoints.approve_no_connection",
    .scope = Scope::kPerTarget,
    .finding = FindingId("arm.connection_not_approved"),
    .applies =
        [](const RepairInput& r) { return pending(r.t()) && r.t().pending_connection_id.empty(); },
    .refuse =
        [](const RepairInput& r) {
          return r.t().endpoint_id + ": connection Pending, but the " + r.t().kind +
                 " shows no matching connection to approve";
        },
};

constexpr Repair kReplaceRefused{
    .name = "endpoints.replace_refused",
    .scope = Scope::kPerTarget,
    .finding = FindingId("arm.connection_not_approved"),
    .applies = [](const RepairInput& r) { return needs_replacing(r.t()) && !r.t().replaced; },
    .refuse =
        [](const RepairInput& r) {
          return r.t().endpoint_id + ": connection " + r.t().status +
                 " cannot be repaired in place; it needs a new endpoint (--allow-replace "
                 "makes one and deletes this one once the new one works)";
        },
};

constexpr Repair kReplaceDelete{
    .name = "endpoints.replace_delete",
    .scope = Scope::kPerTarget,
    .provides = "delete:endpoint:{kind}",
    .finding = FindingId("arm.connection_not_approved"),
    .ordering = Ordering::kAfterAll,
    .applies = [](const RepairInput& r) { return r.t().replaced; },
    .make = make_delete,
};

constexpr Repair kReplaceCreate{
    .name = "endpoints.replace_create",
    .scope = Scope::kPerTarget,
    .provides = "endpoint:{kind}",
    .needs = {"subnet:endpoints"},
    .finding = FindingId("arm.connection_not_approved"),
    .applies = [](const RepairInput& r) { return r.t().replaced; },
    .make = make_replacement,
};

}  // namespace vnetdiag::fix::repairs
