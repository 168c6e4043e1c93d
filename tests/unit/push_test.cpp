// serve's push (agent/serve/push): the OTLP JSON bodies, the Application Insights connection
// string and envelopes, how a sink's answer is judged, and the failure counter in /metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "app_insights.hpp"
#include "observations.hpp"
#include "otlp_json.hpp"
#include "process_io.hpp"
#include "pusher.hpp"
#include "secrets.hpp"
#include "serve_snapshot.hpp"

using namespace vnetdiag;
using namespace vnetdiag::push;
using namespace vnetdiag::testdata;
using nlohmann::json;

namespace {

const char* kKey = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";

ServeInfo serve_info() {
  ServeInfo i;
  i.targets = {vault()};
  i.version = "1.2.3";
  i.resource = {{"service_instance_id", "inst-1"}, {"service_name", "app1"}};
  return i;
}

std::shared_ptr<const Snapshot> checked(const Result<Report>& outcome) {
  const auto first = initial_snapshot(serve_info());
  return next_snapshot(*first, outcome, serve_info(), 0.25, 1767225600.5,
                       std::chrono::steady_clock::now());
}

ResourceAttributes resource() {
  return {{"service.name", "app1"}, {"service.instance.id", "inst-1"}, {"service.version", "1"}};
}

const json* metric(const json& body, const std::string& name) {
  for (const auto& m : body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"])
    if (m["name"] == name) return &m;
  return nullptr;
}

bool is_digits(const json& v) {
  return v.is_string() && !v.get<std::string>().empty() &&
         v.get<std::string>().find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

TEST(PushMetrics, StructuredFamiliesRenderTheSameText) {
  const Report r = report_of({healthy_vault()});
  MetricsMeta meta;
  meta.check_runs_total = 3;
  meta.resource = {{"service_instance_id", "i"}};
  for (auto format : {MetricsFormat::kPrometheusText, MetricsFormat::kOpenMetrics})
    EXPECT_EQ(render_metric_families(metric_families(&r, meta), format),
              render_prometheus(&r, meta, format));
}

TEST(PushMetrics, SnapshotCarriesFamiliesAcrossTheProcessBoundary) {
  const auto s = checked(report_of({healthy_vault()}));
  ASSERT_FALSE(s->metrics.empty());
  auto decoded = decode_snapshot(encode_snapshot(*s));
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->metrics.size(), s->metrics.size());
  EXPECT_EQ(render_metric_families(decoded->metrics, MetricsFormat::kPrometheusText),
            s->metrics_text);
  // Truncated inside the families: refused, never half-trusted.
  const std::string bytes = encode_snapshot(*s);
  EXPECT_FALSE(decode_snapshot(bytes.substr(0, bytes.size() - 3)));
}

TEST(OtlpJson, MetricsFollowTheJsonMapping) {
  const auto s = checked(report_of({healthy_vault()}));
  const json body = json::parse(otlp_metrics_json(*s, resource(), 1767225000000000000ULL));
  const json& rm = body["resourceMetrics"][0];
  bool instance = false;
  for (const auto& a : rm["resource"]["attributes"])
    if (a["key"] == "service.instance.id") instance = a["value"]["stringValue"] == "inst-1";
  EXPECT_TRUE(instance) << rm["resource"].dump();
  EXPECT_EQ(rm["scopeMetrics"][0]["scope"]["name"], "vnetdiag");

  const json* success = metric(body, "probe_success");
  ASSERT_NE(success, nullptr);
  const json& point = (*success)["gauge"]["dataPoints"][0];
  EXPECT_EQ(point["asDouble"], 1.0);
  EXPECT_TRUE(is_digits(point["timeUnixNano"])) << point.dump();
  EXPECT_EQ(point["timeUnixNano"], "1767225600500000000");
  EXPECT_EQ(point["attributes"][0]["key"], "target");
  EXPECT_EQ(point["attributes"][0]["value"]["stringValue"], "kv1.vault.azure.net");

  const json* runs = metric(body, "vnetdiag_check_runs_total");
  ASSERT_NE(runs, nullptr);
  EXPECT_EQ((*runs)["sum"]["aggregationTemporality"], 2);
  EXPECT_EQ((*runs)["sum"]["isMonotonic"], true);
  EXPECT_EQ((*runs)["sum"]["dataPoints"][0]["asInt"], "1");
  EXPECT_EQ((*runs)["sum"]["dataPoints"][0]["startTimeUnixNano"], "1767225000000000000");
  EXPECT_EQ((*metric(body, "probe_duration_seconds"))["unit"], "s");
  EXPECT_EQ(metric(body, "target_info"), nullptr) << "the resource carries it";
}

TEST(OtlpJson, OneSpanPerCheckErrorWhenCritical) {
  Report critical = report_of({healthy_vault()});
  critical.verdict = Severity::kCritical;
  Finding public_address;
  public_address.id = "dns.public_address";
  public_address.severity = Severity::kCritical;
  public_address.target = "kv1.vault.azure.net";
  critical.findings.push_back(public_address);
  for (const auto& [outcome, code] : std::vector<std::pair<Result<Report>, int>>{
           {report_of({healthy_vault()}), 1}, {critical, 2}, {fail("resolver unusable"), 2}}) {
    const auto s = checked(outcome);
    const std::string trace = random_hex(16), span = random_hex(8);
    const json body = json::parse(otlp_trace_json(*s, resource(), trace, span));
    const json& spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"];
    ASSERT_EQ(spans.size(), 2u);  // the check and its one target
    EXPECT_EQ(spans[0]["name"], "vnetdiag.check");
    EXPECT_EQ(spans[0]["traceId"], trace);
    EXPECT_TRUE(std::regex_match(trace, std::regex("[0-9a-f]{32}")));
    EXPECT_TRUE(std::regex_match(span, std::regex("[0-9a-f]{16}")));
    EXPECT_EQ(spans[0]["kind"], 1);
    EXPECT_EQ(spans[0]["status"]["code"], code) << spans[0].dump();
    EXPECT_EQ(spans[0]["endTimeUnixNano"], "1767225600500000000");
    EXPECT_EQ(spans[0]["startTimeUnixNano"], "1767225600250000000");
    EXPECT_EQ(spans[1]["parentSpanId"], span);
    EXPECT_EQ(spans[1]["traceId"], trace);
  }
}

TEST(AppInsights, ConnectionStringParsing) {
  auto ok =
      parse_connection_string(std::string("InstrumentationKey=") + kKey +
                              ";IngestionEndpoint=https://westeurope-5.in.applicationinsights."
                              "azure.com/;LiveEndpoint=https://x/");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->instrumentation_key, kKey);
  EXPECT_EQ(ok->track_url, "https://westeurope-5.in.applicationinsights.azure.com/v2/track");

  auto any_case = parse_connection_string(std::string(" instrumentationkey = ") + kKey + " ;");
  ASSERT_TRUE(any_case) << any_case.error().message;
  EXPECT_EQ(any_case->track_url, "https://dc.services.visualstudio.com/v2/track");

  auto suffix = parse_connection_string(std::string("InstrumentationKey=") + kKey +
                                        ";EndpointSuffix=applicationinsights.azure.cn");
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->track_url, "https://dc.applicationinsights.azure.cn/v2/track");
}

