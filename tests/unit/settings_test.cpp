#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cli.hpp"
#include "cloud.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"

using namespace vnetdiag;

namespace {

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/vnetdiag-test-XXXXXX";
  const int fd = mkstemp(path);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Cli, FlagsOverrideEnvironmentOverrideConfig) {
  const std::string config =
      write_temp(R"({"keyvault": ["fromconfig"], "cloud": "AzureUSGovernment", "timeout": 4})");
  std::map<std::string, std::string> env = {{"VNETDIAG_CONFIG", config},
                                            {"VNETDIAG_KEYVAULT", "fromenv1,fromenv2"}};
  auto p = parse_check({"--timeout", "7"}, env);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->settings.keyvaults.value, (std::vector<std::string>{"fromenv1", "fromenv2"}));
  EXPECT_EQ(p->settings.keyvaults.origin, Origin::kEnvironment);
  EXPECT_EQ(p->settings.cloud.value, "AzureUSGovernment");
  EXPECT_EQ(p->settings.cloud.origin, Origin::kConfig);
  EXPECT_EQ(p->settings.timeout.value, 7);
  EXPECT_EQ(p->settings.timeout.origin, Origin::kFlag);
  std::remove(config.c_str());
}

TEST(Cli, BadInputIsOneClearError) {
  const std::map<std::string, std::string> none;
  EXPECT_NE(parse_check({"--nope"}, none).error().message.find("--nope"), std::string::npos);
  EXPECT_NE(parse_check({"-o", "yaml"}, none).error().message.find("text, json, junit, html or svg"),
            std::string::npos);
  EXPECT_NE(parse_check({"--cloud", "Mars"}, none).error().message.find("AzureCloud"),
            std::string::npos);
  EXPECT_NE(parse_check({"--timeout", "-1"}, none).error().message.find("--timeout"),
            std::string::npos);
  EXPECT_NE(parse_check({"--timeout", "soon"}, none).error().message.find("timeout"),
            std::string::npos);
  EXPECT_NE(
      parse_check({"--ca-bundle", "/nonexistent.pem"}, none).error().message.find("cannot be read"),
      std::string::npos);
  EXPECT_NE(
      parse_check({"--config", "/nonexistent.json"}, none).error().message.find("cannot read"),
      std::string::npos);
  for (auto message : {parse_check({"--nope"}, none).error().message})
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

// Boost's message template loops forever when a token holds one of its placeholders: the
// tokens are escaped, and the answer is one line that still names what was given.
TEST(Cli, TokensThatLookLikePlaceholdersDoNotHang) {
  const std::map<std::string, std::string> none;
  const auto value = parse_check({"--dns-timeout=%value%"}, none);
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().message.find("%25value%25"), std::string::npos) << value.error().message;
  EXPECT_NE(value.error().message.find("--dns-timeout"), std::string::npos);
  const auto name = parse_check({"--%canonical_option%"}, none);
  ASSERT_FALSE(name);
  EXPECT_NE(name.error().message.find("unrecognised option"), std::string::npos);
}

TEST(Cli, InvalidConfigFiles) {
  const std::map<std::string, std::string> none;
  const std::string broken = write_temp("{\"keyvault\": [");
  EXPECT_NE(parse_check({"--config", broken}, none).error().message.find("not valid JSON"),
            std::string::npos);
  const std::string unknown = write_temp(R"({"keyvalt": "x"})");
  EXPECT_NE(parse_check({"--config", unknown}, none).error().message.find("unknown key 'keyvalt'"),
            std::string::npos);
  const std::string wrong_type = write_temp(R"({"timeout": "10"})");
  EXPECT_NE(parse_check({"--config", wrong_type}, none).error().message.find("number"),
            std::string::npos);
  for (auto* p : {&broken, &unknown, &wrong_type}) std::remove(p->c_str());
}

TEST(Targets, BareNamesGetTheCloudsSuffixAndZone) {
  auto kv = keyvault_target("MyVault", *find_cloud("AzureCloud"));
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->host, "myvault.vault.azure.net");
  EXPECT_EQ(kv->privatelink_zone, "privatelink.vaultcore.azure.net");
  auto gov = cognitive_target("cs1", *find_cloud("azureusgovernment"));
  EXPECT_EQ(gov->host, "cs1.cognitiveservices.azure.us");
  EXPECT_EQ(gov->privatelink_zone, "privatelink.cognitiveservices.azure.us");
  auto cn = cognitive_target("cs1", *find_cloud("AzureChinaCloud"));
  EXPECT_EQ(cn->privatelink_zone, "");
  auto fqdn = keyvault_target("kv1.vault.azure.net.", *find_cloud("AzureCloud"));
  EXPECT_EQ(fqdn->host, "kv1.vault.azure.net");
}

TEST(Targets, NamesThatAreNotDnsNamesAreRejected) {
  const Cloud& c = *find_cloud("AzureCloud");
  for (const char* bad : {"", "kv 1", "-kv", "kv..vault.azure.net", "kv/1", "a$b"})
    EXPECT_FALSE(keyvault_target(bad, c).ok()) << bad;
  EXPECT_FALSE(is_dns_name(std::string(64, 'a') + ".example"));
}

TEST(Targets, CustomTargetsAndDnsServers) {
  auto t = custom_target("api.internal.example:8443");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, 8443);
  EXPECT_FALSE(custom_target("api.internal.example:99999").ok());
  EXPECT_FALSE(custom_target("localhost").ok());
  auto r = parse_dns_server("10.0.2.53:5353", "--dns-server");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->port, 5353);
  auto v6 = parse_dns_server("[fd00::53]:53", "--dns-server");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->address, "fd00::53");
  EXPECT_TRUE(parse_dns_server("fd00::53", "x").ok());
  EXPECT_FALSE(parse_dns_server("dns.example", "x").ok());
  EXPECT_FALSE(parse_dns_server("10.0.0.1:0", "x").ok());
}

TEST(ResolvConf, AppServiceEmbeddedResolver) {
  auto rc = parse_resolv_conf(
      "# This container is using an embedded dns resolver\n"
      "# The configured nameservers at startup are 168.63.129.16\n"
      "# The configured options for the listener at startup are timeout:1 attempts:5\n"
      "nameserver 127.0.0.11\n"
      "options ndots:0 timeout:15 attempts:2\n");
  EXPECT_TRUE(rc.embedded_resolver);
  EXPECT_EQ(rc.nameservers, std::vector<std::string>{"127.0.0.11"});
  EXPECT_EQ(rc.upstream_nameservers, std::vector<std::string>{"168.63.129.16"});
  EXPECT_EQ(rc.options, "ndots:0 timeout:15 attempts:2");
}

TEST(ResolvConf, GarbageLinesBecomeProblems) {
  auto rc = parse_resolv_conf(
      "nameserver\nnameserver not-an-ip\nnameserver 10.0.0.2\n\x01\x02 junk\nsearch x\n");
  EXPECT_EQ(rc.nameservers, std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(rc.problems.size(), 2u);
  auto missing = read_resolv_conf("/nonexistent/resolv.conf");
  EXPECT_TRUE(missing.nameservers.empty());
  EXPECT_EQ(missing.problems.size(), 1u);
}
