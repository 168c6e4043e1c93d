// arm::join_planes: the ARM part of the rules table on its own, over a Topology parsed once into
// the typed ARM state (for the tests and the fuzzers; the pipeline runs the whole table).
#include "plane_rules.hpp"

#include "arm_state.hpp"
#include "rules.hpp"

namespace vnetdiag::arm {

void join_planes(const Topology& t, const std::vector<Target>& targets, const std::string& rg_id,
                 std::vector<Finding>& findings) {
  const ArmState state = parse_state(t);
  static const Observations kNoObservations;
  static const AppContext kNoContext;
  static const RouteAll kNoRouteAll;
  run_rules({kNoObservations, kNoContext, kNoRouteAll, targets, rg_id, &state, ""}, findings,
            Part::kArm);
}

}  // namespace vnetdiag::arm
