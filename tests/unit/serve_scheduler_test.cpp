#include "check_scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

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
  CheckScheduler scheduler([] { return Result<Report>(verdict_report(Severity::kOk)); }, info(), 3600, "inst1",
                           [lines](const std::string& l) { lines->add(l); });
  const auto before = scheduler.snapshot();
  EXPECT_FALSE(before->checked());
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(1, 5s));  // written after the swap
  const auto after = scheduler.snapshot();
  EXPECT_EQ(after->runs, 1u);
  EXPECT_TRUE(after->ready);
  EXPECT_FALSE(before->checked());  // an old snapshot a handler still holds is untouched
  EXPECT_NE(lines->lines[0].find("\"instance_id\":\"inst1\""), std::string::npos) << lines->lines[0];
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
      info(), 1, "", [lines](const std::string& l) { lines->add(l); });
  scheduler.start();
  ASSERT_TRUE(lines->wait_for(2, 5s));
  scheduler.request_stop();
  EXPECT_TRUE(scheduler.wait_stopped(Clock::now() + 2s));
  EXPECT_EQ(worst->load(), 1);
  EXPECT_FALSE(scheduler.snapshot()->ready);
}

TEST(ServeScheduler, AFailedOrThrowingCheckIsCountedNotFatal) {
  auto lines = std::make_shared<Lines>();
  CheckScheduler scheduler([]() -> Result<Report> { throw std::runtime_error("boom"); }, info(), 3600, "",
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
        info(), 3600, "", nullptr);
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
    EXPECT_EQ(scheduler.heartbeat(), beat);  // a check in flight does not beat: /livez can see it stuck
  }
  // The scheduler is gone; its thread still holds what it shares and ends cleanly once released.
  std::lock_guard lock(gate->mutex);
  gate->open = true;
  gate->cv.notify_all();
}
