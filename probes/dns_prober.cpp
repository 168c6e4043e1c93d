// Layer "dns": every target's A and AAAA through every resolver of the plan, one c-ares channel
// per resolver (DnsProbe). Each answer's addresses are announced to the other layers.
#include <algorithm>
#include <memory>
#include <vector>

#include "dns_probe.hpp"
#include "prober.hpp"

namespace vnetdiag {
namespace {

class DnsProber final : public Prober {
 public:
  explicit DnsProber(ProbeRun& run) : run_(run) {}
  ~DnsProber() override {
    finished_ = true;  // destroying a channel calls back its outstanding queries
    dns_.clear();
  }
  DnsProber(const DnsProber&) = delete;
  DnsProber& operator=(const DnsProber&) = delete;

  Result<bool> create() {
    for (const auto& r : run_.plan.resolvers) {
      auto probe = DnsProbe::create(r, run_.plan.timeouts);
      if (!probe) return probe.error();
      dns_.push_back(std::move(*probe));
    }
    return true;
  }

  void start() override {
    ranks_.assign(run_.plan.targets.size(), {});
    int rank = 0;
    for (auto& dns : dns_)
      for (std::size_t i = 0; i < run_.plan.targets.size(); ++i)
        for (const char* qtype : {"A", "AAAA"})
          dns->query(run_.plan.targets[i].host, qtype,
                     [this, i, r = rank++](DnsObservation o) { on_dns(i, r, std::move(o)); });
  }

  long prepare(PollSet& set, ProbeClock::time_point) override {
    long wait_ms = -1;
    for (auto& dns : dns_) {
      dns->add_sockets(set);
      if (long t = dns->next_timeout_ms(); t >= 0) wait_ms = wait_ms < 0 ? t : std::min(wait_ms, t);
    }
    return wait_ms;
  }

  void process(const PollSet& set) override {
    for (auto& dns : dns_) dns->process(set);
  }

  bool busy(ProbeClock::time_point) override {
    return std::any_of(dns_.begin(), dns_.end(), [](const auto& d) { return d->busy(); });
  }

  void cut_off() override {
    for (auto& dns : dns_) dns->cancel_all();
  }

 private:
  // Observations are kept in the order the queries were asked (resolvers as configured), not
  // as they were answered, so a report does not depend on which server was quicker.
  void on_dns(std::size_t target, int rank, DnsObservation o) {
    if (finished_) return;
    const std::vector<std::string> addresses = o.addresses;
    auto& ranks = ranks_[target];
    auto& dns = run_.observations.targets[target].dns;
    const auto at = std::upper_bound(ranks.begin(), ranks.end(), rank);
    dns.insert(dns.begin() + (at - ranks.begin()), std::move(o));
    ranks.insert(at, rank);
    for (const auto& address : addresses) run_.announce(target, address);
  }

  ProbeRun& run_;
  std::vector<std::unique_ptr<DnsProbe>> dns_;
  std::vector<std::vector<int>> ranks_;  // per target: the rank of each observation, ascending
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<Prober>> make_dns_prober(ProbeRun& run) {
  auto prober = std::make_unique<DnsProber>(run);
  if (auto created = prober->create(); !created) return created.error();
  return std::unique_ptr<Prober>(std::move(prober));
}

}  // namespace vnetdiag
