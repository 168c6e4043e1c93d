#include "engine.hpp"

#include <ares.h>
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <system_error>
#include <thread>

#include "fd_budget.hpp"
#include "plan_shards.hpp"
#include "prober.hpp"

namespace vnetdiag {
namespace {

class Engine {
 public:
  explicit Engine(const CheckPlan& plan)
      : plan_(plan), multi_(curl_multi_init()), run_{plan, obs_, multi_, {}, {}} {
    obs_.resolvers = plan.resolvers;
    // Named, not positional: a layer adding its own field to TargetObservation leaves this alone.
    for (const auto& t : plan.targets) obs_.targets.emplace_back().target = t;
    run_.announce = [this](std::size_t target, const std::string& address) {
      if (closed_) return;
      for (auto& prober : probers_) prober->on_address(target, address);
    };
  }
  ~Engine() {
    closed_ = true;
    // Users of addresses go before their producers; curl handles leave the multi before it.
    while (!probers_.empty()) probers_.pop_back();
    curl_multi_cleanup(multi_);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Result<Observations> run(const std::vector<ProberEntry>& entries) {
    const auto start = ProbeClock::now();
    const auto deadline = start + std::chrono::duration_cast<ProbeClock::duration>(
                                      std::chrono::duration<double>(plan_.timeouts.run_s));
    run_.start = start;
    for (const auto& entry : entries) {
      auto prober = entry.make(run_);
      if (!prober) return prober.error();
      if (*prober) probers_.push_back(std::move(*prober));
    }
    for (auto& prober : probers_) prober->start();

    while (busy()) {
      const auto now = ProbeClock::now();
      if (now >= deadline) {
        cut_off();
        break;
      }
      long wait_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      PollSet set;
      for (auto& prober : probers_)
        if (long t = prober->prepare(set, now); t >= 0) wait_ms = std::min(wait_ms, t);
      int ready = 0;
      curl_multi_poll(multi_, set.fds.data(), static_cast<unsigned>(set.fds.size()),
                      static_cast<int>(std::max(0L, wait_ms)), &ready);
      for (auto& prober : probers_) prober->process(set);
    }
    for (auto& prober : probers_) prober->finish();
    obs_.duration_ms = std::chrono::duration<double, std::milli>(ProbeClock::now() - start).count();
    closed_ = true;
    return std::move(obs_);
  }

 private:
  bool busy() {
    const auto now = ProbeClock::now();
    return std::any_of(probers_.begin(), probers_.end(),
                       [now](const auto& prober) { return prober->busy(now); });
  }

  // No new work once the deadline is hit: what a prober ends now may announce no addresses.
  void cut_off() {
    obs_.deadline_hit = true;
    closed_ = true;
    for (auto& prober : probers_) prober->cut_off();
  }

  const CheckPlan& plan_;
  CURLM* multi_;
  Observations obs_;
  ProbeRun run_;
  std::vector<std::unique_ptr<Prober>> probers_;
  bool closed_ = false;  // deadline hit or obs_ handed out: announcements are dropped
};

}  // namespace

void init_probe_libraries() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ares_library_init(ARES_LIB_INIT_ALL);
}

Result<Observations> run_probers(const CheckPlan& plan, const std::vector<ProberEntry>& probers) {
  const std::size_t shards =
      shard_count(plan.targets.size(), plan.shards != 0 ? plan.shards : usable_cores());
  // Each resolver's c-ares channel may hold a UDP and a TCP socket per server in every shard, the
  // system lookups in flight theirs, and libraries a few of their own.
  const FdBudget budget = current_fd_budget();
  std::size_t reserved = 3 * plan.resolvers.size() * shards + 24;
  const std::size_t lookups =
      plan.system_lookup ? system_lookup_slots(plan.max_system_lookups, reserved, budget) : 0;
  reserved += lookups * kFdsPerSystemLookup;
  auto slots = connection_slots(plan.max_connections, reserved, budget);
  if (!slots) return slots.error();
  CheckPlan within = plan;
  within.max_connections = std::max(*slots, shards);
  within.max_system_lookups = std::max(lookups, shards);
  if (shards == 1) {
    Engine engine(within);
    return engine.run(probers);
  }
  const std::vector<PlanShard> parts = split_plan(within, shards);
  std::vector<Result<Observations>> results(parts.size(), Error{"shard did not run"});
  auto run_shard = [&](std::size_t s) {
    Engine engine(parts[s].plan);
    results[s] = engine.run(probers);
  };
  std::vector<std::thread> threads;
  for (std::size_t s = 1; s < parts.size(); ++s) {
    try {
      threads.emplace_back(run_shard, s);
    } catch (const std::system_error&) {
      run_shard(s);  // no thread to be had: run it here, before shard 0, rather than never
    }
  }
  run_shard(0);
  for (auto& thread : threads) thread.join();
  std::vector<Observations> observed;
  for (auto& result : results) {
    if (!result) return result.error();
    observed.push_back(std::move(*result));
  }
  return merge_shards(within, parts, std::move(observed));
}

Result<Observations> run_check(const CheckPlan& plan) {
  return run_probers(plan, registered_probers());
}

}  // namespace vnetdiag
