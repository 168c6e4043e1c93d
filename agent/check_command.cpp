#include "check_command.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <ostream>

#include "arm_client.hpp"
#include "cli.hpp"
#include "cloud.hpp"
#include "diagnose.hpp"
#include "finding_catalog.hpp"
#include "plane_rules.hpp"
#include "render.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"
#include "text_util.hpp"
#include "token.hpp"
#include "topology.hpp"
#include "version.hpp"

namespace vnetdiag {
namespace {

constexpr int kExitUnknown = 3;

std::string utc_now() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  tm t{};
  gmtime_r(&now, &t);
  return std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t) ? buf : "";
}

}  // namespace

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
  if (s.arm.value == "off") {
    p.arm_skip_reason = "--no-arm";
  } else {
    arm::CredentialSettings cs{p.token_file, p.client_id, p.arm_audience, p.arm_authority, {}};
    bool any = false;
    for (const auto& c : arm::credential_chain(cs, env))
      any |= c.name != "Azure CLI" && c.available();
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

namespace {

// The last topology read, if the serve cache holds one younger than the ARM interval.
std::optional<arm::Topology> cached_topology(const PreparedCheck& p, double* age_s) {
  if (p.arm_cache_file.empty()) return std::nullopt;
  struct stat st {};
  if (stat(p.arm_cache_file.c_str(), &st) != 0) return std::nullopt;
  *age_s = std::difftime(std::time(nullptr), st.st_mtime);
  if (*age_s < 0 || *age_s >= p.arm_interval_s) return std::nullopt;
  std::ifstream in(p.arm_cache_file);
  try {
    return arm::topology_from_json(nlohmann::json::parse(in));
  } catch (...) {
    return std::nullopt;
  }
}

void store_topology(const PreparedCheck& p, const arm::Topology& t) {
  if (p.arm_cache_file.empty()) return;
  const std::string tmp = p.arm_cache_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << arm::topology_cache_text(t);
  }
  // A cache that cannot be stored costs the next run one more read; the file is not left behind.
  if (chmod(tmp.c_str(), 0600) != 0 || std::rename(tmp.c_str(), p.arm_cache_file.c_str()) != 0)
    (void)std::remove(tmp.c_str());
}

void read_arm(const PreparedCheck& p, Report& report) {
  double age_s = 0;
  std::optional<arm::Topology> cached = cached_topology(p, &age_s);
  arm::Topology topology;
  if (cached) {
    topology = std::move(*cached);
  } else {
    ArmSession session(p, 20, 30);
    topology = read_topology_for(session.client(), p);
    store_topology(p, topology);
  }
  const std::string rg_id =
      "/subscriptions/" + p.subscription + "/resourceGroups/" + p.resource_group;
  const std::vector<Target> targets = targets_with_zones(p, topology);
  arm::join_planes(topology, targets, rg_id, report.findings);
  report.context["arm"] =
      (cached ? "from the read " + std::to_string(static_cast<int>(age_s)) + " s ago (read every " +
                    std::to_string(static_cast<int>(p.arm_interval_s)) + " s), "
              : std::string("read ")) +
      "with " + (topology.credential.empty() ? std::string("no token") : topology.credential) +
      ", " + std::to_string(topology.requests) + " requests, correlation id " +
      topology.correlation_id;
}

}  // namespace

ArmSession::ArmSession(const PreparedCheck& p, double request_timeout_s, double retry_budget_s)
    : tokens_([&] {
        arm::CredentialSettings cs{p.token_file, p.client_id, p.arm_audience, p.arm_authority, {}};
        cs.http.ca_bundle = p.arm_ca_bundle;
        cs.http.total_timeout_s = request_timeout_s;
        return arm::credential_chain(cs, p.env);
      }()),
      client_(
          [&] {
            arm::ArmOptions options;
            options.endpoint = p.arm_endpoint;
            options.http.ca_bundle = p.arm_ca_bundle;
            options.http.total_timeout_s = request_timeout_s;
            options.budget_s = retry_budget_s;
            return options;
          }(),
          tokens_) {}

arm::Topology read_topology_for(arm::ArmClient& client, const PreparedCheck& p) {
  arm::TopologyRequest req{p.subscription, p.resource_group, p.app_name, {}, {}, {}, {}};
  for (const auto& t : p.plan.targets) {
    if (!t.privatelink_zone.empty())
      req.zone_names.push_back(t.privatelink_zone);
    else if (t.kind == TargetKind::kCognitive)
      req.zoneless_accounts.push_back(t.host.substr(0, t.host.find('.')));
  }
  return arm::read_topology(client, req);
}

std::vector<Target> targets_with_zones(const PreparedCheck& p, const arm::Topology& topology) {
  std::vector<Target> targets = p.plan.targets;
  for (auto& t : targets) {
    auto zone = topology.required_zones.find(lower(t.host.substr(0, t.host.find('.'))));
    if (t.privatelink_zone.empty() && zone != topology.required_zones.end())
      t.privatelink_zone = zone->second;
  }
  return targets;
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
  if (prepared.arm)
    read_arm(prepared, report);
  else {
    report.findings.push_back(make_finding("arm.not_read", "", prepared.arm_skip_reason));
    report.context["arm"] = "not read: " + prepared.arm_skip_reason;
  }
  report.verdict = verdict_of(report.findings);
  return report;
}

int check_command(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::ostream& out,
                  std::ostream& err, bool stdout_is_tty) {
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
