#pragma once
// One repair of the tutorial set-up, declared: what it provides and needs (step keys, from which
// the planner derives PlanStep::depends_on), when it applies (a predicate over the resolved
// state), and the ARM request it makes. The table (repair_table.cpp) lists them in the order the
// planner evaluates them; adding a repair is one entry there plus its test.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "finding_catalog.hpp"
#include "plan.hpp"
#include "plan_state.hpp"

namespace vnetdiag::fix {

// What a repair is evaluated for: the whole state, and the target or the failed resource when
// the repair is per target / per failed resource.
struct RepairInput {
  const PlanState& s;
  const TargetState* target = nullptr;
  const FailedResource* failed = nullptr;
  const Plan& planned;  // the steps planned so far, in evaluation order
  const DuplicateLink* duplicate = nullptr;
  const PeeringFix* peering = nullptr;
  const RulesetLinkFix* ruleset_link = nullptr;

  const TargetState& t() const { return *target; }
};

// The ARM call a repair makes: a PlanStep without what the table declares (key, depends_on,
// lock_down) or, unless it says otherwise, the finding.
struct Draft {
  std::string action{};  // create | update | approve | delete
  std::string resource_id{};
  std::string method{};
  std::string api_version{};
  nlohmann::json body{};
  std::string permission{};
  std::vector<PropertyChange> changes{};
  std::string if_match{};
  std::string warning{};
  std::optional<FindingId> finding{};  // overrides Repair::finding (the site's one PATCH)
  std::string replaced_by{};           // a delete: the endpoint that must work first
  std::string host{};                  // ... the name that must resolve to its address
};

enum class Scope {
  kOnce,               // evaluated once
  kPerTarget,          // once per target whose resource was found, in the targets' order
  kPerFailedResource,  // once per resource ARM left in provisioningState Failed
  kPerDuplicateLink,   // once per link of a same-named zone that conflicts (PlanState)
  kPerPeering,         // once per peering to fix (PlanState::peerings)
  kPerRulesetLink,     // once per forwarding ruleset to link (PlanState::ruleset_links)
};

enum class Ordering {
  kNormal,     // depends on what its needs name, among steps planned before it
  kBeforeAll,  // every other step depends on it (a failed resource is re-applied first)
  kAfterAll,   // depends on every other step; applied only after the private path is verified
};

enum class Placement {
  kInOrder,  // listed in the plan where it is evaluated
  kFirst,    // listed at the front of the plan (the last so placed comes first)
};

struct Repair {
  std::string_view name{};  // family.what, for tests and messages
  Scope scope = Scope::kOnce;
  // Step keys, with {kind} (vault|account), {zone} (the target's privatelink zone), {id} (the
  // failed resource's id, lower-cased), {linkvnet} (the VNet a link joins, lower-cased: the
  // target's missing link's, or the duplicate's), {peering} (the peering's id, lower-cased) and
  // {ruleset} (the ruleset's id, lower-cased) filled in. A refusal provides nothing.
  std::string_view provides{};
  std::array<std::string_view, 3> needs{};  // empty entries are ignored
  FindingId finding;    // required: the finding its steps repair (compile-checked)
  bool shared = false;  // a key already planned is not planned again (targets sharing a zone)
  Ordering ordering = Ordering::kNormal;
  Placement placement = Placement::kInOrder;
  bool (*applies)(const RepairInput&) = nullptr;
  Draft (*make)(const RepairInput&) = nullptr;          // a step ...
  std::string (*refuse)(const RepairInput&) = nullptr;  // ... or a line of Plan::refused
};

// The registry, in evaluation order (repair_table.cpp).
const std::vector<const Repair*>& repair_table();

// Fills {kind}, {zone}, {id}, {linkvnet}, {peering} and {ruleset} in a key template.
std::string expand_key(std::string_view pattern, const RepairInput& in);

// Read-only fields ARM fills in; stripped before a read-merge-write PUT.
void strip_read_only(nlohmann::json& j);

}  // namespace vnetdiag::fix
