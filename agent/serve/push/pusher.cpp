#include "pusher.hpp"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "http.hpp"
#include "process_io.hpp"
#include "secrets.hpp"
#include "url_trust.hpp"

namespace vnetdiag::push {
namespace {

using nlohmann::json;

constexpr const char* kFailuresMetric = "vnetdiag_push_failures_total";

bool loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.0.0.0/8 as dotted digits only.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

// One line: control characters become spaces, long text is cut.
std::string one_line(std::string text, std::size_t max = 300) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

struct Sent {
  std::string sink, url;
  arm::HttpResponse response;
};

}  // namespace

Result<std::string> otlp_base_url(const std::string& url) {
  const auto origin = arm::origin_of(url);
  if (!origin || origin->host.empty())
    return fail("--otlp '" + one_line(url, 120) + "' is not a URL (e.g. http://127.0.0.1:4318)");
  if (url.find('@') != std::string::npos || url.find('?') != std::string::npos ||
      url.find('#') != std::string::npos)
    return fail("--otlp '" + one_line(url, 120) +
                "' must be a plain base URL (no user, query or fragment)");
  if (origin->scheme != "https" && !(origin->scheme == "http" && loopback_host(origin->host)))
    return fail("--otlp '" + one_line(url, 120) +
                "' is not https (plain http only to a loopback collector, e.g. "
                "http://127.0.0.1:4318)");
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::optional<std::string> push_refused(const std::string& sink, long status,
                                        const std::string& body, const std::string& error) {
  if (status == 0) return error.empty() ? std::string("no answer") : one_line(error);
  const auto answer = json::parse(body, nullptr, false);
  if (sink == kSinkAppInsights) {
    if (status == 200 && answer.is_object()) {
      const auto received = answer.value("itemsReceived", json()).is_number_integer()
                                ? answer["itemsReceived"].get<long long>()
                                : -1;
      const auto accepted = answer.value("itemsAccepted", json()).is_number_integer()
                                ? answer["itemsAccepted"].get<long long>()
                                : -2;
      if (received == accepted) return std::nullopt;
    }
    std::string why = "HTTP " + std::to_string(status);
    if (answer.is_object() && answer.contains("itemsAccepted") && answer.contains("itemsReceived"))
      why += ", " + answer["itemsAccepted"].dump() + " of " + answer["itemsReceived"].dump() +
             " items accepted";
    if (answer.is_object() && answer.contains("errors") && answer["errors"].is_array() &&
        !answer["errors"].empty() && answer["errors"][0].is_object() &&
        answer["errors"][0].contains("message") && answer["errors"][0]["message"].is_string())
      why += ": " + answer["errors"][0]["message"].get<std::string>();
    else if (!answer.is_object() && !body.empty())
      why += ": " + body;
    return one_line(why);
  }
  if (status < 200 || status > 299) {
    std::string why = "HTTP " + std::to_string(status);
    if (answer.is_object() && answer.contains("message") && answer["message"].is_string())
      why += ": " + answer["message"].get<std::string>();
    else if (!body.empty())
      why += ": " + body;
    return one_line(why);
  }
  // 2xx: an ExportPartialSuccess with rejected items is a failure of those items.
  if (answer.is_object() && answer.contains("partialSuccess") &&
      answer["partialSuccess"].is_object()) {
    const json& partial = answer["partialSuccess"];
    for (const char* field : {"rejectedDataPoints", "rejectedSpans"}) {
      if (!partial.contains(field)) continue;
      const json& v = partial[field];
      const std::string n = v.is_string() ? v.get<std::string>() : v.dump();
      if (n != "0" && !n.empty())
        return one_line("partial success, " + n + " " +
                        (std::string(field) == "rejectedSpans" ? "spans" : "data points") +
                        " rejected" +
                        (partial.contains("errorMessage") && partial["errorMessage"].is_string()
                             ? ": " + partial["errorMessage"].get<std::string>()
                             : ""));
    }
  }
  return std::nullopt;
}

std::shared_ptr<const Snapshot> with_push_metrics(
    std::shared_ptr<const Snapshot> snapshot, const std::map<std::string, uint64_t>& failures,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  if (failures.empty()) return snapshot;
  auto copy = std::make_shared<Snapshot>(*snapshot);
  std::erase_if(copy->metrics, [](const MetricFamily& f) { return f.name == kFailuresMetric; });
  MetricFamily& f = copy->metrics.emplace_back();
  f.name = kFailuresMetric;
  f.type = MetricType::kCounter;
  f.help = "Pushes to a sink (otlp, appinsights) that failed since the process started";
  for (const auto& [sink, count] : failures) {
    MetricSample& sample = f.samples.emplace_back();
    for (const auto& [k, v] : labels)  // instance, site, slot, as on every other series
      if (!v.empty()) sample.labels.emplace_back(k, v);
    sample.labels.emplace_back("sink", sink);
    sample.value = static_cast<double>(count);
  }
  copy->metrics_text = render_metric_families(copy->metrics, MetricsFormat::kPrometheusText);
  copy->metrics_openmetrics = render_metric_families(copy->metrics, MetricsFormat::kOpenMetrics);
  return copy;
}

struct Pusher::State {
  PushConfig config;
  LogLine log;
  Changed changed;
  uint64_t start_unix_ns = 0;

  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable ended;
  std::shared_ptr<const Snapshot> pending;
  std::map<std::string, uint64_t> failures;
  bool done = false;
  std::atomic<bool> stop{false};
  std::thread thread;

  std::vector<Sent> requests_for(const Snapshot& s) const {
    std::vector<Sent> out;
    if (!config.otlp_base.empty()) {
      out.push_back({kSinkOtlp, config.otlp_base + "/v1/metrics", {}});
      out.back().response.body = otlp_metrics_json(s, config.resource, start_unix_ns);
      out.push_back({kSinkOtlp, config.otlp_base + "/v1/traces", {}});
      out.back().response.body = otlp_trace_json(s, config.resource, random_hex(16), random_hex(8));
    }
    if (config.app_insights && !s.targets.empty()) {
      out.push_back({kSinkAppInsights, config.app_insights->track_url, {}});
      out.back().response.body =
          availability_envelopes(s, config.app_insights->instrumentation_key, config.availability);
    }
    return out;
  }

  // In the child: send, write one JSON array of answers, exit. Never returns.
  [[noreturn]] void child(int fd, pid_t parent, const std::vector<Sent>& sends) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(3);
    if (fd != 3) {
      if (::dup2(fd, 3) < 0) ::_exit(3);
      fd = 3;
    }
    close_from(4);
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    try {
      curl_global_init(CURL_GLOBAL_DEFAULT);
      std::vector<arm::HttpRequest> requests;
      requests.reserve(sends.size());
      for (const auto& s : sends)
        requests.push_back({"POST",
                            s.url,
                            {"Content-Type: application/json", "Accept: application/json"},
                            s.response.body});
      arm::HttpOptions options;
      options.ca_bundle = config.ca_bundle;
      options.connect_timeout_s = std::min(3.0, config.timeout_s);
      options.total_timeout_s = config.timeout_s;
      options.max_body = std::size_t{64} * 1024;
      const auto answers = arm::perform_all(requests, options);
      json out = json::array();
      for (const auto& a : answers)
        out.push_back({{"status", a.status}, {"error", a.error}, {"body", a.body.substr(0, 4096)}});
      ::_exit(write_all(fd, out.dump(-1, ' ', false, json::error_handler_t::replace)) ? 0 : 4);
    } catch (...) {
      ::_exit(5);
    }
  }

  // Runs the sends in a child; fills each response, or sets `why` for all of them.
  void send_isolated(std::vector<Sent>& sends) {
    auto all_failed = [&](const std::string& why) {
      for (auto& s : sends) {
        s.response.status = 0;
        s.response.error = why;
      }
    };
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return all_failed(std::string("pipe: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int e = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      return all_failed(std::string("fork: ") + std::strerror(e));
    }
    if (pid == 0) {
      ::close(fds[0]);
      child(fds[1], parent, sends);
    }
    ::close(fds[1]);
    std::string bytes;
    std::string killed_because;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(config.timeout_s + 2));
    char buf[16384];
    for (;;) {
      if (stop.load()) {
        killed_because = "stopped at shutdown";
        break;
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        killed_because = "no answer in time";
        break;
      }
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) {
        bytes.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    ::close(fds[0]);
    if (!killed_because.empty()) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!killed_because.empty()) return all_failed(killed_because);
    const auto answers = json::parse(bytes, nullptr, false);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !answers.is_array() ||
        answers.size() != sends.size())
      return all_failed("the push process ended without an answer");
    for (std::size_t i = 0; i < sends.size(); ++i) {
      const json& a = answers[i];
      auto& r = sends[i].response;
      r.status = a.value("status", 0L);
      r.error = a.value("error", std::string());
      r.body = a.value("body", std::string());
    }
  }

