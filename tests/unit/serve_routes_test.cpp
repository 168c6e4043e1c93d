#include "serve_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "diagnose.hpp"
#include "finding_catalog.hpp"
#include "observations.hpp"
#include "render.hpp"
#include "render_prometheus.hpp"
#include "serve_command.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

ServeInfo info() {
  ServeInfo i;
  i.targets = {vault(), Target{TargetKind::kCustom, "api.test", 8443, ""}};
  i.version = "0.1.0";
  i.commit = "abc1234";
  i.resource["service_instance_id"] = "inst1";
  return i;
}

Report report_of(TargetObservation t) {
  Report r;
  r.tool_version = "0.1.0";
  r.started_at = "2026-01-01T00:00:00Z";
  r.observations.targets = {std::move(t)};
  r.observations.resolvers = {Resolver{"10.0.2.53", 53, "resolv.conf"}};
  r.findings = diagnose(r.observations);
  r.verdict = verdict_of(r.findings);
  return r;
}

TargetObservation broken_vault() {
  TargetObservation t = healthy_vault();
  t.connections[0].tcp = PhaseStatus::kTimeout;
  t.connections[0].tls = t.connections[0].http = PhaseStatus::kNotRun;
  return t;
}

const Clock::time_point kFinished = Clock::time_point(std::chrono::hours(1000));

std::shared_ptr<const Snapshot> after(const Result<Report>& outcome) {
  return next_snapshot(*initial_snapshot(info()), outcome, info(), 0.25, 1767225600, kFinished);
}

LoopHealth fresh() {
  LoopHealth h;
  h.now = kFinished + std::chrono::seconds(1);
  h.heartbeat = h.now;
  h.stuck_after_s = 50;
  h.stale_after_s = 90;
  return h;
}

Response get(const std::shared_ptr<const Snapshot>& s, std::string_view target,
             std::string_view accept = {}, LoopHealth h = fresh()) {
  return route(Request{"GET", target, accept}, s, h);
}

json body_json(const Response& r) { return json::parse(r.body()); }

}  // namespace

TEST(ServeRoutes, LivezIsCheapAndOnlyFailsWhenTheLoopIsStuck) {
  const auto broken = after(report_of(broken_vault()));
  Response r = get(broken, "/livez");  // a dependency down does not make it fail
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body_json(r)["status"], "alive");
  LoopHealth stuck = fresh();
  stuck.heartbeat = stuck.now - std::chrono::seconds(51);
  r = get(broken, "/livez", {}, stuck);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(body_json(r)["status"], "stuck");
  // Before any check, alive too.
  EXPECT_EQ(get(initial_snapshot(info()), "/livez").status, 200u);
}

