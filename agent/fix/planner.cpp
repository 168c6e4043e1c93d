// The planner runs the repair table (repair_table.cpp): it resolves the state once, evaluates
// each repair's predicate in table order (per target, per failed resource, or once), builds the
// steps and derives PlanStep::depends_on from what each repair needs and the others provide.
#include "planner.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "plan_state.hpp"
#include "repair.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

struct Run {
  const PlanState& s;
  Plan plan;
  std::vector<std::string> before_all;  // keys every other step waits for, in evaluation order

  bool has(const std::string& key) const {
    return std::any_of(plan.steps.begin(), plan.steps.end(),
                       [&](const PlanStep& st) { return st.key == key; });
  }

  void evaluate(const Repair& r, const TargetState* target, const FailedResource* failed,
                const DuplicateLink* duplicate = nullptr, const PeeringFix* peering = nullptr,
                const RulesetLinkFix* ruleset_link = nullptr) {
    const RepairInput in{s, target, failed, plan, duplicate, peering, ruleset_link};
    if (!r.applies(in)) return;
    if (r.refuse) {
      plan.refused.push_back(r.refuse(in));
      return;
    }
    std::string key = expand_key(r.provides, in);
    if (r.shared && has(key)) return;
    Draft d = r.make(in);
    std::vector<std::string> depends_on;
    for (const auto need : r.needs)
      if (!need.empty())
        if (std::string k = expand_key(need, in); has(k)) depends_on.push_back(std::move(k));
    PlanStep step{key,
                  std::move(d.action),
                  std::move(d.resource_id),
                  std::move(d.method),
                  std::move(d.api_version),
                  std::move(d.body),
                  std::move(depends_on),
                  std::string(d.finding.value_or(r.finding).text()),
                  std::move(d.permission),
                  std::move(d.changes),
                  std::move(d.if_match),
                  r.ordering == Ordering::kAfterAll,
                  std::move(d.warning),
                  std::move(d.replaced_by),
                  std::move(d.host),
                  {},
                  {},
                  {}};
    step.subscription = subscription_of(step.resource_id);
    if (r.placement == Placement::kFirst)
      plan.steps.insert(plan.steps.begin(), std::move(step));
    else
      plan.steps.push_back(std::move(step));
    if (r.ordering == Ordering::kBeforeAll) before_all.push_back(key);
  }

  // Repairs [first, last) are per target: all of them for one target, then the next.
  void per_target(const std::vector<const Repair*>& table, std::size_t first, std::size_t last) {
    for (const auto& t : s.targets) {
      if (!t.resource) {
        plan.refused.push_back(t.target->host + ": no such " + t.kind + " in " +
                               s.in.resource_group);
        continue;
      }
      if (t.no_subdomain) {
        plan.refused.push_back(
            t.resource_id +
            ": the account has no customSubDomainName, so it has no private DNS name and a "
            "private endpoint cannot serve it; setting one is irreversible and changes the "
            "endpoint the app calls, so fix does not do it: set it yourself, then run fix again");
        continue;
      }
      for (std::size_t i = first; i < last; ++i) evaluate(*table[i], &t, nullptr);
    }
  }

  // What the table's orderings say beyond needs: re-applied resources first, lock-down last.
  void order_globally() {
    for (auto& st : plan.steps)
      if (std::find(before_all.begin(), before_all.end(), st.key) == before_all.end())
        st.depends_on.insert(st.depends_on.end(), before_all.begin(), before_all.end());
    std::vector<std::string> all_others;
    for (const auto& st : plan.steps)
      if (!st.lock_down) all_others.push_back(st.key);
    for (auto& st : plan.steps)
      if (st.lock_down) st.depends_on = all_others;
  }

  // "/subscriptions/{s}/..." -> s, lower-cased (also for a provider registration's id).
  static std::string subscription_of(const std::string& id) {
    const auto parts = split(id, '/');
    return parts.size() > 2 && lower(parts[1]) == "subscriptions" ? lower(parts[2]) : "";
  }

  // Where a step writes: its own resource's subscription, and for a zone group the zones' (the
  // platform writes the endpoint's A record into each).
  static std::vector<std::string> written_subscriptions(const PlanStep& st) {
    std::vector<std::string> out{st.subscription};
    const auto id = arm::parse_resource_id(st.resource_id);
    if (id && lower(id->type()) == "microsoft.network/privateendpoints/privatednszonegroups")
      for (const auto& c : arm::json_array(st.body, {"properties", "privateDnsZoneConfigs"}))
        out.push_back(subscription_of(arm::json_str(c, {"properties", "privateDnsZoneId"})));
    return out;
  }

  // A step that writes outside the allowed subscriptions is held back, and so is every step that
  // waits for it: fix then applies nothing at all (fix_command), because the rest alone leaves
  // the estate half-repaired in a way nobody planned (an endpoint with no record, a link to a
  // zone the spoke cannot reach), and the check after it could not pass.
  void hold_back_disallowed() {
    if (s.in.subscription.empty()) return;  // nothing to compare with: ARM was not read
    std::set<std::string> allowed{lower(s.in.subscription)};
    for (const auto& a : s.in.allowed_subscriptions) allowed.insert(lower(a));
    std::map<std::string, std::pair<std::string, std::string>> held;  // key -> (sub, waits for)
    for (const auto& st : plan.steps)
      for (const auto& sub : written_subscriptions(st))
        if (!sub.empty() && !allowed.count(sub) && !held.count(st.key)) held[st.key] = {sub, ""};
    for (bool grew = !held.empty(); grew;) {
      grew = false;
      for (const auto& st : plan.steps) {
        if (held.count(st.key)) continue;
        for (const auto& d : st.depends_on)
          if (auto h = held.find(d); h != held.end()) {
            held[st.key] = {h->second.first, h->second.second.empty() ? d : h->second.second};
            grew = true;
            break;
          }
      }
    }
    std::vector<PlanStep> kept;
    for (auto& st : plan.steps) {
      auto h = held.find(st.key);
      if (h == held.end()) {
        kept.push_back(std::move(st));
        continue;
      }
      st.needs_subscription = h->second.first;
      st.waits_for = h->second.second;
      plan.not_allowed.push_back(std::move(st));
    }
    plan.steps = std::move(kept);
  }
};

}  // namespace

Plan plan_repairs(const PlanInput& input) {
  const PlanState state = resolve_state(input);
  const auto& table = repair_table();
  Run run{state, {}, {}};
  for (std::size_t i = 0; i < table.size();) {
    const Repair& r = *table[i];
    if (r.scope == Scope::kPerTarget) {
      std::size_t end = i;
      while (end < table.size() && table[end]->scope == Scope::kPerTarget) ++end;
      run.per_target(table, i, end);
      i = end;
      continue;
    }
    if (r.scope == Scope::kPerFailedResource)
      for (const auto& f : state.failed) run.evaluate(r, nullptr, &f);
    else if (r.scope == Scope::kPerDuplicateLink)
      for (const auto& d : state.duplicate_links) run.evaluate(r, nullptr, nullptr, &d);
    else if (r.scope == Scope::kPerPeering)
      for (const auto& p : state.peerings) run.evaluate(r, nullptr, nullptr, nullptr, &p);
    else if (r.scope == Scope::kPerRulesetLink)
      for (const auto& l : state.ruleset_links)
        run.evaluate(r, nullptr, nullptr, nullptr, nullptr, &l);
    else
      run.evaluate(r, nullptr, nullptr);
    ++i;
  }
  run.order_globally();
  run.hold_back_disallowed();
  return std::move(run.plan);
}

}  // namespace vnetdiag::fix