TEST(AppInsights, HostileConnectionStringsAreRefusedWithoutTheKey) {
  const std::string key = kKey;
  for (const std::string& text : std::vector<std::string>{
           "",
           "IngestionEndpoint=https://x.example/",
           "InstrumentationKey=",
           "InstrumentationKey=not-a-guid",
           "InstrumentationKey=" + key + ";IngestionEndpoint=http://dc.example/",
           "InstrumentationKey=" + key + ";IngestionEndpoint=ftp://dc.example/",
           "InstrumentationKey=" + key + ";IngestionEndpoint=garbage",
           "InstrumentationKey=" + key + ";IngestionEndpoint=https://x/?a=b",
           "InstrumentationKey=" + key + ";InstrumentationKey=" + key,
           "InstrumentationKey=" + key + ";novalue",
           "=" + key,
           std::string(5000, ';'),
           "InstrumentationKey=" + key + ";IngestionEndpoint=https://\x01\n/",
       }) {
    auto r = parse_connection_string(text);
    EXPECT_FALSE(r) << text;
    if (!r) {
      EXPECT_EQ(r.error().message.find(key), std::string::npos) << r.error().message;
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    }
  }
}

TEST(AppInsights, OneAvailabilityEnvelopePerTarget) {
  const auto s = checked(report_of({healthy_vault()}));
  const json body = json::parse(availability_envelopes(*s, kKey, {"inst-1", "app1", "1.2.3"}));
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 1u);
  const json& e = body[0];
  EXPECT_EQ(e["name"],
            "Microsoft.ApplicationInsights.0a1b2c3d4e5f6789abcdef0123456789.Availability");
  EXPECT_EQ(e["iKey"], kKey);
  EXPECT_EQ(e["time"], "2026-01-01T00:00:00.500Z");
  EXPECT_EQ(e["tags"]["ai.cloud.roleInstance"], "inst-1");
  EXPECT_EQ(e["tags"]["ai.cloud.role"], "app1");
  EXPECT_EQ(e["data"]["baseType"], "AvailabilityData");
  const json& d = e["data"]["baseData"];
  EXPECT_EQ(d["ver"], 2);
  EXPECT_TRUE(std::regex_match(d["id"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << d["id"];
  EXPECT_EQ(d["name"], "vnetdiag kv1.vault.azure.net");
  EXPECT_EQ(d["success"], true);
  EXPECT_EQ(d["runLocation"], "inst-1");
  EXPECT_TRUE(
      std::regex_match(d["duration"].get<std::string>(), std::regex(R"(\d\d:\d\d:\d\d\.\d\d\d)")))
      << d["duration"];
  EXPECT_EQ(d["properties"]["target"], "kv1.vault.azure.net");

  const auto failed = checked(fail("resolver unusable"));
  const json down = json::parse(availability_envelopes(*failed, kKey, {"inst-1", "", "1"}));
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0]["data"]["baseData"]["success"], false);
  EXPECT_NE(down[0]["data"]["baseData"]["message"].get<std::string>().find("resolver unusable"),
            std::string::npos);
  // Before the first check: nothing to say.
  EXPECT_EQ(availability_envelopes(*initial_snapshot(serve_info()), kKey, {}), "[]");
}

