// Connection rules: TCP, TLS and HTTP to each address of a target, the first layer that failed
// on each connection, and one passing finding per layer that worked everywhere it ran.
#include <optional>

#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

// The id and detail of the first layer that failed on this connection, and which layers passed.
struct ConnectionOutcome {
  std::vector<std::pair<FindingId, std::string>> problems;  // id, detail
  bool tcp_ok = false, tls_ok = false;
  std::optional<FindingId> http_ok_id;
  std::string http_detail;
};

// A failed TLS handshake: why the certificate was refused, or that the handshake itself failed.
std::pair<FindingId, std::string> tls_failure(const ConnectionObservation& c) {
  constexpr long kX509CertHasExpired = 10;
  if (c.verify_result == kX509CertHasExpired) return {FindingId("tls.expired"), c.verify_error};
  if (c.verify_result != 0) return {FindingId("tls.untrusted"), c.verify_error};
  if (c.certificate && !c.certificate->name_matches)
    return {FindingId("tls.name_mismatch"),
            "certificate names: " + join(c.certificate->sans, ", ")};
  return {FindingId("tls.handshake_failed"), c.error};
}

ConnectionOutcome outcome_for(const Target& target, const ConnectionObservation& c) {
  ConnectionOutcome out;
  switch (c.tcp) {
    case PhaseStatus::kOk:
      out.tcp_ok = true;
      break;
    case PhaseStatus::kNotRun:
      return out;
    case PhaseStatus::kTimeout:
      out.problems.push_back({FindingId("tcp.timeout"), c.error});
      return out;
    case PhaseStatus::kRefused:
      out.problems.push_back({FindingId("tcp.refused"), c.error});
      return out;
    default:
      out.problems.push_back({FindingId("tcp.unreachable"), c.error});
      return out;
  }
  switch (c.tls) {
    case PhaseStatus::kOk:
      out.tls_ok = true;
      break;
    case PhaseStatus::kNotRun:
      return out;
    case PhaseStatus::kTimeout:
      out.problems.push_back({FindingId("tls.timeout"), c.error});
      return out;
    default:
      out.problems.push_back(tls_failure(c));
      return out;
  }
  if (c.certificate && c.certificate->days_to_expiry) {
    const int days = *c.certificate->days_to_expiry;
    if (days < 0)
      out.problems.push_back({FindingId("tls.expired"), c.certificate->not_after});
    else if (days < 14)
      out.problems.push_back({FindingId("tls.expiring"), std::to_string(days) + " days left"});
  }
  switch (c.http) {
    case PhaseStatus::kOk:
      break;
    case PhaseStatus::kNotRun:
      return out;
    case PhaseStatus::kTimeout:
      out.problems.push_back({FindingId("http.timeout"), c.error});
      return out;
    default:
      out.problems.push_back({FindingId("http.failed"), c.error});
      return out;
  }
  std::string detail;
  const FindingId id = service_answer(target, c, &detail);
  if (id.spec().severity == Severity::kOk) {
    out.http_ok_id = id;
    out.http_detail = detail;
  } else {
    out.problems.push_back({id, detail});
  }
  return out;
}

void add_connection_evidence(Finding& f, const ConnectionObservation& c) {
  f.evidence["address"] = c.address;
  if (!c.local_address.empty()) f.evidence["source_address"] = c.local_address;
  if (c.tcp == PhaseStatus::kOk) f.evidence["connect_ms"] = format_ms(c.connect_ms);
  if (c.tls == PhaseStatus::kOk) f.evidence["tls_ms"] = format_ms(c.tls_ms);
  if (!c.tls_version.empty()) f.evidence["tls_version"] = c.tls_version;
  if (c.certificate) {
    f.evidence["certificate_subject"] = c.certificate->subject;
    f.evidence["certificate_issuer"] = c.certificate->issuer;
    f.evidence["certificate_names"] = join(c.certificate->sans, ", ");
    f.evidence["certificate_not_after"] = c.certificate->not_after;
  }
  if (c.status_code) f.evidence["http_status"] = std::to_string(c.status_code);
  const auto info = c.headers.find("x-ms-keyvault-network-info");
  if (info != c.headers.end()) f.evidence["x-ms-keyvault-network-info"] = info->second;
  if (!c.body.empty() && c.status_code >= 400) f.evidence["body"] = c.body.substr(0, 300);
  if (!c.error.empty()) f.evidence["error"] = c.error;
}

}  // namespace

