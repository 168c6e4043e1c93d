#include "check_scheduler.hpp"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include "process_io.hpp"

namespace vnetdiag {
namespace {

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status))
    return "the check process died of signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status))
    return "the check process exited with status " + std::to_string(WEXITSTATUS(status));
  return "the check process ended abnormally";
}

// The current snapshot, loaded by request handlers and stored by the check loop. A mutex, not
// std::atomic<std::shared_ptr>: bullseye's g++ 10 (the self-contained bundle) lacks it, and
// ThreadSanitizer cannot see libstdc++'s lock bit inside it, so one implementation everywhere is
// the one that is checked. Holding the lock costs a shared_ptr copy.
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
  // value = fn(value), with no store in between.
  template <class Fn>
  void update(const Fn& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = fn(value_);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> value_;
};

}  // namespace

struct CheckScheduler::State {
  RunCheck run;
  ServeInfo info;
  SchedulerOptions options;
  std::string instance_id;
  LogLine log;
  Amend after_cycle;

  SnapshotSlot current;
  std::atomic<Clock::rep> heartbeat{0};
  std::atomic<int> running{0};
  std::atomic<bool> stop{false};

  std::mutex mutex;
  std::condition_variable wake;   // stop requested
  std::condition_variable ended;  // the loop returned
  bool done = false;
  std::thread thread;

  void beat() { heartbeat.store(Clock::now().time_since_epoch().count()); }