TEST(ServeRoutes, ReadyzFollowsTheLastVerdict) {
  Response r = get(initial_snapshot(info()), "/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(body_json(r)["status"], "pending");

  r = get(after(report_of(healthy_vault())), "/readyz");
  EXPECT_EQ(r.status, 200u) << r.body();
  EXPECT_EQ(body_json(r)["verdict"], "ok");

  r = get(after(report_of(broken_vault())), "/readyz");
  EXPECT_EQ(r.status, 503u);
  const json j = body_json(r);
  EXPECT_EQ(j["verdict"], "critical");
  EXPECT_TRUE(j.contains("reason"));
  EXPECT_NE(j["findings"].dump().find("tcp.timeout"), std::string::npos) << j.dump();

  Report warning = report_of(healthy_vault());
  warning.findings.push_back(make_finding("dns.resolvers_disagree", "kv1.vault.azure.net", ""));
  warning.verdict = verdict_of(warning.findings);
  ASSERT_EQ(warning.verdict, Severity::kWarning);
  EXPECT_EQ(get(after(warning), "/readyz").status, 200u);  // a warning is still ready

  r = get(after(fail("c-ares cannot use resolver x")), "/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(body_json(r)["reason"].get<std::string>().find("could not run"), std::string::npos);
}

TEST(ServeRoutes, ReadyzIsNotReadyWhenTheResultIsStale) {
  LoopHealth late = fresh();
  late.now = kFinished + std::chrono::seconds(91);
  late.heartbeat = late.now;
  const Response r = get(after(report_of(healthy_vault())), "/readyz", {}, late);
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(body_json(r)["reason"].get<std::string>().find("stale"), std::string::npos) << r.body();
}

TEST(ServeRoutes, ReportAsJsonOrText) {
  const Report report = report_of(broken_vault());
  const auto s = after(report);
  Response r = get(s, "/report");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body(), render_json(report));
  r = get(s, "/report?format=text");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body(), render_text(report, false));
  EXPECT_EQ(get(s, "/report?format=yaml").status, 400u);
  r = get(initial_snapshot(info()), "/report");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(ServeRoutes, MetricsNegotiatesTheFormat) {
  const auto s = after(report_of(healthy_vault()));
  Response r = get(s, "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body().find("probe_success{target=\"kv1.vault.azure.net\"} 1"), std::string::npos);
  EXPECT_NE(r.body().find("vnetdiag_check_runs_total 1"), std::string::npos);
  EXPECT_NE(r.body().find("target_info{service_instance_id=\"inst1\"} 1"), std::string::npos);
  // What Prometheus 2.x sends.
  r = get(s, "/metrics",
          "application/openmetrics-text;version=1.0.0,application/"
          "openmetrics-text;version=0.0.1;q=0.75,"
          "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
  EXPECT_EQ(r.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(r.body().substr(r.body().size() - 6), "# EOF\n");
  EXPECT_EQ(get(s, "/metrics", "text/plain").content_type, kPrometheusTextContentType);
}

TEST(ServeRoutes, AcceptHeaderParsing) {
  EXPECT_TRUE(wants_openmetrics("application/openmetrics-text"));
  EXPECT_TRUE(wants_openmetrics("application/openmetrics-text; version=1.0.0; charset=utf-8"));
  EXPECT_FALSE(wants_openmetrics("application/openmetrics-text;version=0.0.1"));
  EXPECT_FALSE(wants_openmetrics("application/openmetrics-text;q=0"));
  EXPECT_FALSE(wants_openmetrics("text/plain;version=0.0.4,application/openmetrics-text;q=0.5"));
  EXPECT_FALSE(wants_openmetrics("*/*"));
  EXPECT_FALSE(wants_openmetrics(""));
}

TEST(ServeRoutes, ProbeAnswersOnlyConfiguredTargets) {
  const auto s = after(report_of(broken_vault()));
  Response r = get(s, "/probe?target=kv1.vault.azure.net");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  json j = body_json(r);
  EXPECT_EQ(j["name"], "kv1.vault.azure.net");
  EXPECT_EQ(j["verdict"], "critical");
  EXPECT_EQ(j["target"]["host"], "kv1.vault.azure.net");
  for (const auto& f : j["findings"]) EXPECT_EQ(f["target"], "kv1.vault.azure.net");
  EXPECT_FALSE(j["findings"].empty());

  // Label with a port, percent-encoded; or the host alone.
  r = get(s, "/probe?module=x&target=api.test%3A8443");
  EXPECT_EQ(r.status, 200u) << r.body();
  EXPECT_EQ(body_json(r)["name"], "api.test:8443");
  EXPECT_EQ(body_json(r)["target"], nullptr);  // configured, but not in this report
  EXPECT_EQ(get(s, "/probe?target=api.test").status, 200u);

  r = get(s, "/probe?target=evil.example");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body_json(r)["targets"].size(), 2u);
  EXPECT_EQ(get(s, "/probe").status, 400u);
  EXPECT_EQ(get(initial_snapshot(info()), "/probe?target=kv1.vault.azure.net").status, 503u);
  EXPECT_EQ(get(initial_snapshot(info()), "/probe?target=nope").status, 404u);
}

TEST(ServeRoutes, OnlyGetAndHead) {
  const auto s = after(report_of(healthy_vault()));
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"}) {
    const Response r = route(Request{method, "/readyz", {}}, s, fresh());
    EXPECT_EQ(r.status, 405u) << method;
    EXPECT_TRUE(r.allow);
    EXPECT_EQ(r.content_type, "application/json");
  }
  EXPECT_EQ(kAllowedMethods, "GET, HEAD");
  const Response head = route(Request{"HEAD", "/metrics", {}}, s, fresh());
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body(), get(s, "/metrics").body());  // the server sends only its length
}

