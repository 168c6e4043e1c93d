#pragma once
// The ARM client: bearer tokens, x-ms-client-request-id on every call, retries with exponential
// backoff and jitter on 429/5xx/connection errors honouring Retry-After within a total budget,
// concurrent reads, long-running operations followed to the end, and a journal of every call.
#include <atomic>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "arm_error.hpp"
#include "http.hpp"
#include "token.hpp"
#include "url_trust.hpp"

namespace vnetdiag::arm {

struct ArmOptions {
  std::string endpoint = "https://management.azure.com";  // no trailing slash needed
  HttpOptions http;
  double budget_s = 60;  // all retries of one call together
  double base_backoff_s = 0.5;
  double max_backoff_s = 30;
  int max_attempts = 8;
  double lro_default_poll_s = 10;  // when no Retry-After is sent
  double lro_budget_s = 600;
};

struct ArmResponse {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's noexcept
                      // move
  long status = 0;
  nlohmann::json body;  // null when the body is empty or not JSON
  std::map<std::string, std::string> headers;
  std::string client_request_id;
  std::string correlation_id;
  std::optional<ArmError> error;  // set for non-2xx and transport failures
  int attempts = 0;
  bool ok() const { return status >= 200 && status < 300; }
};

struct JournalEntry {
  std::string method, path, client_request_id, correlation_id, outcome;
  long status = 0;
};

class ArmClient {
 public:
  ArmClient(ArmOptions options, TokenSource& tokens);

  ArmResponse send(const std::string& method, const std::string& path,
                   const nlohmann::json& body = nullptr,
                   const std::vector<std::string>& extra_headers = {});
  // Many GETs at once; each is retried on its own as send() would.
  std::vector<ArmResponse> get_all(const std::vector<std::string>& paths);
  // Follows a long-running operation started by `initial` to its end; returns the final state.
  ArmResponse wait(const std::string& method, const std::string& path, ArmResponse initial);

  int requests_sent() const { return requests_.load(); }
  std::vector<JournalEntry> journal();
  std::string correlation_id() const { return correlation_id_; }
  TokenSource& tokens() { return tokens_; }
  // How long wait() follows one long-running operation before giving up (OperationTimedOut).
  void set_lro_budget(double seconds) { options_.lro_budget_s = seconds; }

 private:
  HttpRequest build(const std::string& method, const std::string& url, const nlohmann::json& body,
                    const std::string& client_request_id, std::string* token_error,
                    const std::vector<std::string>& extra_headers = {});
  ArmResponse finish(const std::string& method, const std::string& path, HttpResponse http,
                     const std::string& client_request_id);
  std::string url_for(const std::string& path) const;
  // A refusal when `path` would carry the token off the ARM origin (see url_trust.hpp).
  std::optional<ArmResponse> refuse_untrusted(const std::string& path);
  double retry_delay(const ArmResponse& r, int attempt);
  // After one call spent its whole retry budget without any HTTP answer, the endpoint is taken
  // as not answering for the rest of the run: later calls fail at once instead of each waiting
  // out its own budget (a stalled endpoint would otherwise cost budget × calls).
  std::optional<ArmResponse> refuse_unanswering(const std::string& method, const std::string& path);
  void note_unanswered(const ArmResponse& final_answer);
  void record(const std::string& method, const std::string& path, const ArmResponse& r);

  ArmOptions options_;
  TokenSource& tokens_;
  std::string correlation_id_;
  std::optional<UrlOrigin> trusted_;
  std::atomic<int> requests_{0};
  std::atomic<bool> unanswering_{false};
  std::mutex journal_mutex_;
  std::vector<JournalEntry> journal_;
};

// Waits a server may ask for are kept within [1 s, 60 s]: "nan", negative, huge or past dates
// must neither spin the poller nor stall the run.
constexpr double kMinWaitS = 1;
constexpr double kMaxWaitS = 60;
// Retry-After as delay-seconds or an HTTP-date (relative to now); nullopt when unreadable.
std::optional<double> parse_retry_after(const std::string& value, std::time_t now);
// The wait to use: `seconds` (or `fallback` when absent or not finite), clamped to the bounds.
double clamp_wait(std::optional<double> seconds, double fallback);

std::string new_guid();
bool is_retryable(const ArmResponse& r);

}  // namespace vnetdiag::arm
