#include "arm_client.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>
#include <thread>

#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void sleep_for(double s) {
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

std::mt19937& rng() {
  thread_local std::mt19937 gen(std::random_device{}());
  return gen;
}

// Retry-After as sent, or nullopt when absent; clamped to what a client may wait (see below).
std::optional<double> header_seconds(const ArmResponse& r, const char* name) {
  auto it = r.headers.find(name);
  if (it == r.headers.end()) return std::nullopt;
  return parse_retry_after(it->second, std::time(nullptr));
}

bool is_expired_token(const ArmResponse& r) {
  return r.status == 401 && r.error &&
         (lower(r.error->code).find("expired") != std::string::npos ||
          lower(r.error->code) == "invalidauthenticationtoken");
}

}  // namespace

std::optional<double> parse_retry_after(const std::string& value, std::time_t now) {
  const std::string v = trim(value);
  if (v.empty() || v.size() > 64) return std::nullopt;
  if (v.find_first_not_of("0123456789") == std::string::npos) {
    // Delay-seconds; anything with more digits than a day needs is "a long time".
    return v.size() > 6 ? kMaxWaitS : std::stod(v);
  }
  tm t{};  // HTTP-date (IMF-fixdate), e.g. "Wed, 21 Oct 2015 07:28:00 GMT"
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &t);
  if (!end || *end) return std::nullopt;
  return static_cast<double>(timegm(&t) - now);
}

double clamp_wait(std::optional<double> seconds, double fallback) {
  double s = seconds.value_or(fallback);
  if (!std::isfinite(s)) s = fallback;
  return std::clamp(s, kMinWaitS, kMaxWaitS);
}

std::string new_guid() {
  std::uniform_int_distribution<int> d(0, 15);
  const char* hex = "0123456789abcdef";
  std::string g = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (auto& c : g) {
    if (c == 'x')
      c = hex[d(rng())];
    else if (c == 'y')
      c = hex[8 + d(rng()) % 4];
  }
  return g;
}

bool is_retryable(const ArmResponse& r) {
  if (r.status == 0) return true;  // connection errors
  if (r.status == 408 || r.status == 429 || r.status >= 500) return true;
  if (r.status == 409 && r.error && r.error->code == "AnotherOperationInProgress") return true;
  return false;
}

ArmClient::ArmClient(ArmOptions options, TokenSource& tokens)
    : options_(std::move(options)), tokens_(tokens), correlation_id_(new_guid()) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
  trusted_ = origin_of(options_.endpoint);
}

std::string ArmClient::url_for(const std::string& path) const {
  if (starts_with(path, "https://") || starts_with(path, "http://")) return path;  // LRO monitors
  return options_.endpoint + path;
}

HttpRequest ArmClient::build(const std::string& method, const std::string& url, const json& body,
                             const std::string& client_request_id, std::string* token_error,
                             const std::vector<std::string>& extra_headers) {
  HttpRequest r{method, url, {}, ""};
  auto token = tokens_.get();
  if (!token) {
    *token_error = token.error().message;
    return r;
  }
  r.headers = {"Authorization: Bearer " + token->value,
               "x-ms-client-request-id: " + client_request_id,
               "x-ms-correlation-request-id: " + correlation_id_, "Accept: application/json"};
  r.headers.insert(r.headers.end(), extra_headers.begin(), extra_headers.end());
  if (!body.is_null()) {
    r.headers.push_back("Content-Type: application/json");
    r.body = body.dump();
  }
  return r;
}

ArmResponse ArmClient::finish(const std::string& method, const std::string& path, HttpResponse http,
                              const std::string& client_request_id) {
  ArmResponse r;
  r.status = http.status;
  r.headers = std::move(http.headers);
  r.client_request_id = client_request_id;
  r.correlation_id = correlation_id_;
  if (!http.body.empty()) {
    try {
      r.body = json::parse(http.body);
    } catch (...) {
      r.body = nullptr;
    }
  }
  if (http.status == 0)
    r.error = ArmError{"ConnectionFailed", http.error, "", ""};
  else if (!r.ok())
    r.error = parse_arm_error(http.status, http.body);
  ++requests_;
  record(method, path, r);
  return r;
}

