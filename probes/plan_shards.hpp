#pragma once
// A check's targets split over the machine's cores. One engine loop is one thread, and with many
// targets that thread is busy with TLS handshakes (about a millisecond of CPU each, mostly
// OpenSSL parsing and verifying certificates) while answers wait: each shard runs its own engine
// in its own thread, and the observations are put back in the plan's order.
#include <cstddef>
#include <vector>

#include "engine.hpp"

namespace vnetdiag {

// Below this many targets per shard a second thread costs more than it saves.
inline constexpr std::size_t kMinTargetsPerShard = 16;
inline constexpr std::size_t kMaxShards = 4;

// How many shards for `targets` targets on `cores` usable cores (at least 1).
std::size_t shard_count(std::size_t targets, std::size_t cores);

// Cores this process may run on (its affinity mask: a container's or an App Service plan's).
std::size_t usable_cores();

struct PlanShard {
  CheckPlan plan;
  std::vector<std::size_t> indices;  // for each of plan.targets, its index in the whole plan
};

// Targets dealt round-robin, so that each shard gets a like mix of kinds; connection and system
// lookup slots are divided between the shards.
std::vector<PlanShard> split_plan(const CheckPlan& plan, std::size_t shards);

// The shards' observations as one run's: targets in the whole plan's order, the longest duration,
// the deadline hit when any shard hit it.
Observations merge_shards(const CheckPlan& plan, const std::vector<PlanShard>& shards,
                          std::vector<Observations> parts);

}  // namespace vnetdiag
