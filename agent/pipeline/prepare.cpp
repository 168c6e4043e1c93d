// prepare_check: settings and the App Service context become a probe plan and an ARM plan.
#include <string>
#include <vector>

#include "cloud.hpp"
#include "pipeline.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"
#include "text_util.hpp"

namespace vnetdiag {

Result<PreparedCheck> prepare_check(const CheckSettings& s,
                                    const std::map<std::string, std::string>& env) {
  const Cloud* cloud = find_cloud(s.cloud.value);
  if (!cloud) return fail("unknown cloud '" + s.cloud.value + "'");
  PreparedCheck p;
  ContextOverrides overrides;
  for (const auto* setting : {&s.app, &s.resource_group, &s.subscription})
    if (!setting->value.empty())
      overrides.values[setting == &s.app              ? "app"
                       : setting == &s.resource_group ? "resource_group"
                                                      : "subscription"] = setting->value;
  p.app = discover_context(env, s.proc_environ.value, overrides);
  p.route_all = effective_route_all(p.app, s.route_all.value);
  auto targets = build_targets(s, *cloud);
  if (!targets) return targets.error();
  const ResolvConf resolv = read_resolv_conf(s.resolv_conf.value);
  auto resolvers = build_resolvers(s, resolv, p.app);
  if (!resolvers) return resolvers.error();
  p.plan.targets = *targets;
  p.plan.resolvers = *resolvers;
  p.plan.ca_bundle = s.ca_bundle.value;
  // getaddrinfo reads /etc/resolv.conf; comparing it makes sense only when vnetdiag reads it too.
  p.plan.system_lookup = s.resolv_conf.value == "/etc/resolv.conf";
  p.plan.timeouts.run_s = s.timeout.value;
  p.plan.timeouts.dns_s = s.dns_timeout.value;
  p.plan.timeouts.connect_s = s.connect_timeout.value;
  p.plan.timeouts.tls_s = s.tls_timeout.value;
  p.plan.timeouts.http_s = s.http_timeout.value;

  for (const auto& key : {"app", "resource_group", "subscription", "slot", "instance_id", "region",
                          "sku", "private_ip", "dns_server", "dns_alt_server"})
    if (const ContextValue* v = p.app.get(key)) p.context[key] = v->value + " (" + v->origin + ")";
  const InstanceLabels here = instance_labels(p.app);  // the same names in every report
  for (const auto& [key, value] :
       {std::pair{"instance", &here.instance}, {"site", &here.site}, {"slot", &here.slot}})
    p.context[key] = value->empty() ? "unknown" : *value;
  p.context["route_all"] = p.route_all.effective + " (" + p.route_all.origin + ")";
  p.context["cloud"] = std::string(cloud->name) + " (" + to_string(s.cloud.origin) + ")";
  std::vector<std::string> labels;
  for (const auto& r : p.plan.resolvers) labels.push_back(r.label() + " (" + r.origin + ")");
  p.context["resolvers"] = join(labels, ", ");
  if (!resolv.problems.empty()) p.context["resolv_conf_problems"] = join(resolv.problems, "; ");
  if (!resolv.upstream_nameservers.empty())
    p.context["embedded_resolver_upstream"] = join(resolv.upstream_nameservers, ", ");
  if (!s.ca_bundle.value.empty())
    p.context["ca_bundle"] = s.ca_bundle.value + " (" + to_string(s.ca_bundle.origin) + ")";
  // ARM: automatic when credentials exist, forced by --arm, skipped by --no-arm.
  p.env = env;
  p.subscription = p.app.value_or("subscription", "");
  p.resource_group = p.app.value_or("resource_group", "");
  p.app_name = p.app.value_or("app", "");
  p.arm_endpoint =
      s.arm_endpoint.value.empty() ? std::string(cloud->arm_endpoint) : s.arm_endpoint.value;
  p.arm_audience = std::string(cloud->arm_endpoint);
  p.arm_authority = std::string(cloud->authority);
  p.arm_ca_bundle = s.arm_ca_bundle.value;
  p.token_file = s.token_file.value;
  p.client_id = s.client_id.value;
  p.search_subscriptions = s.search_subscriptions.value;
  p.no_resource_graph = s.no_resource_graph.value;
  if (s.arm.value == "off") {
    p.arm_skip_reason = "--no-arm";
  } else {
    arm::CredentialSettings cs{p.token_file, p.client_id, p.arm_audience, p.arm_authority, {}};
    bool any = false;
    for (const auto& c : arm::credential_chain(cs, env))
      any |= c.configured && c.available();  // not the Azure CLI or an unconfigured IMDS
    if (!any && s.arm.value != "on")
      p.arm_skip_reason = "no credentials (no managed identity, service principal or --token-file)";
    else if (p.subscription.empty() || p.resource_group.empty() || p.app_name.empty())
      p.arm_skip_reason =
          "the app, its resource group or subscription is unknown (--app, --resource-group, "
          "--subscription)";
    else
      p.arm = true;
  }
  return p;
}

}  // namespace vnetdiag
