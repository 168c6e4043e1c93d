#include "engine.hpp"

#include <ares.h>
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <set>

#include "connection_probe.hpp"
#include "dns_probe.hpp"
#include "system_lookup.hpp"

namespace vnetdiag {
namespace {

using Clock = std::chrono::steady_clock;

class Engine {
 public:
  explicit Engine(const CheckPlan& plan) : plan_(plan), multi_(curl_multi_init()) {
    obs_.resolvers = plan.resolvers;
    for (const auto& t : plan.targets) obs_.targets.push_back(TargetObservation{t, {}, {}, {}});
    probed_.resize(plan.targets.size());
  }
  ~Engine() {
    finished_ = true;
    for (auto& [easy, probe] : running_) curl_multi_remove_handle(multi_, easy);
    running_.clear();
    dns_.clear();
    curl_multi_cleanup(multi_);
  }

  Result<Observations> run() {
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(plan_.timeouts.run_s));
    for (const auto& r : plan_.resolvers) {
      auto probe = DnsProbe::create(r, plan_.timeouts);
      if (!probe) return probe.error();
      dns_.push_back(std::move(*probe));
    }
    system_deadline_ = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(plan_.timeouts.dns_s));
    if (plan_.system_lookup)
      for (std::size_t i = 0; i < plan_.targets.size(); ++i)
        system_.push_back(std::make_unique<SystemLookup>(plan_.targets[i].host));
    for (auto& dns : dns_)
      for (std::size_t i = 0; i < plan_.targets.size(); ++i)
        for (const char* qtype : {"A", "AAAA"})
          dns->query(plan_.targets[i].host, qtype,
                     [this, i](DnsObservation o) { on_dns(i, std::move(o)); });

    while (busy()) {
      const auto now = Clock::now();
      if (now >= deadline) {
        cut_off();
        break;
      }
      long wait_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      PollSet set;
      for (auto& dns : dns_) {
        dns->add_sockets(set);
        if (long t = dns->next_timeout_ms(); t >= 0) wait_ms = std::min(wait_ms, t);
      }
      for (const auto& lookup : system_) {
        lookup->add_socket(set);
        if (!lookup->poll() && now < system_deadline_)
          wait_ms = std::min<long>(
              wait_ms, std::chrono::duration_cast<std::chrono::milliseconds>(system_deadline_ - now)
                               .count() +
                           1);
      }
      for (auto& [easy, probe] : running_)
        wait_ms = std::min(wait_ms, probe->ms_until_phase_deadline(now));
      long curl_ms = -1;
      curl_multi_timeout(multi_, &curl_ms);
      if (curl_ms >= 0) wait_ms = std::min(wait_ms, curl_ms);
      int ready = 0;
      curl_multi_poll(multi_, set.fds.data(), static_cast<unsigned>(set.fds.size()),
                      static_cast<int>(std::max(0L, wait_ms)), &ready);
      for (auto& dns : dns_) dns->process(set);
      int still_running = 0;
      curl_multi_perform(multi_, &still_running);
      collect_finished();
      expire_phases(Clock::now());
      start_queued();
    }
    for (std::size_t i = 0; i < system_.size(); ++i) {
      SystemResolution& sys = obs_.targets[i].system;
      sys.asked = true;
      if (!system_[i]->poll()) continue;  // abandoned: still running at the deadline
      const auto& r = system_[i]->result();
      sys.answered = true;
      sys.error = r.error;
      sys.addresses = r.addresses;
      sys.duration_ms = r.duration_ms;
    }
    obs_.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    finished_ = true;
    return std::move(obs_);
  }

 private:
  bool busy() {
    if (!running_.empty() || !queued_.empty()) return true;
    // getaddrinfo gets the DNS budget; one still running after it is abandoned, not awaited.
    if (Clock::now() < system_deadline_)
      for (const auto& lookup : system_)
        if (!lookup->poll()) return true;
    return std::any_of(dns_.begin(), dns_.end(), [](const auto& d) { return d->busy(); });
  }

  void on_dns(std::size_t target, DnsObservation o) {
    if (finished_) return;
    for (const auto& address : accepting_ ? o.addresses : std::vector<std::string>{})
      if (probed_[target].insert(address).second) queued_.emplace_back(target, address);
    obs_.targets[target].dns.push_back(std::move(o));
    start_queued();
  }

  // At most kMaxConnections handshakes at once: each costs memory, and beyond that the peers'
  // handshake work, not the network, sets the pace. A probe's phase clock starts when it starts.
  void start_queued() {
    while (accepting_ && !queued_.empty() && running_.size() < plan_.max_connections) {
      auto [target, address] = queued_.front();
      queued_.pop_front();
      auto probe = std::make_unique<ConnectionProbe>(plan_.targets[target], address, plan_.timeouts,
                                                     plan_.ca_bundle);
      probe->target_index = target;
      curl_multi_add_handle(multi_, probe->handle());
      running_.emplace_back(probe->handle(), std::move(probe));
    }
  }

  void store(std::unique_ptr<ConnectionProbe> probe) {
    curl_multi_remove_handle(multi_, probe->handle());
    obs_.targets[probe->target_index].connections.push_back(probe->observation());
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
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      const CURLcode code = msg->data.result;
      if (auto probe = take(msg->easy_handle)) {
        probe->finish(code);
        store(std::move(probe));
      }
    }
  }

  void expire_phases(Clock::time_point now) {
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

  void cut_off() {
    obs_.deadline_hit = true;
    accepting_ = false;
    for (const auto& [target, address] : queued_) {
      ConnectionObservation c;
      c.address = address;
      c.family = address.find(':') != std::string::npos ? "ipv6" : "ipv4";
      c.error = "not started before the run deadline";
      obs_.targets[target].connections.push_back(c);
    }
    queued_.clear();
    for (auto& dns : dns_) dns->cancel_all();
    while (!running_.empty()) {
      auto probe = std::move(running_.back().second);
      running_.pop_back();
      probe->expire("cut off by the run deadline");
      store(std::move(probe));
    }
  }

  const CheckPlan& plan_;
  CURLM* multi_;
  Observations obs_;
  std::vector<std::unique_ptr<DnsProbe>> dns_;
  std::vector<std::unique_ptr<SystemLookup>> system_;
  Clock::time_point system_deadline_{};
  std::vector<std::pair<CURL*, std::unique_ptr<ConnectionProbe>>> running_;
  std::vector<std::set<std::string>> probed_;
  std::deque<std::pair<std::size_t, std::string>>
      queued_;             // addresses waiting for a connection slot
  bool accepting_ = true;  // false once the deadline cut the run: no new connections
  bool finished_ = false;  // obs_ has been handed out
};

}  // namespace

void init_probe_libraries() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ares_library_init(ARES_LIB_INIT_ALL);
}

Result<Observations> run_check(const CheckPlan& plan) {
  Engine engine(plan);
  return engine.run();
}

}  // namespace vnetdiag
