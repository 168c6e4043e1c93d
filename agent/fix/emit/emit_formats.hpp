#pragma once
// The three renderers of fix --emit (emit.hpp), one file each.
#include <string>
#include <vector>

#include "emit_detail.hpp"

namespace vnetdiag::fix {

std::string emit_az(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps);
std::string emit_terraform(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps);
std::string emit_bicep(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps);

}  // namespace vnetdiag::fix
