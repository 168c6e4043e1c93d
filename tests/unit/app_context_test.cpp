#include "app_context.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "context_rules.hpp"
#include "finding_catalog.hpp"

using namespace vnetdiag;

namespace {

std::set<std::string> ids(const std::vector<Finding>& findings) {
  std::set<std::string> out;
  for (const auto& f : findings) out.insert(f.id);
  return out;
}

const std::map<std::string, std::string> kAppEnv = {
    {"WEBSITE_SITE_NAME", "securebackend2021"},
    {"WEBSITE_RESOURCE_GROUP", "securebackendsetup"},
    {"WEBSITE_OWNER_NAME",
     "00000000-1111-2222-3333-444444444444+securebackendsetup-WestEuropewebspace-Linux"},
    {"WEBSITE_PRIVATE_IP", "10.0.0.4"},
    {"WEBSITE_INSTANCE_ID", "abc123"},
};

}  // namespace

TEST(OwnerName, Forms) {
  auto linux_form =
      parse_owner_name("00000000-0000-0000-0000-000000000000+test-rg-EastUSwebspace-Linux");
  ASSERT_TRUE(linux_form);
  EXPECT_EQ(linux_form->subscription, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(linux_form->webspace_resource_group, "test-rg");
  EXPECT_EQ(linux_form->region, "EastUS");
  auto windows_form =
      parse_owner_name("b999997b-0000-4000-8000-000000000001+testing-rg-EastUS2webspace");
  ASSERT_TRUE(windows_form);
  EXPECT_EQ(windows_form->region, "EastUS2");
  auto flex = parse_owner_name("00000000-0000-0000-0000-000000000000+flex");
  ASSERT_TRUE(flex);
  EXPECT_EQ(flex->webspace_resource_group, "");
  for (const char* bad :
       {"", "+rg-EastUSwebspace", "not-a-guid+rg-EastUSwebspace", "no plus at all"})
    EXPECT_FALSE(parse_owner_name(bad)) << bad;
}

TEST(EnvironBlock, NulSeparatedPairs) {
  static const char raw[] = "A=1\0WEBSITE_SITE_NAME=app\0broken\0=nokey\0B=x=y\0";
  const std::string block(raw, sizeof raw - 1);
  auto env = parse_environ_block(block);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("WEBSITE_SITE_NAME"), "app");
  EXPECT_EQ(env.at("B"), "x=y");
  EXPECT_EQ(env.size(), 3u);
}

TEST(AppContext, ValuesRememberTheirOrigin) {
  auto ctx = discover_context(kAppEnv, "", {});
  EXPECT_TRUE(ctx.in_app_service);
  EXPECT_EQ(ctx.get("subscription")->value, "00000000-1111-2222-3333-444444444444");
  EXPECT_EQ(ctx.get("subscription")->origin, "WEBSITE_OWNER_NAME");
  EXPECT_EQ(ctx.get("resource_group")->origin, "environment");
  auto flagged = discover_context(kAppEnv, "", ContextOverrides{{{"resource_group", "other-rg"}}});
  EXPECT_EQ(flagged.get("resource_group")->value, "other-rg");
  EXPECT_EQ(flagged.get("resource_group")->origin, "flag");
}

