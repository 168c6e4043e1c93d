// Waiting for a fix to show (agent/fix/retry_until.hpp).
#include "retry_until.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace vnetdiag::fix {
namespace {

TEST(RetryUntil, ADoneChangeIsCheckedOnceAndNotWaitedFor) {
  int calls = 0;
  EXPECT_TRUE(retry_until([&] { return ++calls > 0; }, RetryPacing{}));
  EXPECT_EQ(calls, 1);
}

TEST(RetryUntil, WaitsLongerAfterEachMissUpToTheLongestWait) {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> at;
  const RetryPacing pacing{.budget_s = 10, .first_wait_s = 0.01, .longest_wait_s = 0.04};
  EXPECT_TRUE(retry_until(
      [&] {
        at.push_back(Clock::now());
        return at.size() == 5;
      },
      pacing));
  ASSERT_EQ(at.size(), 5u);
  // Lower bounds only: a sleep never ends early, a loaded machine may make it end late.
  const double expected[] = {0.01, 0.02, 0.04, 0.04};
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_GE(std::chrono::duration<double>(at[i + 1] - at[i]).count(), expected[i] * 0.99) << i;
}

TEST(RetryUntil, GivesUpOnceTheBudgetIsSpentAfterALastTry) {
  int calls = 0;
  const RetryPacing pacing{.budget_s = 0.05, .first_wait_s = 0.01, .longest_wait_s = 0.02};
  EXPECT_FALSE(retry_until([&] { return ++calls < 0; }, pacing));
  EXPECT_GE(calls, 3);
}

TEST(RetryUntil, ANoBudgetMeansOneTry) {
  int calls = 0;
  EXPECT_FALSE(retry_until([&] { return ++calls < 0; }, RetryPacing{.budget_s = 0}));
  EXPECT_EQ(calls, 1);
}

TEST(RetryUntil, AStopEndsTheWaitWithoutAnotherTry) {
  int calls = 0;
  EXPECT_FALSE(retry_until([&] { return ++calls < 0; }, RetryPacing{}, [] { return true; }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace vnetdiag::fix