std::vector<Finding> connection_problems(const TargetObservation& t) {
  std::vector<Finding> findings;
  for (const auto& c : t.connections)
    for (auto& [id, detail] : outcome_for(t.target, c).problems) {
      Finding f = make_finding(id, t.target.label(),
                               detail.empty() ? c.address : c.address + ": " + detail);
      add_connection_evidence(f, c);
      findings.push_back(std::move(f));
    }
  return findings;
}

// FM-23: one address family works end to end and the other does not.
std::vector<Finding> one_family(const TargetObservation& t) {
  bool v4_ok = false, v6_ok = false, v4_bad = false, v6_bad = false;
  for (const auto& c : t.connections) {
    const bool ok = c.http == PhaseStatus::kOk;
    (c.family == "ipv6" ? (ok ? v6_ok : v6_bad) : (ok ? v4_ok : v4_bad)) = true;
  }
  if (!((v4_ok && v6_bad && !v6_ok) || (v6_ok && v4_bad && !v4_ok))) return {};
  return {make_finding("dns.one_family", t.target.label(),
                       v4_ok ? "IPv4 works, IPv6 does not" : "IPv6 works, IPv4 does not")};
}

// One passing finding per layer that worked everywhere it ran: the evidence of a healthy path.
std::vector<Finding> connection_passes(const TargetObservation& t) {
  const ConnectionObservation* tcp_ok = nullptr;
  const ConnectionObservation* tls_ok = nullptr;
  const ConnectionObservation* http_ok = nullptr;
  std::optional<FindingId> http_ok_id;
  std::string http_ok_detail;
  bool tcp_bad = false, tls_bad = false, http_bad = false;
  for (const auto& c : t.connections) {
    ConnectionOutcome out = outcome_for(t.target, c);
    if (out.tcp_ok && !tcp_ok) tcp_ok = &c;
    if (out.tls_ok && !tls_ok) tls_ok = &c;
    if (out.http_ok_id && !http_ok) {
      http_ok = &c;
      http_ok_id = out.http_ok_id;
      http_ok_detail = out.http_detail;
    }
    for (const auto& problem : out.problems) {
      const Layer layer = problem.first.spec().layer;
      tcp_bad |= layer == Layer::kTcp;
      tls_bad |= layer == Layer::kTls;
      http_bad |= layer == Layer::kHttp;
    }
  }
  std::vector<Finding> findings;
  auto pass = [&](FindingId id, const ConnectionObservation* c, const std::string& detail) {
    Finding f = make_finding(id, t.target.label(), detail);
    add_connection_evidence(f, *c);
    findings.push_back(std::move(f));
  };
  if (tcp_ok && !tcp_bad) pass("tcp.connected", tcp_ok, tcp_ok->address);
  if (tls_ok && !tls_bad) pass("tls.verified", tls_ok, tls_ok->tls_version);
  if (http_ok && !http_bad) pass(*http_ok_id, http_ok, http_ok_detail);
  return findings;
}

namespace rules {

RuleOutput connection_layers(const RuleInput& in) {
  return {connection_problems(*in.observed), {}};
}
RuleOutput address_family(const RuleInput& in) { return {one_family(*in.observed), {}}; }
RuleOutput healthy_layers(const RuleInput& in) { return {connection_passes(*in.observed), {}}; }

}  // namespace rules
}  // namespace vnetdiag