TEST(AppContext, FallsBackToPid1Environment) {
  char path[] = "/tmp/vnetdiag-environ-XXXXXX";
  const int fd = mkstemp(path);
  static const char raw[] = "WEBSITE_SITE_NAME=fromproc\0WEBSITE_PRIVATE_IP=10.0.0.5\0";
  const std::string block(raw, sizeof raw - 1);
  ASSERT_EQ(write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  close(fd);
  auto ctx = discover_context({{"PATH", "/usr/bin"}}, path, {});
  EXPECT_TRUE(ctx.in_app_service);
  EXPECT_EQ(ctx.get("app")->value, "fromproc");
  EXPECT_EQ(ctx.get("app")->origin, path);
  EXPECT_EQ(ctx.get("private_ip")->value, "10.0.0.5");
  std::remove(path);
  auto missing = discover_context({}, "/nonexistent/environ", {});
  EXPECT_FALSE(missing.in_app_service);
}

TEST(AppContext, GarbageBecomesProblemsNotCrashes) {
  auto env = kAppEnv;
  env["WEBSITE_OWNER_NAME"] = std::string(5000, 'x');
  env["WEBSITE_PRIVATE_IP"] = "ten.zero";
  env["WEBSITE_DNS_SERVER"] = "10.0.0.10,dns.corp";
  env["WEBSITE_VNET_ROUTE_ALL"] = "yes";
  auto ctx = discover_context(env, "", {});
  EXPECT_EQ(ctx.problems.size(), 4u);
  for (const auto& p : ctx.problems) EXPECT_LT(p.size(), 200u) << p;
  auto findings = context_findings(ctx, effective_route_all(ctx, ""), Observations{});
  EXPECT_EQ(ids(findings), std::set<std::string>{"context.bad_value"});
}

TEST(ContextRules, NotInAppAndNoIntegration) {
  EXPECT_EQ(ids(context_findings(discover_context({}, "", {}),
                                 RouteAll{"off", "default", {}, false}, {})),
            std::set<std::string>{"context.not_in_app"});
  auto env = kAppEnv;
  env.erase("WEBSITE_PRIVATE_IP");
  auto f =
      context_findings(discover_context(env, "", {}), RouteAll{"off", "default", {}, false}, {});
  EXPECT_EQ(ids(f), std::set<std::string>{"context.no_integration"});
  EXPECT_EQ(f[0].fm, 1);
}

TEST(RouteAll, DecisionTable) {
  auto with = [](const char* value) {
    auto env = kAppEnv;
    if (value) env["WEBSITE_VNET_ROUTE_ALL"] = value;
    return discover_context(env, "", {});
  };
  struct Row {
    const char* env;
    const char* flag;
    const char* effective;
    bool disagree;
  };
  for (const Row& row :
       {Row{nullptr, "", "off", false}, Row{"1", "", "on", false}, Row{"0", "", "off", false},
        Row{nullptr, "on", "on", false}, Row{"1", "off", "off", true}, Row{"0", "on", "on", true},
        Row{"1", "on", "on", false}}) {
    auto r = effective_route_all(with(row.env), row.flag);
    EXPECT_EQ(r.effective, row.effective) << (row.env ? row.env : "-") << "/" << row.flag;
    EXPECT_EQ(r.layers_disagree, row.disagree) << (row.env ? row.env : "-") << "/" << row.flag;
  }
}

TEST(ContextRules, NonRfc1918EndpointNeedsRouteAll) {
  Observations o;
  TargetObservation t{
      Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443, "privatelink.vaultcore.azure.net"},
      {},
      {},
      {}};
  ConnectionObservation c;
  c.address = "100.64.1.4";
  t.connections.push_back(c);
  o.targets.push_back(t);
  auto ctx = discover_context(kAppEnv, "", {});
  EXPECT_EQ(ids(context_findings(ctx, effective_route_all(ctx, "off"), o)),
            std::set<std::string>{"route.outside_vnet"});
  EXPECT_TRUE(context_findings(ctx, effective_route_all(ctx, "on"), o).empty());
  o.targets[0].connections[0].address = "10.0.1.4";
  EXPECT_TRUE(context_findings(ctx, effective_route_all(ctx, "off"), o).empty());
}

TEST(ContextRules, PublicFallbackAndWrongSource) {
  auto env = kAppEnv;
  env["WEBSITE_ALWAYS_FALLBACK_TO_PUBLIC_DNS"] = "1";
  env["WEBSITE_DNS_ALT_SERVER"] = "8.8.8.8";
  auto ctx = discover_context(env, "", {});
  Observations o;
  TargetObservation t{Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443, ""}, {}, {}, {}};
  ConnectionObservation c;
  c.address = "10.0.1.4";
  c.headers["x-ms-keyvault-network-info"] = "conn_type=Ipv4;addr=10.0.9.9;";
  t.connections.push_back(c);
  o.targets.push_back(t);
  auto f = context_findings(ctx, effective_route_all(ctx, ""), o);
  EXPECT_EQ(ids(f),
            (std::set<std::string>{"dns.public_fallback", "route.source_outside_integration"}));
}

TEST(ContextRules, SourceOfTheOtherFamilyIsNotCompared) {
  auto ctx = discover_context(kAppEnv, "", {});
  Observations o;
  TargetObservation t{Target{TargetKind::kKeyVault, "kv1.vault.azure.net", 443, ""}, {}, {}, {}};
  ConnectionObservation c;
  c.address = "fd00:1::4";
  c.headers["x-ms-keyvault-network-info"] =
      "conn_type=Ipv6;addr=fd00::4;act_addr_fam=InterNetworkV6;";
  t.connections.push_back(c);
  o.targets.push_back(t);
  EXPECT_TRUE(context_findings(ctx, effective_route_all(ctx, "on"), o).empty());
}
