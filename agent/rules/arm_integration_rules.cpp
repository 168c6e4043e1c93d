// ARM rules about the app itself: whether ARM could be read, the site and its plan.
#include <algorithm>
#include <string_view>
#include <vector>

#include "arm_facts.hpp"
#include "estate_facts.hpp"
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
  if (!estate_facts::read_whole(s, vault ? "vaults" : "accounts")) return std::nullopt;
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

namespace {

// "Microsoft.Network/privateDnsZones/read" of "...may not perform 'ACTION'; ...", or "".
std::string denied_action(const std::string& line) {
  constexpr std::string_view kLead = "perform '";
  const auto at = line.find(kLead);
  if (at == std::string::npos) return "";
  const auto start = at + kLead.size();
  const auto end = line.find('\'', start);
  return end == std::string::npos ? "" : line.substr(start, end - start);
}

// The subscription (and resource group) the failed read went to: "/subscriptions/HUB".
std::string read_scope(const std::string& line) {
  const auto at = line.find("/subscriptions/");
  if (at == std::string::npos) return "";
  const std::string path = line.substr(at, line.find_first_of(" :?", at) - at);
  std::vector<std::string> parts;
  for (std::size_t from = 1; from <= path.size();) {
    const auto slash = std::min(path.find('/', from), path.size());
    parts.push_back(path.substr(from, slash - from));
    from = slash + 1;
  }
  if (parts.size() < 2 || parts[1].empty()) return "";
  std::string scope = "/subscriptions/" + parts[1];
  if (parts.size() >= 4 && lower(parts[2]) == "resourcegroups" && !parts[3].empty())
    scope += "/resourceGroups/" + parts[3];
  return scope;
}

}  // namespace

// Reads that failed: what the other ARM findings cannot see. A 403 says the action the identity
// lacks and the scope it lacks it on.
RuleOutput arm_read_gaps(const RuleInput& in) {
  if (!in.arm) return {};
  RuleOutput out;
  for (const auto& err : in.arm->errors) {
    if (err.find("UntrustedRedirect") != std::string::npos) {
      out.findings.push_back(make_finding("arm.untrusted_redirect", "", err));
      continue;
    }
    const std::string action = denied_action(err), scope = read_scope(err);
    std::string detail = err;
    if (!action.empty())
      detail = "missing " + action + (scope.empty() ? "" : " on " + scope) + ": " + err;
    Finding f = make_finding("arm.read_incomplete", "", detail);
    if (!action.empty()) f.evidence["action"] = action;
    if (!scope.empty()) f.evidence["scope"] = scope;
    out.findings.push_back(std::move(f));
  }
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
