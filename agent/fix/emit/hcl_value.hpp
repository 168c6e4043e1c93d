#pragma once
// JSON values written in the syntax of Terraform (HCL object expressions) or Bicep.
#include <nlohmann/json.hpp>
#include <string>

namespace vnetdiag::fix {

std::string hcl_value(const nlohmann::json& v, int indent);
std::string bicep_value(const nlohmann::json& v, int indent);

}  // namespace vnetdiag::fix
