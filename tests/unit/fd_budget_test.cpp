#include "fd_budget.hpp"

#include <gtest/gtest.h>

using namespace vnetdiag;

TEST(FdBudget, ConnectionsWaitTheirTurnWhenTheLimitIsLow) {
  EXPECT_EQ(*connection_slots(64, 30, {1024, 10}), 64u);
  EXPECT_EQ(*connection_slots(64, 30, {60, 10}), 20u);  // 20 at once, the rest queue
  EXPECT_EQ(*connection_slots(64, 30, {41, 10}), 1u);
}

TEST(FdBudget, NotOneFreeIsAnErrorThatSaysWhatToDo) {
  const auto none = connection_slots(64, 30, {40, 10});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("ulimit -n 40, 10 open"), std::string::npos)
      << none.error().message;
  EXPECT_NE(none.error().message.find("raise it"), std::string::npos);
  EXPECT_FALSE(connection_slots(64, 30, {5, 10}));  // more open than the limit: no underflow
}

TEST(FdBudget, ReadsThisProcesssLimitAndOpenDescriptors) {
  const FdBudget b = current_fd_budget();
  EXPECT_GE(b.open, 3u);  // stdin, stdout, stderr at least
  EXPECT_GT(b.limit, b.open);
}

namespace vnetdiag {
namespace {

TEST(FdBudget, SystemLookupsTakeAQuarterOfWhatIsFreeAndAtLeastOne) {
  EXPECT_EQ(system_lookup_slots(64, 40, FdBudget{1024, 10}), 64u);
  // 64 - 8 open - 36 reserved = 20 free: a quarter is 5 descriptors, 2 a lookup.
  EXPECT_EQ(system_lookup_slots(64, 36, FdBudget{64, 8}), 2u);
  EXPECT_EQ(system_lookup_slots(64, 36, FdBudget{40, 8}), 1u);
  EXPECT_EQ(system_lookup_slots(3, 0, FdBudget{1 << 20, 0}), 3u);
}

}  // namespace
}  // namespace vnetdiag
