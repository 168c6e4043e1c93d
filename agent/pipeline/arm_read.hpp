#pragma once
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "model.hpp"
#include "pipeline.hpp"

namespace vnetdiag {

// What the rules need from ARM: the typed state, parsed once, and the targets with the zones ARM
// named; `summary` is the report's context["arm"] line.
struct ArmRead {
  arm::ArmState state;
  std::vector<Target> targets;
  std::string summary;
};

// Reads ARM (or takes serve's cached read).
ArmRead read_arm(const PreparedCheck& prepared);

}  // namespace vnetdiag
