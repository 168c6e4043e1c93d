#pragma once
// Pre-checks the plan's requests against the caller's permissions
// (Microsoft.Authorization/permissions), so a missing role shows before any write. Each step
// needs what ARM checks for its request: the write/delete on the resource it touches, the action
// it declares (an approval), and the linked actions on the resources its body references (the
// subnet an endpoint or the app's integration joins, the zone a zone group joins, the VNet a zone
// link joins, the target an endpoint's connection is approved on). Each is checked at the
// resource group of its own scope, which may be another group or subscription.
#include <map>
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "plan.hpp"

namespace vnetdiag::fix {

struct PermissionCheck {
  bool checked = false;  // false: the permissions of some scope could not be read (see note)
  std::string note;
  // Every resource group the plan touches, each read once; those whose read failed, with why
  // ("<group>: HTTP 403 AuthorizationFailed ...").
  std::vector<std::string> scopes, unread_scopes;
  // "step key: action" for the resource the step touches, "step key: action on SCOPE" for a
  // resource its request references.
  std::vector<std::string> missing;
};

// One action a step needs, and the resource it is checked on.
struct RequiredAction {
  std::string action;
  std::string scope;
  bool linked = false;  // on a resource the request references, not the one it touches
};

// What ARM checks for the step's request (deduplicated, in a stable order).
std::vector<RequiredAction> required_actions(const PlanStep& step);

// actions / not_actions as ARM lists them ("*" and "Microsoft.Network/*" wildcards allowed).
bool action_allowed(const std::string& action, const std::vector<std::string>& actions,
                    const std::vector<std::string>& not_actions);

// What the caller may do in one scope (Microsoft.Authorization/permissions), or why not known.
struct ScopeGrants {
  bool read = false;
  std::string error;
  std::vector<std::string> actions, not_actions;
};

// The resource groups whose permissions the plan's steps need, in first-use order, each once
// (`home` for an action on something that is in no resource group).
std::vector<std::string> permission_scopes(const Plan& plan, const std::string& home);

// The check, given what each scope of permission_scopes() grants (lower-cased scope -> grants).
PermissionCheck judge_permissions(const Plan& plan, const std::string& home,
                                  const std::map<std::string, ScopeGrants>& grants);

// Reads each scope's permissions once, then judges.
PermissionCheck check_permissions(arm::ArmClient& client, const std::string& resource_group_id,
                                  const Plan& plan);

}  // namespace vnetdiag::fix
