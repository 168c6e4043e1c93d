// ARM rules about the app itself: whether ARM could be read, the site and its plan.
#include "rule_list.hpp"

namespace vnetdiag::rules {

RuleOutput arm_not_read(const RuleInput& in) {
  if (in.arm) return {};
  return {{make_finding("arm.not_read", "", std::string(in.arm_skip_reason))}, {}};
}

}  // namespace vnetdiag::rules
