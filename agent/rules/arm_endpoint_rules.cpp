// ARM rules about each target's resource and its private endpoints.
#include "arm_facts.hpp"
#include "estate_facts.hpp"
#include "public_access.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {

namespace arm_facts {

EndpointStep endpoint_step(const arm::ArmState& s, const std::string& resource_id) {
  if (!estate_facts::read_whole(s, "private endpoints")) return {};
  const auto endpoints = s.endpoints_for(resource_id);
  if (endpoints.empty())
    return {RootCause{
        "arm.endpoint_missing",
        {resource_id, "properties.privateEndpointConnections", "none", "one Approved connection"}}};
  const arm::PrivateEndpoint* approved = nullptr;
  for (const arm::PrivateEndpoint* e : endpoints)
    if (lower(e->connection_status()) == "approved") approved = e;
  if (approved) return {std::nullopt, approved};
  const arm::PrivateEndpoint& e = *endpoints.front();
  return {RootCause{"arm.connection_not_approved",
                    {text(e.id),
                     "properties.privateLinkServiceConnections[0].properties."
                     "privateLinkServiceConnectionState.status",
                     e.connection_status(), "Approved"}}};
}

}  // namespace arm_facts

namespace rules {

using namespace arm_facts;

// The vault or account exists, and does not take requests from the internet (FM-28).
RuleOutput target_exposure(const RuleInput& in) {
  if (!in.arm) return {};
  const auto resource = target_resource(*in.arm, *in.target);
  if (!resource) return {};
  const std::string label = in.target->label();
  if (!resource->found)
    return {{make_finding("arm.target_not_found", label, first_label(in.target->host))}, {}};
  const std::string name = first_label(in.target->host);
  if (in.target->kind == TargetKind::kKeyVault) {
    const arm::Vault& v = *in.arm->vault(name);
    const std::string action = v.network_acls ? text(v.network_acls->default_action) : "";
    if (!arm::open_to_public(text(v.public_network_access), action)) return {};
    return {{control_finding("arm.vault_public", label,
                             {resource->id, "properties.networkAcls.defaultAction",
                              action.empty() ? "Allow (unset)" : action, "Deny"})},
            {}};
  }
  const arm::Account& account = *in.arm->account(name);
  const std::string access = text(account.public_network_access);
  if (!arm::open_to_public(access,
                           account.network_acls ? text(account.network_acls->default_action) : ""))
    return {};
  return {{control_finding("arm.account_public", label,
                           {resource->id, "properties.publicNetworkAccess",
                            access.empty() ? "Enabled (unset)" : access, "Disabled"})},
          {}};
}

// A zone group Azure Policy deployed: a repair of it is undone by the policy.
RuleOutput zone_group_policy_owned(const RuleInput& in) {
  if (!in.arm) return {};
  const auto resource = target_resource(*in.arm, *in.target);
  if (!resource || !resource->found) return {};
  RuleOutput out;
  for (const arm::PrivateEndpoint* pe : in.arm->endpoints_for(resource->id))
    for (const auto& g : in.arm->groups_of(text(pe->id)))
      if (lower(text(g.name)) == "deployedbypolicy")
        out.findings.push_back(
            control_finding("arm.zone_group_policy_owned", in.target->label(),
                            {text(g.id), "name", "deployedByPolicy", "owned by Azure Policy"}));
  return out;
}

}  // namespace rules
}  // namespace vnetdiag
