// The context rules (agent/rules/context_rules.cpp): where the check ran, what it could not do.
#include <gtest/gtest.h>

#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

RuleFixture in_app(std::map<std::string, std::string> values) {
  RuleFixture fx;
  fx.app.in_app_service = true;
  for (const auto& [k, v] : values) fx.app.values[k] = ContextValue{v, "environment"};
  return fx;
}

}  // namespace

TEST(RulesContext, NotInAppOnlyOutsideAppService) {
  EXPECT_EQ(ids_of(rules::not_in_app(RuleFixture{}.input())),
            (std::vector<std::string>{"context.not_in_app"}));
  EXPECT_TRUE(rules::not_in_app(in_app({}).input()).findings.empty());
}

TEST(RulesContext, NoIntegrationWithoutAPrivateIp) {
  const auto out = rules::no_integration(in_app({{"instance_id", "abc"}}).input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"context.no_integration"}));
  EXPECT_EQ(out.findings[0].evidence.at("instance_id"), "abc");
  EXPECT_TRUE(rules::no_integration(in_app({{"private_ip", "10.0.0.4"}}).input()).findings.empty());
  EXPECT_TRUE(rules::no_integration(RuleFixture{}.input()).findings.empty());
}

TEST(RulesContext, EachBadValueIsAFinding) {
  RuleFixture fx;
  fx.app.problems = {"WEBSITE_PRIVATE_IP is not an address", "WEBSITE_VNET_ROUTE_ALL is 'yes'"};
  const auto out = rules::bad_context_value(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"context.bad_value", "context.bad_value"}));
  EXPECT_NE(out.findings[1].summary.find("'yes'"), std::string::npos);
}

TEST(RulesContext, PublicDnsFallbackFromEitherSetting) {
  const auto out = rules::public_dns_fallback(
      in_app({{"always_fallback_to_public_dns", "1"}, {"dns_alt_server", "10.0.2.53, 8.8.8.8"}})
          .input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"dns.public_fallback", "dns.public_fallback"}));
  EXPECT_NE(out.findings[1].summary.find("WEBSITE_DNS_ALT_SERVER=8.8.8.8 is public"),
            std::string::npos);
  EXPECT_TRUE(rules::public_dns_fallback(in_app({{"dns_alt_server", "10.0.2.53"}}).input())
                  .findings.empty());
}

TEST(RulesContext, CheckDeadline) {
  RuleFixture fx;
  EXPECT_TRUE(rules::check_deadline(fx.input()).findings.empty());
  fx.observations.deadline_hit = true;
  fx.observations.duration_ms = 10000;
  const auto out = rules::check_deadline(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"check.deadline"}));
  EXPECT_NE(out.findings[0].summary.find("after 10000"), std::string::npos);
}

TEST(RulesContext, ArmNotReadSaysWhy) {
  RuleFixture fx;
  fx.skip_reason = "no subscription";
  const auto out = rules::arm_not_read(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"arm.not_read"}));
  EXPECT_NE(out.findings[0].summary.find("no subscription"), std::string::npos);
}
