#pragma once
// What the three emitters share: the steps in the order to run them (held-back ones included and
// marked), a label per step that the target language accepts, and the comment that heads a step.
#include <map>
#include <string>
#include <vector>

#include "plan.hpp"

namespace vnetdiag::fix::emit_detail {

struct EmitStep {
  const PlanStep* step = nullptr;
  bool held_back = false;  // in a subscription fix was not allowed to write in
  std::string label;       // [a-z][a-z0-9_]*, unique in the plan
};

// Plan steps and held-back steps together, each after what it depends on.
std::vector<EmitStep> ordered_steps(const Plan& plan);
// Step key -> label, for dependencies.
std::map<std::string, std::string> labels_by_key(const std::vector<EmitStep>& steps);

// The lines under a file's header: what was not planned and why, or that nothing is to change,
// each prefixed with `comment`.
std::string plan_notes(const Plan& plan, bool nothing_to_emit, const std::string& comment);

// The lines that describe a step, each prefixed with `comment` ("# " or "// ").
std::string describe(const EmitStep& s, int number, const std::string& comment);

// The resource's parent id and own name ("" parent for a top-level resource of a group).
std::string parent_id(const std::string& resource_id);
std::string name_of(const std::string& resource_id);
// "Microsoft.Network/privateDnsZones/virtualNetworkLinks" from the id.
std::string type_of(const std::string& resource_id);
// Name segments after the provider joined by '/': "zone/link" (Bicep's child name form).
std::string nested_name(const std::string& resource_id);

}  // namespace vnetdiag::fix::emit_detail
