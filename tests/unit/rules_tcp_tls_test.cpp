// The connection rules (agent/rules/tcp_tls_rules.cpp), each with literal observations.
#include <gtest/gtest.h>

#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

RuleFixture with_connections(std::vector<ConnectionObservation> connections) {
  RuleFixture fx;
  TargetObservation t = healthy_vault();
  t.connections = std::move(connections);
  fx.observations.targets.push_back(t);
  return fx;
}

}  // namespace

TEST(RulesTcpTls, FirstFailedLayerOfEachConnection) {
  ConnectionObservation refused = healthy_connection("10.0.1.4", "10.0.0.4");
  refused.tcp = PhaseStatus::kRefused;
  refused.error = "Connection refused";
  ConnectionObservation wrong_name = healthy_connection("10.0.1.5", "10.0.0.4");
  wrong_name.tls = PhaseStatus::kFailed;
  wrong_name.certificate->name_matches = false;
  const RuleFixture fx = with_connections({refused, wrong_name});
  const auto out = rules::connection_layers(fx.probed(0));
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"tcp.refused@kv1.vault.azure.net",
                                                   "tls.name_mismatch@kv1.vault.azure.net"}));
  EXPECT_EQ(out.findings[0].evidence.at("address"), "10.0.1.4");
  EXPECT_NE(out.findings[1].summary.find("certificate names: *.vault.azure.net"),
            std::string::npos);
}

TEST(RulesTcpTls, ExpiringCertificateAndTheServiceProblemOnOneConnection) {
  ConnectionObservation c = healthy_connection("10.0.1.4", "203.0.113.99");
  c.certificate->days_to_expiry = 5;
  const RuleFixture fx = with_connections({c});
  EXPECT_EQ(ids_of(rules::connection_layers(fx.probed(0))),
            (std::vector<std::string>{"tls.expiring@kv1.vault.azure.net",
                                      "kv.public_source@kv1.vault.azure.net"}));
}

TEST(RulesTcpTls, OneFamilyWorks) {
  ConnectionObservation v6 = healthy_connection("fd00::4", "10.0.0.4");
  v6.family = "ipv6";
  v6.tcp = PhaseStatus::kTimeout;
  v6.tls = v6.http = PhaseStatus::kNotRun;
  const RuleFixture fx = with_connections({healthy_connection("10.0.1.4", "10.0.0.4"), v6});
  EXPECT_EQ(ids_of(rules::address_family(fx.probed(0))),
            (std::vector<std::string>{"dns.one_family@kv1.vault.azure.net"}));
  EXPECT_TRUE(rules::address_family(
                  with_connections({healthy_connection("10.0.1.4", "10.0.0.4")}).probed(0))
                  .findings.empty());
}

TEST(RulesTcpTls, HealthyLayersOnlyWhereNoConnectionFailedThatLayer) {
  const RuleFixture healthy = with_connections({healthy_connection("10.0.1.4", "10.0.0.4")});
  EXPECT_EQ(ids_of(rules::healthy_layers(healthy.probed(0))),
            (std::vector<std::string>{"tcp.connected@kv1.vault.azure.net",
                                      "tls.verified@kv1.vault.azure.net",
                                      "http.private_path@kv1.vault.azure.net"}));
  ConnectionObservation untrusted = healthy_connection("10.0.1.5", "10.0.0.4");
  untrusted.tls = PhaseStatus::kFailed;
  untrusted.verify_result = 20;
  const RuleFixture mixed =
      with_connections({healthy_connection("10.0.1.4", "10.0.0.4"), untrusted});
  EXPECT_EQ(ids_of(rules::healthy_layers(mixed.probed(0))),
            (std::vector<std::string>{"tcp.connected@kv1.vault.azure.net",
                                      "http.private_path@kv1.vault.azure.net"}));
}
