// Regressions for what the fuzz targets in tests/fuzz found (issue 12); the minimised inputs are
// in tests/fuzz/regressions/<target>/ and are replayed by `ctest -L fuzz` as well.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "arm_error.hpp"
#include "topology.hpp"

using namespace vnetdiag::arm;

// arm_topology: an ARM answer that is not JSON is quoted (cut at 200 bytes) in the error lines of
// the read; bytes that are not UTF-8 made the cache file's dump() throw, ending `vnetdiag check`.
// regressions/arm_topology/non_utf8_error_body
TEST(FuzzRegressions, TopologyCacheTextSurvivesBodiesThatAreNotUtf8) {
  Topology t;
  const ArmError e = parse_arm_error(500, "\xff\xfe not JSON");
  t.errors.push_back("read site /subscriptions/s: HTTP 500 " + e.summary());
  t.errors.push_back(std::string("cut in a character: \xc3"));
  std::string text;
  ASSERT_NO_THROW(text = topology_cache_text(t));
  const Topology back = topology_from_json(nlohmann::json::parse(text));
  ASSERT_EQ(back.errors.size(), 2u);
  EXPECT_NE(back.errors[0].find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

// arm_error: an AuthorizationFailed message whose quoted action holds a line break gave a
// two-line summary, while every error line of a read is one line.
// regressions/arm_error/action_with_newline
TEST(FuzzRegressions, ArmErrorSummaryIsOneLineWhateverTheActionHolds) {
  const ArmError e = parse_arm_error(
      403, R"({"error":{"code":"AuthorizationFailed\r","message":"perform action 'a\nb'"}})");
  EXPECT_EQ(e.action, "a\nb");
  const std::string line = e.summary();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find("'a b'"), std::string::npos);
}