TEST(AppInsights, TimeTexts) {
  EXPECT_EQ(timespan_text(0.1234), "00:00:00.123");
  EXPECT_EQ(timespan_text(3661.5), "01:01:01.500");
  EXPECT_EQ(timespan_text(90000), "1.01:00:00.000");
  EXPECT_EQ(timespan_text(-1), "00:00:00.000");
  EXPECT_EQ(iso_utc_ms(1767225600.25), "2026-01-01T00:00:00.250Z");
  EXPECT_EQ(iso_utc_ms(-5), "1970-01-01T00:00:00.000Z");
}

TEST(Push, OtlpUrlIsHttpsOrLoopbackHttp) {
  EXPECT_TRUE(otlp_base_url("http://127.0.0.1:4318"));
  EXPECT_EQ(*otlp_base_url("http://127.0.0.1:4318/"), "http://127.0.0.1:4318");
  EXPECT_TRUE(otlp_base_url("http://localhost:4318"));
  EXPECT_TRUE(otlp_base_url("http://[::1]:4318"));
  EXPECT_TRUE(otlp_base_url("https://collector.example:4318"));
  EXPECT_FALSE(otlp_base_url("http://10.0.0.4:4318"));
  EXPECT_FALSE(otlp_base_url("http://127.0.0.1.evil.example:4318"));
  EXPECT_FALSE(otlp_base_url("https://user:pw@collector.example"));
  EXPECT_FALSE(otlp_base_url("file:///etc/passwd"));
  EXPECT_FALSE(otlp_base_url("not a url"));
}

TEST(Push, SinkAnswers) {
  EXPECT_FALSE(push_refused(kSinkOtlp, 200, "{}", ""));
  EXPECT_FALSE(push_refused(kSinkOtlp, 200, R"({"partialSuccess":{}})", ""));
  EXPECT_FALSE(push_refused(kSinkOtlp, 200, "", ""));
  auto partial = push_refused(
      kSinkOtlp, 200, R"({"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"x"}})", "");
  ASSERT_TRUE(partial);
  EXPECT_NE(partial->find("3 data points rejected"), std::string::npos) << *partial;
  EXPECT_TRUE(push_refused(kSinkOtlp, 400, "bad\nrequest", ""));
  EXPECT_EQ(push_refused(kSinkOtlp, 400, "bad\nrequest", "")->find('\n'), std::string::npos);
  EXPECT_TRUE(push_refused(kSinkOtlp, 0, "", "Connection refused"));
  EXPECT_FALSE(push_refused(kSinkAppInsights, 200,
                            R"({"itemsReceived":2,"itemsAccepted":2,"errors":[]})", ""));
  auto some = push_refused(
      kSinkAppInsights, 206,
      R"({"itemsReceived":2,"itemsAccepted":1,"errors":[{"index":1,"statusCode":400,"message":"bad"}]})",
      "");
  ASSERT_TRUE(some);
  EXPECT_NE(some->find("1 of 2"), std::string::npos) << *some;
  EXPECT_TRUE(push_refused(kSinkAppInsights, 200, "not json", ""));
  EXPECT_TRUE(push_refused(kSinkAppInsights, 200, R"({"itemsReceived":2})", ""));
}

TEST(Push, FailureCounterJoinsMetrics) {
  const auto s = checked(report_of({healthy_vault()}));
  const auto once = with_push_metrics(s, {{"otlp", 0}, {"appinsights", 2}});
  EXPECT_NE(once->metrics_text.find("vnetdiag_push_failures_total{sink=\"appinsights\"} 2\n"),
            std::string::npos)
      << once->metrics_text;
  const auto twice = with_push_metrics(once, {{"otlp", 1}, {"appinsights", 2}});
  EXPECT_NE(twice->metrics_text.find("vnetdiag_push_failures_total{sink=\"otlp\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(twice->metrics_text.find("vnetdiag_push_failures_total{sink=\"otlp\"} 0\n"),
            std::string::npos)
      << "replaced, not added";
  EXPECT_NE(twice->metrics_openmetrics.find("# TYPE vnetdiag_push_failures counter"),
            std::string::npos);
  EXPECT_EQ(with_push_metrics(s, {}), s);
  // Like every other series, it says which instance it came from.
  const auto labelled = with_push_metrics(s, {{"otlp", 3}}, {{"instance", "i1"}, {"slot", ""}});
  EXPECT_NE(labelled->metrics_text.find(
                "vnetdiag_push_failures_total{instance=\"i1\",sink=\"otlp\"} 3\n"),
            std::string::npos)
      << labelled->metrics_text;
}
