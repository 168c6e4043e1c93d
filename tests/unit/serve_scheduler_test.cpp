#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "check_scheduler.hpp"

using namespace vnetdiag;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Collects log lines and lets a test wait for the n-th without sleeping.
struct Lines {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> lines;

  void add(const std::string& line) {
    std::lock_guard lock(mutex);
    lines.push_back(line);
    changed.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return lines.size() >= n; });
  }
};

Report verdict_report(Severity verdict) {
  Report r;
  r.tool_version = "test";
  r.verdict = verdict;
  return r;
}

ServeInfo info() {
  ServeInfo i;
  i.targets = {Target{TargetKind::kCustom, "api.test", 443, ""}};
  return i;
}

}  // namespace

TEST(ServeScheduler, ChecksAtStartAndSwapsTheSnapshot) {
  auto lines = std::make_shared<Lines>();
  CheckScheduler scheduler([] { return Result<Report>(verdict_report(Severity::kOk)); }, info(),
                           SchedulerOptions{3600, false, 60}, "inst1",
                           [lines](const std::string& l) { lines->add(l); });
  const auto before = scheduler.snapshot();
  EXPECT_FALSE(before->checked());
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(1, 5s));  // written after the swap
  const auto after = scheduler.snapshot();
  EXPECT_EQ(after->runs, 1u);
  EXPECT_TRUE(after->ready);
  EXPECT_FALSE(before->checked());  // an old snapshot a handler still holds is untouched
  EXPECT_NE(lines->lines[0].find("\"instance_id\":\"inst1\""), std::string::npos)
      << lines->lines[0];
  // Waiting for the next interval (an hour): stopping wakes it at once.
  const auto asked = Clock::now();
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  EXPECT_LT(Clock::now() - asked, 500ms);
  EXPECT_EQ(scheduler.snapshot()->runs, 1u);
}

TEST(ServeScheduler, ChecksNeverOverlap) {
  auto lines = std::make_shared<Lines>();
  auto concurrent = std::make_shared<std::atomic<int>>(0);
  auto worst = std::make_shared<std::atomic<int>>(0);
  CheckScheduler scheduler(
      [concurrent, worst] {
        const int now = ++*concurrent;
        if (now > *worst) *worst = now;
        std::this_thread::sleep_for(20ms);  // the check's own work, not a wait for readiness
        --*concurrent;
        return Result<Report>(verdict_report(Severity::kCritical));
      },
      info(), SchedulerOptions{1, false, 60}, "", [lines](const std::string& l) { lines->add(l); });
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(2, 5s));
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  EXPECT_EQ(worst->load(), 1);
  EXPECT_FALSE(scheduler.snapshot()->ready);
}

TEST(ServeScheduler, AFailedOrThrowingCheckIsCountedNotFatal) {
  auto lines = std::make_shared<Lines>();
  CheckScheduler scheduler([]() -> Result<Report> { throw std::runtime_error("boom"); }, info(),
                           SchedulerOptions{3600, false, 60}, "",
                           [lines](const std::string& l) { lines->add(l); });
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(1, 5s));
  scheduler.request_stop();
  ASSERT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  const auto s = scheduler.snapshot();
  EXPECT_EQ(s->errors, 1u);
  EXPECT_NE(s->error.find("boom"), std::string::npos);
  EXPECT_NE(s->metrics_text.find("vnetdiag_check_errors_total 1"), std::string::npos);
}

TEST(ServeScheduler, AStuckCheckIsAbandonedAtTheDeadline) {
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool entered = false, open = false;
  };
  auto gate = std::make_shared<Gate>();
  {
    CheckScheduler scheduler(
        [gate] {
          std::unique_lock lock(gate->mutex);
          gate->entered = true;
          gate->cv.notify_all();
          gate->cv.wait(lock, [&] { return gate->open; });
          return Result<Report>(verdict_report(Severity::kOk));
        },
        info(), SchedulerOptions{3600, false, 60}, "", nullptr);
    scheduler.start();
    {
      std::unique_lock lock(gate->mutex);
      ASSERT_TRUE(gate->cv.wait_for(lock, 5s, [&] { return gate->entered; }));
    }
    EXPECT_EQ(scheduler.running(), 1);
    const auto beat = scheduler.heartbeat();
    const auto asked = Clock::now();
    scheduler.request_stop();
    EXPECT_FALSE(scheduler.wait_stopped(Clock::now() + 100ms));
    EXPECT_LT(Clock::now() - asked, 1s);
    EXPECT_EQ(scheduler.heartbeat(),
              beat);  // a check in flight does not beat: /livez can see it stuck
  }
  // The scheduler is gone; its thread still holds what it shares and ends cleanly once released.
  std::lock_guard lock(gate->mutex);
  gate->open = true;
  gate->cv.notify_all();
}

