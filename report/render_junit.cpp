#include <sstream>

#include "render.hpp"
#include "secrets.hpp"
#include "text_util.hpp"

namespace vnetdiag {
// One test case per target and layer, so a CI gate shows exactly which layer broke.
std::string render_junit(const Report& report) {
  const Layer layers[] = {Layer::kDns, Layer::kTcp, Layer::kTls, Layer::kHttp};
  std::ostringstream cases;
  int tests = 0, failures = 0, skipped = 0;
  for (const auto& t : report.observations.targets) {
    const std::string name = t.target.label();
    for (Layer layer : layers) {
      ++tests;
      std::ostringstream failure_text;
      int bad = 0, seen = 0;
      for (const auto& f : report.findings) {
        if (f.target != name || f.layer != layer) continue;
        ++seen;
        if (f.severity == Severity::kOk) continue;
        ++bad;
        failure_text << f.id << ": " << f.summary << "\n";
        for (const auto& [k, v] : f.evidence) failure_text << "  " << k << ": " << v << "\n";
        if (!f.remedy.empty()) failure_text << "  remedy: " << f.remedy << "\n";
      }
      cases << "    <testcase classname=\"vnetdiag." << to_string(layer) << "\" name=\""
            << xml_escape(name) << "\">";
      if (bad) {
        ++failures;
        cases << "\n      <failure message=\"" << bad << " finding(s)\">"
              << xml_escape(failure_text.str()) << "</failure>\n    ";
      } else if (!seen) {
        ++skipped;
        cases << "<skipped message=\"layer not reached\"/>";
      }
      cases << "</testcase>\n";
    }
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites>\n  <testsuite name=\"vnetdiag check\" tests=\"" << tests << "\" failures=\""
      << failures << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\""
      << report.observations.duration_ms / 1000.0 << "\">\n"
      << cases.str() << "  </testsuite>\n</testsuites>\n";
  return secrets::scrub(out.str());
}

}  // namespace vnetdiag
