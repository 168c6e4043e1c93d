#include "serve_snapshot.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "render.hpp"
#include "render_prometheus.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

std::string dump(const json& j) {
  // Hostile peers' bytes can reach a report: replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

MetricsMeta meta_of(const ServeInfo& info, uint64_t runs, uint64_t errors, double finished_unix, double duration_s) {
  MetricsMeta m;
  m.check_runs_total = runs;
  m.check_errors_total = errors;
  m.last_check_timestamp_seconds = finished_unix;
  m.last_check_duration_seconds = duration_s;
  m.version = info.version;
  m.commit = info.commit;
  m.resource = info.resource;
  return m;
}

std::vector<std::string> problem_ids(const Report& report) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& f : report.findings)
    if (f.severity != Severity::kOk && seen.insert(f.id).second) ids.push_back(f.id);
  return ids;
}

void render_metrics(Snapshot& s, const ServeInfo& info, double finished_unix) {
  const MetricsMeta meta = meta_of(info, s.runs, s.errors, finished_unix, s.duration_s);
  s.metrics_text = render_prometheus(s.report.get(), meta, MetricsFormat::kPrometheusText);
  s.metrics_openmetrics = render_prometheus(s.report.get(), meta, MetricsFormat::kOpenMetrics);
}

// Every target answers the same body until there is a report to take its part from.
void targets_without_report(Snapshot& s, const ServeInfo& info, const json& body) {
  const std::string text = dump(body) + "\n";
  for (const auto& t : info.targets) s.targets.push_back({t.label(), t.host, text});
}

}  // namespace

const TargetBody* Snapshot::find_target(std::string_view name) const {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  for (const auto& t : targets)
    if (t.host == name) return &t;
  return nullptr;
}

std::shared_ptr<const Snapshot> initial_snapshot(const ServeInfo& info) {
  auto s = std::make_shared<Snapshot>();
  const json pending = {{"status", "pending"}, {"reason", "no check has finished yet"}};
  s->ready_body = dump(pending) + "\n";
  s->report_json = s->ready_body;
  s->report_text = "vnetdiag: no check has finished yet\n";
  targets_without_report(*s, info, pending);
  render_metrics(*s, info, 0);
  return s;
}

std::shared_ptr<const Snapshot> next_snapshot(const Snapshot& previous, const Result<Report>& outcome,
                                              const ServeInfo& info, double duration_s, double finished_unix,
                                              std::chrono::steady_clock::time_point finished) {
  auto s = std::make_shared<Snapshot>();
  s->runs = previous.runs + 1;
  s->errors = previous.errors + (outcome ? 0 : 1);
  s->finished = finished;
  s->duration_s = duration_s;
  if (!outcome) {
    s->error = outcome.error().message;
    const json failed = {{"status", "error"}, {"reason", "the check could not run: " + s->error}};
    s->ready_body = dump(failed) + "\n";
    s->report_json = s->ready_body;
    s->report_text = "vnetdiag: the check could not run: " + s->error + "\n";
    targets_without_report(*s, info, failed);
    render_metrics(*s, info, finished_unix);
    return s;
  }
  s->report = std::make_shared<const Report>(*outcome);
  const Report& r = *s->report;

  // Ready while the app can work: ok, or a warning (a resolver that disagrees, a long TTL, ...).
  // Critical and unknown are not ready.
  s->ready = r.verdict == Severity::kOk || r.verdict == Severity::kWarning;
  nlohmann::ordered_json ready = {{"status", s->ready ? "ready" : "not ready"},
                {"verdict", to_string(r.verdict)},
                {"checked_at", r.started_at},
                {"findings", problem_ids(r)}};
  if (!s->ready) ready["reason"] = std::string("the last check's verdict is ") + to_string(r.verdict);
  s->ready_body = ready.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";

  s->report_json = render_json(r);
  s->report_text = render_text(r, false);

  const json whole = report_to_json(r);
  const json& targets = whole["targets"];
  for (const auto& t : info.targets) {
    const std::string name = t.label();
    json part = {{"name", name}, {"started_at", r.started_at}, {"duration_ms", r.observations.duration_ms}};
    std::vector<Finding> mine;
    json findings = json::array();
    for (std::size_t i = 0; i < r.findings.size(); ++i)
      if (r.findings[i].target == name) {
        mine.push_back(r.findings[i]);
        findings.push_back(whole["findings"][i]);
      }
    part["verdict"] = to_string(verdict_of(mine));
    part["findings"] = std::move(findings);
    part["target"] = nullptr;
    for (const auto& observed : targets)
      if (observed["name"] == name) part["target"] = observed;
    s->targets.push_back({name, t.host, dump(part) + "\n"});
  }
  render_metrics(*s, info, finished_unix);
  return s;
}

std::string cycle_log_line(const Snapshot& s, std::string_view time_iso, std::string_view instance_id) {
  // Keys in this order: a person reading the console log sees time and verdict first.
  nlohmann::ordered_json line = {{"time", time_iso}, {"event", "check"}, {"run", s.runs}};
  if (s.report) {
    line["verdict"] = to_string(s.report->verdict);
    line["findings"] = problem_ids(*s.report);
  } else {
    line["verdict"] = "unknown";
    line["findings"] = nlohmann::ordered_json::array();
    line["error"] = s.error;
  }
  line["duration_ms"] = std::round(s.duration_s * 1e4) / 10;  // 0.1 ms
  if (!instance_id.empty()) line["instance_id"] = instance_id;
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vnetdiag
