#pragma once
// The app's Azure configuration as far as the check needs it, read starting from the app with few,
// concurrent requests: lists per resource group rather than a GET per guess.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "arm_client.hpp"

namespace vnetdiag::arm {

struct TopologyRequest {
  std::string subscription, resource_group, app;
  std::vector<std::string> vault_names, account_names;
  std::vector<std::string> zone_names;  // privatelink zones the targets need
  // Accounts whose zone the cloud table does not know (Cognitive Services in the China cloud):
  // their privateLinkResources' requiredZoneNames say it.
  std::vector<std::string> zoneless_accounts;
};

struct Topology {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's noexcept move
  nlohmann::json site, site_config, app_settings, plan, subnet, vnet;
  std::vector<nlohmann::json> vaults, accounts, private_endpoints, zones, vnets;
  std::map<std::string, std::vector<nlohmann::json>> links;  // zone name (lower) -> links
  std::map<std::string, std::vector<nlohmann::json>>
      a_records;  // zone name (lower) -> A record sets
  std::map<std::string, std::vector<nlohmann::json>> zone_groups;  // endpoint id (lower) -> groups
  std::map<std::string, nlohmann::json> nics;                      // NIC id (lower) -> NIC
  std::map<std::string, std::string> required_zones;               // account name (lower) -> zone
  // "{subscription}/{namespace}" (lower) -> registrationState, read for the targets' providers in
  // the subscription of each endpoint whose connection is not Approved (FM-25).
  std::map<std::string, std::string> provider_states;
  // Network security groups and route tables of the integration subnet and of the endpoints'
  // subnets (FM-09/10/11), by id (lower); a failed read is in `unread` as "nsg:<id>" /
  // "route table:<id>".
  std::map<std::string, nlohmann::json> nsgs, route_tables;
  std::vector<std::string> errors;  // reads that failed, one line each (403 names the action)
  // Kinds of read ("vaults", "links:<zone>", "groups:<endpoint id>", ...) whose answer was not
  // had: the rules judge nothing that depends on them.
  std::set<std::string> unread;
  bool was_read(const std::string& kind) const { return !unread.count(kind); }
  int requests = 0;
  std::string credential;
  std::string correlation_id;

  const nlohmann::json* vault(const std::string& name) const;
  const nlohmann::json* account(const std::string& name) const;
  const nlohmann::json* zone(const std::string& name) const;
  std::vector<const nlohmann::json*> endpoints_for(const std::string& target_id) const;
  std::string endpoint_address(const nlohmann::json& endpoint) const;  // NIC's private IP
};

Topology read_topology(ArmClient& client, const TopologyRequest& request);

// A topology as data, for reuse between reads (serve reads ARM less often than it probes).
// App settings keep only the names the rules read: their other values may be secrets.
nlohmann::json topology_to_json(const Topology& topology);
// The same as the text of the cache file. Error lines quote ARM bodies cut at a byte count, which
// need not be UTF-8: such bytes become U+FFFD instead of an exception.
std::string topology_cache_text(const Topology& topology);
Topology topology_from_json(const nlohmann::json& j);

// Small JSON helpers used by the rules: a string at a path, or "" when absent.
std::string json_str(const nlohmann::json& j, std::initializer_list<const char*> path);
// The array at a path, or an empty array when absent or of another type (bodies are outside data).
const nlohmann::json& json_array(const nlohmann::json& j, std::initializer_list<const char*> path);

}  // namespace vnetdiag::arm
