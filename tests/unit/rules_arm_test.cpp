// The ARM rules (arm_integration, network, route, arm_endpoint, arm_zone _rules.cpp) over typed
// ARM state written as literals.
#include <gtest/gtest.h>

#include <cctype>

#include "arm_state.hpp"
#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

const std::string kRgId = "/subscriptions/s/resourceGroups/rg";
const std::string kVnetId = kRgId + "/providers/Microsoft.Network/virtualNetworks/vnet";
const std::string kSubnetId = kVnetId + "/subnets/vnet-integration-subnet";
const std::string kVaultId = kRgId + "/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kPeId = kRgId + "/providers/Microsoft.Network/privateEndpoints/kv-pe";
const std::string kZoneName = "privatelink.vaultcore.azure.net";
const std::string kZoneId = kRgId + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;

std::string lower_id(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

arm::Subnet delegated_subnet() {
  arm::Subnet s;
  s.id = kSubnetId;
  s.name = "vnet-integration-subnet";
  s.address_prefix = "10.0.0.0/26";
  s.delegations = {arm::Delegation{"d", "Microsoft.Web/serverFarms"}};
  return s;
}

// The tutorial's end state: integrated, private vault, endpoint approved, zone linked, grouped.
arm::ArmState tutorial() {
  arm::ArmState s;
  s.site = arm::Site{};
  s.site->id = kRgId + "/providers/Microsoft.Web/sites/app";
  s.site->virtual_network_subnet_id = kSubnetId;
  s.site->https_only = true;
  s.site->vnet_route_all_enabled = true;
  s.subnet = delegated_subnet();
  s.vnet = arm::Vnet{};
  s.vnet->id = kVnetId;
  s.plan = arm::Plan{};
  s.plan->id = kRgId + "/providers/Microsoft.Web/serverfarms/plan";
  s.plan->sku_tier = "PremiumV3";
  arm::Vault v;
  v.id = kVaultId;
  v.name = "kv1";
  v.network_acls = arm::NetworkAcls{"Deny", {}, {}, {}};
  v.private_endpoint_connections = {arm::PrivateEndpointConnection{{}, {}, kPeId, "Approved", {}}};
  s.vaults = {v};
  arm::PrivateEndpoint pe;
  pe.id = kPeId;
  pe.connections = {arm::ServiceConnection{{}, {}, kVaultId, {"vault"}, "Approved", {}}};
  pe.custom_dns_configs = {arm::CustomDnsConfig{"kv1.vault.azure.net", {"10.0.1.4"}}};
  s.private_endpoints = {pe};
  arm::PrivateDnsZone zone;
  zone.id = kZoneId;
  zone.name = kZoneName;
  s.zones = {zone};
  arm::VnetLink link;
  link.zone = kZoneName;
  link.virtual_network_id = kVnetId;
  s.links[kZoneName] = {link};
  arm::ZoneGroup group;
  group.name = "default";
  group.zone_configs = {arm::ZoneConfig{"c", kZoneId}};
  s.zone_groups[lower_id(kPeId)] = {group};
  arm::ARecordSet rs;
  rs.zone = kZoneName;
  rs.name = "kv1";
  rs.records = {arm::ARecord{"10.0.1.4"}};
  s.a_records[kZoneName] = {rs};
  return s;
}

struct ArmFixture {
  arm::ArmState state = tutorial();
  RuleFixture fx;
  ArmFixture() {
    fx.targets = {vault()};
    fx.targets[0].host = "kv1.vault.azure.net";
    fx.rg_id = kRgId;
  }
  RuleInput input() {
    fx.arm = &state;
    return fx.input();
  }
  RuleInput target() {
    fx.arm = &state;
    return fx.arm_target(0);
  }
};

std::vector<std::string> all_rules(ArmFixture& a) {
  std::vector<Finding> findings;
  run_rules(a.input(), findings, Part::kArm);
  return ids_of(findings);
}

}  // namespace

TEST(RulesArm, TutorialEndStateHasNoArmFindings) {
  ArmFixture a;
  EXPECT_EQ(all_rules(a), std::vector<std::string>{});
}

TEST(RulesArm, NothingWithoutArmButTheNotReadFinding) {
  RuleFixture fx;
  fx.targets = {vault()};
  std::vector<Finding> findings;
  run_rules(fx.input(), findings, Part::kArm);
  EXPECT_EQ(ids_of(findings), std::vector<std::string>{"arm.not_read"});
}

TEST(RulesArm, ReadGapsNameTheRedirect) {
  ArmFixture a;
  a.state.errors = {"GET vaults: 403 AuthorizationFailed", "GET x: UntrustedRedirect to y"};
  EXPECT_EQ(ids_of(rules::arm_read_gaps(a.input())),
            (std::vector<std::string>{"arm.read_incomplete", "arm.untrusted_redirect"}));
}

