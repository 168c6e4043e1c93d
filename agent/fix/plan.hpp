#pragma once
// A repair plan: pure descriptions of ARM calls with their dependencies, the finding each one
// repairs and the permission it needs. The planner builds it from what was read; renderers print
// it; the executor runs exactly it.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vnetdiag::fix {

struct PropertyChange {
  std::string property, before, after;
};

struct PlanStep {
  std::string key;     // stable within a plan: "zone:privatelink.vaultcore.azure.net"
  std::string action;  // create | update | approve
  std::string resource_id;
  std::string method;  // PUT | PATCH
  std::string api_version;
  nlohmann::json body;
  std::vector<std::string> depends_on;  // keys
  std::string repairs;                  // finding id
  std::string permission;               // RBAC action the step needs
  std::vector<PropertyChange> changes;
  std::string if_match;    // etag the resource had when planned ("" when the RP has none)
  bool lock_down = false;  // applied only after the private path is verified
  std::string warning;     // e.g. "restarts the app"
  // A delete of a replaced endpoint: run only once this endpoint's connection is Approved and
  // `host` resolves to its address (the executor asks ApplyOptions::confirm_replacement).
  std::string replaced_by{};
  std::string host{};
  // The subscription of the resource the step writes (lower-case, as its id spells it).
  std::string subscription{};
  // Held back (Plan::not_allowed): the subscription that is not allowed, and the step it waits
  // for when that is another one ("" when it is this step's own).
  std::string needs_subscription{};
  std::string waits_for{};
};

struct Plan {
  std::vector<PlanStep> steps;
  std::vector<std::string>
      refused;  // what the plan will not do, and why (policy-owned, needs --allow-replace)
  // Steps not planned because they write in a subscription the user did not allow (fix
  // --allow-subscription), or wait for such a step. fix applies nothing while any is here.
  std::vector<PlanStep> not_allowed;
};

// "needs subscription X (not allowed: rerun with --allow-subscription X)", and what it waits for.
std::string not_allowed_reason(const PlanStep& step);

nlohmann::json plan_to_json(const Plan& plan);
std::string render_plan_text(const Plan& plan, bool colour);
// Steps in dependency order (each after all it depends on); stable otherwise.
std::vector<const PlanStep*> dependency_order(const Plan& plan);

}  // namespace vnetdiag::fix
