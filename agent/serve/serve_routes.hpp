#pragma once
// `vnetdiag serve`'s endpoints: a request line and the current snapshot in, a response out.
// No I/O and no clock of its own (the caller passes `now`), so every status can be unit-tested.
//
//   /livez    200 while the check loop moves; 503 when it is stuck well past interval + deadline
//   /readyz   200 when the last check's verdict is ok or warning; 503 when critical/unknown,
//             when it could not run, before the first check, or when the result is stale
//   /report   the last report, JSON (render_json) or ?format=text
//   /metrics  Prometheus 0.0.4, or OpenMetrics 1.0.0 when Accept asks for it
//   /probe?target=NAME   one configured target's part of the report; unknown name 404
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "serve_snapshot.hpp"

namespace vnetdiag {

struct Request {
  std::string_view method;  // as received: GET, HEAD, POST, ...
  std::string_view target;  // origin-form: /path?query
  std::string_view accept;  // Accept header, may be empty
};

struct Response {
  unsigned status = 200;
  std::string_view content_type;  // static strings
  bool allow = false;             // 405: send Allow: GET, HEAD

  std::string_view body() const { return owned_ ? std::string_view(text_) : view_; }
  // A body that lives in the snapshot (kept alive by the response).
  void set_body(std::shared_ptr<const Snapshot> snapshot, std::string_view body) {
    snapshot_ = std::move(snapshot);
    view_ = body;
    owned_ = false;
  }
  void set_body(std::string body) {
    text_ = std::move(body);
    owned_ = true;
  }

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  std::string_view view_;
  std::string text_;
  bool owned_ = true;
};

inline constexpr std::string_view kAllowedMethods = "GET, HEAD";
inline constexpr const char* kJsonContentType = "application/json";
inline constexpr const char* kTextContentType = "text/plain; charset=utf-8";
inline constexpr const char* kHtmlContentType = "text/html; charset=utf-8";

struct LoopHealth {
  std::chrono::steady_clock::time_point now;
  std::chrono::steady_clock::time_point heartbeat;  // last sign of life of the check loop
  double stuck_after_s = 60;  // /livez fails when the heartbeat is older than this
  double stale_after_s = 90;  // /readyz fails when the last check is older than this
};

Response route(const Request& request, const std::shared_ptr<const Snapshot>& snapshot,
               const LoopHealth& health);

// Whether an Accept header prefers OpenMetrics 1.0.0 over the 0.0.4 text format.
bool wants_openmetrics(std::string_view accept);
// A query parameter's value, percent-decoded ('+' is a space); empty when absent.
std::string query_parameter(std::string_view query, std::string_view name);

}  // namespace vnetdiag
