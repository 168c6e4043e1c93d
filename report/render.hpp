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

// JSON text that never throws: bytes of outside data that are not UTF-8 are replaced (U+FFFD).
// indent -1: one line.
std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace vnetdiag
