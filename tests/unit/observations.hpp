#pragma once
// Recorded observations for rule and renderer tests: what the probes saw in each lab scenario.
#include "diagnose.hpp"
#include "model.hpp"

namespace vnetdiag::testdata {

inline Target vault() {
  return Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443,
                "privatelink.vaultcore.azure.net"};
}
inline Target account() {
  return Target{TargetKind::kCognitive, "cs1.cognitiveservices.azure.com", 443,
                "privatelink.cognitiveservices.azure.com"};
}

inline DnsObservation answered(const std::string& resolver, std::vector<std::string> chain,
                               std::vector<std::string> addresses, std::string rcode = "NOERROR") {
  DnsObservation d;
  d.resolver = resolver;
  d.qtype = "A";
  d.status = DnsStatus::kAnswered;
  d.rcode = std::move(rcode);
  for (std::size_t i = 0; i + 1 < chain.size(); ++i)
    d.answers.push_back({chain[i], "CNAME", 60, chain[i + 1]});
  for (const auto& a : addresses) d.answers.push_back({chain.back(), "A", 10, a});
  d.chain = std::move(chain);
  d.addresses = std::move(addresses);
  return d;
}

inline DnsObservation empty_aaaa(const std::string& resolver, std::vector<std::string> chain) {
  DnsObservation d = answered(resolver, std::move(chain), {});
  d.qtype = "AAAA";
  return d;
}

inline ConnectionObservation healthy_connection(const std::string& address,
                                                const std::string& seen_addr) {
  ConnectionObservation c;
  c.address = address;
  c.family = "ipv4";
  c.tcp = c.tls = c.http = PhaseStatus::kOk;
  c.tls_version = "TLSv1.3";
  c.certificate = CertificateInfo{"CN=*.vault.azure.net", "CN=lab CA", {"*.vault.azure.net"},
                                  "2027-01-01T00:00:00Z", 300,         true};
  c.path = "/healthstatus";
  c.status_code = 200;
  c.headers["x-ms-keyvault-network-info"] =
      "conn_type=Ipv4;addr=" + seen_addr + ";act_addr_fam=InterNetwork;";
  return c;
}

inline TargetObservation healthy_vault() {
  TargetObservation t{vault(), {}, {}, {}};
  t.dns.push_back(answered(
      "10.0.2.53", {"kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net"}, {"10.0.1.4"}));
  t.dns.push_back(
      empty_aaaa("10.0.2.53", {"kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net"}));
  t.connections.push_back(healthy_connection("10.0.1.4", "10.0.0.4"));
  return t;
}

// A report as check builds it from these observations (rules and verdict applied).
inline Report report_of(std::vector<TargetObservation> targets) {
  Report r;
  r.tool_version = "test";
  r.started_at = "2026-01-01T00:00:00Z";
  r.observations.targets = std::move(targets);
  r.observations.resolvers = {Resolver{"10.0.2.53", 53, "resolv.conf"}};
  r.findings = diagnose(r.observations);
  r.verdict = verdict_of(r.findings);
  return r;
}

}  // namespace vnetdiag::testdata
