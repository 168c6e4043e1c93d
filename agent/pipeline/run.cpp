// run_once: one pass of the pipeline, probes, ARM, then the rules table, into a report with its
// verdict.
#include <ctime>
#include <optional>
#include <string>

#include "arm_read.hpp"
#include "pipeline.hpp"
#include "rules.hpp"
#include "version.hpp"

namespace vnetdiag {
namespace {

std::string utc_now() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  tm t{};
  gmtime_r(&now, &t);
  return std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t) ? buf : "";
}

}  // namespace

Result<Report> run_once(const PreparedCheck& prepared) {
  Report report;
  report.tool_version = VNETDIAG_VERSION;
  report.started_at = utc_now();
  report.context = prepared.context;
  auto observations = run_check(prepared.plan);
  if (!observations) return observations.error();
  report.observations = std::move(*observations);
  std::optional<ArmRead> arm;
  if (prepared.arm) arm = read_arm(prepared);
  const std::string rg_id =
      "/subscriptions/" + prepared.subscription + "/resourceGroups/" + prepared.resource_group;
  // With ARM read, route-all is judged from every layer, not from this process's environment.
  const RouteAll route_all =
      arm ? route_all_with_arm(prepared.route_all, prepared.app, arm->state) : prepared.route_all;
  report.context["route_all"] = route_all.effective + " (" + route_all.origin + ")";
  const RuleInput in{report.observations,
                     prepared.app,
                     route_all,
                     arm ? arm->targets : prepared.plan.targets,
                     rg_id,
                     arm ? &arm->state : nullptr,
                     prepared.arm_skip_reason};
  run_rules(in, report.findings);
  report.context["arm"] = arm ? arm->summary : "not read: " + prepared.arm_skip_reason;
  report.verdict = verdict_of(report.findings);
  return report;
}

}  // namespace vnetdiag
