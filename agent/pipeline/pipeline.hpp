#pragma once
// The pipeline every command shares: settings -> context -> probe plan -> observations -> rules ->
// report. check, serve and fix call it; none of them calls another command.
#include <map>
#include <string>
#include <vector>

#include "app_context.hpp"
#include "arm_client.hpp"
#include "context_rules.hpp"
#include "engine.hpp"
#include "model.hpp"
#include "result.hpp"
#include "settings.hpp"
#include "token.hpp"
#include "topology.hpp"

namespace vnetdiag {

struct PreparedCheck {
  CheckPlan plan;
  AppContext app;
  RouteAll route_all;
  std::map<std::string, std::string> context;  // shown at the top of every report
  // Reading ARM: off, or on with what the client needs (credentials come from the environment).
  bool arm = false;
  std::string arm_skip_reason;  // why ARM is not read, for the report
  std::string arm_endpoint, arm_audience, arm_authority, arm_ca_bundle, token_file, client_id;
  std::string subscription, resource_group, app_name;
  std::vector<std::string> search_subscriptions;  // --search-subscription
  bool no_resource_graph = false;                 // --no-resource-graph
  std::map<std::string, std::string> env;
  // serve: read ARM at most every arm_interval_s, joining the planes from the last read (kept in
  // arm_cache_file, private to the serve process) in between. Empty: read on every check.
  std::string arm_cache_file;
  double arm_interval_s = 0;
};

// env: the process environment (for the App Service context).
Result<PreparedCheck> prepare_check(const CheckSettings& settings,
                                    const std::map<std::string, std::string>& env);
// Runs the probes and the rules; a check that could not run at all is an error.
Result<Report> run_once(const PreparedCheck& prepared);

// ARM as the prepared check describes it: the credential chain, the endpoint and its CA bundle.
class ArmSession {
 public:
  ArmSession(const PreparedCheck& prepared, double request_timeout_s, double retry_budget_s);
  arm::ArmClient& client() { return client_; }

 private:
  arm::TokenSource tokens_;
  arm::ArmClient client_;
};

// Reads what the targets need (their zones, or the accounts' requiredZoneNames where the cloud
// table has no zone).
arm::Topology read_topology_for(arm::ArmClient& client, const PreparedCheck& prepared);
// The targets with the zones ARM named filled in.
std::vector<Target> targets_with_zones(const PreparedCheck& prepared,
                                       const arm::Topology& topology);

}  // namespace vnetdiag
