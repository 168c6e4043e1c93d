#pragma once
// ARM error bodies turned into one clear message: the standard wrapped shape, the Web provider's
// unwrapped PascalCase shape, and what an AuthorizationFailed needs (which action, which role).
#include <string>

namespace vnetdiag::arm {

struct ArmError {
  std::string code;
  std::string message;
  std::string extended_code;    // Web provider ErrorEntity.ExtendedCode
  std::string action;           // the action an AuthorizationFailed names
  std::string summary() const;  // one line for a person
};

ArmError parse_arm_error(long status, const std::string& body);
// A built-in role that grants the action, for the message ("Network Contributor", ...).
std::string role_for_action(const std::string& action);

}  // namespace vnetdiag::arm
