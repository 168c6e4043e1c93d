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

RouteAll route_all_with_arm(const RouteAll& process, const AppContext& app,
                            const arm::ArmState& s) {
  if (process.origin == "--route-all") return process;  // the flag knows better than both
  if (!s.site && !s.site_config && !s.app_settings) return process;  // ARM said nothing
  // The layers ARM returned, the one that decides first: the platform routes the app's traffic
  // when any of them is on.
  std::vector<std::pair<std::string, bool>> layers;
  auto add = [&](const char* name, const arm::Flag& value) {
    if (value) layers.emplace_back(name, *value);
  };
  if (s.site && s.site->outbound_routing) {
    add("site outboundVnetRouting.allTraffic", s.site->outbound_routing->all_traffic);
    add("site outboundVnetRouting.applicationTraffic",
        s.site->outbound_routing->application_traffic);
  }
  if (s.site) add("site vnetRouteAllEnabled", s.site->vnet_route_all_enabled);
  if (s.site_config) add("config/web vnetRouteAllEnabled", s.site_config->vnet_route_all_enabled);
  const std::size_t platform_layers = layers.size();
  std::optional<std::string> setting;  // ARM's app setting; nullopt: unset or not read
  if (s.app_settings && s.app_settings->website_vnet_route_all) {
    setting = *s.app_settings->website_vnet_route_all;
    layers.emplace_back("app setting WEBSITE_VNET_ROUTE_ALL", *setting == "1");
  }
  const ContextValue* env = app.get("route_all");
  const std::optional<std::string> env_value =
      env ? std::optional<std::string>(env->value) : std::nullopt;

  RouteAll r = process;
  r.process_effective = !env_value ? "" : *env_value == "1" ? "on" : "off";
  bool platform_on = false;
  for (std::size_t i = 0; i < platform_layers; ++i) platform_on |= layers[i].second;
  const bool arm_on = platform_on || setting == "1";
  std::vector<std::string> seen;
  seen.reserve(layers.size());
  for (const auto& [name, value] : layers) {
    seen.push_back(name + "=" + (value ? "true" : "false"));
    r.layers.push_back(seen.back() + " (ARM)");
    if (value && r.arm_origin.empty()) r.arm_origin = name;
  }
  r.arm_effective = arm_on ? "on" : "off";
  if (!arm_on) r.arm_origin = seen.empty() ? "unset in ARM (default)" : join(seen, ", ") + " (ARM)";
  // The process reads app settings once, at start: ARM's differing from its environment means a
  // restart is pending, and it matters when the restart changes the routing.
  if (s.app_settings && setting != env_value) {
    const bool now_on = platform_on || env_value == "1";
    r.restart_pending = now_on != arm_on;
  }
  if (arm_on) {
    r.effective = "on";
    r.origin = r.arm_origin;
  } else if (env_value == "1") {
    r.effective = "on";  // this process started with it; ARM no longer has it
    r.origin = "WEBSITE_VNET_ROUTE_ALL (" + env->origin + "; ARM: " + r.arm_origin + ")";
  } else {
    r.effective = "off";
    r.origin = r.arm_origin;
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

// FM-07: ARM says one thing about route-all, the running process another. Either its
// environment's WEBSITE_VNET_ROUTE_ALL is not ARM's app setting (app settings are read at
// start) and that changes the routing, or ARM has route-all on, this process does not see it
// on, and a connection to an endpoint address outside RFC 1918 did not get through (the data
// plane still routes as before the change). One finding for the run; the connection failures
// stay reported by their own rules.
RuleOutput route_restart_pending(const RuleInput& in) {
  const RouteAll& ra = in.route_all;
  if (ra.arm_effective.empty()) return {};
  const std::string process =
      ra.process_effective.empty()
          ? "WEBSITE_VNET_ROUTE_ALL unset"
          : "WEBSITE_VNET_ROUTE_ALL=" + std::string(ra.process_effective == "on" ? "1" : "0");
  std::vector<std::string> stuck;
  if (ra.arm_effective == "on" && ra.process_effective != "on") {
    for (const auto& t : in.observations.targets)
      for (const auto& c : t.connections) {
        const AddressClass cls = classify_address(c.address);
        if (!is_private_endpoint_class(cls) || cls == AddressClass::kRfc1918) continue;
        if (c.tcp == PhaseStatus::kOk || c.tcp == PhaseStatus::kNotRun) continue;
        stuck.push_back(c.address + " (" + to_string(c.tcp) + ", kernel route " +
                        c.route_interface +
                        (c.route_gateway.empty() ? "" : " via " + c.route_gateway) + ")");
      }
  }
  if (!ra.restart_pending && stuck.empty()) return {};
  std::string summary =
      ra.arm_effective == "on"
          ? "ARM: on (" + ra.arm_origin + "); this process: " + process +
                (stuck.empty() ? "" : ", and its traffic outside RFC 1918 is not routed")
          : "ARM: off; this process started with " + process +
                ": routed only until the next restart";
  Finding f = make_finding("route.restart_pending", "", summary);
  f.evidence["arm"] = ra.arm_effective + " (" + ra.arm_origin + ")";
  f.evidence["process"] = process;
  if (!stuck.empty()) f.evidence["not_routed"] = join(stuck, "; ");
  return {{std::move(f)}, {}};
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
