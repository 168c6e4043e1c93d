// What Key Vault and Cognitive Services answer to the probe is outside input: the status, the
// x-ms-keyvault-network-info header (its addr= is the source address the vault saw) and the first
// bytes of a 401/403 body. Drives keyvault_source_address, diagnose (the service, route and
// context rules) and every renderer of the resulting report (text, JSON, JUnit, Prometheus).
// Input: one answer in the scripted format of fake_http.hpp: <status>\n<headers>\n\n<body>.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app_context.hpp"
#include "context_rules.hpp"
#include "diagnose.hpp"
#include "fake_http.hpp"
#include "model.hpp"
#include "render.hpp"
#include "render_prometheus.hpp"
#include "serve_snapshot.hpp"

using namespace vnetdiag;

namespace {

// The probe keeps these headers only, lower-case, values trimmed and cut at 512 bytes, and the
// body's first 4096 bytes (connection_probe.cpp).
ConnectionObservation observation(const arm::HttpResponse& answer) {
  ConnectionObservation c;
  c.address = "10.0.1.4";
  c.family = "ipv4";
  c.local_address = "10.0.0.4";
  c.tcp = c.tls = PhaseStatus::kOk;
  c.http = answer.status ? PhaseStatus::kOk : PhaseStatus::kFailed;
  c.status_code = answer.status;
  for (const char* kept : {"x-ms-keyvault-network-info", "x-ms-keyvault-region", "x-ms-request-id",
                           "content-type", "server"})
    if (auto it = answer.headers.find(kept); it != answer.headers.end())
      c.headers[kept] = it->second.substr(0, 512);
  c.body = answer.body.substr(0, 4096);
  c.path = "/";
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const arm::HttpResponse answer = fuzz::parse_answer(input);
  if (auto it = answer.headers.find("x-ms-keyvault-network-info"); it != answer.headers.end())
    (void)keyvault_source_address(it->second);
  (void)keyvault_source_address(std::string(input));

  Report report;
  report.tool_version = "fuzz";
  report.started_at = "2026-01-01T00:00:00Z";
  for (const Target& target : {Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443,
                                      "privatelink.vaultcore.azure.net"},
                               Target{TargetKind::kCognitive, "cs1.cognitiveservices.azure.com",
                                      443, "privatelink.cognitiveservices.azure.com"},
                               Target{TargetKind::kCustom, "api.example.com", 8443, ""}}) {
    TargetObservation t;
    t.target = target;
    DnsObservation dns;
    dns.resolver = "127.0.0.11:53";
    dns.qtype = "A";
    dns.status = DnsStatus::kAnswered;
    dns.rcode = "NOERROR";
    dns.chain = {target.host};
    dns.addresses = {"10.0.1.4"};
    t.dns.push_back(dns);
    t.connections.push_back(observation(answer));
    report.observations.targets.push_back(t);
  }
  report.findings = diagnose(report.observations);
  std::map<std::string, std::string> env = {{"WEBSITE_SITE_NAME", "app"},
                                            {"WEBSITE_PRIVATE_IP", "10.0.0.4"},
                                            {"WEBSITE_VNET_ROUTE_ALL", "1"}};
  const AppContext ctx = discover_context(env, "", {});
  for (auto& f : context_findings(ctx, effective_route_all(ctx, ""), report.observations))
    report.findings.push_back(std::move(f));
  report.verdict = verdict_of(report.findings);
  (void)render_json(report);
  (void)render_text(report, false);
  (void)render_text(report, true);
  (void)render_junit(report);
  MetricsMeta meta;
  meta.version = "fuzz";
  for (auto format : {MetricsFormat::kPrometheusText, MetricsFormat::kOpenMetrics})
    (void)render_prometheus(&report, meta, format);
  // serve renders the same report into its snapshot (every body once per check).
  ServeInfo info;
  for (const auto& t : report.observations.targets) info.targets.push_back(t.target);
  const auto first = initial_snapshot(info);
  (void)next_snapshot(*first, Result<Report>(report), info, 0.5, 1.7e9,
                      std::chrono::steady_clock::now());
  return 0;
}