double ArmClient::retry_delay(const ArmResponse& r, int attempt) {
  if (const auto after = header_seconds(r, "retry-after")) return clamp_wait(after, kMinWaitS);
  const double cap =
      std::min(options_.max_backoff_s, options_.base_backoff_s * (1 << std::min(attempt, 16)));
  std::uniform_real_distribution<double> jitter(cap / 2, cap);  // "equal jitter"
  return jitter(rng());
}

void ArmClient::record(const std::string& method, const std::string& path, const ArmResponse& r) {
  JournalEntry e{method,  path.substr(0, path.find('?')), r.client_request_id, r.correlation_id, "",
                 r.status};
  e.outcome = r.ok() ? "ok" : r.error ? r.error->code : "HTTP " + std::to_string(r.status);
  std::lock_guard<std::mutex> lock(journal_mutex_);
  journal_.push_back(std::move(e));
}

std::vector<JournalEntry> ArmClient::journal() {
  std::lock_guard<std::mutex> lock(journal_mutex_);
  return journal_;
}

std::optional<ArmResponse> ArmClient::refuse_untrusted(const std::string& path) {
  const std::string url = url_for(path);
  std::optional<std::string> why =
      trusted_
          ? untrusted_arm_url(url, *trusted_)
          : std::optional<std::string>("the ARM endpoint '" + options_.endpoint + "' is not a URL");
  if (!why) return std::nullopt;
  ArmResponse r;
  r.error = ArmError{"UntrustedRedirect", *why + ": refused, the token was not sent", "", ""};
  record("GET", path, r);
  return r;
}

std::optional<ArmResponse> ArmClient::refuse_unanswering(const std::string& method,
                                                         const std::string& path) {
  if (!unanswering_.load()) return std::nullopt;
  ArmResponse r;
  r.error = ArmError{"EndpointNotAnswering",
                     options_.endpoint +
                         " gave no answer to an earlier call of this run within its retry "
                         "budget; not asked again (check that it is reachable from here)",
                     "", ""};
  record(method, path, r);
  return r;
}

void ArmClient::note_unanswered(const ArmResponse& final_answer) {
  if (final_answer.status == 0 && final_answer.error &&
      final_answer.error->code == "ConnectionFailed")
    unanswering_.store(true);
}

ArmResponse ArmClient::send(const std::string& method, const std::string& path, const json& body,
                            const std::vector<std::string>& extra_headers) {
  if (auto refused = refuse_untrusted(path)) return *refused;
  if (auto refused = refuse_unanswering(method, path)) return *refused;
  const auto start = Clock::now();
  const std::string request_id = new_guid();
  bool refreshed = false;
  for (int attempt = 0;; ++attempt) {
    std::string token_error;
    HttpRequest req = build(method, url_for(path), body, request_id, &token_error, extra_headers);
    if (!token_error.empty()) {
      ArmResponse r;
      r.error = ArmError{"NoCredentials", token_error, "", ""};
      return r;
    }
    ArmResponse r = finish(method, path, perform(req, options_.http), request_id);
    r.attempts = attempt + 1;
    if (is_expired_token(r) && !refreshed) {
      tokens_.invalidate();
      refreshed = true;
      continue;
    }
    if (!is_retryable(r)) return r;
    const double delay = retry_delay(r, attempt);
    if (attempt + 1 >= options_.max_attempts || seconds_since(start) + delay > options_.budget_s) {
      note_unanswered(r);
      return r;
    }
    sleep_for(delay);
  }
}

std::vector<ArmResponse> ArmClient::get_all(const std::vector<std::string>& paths) {
  const auto start = Clock::now();
  std::vector<ArmResponse> results(paths.size());
  std::vector<std::string> request_ids(paths.size());
  for (auto& id : request_ids) id = new_guid();
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (auto refused = refuse_untrusted(paths[i]))
      results[i] = *refused;
    else if (auto unanswered = refuse_unanswering("GET", paths[i]))
      results[i] = *unanswered;
    else
      pending.push_back(i);
  }
  for (int attempt = 0; !pending.empty(); ++attempt) {
    std::vector<HttpRequest> batch;
    batch.reserve(pending.size());
    std::string token_error;
    for (std::size_t i : pending)
      batch.push_back(build("GET", url_for(paths[i]), nullptr, request_ids[i], &token_error));
    if (!token_error.empty()) {
      for (std::size_t i : pending)
        results[i].error = ArmError{"NoCredentials", token_error, "", ""};
      break;
    }
    auto answers = perform_all(batch, options_.http);
    std::vector<std::size_t> again;
    double delay = 0;
    bool expired = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      results[i] = finish("GET", paths[i], std::move(answers[k]), request_ids[i]);
      results[i].attempts = attempt + 1;
      if (is_expired_token(results[i]) && attempt == 0) expired = true;
      if (is_retryable(results[i]) || (is_expired_token(results[i]) && attempt == 0)) {
        again.push_back(i);
        delay = std::max(delay, retry_delay(results[i], attempt));
      }
    }
    if (expired) {
      tokens_.invalidate();
      delay = 0;
    }
    if (again.empty()) break;
    if (attempt + 1 >= options_.max_attempts || seconds_since(start) + delay > options_.budget_s) {
      for (std::size_t i : again) note_unanswered(results[i]);
      break;
    }
    sleep_for(delay);
    pending = std::move(again);
  }
  return results;
}

