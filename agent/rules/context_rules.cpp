#include "context_rules.hpp"

#include "address_class.hpp"
#include "diagnose.hpp"
#include "finding_catalog.hpp"
#include "text_util.hpp"

namespace vnetdiag {

RouteAll effective_route_all(const AppContext& ctx, const std::string& override_value) {
  RouteAll r{"off", "default (only RFC1918 enters the VNet)", {}, false};
  const ContextValue* env = ctx.get("route_all");
  std::string env_state;
  if (env && (env->value == "1" || env->value == "0")) {
    env_state = env->value == "1" ? "on" : "off";
    r.layers.push_back("WEBSITE_VNET_ROUTE_ALL=" + env->value + " (" + env->origin + ")");
    r.effective = env_state;
    r.origin = "WEBSITE_VNET_ROUTE_ALL";
  }
  if (!override_value.empty()) {
    r.layers.push_back("--route-all " + override_value + " (flag)");
    r.layers_disagree = !env_state.empty() && env_state != override_value;
    r.effective = override_value;
    r.origin = "--route-all";
  }
  return r;
}

std::vector<Finding> context_findings(const AppContext& ctx, const RouteAll& route_all,
                                      const Observations& observations) {
  std::vector<Finding> findings;
  if (!ctx.in_app_service) findings.push_back(make_finding("context.not_in_app", "", ""));
  const ContextValue* private_ip = ctx.get("private_ip");
  if (ctx.in_app_service && !private_ip) {
    Finding f = make_finding("context.no_integration", "", "");
    f.evidence["instance_id"] = ctx.value_or("instance_id", "unknown");
    findings.push_back(std::move(f));
  }
  for (const auto& problem : ctx.problems)
    findings.push_back(make_finding("context.bad_value", "", problem));

  if (const ContextValue* v = ctx.get("always_fallback_to_public_dns"); v && v->value == "1")
    findings.push_back(
        make_finding("dns.public_fallback", "", "WEBSITE_ALWAYS_FALLBACK_TO_PUBLIC_DNS=1"));
  if (const ContextValue* v = ctx.get("dns_alt_server")) {
    for (const auto& part : split(v->value, ','))
      if (classify_address(trim(part)) == AddressClass::kPublic)
        findings.push_back(make_finding("dns.public_fallback", "",
                                        "WEBSITE_DNS_ALT_SERVER=" + trim(part) + " is public"));
  }
  if (route_all.layers_disagree) {
    Finding f = make_finding("route.layers_disagree", "", join(route_all.layers, " vs "));
    f.evidence["layers_seen"] = join(route_all.layers, "; ");
    f.evidence["not_seen_here"] = "site vnetRouteAllEnabled and outboundVnetRouting (ARM)";
    findings.push_back(std::move(f));
  }

  for (const auto& t : observations.targets) {
    if (t.target.kind == TargetKind::kCustom) continue;
    for (const auto& c : t.connections) {
      const AddressClass cls = classify_address(c.address);
      if (route_all.effective == "off" && is_private_endpoint_class(cls) &&
          cls != AddressClass::kRfc1918) {
        Finding f = make_finding("route.outside_vnet", t.target.label(),
                                 c.address + " is " + to_string(cls));
        f.evidence["route_all"] = route_all.effective + " (" + route_all.origin + ")";
        f.evidence["kernel_route"] =
            c.route_interface + (c.route_gateway.empty() ? "" : " via " + c.route_gateway);
        findings.push_back(std::move(f));
      }
      const auto info = c.headers.find("x-ms-keyvault-network-info");
      if (private_ip && info != c.headers.end()) {
        const std::string seen = keyvault_source_address(info->second);
        // WEBSITE_PRIVATE_IP is one address of one family: only a source of the same family
        // compares.
        const bool same_family = is_ipv6_literal(seen) == is_ipv6_literal(private_ip->value);
        if (same_family && is_private_endpoint_class(classify_address(seen)) &&
            seen != private_ip->value) {
          Finding f = make_finding(
              "route.source_outside_integration", t.target.label(),
              "the vault saw " + seen + ", WEBSITE_PRIVATE_IP is " + private_ip->value);
          findings.push_back(std::move(f));
        }
      }
    }
  }
  return findings;
}

}  // namespace vnetdiag
