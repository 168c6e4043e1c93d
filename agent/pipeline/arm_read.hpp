#pragma once
#include "model.hpp"
#include "pipeline.hpp"

namespace vnetdiag {

// Reads ARM (or takes serve's cached read) and joins the planes into the report's findings.
void read_arm_into(const PreparedCheck& prepared, Report& report);

}  // namespace vnetdiag
