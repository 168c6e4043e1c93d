// Regression tests for outside input that once crashed, hung or leaked (issue 12): each input
// here is what a hostile or broken environment, token endpoint or ARM answer really sent.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "app_context.hpp"
#include "arm_client.hpp"
#include "arm_error.hpp"
#include "plane_rules.hpp"
#include "settings.hpp"
#include "token.hpp"
#include "topology.hpp"
#include "url_trust.hpp"

using namespace vnetdiag;
using namespace vnetdiag::arm;

TEST(HostileInput, HugeOwnerNameParsesInLinearTime) {
  // std::regex recursed once per character and overflowed the stack near 30,000.
  const std::string guid = "00000000-0000-0000-0000-000000000000";
  const std::string rg(200000, 'a');
  auto owner = parse_owner_name(guid + "+" + rg + "-EastUSwebspace-Linux");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->webspace_resource_group, rg);
  EXPECT_EQ(owner->region, "EastUS");
  auto junk = parse_owner_name(guid + "+" + std::string(200000, '-'));
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->region, "");
  EXPECT_FALSE(parse_owner_name(std::string(200000, 'f') + "+x"));
}

TEST(HostileInput, OwnerNameFormsStillParse) {
  auto a = parse_owner_name("00000000-0000-0000-0000-000000000000+my-rg-2-WestEuropewebspace");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->webspace_resource_group, "my-rg-2");
  EXPECT_EQ(a->region, "WestEurope");
  auto b = parse_owner_name("00000000-0000-0000-0000-000000000000+-EastUSwebspace");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->region, "");  // no resource group before the region
  EXPECT_FALSE(parse_owner_name("0000000g-0000-0000-0000-000000000000+rg-EastUSwebspace"));
}

TEST(HostileInput, HugeAuthorizationMessageParsesWithoutRecursion) {
  const std::string filler(50000, 'x');
  const std::string body =
      R"({"error":{"code":"AuthorizationFailed","message":"The client )" + filler +
      R"( does not have authorization to perform action 'Microsoft.Network/privateDnsZones/read' over scope '/x'"}})";
  const ArmError e = parse_arm_error(403, body);
  EXPECT_EQ(e.action, "Microsoft.Network/privateDnsZones/read");
  const ArmError open_quote =
      parse_arm_error(403, R"({"error":{"code":"AuthorizationFailed","message":"perform action ')" +
                               filler + "\"}}");
  EXPECT_EQ(open_quote.action, "");
  EXPECT_LE(open_quote.summary().size(), 500u);
}

TEST(HostileInput, RetryAfterIsClampedToOneToSixtySeconds) {
  const std::time_t now = 1700000000;
  EXPECT_FALSE(parse_retry_after("nan", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("1e9", now));
  EXPECT_EQ(*parse_retry_after("7", now), 7);
  EXPECT_EQ(*parse_retry_after("99999999999999999999999999", now), kMaxWaitS);
  // An HTTP-date: in the past, and 30 s ahead.
  EXPECT_LT(*parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
  EXPECT_EQ(*parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now), 30);
  for (const char* v : {"nan", "-5", "0", "Wed, 21 Oct 2015 07:28:00 GMT", "inf", "86400"}) {
    const double w = clamp_wait(parse_retry_after(v, now), 10);
    EXPECT_GE(w, kMinWaitS) << v;
    EXPECT_LE(w, kMaxWaitS) << v;
  }
  EXPECT_EQ(clamp_wait(std::nullopt, 10), 10);
  EXPECT_EQ(clamp_wait(std::numeric_limits<double>::quiet_NaN(), 10), 10);
}

TEST(HostileInput, TokenExpiryOfAnySizeIsAValueNotAnException) {
  const std::string forty(40, '9');
  for (const std::string& v : {"\"" + forty + "\"", forty, std::string("1e999"), std::string("-1"),
                               std::string("1.5e300"), std::string("\"2024-13-45 99:99:99\"")}) {
    const std::string body = R"({"access_token":"t","expires_on":)" + v + "}";
    Result<AccessToken> t = [&] {
      try {
        return parse_token_response(body, 1000);
      } catch (...) {
        ADD_FAILURE() << "threw on expires_on " << v;
        return Result<AccessToken>(fail("threw"));
      }
    }();
    if (t) {
      EXPECT_EQ(t->expires_on, 1000 + 300) << v;  // unknown: used briefly
    }
  }
}

TEST(HostileInput, TokenOnlyOverHttpsToTheArmOrigin) {
  const UrlOrigin arm = *origin_of("https://management.azure.com");
  EXPECT_EQ(arm.port, 443);
  EXPECT_FALSE(untrusted_arm_url(
      "https://management.azure.com/subscriptions/x/operations/1?api-version=1", arm));
  EXPECT_FALSE(untrusted_arm_url("https://MANAGEMENT.azure.com:443/x", arm));
  EXPECT_TRUE(untrusted_arm_url("http://management.azure.com/x", arm));
  EXPECT_TRUE(untrusted_arm_url("https://management.azure.com.evil.example/x", arm));
  EXPECT_TRUE(untrusted_arm_url("https://management.azure.com:8443/x", arm));
  EXPECT_TRUE(untrusted_arm_url("https://user@127.0.0.1/x", arm));
  EXPECT_TRUE(untrusted_arm_url("not a url", arm));
  const UrlOrigin twin = *origin_of("https://127.0.0.1:4443");
  EXPECT_FALSE(untrusted_arm_url("https://127.0.0.1:4443/op", twin));
  EXPECT_TRUE(untrusted_arm_url("https://127.0.0.1:4444/op", twin));
  EXPECT_FALSE(untrusted_token_endpoint("http://127.0.0.1:8081/msi/token?x=1", true));
  EXPECT_FALSE(untrusted_token_endpoint("http://169.254.169.254/metadata/identity", true));
  EXPECT_TRUE(untrusted_token_endpoint("http://10.1.2.3/msi/token", true));
  EXPECT_TRUE(untrusted_token_endpoint("http://127.0.0.1/oauth2", false));
  EXPECT_FALSE(untrusted_token_endpoint("https://login.microsoftonline.com/t", false));
}

TEST(HostileInput, ArmEndpointMustBeHttpsAndACloudOrCarryItsCa) {
  const auto validate = [](const std::string& endpoint, const std::string& ca) -> bool {
    CheckSettings s;
    s.arm_endpoint.set(endpoint, vnetdiag::Origin::kFlag);
    s.arm_ca_bundle.set(ca, vnetdiag::Origin::kFlag);
    return static_cast<bool>(vnetdiag::validate(s));
  };
  EXPECT_TRUE(validate("https://management.azure.com", ""));
  EXPECT_TRUE(validate("https://management.chinacloudapi.cn/", ""));
  EXPECT_FALSE(validate("http://management.azure.com", ""));
  EXPECT_FALSE(validate("https://arm.example.org", ""));
  EXPECT_TRUE(validate("https://127.0.0.1:4443", "/dev/null"));
  EXPECT_FALSE(validate("http://127.0.0.1:4443", "/dev/null"));
}

TEST(HostileInput, ConfigNumberBeyondDoubleIsAnError) {
  const std::string path = ::testing::TempDir() + "vnetdiag-1e999.json";
  std::ofstream(path) << R"({"timeout": 1e999})";
  CheckSettings s;
  Result<bool> r = [&] {
    try {
      return apply_config_file(path, s);
    } catch (...) {
      ADD_FAILURE() << "threw";
      return Result<bool>(fail("threw"));
    }
  }();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("config file"), std::string::npos);
}

