#pragma once
// What `vnetdiag serve` answers from: the outcome of the last check with every body rendered once
// per check cycle, so that a request only picks a string. Immutable once built; the scheduler
// swaps in a new one after each check.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"
#include "render_prometheus.hpp"
#include "result.hpp"

namespace vnetdiag {

// What stays the same for the whole life of the server.
struct ServeInfo {
  std::vector<Target> targets;  // configured: the only names /probe knows
  std::string version, commit;
  std::map<std::string, std::string> resource;  // service_instance_id, service_name (may be empty)
  std::vector<std::pair<std::string, std::string>> labels;  // instance, site, slot: every series
};

struct TargetBody {
  std::string name;  // Target::label()
  std::string host;  // also accepted by /probe?target=
  std::string json;  // the target's part of the report and its findings
};

// Only values and rendered text, no Report: a snapshot built in the check's own process travels
// to the server's as bytes (encode_snapshot / decode_snapshot).
struct Snapshot {
  bool has_report = false;  // false before the first check, or when the last one could not run
  Severity verdict = Severity::kUnknown;
  std::vector<std::string> problems;  // ids of the findings that are not ok, each once
  std::string error;                  // why the last check could not run
  uint64_t runs = 0;                  // checks finished (whatever their verdict)
  uint64_t errors = 0;                // of those, how many could not run at all
  std::chrono::steady_clock::time_point
      finished{};  // when the last check finished (this process's clock)
  double finished_unix = 0;
  double duration_s = 0;

  bool ready = false;        // /readyz, unless stale
  std::string ready_body;    // /readyz's JSON (200 or 503)
  std::string report_json;   // /report (render_json), or a JSON error before the first report
  std::string report_text;   // /report?format=text
  std::string report_html;   // / : the chain view (render_html)
  std::string metrics_text;  // Prometheus 0.0.4
  std::string metrics_openmetrics;
  std::vector<TargetBody> targets;    // one per configured target, in order
  std::vector<MetricFamily> metrics;  // what metrics_text shows, as values (for the OTLP push)

  bool checked() const { return runs > 0; }
  // By Target::label() or host; nullptr when no such target is configured.
  const TargetBody* find_target(std::string_view name) const;
};

// Before the first check: every body says that no check has finished yet.
std::shared_ptr<const Snapshot> initial_snapshot(const ServeInfo& info);

// After a check. outcome: the report, or why the check could not run.
// finished_unix: wall-clock time the check finished (for vnetdiag_last_check_timestamp_seconds).
std::shared_ptr<const Snapshot> next_snapshot(const Snapshot& previous,
                                              const Result<Report>& outcome, const ServeInfo& info,
                                              double duration_s, double finished_unix,
                                              std::chrono::steady_clock::time_point finished);

// A snapshot as bytes and back (all but `finished`, which the receiver sets from its own clock).
std::string encode_snapshot(const Snapshot& snapshot);
Result<Snapshot> decode_snapshot(std::string_view bytes);

// The structured log line of a check cycle (one JSON object, no newline): time, verdict, the ids
// of the findings that are not ok, duration_ms, instance_id when known, and the check process's
// peak resident size when it ran in one.
std::string cycle_log_line(const Snapshot& snapshot, std::string_view time_iso,
                           std::string_view instance_id, long check_max_rss_kib = 0);

}  // namespace vnetdiag
