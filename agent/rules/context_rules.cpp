// Context rules: where the check ran (the App Service context) and what it could not finish.
#include "context_rules.hpp"

#include "address_class.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::rules {

RuleOutput not_in_app(const RuleInput& in) {
  if (in.app.in_app_service) return {};
  return {{make_finding("context.not_in_app", "", "")}, {}};
}

RuleOutput no_integration(const RuleInput& in) {
  if (!in.app.in_app_service || in.app.get("private_ip")) return {};
  Finding f = make_finding("context.no_integration", "", "");
  f.evidence["instance_id"] = in.app.value_or("instance_id", "unknown");
  return {{std::move(f)}, {}};
}

RuleOutput bad_context_value(const RuleInput& in) {
  RuleOutput out;
  for (const auto& problem : in.app.problems)
    out.findings.push_back(make_finding("context.bad_value", "", problem));
  return out;
}

// FM-19: the platform may answer from public DNS when the private resolver fails.
RuleOutput public_dns_fallback(const RuleInput& in) {
  RuleOutput out;
  if (const ContextValue* v = in.app.get("always_fallback_to_public_dns"); v && v->value == "1")
    out.findings.push_back(
        make_finding("dns.public_fallback", "", "WEBSITE_ALWAYS_FALLBACK_TO_PUBLIC_DNS=1"));
  if (const ContextValue* v = in.app.get("dns_alt_server")) {
    for (const auto& part : split(v->value, ','))
      if (classify_address(trim(part)) == AddressClass::kPublic)
        out.findings.push_back(make_finding("dns.public_fallback", "",
                                            "WEBSITE_DNS_ALT_SERVER=" + trim(part) + " is public"));
  }
  return out;
}

RuleOutput check_deadline(const RuleInput& in) {
  if (!in.observations.deadline_hit) return {};
  return {{make_finding("check.deadline", "",
                        "after " + format_ms(in.observations.duration_ms) + " ms")},
          {}};
}

}  // namespace vnetdiag::rules
