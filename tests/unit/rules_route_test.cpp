// The route rules (agent/rules/route_rules.cpp): route-all and the path requests took.
#include <gtest/gtest.h>

#include "arm_state.hpp"
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

namespace {

// ARM's route-all layers as arm::parse_state leaves them: unset unless given.
arm::ArmState route_all_state(std::optional<bool> site, std::optional<bool> config,
                              std::optional<std::string> setting) {
  arm::ArmState s;
  s.site = arm::Site{};
  s.site->vnet_route_all_enabled = site;
  s.site_config = arm::SiteConfig{};
  s.site_config->vnet_route_all_enabled = config;
  s.app_settings = arm::AppSettings{};
  s.app_settings->website_vnet_route_all = std::move(setting);
  return s;
}

RouteAll process_route_all(const AppContext& app) { return effective_route_all(app, ""); }

}  // namespace

TEST(RulesRoute, ArmLayersDecideRouteAllAndNameTheLayer) {
  AppContext app;  // no WEBSITE_VNET_ROUTE_ALL in this process
  arm::ArmState s = route_all_state(false, false, std::nullopt);
  RouteAll r = route_all_with_arm(process_route_all(app), app, s);
  EXPECT_EQ(r.effective, "off");
  EXPECT_NE(r.origin.find("site vnetRouteAllEnabled=false"), std::string::npos) << r.origin;
  EXPECT_FALSE(r.restart_pending);

  s.site->outbound_routing = arm::OutboundVnetRouting{};
  s.site->outbound_routing->all_traffic = true;
  r = route_all_with_arm(process_route_all(app), app, s);
  EXPECT_EQ(r.effective + " (" + r.origin + ")", "on (site outboundVnetRouting.allTraffic)");
  EXPECT_FALSE(r.restart_pending);  // the process cannot see site properties: nothing to compare

  s.site->outbound_routing->all_traffic = false;
  s.site->outbound_routing->application_traffic = true;
  r = route_all_with_arm(process_route_all(app), app, s);
  EXPECT_EQ(r.origin, "site outboundVnetRouting.applicationTraffic");

  s = route_all_state(false, true, std::nullopt);
  r = route_all_with_arm(process_route_all(app), app, s);
  EXPECT_EQ(r.effective + " (" + r.origin + ")", "on (config/web vnetRouteAllEnabled)");

  s = route_all_state(true, true, std::nullopt);
  r = route_all_with_arm(process_route_all(app), app, s);
  EXPECT_EQ(r.origin, "site vnetRouteAllEnabled");

  // The flag still wins over ARM.
  r = route_all_with_arm(effective_route_all(app, "off"), app, s);
  EXPECT_EQ(r.effective + " (" + r.origin + ")", "off (--route-all)");
  EXPECT_TRUE(r.arm_effective.empty());

  // Nothing read in ARM: the environment decides as before.
  r = route_all_with_arm(process_route_all(app), app, arm::ArmState{});
  EXPECT_EQ(r.effective, "off");
  EXPECT_TRUE(r.arm_effective.empty());
}

TEST(RulesRoute, AppSettingChangedSinceStartIsOneRestartPendingWarning) {
  RuleFixture fx;  // this process started without WEBSITE_VNET_ROUTE_ALL
  TargetObservation t = healthy_vault();
  t.connections = {healthy_connection("100.64.1.4", "100.64.0.4")};
  fx.observations.targets.push_back(t);
  const arm::ArmState s = route_all_state(false, false, "1");
  fx.route_all = route_all_with_arm(process_route_all(fx.app), fx.app, s);
  EXPECT_TRUE(fx.route_all.restart_pending);
  EXPECT_EQ(fx.route_all.effective, "on");
  EXPECT_TRUE(rules::route_path(fx.input()).findings.empty()) << "not route.outside_vnet";
  auto out = rules::route_restart_pending(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"route.restart_pending"}));
  EXPECT_EQ(out.findings[0].evidence.at("arm"), "on (app setting WEBSITE_VNET_ROUTE_ALL)");
  EXPECT_EQ(out.findings[0].evidence.at("process"), "WEBSITE_VNET_ROUTE_ALL unset");

  // The same setting in the environment: nothing pending.
  fx.app.values["route_all"] = ContextValue{"1", "environment"};
  fx.route_all = route_all_with_arm(process_route_all(fx.app), fx.app, s);
  EXPECT_FALSE(fx.route_all.restart_pending);
  EXPECT_TRUE(rules::route_restart_pending(fx.input()).findings.empty());

  // The reverse: the process started with it, ARM no longer has it. Routed until the restart.
  fx.route_all = route_all_with_arm(process_route_all(fx.app), fx.app,
                                    route_all_state(false, false, std::nullopt));
  EXPECT_TRUE(fx.route_all.restart_pending);
  EXPECT_EQ(fx.route_all.effective, "on");
  EXPECT_TRUE(rules::route_path(fx.input()).findings.empty());
  out = rules::route_restart_pending(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"route.restart_pending"}));
  EXPECT_NE(out.findings[0].summary.find("until the next restart"), std::string::npos);

  // A setting that does not change the routing (the site property is on anyway): nothing.
  fx.route_all = route_all_with_arm(process_route_all(fx.app), fx.app,
                                    route_all_state(true, true, std::nullopt));
  EXPECT_FALSE(fx.route_all.restart_pending);
  EXPECT_TRUE(rules::route_restart_pending(fx.input()).findings.empty());
}

TEST(RulesRoute, ArmOnButTrafficOutsideRfc1918NotRoutedIsRestartPending) {
  RuleFixture fx;
  TargetObservation t = healthy_vault();
  t.connections = {healthy_connection("100.64.1.4", "100.64.0.4"),
                   healthy_connection("10.0.1.4", "10.0.0.4")};
  t.connections[0].tcp = PhaseStatus::kTimeout;
  t.connections[0].route_interface = "pub0";
  t.connections[0].route_gateway = "192.0.2.1";
  t.connections[1].tcp = PhaseStatus::kTimeout;  // RFC 1918: route-all does not explain it
  fx.observations.targets.push_back(t);
  fx.route_all = route_all_with_arm(process_route_all(fx.app), fx.app,
                                    route_all_state(true, true, std::nullopt));
  EXPECT_TRUE(rules::route_path(fx.input()).findings.empty());
  auto out = rules::route_restart_pending(fx.input());
  ASSERT_EQ(ids_of(out), (std::vector<std::string>{"route.restart_pending"}));
  EXPECT_EQ(out.findings[0].evidence.at("not_routed"),
            "100.64.1.4 (timeout, kernel route pub0 via 192.0.2.1)");
  // Connected: routed, nothing pending.
  fx.observations.targets[0].connections[0].tcp = PhaseStatus::kOk;
  EXPECT_TRUE(rules::route_restart_pending(fx.input()).findings.empty());
  // Without ARM: no judgement.
  fx.route_all = process_route_all(fx.app);
  fx.observations.targets[0].connections[0].tcp = PhaseStatus::kTimeout;
  EXPECT_TRUE(rules::route_restart_pending(fx.input()).findings.empty());
}
