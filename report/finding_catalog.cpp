#include "finding_catalog.hpp"

#include <string>

namespace vnetdiag {

const FindingSpec* find_spec(std::string_view id) {
  for (const auto& s : kCatalogue)
    if (s.id == id) return &s;
  return nullptr;
}

Finding make_finding(FindingId id, const std::string& target, const std::string& detail) {
  const FindingSpec* spec = &id.spec();
  Finding f;
  f.id = std::string(spec->id);
  f.fm = spec->fm;
  f.severity = spec->severity;
  f.layer = spec->layer;
  f.target = target;
  f.summary = std::string(spec->title);
  if (!detail.empty()) f.summary += " (" + detail + ")";
  f.remedy = std::string(spec->remedy);
  return f;
}

}  // namespace vnetdiag
