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
  // Further subscriptions to search when Resource Graph cannot be used (check
  // --search-subscription, fix --allow-subscription); the app's own and every subscription a
  // followed reference names are searched anyway.
  std::vector<std::string> search_subscriptions;
  // Force the direct reads even when Resource Graph answers (tests; --no-resource-graph).
  bool no_resource_graph = false;
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
  // Issue 15, real estates. Zones are found wherever they live (any subscription the identity can
  // read); `zones`/`links`/`a_records` hold, per privatelink name, the zone that serves the app
  // (linked to the VNet the app resolves through, else named by the target's endpoint's zone
  // group, else the first found). Further zones with the same name are in `duplicate_zones`, their
  // links and A record sets keyed by zone id (lower).
  std::vector<nlohmann::json> duplicate_zones;
  std::map<std::string, std::vector<nlohmann::json>> duplicate_links, duplicate_a_records;
  // DNS Private Resolvers whose VNet is the app's or one peered with it, with their inbound
  // endpoints (resolver id lower -> endpoints); forwarding rulesets found in the searched
  // subscriptions, their VNet links and rules (ruleset id lower -> list).
  std::vector<nlohmann::json> resolvers, rulesets;
  std::map<std::string, std::vector<nlohmann::json>> inbound_endpoints, ruleset_links,
      forwarding_rules;
  // Key Vault references of the app settings: the value list of
  // GET sites/{app}/config/configreferences/appsettings (ApiKVReference resources).
  std::vector<nlohmann::json> kv_references;
  // "resource-graph" or "direct", and why Resource Graph was not used when direct.
  std::string read_mode, read_mode_reason;
  std::set<std::string> subscriptions;  // every subscription a read went to (lower)
  std::vector<std::string> errors;      // reads that failed, one line each (403 names the action)
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
