// fix --emit bicep: one module per resource group the plan writes in, each to deploy with
// `az deployment group create` (incremental: nothing it does not declare is touched). A PUT is a
// resource declaration with fix's body (a read-merge-write body already holds what the resource
// had). A PATCH and a delete are comments: declaring a partial body would replace the resource,
// and an incremental deployment deletes nothing.
#include <algorithm>
#include <map>

#include "emit_formats.hpp"
#include "hcl_value.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

struct Module {
  std::string subscription, resource_group, text;
  std::map<std::string, bool> declared;  // step key -> declared in this module
};

}  // namespace

std::string emit_bicep(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps) {
  std::vector<Module> modules;
  std::map<std::string, std::size_t> module_of_step;
  int n = 0;
  for (const auto& e : steps) {
    const PlanStep& s = *e.step;
    const auto id = arm::parse_resource_id(s.resource_id);
    const std::string sub = id ? id->subscription : s.subscription;
    const std::string group = id ? id->resource_group : "";
    std::size_t m = 0;
    while (m < modules.size() && !(lower(modules[m].subscription) == lower(sub) &&
                                   lower(modules[m].resource_group) == lower(group)))
      ++m;
    if (m == modules.size()) modules.push_back({sub, group, "", {}});
    module_of_step[s.key] = m;
    Module& mod = modules[m];
    mod.text += "\n" + emit_detail::describe(e, ++n, "// ");
    if (s.method == "DELETE") {
      mod.text +=
          "// delete: an incremental deployment deletes nothing; remove the declaration "
          "that owns it, and run: az resource delete --ids " +
          s.resource_id + " --api-version " + s.api_version + "\n";
      continue;
    }
    if (s.method == "PATCH") {
      mod.text += "// update: set these properties in the declaration that owns " + s.resource_id +
                  " (declared here, the partial body would replace it):\n";
      for (const auto& line : split(s.body.dump(2), '\n')) mod.text += "//   " + line + "\n";
      continue;
    }
    nlohmann::json body = s.body.is_object() ? s.body : nlohmann::json::object();
    body.erase("id");
    body.erase("name");
    std::vector<std::string> deps, elsewhere;
    for (const auto& d : s.depends_on) {
      const auto it = module_of_step.find(d);
      if (it == module_of_step.end()) continue;
      if (it->second == m && mod.declared.count(d))
        deps.push_back(emit_detail::labels_by_key(steps).at(d));
      else if (it->second != m)
        elsewhere.push_back("module " + std::to_string(it->second + 1));
    }
    std::sort(elsewhere.begin(), elsewhere.end());
    elsewhere.erase(std::unique(elsewhere.begin(), elsewhere.end()), elsewhere.end());
    if (!elsewhere.empty()) mod.text += "// deploy after " + join(elsewhere, ", ") + "\n";
    // The name first, as Bicep's own examples write it; then the body as fix would send it.
    std::string text = "{\n  name: " + bicep_value(emit_detail::nested_name(s.resource_id), 1) +
                       "\n" + (body.empty() ? "}" : bicep_value(body, 0).substr(2));
    if (!deps.empty()) {
      text.pop_back();  // the closing brace
      text += "  dependsOn: [\n";
      for (const auto& d : deps) text += "    " + d + "\n";
      text += "  ]\n}";
    }
    mod.text += "resource " + e.label + " '" + emit_detail::type_of(s.resource_id) + "@" +
                s.api_version + "' = " + text + "\n";
    mod.declared[s.key] = true;
  }
  std::string out =
      "// vnetdiag fix --emit bicep: the repair plan as Bicep, one module per resource group.\n"
      "// Nothing has been changed. Save each module as its own file (or merge its declarations\n"
      "// into the template that owns the group), deploy the modules in order, then run\n"
      "// `vnetdiag check` from inside the app.\n";
  out += emit_detail::plan_notes(plan, modules.empty(), "// ");
  for (std::size_t m = 0; m < modules.size(); ++m)
    out += "\n// ===== module " + std::to_string(m + 1) + ": subscription " +
           modules[m].subscription + ", resource group " + modules[m].resource_group +
           "\n// az deployment group create --subscription " + modules[m].subscription +
           " --resource-group " + modules[m].resource_group + " --template-file module" +
           std::to_string(m + 1) + ".bicep\n" + modules[m].text;
  return out;
}

}  // namespace vnetdiag::fix
