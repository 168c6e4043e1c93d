// ARM answers about the app's topology are outside input: the real ArmClient reads them (JSON
// parse, error bodies, retries, nextLink paging, URL trust) through read_topology, then the plane
// rules, the fix planner and the serve cache (topology_to_json / topology_from_json) use them.
// The answers come in the order read_topology asks (see fake_http.hpp for the format).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "arm_client.hpp"
#include "fake_http.hpp"
#include "finding_catalog.hpp"
#include "plan.hpp"
#include "plane_rules.hpp"
#include "planner.hpp"
#include "render.hpp"
#include "secrets.hpp"
#include "token.hpp"
#include "topology.hpp"

using namespace vnetdiag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vnetdiag::secrets::forget_all();
  if (size > 256 * 1024) return 0;
  fuzz::script_answers(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::InstantSleep instant;

  arm::TokenSource tokens({fuzz::fixed_credential()});
  arm::ArmOptions options;
  options.max_attempts = 3;
  arm::ArmClient client(options, tokens);

  arm::TopologyRequest request;
  request.subscription = "00000000-0000-0000-0000-000000000000";
  request.resource_group = "rg";
  request.app = "app";
  request.vault_names = {"kv1"};
  request.account_names = {"cs1", "cs-china"};
  request.zone_names = {"privatelink.vaultcore.azure.net",
                        "privatelink.cognitiveservices.azure.com"};
  request.zoneless_accounts = {"cs-china"};
  const arm::Topology topology = arm::read_topology(client, request);

  const std::vector<Target> targets = {
      {TargetKind::kKeyVault, "kv1.vault.azure.net", 443, "privatelink.vaultcore.azure.net"},
      {TargetKind::kCognitive, "cs1.cognitiveservices.azure.com", 443,
       "privatelink.cognitiveservices.azure.com"},
      {TargetKind::kCognitive, "cs-china.cognitiveservices.azure.cn", 443, ""}};
  const std::string rg_id = "/subscriptions/" + request.subscription + "/resourceGroups/rg";
  std::vector<Finding> findings = {
      make_finding("dns.public_address", targets[0].label(), "203.0.113.5"),
      make_finding("kv.public_source", targets[0].label(), "vault saw 203.0.113.9"),
      make_finding("dns.alias_missing", targets[1].label(), "no alias"),
      make_finding("cs.public_access_disabled", targets[2].label(), "HTTP 403")};
  arm::join_planes(topology, targets, rg_id, findings);

  Report report;
  report.findings = findings;
  report.verdict = verdict_of(findings);
  render_json(report);
  render_text(report, false);
  render_junit(report);

  // fix: the plan is written as JSON (fix_command.cpp, --plan-out) the way it does it.
  fix::PlanInput plan_input{&topology, targets, request.subscription, request.resource_group, {}};
  (void)fix::plan_to_json(fix::plan_repairs(plan_input)).dump(2);

  // check/serve keep the read as JSON between checks (check_command.cpp store_topology and
  // cached_topology): written the way the product writes it, read back the way it reads it.
  const std::string cached = arm::topology_cache_text(topology);
  try {
    const arm::Topology again = arm::topology_from_json(nlohmann::json::parse(cached));
    std::vector<Finding> more;
    arm::join_planes(again, targets, rg_id, more);
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
