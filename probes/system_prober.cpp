// Layer "system": getaddrinfo for every target (SystemLookup), when the plan asks for it. It gets
// the DNS budget; a lookup still running after it is abandoned, not awaited.
#include <algorithm>
#include <memory>
#include <vector>

#include "prober.hpp"
#include "system_lookup.hpp"

namespace vnetdiag {
namespace {

class SystemProber final : public Prober {
 public:
  explicit SystemProber(ProbeRun& run)
      : run_(run),
        deadline_(run.start + std::chrono::duration_cast<ProbeClock::duration>(
                                  std::chrono::duration<double>(run.plan.timeouts.dns_s))) {}

  void start() override {
    for (const auto& target : run_.plan.targets)
      lookups_.push_back(std::make_unique<SystemLookup>(target.host, wakeup_));
  }

  long prepare(PollSet& set, ProbeClock::time_point now) override {
    long wait_ms = -1;
    bool waiting = false;
    for (const auto& lookup : lookups_)
      if (!lookup->poll() && now < deadline_) {
        waiting = true;
        wait_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count() + 1;
      }
    if (waiting) wakeup_->add_socket(set);
    return wait_ms;
  }

  void process(const PollSet&) override { wakeup_->drain(); }

  bool busy(ProbeClock::time_point now) override {
    return now < deadline_ && std::any_of(lookups_.begin(), lookups_.end(),
                                          [](const auto& lookup) { return !lookup->poll(); });
  }

  void finish() override {
    for (std::size_t i = 0; i < lookups_.size(); ++i) {
      SystemResolution& sys = run_.observations.targets[i].system;
      sys.asked = true;
      if (!lookups_[i]->poll()) continue;  // abandoned: still running at the deadline
      const auto& r = lookups_[i]->result();
      sys.answered = true;
      sys.error = r.error;
      sys.addresses = r.addresses;
      sys.duration_ms = r.duration_ms;
    }
  }

 private:
  ProbeRun& run_;
  ProbeClock::time_point deadline_;
  std::shared_ptr<const LookupWakeup> wakeup_ = std::make_shared<const LookupWakeup>();
  std::vector<std::unique_ptr<SystemLookup>> lookups_;
};

}  // namespace

Result<std::unique_ptr<Prober>> make_system_prober(ProbeRun& run) {
  // Only meaningful when the resolvers are the system's own: the plan says when.
  if (!run.plan.system_lookup) return std::unique_ptr<Prober>();
  return std::unique_ptr<Prober>(std::make_unique<SystemProber>(run));
}

}  // namespace vnetdiag
