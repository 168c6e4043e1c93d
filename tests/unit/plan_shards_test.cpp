// Many targets split over several engine loops (probes/plan_shards.hpp), and put back in order.
#include "plan_shards.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "prober.hpp"

namespace vnetdiag {
namespace {

CheckPlan plan_of(std::size_t targets) {
  CheckPlan plan;
  for (std::size_t i = 0; i < targets; ++i) {
    Target t;
    t.host = "t" + std::to_string(i) + ".example";
    plan.targets.push_back(t);
  }
  plan.resolvers = {Resolver{"192.0.2.53", 53, "test"}};
  return plan;
}

TEST(PlanShards, OneLoopUntilEachShardWouldHaveEnoughTargets) {
  EXPECT_EQ(shard_count(0, 4), 1u);
  EXPECT_EQ(shard_count(1, 4), 1u);
  EXPECT_EQ(shard_count(2 * kMinTargetsPerShard - 1, 4), 1u);
  EXPECT_EQ(shard_count(2 * kMinTargetsPerShard, 4), 2u);
  EXPECT_EQ(shard_count(200, 2), 2u);
  EXPECT_EQ(shard_count(200, 1), 1u);
  EXPECT_EQ(shard_count(200, 0), 1u);
  EXPECT_EQ(shard_count(10000, 64), kMaxShards);
  EXPECT_GE(usable_cores(), 1u);
}

TEST(PlanShards, TargetsAreDealtRoundRobinAndSlotsDivided) {
  CheckPlan plan = plan_of(7);
  plan.max_connections = 64;
  plan.max_system_lookups = 30;
  const auto shards = split_plan(plan, 3);
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards[0].indices, (std::vector<std::size_t>{0, 3, 6}));
  EXPECT_EQ(shards[1].indices, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(shards[2].indices, (std::vector<std::size_t>{2, 5}));
  for (const auto& s : shards) {
    EXPECT_EQ(s.plan.max_connections, 21u);
    EXPECT_EQ(s.plan.max_system_lookups, 10u);
    EXPECT_EQ(s.plan.resolvers.size(), 1u);
    ASSERT_EQ(s.plan.targets.size(), s.indices.size());
    for (std::size_t i = 0; i < s.indices.size(); ++i)
      EXPECT_EQ(s.plan.targets[i].host, plan.targets[s.indices[i]].host);
  }
}

TEST(PlanShards, NeverMoreShardsThanTargetsNorFewerSlotsThanOne) {
  CheckPlan plan = plan_of(2);
  plan.max_connections = 1;
  const auto shards = split_plan(plan, 4);
  ASSERT_EQ(shards.size(), 2u);
  for (const auto& s : shards) EXPECT_EQ(s.plan.max_connections, 1u);
}

TEST(PlanShards, MergePutsEveryTargetBackInThePlansOrder) {
  const CheckPlan plan = plan_of(5);
  const auto shards = split_plan(plan, 2);
  std::vector<Observations> parts(2);
  for (std::size_t s = 0; s < 2; ++s) {
    for (const auto& t : shards[s].plan.targets) parts[s].targets.emplace_back().target = t;
    parts[s].duration_ms = s == 0 ? 40 : 90;
  }
  parts[1].deadline_hit = true;
  const Observations whole = merge_shards(plan, shards, std::move(parts));
  ASSERT_EQ(whole.targets.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(whole.targets[i].target.host, plan.targets[i].host);
  EXPECT_EQ(whole.duration_ms, 90);
  EXPECT_TRUE(whole.deadline_hit);
  EXPECT_EQ(whole.resolvers.size(), 1u);
}

// Announces one address per target, made from the target's own host, and records what reaches
// it in that target's observation: a target mixed up between shards shows as a wrong address.
class EchoProber final : public Prober {
 public:
  explicit EchoProber(ProbeRun& run) : run_(run) {}
  void start() override {
    for (std::size_t i = 0; i < run_.plan.targets.size(); ++i)
      run_.announce(i, "addr-of-" + run_.plan.targets[i].host);
  }
  void on_address(std::size_t target, const std::string& address) override {
    ConnectionObservation c;
    c.address = address;
    c.error = "thread " + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    run_.observations.targets[target].connections.push_back(c);
  }
  long prepare(PollSet&, ProbeClock::time_point) override { return -1; }
  void process(const PollSet&) override {}
  bool busy(ProbeClock::time_point) override { return false; }

 private:
  ProbeRun& run_;
};

Result<std::unique_ptr<Prober>> make_echo(ProbeRun& run) {
  return std::unique_ptr<Prober>(std::make_unique<EchoProber>(run));
}

TEST(PlanShards, AShardedRunGivesEachTargetItsOwnObservationsFromSeveralThreads) {
  CheckPlan plan = plan_of(3 * kMinTargetsPerShard);
  plan.resolvers.clear();
  plan.shards = 3;
  auto obs = run_probers(plan, {{"echo", &make_echo}});
  ASSERT_TRUE(obs) << obs.error().message;
  ASSERT_EQ(obs->targets.size(), plan.targets.size());
  std::set<std::string> threads;
  for (std::size_t i = 0; i < plan.targets.size(); ++i) {
    const auto& t = obs->targets[i];
    EXPECT_EQ(t.target.host, plan.targets[i].host);
    ASSERT_EQ(t.connections.size(), 1u) << t.target.host;
    EXPECT_EQ(t.connections[0].address, "addr-of-" + plan.targets[i].host);
    threads.insert(t.connections[0].error);
  }
  EXPECT_EQ(threads.size(), 3u);
}

// "localhost" comes from /etc/hosts: nothing leaves the machine.
TEST(PlanShards, SystemLookupsBeyondTheirSlotsWaitTheirTurnAndAllAnswer) {
  init_probe_libraries();
  CheckPlan plan = plan_of(0);
  for (int i = 0; i < 12; ++i) {
    Target t;
    t.host = "localhost";
    plan.targets.push_back(t);
  }
  plan.resolvers.clear();
  plan.system_lookup = true;
  plan.max_system_lookups = 2;
  const ProberEntry* system = find_prober("system");
  ASSERT_NE(system, nullptr);
  auto obs = run_probers(plan, {*system});
  ASSERT_TRUE(obs) << obs.error().message;
  for (const auto& t : obs->targets) {
    EXPECT_TRUE(t.system.asked);
    EXPECT_TRUE(t.system.answered);
    EXPECT_TRUE(t.system.error.empty()) << t.system.error;
    EXPECT_FALSE(t.system.addresses.empty());
  }
}

TEST(PlanShards, ASmallPlanRunsInOneLoop) {
  CheckPlan plan = plan_of(kMinTargetsPerShard);
  plan.resolvers.clear();
  plan.shards = 4;
  auto obs = run_probers(plan, {{"echo", &make_echo}});
  ASSERT_TRUE(obs) << obs.error().message;
  std::set<std::string> threads;
  for (const auto& t : obs->targets) threads.insert(t.connections.at(0).error);
  EXPECT_EQ(threads.size(), 1u);
}

}  // namespace
}  // namespace vnetdiag