TEST(ServeRoutes, UnknownPathsAre404JsonNeverRedirects) {
  const auto s = after(report_of(healthy_vault()));
  for (const char* path :
       {"/metrics/", "/nope", "//readyz", "/readyz/../livez", "http://x/readyz", "/index.html"}) {
    const Response r = get(s, path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_NO_THROW((void)body_json(r));
  }
  // A query string does not change the route.
  EXPECT_EQ(get(s, "/readyz?x=1").status, 200u);
}

TEST(ServeRoutes, RootIsTheChainViewOfTheLastReport) {
  const auto s = after(report_of(healthy_vault()));
  const Response r = get(s, "/");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body().find("<svg"), std::string::npos);
  EXPECT_NE(r.body().find("default-src 'none'"), std::string::npos);
}

TEST(ServeRoutes, ResponseBodiesOutliveTheirSnapshotHandle) {
  Response r;
  {
    const auto s = after(report_of(healthy_vault()));
    r = get(s, "/metrics");
  }
  EXPECT_NE(r.body().find("probe_success"), std::string::npos);
  Response copy = get(after(report_of(healthy_vault())), "/nope");
  Response moved = std::move(copy);
  EXPECT_NE(moved.body().find("not found"), std::string::npos);
}

TEST(ServeRoutes, QueryParameters) {
  EXPECT_EQ(query_parameter("a=1&target=kv1&b", "target"), "kv1");
  EXPECT_EQ(query_parameter("target=a%20b+c%3a1", "target"), "a b c:1");
  EXPECT_EQ(query_parameter("target=%zz%4", "target"), "%zz%4");
  EXPECT_EQ(query_parameter("b&target", "target"), "");
  EXPECT_EQ(query_parameter("", "target"), "");
}

TEST(ServeListen, ParsesAddressAndPort) {
  auto l = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->address, "127.0.0.1");
  EXPECT_EQ(l->port, 8080);
  EXPECT_TRUE(l->loopback());
  l = parse_listen("[::1]:9000");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->address, "::1");
  EXPECT_EQ(l->label(), "[::1]:9000");
  EXPECT_TRUE(l->loopback());
  l = parse_listen("0.0.0.0:80");
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->loopback());
  for (const char* bad :
       {"", "8080", ":8080", "localhost:8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
        "127.0.0.1:80a", "::1:8080", "[::1]8080", "[nope]:80", "300.1.1.1:80"})
    EXPECT_FALSE(parse_listen(bad)) << bad;
}

TEST(ServeSnapshot, LogLineCarriesVerdictFindingsAndInstance) {
  const auto s = after(report_of(broken_vault()));
  const json line = json::parse(cycle_log_line(*s, "2026-01-01T00:00:01.000Z", "inst1"));
  EXPECT_EQ(line["time"], "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(line["verdict"], "critical");
  EXPECT_EQ(line["duration_ms"], 250.0);
  EXPECT_EQ(line["instance_id"], "inst1");
  for (const auto& id : line["findings"]) EXPECT_NE(id, "tcp.connected");  // only the non-ok ones
  EXPECT_NE(line["findings"].dump().find("tcp.timeout"), std::string::npos);
  const std::string text = cycle_log_line(*after(fail("no resolver")), "t", "");
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const json failed = json::parse(text);
  EXPECT_FALSE(failed.contains("instance_id"));
  EXPECT_EQ(failed["error"], "no resolver");
}

TEST(ServeSnapshot, SurvivesTheTripThroughBytes) {
  const auto s = after(report_of(broken_vault()));
  auto back = decode_snapshot(encode_snapshot(*s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->has_report, s->has_report);
  EXPECT_EQ(back->verdict, s->verdict);
  EXPECT_EQ(back->problems, s->problems);
  EXPECT_EQ(back->runs, s->runs);
  EXPECT_EQ(back->finished_unix, s->finished_unix);
  EXPECT_EQ(back->ready, s->ready);
  EXPECT_EQ(back->report_json, s->report_json);
  EXPECT_EQ(back->metrics_openmetrics, s->metrics_openmetrics);
  ASSERT_EQ(back->targets.size(), s->targets.size());
  EXPECT_EQ(back->targets[1].name, "api.test:8443");
  const std::string bytes = encode_snapshot(*s);
  for (std::size_t cut : {std::size_t(0), std::size_t(7), bytes.size() / 2, bytes.size() - 1})
    EXPECT_FALSE(decode_snapshot(std::string_view(bytes).substr(0, cut))) << cut;
  EXPECT_FALSE(decode_snapshot(bytes + "x"));
  EXPECT_FALSE(decode_snapshot(std::string(64, '\xff')));
}
