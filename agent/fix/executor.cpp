#include "executor.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace vnetdiag::fix {
namespace {

using Clock = std::chrono::steady_clock;

StepOutcome run_step(const PlanStep& s, arm::ArmClient& client) {
  const auto start = Clock::now();
  StepOutcome out{s.key, "ok", "", 0};
  std::vector<std::string> headers;
  if (!s.if_match.empty()) headers.push_back("If-Match: " + s.if_match);
  const std::string path = s.resource_id + "?api-version=" + s.api_version;
  auto first = client.send(s.method, path, s.body, headers);
  auto final = client.wait(s.method, path, first);
  if (!final.ok() || final.error) {
    out.outcome = "failed";
    out.message = final.error ? final.error->summary() : "HTTP " + std::to_string(final.status);
    if (final.status == 412)
      out.message += " (the resource changed since it was read: run fix again to re-plan)";
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

bool stopping(const ApplyOptions& o) { return o.stop && o.stop->load(); }

constexpr const char* kStoppedMessage = "not started: stopped (Ctrl-C); run fix --apply again";

// Runs `steps` as a graph; steps whose dependencies failed are skipped, and once `stop` is set
// nothing more starts.
void run_graph(const std::vector<const PlanStep*>& steps, arm::ArmClient& client,
               std::map<std::string, StepOutcome>& results, const ApplyOptions& options) {
  std::mutex m;
  std::condition_variable cv;
  std::set<std::string> started;
  std::vector<std::thread> threads;
  std::set<std::string> keys;
  for (const PlanStep* s : steps) keys.insert(s->key);
  for (;;) {
    std::unique_lock<std::mutex> lock(m);
    bool launched = false, pending = false;
    for (const PlanStep* s : steps) {
      if (started.count(s->key)) continue;
      if (stopping(options)) {
        started.insert(s->key);
        results[s->key] = {s->key, "skipped", kStoppedMessage, 0};
        launched = true;
        continue;
      }
      bool ready = true, blocked = false;
      for (const auto& d : s->depends_on) {
        if (!keys.count(d) && !results.count(d))
          continue;  // not part of this run: already done earlier
        auto r = results.find(d);
        if (r == results.end())
          ready = false;
        else if (r->second.outcome != "ok")
          blocked = true;
      }
      if (blocked) {
        started.insert(s->key);
        results[s->key] = {s->key, "skipped", "a step it depends on did not succeed", 0};
        launched = true;
        continue;
      }
      if (!ready) {
        pending = true;
        continue;
      }
      started.insert(s->key);
      launched = true;
      if (options.on_event) options.on_event({StepEvent::Kind::kStarted, s, {}});
      threads.emplace_back([s, &client, &results, &m, &cv, &options] {
        StepOutcome o = run_step(*s, client);
        std::lock_guard<std::mutex> g(m);
        if (options.on_event) options.on_event({StepEvent::Kind::kFinished, s, o});
        results[s->key] = std::move(o);
        cv.notify_all();
      });
    }
    if (started.size() == steps.size()) {
      cv.wait(lock, [&] {
        for (const PlanStep* s : steps)
          if (!results.count(s->key)) return false;
        return true;
      });
      break;
    }
    if (!launched && pending) cv.wait(lock);
  }
  for (auto& t : threads) t.join();
}

}  // namespace

ApplyResult apply_plan(const Plan& plan, arm::ArmClient& client, const ApplyOptions& options) {
  ApplyResult result;
  std::map<std::string, StepOutcome> outcomes;
  std::vector<const PlanStep*> main_steps, lock_down;
  for (const PlanStep* s : dependency_order(plan))
    (s->lock_down ? lock_down : main_steps).push_back(s);
  run_graph(main_steps, client, outcomes, options);
  bool main_ok = true;
  for (const PlanStep* s : main_steps) main_ok &= outcomes[s->key].outcome == "ok";

  // Lock the services down only once the app reaches them privately: the tutorial's own order
  // leaves a window where the app cannot reach the vault at all.
  if (stopping(options)) {
    main_ok = false;  // nothing more: the lock-down waits for a run that ends
  } else if (main_ok && !lock_down.empty() && options.verify) {
    const auto verify_start = Clock::now();
    result.verified_before_lock_down = retry_until(options.verify, options.verify_pacing,
                                                   [&options] { return stopping(options); });
    result.verify_wait_s = std::chrono::duration<double>(Clock::now() - verify_start).count();
    if (stopping(options)) main_ok = false;
  } else if (main_ok) {
    result.verified_before_lock_down = true;
  }
  if (main_ok && result.verified_before_lock_down) {
    // A replaced endpoint is deleted only once its replacement is shown to work.
    std::vector<const PlanStep*> confirmed;
    for (const PlanStep* s : lock_down) {
      if (s->replaced_by.empty()) {
        confirmed.push_back(s);
        continue;
      }
      const std::string why = options.confirm_replacement ? options.confirm_replacement(*s)
                                                          : "the replacement could not be checked";
      if (why.empty())
        confirmed.push_back(s);
      else
        outcomes[s->key] = {s->key, "skipped", "not deleted: " + why, 0};
    }
    run_graph(confirmed, client, outcomes, options);
  } else {
    for (const PlanStep* s : lock_down)
      outcomes[s->key] = {
          s->key, "skipped",
          stopping(options) ? kStoppedMessage
          : main_ok ? "the private path did not verify in time: not locking the service down"
                    : "an earlier step failed",
          0};
  }
  result.stopped = stopping(options);
  result.ok = true;
  for (const PlanStep* s : dependency_order(plan)) {
    result.steps.push_back(outcomes[s->key]);
    result.ok &= outcomes[s->key].outcome == "ok";
  }
  return result;
}

}  // namespace vnetdiag::fix