namespace {

Topology tutorial_like() {
  Topology t;
  t.site = nlohmann::json::parse(
      R"({"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app","properties":{"virtualNetworkSubnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/i"}})");
  t.vaults = {nlohmann::json::parse(
      R"({"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1","name":"kv1","properties":{"networkAcls":{"defaultAction":"Deny"}}})")};
  return t;
}

std::vector<std::string> ids_of(const std::vector<Finding>& fs) {
  std::vector<std::string> ids;
  for (const auto& f : fs) ids.push_back(f.id);
  return ids;
}

Target vault_target() {
  Target t;
  t.kind = TargetKind::kKeyVault;
  t.host = "kv1.vault.azure.net";
  t.privatelink_zone = "privatelink.vaultcore.azure.net";
  return t;
}

}  // namespace

TEST(HostileInput, UnreadListNeverBecomesAMissingResource) {
  // The zones list was refused (403): "zone missing" would be a wrong cause, and fix would
  // create a duplicate. The gap is named instead.
  Topology t = tutorial_like();
  t.unread.insert("private endpoints");
  t.unread.insert("private DNS zones");
  t.errors.push_back("list private DNS zones /subscriptions/s/...: HTTP 403 AuthorizationFailed");
  std::vector<Finding> findings;
  join_planes(t, {vault_target()}, "/subscriptions/s/resourceGroups/rg", findings);
  const auto ids = ids_of(findings);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "arm.read_incomplete"), ids.end());
  for (const char* wrong : {"arm.zone_missing", "arm.endpoint_missing", "arm.zone_not_linked",
                            "arm.zone_group_missing"})
    EXPECT_EQ(std::find(ids.begin(), ids.end(), wrong), ids.end()) << wrong;

  Topology vaults_unread = tutorial_like();
  vaults_unread.vaults.clear();
  vaults_unread.unread.insert("vaults");
  std::vector<Finding> f2;
  join_planes(vaults_unread, {vault_target()}, "/subscriptions/s/resourceGroups/rg", f2);
  const auto ids2 = ids_of(f2);
  EXPECT_EQ(std::find(ids2.begin(), ids2.end(), "arm.target_not_found"), ids2.end());
}

TEST(HostileInput, WrongJsonTypesInArmBodiesAreIgnoredNotFatal) {
  Topology t = tutorial_like();
  t.private_endpoints = {nlohmann::json::parse(
      R"({"id":"pe","properties":{"privateLinkServiceConnections":"x","networkInterfaces":[1,{"id":5}],"customDnsConfigs":[{"ipAddresses":[7]}]}})")};
  t.zones = {nlohmann::json::parse(R"({"id":"z","name":"privatelink.vaultcore.azure.net"})")};
  t.a_records["privatelink.vaultcore.azure.net"] = {
      nlohmann::json::parse(R"({"name":"kv1","properties":"not an object"})"),
      nlohmann::json::parse(R"({"name":"kv1","properties":{"aRecords":{"ipv4Address":3}}})")};
  t.vnet = nlohmann::json::parse(R"({"properties":{"dhcpOptions":"x","subnets":7}})");
  t.subnet = nlohmann::json::parse(R"({"properties":[1,2]})");
  t.vnets = {nlohmann::json::parse(
      R"({"properties":{"subnets":[{"name":"vnet-integration-subnet","properties":5}]}})")};
  std::vector<Finding> findings;
  EXPECT_NO_THROW(join_planes(t, {vault_target()}, "/subscriptions/s/resourceGroups/rg", findings));
  EXPECT_EQ(t.endpoint_address(t.private_endpoints[0]), "");
}
