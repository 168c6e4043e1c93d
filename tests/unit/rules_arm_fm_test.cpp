// The ARM rules of failure modes that had no detection before issue 14: FM-02 (an instance without
// its integration address), FM-05 (VNet in another region), FM-25 (provider not registered where
// the endpoint is), FM-27 (account without a custom subdomain). Typed ARM state as literals.
#include <gtest/gtest.h>

#include "arm_state.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

const std::string kRgId = "/subscriptions/s/resourceGroups/rg";
const std::string kVnetId = kRgId + "/providers/Microsoft.Network/virtualNetworks/vnet";
const std::string kSubnetId = kVnetId + "/subnets/vnet-integration-subnet";
const std::string kVaultId = kRgId + "/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kAccountId = kRgId + "/providers/Microsoft.CognitiveServices/accounts/cs1";
const std::string kPeId = kRgId + "/providers/Microsoft.Network/privateEndpoints/kv-pe";

arm::Subnet integration_subnet(const std::string& prefix) {
  arm::Subnet s;
  s.id = kSubnetId;
  s.name = "vnet-integration-subnet";
  s.address_prefix = prefix;
  s.delegations = {arm::Delegation{"d", "Microsoft.Web/serverFarms"}};
  return s;
}

arm::Vnet vnet(const std::string& location) {
  arm::Vnet v;
  v.id = kVnetId;
  v.name = "vnet";
  v.location = location;
  v.subnets = {integration_subnet("10.0.0.0/24")};
  return v;
}

// An app in West Europe, integrated into a VNet of the same region, with one vault target.
struct Fixture {
  arm::ArmState state;
  RuleFixture fx;
  Fixture() {
    state.site = arm::Site{};
    state.site->id = kRgId + "/providers/Microsoft.Web/sites/app";
    state.site->location = "West Europe";
    state.site->virtual_network_subnet_id = kSubnetId;
    state.subnet = integration_subnet("10.0.0.0/24");
    state.vnet = vnet("westeurope");
    state.vnets = {*state.vnet};
    state.plan = arm::Plan{};
    state.plan->id = kRgId + "/providers/Microsoft.Web/serverfarms/plan";
    state.plan->sku_capacity = 3;
    fx.rg_id = kRgId;
    fx.targets = {Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443,
                         "privatelink.vaultcore.azure.net"}};
    fx.app.in_app_service = true;
    fx.app.values["instance_id"] = ContextValue{"inst-7", "environment"};
    fx.app.values["private_ip"] = ContextValue{"10.0.0.4", "environment"};
  }
  RuleInput input() {
    fx.arm = &state;
    return fx.input();
  }
  RuleInput target(std::size_t i = 0) {
    fx.arm = &state;
    return fx.arm_target(i);
  }
};

// A vault whose only endpoint's connection is Pending, in subscription s.
void pending_vault(arm::ArmState& s) {
  arm::Vault v;
  v.id = kVaultId;
  v.name = "kv1";
  s.vaults = {v};
  arm::PrivateEndpoint pe;
  pe.id = kPeId;
  pe.name = "kv-pe";
  pe.connections = {arm::ServiceConnection{{}, {}, kVaultId, {"vault"}, "Pending", {}}};
  s.private_endpoints = {pe};
}

}  // namespace

// FM-05
TEST(RulesArmFm, IntegratedVnetInTheAppsRegionIsFine) {
  Fixture f;
  EXPECT_TRUE(rules::vnet_region(f.input()).findings.empty());
}

