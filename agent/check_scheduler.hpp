#pragma once
// The background check loop of `vnetdiag serve`: runs the check once at start and then every
// interval on its own thread (never two at once), builds the next snapshot and swaps it in
// atomically. Request handlers only load the current snapshot.
//
// A check cannot be interrupted (the probe engine has its own deadline), so stopping waits for it
// only up to a deadline; after that the thread is left behind and the caller exits the process.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "result.hpp"
#include "serve_snapshot.hpp"

namespace vnetdiag {

class CheckScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using RunCheck = std::function<Result<Report>()>;
  // Receives each cycle's structured log line (without newline).
  using LogLine = std::function<void(const std::string&)>;

  CheckScheduler(RunCheck run, ServeInfo info, double interval_s, std::string instance_id, LogLine log);
  ~CheckScheduler();
  CheckScheduler(const CheckScheduler&) = delete;
  CheckScheduler& operator=(const CheckScheduler&) = delete;

  // Starts the thread (with SIGINT and SIGTERM blocked in it: they belong to the server's loop).
  void start();
  // Asks the loop to stop after the check in flight, if any, and wakes it if it is waiting.
  void request_stop();
  // Waits for the loop to end until the deadline. False: a check is still running; the thread is
  // detached (it only touches state it shares ownership of) and the caller should exit.
  bool wait_stopped(Clock::time_point deadline);

  std::shared_ptr<const Snapshot> snapshot() const;
  // Last sign of life of the loop: when it last woke up, started or finished a check.
  Clock::time_point heartbeat() const;
  // How many checks are running right now (0 or 1; for tests).
  int running() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vnetdiag
