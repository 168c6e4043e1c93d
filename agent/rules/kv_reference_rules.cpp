// Key Vault references in the app settings (@Microsoft.KeyVault(...)): the platform resolves them
// at start with the app's identity, over the app's outbound path; one that did not resolve leaves
// the setting empty at run time.
#include "arm_facts.hpp"
#include "outbound_routing.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::rules {

using namespace arm_facts;

namespace {

// The identity the platform uses for references: the site's keyVaultReferenceIdentity, which
// defaults to the system-assigned one.
std::string reference_identity(const arm::ArmState& s) {
  const std::string v = s.site ? text(s.site->key_vault_reference_identity) : "";
  return v.empty() ? "SystemAssigned (default)" : v;
}

bool has_system_identity(const arm::ArmState& s) {
  return s.site && lower(text(s.site->identity_type)).find("systemassigned") != std::string::npos;
}

std::string remedy_for(const arm::ArmState& s, const arm::KeyVaultReference& r) {
  const std::string status = lower(text(r.status));
  const std::string identity = reference_identity(s);
  if (status == "msinotenabled")
    return has_system_identity(s) || !starts_with(identity, "SystemAssigned")
               ? "The identity " + identity +
                     " is not on the site: add it to the site's identity, or set "
                     "keyVaultReferenceIdentity to an identity the site has."
               : "Enable the site's system-assigned identity, or set keyVaultReferenceIdentity "
                 "to a user-assigned identity of the site.";
  if (r.fetch_refused()) {
    const std::string grant = "grant " + identity + " get on secrets of vault " +
                              text(r.vault_name) +
                              " (Key Vault Secrets User, or an access policy with Get)";
    if (!s.vault_private_only(text(r.vault_name)))
      return "Make the vault reachable from the app, and " + grant + ".";
    const auto app = outbound_routing::platform_routes(s).front();
    // A private vault the platform's fetch never reaches: the network is the cause to fix first;
    // the grant can only be judged once the fetch gets there.
    if (!app.routed)
      return "The vault is private and the platform's fetch does not go through the VNet (" +
             (app.layer.empty() ? std::string("no routing layer set") : app.layer) +
             "): set outboundVnetRouting.applicationTraffic (or vnetRouteAllEnabled) to true "
             "(WEBSITE_VNET_ROUTE_ALL does not route it); if it still fails once routed, " +
             grant + ".";
    return "The platform's fetch goes into the VNet (" + app.layer +
           "): check that the vault's private endpoint resolves and answers from the integration "
           "subnet, and " +
           grant + ".";
  }
  if (status == "vaultnotfound")
    return "Check the vault name in the reference, and that the app resolves it to the vault's "
           "private endpoint.";
  if (status == "secretnotfound" || status == "secretversionnotfound")
    return "Create the secret (or version) the reference names, or correct the reference.";
  if (status == "invalidsyntax")
    return "Write the reference as @Microsoft.KeyVault(SecretUri=...) or "
           "@Microsoft.KeyVault(VaultName=...;SecretName=...).";
  return "Read the reference's details and the app's log stream; restart the app once the cause "
         "is fixed so the platform resolves it again.";
}

}  // namespace

// One finding per reference that did not resolve ("Initialized" is one not tried yet: not judged).
RuleOutput kv_reference_unresolved(const RuleInput& in) {
  if (!in.arm) return {};
  const arm::ArmState& s = *in.arm;
  RuleOutput out;
  for (const auto& r : s.kv_references) {
    const std::string status = text(r.status);
    if (status.empty() || lower(status) == "resolved" || lower(status) == "initialized") continue;
    Cause cause{text(r.id), "properties.status", status, "Resolved"};
    if (lower(status) == "msinotenabled")
      cause = {site_id(s), "properties.keyVaultReferenceIdentity", reference_identity(s),
               "an identity the site has (identity.type " +
                   (text(s.site ? s.site->identity_type : arm::Text{}).empty()
                        ? std::string("None")
                        : text(s.site->identity_type)) +
                   ")"};
    Finding f = control_finding("arm.kv_reference_unresolved", "", cause);
    std::string detail = "app setting " + text(r.name) + ": " + status + ", vault " +
                         text(r.vault_name) + ", secret " + text(r.secret_name);
    if (!text(r.details).empty()) detail += ": " + text(r.details);
    f.summary += " (" + detail + ")";
    f.evidence["app_setting"] = text(r.name);
    f.evidence["status"] = status;
    f.evidence["vault"] = text(r.vault_name);
    f.evidence["secret"] = text(r.secret_name);
    f.evidence["identityType"] = text(r.identity_type);
    f.evidence["keyVaultReferenceIdentity"] = reference_identity(s);
    if (s.site && !text(s.site->identity_type).empty())
      f.evidence["site_identity"] = text(s.site->identity_type);
    if (!text(r.details).empty()) f.evidence["details"] = text(r.details);
    f.evidence["platform_route"] =
        outbound_routing::describe(outbound_routing::platform_routes(s).front());
    f.remedy = remedy_for(s, r);
    out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace vnetdiag::rules