  void push(const Snapshot& snapshot) {
    auto sends = requests_for(snapshot);
    if (sends.empty()) return;
    send_isolated(sends);
    if (stop.load()) return;  // killed at shutdown: not a sink's failure
    bool any_failed = false;
    for (const auto& s : sends) {
      const auto why = push_refused(s.sink, s.response.status, s.response.body, s.response.error);
      if (!why) continue;
      any_failed = true;
      {
        std::lock_guard lock(mutex);
        ++failures[s.sink];
      }
      if (log)
        log(secrets::scrub("vnetdiag: push to " + s.sink + " " + s.url + " failed: " + *why));
    }
    if (any_failed && changed) changed();
  }

  void loop() {
    for (;;) {
      std::shared_ptr<const Snapshot> next;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stop.load() || pending != nullptr; });
        if (stop.load()) break;
        next = std::move(pending);
        pending.reset();
      }
      push(*next);
    }
    std::lock_guard lock(mutex);
    done = true;
    ended.notify_all();
  }
};

Pusher::Pusher(PushConfig config, LogLine log, Changed changed)
    : state_(std::make_shared<State>()) {
  state_->config = std::move(config);
  state_->log = std::move(log);
  state_->changed = std::move(changed);
  state_->start_unix_ns = std::stoull(unix_nanos_text(unix_now()));
  if (!state_->config.otlp_base.empty()) state_->failures[kSinkOtlp] = 0;
  if (state_->config.app_insights) state_->failures[kSinkAppInsights] = 0;
}

Pusher::~Pusher() {
  request_stop();
  if (state_->thread.joinable()) state_->thread.detach();
}

void Pusher::start() {
  if (!state_->config.enabled()) return;
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &previous);
  state_->thread = std::thread([state = state_] { state->loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void Pusher::submit(std::shared_ptr<const Snapshot> snapshot) {
  if (!state_->config.enabled() || !snapshot || !snapshot->checked()) return;
  std::lock_guard lock(state_->mutex);
  state_->pending = std::move(snapshot);
  state_->wake.notify_all();
}

void Pusher::request_stop() {
  std::lock_guard lock(state_->mutex);
  state_->stop.store(true);
  state_->wake.notify_all();
}

bool Pusher::wait_stopped(Clock::time_point deadline) {
  if (!state_->thread.joinable()) return true;
  bool done = false;
  {
    std::unique_lock lock(state_->mutex);
    done = state_->ended.wait_until(lock, deadline, [this] { return state_->done; });
  }
  if (done)
    state_->thread.join();
  else
    state_->thread.detach();
  return done;
}

std::map<std::string, uint64_t> Pusher::failures() const {
  std::lock_guard lock(state_->mutex);
  return state_->failures;
}

}  // namespace vnetdiag::push
