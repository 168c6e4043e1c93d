#include "permissions.hpp"

#include <algorithm>

#include "resource_id.hpp"
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

// The action ARM derives from the request: the resource's type with write (PUT, PATCH) or delete.
std::string request_action(const PlanStep& step) {
  const auto id = arm::parse_resource_id(step.resource_id);
  if (!id || id->provider.empty()) return "";
  const std::string verb = step.method == "DELETE" ? "delete" : "write";
  return id->type() + "/" + verb;
}

// The resource group an id lives in: where its permissions are listed.
std::string group_of(const std::string& id) {
  const auto parts = split(id, '/');  // "", subscriptions, S, resourceGroups, G, ...
  if (parts.size() < 5 || lower(parts[1]) != "subscriptions" || lower(parts[3]) != "resourcegroups")
    return "";
  return "/subscriptions/" + parts[2] + "/resourceGroups/" + parts[4];
}

}  // namespace

std::vector<RequiredAction> required_actions(const PlanStep& step) {
  std::vector<RequiredAction> out;
  const auto add = [&](const std::string& action, const std::string& scope, bool linked) {
    if (action.empty() || scope.empty()) return;
    for (const auto& r : out)
      if (lower(r.action) == lower(action) && arm::same_resource(r.scope, scope)) return;
    out.push_back({action, scope, linked});
  };
  // What the step declares first, so the names stay those of the plan.
  for (const auto& part : split(step.permission, '+')) {
    const std::string action = trim(part);
    if (!action.empty() && action.front() != '(') add(action, step.resource_id, false);
  }
  add(request_action(step), step.resource_id, false);

  const auto type = arm::parse_resource_id(step.resource_id);
  if (!type || step.method == "DELETE" || !step.body.is_object()) return out;
  const std::string t = lower(type->type());
  const auto str = [&](std::initializer_list<const char*> path) {
    return arm::json_str(step.body, path);
  };
  if (t == "microsoft.network/privateendpoints") {
    add("Microsoft.Network/virtualNetworks/subnets/join/action",
        str({"properties", "subnet", "id"}), true);
    // An automatic connection is approved on creation only with the approval right on the target.
    for (const auto& c :
         arm::json_array(step.body, {"properties", "privateLinkServiceConnections"})) {
      const std::string target = arm::json_str(c, {"properties", "privateLinkServiceId"});
      if (const auto tid = arm::parse_resource_id(target))
        add(tid->type() + "/privateEndpointConnectionsApproval/action", target, true);
    }
  } else if (t == "microsoft.network/privateendpoints/privatednszonegroups") {
    for (const auto& c : arm::json_array(step.body, {"properties", "privateDnsZoneConfigs"}))
      add("Microsoft.Network/privateDnsZones/join/action",
          arm::json_str(c, {"properties", "privateDnsZoneId"}), true);
  } else if (t == "microsoft.network/privatednszones/virtualnetworklinks" ||
             t == "microsoft.network/dnsforwardingrulesets/virtualnetworklinks") {
    add("Microsoft.Network/virtualNetworks/join/action",
        str({"properties", "virtualNetwork", "id"}), true);
  } else if (t == "microsoft.network/virtualnetworks/virtualnetworkpeerings") {
    add("Microsoft.Network/virtualNetworks/peer/action",
        str({"properties", "remoteVirtualNetwork", "id"}), true);
  } else if (t == "microsoft.web/sites") {
    add("Microsoft.Network/virtualNetworks/subnets/join/action",
        str({"properties", "virtualNetworkSubnetId"}), true);
  } else if (t == "microsoft.web/sites/networkconfig") {
    add("Microsoft.Network/virtualNetworks/subnets/join/action",
        str({"properties", "subnetResourceId"}), true);
  }
  return out;
}

bool action_allowed(const std::string& action, const std::vector<std::string>& actions,
                    const std::vector<std::string>& not_actions) {
  bool allowed = false;
  for (const auto& p : actions) allowed |= matches(p, action);
  for (const auto& p : not_actions)
    if (matches(p, action)) return false;
  return allowed;
}

std::vector<std::string> permission_scopes(const Plan& plan, const std::string& home) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps)
    for (const auto& need : required_actions(s)) {
      const std::string group = group_of(need.scope);
      const std::string scope = group.empty() ? home : group;
      if (std::none_of(out.begin(), out.end(),
                       [&](const std::string& o) { return lower(o) == lower(scope); }))
        out.push_back(scope);
    }
  return out;
}

PermissionCheck judge_permissions(const Plan& plan, const std::string& home,
                                  const std::map<std::string, ScopeGrants>& grants) {
  PermissionCheck check;
  check.scopes = permission_scopes(plan, home);
  for (const auto& scope : check.scopes) {
    auto g = grants.find(lower(scope));
    if (g == grants.end() || !g->second.read)
      check.unread_scopes.push_back(
          scope + ": " + (g == grants.end() ? std::string("not read") : g->second.error));
  }
  for (const auto& s : plan.steps)
    for (const auto& need : required_actions(s)) {
      const std::string group = group_of(need.scope);
      auto g = grants.find(lower(group.empty() ? home : group));
      if (g == grants.end() || !g->second.read) continue;
      if (!action_allowed(need.action, g->second.actions, g->second.not_actions))
        check.missing.push_back(s.key + ": " + need.action +
                                (need.linked ? " on " + need.scope : std::string()));
    }
  check.checked = check.unread_scopes.empty();
  if (!check.checked)
    check.note = "permissions could not be read in " + join(check.unread_scopes, "; ") +
                 ": what the steps need there is not checked and will show as "
                 "AuthorizationFailed or LinkedAuthorizationFailed on the step";
  return check;
}

PermissionCheck check_permissions(arm::ArmClient& client, const std::string& rg_id,
                                  const Plan& plan) {
  std::map<std::string, ScopeGrants> grants;  // lower-cased group id -> what the caller may do
  for (const auto& scope : permission_scopes(plan, rg_id)) {
    ScopeGrants& g = grants[lower(scope)];
    auto r = client.send(
        "GET", scope + "/providers/Microsoft.Authorization/permissions?api-version=2022-04-01");
    if (!r.ok() || !r.body.is_object() || !r.body.contains("value")) {
      g.error = r.error ? r.error->summary() : "HTTP " + std::to_string(r.status);
      continue;
    }
    g.read = true;
    for (const auto& p : arm::json_array(r.body, {"value"})) {
      for (const auto& a : arm::json_array(p, {"actions"}))
        if (a.is_string()) g.actions.push_back(a);
      for (const auto& a : arm::json_array(p, {"notActions"}))
        if (a.is_string()) g.not_actions.push_back(a);
    }
  }
  return judge_permissions(plan, rg_id, grants);
}

}  // namespace vnetdiag::fix
