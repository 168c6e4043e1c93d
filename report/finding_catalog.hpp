#pragma once
// The one table of finding ids: every finding vnetdiag can report, with its failure-mode number,
// layer, severity and the remedy text. Ids are stable: tests, dashboards and alerts key on them.
#include <optional>
#include <string_view>

#include "model.hpp"

namespace vnetdiag {

struct FindingSpec {
  std::string_view id;
  std::optional<int> fm;
  Layer layer;
  Severity severity;
  std::string_view title;   // one line, used as the summary prefix
  std::string_view remedy;  // what to do
};

// nullptr for an id that is not in the table (a programming error caught by the unit tests).
const FindingSpec* find_spec(std::string_view id);
// Every spec, in table order (for docs and tests).
const FindingSpec* all_specs(std::size_t* count);

// A finding filled from the table, with the target and a detail appended to the title.
Finding make_finding(std::string_view id, const std::string& target, const std::string& detail);

}  // namespace vnetdiag
