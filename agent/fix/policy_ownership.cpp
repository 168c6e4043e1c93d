#include "policy_ownership.hpp"

#include <algorithm>
#include <map>

#include "policy_effects.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "topology_detail.hpp"

namespace vnetdiag::fix {
namespace {

using nlohmann::json;
using policy::Impact;
using policy::Match;

constexpr const char* kAssignments = "/providers/Microsoft.Authorization/policyAssignments";
constexpr size_t kMaxDefinitions = 400;  // beyond: said, not read (a read per definition)

std::string version() { return std::string("?api-version=") + kPolicyApi; }

// The resource type a step writes ("Microsoft.Network/privateDnsZones/virtualNetworkLinks").
std::string step_type(const PlanStep& s) {
  const auto id = arm::parse_resource_id(s.resource_id);
  if (!id) return "";
  if (id->provider.empty())
    return id->resource_group.empty() ? "Microsoft.Resources/subscriptions"
                                      : "Microsoft.Resources/subscriptions/resourceGroups";
  return id->type();
}

std::string canonical_effect(const std::string& effect) {
  const std::string e = lower(effect);
  for (const char* name : {"deny", "denyAction", "modify", "append", "deployIfNotExists"})
    if (e == lower(name)) return name;
  return effect;
}

struct Definitions {
  std::map<std::string, json> bodies;           // lower id -> body
  std::map<std::string, std::string> failures;  // lower id -> why not read
};

void fetch(arm::ArmClient& client, const std::vector<std::string>& ids, Definitions& d) {
  std::vector<std::string> wanted, paths;
  for (const auto& id : ids) {
    const std::string key = lower(id);
    if (d.bodies.count(key) || d.failures.count(key)) continue;
    if (std::find(wanted.begin(), wanted.end(), key) != wanted.end()) continue;
    if (d.bodies.size() + d.failures.size() + wanted.size() >= kMaxDefinitions) {
      d.failures[key] = "more than " + std::to_string(kMaxDefinitions) + " definitions: not read";
      continue;
    }
    if (!starts_with(id, "/")) {
      d.failures[key] = "not an ARM id";
      continue;
    }
    wanted.push_back(key);
    paths.push_back(id + version());
  }
  if (paths.empty()) return;
  const auto answers = client.get_all(paths);
  for (size_t i = 0; i < wanted.size() && i < answers.size(); ++i) {
    const auto& r = answers[i];
    if (r.ok() && r.body.is_object())
      d.bodies[wanted[i]] = r.body;
    else
      d.failures[wanted[i]] =
          r.error ? r.error->summary()
                  : "HTTP " + std::to_string(r.status) + (r.ok() ? " without a JSON body" : "");
  }
}

struct InForce {
  policy::Rule rule;
  std::string member;  // the member's display name when the assignment is of an initiative
};

}  // namespace

void read_policy(arm::ArmClient& client, const Plan& plan, const std::set<std::string>& groups,
                 const std::set<std::string>& present, Ownership& out) {
  // The assignments that apply to each group (or, for a group fix will make, its subscription).
  std::vector<policy::Assignment> assignments;
  std::set<std::string> seen, lists;
  for (const auto& g : groups) {
    std::string path = g + kAssignments + version(), what = "policy assignments of " + g;
    std::string listed_for = g;
    if (!present.count(lower(g))) {
      const auto id = arm::parse_resource_id(g);
      if (!id) {
        out.unread.push_back("policy assignments of " + g + ": not a resource group id");
        continue;
      }
      listed_for = "/subscriptions/" + id->subscription;
      path = listed_for + kAssignments + version() + "&$filter=atScope()";
      what = "policy assignments of subscription " + id->subscription;
    }
    if (!lists.insert(lower(path)).second) continue;
    arm::Topology scratch;
    const auto items = arm::topology_detail::list(client, scratch, what, "read " + what, path,
                                                  client.send("GET", path));
    for (const auto& e : scratch.errors)
      out.unread.push_back(e + " (needs Microsoft.Authorization/policyAssignments/read)");
    for (const auto& item : items) {
      auto a = policy::parse_assignment(item);
      if (!a) continue;
      if (seen.insert(lower(a->id)).second) {
        a->listed_for.push_back(listed_for);
        assignments.push_back(std::move(*a));
      } else {
        for (auto& known : assignments)
          if (lower(known.id) == lower(a->id)) known.listed_for.push_back(listed_for);
      }
    }
  }
  // Only those that cover a step: their definitions (and initiatives' members) are read.
  std::vector<const policy::Assignment*> relevant;
  for (const auto& a : assignments)
    for (const auto& s : plan.steps)
      if (policy::covers(a, s.resource_id)) {
        relevant.push_back(&a);
        break;
      }
  Definitions defs;
  std::vector<std::string> ids;
  ids.reserve(relevant.size());
  for (const auto* a : relevant) ids.push_back(a->definition_id);
  fetch(client, ids, defs);
  ids.clear();
  for (const auto* a : relevant)
    if (policy::is_set_id(a->definition_id))
      if (auto b = defs.bodies.find(lower(a->definition_id)); b != defs.bodies.end())
        for (const auto& [id, m] : policy::set_members(b->second)) ids.push_back(id);
  fetch(client, ids, defs);

  std::set<std::string> said;  // unread lines and notes, once each
  const auto once = [&](std::vector<std::string>& into, const std::string& line) {
    if (said.insert(line).second) into.push_back(line);
  };
  for (const auto* a : relevant) {
    const std::string who = "policy '" + a->display_name + "' assigned at " + a->scope;
    std::vector<InForce> rules;
    const std::string key = lower(a->definition_id);
    if (auto f = defs.failures.find(key); f != defs.failures.end()) {
      once(out.unread, who + ": its definition " + a->definition_id + " was not read: " +
                           f->second + " (needs Microsoft.Authorization/policyDefinitions/read)");
      continue;
    }
    const json& body = defs.bodies[key];
    if (!policy::is_set_id(a->definition_id)) {
      rules.push_back({policy::rule_of(body, a->parameters), ""});
    } else {
      for (const auto& [id, m] : policy::set_members(body)) {
        if (auto f = defs.failures.find(lower(id)); f != defs.failures.end()) {
          once(out.unread,
               who + ": member " + id + " of its initiative was not read: " + f->second);
          continue;
        }
        auto rule = policy::rule_of(defs.bodies[lower(id)],
                                    policy::member_parameters(m, body, a->parameters));
        rules.push_back({rule, rule.display_name});
      }
    }
    for (const auto& r : rules) {
      const std::string label = "policy '" + a->display_name + "'" +
                                (r.member.empty() ? "" : " (member '" + r.member + "')");
      if (!r.rule.error.empty()) {
        once(out.unread,
             label + " assigned at " + a->scope + ": effect not judged: " + r.rule.error);
        continue;
      }
      const Impact impact = policy::impact_of(r.rule.effect);
      if (impact == Impact::none) continue;
      const std::string effect = canonical_effect(r.rule.effect);
      for (const auto& s : plan.steps) {
        const bool del = s.method == "DELETE";
        if ((impact == Impact::deny_delete) != del || !policy::covers(*a, s.resource_id)) continue;
        const std::string type = step_type(s);
        const Match m =
            policy::applies_to_type(r.rule.condition, type, r.rule.supplied, r.rule.declared);
        if (m == Match::no) continue;
        const std::string head = label + " (" + effect + ") assigned at " + a->scope;
        if (!a->enforced) {
          once(out.notes, s.key + ": " + head + " is DoNotEnforce: it does not stop this " +
                              (del ? "delete" : "write"));
          continue;
        }
        if (m == Match::unknown && impact != Impact::alters) {
          // Such as the common "Allowed locations" deny: refusing on every one of those would
          // make --force-owned routine. Named as not judged; a refusal by ARM fails the step.
          // An effect that alters is different: ARM says nothing and the platform rewrites what
          // fix wrote (Azure Landing Zones' DINE of private DNS zone groups matches the type and
          // a count on groupIds), so it stays an owner below.
          once(out.unread, s.key + ": " + head +
                               " may apply: its condition has clauses vnetdiag does not evaluate "
                               "(if ARM refuses the write, that step fails with "
                               "RequestDisallowedByPolicy)");
          continue;
        }
        std::string detail = head;
        if (impact == Impact::alters)
          detail += std::string(": the platform ") +
                    (m == Match::unknown ? "may change " : "changes ") + type +
                    " after each write" +
                    (m == Match::unknown ? " (its condition has clauses vnetdiag does not evaluate)"
                                         : "");
        else
          detail += std::string(": ARM refuses the ") + (del ? "delete" : "write") + " of " + type +
                    " (RequestDisallowedByPolicy), --force-owned does not get past it; fix never "
                    "changes policy";
        out.owners.push_back({s.key, a->scope, "policy", detail});
      }
    }
  }
}

}  // namespace vnetdiag::fix