// Isolated: the check runs in a forked child that sends the rendered snapshot back.
TEST(ServeScheduler, IsolatedCheckRunsInAChildAndSendsItsSnapshot) {
  auto lines = std::make_shared<Lines>();
  const pid_t server = getpid();
  CheckScheduler scheduler(
      [server] {
        Report r = verdict_report(getpid() != server ? Severity::kWarning : Severity::kCritical);
        r.findings.push_back(Finding{"test.child",
                                     std::nullopt,
                                     Severity::kWarning,
                                     Layer::kDns,
                                     "api.test",
                                     "ran in pid " + std::to_string(getpid()),
                                     {},
                                     "",
                                     std::nullopt});
        return Result<Report>(r);
      },
      info(), SchedulerOptions{3600, true, 10}, "inst1",
      [lines](const std::string& l) { lines->add(l); });
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(1, 10s));
  const auto s = scheduler.snapshot();
  EXPECT_TRUE(s->has_report) << s->error;
  EXPECT_EQ(s->verdict, Severity::kWarning);  // the check saw another pid
  EXPECT_TRUE(s->ready);
  EXPECT_EQ(s->runs, 1u);
  ASSERT_EQ(s->targets.size(), 1u);
  EXPECT_NE(s->targets[0].json.find("test.child"), std::string::npos);
  EXPECT_NE(s->metrics_text.find("vnetdiag_check_runs_total 1"), std::string::npos);
  EXPECT_NE(lines->lines[0].find("\"check_max_rss_kib\":"), std::string::npos) << lines->lines[0];
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
}

TEST(ServeScheduler, IsolatedCrashOrOverrunIsAnErrorNotTheEnd) {
  auto lines = std::make_shared<Lines>();
  CheckScheduler scheduler(
      [] {
        raise(SIGKILL);  // a crash in the probes, in the child only (no core file)
        return Result<Report>(verdict_report(Severity::kOk));
      },
      info(), SchedulerOptions{1, true, 10}, "", [lines](const std::string& l) { lines->add(l); });
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(2, 10s));  // and the loop goes on
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  const auto s = scheduler.snapshot();
  EXPECT_FALSE(s->has_report);
  EXPECT_GE(s->errors, 2u);
  EXPECT_NE(s->error.find("signal 9"), std::string::npos) << s->error;

  auto hung = std::make_shared<Lines>();
  CheckScheduler slow(
      [] {
        for (;;) pause();  // a check that never ends
        return Result<Report>(verdict_report(Severity::kOk));
      },
      info(), SchedulerOptions{3600, true, 0.3}, "",
      [hung](const std::string& l) { hung->add(l); });
  slow.start();
  ASSERT_TRUE(hung->wait_for(1, 10s));
  EXPECT_NE(slow.snapshot()->error.find("took longer than"), std::string::npos)
      << slow.snapshot()->error;
  slow.request_stop();
  EXPECT_TRUE(slow.wait_stopped(Clock::now() + 2s));
}

TEST(ServeScheduler, IsolatedCheckInFlightIsKilledAtStop) {
  CheckScheduler scheduler(
      [] {
        for (;;) pause();
        return Result<Report>(verdict_report(Severity::kOk));
      },
      info(), SchedulerOptions{3600, true, 600}, "", nullptr);
  scheduler.start();
  const auto deadline = Clock::now() + 5s;
  while (scheduler.running() == 0 && Clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(scheduler.running(), 1);
  const auto asked = Clock::now();
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  EXPECT_LT(Clock::now() - asked, 500ms);
  EXPECT_FALSE(scheduler.snapshot()->checked());  // killed at shutdown: not published
}
