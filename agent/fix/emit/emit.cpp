// The shared part of fix --emit (emit.hpp): ordering, labels, step descriptions, dispatch.
#include "emit.hpp"

#include <cctype>
#include <set>

#include "emit_detail.hpp"
#include "emit_formats.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {

std::vector<std::string> emit_formats() { return {"az", "terraform", "bicep"}; }

std::string emit_plan(const Plan& plan, const std::string& format) {
  const auto steps = emit_detail::ordered_steps(plan);
  if (format == "az") return emit_az(plan, steps);
  if (format == "terraform") return emit_terraform(plan, steps);
  return emit_bicep(plan, steps);
}

namespace emit_detail {

std::vector<EmitStep> ordered_steps(const Plan& plan) {
  Plan all;
  all.steps = plan.steps;
  all.steps.insert(all.steps.end(), plan.not_allowed.begin(), plan.not_allowed.end());
  std::set<std::string> held;
  for (const auto& s : plan.not_allowed) held.insert(s.key);
  std::vector<EmitStep> out;
  std::set<std::string> taken;
  for (const PlanStep* s : dependency_order(all)) {
    // The order refers to `all`; point at the caller's plan, which outlives the result.
    const PlanStep* own = nullptr;
    for (const auto* list : {&plan.steps, &plan.not_allowed})
      for (const auto& candidate : *list)
        if (candidate.key == s->key) own = &candidate;
    // The step's kind and the resource's name: "link_vaultcore_zonelink".
    std::string label;
    for (char c : lower(s->key.substr(0, s->key.find(':')) + "_" + name_of(s->resource_id)))
      label += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    // Keys of one plan differ, but two may differ only in what becomes '_': keep them apart.
    if (label.empty() || !std::isalpha(static_cast<unsigned char>(label.front())))
      label = "step_" + label;
    while (label.find("__") != std::string::npos) label.replace(label.find("__"), 2, "_");
    if (label.size() > 60) label = label.substr(0, 60);
    std::string unique = label;
    for (int n = 2; taken.count(unique); ++n) unique = label + "_" + std::to_string(n);
    taken.insert(unique);
    out.push_back({own, held.count(s->key) > 0, unique});
  }
  return out;
}

std::map<std::string, std::string> labels_by_key(const std::vector<EmitStep>& steps) {
  std::map<std::string, std::string> out;
  for (const auto& s : steps) out[s.step->key] = s.label;
  return out;
}

std::string plan_notes(const Plan& plan, bool nothing_to_emit, const std::string& comment) {
  std::string out;
  for (const auto& r : plan.refused) out += comment + "not planned: " + r + "\n";
  if (nothing_to_emit) out += comment + "nothing to change\n";
  return out;
}

std::string describe(const EmitStep& e, int number, const std::string& comment) {
  const PlanStep& s = *e.step;
  std::string out = comment + std::to_string(number) + ". " + s.action + " " + s.resource_id +
                    "\n" + comment + "   repairs " + s.repairs + "; subscription " +
                    s.subscription + "; needs " + s.permission + "\n";
  for (const auto& c : s.changes)
    out += comment + "   " + c.property + ": " + c.before + " -> " + c.after + "\n";
  if (e.held_back)
    out += comment + "   held back by fix: " + not_allowed_reason(s) +
           "; hand this step to whoever owns that subscription\n";
  if (s.lock_down)
    out += comment +
           "   lock-down: run it only once `vnetdiag check` passes with the steps above applied\n";
  if (!s.replaced_by.empty())
    out += comment + "   only once " + s.replaced_by + " is Approved and " + s.host +
           " resolves to its address (`vnetdiag check`)\n";
  if (!s.warning.empty()) out += comment + "   note: " + s.warning + "\n";
  return out;
}

std::string parent_id(const std::string& resource_id) {
  const auto id = arm::parse_resource_id(resource_id);
  if (!id) return "";
  if (id->segments.size() > 1) return id->parent() ? id->parent()->str() : "";
  return "/subscriptions/" + id->subscription + "/resourceGroups/" + id->resource_group;
}

std::string name_of(const std::string& resource_id) {
  const auto id = arm::parse_resource_id(resource_id);
  return id ? id->name() : resource_id.substr(resource_id.rfind('/') + 1);
}

std::string type_of(const std::string& resource_id) {
  const auto id = arm::parse_resource_id(resource_id);
  return id ? id->type() : "";
}

std::string nested_name(const std::string& resource_id) {
  const auto id = arm::parse_resource_id(resource_id);
  if (!id) return name_of(resource_id);
  std::vector<std::string> names;
  for (const auto& [type, name] : id->segments) names.push_back(name);
  return join(names, "/");
}

}  // namespace emit_detail
}  // namespace vnetdiag::fix
