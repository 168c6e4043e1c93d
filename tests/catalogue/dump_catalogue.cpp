// Prints the finding catalogue (report/finding_table.hpp) as JSON, for the generated docs (README's
// finding table, the report schema's id enum) and the coverage test.
#include <iostream>
#include <nlohmann/json.hpp>

#include "finding_catalog.hpp"

int main() {
  nlohmann::json out = nlohmann::json::array();
  for (const vnetdiag::FindingSpec& spec : vnetdiag::kCatalogue) {
    out.push_back({{"id", spec.id},
                   {"fm", spec.fm ? nlohmann::json(*spec.fm) : nlohmann::json(nullptr)},
                   {"layer", vnetdiag::to_string(spec.layer)},
                   {"severity", vnetdiag::to_string(spec.severity)},
                   {"title", spec.title},
                   {"remedy", spec.remedy}});
  }
  std::cout << out.dump(1) << "\n";
}
