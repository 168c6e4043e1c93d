#include "diagnose.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "address_class.hpp"
#include "finding_catalog.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

bool chain_has_privatelink_alias(const DnsObservation& dns, const Target& target) {
  for (const auto& name : dns.chain) {
    const std::string n = lower(name);
    if (!target.privatelink_zone.empty()) {
      if (ends_with(n, "." + lower(target.privatelink_zone))) return true;
    } else if (n.find(".privatelink.") != std::string::npos || starts_with(n, "privatelink.")) {
      return true;
    }
  }
  return false;
}

std::string chain_text(const DnsObservation& dns) {
  std::string text = join(dns.chain, " -> ");
  if (!dns.addresses.empty()) text += " -> " + join(dns.addresses, ", ");
  return text;
}

// What one resolver's answers mean for the target: a finding id and a detail.
struct DnsOutcome {
  std::optional<FindingId> id;
  std::string detail;
  const DnsObservation* evidence = nullptr;
  std::set<std::string> addresses;
};

DnsOutcome outcome_for(const Target& target, const DnsObservation* a, const DnsObservation* aaaa) {
  DnsOutcome out;
  out.evidence = a ? a : aaaa;
  if (!out.evidence) return out;
  const DnsObservation& d = *out.evidence;
  switch (d.status) {
    case DnsStatus::kTimeout:
      out.id = FindingId("dns.timeout");
      out.detail = d.error;
      return out;
    case DnsStatus::kUnreachable:
      out.id = FindingId("dns.unreachable");
      out.detail = d.error;
      return out;
    case DnsStatus::kMalformed:
      out.id = FindingId("dns.malformed");
      out.detail = d.error;
      return out;
    case DnsStatus::kError:
      out.id = FindingId("dns.servfail");
      out.detail = d.error;
      return out;
    case DnsStatus::kAnswered:
      break;
  }
  if (d.rcode == "NXDOMAIN") {
    out.id = FindingId("dns.nxdomain");
    out.detail = d.chain.size() > 1 ? "for " + d.chain.back()
                                    : "the name " + d.chain.front() + " does not exist at all";
    return out;
  }
  if (d.rcode == "REFUSED") {
    out.id = FindingId("dns.refused");
    return out;
  }
  if (d.rcode != "NOERROR") {
    out.id = FindingId("dns.servfail");
    out.detail = "rcode " + d.rcode;
    return out;
  }

  for (const DnsObservation* o : {a, aaaa})
    if (o && o->status == DnsStatus::kAnswered)
      out.addresses.insert(o->addresses.begin(), o->addresses.end());
  if (out.addresses.empty()) {
    out.id = FindingId("dns.no_answer");
    return out;
  }

  if (target.kind == TargetKind::kCustom) {
    out.id = FindingId("dns.resolved");
    return out;
  }
  if (!chain_has_privatelink_alias(d, target)) {
    out.id = FindingId("dns.alias_missing");
    out.detail = "chain ends at " +
                 join(std::vector<std::string>(out.addresses.begin(), out.addresses.end()), ", ");
    return out;
  }
  std::vector<std::string> public_ones;
  for (const auto& ip : out.addresses)
    if (!is_private_endpoint_class(classify_address(ip))) public_ones.push_back(ip);
  if (!public_ones.empty()) {
    out.id = FindingId("dns.public_address");
    out.detail = join(public_ones, ", ");
    return out;
  }
  out.id = FindingId("dns.private_endpoint");
  out.detail = join(std::vector<std::string>(out.addresses.begin(), out.addresses.end()), ", ");
  return out;
}

void add_or_merge(std::vector<Finding>& findings, Finding f, const std::string& resolver) {
  for (auto& existing : findings) {
    if (existing.id == f.id && existing.target == f.target) {
      existing.evidence["resolvers"] += ", " + resolver;
      return;
    }
  }
  f.evidence["resolvers"] = resolver;
  findings.push_back(std::move(f));
}

}  // namespace

