#pragma once
// Pre-checks the plan's writes against the caller's permissions at the resource group
// (Microsoft.Authorization/permissions), so a missing role shows before any write.
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "plan.hpp"

namespace vnetdiag::fix {

struct PermissionCheck {
  bool checked = false;  // false: the permissions could not be read (reason in note)
  std::string note;
  std::vector<std::string> missing;  // "step key: action"
};

// actions / not_actions as ARM lists them ("*" and "Microsoft.Network/*" wildcards allowed).
bool action_allowed(const std::string& action, const std::vector<std::string>& actions,
                    const std::vector<std::string>& not_actions);

PermissionCheck check_permissions(arm::ArmClient& client, const std::string& resource_group_id,
                                  const Plan& plan);

}  // namespace vnetdiag::fix
