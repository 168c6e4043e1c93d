// Route rules: which traffic route-all sends into the VNet, and the path a request really took.
#include "address_class.hpp"
#include "arm_facts.hpp"
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

// FM-06 in ARM: route-all is set in several places (site property, the newer
// outboundVnetRouting, config/web, the app setting) and they must agree.
RuleOutput arm_route_all_layers(const RuleInput& in) {
  if (!in.arm) return {};
  using arm_facts::text;
  const arm::ArmState& s = *in.arm;
  std::vector<std::pair<std::string, std::string>> layers;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) layers.emplace_back(name, value);
  };
  if (s.site) {
    add("site vnetRouteAllEnabled", text(s.site->vnet_route_all_enabled));
    if (s.site->outbound_routing)
      add("site outboundVnetRouting.allTraffic", text(s.site->outbound_routing->all_traffic));
  }
  if (s.site_config)
    add("config/web vnetRouteAllEnabled", text(s.site_config->vnet_route_all_enabled));
  if (s.app_settings) {
    const std::string v = text(s.app_settings->website_vnet_route_all);
    add("app setting WEBSITE_VNET_ROUTE_ALL", v.empty() ? "" : v == "1" ? "true" : "false");
  }
  bool disagree = false;
  for (const auto& l : layers) disagree |= l.second != layers.front().second;
  if (!disagree) return {};
  std::vector<std::string> seen;
  seen.reserve(layers.size());
  for (const auto& [k, v] : layers) seen.push_back(std::string(k).append("=").append(v));
  return {{control_finding("arm.routeall_layers_disagree", "",
                           {arm_facts::site_id(s), "properties.vnetRouteAllEnabled",
                            join(seen, ", "), "one value in every layer"})},
          {}};
}

// Route-all off with an endpoint outside RFC1918 (route.outside_vnet): the site property is the
// cause.
RuleOutput arm_route_all_cause(const RuleInput& in) {
  if (!in.arm) return {};
  using arm_facts::text;
  const arm::ArmState& s = *in.arm;
  std::string value = s.site ? text(s.site->vnet_route_all_enabled) : "";
  std::string property = "properties.vnetRouteAllEnabled";
  if (value.empty() && s.site_config) {
    value = text(s.site_config->vnet_route_all_enabled);
    if (!value.empty()) property = "config/web properties.vnetRouteAllEnabled";
  }
  return {{},
          {CauseNote{
              {FindingId("route.outside_vnet")},
              std::nullopt,
              {arm_facts::site_id(s), property, value.empty() ? "false (unset)" : value, "true"}}}};
}

}  // namespace rules
}  // namespace vnetdiag
