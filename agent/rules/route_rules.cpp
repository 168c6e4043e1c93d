// Route rules: which traffic route-all sends into the VNet, and the path a request really took.
#include "address_class.hpp"
#include "context_rules.hpp"
#include "diagnose.hpp"
#include "rule_list.hpp"
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

namespace rules {

RuleOutput route_layers_disagree(const RuleInput& in) {
  if (!in.route_all.layers_disagree) return {};
  Finding f = make_finding("route.layers_disagree", "", join(in.route_all.layers, " vs "));
  f.evidence["layers_seen"] = join(in.route_all.layers, "; ");
  f.evidence["not_seen_here"] = "site vnetRouteAllEnabled and outboundVnetRouting (ARM)";
  return {{std::move(f)}, {}};
}

// FM-06: with route-all off only RFC1918 enters the VNet, so an endpoint in another private range
// is reached outside it. And the vault names the source it saw: if that is private but not the
// app's integration address, the request came another way.
RuleOutput route_path(const RuleInput& in) {
  RuleOutput out;
  const ContextValue* private_ip = in.app.get("private_ip");
  for (const auto& t : in.observations.targets) {
    if (t.target.kind == TargetKind::kCustom) continue;
    for (const auto& c : t.connections) {
      const AddressClass cls = classify_address(c.address);
      if (in.route_all.effective == "off" && is_private_endpoint_class(cls) &&
          cls != AddressClass::kRfc1918) {
        Finding f = make_finding("route.outside_vnet", t.target.label(),
                                 c.address + " is " + to_string(cls));
        f.evidence["route_all"] = in.route_all.effective + " (" + in.route_all.origin + ")";
        f.evidence["kernel_route"] =
            c.route_interface + (c.route_gateway.empty() ? "" : " via " + c.route_gateway);
        out.findings.push_back(std::move(f));
      }
      const auto info = c.headers.find("x-ms-keyvault-network-info");
      if (!private_ip || info == c.headers.end()) continue;
      const std::string seen = keyvault_source_address(info->second);
      // WEBSITE_PRIVATE_IP is one address of one family: only a source of the same family
      // compares.
      const bool same_family = is_ipv6_literal(seen) == is_ipv6_literal(private_ip->value);
      if (same_family && is_private_endpoint_class(classify_address(seen)) &&
          seen != private_ip->value)
        out.findings.push_back(
            make_finding("route.source_outside_integration", t.target.label(),
                         "the vault saw " + seen + ", WEBSITE_PRIVATE_IP is " + private_ip->value));
    }
  }
  return out;
}

}  // namespace rules
}  // namespace vnetdiag
