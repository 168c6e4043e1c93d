#pragma once
// The background check loop of `vnetdiag serve`: runs the check once at start and then every
// interval on its own thread (never two at once), builds the next snapshot and swaps it in
// atomically. Request handlers only load the current snapshot.
//
// Isolated (what serve uses), each check runs in a child process forked from the loop's thread
// that sends back the rendered snapshot: the server's process never loads TLS or DNS state (it
// stays small), a check that crashes on a hostile peer is an error in the report rather than the
// end of the server, and one that overruns or is in flight at shutdown is simply killed.
// In-process (tests), a check cannot be interrupted: stopping waits for it up to a deadline only.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "result.hpp"
#include "serve_snapshot.hpp"

namespace vnetdiag {

struct SchedulerOptions {
  double interval_s = 30;
  bool isolate = false;      // run each check in a child process
  double kill_after_s = 60;  // isolated: a check still running after this is killed (an error)
};

class CheckScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs one check. Isolated, it runs in the child: it may initialise libraries there.
  using RunCheck = std::function<Result<Report>()>;
  // Receives each cycle's structured log line (without newline).
  using LogLine = std::function<void(const std::string&)>;

  CheckScheduler(RunCheck run, ServeInfo info, SchedulerOptions options, std::string instance_id,
                 LogLine log);
  ~CheckScheduler();
  CheckScheduler(const CheckScheduler&) = delete;
  CheckScheduler& operator=(const CheckScheduler&) = delete;

  // A snapshot in, the snapshot to serve out (the same, or an amended copy).
  using Amend = std::function<std::shared_ptr<const Snapshot>(std::shared_ptr<const Snapshot>)>;
  // Set before start(): called on the loop's thread with each cycle's snapshot as it is installed
  // (serve's push hands it on and adds its own counters). It must not block.
  void on_cycle(Amend hook);
  // Replaces the current snapshot by fn(current), atomically with the loop's installs.
  void amend(const Amend& fn);

  // Starts the thread (with SIGINT and SIGTERM blocked in it: they belong to the server's loop).
  void start();
  // Asks the loop to stop: it wakes if waiting; a child process in flight is killed.
  void request_stop();
  // Waits for the loop to end until the deadline. False: an in-process check is still running;
  // the thread is detached (it only touches state it shares ownership of) and the caller should
  // exit.
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
