#include "serve_snapshot.hpp"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "render.hpp"
#include "render_chain.hpp"
#include "render_prometheus.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

MetricsMeta meta_of(const ServeInfo& info, uint64_t runs, uint64_t errors, double finished_unix,
                    double duration_s) {
  MetricsMeta m;
  m.check_runs_total = runs;
  m.check_errors_total = errors;
  m.last_check_timestamp_seconds = finished_unix;
  m.last_check_duration_seconds = duration_s;
  m.version = info.version;
  m.commit = info.commit;
  m.resource = info.resource;
  m.instance_labels = info.labels;
  return m;
}

std::vector<std::string> problem_ids(const Report& report) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& f : report.findings)
    if (f.severity != Severity::kOk && seen.insert(f.id).second) ids.push_back(f.id);
  return ids;
}

void render_metrics(Snapshot& s, const ServeInfo& info, const Report* report) {
  const MetricsMeta meta = meta_of(info, s.runs, s.errors, s.finished_unix, s.duration_s);
  s.metrics = metric_families(report, meta);
  s.metrics_text = render_metric_families(s.metrics, MetricsFormat::kPrometheusText);
  s.metrics_openmetrics = render_metric_families(s.metrics, MetricsFormat::kOpenMetrics);
}

// Every target answers the same body until there is a report to take its part from.
void targets_without_report(Snapshot& s, const ServeInfo& info, const json& body) {
  const std::string text = json_text(body) + "\n";
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

// The page at / while there is no report to draw.
std::string waiting_page(const std::string& why) {
  std::string text;
  for (char c : why)
    text += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
         "<title>vnetdiag</title></head><body><p>vnetdiag: " +
         text + "</p></body></html>\n";
}

std::shared_ptr<const Snapshot> initial_snapshot(const ServeInfo& info) {
  auto s = std::make_shared<Snapshot>();
  const json pending = {{"status", "pending"}, {"reason", "no check has finished yet"}};
  s->ready_body = json_text(pending) + "\n";
  s->report_json = s->ready_body;
  s->report_text = "vnetdiag: no check has finished yet\n";
  s->report_html = waiting_page("no check has finished yet");
  targets_without_report(*s, info, pending);
  render_metrics(*s, info, nullptr);
  return s;
}

std::shared_ptr<const Snapshot> next_snapshot(const Snapshot& previous,
                                              const Result<Report>& outcome, const ServeInfo& info,
                                              double duration_s, double finished_unix,
                                              std::chrono::steady_clock::time_point finished) {
  auto s = std::make_shared<Snapshot>();
  s->runs = previous.runs + 1;
  s->errors = previous.errors + (outcome ? 0 : 1);
  s->finished = finished;
  s->finished_unix = finished_unix;
  s->duration_s = duration_s;
  if (!outcome) {
    s->error = outcome.error().message;
    const json failed = {{"status", "error"}, {"reason", "the check could not run: " + s->error}};
    s->ready_body = json_text(failed) + "\n";
    s->report_json = s->ready_body;
    s->report_text = "vnetdiag: the check could not run: " + s->error + "\n";
    s->report_html = waiting_page("the check could not run: " + s->error);
    targets_without_report(*s, info, failed);
    render_metrics(*s, info, nullptr);
    return s;
  }
  const Report& r = *outcome;
  s->has_report = true;
  s->verdict = r.verdict;
  s->problems = problem_ids(r);

  // Ready while the app can work: ok, or a warning (a resolver that disagrees, a long TTL, ...).
  // Critical and unknown are not ready.
  s->ready = r.verdict == Severity::kOk || r.verdict == Severity::kWarning;
  nlohmann::ordered_json ready = {{"status", s->ready ? "ready" : "not ready"},
                                  {"verdict", to_string(r.verdict)},
                                  {"checked_at", r.started_at},
                                  {"findings", s->problems}};
  if (!s->ready)
    ready["reason"] = std::string("the last check's verdict is ") + to_string(r.verdict);
  s->ready_body = json_text(ready) + "\n";

  s->report_json = render_json(r);
  s->report_text = render_text(r, false);
  s->report_html = render_html(r);

  const json whole = report_to_json(r);
  const json& targets = whole["targets"];
  for (const auto& t : info.targets) {
    const std::string name = t.label();
    json part = {
        {"name", name}, {"started_at", r.started_at}, {"duration_ms", r.observations.duration_ms}};
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
    s->targets.push_back({name, t.host, json_text(part) + "\n"});
  }
  render_metrics(*s, info, &r);
  return s;
}

namespace {

// Encoding: fixed-width little-endian integers and length-prefixed strings, in field order. Both
// ends are the same binary, so no versioning; the decoder still checks every length.
class Encoder {
 public:
  void u64(uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void f64(double v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& v) {
    u64(v.size());
    out += v;
  }
  std::string out;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool u64(uint64_t& v) { return raw(&v, sizeof v); }
  bool f64(double& v) { return raw(&v, sizeof v); }
  bool str(std::string& v) {
    uint64_t n = 0;
    if (!u64(n) || n > in_.size()) return false;
    v.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  bool raw(void* p, std::size_t n) {
    if (in_.size() < n) return false;
    std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  std::string_view in_;
};

bool decode_metrics(Decoder& d, std::size_t limit, std::vector<MetricFamily>& out) {
  uint64_t families = 0;
  bool ok = d.u64(families) && families <= limit;
  for (uint64_t i = 0; ok && i < families; ++i) {
    MetricFamily& f = out.emplace_back();
    uint64_t type = 0, samples = 0;
    ok = d.str(f.name) && d.u64(type) && type <= 2 && d.str(f.help) && d.u64(samples) &&
         samples <= limit;
    f.type = static_cast<MetricType>(type);
    for (uint64_t j = 0; ok && j < samples; ++j) {
      MetricSample& sample = f.samples.emplace_back();
      uint64_t labels = 0;
      ok = d.u64(labels) && labels <= limit;
      for (uint64_t k = 0; ok && k < labels; ++k) {
        auto& [key, value] = sample.labels.emplace_back();
        ok = d.str(key) && d.str(value);
      }
      ok = ok && d.f64(sample.value);
    }
  }
  return ok;
}

}  // namespace

std::string encode_snapshot(const Snapshot& s) {
  Encoder e;
  e.u64(s.has_report);
  e.u64(static_cast<uint64_t>(s.verdict));
  e.u64(s.problems.size());
  for (const auto& p : s.problems) e.str(p);
  e.str(s.error);
  e.u64(s.runs);
  e.u64(s.errors);
  e.f64(s.finished_unix);
  e.f64(s.duration_s);
  e.u64(s.ready);
  for (const std::string* body : {&s.ready_body, &s.report_json, &s.report_text, &s.report_html,
                                  &s.metrics_text, &s.metrics_openmetrics})
    e.str(*body);
  e.u64(s.targets.size());
  for (const auto& t : s.targets) {
    e.str(t.name);
    e.str(t.host);
    e.str(t.json);
  }
  e.u64(s.metrics.size());
  for (const auto& f : s.metrics) {
    e.str(f.name);
    e.u64(static_cast<uint64_t>(f.type));
    e.str(f.help);
    e.u64(f.samples.size());
    for (const auto& sample : f.samples) {
      e.u64(sample.labels.size());
      for (const auto& [k, v] : sample.labels) {
        e.str(k);
        e.str(v);
      }
      e.f64(sample.value);
    }
  }
  return std::move(e.out);
}

Result<Snapshot> decode_snapshot(std::string_view bytes) {
  Decoder d(bytes);
  Snapshot s;
  uint64_t has_report = 0, verdict = 0, count = 0, ready = 0;
  bool ok =
      d.u64(has_report) && d.u64(verdict) && verdict <= 3 && d.u64(count) && count <= bytes.size();
  for (uint64_t i = 0; ok && i < count; ++i) ok = d.str(s.problems.emplace_back());
  ok = ok && d.str(s.error) && d.u64(s.runs) && d.u64(s.errors) && d.f64(s.finished_unix) &&
       d.f64(s.duration_s) && d.u64(ready);
  for (std::string* body : {&s.ready_body, &s.report_json, &s.report_text, &s.report_html,
                            &s.metrics_text, &s.metrics_openmetrics})
    ok = ok && d.str(*body);
  ok = ok && d.u64(count) && count <= bytes.size();
  for (uint64_t i = 0; ok && i < count; ++i) {
    TargetBody& t = s.targets.emplace_back();
    ok = d.str(t.name) && d.str(t.host) && d.str(t.json);
  }
  // The metrics as values come last and may be absent (no families): snapshots written before
  // they existed (the fuzz seeds) still decode.
  if (ok && !d.done()) ok = decode_metrics(d, bytes.size(), s.metrics);
  if (!ok || !d.done()) return fail("the check's result arrived incomplete or garbled");
  s.has_report = has_report != 0;
  s.verdict = static_cast<Severity>(verdict);
  s.ready = ready != 0;
  return s;
}

std::string cycle_log_line(const Snapshot& s, std::string_view time_iso,
                           std::string_view instance_id, long check_max_rss_kib) {
  // Keys in this order: a person reading the console log sees time and verdict first.
  nlohmann::ordered_json line = {{"time", time_iso}, {"event", "check"}, {"run", s.runs}};
  if (s.has_report) {
    line["verdict"] = to_string(s.verdict);
    line["findings"] = s.problems;
  } else {
    line["verdict"] = "unknown";
    line["findings"] = nlohmann::ordered_json::array();
    line["error"] = s.error;
  }
  line["duration_ms"] = std::round(s.duration_s * 1e4) / 10;  // 0.1 ms
  if (!instance_id.empty()) line["instance_id"] = instance_id;
  if (check_max_rss_kib > 0) line["check_max_rss_kib"] = check_max_rss_kib;
  return json_text(line);
}

}  // namespace vnetdiag
