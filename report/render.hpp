#pragma once
// Renderers: one report, several faces. None of them decides anything.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "model.hpp"

namespace vnetdiag {

inline constexpr const char* kReportSchemaVersion = "1.0";

nlohmann::json report_to_json(const Report& report);
std::string render_json(const Report& report);
std::string render_junit(const Report& report);
std::string render_text(const Report& report, bool colour);

}  // namespace vnetdiag
