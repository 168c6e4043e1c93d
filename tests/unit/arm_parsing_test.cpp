#include <gtest/gtest.h>

#include "arm_client.hpp"
#include "arm_error.hpp"
#include "resource_id.hpp"
#include "token.hpp"

using namespace vnetdiag::arm;

TEST(ResourceId, ParsesNestedChildrenAndComparesCaseInsensitively) {
  auto id = parse_resource_id(
      "/subscriptions/sub1/resourceGroups/securebackendsetup/providers/Microsoft.Network/"
      "virtualNetworks/"
      "securebackend-vnet/subnets/vnet-integration-subnet");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->subscription, "sub1");
  EXPECT_EQ(id->resource_group, "securebackendsetup");
  EXPECT_EQ(id->type(), "Microsoft.Network/virtualNetworks/subnets");
  EXPECT_EQ(id->name(), "vnet-integration-subnet");
  EXPECT_EQ(id->parent()->name(), "securebackend-vnet");
  EXPECT_TRUE(same_resource(
      id->str(),
      "/SUBSCRIPTIONS/sub1/resourcegroups/SecureBackendSetup/providers/microsoft.network/"
      "virtualnetworks/securebackend-vnet/subnets/vnet-integration-subnet"));
  auto zone = parse_resource_id(
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/"
      "privatelink.vaultcore.azure.net");
  ASSERT_TRUE(zone);
  EXPECT_EQ(zone->name(), "privatelink.vaultcore.azure.net");
  for (const char* bad :
       {"", "subscriptions/s", "/subscriptions//resourceGroups/rg",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks"})
    EXPECT_FALSE(parse_resource_id(bad)) << bad;
}

TEST(Token, ExpiresOnAsStringNumberOrExpiresIn) {
  auto mi = parse_token_response(
      R"({"access_token":"abc","expires_on":"1700000000","resource":"x","token_type":"Bearer"})",
      1);
  ASSERT_TRUE(mi.ok());
  EXPECT_EQ(mi->expires_on, 1700000000);
  auto num = parse_token_response(R"({"access_token":"abc","expires_on":1700000001})", 1);
  EXPECT_EQ(num->expires_on, 1700000001);
  auto in = parse_token_response(R"({"access_token":"abc","expires_in":3599})", 1000);
  EXPECT_EQ(in->expires_on, 4599);
  auto in_str = parse_token_response(R"({"access_token":"abc","expires_in":"60"})", 1000);
  EXPECT_EQ(in_str->expires_on, 1060);
  auto cli =
      parse_token_response(R"({"accessToken":"abc","expiresOn":"2023-11-22 14:33:44.000000"})", 1);
  EXPECT_EQ(cli->expires_on, 1700663624);
  EXPECT_FALSE(parse_token_response("not json", 1).ok());
  EXPECT_FALSE(parse_token_response(R"({"token_type":"Bearer"})", 1).ok());
  EXPECT_FALSE(parse_token_response("[1,2]", 1).ok());
}

TEST(Token, JwtExpiryClaim) {
  // header {"alg":"none"} . payload {"exp":1700000000} . empty signature
  EXPECT_EQ(jwt_expiry("eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.sig"), 1700000000);
  EXPECT_EQ(jwt_expiry("opaque-token"), 0);
}

TEST(Credentials, ChainOrderAndAvailability) {
  CredentialSettings s;
  s.audience = "https://management.azure.com/";
  s.authority = "https://login.microsoftonline.com";
  std::map<std::string, std::string> env = {{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"},
                                            {"IDENTITY_HEADER", "h"},
                                            {"AZURE_TENANT_ID", "t"},
                                            {"AZURE_CLIENT_ID", "c"},
                                            {"AZURE_CLIENT_SECRET", "s"},
                                            {"PATH", "/nonexistent"}};
  auto chain = credential_chain(s, env);
  std::vector<std::string> available;
  for (const auto& c : chain)
    if (c.available()) available.push_back(c.name);
  // DefaultAzureCredential's order: the environment's service principal before managed identity.
  ASSERT_EQ(available.size(), 2u);
  EXPECT_EQ(available[0], "service principal (AZURE_CLIENT_SECRET)");
  EXPECT_EQ(available[1], "App Service managed identity");
  env["AZURE_ACCESS_TOKEN"] = "explicit";
  auto explicit_first = credential_chain(s, env);
  for (const auto& c : explicit_first)
    if (c.available()) {
      EXPECT_EQ(c.name, "AZURE_ACCESS_TOKEN");
      break;
    }
}

TEST(Credentials, NoCredentialsSaysWhatToSet) {
  // IMDS pointed at a closed loopback port and no az on PATH: nothing leaves this machine.
  TokenSource tokens(credential_chain(
      CredentialSettings{},
      {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:1"}, {"PATH", "/nonexistent"}}));
  auto t = tokens.get();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message.rfind("no Azure credential worked", 0), 0u) << t.error().message;
  EXPECT_NE(t.error().message.find("IDENTITY_ENDPOINT"), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().message.find('\n'), std::string::npos);
}

TEST(ArmError, WrappedUnwrappedAndAuthorization) {
  auto wrapped = parse_arm_error(
      404,
      R"({"error":{"code":"ResourceGroupNotFound","message":"Resource group 'x' could not be found."}})");
  EXPECT_EQ(wrapped.code, "ResourceGroupNotFound");
  auto web = parse_arm_error(
      409,
      R"({"Code":"Conflict","Message":"The plan limit","Details":[{"Message":"m"},{"ErrorEntity":{"ExtendedCode":"59301","Code":"Conflict"}}]})");
  EXPECT_EQ(web.code, "Conflict");
  EXPECT_EQ(web.extended_code, "59301");
  EXPECT_NE(web.summary().find("59301"), std::string::npos);
  auto auth = parse_arm_error(
      403,
      R"({"error":{"code":"AuthorizationFailed","message":"The client 'a' with object id 'b' does not have authorization to perform action 'Microsoft.Network/privateDnsZones/write' over scope '/subscriptions/s' or the scope is invalid."}})");
  EXPECT_EQ(auth.action, "Microsoft.Network/privateDnsZones/write");
  EXPECT_NE(auth.summary().find("Private DNS Zone Contributor"), std::string::npos);
  auto garbage = parse_arm_error(502, "<html>bad gateway</html>");
  EXPECT_EQ(garbage.code, "HTTP502");
  EXPECT_EQ(garbage.summary().find('\n'), std::string::npos);
}

TEST(ArmClient, RetryableStatuses) {
  for (long s : {0L, 408L, 429L, 500L, 502L, 503L, 504L}) {
    ArmResponse r;
    r.status = s;
    EXPECT_TRUE(is_retryable(r)) << s;
  }
  for (long s : {200L, 400L, 403L, 404L, 412L}) {
    ArmResponse r;
    r.status = s;
    EXPECT_FALSE(is_retryable(r)) << s;
  }
  ArmResponse busy;
  busy.status = 409;
  busy.error = ArmError{"AnotherOperationInProgress", "", "", ""};
  EXPECT_TRUE(is_retryable(busy));
  EXPECT_NE(new_guid(), new_guid());
  EXPECT_EQ(new_guid().size(), 36u);
}
