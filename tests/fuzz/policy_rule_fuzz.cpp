// Policy definitions, initiatives and assignments are outside input (ARM bodies fix reads before
// it writes, issue 16). The input is JSON, read as each: a definition's rule and effect (with the
// input's own "parameters" member as what an assignment supplies), its `if` judged against a few
// resource types, as an initiative's members and their parameters, and as an assignment with its
// scopes. Nothing may throw or abort; a judgement is the same when asked twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "policy_effects.hpp"

using namespace vnetdiag::fix;
using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const json input = json::parse(data, data + size, nullptr, false);
  if (input.is_discarded()) return 0;
  const json supplied =
      input.is_object() && input.contains("parameters") ? input["parameters"] : json::object();
  const auto rule = policy::rule_of(input, supplied);
  if (!rule.effect.empty() && !rule.error.empty()) abort();
  (void)policy::impact_of(rule.effect);
  for (const char* type : {"Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                           "Microsoft.Web/sites/config", "", "microsoft.network/*"}) {
    const auto a = policy::applies_to_type(rule.condition, type, rule.supplied, rule.declared);
    if (a != policy::applies_to_type(rule.condition, type, rule.supplied, rule.declared)) abort();
    (void)policy::applies_to_type(input, type, supplied, supplied);
  }
  for (const auto& [id, member] : policy::set_members(input)) {
    const json params = policy::member_parameters(member, input, supplied);
    if (!params.is_object()) abort();
    (void)policy::is_set_id(id);
  }
  (void)policy::parameter_name(input);
  if (input.is_string()) (void)policy::resolve(input, supplied, supplied);
  if (const auto a = policy::parse_assignment(input)) {
    if (a->id.empty() || a->definition_id.empty()) abort();
    (void)policy::covers(*a, a->scope + "/providers/Microsoft.Web/sites/app");
    (void)policy::covers(*a, "");
    for (const auto& n : a->not_scopes) (void)policy::under_scope(n, a->scope);
  }
  return 0;
}