ArmResponse ArmClient::wait(const std::string& method, const std::string& path,
                            ArmResponse initial) {
  const auto start = Clock::now();
  if (!initial.ok() || initial.status == 204) return initial;
  std::string async_url, location_url;
  if (auto it = initial.headers.find("azure-asyncoperation"); it != initial.headers.end())
    async_url = it->second;
  if (auto it = initial.headers.find("location"); it != initial.headers.end())
    location_url = it->second;
  const auto state_of = [](const json& body) -> std::string {
    if (body.is_object() && body.contains("properties") && body["properties"].is_object() &&
        body["properties"].contains("provisioningState") &&
        body["properties"]["provisioningState"].is_string())
      return body["properties"]["provisioningState"].get<std::string>();
    return "";
  };
  if (async_url.empty() && location_url.empty()) {
    const std::string state = state_of(initial.body);
    if (initial.status != 202 && (state.empty() || lower(state) == "succeeded")) return initial;
    if (lower(state) == "failed" || lower(state) == "canceled") {
      initial.error = ArmError{"ProvisioningState" + state, path + " ended " + state, "", ""};
      return initial;
    }
  }
  ArmResponse last = initial;
  for (;;) {
    const double delay =
        clamp_wait(header_seconds(last, "retry-after"), options_.lro_default_poll_s);
    if (seconds_since(start) + delay > options_.lro_budget_s) {
      last.error = ArmError{"OperationTimedOut",
                            path + " is still running after " +
                                std::to_string(static_cast<int>(options_.lro_budget_s)) + " s",
                            "", ""};
      return last;
    }
    sleep_for(delay);
    const std::string monitor = !async_url.empty()      ? async_url
                                : !location_url.empty() ? location_url
                                                        : path;
    ArmResponse poll = send("GET", monitor);
    if (!poll.ok() && !async_url.empty() && (poll.status == 401 || poll.status == 403)) {
      // A narrowly scoped identity may not read the status URL: watch the resource instead.
      async_url.clear();
      location_url.clear();
      continue;
    }
    if (!poll.ok()) return poll;
    if (!async_url.empty()) {
      const std::string status =
          poll.body.is_object() && poll.body.contains("status") && poll.body["status"].is_string()
              ? poll.body["status"].get<std::string>()
              : "InProgress";
      if (lower(status) == "succeeded") break;
      if (lower(status) == "failed" || lower(status) == "canceled") {
        const json err = poll.body.contains("error") ? poll.body["error"] : json::object();
        poll.error = parse_arm_error(200, json{{"error", err}}.dump());
        if (poll.error->code.empty() || poll.error->code == "HTTP200")
          poll.error->code = "Operation" + status;
        poll.status = 500;
        return poll;
      }
      last = poll;
      continue;
    }
    if (!location_url.empty()) {
      if (poll.status == 202) {
        last = poll;
        if (auto it = poll.headers.find("location"); it != poll.headers.end())
          location_url = it->second;
        continue;
      }
      return method == "DELETE" || method == "POST" ? poll : send("GET", path);
    }
    const std::string state = state_of(poll.body);
    if (state.empty() || lower(state) == "succeeded") return poll;
    if (lower(state) == "failed" || lower(state) == "canceled") {
      poll.error = ArmError{"ProvisioningState" + state,
                            std::string(path).append(" ended ").append(state), "", ""};
      return poll;
    }
    last = poll;
  }
  if (method == "DELETE") return last;
  return send("GET", path);
}

}  // namespace vnetdiag::arm
