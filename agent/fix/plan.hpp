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
};

struct Plan {
  std::vector<PlanStep> steps;
  std::vector<std::string>
      refused;  // what the plan will not do, and why (policy-owned, needs --allow-replace)
};

nlohmann::json plan_to_json(const Plan& plan);
std::string render_plan_text(const Plan& plan, bool colour);
// Steps in dependency order (each after all it depends on); stable otherwise.
std::vector<const PlanStep*> dependency_order(const Plan& plan);

}  // namespace vnetdiag::fix