TEST(RulesArmFm, IntegratedVnetInAnotherRegionIsNamed) {
  Fixture f;
  f.state.vnet->location = "northeurope";
  const auto out = rules::vnet_region(f.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.vnet_region_mismatch"});
  ASSERT_TRUE(out.findings[0].cause);
  EXPECT_EQ(out.findings[0].cause->resource_id, kVnetId);
  EXPECT_EQ(out.findings[0].cause->property, "location");
  EXPECT_EQ(out.findings[0].cause->actual, "northeurope");
  EXPECT_EQ(out.findings[0].fm, 5);
}

TEST(RulesArmFm, NotIntegratedBecauseTheCandidateVnetIsInAnotherRegion) {
  Fixture f;
  f.state.site->virtual_network_subnet_id.reset();
  f.state.subnet.reset();
  f.state.vnet.reset();
  f.state.vnets = {vnet("North Europe")};
  const auto out = rules::vnet_region(f.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.vnet_region_mismatch"});
  EXPECT_NE(out.findings[0].summary.find("northeurope"), std::string::npos);
  // A VNet without a subnet the app could join is not a candidate.
  f.state.vnets[0].subnets[0].name = "other";
  f.state.vnets[0].subnets[0].delegations.clear();
  EXPECT_TRUE(rules::vnet_region(f.input()).findings.empty());
  // Same region spelt differently.
  f.state.vnets = {vnet("West Europe")};
  EXPECT_TRUE(rules::vnet_region(f.input()).findings.empty());
}

// FM-02
TEST(RulesArmFm, InstanceWithItsAddressIsFine) {
  Fixture f;
  EXPECT_TRUE(rules::instance_without_private_ip(f.input()).findings.empty());
}

TEST(RulesArmFm, IntegratedButThisInstanceHasNoAddress) {
  Fixture f;
  f.fx.app.values.erase("private_ip");
  f.state.subnet = integration_subnet("10.0.0.0/28");
  f.state.plan->sku_capacity = 12;
  const auto out = rules::instance_without_private_ip(f.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.instance_without_private_ip"});
  EXPECT_EQ(out.findings[0].evidence.at("instance_id"), "inst-7");
  EXPECT_NE(out.findings[0].summary.find("carries 5 instances"), std::string::npos);
  EXPECT_NE(out.findings[0].summary.find("runs 12: out of addresses"), std::string::npos);
  EXPECT_EQ(out.findings[0].cause->actual, "10.0.0.0/28");
  // It explains context.no_integration.
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].ids, std::vector<FindingId>{FindingId("context.no_integration")});
}

// With room in the subnet, running out of addresses is not the likely story: a restart is.
TEST(RulesArmFm, InstanceWithoutAddressInARoomySubnetIsToldToRestart) {
  Fixture f;
  f.fx.app.values.erase("private_ip");
  f.state.subnet = integration_subnet("10.0.0.0/26");
  f.state.plan->sku_capacity = 3;
  const auto out = rules::instance_without_private_ip(f.input());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.instance_without_private_ip"});
  EXPECT_EQ(out.findings[0].summary.find("out of addresses"), std::string::npos);
  EXPECT_NE(out.findings[0].summary.find("started before the integration"), std::string::npos);
}

TEST(RulesArmFm, NotIntegratedIsNotAnInstanceProblem) {
  Fixture f;
  f.fx.app.values.erase("private_ip");
  f.state.site->virtual_network_subnet_id.reset();
  EXPECT_TRUE(rules::instance_without_private_ip(f.input()).findings.empty());
  // Nor outside App Service.
  Fixture g;
  g.fx.app.values.erase("private_ip");
  g.fx.app.in_app_service = false;
  EXPECT_TRUE(rules::instance_without_private_ip(g.input()).findings.empty());
}

// FM-25
TEST(RulesArmFm, ProviderNotRegisteredWhereThePendingEndpointIs) {
  Fixture f;
  pending_vault(f.state);
  f.state.provider_states["s/microsoft.keyvault"] = "NotRegistered";
  const auto out = rules::provider_registration(f.target());
  ASSERT_EQ(ids_of(out),
            std::vector<std::string>{"arm.provider_not_registered@kv1.vault.azure.net"});
  EXPECT_EQ(out.findings[0].cause->resource_id, "/subscriptions/s/providers/Microsoft.KeyVault");
  EXPECT_EQ(out.findings[0].cause->actual, "NotRegistered");
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].target, "kv1.vault.azure.net");
}

TEST(RulesArmFm, ProviderRegisteredOrEndpointApprovedIsFine) {
  Fixture f;
  pending_vault(f.state);
  f.state.provider_states["s/microsoft.keyvault"] = "Registered";
  EXPECT_TRUE(rules::provider_registration(f.target()).findings.empty());
  f.state.provider_states["s/microsoft.keyvault"] = "NotRegistered";
  f.state.private_endpoints[0].connections[0].status = "Approved";
  EXPECT_TRUE(rules::provider_registration(f.target()).findings.empty());
  // Not read: nothing judged here (the read gap is arm.read_incomplete's).
  f.state.private_endpoints[0].connections[0].status = "Pending";
  f.state.provider_states.clear();
  EXPECT_TRUE(rules::provider_registration(f.target()).findings.empty());
}

