#include "render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "diagnose.hpp"
#include "observations.hpp"
#include "render_chain.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

TEST(RenderJson, CarriesTheSchemaFields) {
  auto j = nlohmann::json::parse(render_json(report_of({healthy_vault()})));
  EXPECT_EQ(j["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["exit_code"], 0);
  ASSERT_EQ(j["targets"].size(), 1u);
  EXPECT_EQ(j["targets"][0]["dns"][0]["chain"][1], "kv1.privatelink.vaultcore.azure.net");
  EXPECT_EQ(j["targets"][0]["connections"][0]["tls"]["certificate"]["sans"][0],
            "*.vault.azure.net");
  for (const auto& f : j["findings"])
    for (const char* key :
         {"id", "fm", "severity", "layer", "target", "summary", "evidence", "remedy"})
      EXPECT_TRUE(f.contains(key)) << key;
}

TEST(RenderJson, HostileBytesDoNotBreakTheOutput) {
  TargetObservation t = healthy_vault();
  t.connections[0].status_code = 500;
  t.connections[0].body = std::string("\xff\xfe<bad>\x01", 8);
  auto text = render_json(report_of({t}));
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(RenderJunit, OneCasePerTargetAndLayerWithFailures) {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = PhaseStatus::kTimeout;
  t.connections[0].tls = t.connections[0].http = PhaseStatus::kNotRun;
  const std::string xml = render_junit(report_of({t}));
  EXPECT_NE(xml.find("tests=\"4\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("classname=\"vnetdiag.tcp\" name=\"kv1.vault.azure.net\""), std::string::npos);
  EXPECT_NE(xml.find("tcp.timeout"), std::string::npos);
  EXPECT_NE(xml.find("<skipped"), std::string::npos);  // tls and http never ran
}

TEST(RenderText, ProblemsComeFirstAndColourOnlyWhenAsked) {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = PhaseStatus::kRefused;
  const Report r = report_of({t});
  const std::string plain = render_text(r, false);
  EXPECT_EQ(plain.find("\033["), std::string::npos);
  EXPECT_LT(plain.find("tcp.refused"), plain.find("kv1.vault.azure.net [keyvault]"));
  EXPECT_NE(plain.find("verdict: critical"), std::string::npos);
  EXPECT_NE(render_text(r, true).find("\033[31m"), std::string::npos);
}

TEST(RenderJson, StreamedTextEqualsTheTree) {
  TargetObservation t = healthy_vault();
  const Report r = report_of({t, t});
  EXPECT_EQ(nlohmann::json::parse(render_json(r)), report_to_json(r));
  const Report empty = report_of({});
  EXPECT_EQ(nlohmann::json::parse(render_json(empty)), report_to_json(empty));
}

TEST(RenderChain, TheBrokenHopIsRedNamedAndEverythingIsEscaped) {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = PhaseStatus::kTimeout;
  t.connections[0].tls = t.connections[0].http = PhaseStatus::kNotRun;
  t.connections[0].body = "<script>alert(1)</script>";
  const Report r = report_of({t});
  const std::string html = render_html(r);
  EXPECT_NE(html.find("data-hop=\"network\" data-state=\"broken\""), std::string::npos) << html;
  EXPECT_NE(html.find("data-hop=\"CNAME chain\" data-state=\"ok\""), std::string::npos);
  // Never reached: the service, since no connection got that far.
  EXPECT_NE(html.find("data-hop=\"service\" data-state=\"not reached\""), std::string::npos);
  EXPECT_NE(html.find("tcp.timeout"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // the namespace only
  const std::string svg = render_svg(r);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("data-state=\"broken\""), std::string::npos);
  EXPECT_EQ(render_html(report_of({healthy_vault()})).find("data-state=\"broken\""),
            std::string::npos);
}
