#include "plan_shards.hpp"

#include <sched.h>

#include <algorithm>
#include <utility>

namespace vnetdiag {

std::size_t shard_count(std::size_t targets, std::size_t cores) {
  const std::size_t by_targets = targets / kMinTargetsPerShard;
  return std::max<std::size_t>(1, std::min({cores, by_targets, kMaxShards}));
}

std::size_t usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return static_cast<std::size_t>(std::max(1, CPU_COUNT(&set)));
}

std::vector<PlanShard> split_plan(const CheckPlan& plan, std::size_t shards) {
  shards = std::max<std::size_t>(1, std::min(shards, plan.targets.size()));
  std::vector<PlanShard> out(shards);
  for (std::size_t s = 0; s < shards; ++s) {
    out[s].plan = plan;
    out[s].plan.targets.clear();
    out[s].plan.max_connections = std::max<std::size_t>(1, plan.max_connections / shards);
    out[s].plan.max_system_lookups = std::max<std::size_t>(1, plan.max_system_lookups / shards);
  }
  for (std::size_t i = 0; i < plan.targets.size(); ++i) {
    PlanShard& shard = out[i % shards];
    shard.plan.targets.push_back(plan.targets[i]);
    shard.indices.push_back(i);
  }
  return out;
}

Observations merge_shards(const CheckPlan& plan, const std::vector<PlanShard>& shards,
                          std::vector<Observations> parts) {
  Observations whole;
  whole.resolvers = plan.resolvers;
  whole.targets.resize(plan.targets.size());
  for (std::size_t s = 0; s < shards.size() && s < parts.size(); ++s) {
    Observations& part = parts[s];
    for (std::size_t i = 0; i < shards[s].indices.size() && i < part.targets.size(); ++i)
      whole.targets[shards[s].indices[i]] = std::move(part.targets[i]);
    whole.duration_ms = std::max(whole.duration_ms, part.duration_ms);
    whole.deadline_hit = whole.deadline_hit || part.deadline_hit;
  }
  return whole;
}

}  // namespace vnetdiag
