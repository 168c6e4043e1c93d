#include <nlohmann/json.hpp>

#include "render.hpp"
#include "secrets.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

json dns_json(const DnsObservation& d) {
  json j = {{"resolver", d.resolver},       {"qtype", d.qtype}, {"status", to_string(d.status)},
            {"duration_ms", d.duration_ms}, {"chain", d.chain}, {"addresses", d.addresses}};
  if (d.status == DnsStatus::kAnswered) j["rcode"] = d.rcode;
  if (!d.error.empty()) j["error"] = d.error;
  json answers = json::array();
  for (const auto& r : d.answers)
    answers.push_back({{"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"data", r.data}});
  j["answers"] = std::move(answers);
  return j;
}

json connection_json(const ConnectionObservation& c) {
  json j = {{"address", c.address},
            {"family", c.family},
            {"tcp", {{"status", to_string(c.tcp)}, {"connect_ms", c.connect_ms}}},
            {"tls", {{"status", to_string(c.tls)}, {"handshake_ms", c.tls_ms}}},
            {"http", {{"status", to_string(c.http)}, {"first_byte_ms", c.first_byte_ms}}},
            {"total_ms", c.total_ms}};
  if (!c.local_address.empty()) j["source_address"] = c.local_address;
  j["route"] = {
      {"interface", c.route_interface}, {"gateway", c.route_gateway}, {"source", c.route_source}};
  if (!c.route_error.empty()) j["route"]["error"] = c.route_error;
  if (!c.error.empty()) j["error"] = c.error;
  if (!c.tls_version.empty()) j["tls"]["version"] = c.tls_version;
  j["tls"]["verify_result"] = c.verify_result;
  if (!c.verify_error.empty()) j["tls"]["verify_error"] = c.verify_error;
  if (c.certificate) {
    const auto& cert = *c.certificate;
    j["tls"]["certificate"] = {{"subject", cert.subject},
                               {"issuer", cert.issuer},
                               {"sans", cert.sans},
                               {"not_after", cert.not_after},
                               {"name_matches", cert.name_matches}};
    if (cert.days_to_expiry) j["tls"]["certificate"]["days_to_expiry"] = *cert.days_to_expiry;
  }
  if (c.http != PhaseStatus::kNotRun) {
    j["http"]["path"] = c.path;
    j["http"]["status_code"] = c.status_code;
    j["http"]["headers"] = c.headers;
    if (c.status_code >= 400) j["http"]["body"] = c.body;
  }
  return j;
}

json target_json(const TargetObservation& t) {
  json dns = json::array();
  for (const auto& d : t.dns) dns.push_back(dns_json(d));
  json conns = json::array();
  for (const auto& c : t.connections) conns.push_back(connection_json(c));
  return {{"name", t.target.label()},
          {"host", t.target.host},
          {"port", t.target.port},
          {"kind", to_string(t.target.kind)},
          {"privatelink_zone", t.target.privatelink_zone},
          {"dns", std::move(dns)},
          {"system_resolver",
           {{"asked", t.system.asked},
            {"answered", t.system.answered},
            {"addresses", t.system.addresses},
            {"error", t.system.error},
            {"duration_ms", t.system.duration_ms}}},
          {"connections", std::move(conns)}};
}

json finding_json(const Finding& f) {
  json jf = {{"id", f.id},
             {"fm", nullptr},
             {"severity", to_string(f.severity)},
             {"layer", to_string(f.layer)},
             {"target", f.target},
             {"summary", f.summary},
             {"evidence", f.evidence},
             {"remedy", f.remedy}};
  if (f.fm) jf["fm"] = *f.fm;
  jf["cause"] = nullptr;
  if (f.cause)
    jf["cause"] = {{"resource_id", f.cause->resource_id},
                   {"property", f.cause->property},
                   {"actual", f.cause->actual},
                   {"expected", f.cause->expected}};
  return jf;
}

// Everything but the two long arrays.
json report_head(const Report& report) {
  json resolvers = json::array();
  for (const auto& r : report.observations.resolvers)
    resolvers.push_back({{"address", r.address}, {"port", r.port}, {"origin", r.origin}});
  return {{"schema_version", kReportSchemaVersion},
          {"tool", {{"name", "vnetdiag"}, {"version", report.tool_version}}},
          {"started_at", report.started_at},
          {"duration_ms", report.observations.duration_ms},
          {"verdict", to_string(report.verdict)},
          {"exit_code", exit_code_of(report.verdict)},
          {"context", report.context},
          {"resolvers", std::move(resolvers)}};
}

// Writes one array element dumped on its own, indented to sit at depth 2.
void write_item(std::string& out, const json& item, bool first) {
  out += first ? "\n    " : ",\n    ";
  const std::string text = json_text(item, 2);
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
}

}  // namespace

std::string json_text(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json report_to_json(const Report& report) {
  json j = report_head(report);
  j["findings"] = json::array();
  for (const auto& f : report.findings) j["findings"].push_back(finding_json(f));
  j["targets"] = json::array();
  for (const auto& t : report.observations.targets) j["targets"].push_back(target_json(t));
  return j;
}

// Built piece by piece: a report of hundreds of targets never exists as one JSON tree.
std::string render_json(const Report& report) {
  std::string out = json_text(report_head(report), 2);
  out.pop_back();  // the closing brace
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  out += ",\n  \"findings\": [";
  bool first = true;
  for (const auto& f : report.findings) {
    write_item(out, finding_json(f), first);
    first = false;
  }
  out += first ? "]" : "\n  ]";
  out += ",\n  \"targets\": [";
  first = true;
  for (const auto& t : report.observations.targets) {
    write_item(out, target_json(t), first);
    first = false;
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return secrets::scrub(std::move(out));
}

}  // namespace vnetdiag
