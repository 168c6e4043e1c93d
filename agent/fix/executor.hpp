#pragma once
// Runs a plan as a dependency graph: every step starts the moment the steps it depends on have
// succeeded, so independent steps (the two zones, the two endpoints) run in parallel; each
// long-running operation is followed to its end. Lock-down steps wait for `verify` to pass.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "plan.hpp"
#include "retry_until.hpp"

namespace vnetdiag::fix {

struct StepOutcome {
  std::string key;
  std::string outcome;  // ok | failed | skipped
  std::string message;
  double seconds = 0;
};

// What the executor reports as it goes (fix's live progress): a step started, a step ended.
struct StepEvent {
  enum class Kind { kStarted, kFinished };
  Kind kind = Kind::kStarted;
  const PlanStep* step = nullptr;
  StepOutcome outcome{};  // kFinished only
};

struct ApplyResult {
  std::vector<StepOutcome> steps;
  bool verified_before_lock_down = false;
  // From the end of the main steps to the lock-down's start: the change showing to the app.
  double verify_wait_s = 0;
  bool ok = false;
  bool stopped = false;  // `stop` was set: steps not started then were skipped
};

struct ApplyOptions {
  // Returns true when the private path works (the check passes apart from lock-down findings).
  std::function<bool()> verify;
  // For a step with replaced_by (the delete of a replaced endpoint), after `verify` passed:
  // "" when the replacement's connection is Approved and step.host resolves to its address,
  // else why not (the step is then skipped: nothing is deleted). Unset: never delete.
  std::function<std::string(const PlanStep&)> confirm_replacement;
  RetryPacing verify_pacing;  // how long and how often `verify` and the confirmation are retried
  // Called from the step threads (serialised by the executor) as steps start and end.
  std::function<void(const StepEvent&)> on_event;
  // Once true (Ctrl-C), no further step starts; those in flight run to their end.
  const std::atomic<bool>* stop = nullptr;
};

ApplyResult apply_plan(const Plan& plan, arm::ArmClient& client, const ApplyOptions& options);

}  // namespace vnetdiag::fix