// FM-16
namespace {
const std::string kZoneName = "privatelink.vaultcore.azure.net";
const std::string kZoneId = kRgId + "/providers/Microsoft.Network/privateDnsZones/" + kZoneName;

// The vault's zone, linked to the app's VNet, with a record for another vault only; the target
// (a partner's vault) is not in this resource group.
void linked_zone_without_the_name(arm::ArmState& s) {
  arm::PrivateDnsZone zone;
  zone.id = kZoneId;
  zone.name = kZoneName;
  s.zones = {zone};
  arm::VnetLink link;
  link.zone = kZoneName;
  link.id = kZoneId + "/virtualNetworkLinks/l1";
  link.virtual_network_id = kVnetId;
  s.links[kZoneName] = {link};
  arm::ARecordSet rs;
  rs.zone = kZoneName;
  rs.name = "ourvault";
  rs.records = {arm::ARecord{"10.0.1.4"}};
  s.a_records[kZoneName] = {rs};
}
}  // namespace

TEST(RulesArmFm, LinkWithoutFallbackMakesAnotherVaultNxdomain) {
  Fixture f;
  linked_zone_without_the_name(f.state);
  const auto out = rules::zone_link_fallback(f.target());
  ASSERT_EQ(ids_of(out), std::vector<std::string>{"arm.zone_link_no_fallback@kv1.vault.azure.net"});
  EXPECT_EQ(out.findings[0].fm, 16);
  EXPECT_EQ(out.findings[0].cause->resource_id, kZoneId + "/virtualNetworkLinks/l1");
  EXPECT_EQ(out.findings[0].cause->actual, "Default (unset)");
  EXPECT_EQ(out.findings[0].cause->expected, "NxDomainRedirect");
  ASSERT_EQ(out.causes.size(), 1U);
  EXPECT_EQ(out.causes[0].ids, std::vector<FindingId>{FindingId("dns.nxdomain")});
  f.state.links[kZoneName][0].resolution_policy = "Default";
  EXPECT_EQ(rules::zone_link_fallback(f.target()).findings.size(), 1U);
}

TEST(RulesArmFm, LinkWithFallbackOrARecordOrNotReadIsFine) {
  Fixture f;
  linked_zone_without_the_name(f.state);
  f.state.links[kZoneName][0].resolution_policy = "NxDomainRedirect";
  EXPECT_TRUE(rules::zone_link_fallback(f.target()).findings.empty());
  f.state.links[kZoneName][0].resolution_policy.reset();
  f.state.a_records[kZoneName][0].name = "KV1";
  EXPECT_TRUE(rules::zone_link_fallback(f.target()).findings.empty());
  f.state.a_records[kZoneName][0].name = "ourvault";
  f.state.unread.insert("a:" + kZoneName);
  EXPECT_TRUE(rules::zone_link_fallback(f.target()).findings.empty());
  f.state.unread.clear();
  // A link to another VNet only: zone_not_linked's business, not this.
  f.state.links[kZoneName][0].virtual_network_id = kRgId + "/providers/x/virtualNetworks/other";
  EXPECT_TRUE(rules::zone_link_fallback(f.target()).findings.empty());
}

// FM-27
TEST(RulesArmFm, AccountWithoutCustomSubdomain) {
  Fixture f;
  f.fx.targets = {Target{TargetKind::kCognitive, "cs1.cognitiveservices.azure.com", 443,
                         "privatelink.cognitiveservices.azure.com"}};
  arm::Account a;
  a.id = kAccountId;
  a.name = "cs1";
  a.endpoint = "https://westeurope.api.cognitive.microsoft.com/";
  f.state.accounts = {a};
  const auto out = rules::account_subdomain(f.target());
  ASSERT_EQ(ids_of(out),
            std::vector<std::string>{"arm.account_no_subdomain@cs1.cognitiveservices.azure.com"});
  EXPECT_EQ(out.findings[0].cause->property, "properties.customSubDomainName");
  EXPECT_EQ(out.findings[0].evidence.at("endpoint"),
            "https://westeurope.api.cognitive.microsoft.com/");
  ASSERT_EQ(out.causes.size(), 1U);
  // The endpoint chain is not judged for it: no endpoint_missing on top.
  EXPECT_TRUE(rules::dns_root_cause(f.target()).findings.empty());
  f.state.accounts[0].custom_sub_domain_name = "cs1";
  EXPECT_TRUE(rules::account_subdomain(f.target()).findings.empty());
  EXPECT_EQ(ids_of(rules::dns_root_cause(f.target())),
            std::vector<std::string>{"arm.endpoint_missing@cs1.cognitiveservices.azure.com"});
}
