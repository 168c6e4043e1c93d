#include "render_prometheus.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "diagnose.hpp"
#include "observations.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

MetricsMeta meta() {
  MetricsMeta m;
  m.check_runs_total = 7;
  m.check_errors_total = 1;
  m.last_check_timestamp_seconds = 1767225600.5;
  m.last_check_duration_seconds = 0.25;
  m.version = "0.1.0";
  m.commit = "abc1234";
  return m;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text))
    if (l == line) return true;
  return false;
}

// Every label value of every sample line, unescaped enough for the checks below.
std::vector<std::string> label_values(const std::string& text) {
  std::vector<std::string> values;
  static const std::regex value(R"re(="((?:[^"\\]|\\.)*)")re");
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == '#') continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), value);
         it != std::sregex_iterator(); ++it)
      values.push_back((*it)[1]);
  }
  return values;
}

}  // namespace

TEST(RenderPrometheus, HealthyTargetInBlackboxVocabulary) {
  const Report r = report_of({healthy_vault()});
  const std::string text = render_prometheus(&r, meta(), MetricsFormat::kPrometheusText);
  EXPECT_TRUE(has_line(text, "# TYPE probe_success gauge")) << text;
  EXPECT_TRUE(has_line(text, "probe_success{target=\"kv1.vault.azure.net\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "probe_http_status_code{target=\"kv1.vault.azure.net\"} 200"));
  // not_after 2027-01-01T00:00:00Z
  EXPECT_TRUE(
      has_line(text, "probe_ssl_earliest_cert_expiry{target=\"kv1.vault.azure.net\"} 1798761600"))
      << text;
  EXPECT_TRUE(
      has_line(text, "vnetdiag_phase_success{target=\"kv1.vault.azure.net\",phase=\"http\"} 1"));
  EXPECT_NE(
      text.find("probe_http_duration_seconds{target=\"kv1.vault.azure.net\",phase=\"connect\"} "),
      std::string::npos);
  EXPECT_NE(text.find("probe_dns_lookup_time_seconds{target=\"kv1.vault.azure.net\"} "),
            std::string::npos);
  EXPECT_NE(text.find("probe_ip_addr_hash{target=\"kv1.vault.azure.net\"} "), std::string::npos);
  EXPECT_TRUE(has_line(text,
                       "vnetdiag_finding{id=\"dns.private_endpoint\",fm=\"\",severity=\"ok\","
                       "target=\"kv1.vault.azure.net\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "vnetdiag_verdict 0"));
  EXPECT_TRUE(has_line(text, "# TYPE vnetdiag_check_runs_total counter"));
  EXPECT_TRUE(has_line(text, "vnetdiag_check_runs_total 7"));
  EXPECT_TRUE(has_line(text, "vnetdiag_check_errors_total 1"));
  EXPECT_TRUE(has_line(text, "vnetdiag_last_check_timestamp_seconds 1767225600.5"));
  EXPECT_TRUE(has_line(text, "# TYPE vnetdiag_build_info gauge"));
  EXPECT_TRUE(has_line(text, "vnetdiag_build_info{version=\"0.1.0\",commit=\"abc1234\"} 1"));
  EXPECT_EQ(text.find("# EOF"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(RenderPrometheus, FailingTargetAndFindingWithFailureMode) {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = PhaseStatus::kTimeout;
  t.connections[0].tls = t.connections[0].http = PhaseStatus::kNotRun;
  t.connections[0].certificate.reset();
  const Report r = report_of({t});
  const std::string text = render_prometheus(&r, meta(), MetricsFormat::kPrometheusText);
  EXPECT_TRUE(has_line(text, "probe_success{target=\"kv1.vault.azure.net\"} 0")) << text;
  EXPECT_TRUE(
      has_line(text, "vnetdiag_phase_success{target=\"kv1.vault.azure.net\",phase=\"tcp\"} 0"));
  EXPECT_TRUE(
      has_line(text, "vnetdiag_phase_success{target=\"kv1.vault.azure.net\",phase=\"dns\"} 1"));
  EXPECT_TRUE(has_line(text, "probe_http_status_code{target=\"kv1.vault.azure.net\"} 0"));
  EXPECT_TRUE(has_line(text, "vnetdiag_verdict 2"));
  // No certificate seen: the family is left out, HELP and TYPE included.
  EXPECT_EQ(text.find("probe_ssl_earliest_cert_expiry"), std::string::npos);
  std::regex finding(
      R"(vnetdiag_finding\{id="tcp\.timeout",fm="\d+",severity="critical",target="kv1\.vault\.azure\.net"\} 1)");
  EXPECT_TRUE(std::regex_search(text, finding)) << text;
}

TEST(RenderPrometheus, HelpAndTypeComeOnceBeforeEachFamilysSamples) {
  const Report r = report_of({healthy_vault(), healthy_vault()});
  const std::string text = render_prometheus(&r, meta(), MetricsFormat::kPrometheusText);
  std::set<std::string> typed;
  std::string current;
  for (const auto& line : lines_of(text)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "second TYPE for " << name;
      current = name;
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name, current) << line;
  }
  // Two targets with the same label: still one group per family.
  EXPECT_TRUE(typed.count("probe_success"));
}

TEST(RenderPrometheus, RepeatedFindingsBecomeOneCountedSeries) {
  Report r = report_of({healthy_vault()});
  r.findings.push_back(r.findings.front());
  const std::string text = render_prometheus(&r, meta(), MetricsFormat::kPrometheusText);
  std::set<std::string> series;
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second)
        << "duplicate series " << line;
  }
  EXPECT_NE(text.find("vnetdiag_finding{id=\"" + r.findings.front().id), std::string::npos);
}

TEST(RenderPrometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Report r = report_of({healthy_vault()});
  Finding odd;
  odd.id = "test.odd";
  odd.severity = Severity::kWarning;
  odd.target = "we\"ird\\name\nline";
  r.findings.push_back(odd);
  MetricsMeta m = meta();
  m.resource["service_instance_id"] = "inst\"1";
  for (auto format : {MetricsFormat::kPrometheusText, MetricsFormat::kOpenMetrics}) {
    const std::string text = render_prometheus(&r, m, format);
    EXPECT_NE(text.find("target=\"we\\\"ird\\\\name\\nline\""), std::string::npos) << text;
    EXPECT_NE(text.find("target_info{service_instance_id=\"inst\\\"1\"} 1"), std::string::npos)
        << text;
    // No raw newline inside a sample: every line is a comment or name{...} value.
    for (const auto& line : lines_of(text)) {
      if (!line.empty() && line[0] != '#') {
        EXPECT_NE(line.find(' '), std::string::npos) << line;
      }
    }
  }
}

TEST(RenderPrometheus, AddressesNeverBecomeLabels) {
  TargetObservation t = healthy_vault();
  t.connections[0].local_address = "10.0.0.4";
  t.connections[0].route_gateway = "10.0.0.1";
  TargetObservation public_account{account(), {}, {}, {}};
  public_account.dns.push_back(
      answered("10.0.2.53", {"cs1.cognitiveservices.azure.com"}, {"20.1.2.3"}));
  const Report r = report_of({t, public_account});
  const std::string text = render_prometheus(&r, meta(), MetricsFormat::kPrometheusText);
  static const std::regex ip(R"(^\d{1,3}(\.\d{1,3}){3}(:\d+)?$|^[0-9a-fA-F:]*:[0-9a-fA-F:]*$)");
  const auto values = label_values(text);
  EXPECT_FALSE(values.empty());
  for (const auto& v : values)
    EXPECT_FALSE(std::regex_match(v, ip)) << "address as a label value: " << v;
  for (const char* address : {"10.0.1.4", "10.0.0.4", "10.0.2.53", "20.1.2.3"})
    EXPECT_EQ(text.find(address), std::string::npos) << address;
}

TEST(RenderPrometheus, OpenMetricsNamesFamiliesAndEndsWithEof) {
  MetricsMeta m = meta();
  m.resource["service_instance_id"] = "abc";
  m.resource["service_name"] = "";  // empty: left out
  const Report r = report_of({healthy_vault()});
  const std::string text = render_prometheus(&r, m, MetricsFormat::kOpenMetrics);
  EXPECT_TRUE(has_line(text, "# TYPE vnetdiag_check_runs counter")) << text;
  EXPECT_TRUE(has_line(text, "vnetdiag_check_runs_total 7"));
  EXPECT_TRUE(has_line(text, "# TYPE vnetdiag_build info"));
  EXPECT_TRUE(has_line(text, "vnetdiag_build_info{version=\"0.1.0\",commit=\"abc1234\"} 1"));
  EXPECT_TRUE(has_line(text, "# TYPE target info"));
  EXPECT_TRUE(has_line(text, "target_info{service_instance_id=\"abc\"} 1"));
  EXPECT_EQ(text.find("service_name"), std::string::npos);
  ASSERT_GE(text.size(), 6u);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  EXPECT_EQ(text.find("# EOF"), text.size() - 6);
}

TEST(RenderPrometheus, BeforeTheFirstCheckOnlyTheLoopMetrics) {
  MetricsMeta m;
  m.version = "0.1.0";
  const std::string text = render_prometheus(nullptr, m, MetricsFormat::kPrometheusText);
  EXPECT_EQ(text.find("probe_success"), std::string::npos);
  EXPECT_TRUE(has_line(text, "vnetdiag_check_runs_total 0"));
  EXPECT_TRUE(has_line(text, "vnetdiag_last_check_timestamp_seconds 0"));
  EXPECT_EQ(text.find("target_info"), std::string::npos);
}

TEST(RenderPrometheus, EverySeriesSaysWhichInstanceSiteAndSlotItCameFrom) {
  const Report r = report_of({healthy_vault()});
  MetricsMeta m = meta();
  m.instance_labels = {{"instance", "0a1b2c"}, {"site", "securebackend2021"}, {"slot", ""}};
  const std::string text = render_prometheus(&r, m, MetricsFormat::kPrometheusText);
  int samples = 0;
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    EXPECT_EQ(line.find("{instance=\"0a1b2c\",site=\"securebackend2021\""), line.find('{')) << line;
    EXPECT_EQ(line.find("slot="), std::string::npos) << line;  // empty: left out
  }
  EXPECT_GT(samples, 5);
  EXPECT_TRUE(has_line(text,
                       "probe_success{instance=\"0a1b2c\",site=\"securebackend2021\",target=\"kv1."
                       "vault.azure.net\"} 1"))
      << text;
}
