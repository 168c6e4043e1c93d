#pragma once
// The report as Prometheus metrics: text format 0.0.4 or OpenMetrics 1.0.0. A pure function of
// the last report and the run counters; `vnetdiag serve` renders it once per check cycle.
//
// Vocabulary: blackbox_exporter's probe_* names where they fit, one series per configured target
// (label `target` = Target::label()), plus vnetdiag_* for findings and the check loop. Resolved
// addresses never become label values (probe_ip_addr_hash carries their change instead).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model.hpp"

namespace vnetdiag {

enum class MetricsFormat { kPrometheusText, kOpenMetrics };

struct MetricsMeta {
  uint64_t check_runs_total = 0;            // checks started and finished, whatever their verdict
  uint64_t check_errors_total = 0;          // checks that could not run at all (no report)
  double last_check_timestamp_seconds = 0;  // Unix time the last check finished; 0: none yet
  double last_check_duration_seconds = 0;
  std::string version, commit;
  // OpenTelemetry-style resource attributes for target_info (service_instance_id, ...); empty
  // values are left out, and no target_info at all when none is set.
  std::map<std::string, std::string> resource;
  // Put on every series, in this order (instance, site, slot): each App Service instance runs its
  // own vnetdiag, and a metric must say which one it came from. Empty values are left out.
  std::vector<std::pair<std::string, std::string>> instance_labels;
};

inline constexpr const char* kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";
inline constexpr const char* kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// report may be null: before the first check, or when the last one could not run.
std::string render_prometheus(const Report* report, const MetricsMeta& meta, MetricsFormat format);

// The same metrics as values, for other encoders (serve's OTLP push): families in the order the
// text shows them, each sample with its labels in order. A family may have no samples (the text
// leaves it out). Prometheus names: counters end in _total, info metrics in _info (value 1).
enum class MetricType { kGauge, kCounter, kInfo };
struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};
struct MetricFamily {
  std::string name;  // the sample name
  MetricType type = MetricType::kGauge;
  std::string help;
  std::vector<MetricSample> samples;
};
std::vector<MetricFamily> metric_families(const Report* report, const MetricsMeta& meta);
// The text of families (render_prometheus is this of metric_families), secrets scrubbed.
std::string render_metric_families(const std::vector<MetricFamily>& families, MetricsFormat format);

// A label value escaped for both formats: backslash, double quote and newline.
std::string escape_label_value(const std::string& value);

}  // namespace vnetdiag
