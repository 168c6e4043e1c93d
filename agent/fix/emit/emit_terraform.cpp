// fix --emit terraform: azapi resources (Azure/azapi), which carry the ARM type, api-version and
// body exactly as fix would send them. A new resource is azapi_resource; a change to one that
// exists is azapi_update_resource (merge it into the block that declares the resource, if one
// does); a delete is a comment, because Terraform deletes what leaves its configuration.
#include "emit_formats.hpp"
#include "hcl_value.hpp"

namespace vnetdiag::fix {

std::string emit_terraform(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps) {
  std::string out =
      "# vnetdiag fix --emit terraform: the repair plan as azapi resources. Nothing has been\n"
      "# changed. Merge each block into the configuration that owns the resource (or its\n"
      "# group), then terraform plan and apply; then run `vnetdiag check` from inside the app.\n"
      "terraform {\n  required_providers {\n    azapi = {\n      source  = \"Azure/azapi\"\n"
      "      version = \"~> 2.0\"\n    }\n  }\n}\n";
  out += emit_detail::plan_notes(plan, steps.empty(), "# ");
  std::map<std::string, std::string> address;  // step key -> terraform address
  int n = 0;
  for (const auto& e : steps) {
    const PlanStep& s = *e.step;
    out += "\n" + emit_detail::describe(e, ++n, "# ");
    const std::string type = emit_detail::type_of(s.resource_id) + "@" + s.api_version;
    if (s.method == "DELETE") {
      out += "# delete: remove the block that declares " + s.resource_id +
             " from the configuration that owns it; terraform apply then deletes it\n";
      continue;
    }
    nlohmann::json body = s.body.is_object() ? s.body : nlohmann::json::object();
    std::vector<std::string> deps;
    for (const auto& d : s.depends_on)
      if (address.count(d)) deps.push_back(address[d]);
    const bool create = s.action == "create";
    const std::string kind = create ? "azapi_resource" : "azapi_update_resource";
    address[s.key] = kind + "." + e.label;
    out += "resource \"" + kind + "\" \"" + e.label + "\" {\n";
    out += "  type      = " + hcl_value(type, 1) + "\n";
    if (create) {
      out += "  name      = " + hcl_value(emit_detail::name_of(s.resource_id), 1) + "\n";
      out += "  parent_id = " + hcl_value(emit_detail::parent_id(s.resource_id), 1) + "\n";
      for (const char* top : {"location", "tags"})
        if (body.contains(top)) {
          out += std::string("  ") + top + " = " + hcl_value(body[top], 1) + "\n";
          body.erase(top);
        }
    } else {
      out += "  resource_id = " + hcl_value(s.resource_id, 1) + "\n";
    }
    body.erase("name");
    body.erase("id");
    out += "  body = " + hcl_value(body, 1) + "\n";
    if (!deps.empty()) {
      out += "  depends_on = [";
      for (std::size_t i = 0; i < deps.size(); ++i) out += (i ? ", " : "") + deps[i];
      out += "]\n";
    }
    out += "}\n";
  }
  return out;
}

}  // namespace vnetdiag::fix
