// ARM rules about the app itself: whether ARM could be read, the site and its plan.
#include "arm_facts.hpp"
#include "resource_id.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {

namespace arm_facts {

std::string site_id(const arm::ArmState& s) { return s.site ? text(s.site->id) : ""; }

std::string subnet_id(const arm::ArmState& s) {
  return s.site ? text(s.site->virtual_network_subnet_id) : "";
}

std::string vnet_id(const arm::ArmState& s) {
  if (auto sid = arm::parse_resource_id(subnet_id(s)); sid && sid->parent())
    return sid->parent()->str();
  return "";
}

std::string first_label(const std::string& host) { return host.substr(0, host.find('.')); }

std::optional<TargetResource> target_resource(const arm::ArmState& s, const Target& target) {
  if (target.kind == TargetKind::kCustom) return std::nullopt;
  const bool vault = target.kind == TargetKind::kKeyVault;
  if (!s.was_read(vault ? "vaults" : "accounts")) return std::nullopt;
  const std::string name = first_label(target.host);
  if (vault) {
    const arm::Vault* v = s.vault(name);
    return v ? TargetResource{true, text(v->id)} : TargetResource{};
  }
  const arm::Account* a = s.account(name);
  return a ? TargetResource{true, text(a->id)} : TargetResource{};
}

}  // namespace arm_facts

Finding control_finding(FindingId id, const std::string& target, const Cause& cause) {
  Finding f = make_finding(id, target, "");
  f.cause = cause;
  return f;
}

namespace rules {

using namespace arm_facts;

RuleOutput arm_not_read(const RuleInput& in) {
  if (in.arm) return {};
  return {{make_finding("arm.not_read", "", std::string(in.arm_skip_reason))}, {}};
}

// Reads that failed: what the other ARM findings cannot see.
RuleOutput arm_read_gaps(const RuleInput& in) {
  if (!in.arm) return {};
  RuleOutput out;
  for (const auto& err : in.arm->errors)
    out.findings.push_back(make_finding(err.find("UntrustedRedirect") != std::string::npos
                                            ? FindingId("arm.untrusted_redirect")
                                            : FindingId("arm.read_incomplete"),
                                        "", err));
  return out;
}

// FM-01: the app is not integrated with a VNet at all.
RuleOutput site_not_integrated(const RuleInput& in) {
  if (!in.arm || !in.arm->site || !subnet_id(*in.arm).empty()) return {};
  return {{control_finding("arm.integration_missing", "",
                           {site_id(*in.arm), "properties.virtualNetworkSubnetId", "null",
                            "the delegated integration subnet"})},
          {}};
}

RuleOutput https_only_off(const RuleInput& in) {
  if (!in.arm || !in.arm->site || in.arm->site->https_only != false) return {};
  return {{control_finding("arm.https_only_off", "",
                           {site_id(*in.arm), "properties.httpsOnly", "false", "true"})},
          {}};
}

// VNet integration needs Standard or above.
RuleOutput plan_tier(const RuleInput& in) {
  if (!in.arm || !in.arm->plan) return {};
  const arm::Plan& plan = *in.arm->plan;
  const std::string tier = lower(text(plan.sku_tier));
  if (tier != "free" && tier != "shared" && tier != "basic") return {};
  return {{control_finding("arm.plan_below_standard", "",
                           {text(plan.id), "sku.tier", text(plan.sku_tier), "Standard or above"})},
          {}};
}

}  // namespace rules
}  // namespace vnetdiag