namespace {

constexpr double kSlowResolverMs = 1000;
constexpr uint32_t kLongTtlSeconds = 300;

std::string resolver_name(const std::string& label, const std::vector<Resolver>& resolvers) {
  for (const auto& r : resolvers)
    if (r.label() == label) return label + " (" + r.origin + ")";
  return label;
}

bool is_wrong_answer(FindingId id) {
  return id == "dns.public_address" || id == "dns.alias_missing" || id == "dns.nxdomain" ||
         id == "dns.no_answer";
}

}  // namespace

std::vector<Finding> diagnose_dns(const TargetObservation& t, const std::vector<Resolver>& known,
                                  const std::set<std::string>& unreachable) {
  std::vector<Finding> findings;
  std::vector<std::pair<std::string, FindingId>> outcomes;  // resolver -> finding id
  std::vector<std::string> resolvers;
  for (const auto& d : t.dns)
    if (std::find(resolvers.begin(), resolvers.end(), d.resolver) == resolvers.end())
      resolvers.push_back(d.resolver);

  std::vector<std::pair<std::string, std::set<std::string>>> answers;  // resolver -> addresses
  for (const auto& r : resolvers) {
    const DnsObservation* a = nullptr;
    const DnsObservation* aaaa = nullptr;
    for (const auto& d : t.dns) {
      if (d.resolver != r) continue;
      (d.qtype == "AAAA" ? aaaa : a) = &d;
    }
    DnsOutcome out = outcome_for(t.target, a, aaaa);
    if (!out.id) continue;
    if (*out.id == "dns.timeout" && unreachable.count(r)) {
      out.id = FindingId("dns.unreachable");
      out.detail = "port unreachable on other queries to this server";
    }
    Finding f = make_finding(*out.id, t.target.label(), out.detail);
    const DnsObservation& e = *out.evidence;
    outcomes.emplace_back(r, *out.id);
    if (e.status == DnsStatus::kAnswered && e.duration_ms > kSlowResolverMs) {
      Finding slow =
          make_finding("dns.slow_resolver", t.target.label(),
                       resolver_name(r, known) + " took " + format_ms(e.duration_ms) + " ms");
      slow.evidence["resolvers"] = r;
      findings.push_back(std::move(slow));
    }
    if (is_wrong_answer(*out.id)) {
      uint32_t max_ttl = 0;
      for (const auto& rec : e.answers) max_ttl = std::max(max_ttl, rec.ttl);
      if (max_ttl > kLongTtlSeconds) {
        Finding ttl =
            make_finding("dns.long_ttl", t.target.label(), std::to_string(max_ttl) + " s");
        ttl.evidence["chain"] = chain_text(e);
        findings.push_back(std::move(ttl));
      }
    }
    if (e.status == DnsStatus::kAnswered) {
      f.evidence["rcode"] = e.rcode;
      f.evidence["chain"] = chain_text(e);
      uint32_t min_ttl = UINT32_MAX;
      for (const auto& rec : e.answers) min_ttl = std::min(min_ttl, rec.ttl);
      if (min_ttl != UINT32_MAX) f.evidence["min_ttl_s"] = std::to_string(min_ttl);
    } else {
      f.evidence["status"] = to_string(e.status);
    }
    f.evidence["duration_ms"] = format_ms(e.duration_ms);
    add_or_merge(findings, std::move(f), r);
    if (e.status == DnsStatus::kAnswered) {
      std::set<std::string> key = out.addresses;
      if (key.empty()) key.insert(e.rcode);
      answers.emplace_back(r, key);
    }
  }
  // FM-17: one resolver gives the private answer, another does not. Name the one that is wrong.
  const bool someone_private = std::any_of(outcomes.begin(), outcomes.end(), [](const auto& o) {
    return o.second == FindingId("dns.private_endpoint");
  });
  bool named = false;
  for (const auto& [resolver, id] : outcomes) {
    if (!someone_private || !is_wrong_answer(id)) continue;
    Finding f = make_finding(
        "dns.resolver_not_forwarding", t.target.label(),
        resolver_name(resolver, known) + " answers " + std::string(id.text().substr(4)));
    f.evidence["resolver"] = resolver_name(resolver, known);
    for (const auto& [other, other_id] : outcomes)
      if (other_id == FindingId("dns.private_endpoint"))
        f.evidence["private_answer_from"] = resolver_name(other, known);
    f.summary = "resolver " + resolver_name(resolver, known) + ": " + f.summary;
    findings.insert(findings.begin(), std::move(f));
    named = true;
  }
  // What the app's own code gets (getaddrinfo) against the direct answers of resolv.conf's servers.
  if (t.system.asked) {
    std::set<std::string> direct;
    bool direct_answered = false;
    for (const auto& d : t.dns) {
      bool from_resolv_conf = known.empty();
      for (const auto& r : known)
        if (r.label() == d.resolver && r.origin.find("resolv.conf") != std::string::npos)
          from_resolv_conf = true;
      if (!from_resolv_conf || d.status != DnsStatus::kAnswered) continue;
      direct_answered = true;
      direct.insert(d.addresses.begin(), d.addresses.end());
    }
    const std::set<std::string> system(t.system.addresses.begin(), t.system.addresses.end());
    std::string detail;
    if (!t.system.answered)
      detail = "getaddrinfo did not answer within the DNS budget";
    else if (direct_answered && system != direct)
      detail =
          "getaddrinfo gives " +
          (system.empty() ? t.system.error : join(t.system.addresses, ", ")) +
          ", direct queries give " +
          (direct.empty() ? std::string("no address")
                          : join(std::vector<std::string>(direct.begin(), direct.end()), ", "));
    // Both failing is not a disagreement: the resolver findings already say it.
    if (!detail.empty() && direct_answered && (!direct.empty() || !system.empty())) {
      Finding f = make_finding("dns.system_disagrees", t.target.label(), detail);
      f.evidence["getaddrinfo_ms"] = format_ms(t.system.duration_ms);
      findings.push_back(std::move(f));
    }
  }
  for (std::size_t i = 1; i < answers.size() && !named; ++i) {
    if (answers[i].second != answers[0].second) {
      Finding f = make_finding("dns.resolvers_disagree", t.target.label(),
                               answers[0].first + " vs " + answers[i].first);
      for (const auto& [resolver, addrs] : answers)
        f.evidence["answer " + resolver] =
            join(std::vector<std::string>(addrs.begin(), addrs.end()), ", ");
      findings.push_back(std::move(f));
      break;
    }
  }
  return findings;
}

