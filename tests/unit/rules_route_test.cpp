// The route rules (agent/rules/route_rules.cpp): route-all and the path requests took.
#include <gtest/gtest.h>

#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

TEST(RulesRoute, LayersDisagree) {
  RuleFixture fx;
  EXPECT_TRUE(rules::route_layers_disagree(fx.input()).findings.empty());
  fx.route_all = RouteAll{"off",
                          "--route-all",
                          {"WEBSITE_VNET_ROUTE_ALL=1 (environment)", "--route-all off (flag)"},
                          true};
  const auto out = rules::route_layers_disagree(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"route.layers_disagree"}));
  EXPECT_EQ(out.findings[0].evidence.at("layers_seen"),
            "WEBSITE_VNET_ROUTE_ALL=1 (environment); --route-all off (flag)");
}

TEST(RulesRoute, EndpointOutsideRfc1918WithRouteAllOff) {
  RuleFixture fx;
  TargetObservation t = healthy_vault();
  t.connections = {healthy_connection("100.64.0.4", "100.64.1.4")};
  t.connections[0].route_interface = "eth1";
  fx.observations.targets.push_back(t);
  const auto out = rules::route_path(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"route.outside_vnet@kv1.vault.azure.net"}));
  EXPECT_EQ(out.findings[0].evidence.at("kernel_route"), "eth1");
  fx.route_all.effective = "on";
  EXPECT_TRUE(rules::route_path(fx.input()).findings.empty());
}

TEST(RulesRoute, VaultSawAnotherPrivateSourceThanTheIntegrationAddress) {
  RuleFixture fx;
  fx.app.values["private_ip"] = ContextValue{"10.0.0.4", "environment"};
  TargetObservation t = healthy_vault();
  t.connections = {healthy_connection("10.0.1.4", "10.0.9.9"),
                   healthy_connection("10.0.1.4", "fd00::9")};  // other family: not compared
  fx.observations.targets.push_back(t);
  const auto out = rules::route_path(fx.input());
  ASSERT_EQ(ids_of(out),
            (std::vector<std::string>{"route.source_outside_integration@kv1.vault.azure.net"}));
  EXPECT_NE(out.findings[0].summary.find("the vault saw 10.0.9.9"), std::string::npos);
}
