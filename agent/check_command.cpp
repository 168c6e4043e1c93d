#include "check_command.hpp"

#include <ctime>
#include <ostream>

#include "cli.hpp"
#include "cloud.hpp"
#include "diagnose.hpp"
#include "render.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"
#include "text_util.hpp"
#include "version.hpp"

namespace vnetdiag {
namespace {

constexpr int kExitUnknown = 3;

std::string utc_now() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  tm t{};
  gmtime_r(&now, &t);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

}  // namespace

Result<PreparedCheck> prepare_check(const CheckSettings& s, const std::map<std::string, std::string>& env) {
  const Cloud* cloud = find_cloud(s.cloud.value);
  if (!cloud) return fail("unknown cloud '" + s.cloud.value + "'");
  PreparedCheck p;
  ContextOverrides overrides;
  for (const auto* setting : {&s.app, &s.resource_group, &s.subscription})
    if (!setting->value.empty()) overrides.values[setting == &s.app ? "app" : setting == &s.resource_group ? "resource_group" : "subscription"] = setting->value;
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

  for (const auto& key : {"app", "resource_group", "subscription", "slot", "instance_id", "region", "sku",
                          "private_ip", "dns_server", "dns_alt_server"})
    if (const ContextValue* v = p.app.get(key)) p.context[key] = v->value + " (" + v->origin + ")";
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
  return p;
}

Result<Report> run_once(const PreparedCheck& prepared) {
  Report report;
  report.tool_version = VNETDIAG_VERSION;
  report.started_at = utc_now();
  report.context = prepared.context;
  auto observations = run_check(prepared.plan);
  if (!observations) return observations.error();
  report.observations = std::move(*observations);
  report.findings = context_findings(prepared.app, prepared.route_all, report.observations);
  auto probe_findings = diagnose(report.observations);
  report.findings.insert(report.findings.end(), probe_findings.begin(), probe_findings.end());
  report.verdict = verdict_of(report.findings);
  return report;
}

int check_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  std::ostream& out, std::ostream& err, bool stdout_is_tty) {
  auto parsed = parse_check(args, env);
  if (!parsed) {
    err << "vnetdiag: " << parsed.error().message << "\n";
    return kExitUnknown;
  }
  if (parsed->help) {
    out << check_help();
    return 0;
  }
  auto prepared = prepare_check(parsed->settings, env);
  if (!prepared) {
    err << "vnetdiag: " << prepared.error().message << "\n";
    return kExitUnknown;
  }
  auto report = run_once(*prepared);
  if (!report) {
    err << "vnetdiag: " << report.error().message << "\n";
    return kExitUnknown;
  }
  const std::string& format = parsed->settings.output.value;
  if (format == "json") {
    out << render_json(*report);
  } else if (format == "junit") {
    out << render_junit(*report);
  } else {
    const bool colour = stdout_is_tty && !parsed->no_color && env.find("NO_COLOR") == env.end();
    out << render_text(*report, colour);
  }
  return exit_code_of(report->verdict);
}

}  // namespace vnetdiag
