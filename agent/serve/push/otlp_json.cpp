#include "otlp_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "secrets.hpp"
#include "version.hpp"

namespace vnetdiag::push {
namespace {

using nlohmann::ordered_json;

ordered_json string_attribute(const std::string& key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

ordered_json resource_json(const ResourceAttributes& resource) {
  ordered_json attributes = ordered_json::array();
  for (const auto& [k, v] : resource)
    if (!v.empty()) attributes.push_back(string_attribute(k, v));
  return {{"attributes", std::move(attributes)}};
}

ordered_json scope_json() { return {{"name", "vnetdiag"}, {"version", VNETDIAG_VERSION}}; }

// Prometheus base units in names: _seconds is "s" (UCUM), the rest are unitless.
std::string unit_of(const std::string& name) { return name.ends_with("_seconds") ? "s" : ""; }

ordered_json attributes_of(const MetricSample& sample) {
  ordered_json attributes = ordered_json::array();
  for (const auto& [k, v] : sample.labels) attributes.push_back(string_attribute(k, v));
  return attributes;
}

// A finite double as JSON; NaN and infinities have no JSON number (proto3 JSON would write them
// as strings "NaN"/"Infinity", which it also accepts).
ordered_json double_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

std::string verdict_text(const Snapshot& s) {
  return s.has_report ? to_string(s.verdict) : "unknown";
}

bool failed(Severity verdict) {
  return verdict == Severity::kCritical || verdict == Severity::kUnknown;
}

}  // namespace

std::string unix_nanos_text(double unix_s) {
  if (!(unix_s > 0)) return "0";
  const auto whole = static_cast<uint64_t>(unix_s);
  const auto nanos =
      static_cast<uint64_t>(std::llround((unix_s - static_cast<double>(whole)) * 1e9));
  return std::to_string(whole * 1000000000ULL + std::min<uint64_t>(nanos, 999999999ULL));
}

std::string random_hex(std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::random_device device;  // /dev/urandom on Linux
  for (;;) {
    std::string out;
    bool any = false;  // an all-zero id is invalid in OTLP
    for (std::size_t i = 0; i < bytes; ++i) {
      const unsigned b = device() & 0xffU;
      any = any || b != 0;
      out += digits[b >> 4];
      out += digits[b & 0xfU];
    }
    if (any) return out;
  }
}

std::string otlp_metrics_json(const Snapshot& snapshot, const ResourceAttributes& resource,
                              uint64_t start_unix_ns) {
  const std::string now = unix_nanos_text(snapshot.finished_unix);
  const std::string start = std::to_string(start_unix_ns);
  ordered_json metrics = ordered_json::array();
  for (const auto& family : snapshot.metrics) {
    if (family.samples.empty() || family.name == "target_info") continue;
    ordered_json points = ordered_json::array();
    for (const auto& sample : family.samples) {
      ordered_json point = {{"attributes", attributes_of(sample)}};
      if (family.type == MetricType::kCounter) {
        point["startTimeUnixNano"] = start;
        point["timeUnixNano"] = now;
        point["asInt"] = std::to_string(static_cast<int64_t>(std::llround(sample.value)));
      } else {
        point["timeUnixNano"] = now;
        point["asDouble"] = double_value(sample.value);
      }
      points.push_back(std::move(point));
    }
    ordered_json metric = {
        {"name", family.name}, {"description", family.help}, {"unit", unit_of(family.name)}};
    if (family.type == MetricType::kCounter)
      metric["sum"] = {
          {"dataPoints", std::move(points)}, {"aggregationTemporality", 2}, {"isMonotonic", true}};
    else
      metric["gauge"] = {{"dataPoints", std::move(points)}};
    metrics.push_back(std::move(metric));
  }
  const ordered_json body = {
      {"resourceMetrics",
       {{{"resource", resource_json(resource)},
         {"scopeMetrics", {{{"scope", scope_json()}, {"metrics", std::move(metrics)}}}}}}}};
  return secrets::scrub(body.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
}

std::string otlp_trace_json(const Snapshot& snapshot, const ResourceAttributes& resource,
                            const std::string& trace_id, const std::string& span_id) {
  const std::string end = unix_nanos_text(snapshot.finished_unix);
  const std::string start =
      unix_nanos_text(snapshot.finished_unix - std::max(0.0, snapshot.duration_s));
  const bool error = !snapshot.has_report || failed(snapshot.verdict);
  ordered_json problems = ordered_json::array();
  for (const auto& p : snapshot.problems) problems.push_back({{"stringValue", p}});
  ordered_json attributes = ordered_json::array(
      {string_attribute("vnetdiag.verdict", verdict_text(snapshot)),
       {{"key", "vnetdiag.problems"}, {"value", {{"arrayValue", {{"values", problems}}}}}},
       {{"key", "vnetdiag.run"}, {"value", {{"intValue", std::to_string(snapshot.runs)}}}}});
  if (!snapshot.has_report) attributes.push_back(string_attribute("error.type", "check_failed"));
  ordered_json status = {{"code", error ? 2 : 1}};
  if (error)
    status["message"] = snapshot.has_report ? "verdict " + verdict_text(snapshot)
                                            : "the check could not run: " + snapshot.error;
  ordered_json spans = ordered_json::array();
  spans.push_back({{"traceId", trace_id},
                   {"spanId", span_id},
                   {"name", "vnetdiag.check"},
                   {"kind", 1},
                   {"startTimeUnixNano", start},
                   {"endTimeUnixNano", end},
                   {"attributes", std::move(attributes)},
                   {"status", std::move(status)}});
  for (const auto& target : snapshot.targets) {
    // The target's verdict from its /probe body; "unknown" when that is not readable.
    std::string verdict = "unknown";
    const auto part = nlohmann::json::parse(target.json, nullptr, false);
    if (part.is_object() && part.contains("verdict") && part["verdict"].is_string())
      verdict = part["verdict"].get<std::string>();
    const bool target_error = !snapshot.has_report || verdict == "critical" || verdict == "unknown";
    ordered_json target_status = {{"code", target_error ? 2 : 1}};
    if (target_error) target_status["message"] = "verdict " + verdict;
    spans.push_back({{"traceId", trace_id},
                     {"spanId", random_hex(8)},
                     {"parentSpanId", span_id},
                     {"name", "vnetdiag.target"},
                     {"kind", 1},
                     {"startTimeUnixNano", start},
                     {"endTimeUnixNano", end},
                     {"attributes",
                      {string_attribute("vnetdiag.target", target.name),
                       string_attribute("server.address", target.host),
                       string_attribute("vnetdiag.verdict", verdict)}},
                     {"status", std::move(target_status)}});
  }
  const ordered_json body = {
      {"resourceSpans",
       {{{"resource", resource_json(resource)},
         {"scopeSpans", {{{"scope", scope_json()}, {"spans", std::move(spans)}}}}}}}};
  return secrets::scrub(body.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
}

}  // namespace vnetdiag::push
