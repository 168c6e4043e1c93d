#include "check_scheduler.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

namespace vnetdiag {
namespace {

std::string utc_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
  return buf;
}

double unix_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

#if defined(__cpp_lib_atomic_shared_ptr)
using SnapshotSlot = std::atomic<std::shared_ptr<const Snapshot>>;
#else
// libstdc++ before GCC 12 (Debian bullseye's g++ 10 builds the self-contained bundle) has no
// std::atomic<std::shared_ptr>: the same load and store under a mutex.
class SnapshotSlot {
 public:
  std::shared_ptr<const Snapshot> load() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return value_;
  }
  void store(std::shared_ptr<const Snapshot> value) {
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> value_;
};
#endif

}  // namespace

struct CheckScheduler::State {
  RunCheck run;
  ServeInfo info;
  Clock::duration interval;
  std::string instance_id;
  LogLine log;

  SnapshotSlot current;
  std::atomic<Clock::rep> heartbeat{0};
  std::atomic<int> running{0};

  std::mutex mutex;
  std::condition_variable wake;  // stop requested
  std::condition_variable ended;  // the loop returned
  bool stop = false;
  bool done = false;
  std::thread thread;

  void beat() { heartbeat.store(Clock::now().time_since_epoch().count()); }

  void loop() {
    auto next = Clock::now();
    for (;;) {
      {
        std::unique_lock lock(mutex);
        while (!stop && Clock::now() < next) {
          // Wake at least every second so the heartbeat shows the loop is alive.
          wake.wait_until(lock, std::min(next, Clock::now() + std::chrono::seconds(1)));
          beat();
        }
        if (stop) break;
      }
      const auto started = Clock::now();
      // Fixed rate; a check that overran its interval is followed at once, never overlapped.
      next = std::max(started, next + interval);
      beat();
      running.fetch_add(1);
      Result<Report> outcome = fail("the check did not run");
      try {
        outcome = run();
      } catch (const std::exception& e) {
        outcome = fail(std::string("internal error: ") + e.what());
      }
      running.fetch_sub(1);
      const auto finished = Clock::now();
      beat();
      const double duration_s = std::chrono::duration<double>(finished - started).count();
      auto snapshot = next_snapshot(*current.load(), outcome, info, duration_s, unix_now(), finished);
      current.store(snapshot);  // before the log line: whoever reads the line can see the result
      if (log) log(cycle_log_line(*snapshot, utc_now_ms(), instance_id));
      snapshot.reset();
      // A check allocates and frees a lot on this thread's arena; give the pages back so the
      // resident size stays flat between cycles.
      malloc_trim(0);
    }
    std::lock_guard lock(mutex);
    done = true;
    ended.notify_all();
  }
};

CheckScheduler::CheckScheduler(RunCheck run, ServeInfo info, double interval_s, std::string instance_id,
                               LogLine log)
    : state_(std::make_shared<State>()) {
  state_->run = std::move(run);
  state_->info = std::move(info);
  state_->interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
  state_->instance_id = std::move(instance_id);
  state_->log = std::move(log);
  state_->current.store(initial_snapshot(state_->info));
  state_->beat();
}

CheckScheduler::~CheckScheduler() {
  request_stop();
  if (state_->thread.joinable()) {
    // Destroyed without wait_stopped(): do not block on a check in flight.
    state_->thread.detach();
  }
}

void CheckScheduler::start() {
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &previous);
  state_->beat();
  state_->thread = std::thread([state = state_] { state->loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void CheckScheduler::request_stop() {
  std::lock_guard lock(state_->mutex);
  state_->stop = true;
  state_->wake.notify_all();
}

bool CheckScheduler::wait_stopped(Clock::time_point deadline) {
  if (!state_->thread.joinable()) return true;
  bool done = false;
  {
    std::unique_lock lock(state_->mutex);
    done = state_->ended.wait_until(lock, deadline, [this] { return state_->done; });
  }
  if (done) state_->thread.join();
  else state_->thread.detach();
  return done;
}

std::shared_ptr<const Snapshot> CheckScheduler::snapshot() const { return state_->current.load(); }

CheckScheduler::Clock::time_point CheckScheduler::heartbeat() const {
  return Clock::time_point(Clock::duration(state_->heartbeat.load()));
}

int CheckScheduler::running() const { return state_->running.load(); }

}  // namespace vnetdiag