TEST(RulesArm, SiteNotIntegratedAndItsCandidateSubnetNotDelegated) {
  ArmFixture a;
  a.state.site->virtual_network_subnet_id.reset();
  arm::Vnet vnet;
  vnet.subnets = {delegated_subnet()};
  vnet.subnets[0].delegations.clear();
  a.state.vnets = {vnet};
  EXPECT_EQ(ids_of(rules::site_not_integrated(a.input())),
            std::vector<std::string>{"arm.integration_missing"});
  const auto out = rules::candidate_subnet_delegation(a.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.subnet_not_delegated"});
  EXPECT_EQ(out.findings[0].cause->resource_id, kSubnetId);
}

TEST(RulesArm, HttpsOnlyOffOnlyWhenFalse) {
  ArmFixture a;
  a.state.site->https_only = false;
  EXPECT_EQ(ids_of(rules::https_only_off(a.input())),
            std::vector<std::string>{"arm.https_only_off"});
  a.state.site->https_only.reset();
  EXPECT_TRUE(rules::https_only_off(a.input()).findings.empty());
}

TEST(RulesArm, PlanBelowStandard) {
  ArmFixture a;
  a.state.plan->sku_tier = "Basic";
  const auto out = rules::plan_tier(a.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.plan_below_standard"});
  EXPECT_EQ(out.findings[0].cause->actual, "Basic");
}

TEST(RulesArm, IntegrationSubnetDelegatedAndLargeEnough) {
  ArmFixture a;
  a.state.subnet->delegations.clear();
  a.state.subnet->address_prefix = "10.0.0.0/28";
  EXPECT_EQ(ids_of(rules::integration_subnet(a.input())),
            (std::vector<std::string>{"arm.subnet_not_delegated", "arm.subnet_too_small"}));
}

TEST(RulesArm, CustomDnsOnTheVnet) {
  ArmFixture a;
  a.state.vnet->dns_servers = {"10.0.2.53", "10.0.2.54"};
  const auto out = rules::custom_dns(a.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.custom_dns"});
  EXPECT_EQ(out.findings[0].cause->resource_id, kVnetId);
  EXPECT_EQ(out.findings[0].cause->actual, "10.0.2.53, 10.0.2.54");
}

// A VNet server the probes asked, that gave every target the private endpoint, is evidently a
// forwarder that works: no warning. Asked nothing, or one wrong answer, and the warning stays.
TEST(RulesArm, CustomDnsSeenForwardingIsNotAWarning) {
  ArmFixture a;
  a.state.vnet->dns_servers = {"10.0.2.54"};
  TargetObservation t = testdata::healthy_vault();
  for (auto& d : t.dns) d.resolver = "10.0.2.54";
  a.fx.observations.targets = {t};
  EXPECT_TRUE(rules::custom_dns(a.input()).findings.empty());
  a.state.vnet->dns_servers = {"10.0.2.99"};  // the probes asked another server
  EXPECT_EQ(ids_of(rules::custom_dns(a.input())), std::vector<std::string>{"arm.custom_dns"});
  a.state.vnet->dns_servers = {"10.0.2.54"};
  a.fx.observations.targets[0].dns[0] = testdata::answered(
      "10.0.2.54", {"kv1.vault.azure.net", "data-prod-weu.vaultcore.azure.net"}, {"203.0.113.10"});
  EXPECT_EQ(ids_of(rules::custom_dns(a.input())), std::vector<std::string>{"arm.custom_dns"});
}

TEST(RulesArm, RouteAllLayersDisagree) {
  ArmFixture a;
  a.state.app_settings = arm::AppSettings{};
  a.state.app_settings->website_vnet_route_all = "0";
  const auto out = rules::arm_route_all_layers(a.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.routeall_layers_disagree"});
  EXPECT_EQ(out.findings[0].cause->actual,
            "site vnetRouteAllEnabled=true, app setting WEBSITE_VNET_ROUTE_ALL=false");
}

TEST(RulesArm, RouteAllIsTheCauseOfAnEndpointOutsideTheVnet) {
  ArmFixture a;
  a.state.site->vnet_route_all_enabled.reset();
  const auto out = rules::arm_route_all_cause(a.input());
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_FALSE(out.causes[0].target);
  EXPECT_EQ(out.causes[0].cause.actual, "false (unset)");
}

TEST(RulesArm, TargetExposure) {
  ArmFixture a;
  a.state.vaults[0].network_acls.reset();
  const auto out = rules::target_exposure(a.target());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.vault_public@kv1.vault.azure.net"});
  EXPECT_EQ(out.findings[0].cause->actual, "Allow (unset)");
  a.state.vaults.clear();
  EXPECT_EQ(ids_of(rules::target_exposure(a.target())),
            std::vector<std::string>{"arm.target_not_found@kv1.vault.azure.net"});
  a.state.unread.insert("vaults");
  EXPECT_TRUE(rules::target_exposure(a.target()).findings.empty());
}

TEST(RulesArm, AccountExposure) {
  ArmFixture a;
  a.fx.targets = {Target{TargetKind::kCognitive, "cs1.cognitiveservices.azure.com", 443, ""}};
  arm::Account account;
  account.id = kRgId + "/providers/Microsoft.CognitiveServices/accounts/cs1";
  account.name = "cs1";
  account.public_network_access = "Enabled";
  a.state.accounts = {account};
  EXPECT_EQ(ids_of(rules::target_exposure(a.target())),
            std::vector<std::string>{"arm.account_public@cs1.cognitiveservices.azure.com"});
  // Selected networks (firewall denies by default) is not public, nor is Disabled.
  a.state.accounts[0].network_acls = arm::NetworkAcls{};
  a.state.accounts[0].network_acls->default_action = "Deny";
  EXPECT_TRUE(rules::target_exposure(a.target()).findings.empty());
  a.state.accounts[0].network_acls->default_action = "Allow";
  a.state.accounts[0].public_network_access = "Disabled";
  EXPECT_TRUE(rules::target_exposure(a.target()).findings.empty());
}

// A vault with publicNetworkAccess Disabled has no public path whatever its firewall's default.
TEST(RulesArm, VaultWithPublicAccessDisabledIsNotPublic) {
  ArmFixture a;
  a.state.vaults[0].network_acls = arm::NetworkAcls{};
  a.state.vaults[0].network_acls->default_action = "Allow";
  ASSERT_EQ(rules::target_exposure(a.target()).findings.size(), 1U);
  a.state.vaults[0].public_network_access = "Disabled";
  EXPECT_TRUE(rules::target_exposure(a.target()).findings.empty());
}

TEST(RulesArm, ZoneGroupOwnedByPolicy) {
  ArmFixture a;
  a.state.zone_groups[lower_id(kPeId)][0].name = "deployedByPolicy";
  EXPECT_EQ(ids_of(rules::zone_group_policy_owned(a.target())),
            std::vector<std::string>{"arm.zone_group_policy_owned@kv1.vault.azure.net"});
}

TEST(RulesArm, DnsRootCauseIsTheFirstWrongLinkAndCausesTheSymptoms) {
  ArmFixture a;
  EXPECT_TRUE(rules::dns_root_cause(a.target()).findings.empty());
  auto first = [&] {
    const auto out = rules::dns_root_cause(a.target());
    return out.findings.empty() ? std::string() : out.findings[0].id;
  };
  a.state.a_records[kZoneName][0].records = {arm::ARecord{"10.0.1.99"}};
  EXPECT_EQ(first(), "arm.record_stale");
  a.state.links[kZoneName].clear();
  EXPECT_EQ(first(), "arm.zone_not_linked");
  a.state.zones.clear();
  EXPECT_EQ(first(), "arm.zone_missing");
  a.state.private_endpoints[0].connections[0].status = "Pending";
  EXPECT_EQ(first(), "arm.connection_not_approved");
  a.state.private_endpoints.clear();
  const auto out = rules::dns_root_cause(a.target());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.endpoint_missing@kv1.vault.azure.net"});
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].target, "kv1.vault.azure.net");
  EXPECT_EQ(out.causes[0].cause.resource_id, kVaultId);
}

TEST(RulesArm, ZoneGroupMissingWhenNeitherGroupNorRecord) {
  ArmFixture a;
  a.state.zone_groups.clear();
  a.state.a_records.clear();
  EXPECT_EQ(ids_of(rules::dns_root_cause(a.target())),
            std::vector<std::string>{"arm.zone_group_missing@kv1.vault.azure.net"});
}

TEST(RulesArm, ResourcesLeftFailedAreNamedWithTheirId) {
  ArmFixture a;
  EXPECT_EQ(ids_of(rules::provisioning_failed(a.input())), std::vector<std::string>{});
  a.state.private_endpoints[0].provisioning_state = "Failed";
  a.state.zone_groups[lower_id(kPeId)][0].provisioning_state = "Succeeded";
  const RuleOutput out = rules::provisioning_failed(a.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.provisioning_failed"});
  ASSERT_TRUE(out.findings[0].cause);
  EXPECT_EQ(out.findings[0].cause->resource_id, kPeId);
  EXPECT_EQ(out.findings[0].cause->actual, "Failed");
  // The whole ARM part of the table reports it too.
  EXPECT_EQ(all_rules(a), std::vector<std::string>{"arm.provisioning_failed"});
}
