// The DNS rules (agent/rules/dns_rules.cpp), each with literal observations.
#include <gtest/gtest.h>

#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

const char* const kKv = "kv1.vault.azure.net";
const std::vector<std::string> kPrivateChain = {kKv, "kv1.privatelink.vaultcore.azure.net"};

// resolv.conf's server answers the private endpoint, the --dns-server one the public front.
RuleFixture split_resolvers() {
  RuleFixture fx;
  fx.observations.resolvers = {Resolver{"10.0.2.53", 53, "resolv.conf"},
                               Resolver{"8.8.8.8", 53, "--dns-server"}};
  TargetObservation t{vault(), {}, {}, {}};
  t.dns.push_back(answered("10.0.2.53", kPrivateChain, {"10.0.1.4"}));
  t.dns.push_back(answered(
      "8.8.8.8", {kKv, "kv1.privatelink.vaultcore.azure.net", "data-prod-weu.vaultcore.azure.net"},
      {"203.0.113.10"}));
  fx.observations.targets.push_back(t);
  return fx;
}

}  // namespace

TEST(RulesDns, AnswerPerResolverMergesTheSameAnswer) {
  RuleFixture fx;
  TargetObservation t{vault(), {}, {}, {}};
  t.dns.push_back(answered("10.0.2.53", kPrivateChain, {"10.0.1.4"}));
  t.dns.push_back(answered("168.63.129.16", kPrivateChain, {"10.0.1.4"}));
  fx.observations.targets.push_back(t);
  const auto out = rules::dns_answer(fx.probed(0));
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"dns.private_endpoint@kv1.vault.azure.net"}));
  EXPECT_EQ(out.findings[0].evidence.at("resolvers"), "10.0.2.53, 168.63.129.16");
  EXPECT_EQ(out.findings[0].evidence.at("chain"),
            "kv1.vault.azure.net -> kv1.privatelink.vaultcore.azure.net -> 10.0.1.4");
}

TEST(RulesDns, SlowResolverAndLongTtlComeBeforeTheAnswer) {
  RuleFixture fx;
  TargetObservation t{vault(), {}, {}, {}};
  DnsObservation d =
      answered("10.0.2.53", {kKv, "data-prod-weu.vaultcore.azure.net"}, {"203.0.113.10"});
  d.duration_ms = 1500;
  d.answers[0].ttl = 3600;
  t.dns.push_back(d);
  fx.observations.targets.push_back(t);
  EXPECT_EQ(ids_of(rules::dns_answer(fx.probed(0))),
            (std::vector<std::string>{"dns.slow_resolver@kv1.vault.azure.net",
                                      "dns.long_ttl@kv1.vault.azure.net",
                                      "dns.alias_missing@kv1.vault.azure.net"}));
}

TEST(RulesDns, TimeoutOfAServerThatWasUnreachableElsewhereIsUnreachable) {
  RuleFixture fx;
  TargetObservation kv{vault(), {}, {}, {}};
  DnsObservation timeout;
  timeout.resolver = "10.0.2.53";
  timeout.qtype = "A";
  timeout.status = DnsStatus::kTimeout;
  kv.dns.push_back(timeout);
  TargetObservation cs{account(), {}, {}, {}};
  DnsObservation unreachable = timeout;
  unreachable.status = DnsStatus::kUnreachable;
  cs.dns.push_back(unreachable);
  fx.observations.targets = {kv, cs};
  EXPECT_EQ(ids_of(rules::dns_answer(fx.probed(0))),
            (std::vector<std::string>{"dns.unreachable@kv1.vault.azure.net"}));
}

TEST(RulesDns, ResolverNotForwardingNamesTheWrongResolver) {
  const RuleFixture fx = split_resolvers();
  const auto out = rules::dns_resolver_not_forwarding(fx.probed(0));
  ASSERT_EQ(ids_of(out),
            (std::vector<std::string>{"dns.resolver_not_forwarding@kv1.vault.azure.net"}));
  EXPECT_EQ(out.findings[0].evidence.at("resolver"), "8.8.8.8 (--dns-server)");
  EXPECT_EQ(out.findings[0].evidence.at("private_answer_from"), "10.0.2.53 (resolv.conf)");
  // ... and then dns.resolvers_disagree has nothing to add.
  EXPECT_TRUE(rules::dns_disagree(fx.probed(0)).findings.empty());
}

TEST(RulesDns, ResolversDisagreeWhenNoneIsPrivate) {
  RuleFixture fx;
  TargetObservation t{Target{TargetKind::kCustom, "api.example.com", 443, ""}, {}, {}, {}};
  t.dns.push_back(answered("10.0.2.53", {"api.example.com"}, {"192.0.2.1"}));
  t.dns.push_back(answered("8.8.8.8", {"api.example.com"}, {"192.0.2.2"}));
  fx.observations.targets.push_back(t);
  EXPECT_TRUE(rules::dns_resolver_not_forwarding(fx.probed(0)).findings.empty());
  const auto out = rules::dns_disagree(fx.probed(0));
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"dns.resolvers_disagree@api.example.com"}));
  EXPECT_EQ(out.findings[0].evidence.at("answer 8.8.8.8"), "192.0.2.2");
}

TEST(RulesDns, SystemResolverThatDisagreesWithTheDirectAnswer) {
  RuleFixture fx;
  fx.observations.resolvers = {Resolver{"10.0.2.53", 53, "resolv.conf"}};
  TargetObservation t = healthy_vault();
  t.system = SystemResolution{true, true, "", {"203.0.113.10"}, 3};
  fx.observations.targets.push_back(t);
  const auto out = rules::dns_system(fx.probed(0));
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"dns.system_disagrees@kv1.vault.azure.net"}));
  EXPECT_EQ(out.findings[0].summary.find("getaddrinfo gives 203.0.113.10") != std::string::npos,
            true);
  // Agreeing, or not asked: nothing.
  fx.observations.targets[0].system.addresses = {"10.0.1.4"};
  EXPECT_TRUE(rules::dns_system(fx.probed(0)).findings.empty());
  fx.observations.targets[0].system.asked = false;
  EXPECT_TRUE(rules::dns_system(fx.probed(0)).findings.empty());
}

TEST(RulesDns, DiagnoseDnsIsTheFourRulesInTableOrder) {
  const RuleFixture fx = split_resolvers();
  std::vector<Finding> table;
  for (auto rule : {rules::dns_resolver_not_forwarding, rules::dns_answer, rules::dns_system,
                    rules::dns_disagree})
    for (auto& f : rule(fx.probed(0)).findings) table.push_back(f);
  EXPECT_EQ(ids_of(diagnose_dns(fx.observations.targets[0], fx.observations.resolvers)),
            ids_of(table));
}
