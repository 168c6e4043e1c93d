#pragma once
// The rules: every finding vnetdiag makes comes from a rule in the one table of registry.cpp.
// A rule is a pure function of a RuleInput (observations, App Service context, route-all, targets,
// ARM state) to a RuleOutput (new findings, and causes for findings other rules made). How the
// engine runs the table is described at the top of registry.cpp.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app_context.hpp"
#include "context_rules.hpp"
#include "finding_catalog.hpp"
#include "model.hpp"

namespace vnetdiag {

namespace arm {
struct ArmState;
}

// Route-all once ARM was read (route_rules.cpp): on when any ARM layer turns it on (site
// outboundVnetRouting.allTraffic / .applicationTraffic, site vnetRouteAllEnabled, config/web
// vnetRouteAllEnabled, app setting WEBSITE_VNET_ROUTE_ALL=1) or when this process started with
// WEBSITE_VNET_ROUTE_ALL=1; the origin names the deciding layer. --route-all still wins. Layers
// ARM did not return leave `process` as it is.
RouteAll route_all_with_arm(const RouteAll& process, const AppContext& app,
                            const arm::ArmState& state);

struct RuleInput {
  const Observations& observations;
  const AppContext& app;
  const RouteAll& route_all;
  const std::vector<Target>& targets;  // with the zones ARM named filled in, when ARM was read
  const std::string& resource_group_id;
  const arm::ArmState* arm = nullptr;  // nullptr: ARM was not read (arm_skip_reason says why)
  std::string_view arm_skip_reason;
  // Set by the engine for the rules it runs once per target (Scope), nullptr otherwise.
  const TargetObservation* observed = nullptr;  // Scope::kEachProbedTarget
  const Target* target = nullptr;               // Scope::kEachArmTarget
};

// A rule's way to say "this finding, made by another rule, has this ARM cause": every finding
// that carries one of `ids` (for `target`, or any target when it is nullopt) and does not pass
// gets `cause`.
struct CauseNote {
  std::vector<FindingId> ids;
  std::optional<std::string> target;
  Cause cause;
};

struct RuleOutput {
  std::vector<Finding> findings;
  std::vector<CauseNote> causes;
};

using Rule = RuleOutput (*)(const RuleInput&);

enum class Scope {
  kRun,               // once per check
  kEachProbedTarget,  // once per observations.targets[i] (RuleInput::observed)
  kEachArmTarget,     // once per targets[i] (RuleInput::target)
};

// Which public helper runs the rule on its own (diagnose, context_findings, arm::join_planes);
// the pipeline runs every part.
enum class Part { kContext, kProbes, kArm };

struct RuleEntry {
  std::string_view name;
  Part part;
  Scope scope;
  Rule rule;
};

// The table, in the order the findings are reported.
std::span<const RuleEntry> rule_table();

// Runs the table's rules (those of `only`, or all) and appends their findings to `findings`, then
// applies every CauseNote to `findings` (the ones it held before included), in table order.
void run_rules(const RuleInput& input, std::vector<Finding>& findings,
               std::optional<Part> only = std::nullopt);

// What the engine does with the notes once every rule ran (exposed for tests).
void apply_causes(const std::vector<CauseNote>& notes, std::vector<Finding>& findings);

}  // namespace vnetdiag
