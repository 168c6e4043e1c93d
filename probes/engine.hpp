#pragma once
// The engine runs every probe of a check at once in one loop: c-ares sockets are handed to
// curl_multi_poll as extra descriptors, so DNS, TCP, TLS and HTTP all progress together, and a
// connection starts the moment its address is known. Many targets are split over one loop per
// core (plan_shards.hpp).
#include <string>
#include <vector>

#include "model.hpp"
#include "result.hpp"
#include "timeouts.hpp"

namespace vnetdiag {

struct CheckPlan {
  std::vector<Target> targets;
  std::vector<Resolver> resolvers;
  Timeouts timeouts;
  std::string ca_bundle;  // empty: the system store
  // Also resolve through getaddrinfo. Only meaningful when the resolvers are the system's own.
  bool system_lookup = false;
  std::size_t max_connections = 64;     // connection probes in flight at once
  std::size_t max_system_lookups = 64;  // getaddrinfo calls in flight at once (system_lookup)
  // Engine loops (threads) the targets are split over: 0 for one per usable core, as many as the
  // targets fill (plan_shards.hpp).
  std::size_t shards = 0;
};

// Errors are only for what stops the check from running at all (a resolver c-ares cannot use).
Result<Observations> run_check(const CheckPlan& plan);

// Process-wide library set-up; call once at start (main, tests).
void init_probe_libraries();

}  // namespace vnetdiag