namespace {

bool contains_ci(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

FindingId service_finding(const Target& target, const ConnectionObservation& c,
                          std::string* detail) {
  const auto header = c.headers.find("x-ms-keyvault-network-info");
  switch (target.kind) {
    case TargetKind::kKeyVault: {
      if (c.status_code == 403 && contains_ci(c.body, "ForbiddenByFirewall"))
        return "kv.forbidden_by_firewall";
      if (header == c.headers.end()) return "kv.network_info_missing";
      const std::string addr = keyvault_source_address(header->second);
      *detail = "vault saw " + (addr.empty() ? std::string("no address") : addr);
      if (addr.empty() || !is_private_endpoint_class(classify_address(addr)))
        return "kv.public_source";
      if (c.status_code >= 200 && c.status_code < 300) return "http.private_path";
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.unexpected_status";
    }
    case TargetKind::kCognitive:
      if (c.status_code == 403 && contains_ci(c.body, "public access is disabled"))
        return "cs.public_access_disabled";
      if (c.status_code == 403 && contains_ci(c.body, "firewall"))
        return "cs.forbidden_by_firewall";
      if (c.status_code >= 500 || c.status_code == 0) break;
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.answered";
    case TargetKind::kCustom:
      if (c.status_code >= 500 || c.status_code == 0) break;
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.answered";
  }
  *detail = "HTTP " + std::to_string(c.status_code);
  return "http.unexpected_status";
}

// The id and detail of the first layer that failed on this connection, and which layers passed.
struct ConnectionOutcome {
  std::vector<std::pair<FindingId, std::string>> problems;  // id, detail
  bool tcp_ok = false, tls_ok = false;
  std::optional<FindingId> http_ok_id;
  std::string http_detail;
};

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
  constexpr long kX509CertHasExpired = 10;
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
      if (c.verify_result == kX509CertHasExpired)
        out.problems.push_back({FindingId("tls.expired"), c.verify_error});
      else if (c.verify_result != 0)
        out.problems.push_back({FindingId("tls.untrusted"), c.verify_error});
      else if (c.certificate && !c.certificate->name_matches)
        out.problems.push_back({FindingId("tls.name_mismatch"),
                                "certificate names: " + join(c.certificate->sans, ", ")});
      else
        out.problems.push_back({FindingId("tls.handshake_failed"), c.error});
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
  const FindingId id = service_finding(target, c, &detail);
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

std::string keyvault_source_address(const std::string& network_info) {
  for (const auto& part : split(network_info, ';')) {
    const std::string p = trim(part);
    if (starts_with(lower(p), "addr=")) return p.substr(5);
  }
  return "";
}

std::vector<Finding> diagnose_connections(const TargetObservation& t) {
  std::vector<Finding> findings;
  const std::string label = t.target.label();
  const ConnectionObservation* tcp_ok = nullptr;
  const ConnectionObservation* tls_ok = nullptr;
  const ConnectionObservation* http_ok = nullptr;
  bool tcp_bad = false, tls_bad = false, http_bad = false;
  std::optional<FindingId> http_ok_id;
  std::string http_ok_detail;
  for (const auto& c : t.connections) {
    ConnectionOutcome out = outcome_for(t.target, c);
    if (out.tcp_ok && !tcp_ok) tcp_ok = &c;
    if (out.tls_ok && !tls_ok) tls_ok = &c;
    if (out.http_ok_id && !http_ok) {
      http_ok = &c;
      http_ok_id = out.http_ok_id;
      http_ok_detail = out.http_detail;
    }
    for (auto& [id, detail] : out.problems) {
      Finding f = make_finding(id, label, detail.empty() ? c.address : c.address + ": " + detail);
      add_connection_evidence(f, c);
      tcp_bad |= f.layer == Layer::kTcp;
      tls_bad |= f.layer == Layer::kTls;
      http_bad |= f.layer == Layer::kHttp;
      findings.push_back(std::move(f));
    }
  }
  // One passing finding per layer that worked everywhere it ran: the evidence of a healthy path.
  auto pass = [&](FindingId id, const ConnectionObservation* c, const std::string& detail) {
    Finding f = make_finding(id, label, detail);
    add_connection_evidence(f, *c);
    findings.push_back(std::move(f));
  };
  // FM-23: one address family works end to end and the other does not.
  bool v4_ok = false, v6_ok = false, v4_bad = false, v6_bad = false;
  for (const auto& c : t.connections) {
    const bool ok = c.http == PhaseStatus::kOk;
    (c.family == "ipv6" ? (ok ? v6_ok : v6_bad) : (ok ? v4_ok : v4_bad)) = true;
  }
  if ((v4_ok && v6_bad && !v6_ok) || (v6_ok && v4_bad && !v4_ok))
    findings.push_back(
        make_finding("dns.one_family", label,
                     v4_ok ? "IPv4 works, IPv6 does not" : "IPv6 works, IPv4 does not"));
  if (tcp_ok && !tcp_bad) pass("tcp.connected", tcp_ok, tcp_ok->address);
  if (tls_ok && !tls_bad) pass("tls.verified", tls_ok, tls_ok->tls_version);
  if (http_ok && !http_bad) pass(*http_ok_id, http_ok, http_ok_detail);
  return findings;
}

std::vector<Finding> diagnose(const Observations& observations) {
  std::vector<Finding> findings;
  std::set<std::string> unreachable;
  for (const auto& t : observations.targets)
    for (const auto& d : t.dns)
      if (d.status == DnsStatus::kUnreachable) unreachable.insert(d.resolver);
  for (const auto& t : observations.targets) {
    auto dns = diagnose_dns(t, observations.resolvers, unreachable);
    auto conn = diagnose_connections(t);
    findings.insert(findings.end(), dns.begin(), dns.end());
    findings.insert(findings.end(), conn.begin(), conn.end());
  }
  if (observations.deadline_hit)
    findings.push_back(
        make_finding("check.deadline", "", "after " + format_ms(observations.duration_ms) + " ms"));
  return findings;
}

}  // namespace vnetdiag
