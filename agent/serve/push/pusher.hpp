#pragma once
// serve's push: after each check cycle the snapshot goes to the configured sinks -- OTLP/HTTP JSON
// (metrics and one span per check) and Application Insights (an availability result per target)
// -- from a thread of its own, so neither the check loop nor the server ever waits for a sink.
//
// Like the checks, each push runs in a child process forked from that thread: the server's process
// never loads TLS state, and a push in flight at shutdown is simply killed. No retries: a push
// that fails (transport error, non-2xx, a partial success) is one line on stderr and one more in
// vnetdiag_push_failures_total{sink}; the next cycle pushes fresh values. When the thread is still
// pushing as a new snapshot arrives, only the newest waits.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app_insights.hpp"
#include "otlp_json.hpp"
#include "result.hpp"
#include "serve_snapshot.hpp"

namespace vnetdiag::push {

inline constexpr const char* kSinkOtlp = "otlp";
inline constexpr const char* kSinkAppInsights = "appinsights";

struct PushConfig {
  std::string otlp_base;  // without /v1/...; empty: no OTLP push
  std::optional<AppInsightsTarget> app_insights;
  ResourceAttributes resource;  // service.name, service.instance.id, service.version
  AvailabilityContext availability;
  std::string ca_bundle;  // empty: the system store
  double timeout_s = 5;   // per push, all requests together
  bool enabled() const { return !otlp_base.empty() || app_insights.has_value(); }
};

// The OTLP base URL to push to (trailing '/' removed), or why not: https, or plain http only to a
// loopback address (the collector sidecar at 127.0.0.1:4318).
Result<std::string> otlp_base_url(const std::string& url);

class Pusher {
 public:
  using Clock = std::chrono::steady_clock;
  using LogLine = std::function<void(const std::string&)>;  // one line, no newline
  using Changed = std::function<void()>;                    // failure counts changed

  Pusher(PushConfig config, LogLine log, Changed changed);
  ~Pusher();
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;

  void start();
  // Hands the snapshot to the push thread; never blocks on a push.
  void submit(std::shared_ptr<const Snapshot> snapshot);
  void request_stop();
  // False when the thread did not end by the deadline (it is detached).
  bool wait_stopped(Clock::time_point deadline);

  // Failed pushes by sink; every configured sink is present (0 until one fails).
  std::map<std::string, uint64_t> failures() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The snapshot with vnetdiag_push_failures_total{sink} in its metrics (replacing an older one)
// and its /metrics bodies rendered again. No sinks: the snapshot unchanged.
std::shared_ptr<const Snapshot> with_push_metrics(
    std::shared_ptr<const Snapshot> snapshot, const std::map<std::string, uint64_t>& failures,
    const std::vector<std::pair<std::string, std::string>>& labels = {});

// Whether a sink's answer means every item was taken, and if not why (one line): OTLP wants 2xx
// and no rejected points or spans in partialSuccess; App Insights 200 with itemsAccepted ==
// itemsReceived. status 0: transport error (error says which).
std::optional<std::string> push_refused(const std::string& sink, long status,
                                        const std::string& body, const std::string& error);

}  // namespace vnetdiag::push
