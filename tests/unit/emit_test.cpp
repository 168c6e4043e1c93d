// fix --emit: the plan as az, Terraform (azapi) and Bicep. The az script is run by bash with `az`
// stood in by a function that records its arguments, so quoting is proved, not eyeballed.
#include "emit.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace vnetdiag;
using nlohmann::json;

namespace {

const std::string kRg = "/subscriptions/s1/resourceGroups/app-rg";
const std::string kHubRg = "/subscriptions/hub/resourceGroups/connectivity";
const std::string kVnet = kRg + "/providers/Microsoft.Network/virtualNetworks/spoke";
const std::string kLink = kHubRg +
                          "/providers/Microsoft.Network/privateDnsZones/"
                          "privatelink.vaultcore.azure.net/virtualNetworkLinks/vaultcore-zonelink";
const std::string kSite = kRg + "/providers/Microsoft.Web/sites/app";
const std::string kOldLink = kRg +
                             "/providers/Microsoft.Network/privateDnsZones/"
                             "privatelink.vaultcore.azure.net/virtualNetworkLinks/old";

fix::Plan plan() {
  fix::Plan p;
  fix::PlanStep vnet;
  vnet.key = "vnet";
  vnet.action = "create";
  vnet.resource_id = kVnet;
  vnet.method = "PUT";
  vnet.api_version = "2024-01-01";
  // A tag value with every character the three languages treat specially.
  vnet.body = {{"location", "westeurope"},
               {"tags", {{"owner", "it's ${team} %{x} \"q\" \\"}}},
               {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}}};
  vnet.subscription = "s1";
  vnet.repairs = "arm.vnet_missing";
  fix::PlanStep route;
  route.key = "routeall";
  route.action = "update";
  route.resource_id = kSite + "/config/web";
  route.method = "PATCH";
  route.api_version = "2023-12-01";
  route.body = {{"properties", {{"vnetRouteAllEnabled", true}}}};
  route.depends_on = {"vnet"};
  route.subscription = "s1";
  fix::PlanStep unlink;
  unlink.key = "unlink:privatelink.vaultcore.azure.net:spoke";
  unlink.action = "delete";
  unlink.resource_id = kOldLink;
  unlink.method = "DELETE";
  unlink.api_version = "2024-06-01";
  unlink.subscription = "s1";
  fix::PlanStep link;
  link.key = "link:privatelink.vaultcore.azure.net";
  link.action = "create";
  link.resource_id = kLink;
  link.method = "PUT";
  link.api_version = "2024-06-01";
  link.body = {
      {"location", "global"},
      {"properties", {{"virtualNetwork", {{"id", kVnet}}}, {"registrationEnabled", false}}}};
  link.depends_on = {"vnet", "unlink:privatelink.vaultcore.azure.net:spoke"};
  link.subscription = "hub";
  link.needs_subscription = "hub";
  // Listed before what it depends on: the emitters order by dependency.
  p.steps = {route, unlink, vnet};
  p.not_allowed = {link};
  p.refused = {"an endpoint's zone group is owned by policy"};
  return p;
}

std::string run_bash(const std::string& script) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/emit_az.sh", args = dir + "/emit_az.args";
  std::remove(args.c_str());
  {
    std::ofstream f(path);
    // The stand-in: one line per argument, a blank line after each call.
    f << "az() { printf '%s\\n' \"$@\" >>'" << args << "'; echo >>'" << args << "'; }\n" << script;
  }
  EXPECT_EQ(std::system(("bash -n " + path).c_str()), 0) << script;
  EXPECT_EQ(std::system(("bash " + path).c_str()), 0) << script;
  std::ifstream in(args);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t at(const std::string& text, const std::string& what) {
  const auto pos = text.find(what);
  EXPECT_NE(pos, std::string::npos) << "no '" << what << "' in\n" << text;
  return pos;
}

}  // namespace

TEST(Emit, AzScriptSendsExactlyTheBodiesInDependencyOrder) {
  const fix::Plan p = plan();
  const std::string script = fix::emit_plan(p, "az");
  const std::string calls = run_bash(script);
  // Every body reaches az byte for byte, quotes and all.
  for (const auto& s : {p.steps[2], p.steps[0]}) at(calls, "--body\n" + s.body.dump() + "\n");
  at(calls, "rest\n--method\nDELETE\n--url\n" + kOldLink + "?api-version=2024-06-01\n");
  EXPECT_LT(at(calls, kVnet + "?api-version"), at(calls, kSite + "/config/web?api-version"));
  EXPECT_LT(at(calls, "--deleted\n--ids\n" + kOldLink), at(calls, kLink + "?api-version"));
  at(calls, "wait\n--created\n--ids\n" + kVnet);
  // The held-back step is there, marked for whoever owns its subscription.
  at(script, "held back by fix: needs subscription hub");
  at(script, "# not planned: an endpoint's zone group is owned by policy");
}

TEST(Emit, TerraformDeclaresNewResourcesUpdatesExistingAndNeverDeclaresADelete) {
  const std::string tf = fix::emit_plan(plan(), "terraform");
  at(tf, "source  = \"Azure/azapi\"");
  const auto vnet = at(tf, "resource \"azapi_resource\" \"vnet_spoke\" {");
  at(tf,
     "  type      = \"Microsoft.Network/virtualNetworks@2024-01-01\"\n  name      = \"spoke\"\n"
     "  parent_id = \"" +
         kRg + "\"\n  location = \"westeurope\"");
  at(tf, "owner = \"it's $${team} %%{x} \\\"q\\\" \\\\\"");
  const auto route = at(tf, "resource \"azapi_update_resource\" \"routeall_web\" {");
  at(tf, "  resource_id = \"" + kSite + "/config/web\"");
  at(tf, "depends_on = [azapi_resource.vnet_spoke]");
  EXPECT_LT(vnet, route);
  at(tf, "# delete: remove the block that declares " + kOldLink);
  EXPECT_EQ(tf.find("\"unlink_old\""), std::string::npos);
  at(tf, "parent_id = \"" + kHubRg +
             "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net\"");
}

TEST(Emit, BicepIsOneModulePerGroupWithPatchesAndDeletesAsComments) {
  const std::string b = fix::emit_plan(plan(), "bicep");
  const auto app = at(b, "// ===== module 1: subscription s1, resource group app-rg");
  const auto hub = at(b, "// ===== module 2: subscription hub, resource group connectivity");
  EXPECT_LT(app, hub);
  at(b, "resource vnet_spoke 'Microsoft.Network/virtualNetworks@2024-01-01' = {\n  name: 'spoke'");
  at(b, "owner: 'it\\'s \\${team} %{x} \"q\" \\\\'");
  at(b, "// update: set these properties in the declaration that owns " + kSite + "/config/web");
  EXPECT_EQ(b.find("resource routeall"), std::string::npos);
  at(b, "az resource delete --ids " + kOldLink);
  at(b, "name: 'privatelink.vaultcore.azure.net/vaultcore-zonelink'");
  at(b, "// deploy after module 1");
}

TEST(Emit, AnEmptyPlanSaysSo) {
  for (const auto& f : fix::emit_formats()) at(fix::emit_plan(fix::Plan{}, f), "nothing to change");
}
