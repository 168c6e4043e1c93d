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
    lookups_.resize(run_.plan.targets.size());
    launch();
  }

  long prepare(PollSet& set, ProbeClock::time_point now) override {
    if (now >= deadline_) return -1;
    launch();
    if (!waiting()) return -1;
    wakeup_->add_socket(set);
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count() + 1;
  }

  void process(const PollSet&) override { wakeup_->drain(); }

  bool busy(ProbeClock::time_point now) override { return now < deadline_ && waiting(); }

  void finish() override {
    for (std::size_t i = 0; i < lookups_.size(); ++i) {
      SystemResolution& sys = run_.observations.targets[i].system;
      sys.asked = true;
      // Not answered: still running at the deadline (abandoned), or never started within it.
      if (!lookups_[i] || !lookups_[i]->poll()) continue;
      const auto& r = lookups_[i]->result();
      sys.answered = true;
      sys.error = r.error;
      sys.addresses = r.addresses;
      sys.duration_ms = r.duration_ms;
    }
  }

 private:
  // Each getaddrinfo in flight holds a socket or two and glibc's 64 KiB answer buffers: at most
  // plan.max_system_lookups at once, the next starting as one ends.
  void launch() {
    std::size_t running = 0;
    for (std::size_t i = 0; i < next_; ++i) running += lookups_[i]->poll() ? 0 : 1;
    for (; next_ < lookups_.size() &&
           running < std::max<std::size_t>(1, run_.plan.max_system_lookups);
         ++next_, ++running)
      lookups_[next_] = std::make_unique<SystemLookup>(run_.plan.targets[next_].host, wakeup_);
  }

  bool waiting() {
    if (next_ < lookups_.size()) return true;
    return std::any_of(lookups_.begin(), lookups_.end(),
                       [](const auto& lookup) { return !lookup->poll(); });
  }

  ProbeRun& run_;
  ProbeClock::time_point deadline_;
  std::shared_ptr<const LookupWakeup> wakeup_ = std::make_shared<const LookupWakeup>();
  std::vector<std::unique_ptr<SystemLookup>> lookups_;  // null: not started yet
  std::size_t next_ = 0;                                // the next target to start
};

}  // namespace

Result<std::unique_ptr<Prober>> make_system_prober(ProbeRun& run) {
  // Only meaningful when the resolvers are the system's own: the plan says when.
  if (!run.plan.system_lookup) return std::unique_ptr<Prober>();
  return std::unique_ptr<Prober>(std::make_unique<SystemProber>(run));
}

}  // namespace vnetdiag
