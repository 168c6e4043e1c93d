#pragma once
// Small readings of the typed ARM state that several ARM rules share.
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "finding_catalog.hpp"
#include "model.hpp"

namespace vnetdiag::arm_facts {

inline std::string text(const arm::Text& t) { return t.value_or(""); }
inline std::string text(const arm::Flag& f) { return f ? (*f ? "true" : "false") : ""; }

// The site's id and integration subnet id ("" when the site was not read or has none).
std::string site_id(const arm::ArmState& state);
std::string subnet_id(const arm::ArmState& state);
// The VNet of the integration subnet, from its id.
std::string vnet_id(const arm::ArmState& state);

// "kv1" of "kv1.vault.azure.net".
std::string first_label(const std::string& host);

// The vault or account a target names, when ARM listed that kind; nullopt when the list was not
// read (the read-gap finding says so) or the target is not an Azure service.
struct TargetResource {
  bool found = false;
  std::string id;
};
std::optional<TargetResource> target_resource(const arm::ArmState& state, const Target& target);

// The first wrong link of a target's private DNS chain, as a control-plane finding id and the
// property behind it (dns_root_cause, arm_zone_rules.cpp).
struct RootCause {
  FindingId id;
  Cause cause;
};
// What a wrong private DNS chain looks like from the app: the findings a root cause explains.
std::vector<FindingId> dns_symptoms();

// The endpoint links of the chain (arm_endpoint_rules.cpp): a cause, or the Approved endpoint to
// follow into the zone; neither when the endpoints were not read.
struct EndpointStep {
  std::optional<RootCause> cause;
  const arm::PrivateEndpoint* approved = nullptr;
};
EndpointStep endpoint_step(const arm::ArmState& state, const std::string& resource_id);

}  // namespace vnetdiag::arm_facts
