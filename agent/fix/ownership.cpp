#include "ownership.hpp"

#include <map>
#include <set>

#include "api_versions.hpp"
#include "policy_ownership.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "topology_detail.hpp"

namespace vnetdiag::fix {
namespace {

using nlohmann::json;

constexpr const char* kLocksApi = "2016-09-01";
constexpr const char* kLockSegment = "/providers/microsoft.authorization/locks/";

// Every body the topology holds, by lower-case id, for the tags of what a step touches.
void index_bodies(const json& j, std::map<std::string, const json*>& out) {
  if (j.is_object()) {
    if (j.contains("id") && j["id"].is_string()) out.emplace(lower(j["id"].get<std::string>()), &j);
    if (j.contains("properties")) index_bodies(j["properties"], out);
    return;
  }
  if (j.is_array())
    for (const auto& item : j) index_bodies(item, out);
}

std::map<std::string, const json*> bodies(const arm::Topology& t) {
  std::map<std::string, const json*> out;
  for (const json* j : {&t.site, &t.site_config, &t.plan, &t.vnet}) index_bodies(*j, out);
  for (const auto* list : {&t.vaults, &t.accounts, &t.private_endpoints, &t.zones, &t.vnets,
                           &t.duplicate_zones, &t.resolvers, &t.rulesets})
    for (const auto& j : *list) index_bodies(j, out);
  for (const auto* map : {&t.links, &t.zone_groups, &t.duplicate_links, &t.ruleset_links})
    for (const auto& [key, list] : *map)
      for (const auto& j : list) index_bodies(j, out);
  return out;
}

// What in a body says an IaC tool (or another manager) owns it, or "".
std::string iac_mark(const json& body) {
  if (body.contains("managedBy") && body["managedBy"].is_string() &&
      !body["managedBy"].get<std::string>().empty())
    return "managedBy " + body["managedBy"].get<std::string>();
  if (!body.contains("tags") || !body["tags"].is_object()) return "";
  for (const auto& [key, value] : body["tags"].items()) {
    const std::string k = lower(key);
    const std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    const std::string lv = lower(v);
    if (k == "managed-by" || k == "managedby" || k == "managed_by" || k == "azd-env-name" ||
        starts_with(k, "hidden-link") || lv.find("terraform") != std::string::npos ||
        lv.find("bicep") != std::string::npos || lv.find("pulumi") != std::string::npos)
      return "tag " + key + "=" + v;
  }
  return "";
}

// The ids a step touches: its resource (unless it makes it), its parent, its group.
std::vector<std::string> touched(const PlanStep& s) {
  std::vector<std::string> out;
  const auto id = arm::parse_resource_id(s.resource_id);
  if (!id) return {s.resource_id};
  if (s.action != "create") out.push_back(id->str());
  if (id->segments.size() > 1 && id->parent()) out.push_back(id->parent()->str());
  out.push_back("/subscriptions/" + id->subscription + "/resourceGroups/" + id->resource_group);
  return out;
}

bool under(const std::string& id, const std::string& scope) {
  const std::string i = lower(id), sc = lower(scope);
  return i == sc || (starts_with(i, sc) && i.size() > sc.size() && i[sc.size()] == '/');
}

std::vector<json> read_list(arm::ArmClient& client, const std::string& path,
                            const std::string& what, Ownership& out) {
  arm::Topology scratch;  // collects the gap, if any, as the reader's lists do
  auto items = arm::topology_detail::list(client, scratch, what, "read " + what, path,
                                          client.send("GET", path));
  for (const auto& e : scratch.errors) out.unread.push_back(e);
  return items;
}

}  // namespace

Ownership read_ownership(arm::ArmClient& client, const arm::Topology& t, const Plan& plan) {
  Ownership out;
  if (plan.steps.empty()) return out;
  const auto known = bodies(t);
  std::set<std::string> groups, subscriptions;
  for (const auto& s : plan.steps)
    if (const auto id = arm::parse_resource_id(s.resource_id)) {
      groups.insert("/subscriptions/" + id->subscription + "/resourceGroups/" + id->resource_group);
      subscriptions.insert(id->subscription);
    }
  // Per group: its own body (tags, managedBy) and its deployments' output resources.
  std::map<std::string, json> group_bodies;
  std::map<std::string, std::string> deployed_by;  // resource id (lower) -> deployment name
  for (const auto& g : groups) {
    const auto r = client.send("GET", g + "?api-version=" + arm::kResourcesApi);
    if (r.status == 404) continue;  // a group fix will make: nothing owns it yet
    if (!r.ok()) {
      out.unread.push_back("resource group " + g + ": " +
                           (r.error ? r.error->summary() : "HTTP " + std::to_string(r.status)));
      continue;
    }
    group_bodies[lower(g)] = r.body;
    for (const auto& d : read_list(
             client,
             g + "/providers/Microsoft.Resources/deployments?api-version=" + arm::kResourcesApi,
             "deployments of " + g, out))
      for (const auto& o : arm::json_array(d, {"properties", "outputResources"}))
        deployed_by.emplace(lower(arm::json_str(o, {"id"})), arm::json_str(d, {"name"}));
  }
  // Locks: each group's list (its own and its resources'), and the subscription's own, which an
  // identity scoped to its group may not list: that gap is said, the groups' locks still count.
  std::vector<json> locks;
  std::set<std::string> seen_locks;
  const auto add_locks = [&](std::vector<json> items) {
    for (auto& l : items)
      if (seen_locks.insert(lower(arm::json_str(l, {"id"}))).second) locks.push_back(std::move(l));
  };
  for (const auto& g : groups)
    if (group_bodies.count(lower(g)))
      add_locks(read_list(client,
                          g + "/providers/Microsoft.Authorization/locks?api-version=" + kLocksApi,
                          "management locks of " + g, out));
  for (const auto& sub : subscriptions) {
    Ownership scratch;
    add_locks(read_list(client,
                        "/subscriptions/" + sub +
                            "/providers/Microsoft.Authorization/locks?api-version=" + kLocksApi,
                        "locks on subscription " + sub + " itself", scratch));
    for (const auto& e : scratch.unread) out.unread.push_back(e + " (the groups' locks were read)");
  }

  std::set<std::string> present;
  for (const auto& [g, body] : group_bodies) present.insert(g);
  read_policy(client, plan, groups, present, out);

  for (const auto& s : plan.steps) {
    for (const auto& id : touched(s)) {
      const auto body = known.find(lower(id));
      const json* b = body != known.end() ? body->second : nullptr;
      if (const auto g = group_bodies.find(lower(id)); g != group_bodies.end()) b = &g->second;
      if (b)
        if (const std::string mark = iac_mark(*b); !mark.empty())
          out.owners.push_back({s.key, id, "tag", mark});
      if (const auto d = deployed_by.find(lower(id)); d != deployed_by.end())
        out.owners.push_back({s.key, id, "deployment",
                              "deployment " + d->second + " (a template deployment) made it"});
    }
    for (const auto& l : locks) {
      const std::string lock_id = arm::json_str(l, {"id"});
      const auto at = lower(lock_id).find(kLockSegment);
      if (at == std::string::npos) continue;
      const std::string scope = lock_id.substr(0, at);
      const std::string level = arm::json_str(l, {"properties", "level"});
      const bool blocks =
          lower(level) == "readonly" || (lower(level) == "cannotdelete" && s.method == "DELETE");
      if (blocks && under(s.resource_id, scope))
        out.owners.push_back(
            {s.key, scope, "lock",
             level + " lock " + arm::json_str(l, {"name"}) + " on " + scope + " (ARM refuses the " +
                 (s.method == "DELETE" ? "delete" : "write") + "; fix never removes locks)"});
    }
  }
  return out;
}

std::string owner_line(const Owner& o) {
  const bool scoped = o.kind == "lock" || o.kind == "policy";  // the detail names its scope
  return o.step_key + ": " + (scoped ? o.detail : o.resource_id + ": " + o.detail);
}

}  // namespace vnetdiag::fix