  Clock::duration interval() const {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options.interval_s));
  }

  // The outcome of run(), exceptions included.
  Result<Report> run_guarded() {
    try {
      return run();
    } catch (const std::exception& e) {
      return fail(std::string("internal error: ") + e.what());
    }
  }

  std::shared_ptr<const Snapshot> run_in_process(const Snapshot& previous,
                                                 Clock::time_point started) {
    const Result<Report> outcome = run_guarded();
    const auto finished = Clock::now();
    return next_snapshot(previous, outcome, info, seconds_between(started, finished), unix_now(),
                         finished);
  }

  std::shared_ptr<const Snapshot> failed(const Snapshot& previous, const std::string& why,
                                         Clock::time_point started) {
    const auto finished = Clock::now();
    return next_snapshot(previous, fail(why), info, seconds_between(started, finished), unix_now(),
                         finished);
  }

  // In the child: run, render, send the snapshot's bytes, exit. Never returns.
  [[noreturn]] void child(int fd, pid_t parent, const Snapshot& previous,
                          Clock::time_point started) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(3);
    // Keep none of the server's descriptors: a connection the server closes must look closed to
    // its client, and the listening port must be free when the server is gone.
    if (fd != 3) {
      if (::dup2(fd, 3) < 0) ::_exit(3);
      fd = 3;
    }
    close_from(4);
    (void)::signal(SIGINT, SIG_DFL);  // cannot fail for these signals and SIG_DFL
    (void)::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    try {
      const Result<Report> outcome = run_guarded();
      const auto finished = Clock::now();
      const auto snapshot = next_snapshot(previous, outcome, info,
                                          seconds_between(started, finished), unix_now(), finished);
      ::_exit(write_all(fd, encode_snapshot(*snapshot)) ? 0 : 4);
    } catch (...) {
      ::_exit(5);
    }
  }

  std::shared_ptr<const Snapshot> run_isolated(const Snapshot& previous_full,
                                               Clock::time_point started, long* peak_rss_kib) {
    // What the child needs of the previous snapshot: the counters. Copied before the fork, so
    // the child reads nothing another thread may be changing.
    Snapshot previous;
    previous.runs = previous_full.runs;
    previous.errors = previous_full.errors;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return failed(previous, std::string("cannot start the check: pipe: ") + std::strerror(errno),
                    started);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int e = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      return failed(previous, std::string("cannot start the check: fork: ") + std::strerror(e),
                    started);
    }
    if (pid == 0) {
      ::close(fds[0]);
      child(fds[1], parent, previous, started);
    }
    ::close(fds[1]);

    std::string bytes;
    std::string killed_because;
    const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(options.kill_after_s));
    char buf[16384];
    for (;;) {
      if (stop.load()) {
        killed_because = "was in flight at shutdown";
        break;
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        char why[96];
        (void)std::snprintf(why, sizeof why, "took longer than %.0f s", options.kill_after_s);
        killed_because = why;
        break;
      }
      // Short slices: a stop request is noticed within 100 ms.
      const auto left_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      pollfd p{fds[0], POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left_ms, 100)));
      if (ready <= 0) continue;  // timeout or EINTR
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) {
        bytes.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // end of file: the child is done
    }
    ::close(fds[0]);
    if (!killed_because.empty()) ::kill(pid, SIGKILL);
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    *peak_rss_kib = usage.ru_maxrss;
    if (!killed_because.empty())
      return failed(previous, "the check " + killed_because + " and was stopped", started);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return failed(previous, describe_exit(status), started);
    auto decoded = decode_snapshot(bytes);
    if (!decoded) return failed(previous, decoded.error().message, started);
    decoded->finished = Clock::now();
    return std::make_shared<const Snapshot>(std::move(*decoded));
  }

  void loop() {
    auto next = Clock::now();
    for (;;) {
      {
        std::unique_lock lock(mutex);
        while (!stop.load() && Clock::now() < next) {
          // Wake at least every second so the heartbeat shows the loop is alive.
          wake.wait_until(lock, std::min(next, Clock::now() + std::chrono::seconds(1)));
          beat();
        }
        if (stop.load()) break;
      }
      const auto started = Clock::now();
      // Fixed rate; a check that overran its interval is followed at once, never overlapped.
      next = std::max(started, next + interval());
      beat();
      running.fetch_add(1);
      long peak_rss_kib = 0;
      const auto previous = current.load();
      auto snapshot = options.isolate ? run_isolated(*previous, started, &peak_rss_kib)
                                      : run_in_process(*previous, started);
      running.fetch_sub(1);
      beat();
      if (stop.load() && options.isolate && !snapshot->has_report)
        break;  // killed at shutdown: not news
      // Before the log line: whoever reads the line can see the result.
      current.update([&](const std::shared_ptr<const Snapshot>&) {
        return after_cycle ? after_cycle(snapshot) : snapshot;
      });
      if (log) log(cycle_log_line(*snapshot, iso_utc_ms(unix_now()), instance_id, peak_rss_kib));
      snapshot.reset();
      // A check (or its bytes) allocates and frees a lot on this thread's arena; give the pages
      // back so the resident size stays flat between cycles.
      malloc_trim(0);
    }
    std::lock_guard lock(mutex);
    done = true;
    ended.notify_all();
  }
};

CheckScheduler::CheckScheduler(RunCheck run, ServeInfo info, SchedulerOptions options,
                               std::string instance_id, LogLine log)
    : state_(std::make_shared<State>()) {
  state_->run = std::move(run);
  state_->info = std::move(info);
  state_->options = options;
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

void CheckScheduler::on_cycle(Amend hook) { state_->after_cycle = std::move(hook); }

void CheckScheduler::amend(const Amend& fn) {
  state_->current.update([&](const std::shared_ptr<const Snapshot>& now) { return fn(now); });
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
  state_->stop.store(true);
  state_->wake.notify_all();
}

bool CheckScheduler::wait_stopped(Clock::time_point deadline) {
  if (!state_->thread.joinable()) return true;
  bool done = false;
  {
    std::unique_lock lock(state_->mutex);
    done = state_->ended.wait_until(lock, deadline, [this] { return state_->done; });
  }
  if (done)
    state_->thread.join();
  else
    state_->thread.detach();
  return done;
}

std::shared_ptr<const Snapshot> CheckScheduler::snapshot() const { return state_->current.load(); }

CheckScheduler::Clock::time_point CheckScheduler::heartbeat() const {
  return Clock::time_point(Clock::duration(state_->heartbeat.load()));
}

int CheckScheduler::running() const { return state_->running.load(); }

}  // namespace vnetdiag
