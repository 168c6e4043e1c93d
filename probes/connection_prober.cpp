// Layer "connection": TCP, TLS and HTTP to every address another layer announces for a target
// (ConnectionProbe, one curl easy handle each, all in the engine's curl multi).
#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "connection_probe.hpp"
#include "prober.hpp"

namespace vnetdiag {
namespace {

class ConnectionProber final : public Prober {
 public:
  explicit ConnectionProber(ProbeRun& run) : run_(run), probed_(run.plan.targets.size()) {}
  ~ConnectionProber() override {
    for (auto& [easy, probe] : running_) curl_multi_remove_handle(run_.multi, easy);
  }
  ConnectionProber(const ConnectionProber&) = delete;
  ConnectionProber& operator=(const ConnectionProber&) = delete;

  void on_address(std::size_t target, const std::string& address) override {
    if (probed_[target].insert(address).second) queued_.emplace_back(target, address);
    start_queued();
  }

  long prepare(PollSet&, ProbeClock::time_point now) override {
    long wait_ms = -1;
    for (auto& [easy, probe] : running_) {
      const long t = probe->ms_until_phase_deadline(now);
      wait_ms = wait_ms < 0 ? t : std::min(wait_ms, t);
    }
    long curl_ms = -1;
    curl_multi_timeout(run_.multi, &curl_ms);
    if (curl_ms >= 0) wait_ms = wait_ms < 0 ? curl_ms : std::min(wait_ms, curl_ms);
    return wait_ms;
  }

  void process(const PollSet&) override {
    int still_running = 0;
    curl_multi_perform(run_.multi, &still_running);
    collect_finished();
    expire_phases(ProbeClock::now());
    start_queued();
  }

  bool busy(ProbeClock::time_point) override { return !running_.empty() || !queued_.empty(); }

  void cut_off() override {
    for (const auto& [target, address] : queued_) {
      ConnectionObservation c;
      c.address = address;
      c.family = address.find(':') != std::string::npos ? "ipv6" : "ipv4";
      c.error = "not started before the run deadline";
      run_.observations.targets[target].connections.push_back(c);
    }
    queued_.clear();
    while (!running_.empty()) {
      auto probe = std::move(running_.back().second);
      running_.pop_back();
      probe->expire("cut off by the run deadline");
      store(std::move(probe));
    }
  }

 private:
  // At most max_connections handshakes at once: each costs memory, and beyond that the peers'
  // handshake work, not the network, sets the pace. A probe's phase clock starts when it starts.
  void start_queued() {
    while (!queued_.empty() && running_.size() < run_.plan.max_connections) {
      auto [target, address] = queued_.front();
      queued_.pop_front();
      auto probe = std::make_unique<ConnectionProbe>(run_.plan.targets[target], address,
                                                     run_.plan.timeouts, run_.plan.ca_bundle);
      probe->target_index = target;
      curl_multi_add_handle(run_.multi, probe->handle());
      running_.emplace_back(probe->handle(), std::move(probe));
    }
  }

  void store(std::unique_ptr<ConnectionProbe> probe) {
    curl_multi_remove_handle(run_.multi, probe->handle());
    run_.observations.targets[probe->target_index].connections.push_back(probe->observation());
  }

  std::unique_ptr<ConnectionProbe> take(CURL* easy) {
    for (auto it = running_.begin(); it != running_.end(); ++it) {
      if (it->first != easy) continue;
      auto probe = std::move(it->second);
      running_.erase(it);
      return probe;
    }
    return nullptr;
  }

  void collect_finished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(run_.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      const CURLcode code = msg->data.result;
      if (auto probe = take(msg->easy_handle)) {
        probe->finish(code);
        store(std::move(probe));
      }
    }
  }

  void expire_phases(ProbeClock::time_point now) {
    for (std::size_t i = 0; i < running_.size();) {
      if (running_[i].second->ms_until_phase_deadline(now) > 0) {
        ++i;
        continue;
      }
      auto probe = std::move(running_[i].second);
      running_.erase(running_.begin() + static_cast<long>(i));
      probe->expire("no answer within the phase budget");
      store(std::move(probe));
    }
  }

  ProbeRun& run_;
  std::vector<std::pair<CURL*, std::unique_ptr<ConnectionProbe>>> running_;
  std::vector<std::set<std::string>> probed_;               // per target: addresses already queued
  std::deque<std::pair<std::size_t, std::string>> queued_;  // waiting for a connection slot
};

}  // namespace

Result<std::unique_ptr<Prober>> make_connection_prober(ProbeRun& run) {
  return std::unique_ptr<Prober>(std::make_unique<ConnectionProber>(run));
}

}  // namespace vnetdiag
