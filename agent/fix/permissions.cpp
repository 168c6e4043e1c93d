#include "permissions.hpp"

#include "text_util.hpp"
#include "topology.hpp"

namespace vnetdiag::fix {
namespace {

bool matches(const std::string& pattern, const std::string& action) {
  const std::string p = lower(pattern), a = lower(action);
  if (p == "*") return true;
  const auto star = p.find('*');
  if (star == std::string::npos) return p == a;
  return starts_with(a, p.substr(0, star)) && ends_with(a, p.substr(star + 1));
}

}  // namespace

bool action_allowed(const std::string& action, const std::vector<std::string>& actions,
                    const std::vector<std::string>& not_actions) {
  bool allowed = false;
  for (const auto& p : actions) allowed |= matches(p, action);
  for (const auto& p : not_actions)
    if (matches(p, action)) return false;
  return allowed;
}

PermissionCheck check_permissions(arm::ArmClient& client, const std::string& rg_id,
                                  const Plan& plan) {
  PermissionCheck check;
  if (plan.steps.empty()) {
    check.checked = true;
    return check;
  }
  auto r = client.send(
      "GET", rg_id + "/providers/Microsoft.Authorization/permissions?api-version=2022-04-01");
  if (!r.ok() || !r.body.is_object() || !r.body.contains("value")) {
    check.note = "permissions could not be read (" +
                 (r.error ? r.error->summary() : "HTTP " + std::to_string(r.status)) +
                 "): missing ones will show as AuthorizationFailed on the step";
    return check;
  }
  std::vector<std::string> actions, not_actions;
  for (const auto& p : arm::json_array(r.body, {"value"})) {
    for (const auto& a : arm::json_array(p, {"actions"}))
      if (a.is_string()) actions.push_back(a);
    for (const auto& a : arm::json_array(p, {"notActions"}))
      if (a.is_string()) not_actions.push_back(a);
  }
  check.checked = true;
  for (const auto& s : plan.steps)
    for (const auto& part : split(s.permission, '+')) {
      const std::string action = trim(part);
      if (!action.empty() && !action_allowed(action, actions, not_actions))
        check.missing.push_back(s.key + ": " + action);
    }
  return check;
}

}  // namespace vnetdiag::fix
