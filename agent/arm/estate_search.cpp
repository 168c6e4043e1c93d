#include "estate_search.hpp"

#include <algorithm>

#include "api_versions.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "topology_detail.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;
using topology_detail::api;

bool named(const std::vector<std::string>& names, const std::string& name) {
  if (name.empty()) return false;
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return lower(n) == lower(name); });
}

void add_unique(std::vector<json>& to, const json& row) {
  const std::string id = json_str(row, {"id"});
  for (const auto& have : to)
    if (same_resource(json_str(have, {"id"}), id)) return;
  to.push_back(row);
}

struct DirectList {
  const char* provider_path;  // after /subscriptions/{s}
  const char* api_version;
  const char* kind;  // the unread kind when a page fails
  const char* what;
};

constexpr DirectList kLists[] = {
    {"/providers/Microsoft.KeyVault/vaults", kKeyVaultApi, "vaults", "list vaults"},
    {"/providers/Microsoft.CognitiveServices/accounts", kCognitiveApi, "accounts", "list accounts"},
    {"/providers/Microsoft.Network/privateDnsZones", kPrivateDnsApi, "private DNS zones",
     "list private DNS zones"},
    {"/providers/Microsoft.Network/dnsResolvers", kDnsResolverApi, "dns resolvers",
     "list DNS resolvers"},
    {"/providers/Microsoft.Network/dnsForwardingRulesets", kDnsResolverApi,
     "dns forwarding rulesets", "list DNS forwarding rulesets"},
};

}  // namespace

void EstateFound::add(const json& row, const GraphSearch& wanted) {
  if (!row.is_object()) return;
  const std::string type = lower(json_str(row, {"type"}));
  const std::string name = json_str(row, {"name"});
  if (json_str(row, {"id"}).empty()) return;
  if (type == "microsoft.keyvault/vaults" && named(wanted.vault_names, name))
    add_unique(vaults, row);
  else if (type == "microsoft.cognitiveservices/accounts" &&
           (named(wanted.account_names, name) ||
            named(wanted.account_names, json_str(row, {"properties", "customSubDomainName"}))))
    add_unique(accounts, row);
  else if (type == "microsoft.network/privatednszones" && named(wanted.zone_names, name))
    add_unique(zones, row);
  else if (type == "microsoft.network/dnsresolvers" && wanted.resolvers)
    add_unique(resolvers, row);
  else if (type == "microsoft.network/dnsforwardingrulesets" && wanted.rulesets)
    add_unique(rulesets, row);
}

bool search_by_graph(ArmClient& client, Topology& t, const GraphSearch& wanted,
                     const Sleeper& sleep, EstateFound& found) {
  const std::string query = graph_query_text(wanted);
  if (query.empty()) {
    t.read_mode = "direct";
    t.read_mode_reason = "nothing to search for";
    return false;
  }
  GraphAnswer answer = query_resource_graph(client, query, sleep);
  if (!answer.used) {
    t.read_mode = "direct";
    t.read_mode_reason = answer.reason;
    return false;
  }
  t.read_mode = "resource-graph";
  t.read_mode_reason.clear();
  for (const auto& row : answer.rows) found.add(row, wanted);
  return true;
}

void search_directly(ArmClient& client, Topology& t, const GraphSearch& wanted,
                     const std::set<std::string>& subscriptions, EstateFound& found,
                     const std::set<std::string>& resource_groups) {
  std::vector<std::string> paths;
  std::vector<const DirectList*> which;
  for (const auto& sub : subscriptions) {
    if (sub.empty()) continue;
    for (const auto& l : kLists) {
      const std::string kind = l.kind;
      if ((kind == "vaults" && wanted.vault_names.empty()) ||
          (kind == "accounts" && wanted.account_names.empty()) ||
          (kind == "private DNS zones" && wanted.zone_names.empty()) ||
          (kind == "dns resolvers" && !wanted.resolvers) ||
          (kind == "dns forwarding rulesets" && !wanted.rulesets))
        continue;
      paths.push_back("/subscriptions/" + sub + l.provider_path + api(l.api_version));
      which.push_back(&l);
    }
  }
  auto answers = client.get_all(paths);
  std::vector<std::string> group_paths;
  std::vector<const DirectList*> group_which;
  std::vector<std::pair<std::size_t, std::string>> refused;  // subscription lists read by group
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const std::string sub = topology_detail::subscription_of(paths[i]);
    std::vector<std::string> groups;
    for (const auto& g : resource_groups)
      if (topology_detail::subscription_of(g) == sub) groups.push_back(g);
    if (answers[i].status != 403 || groups.empty()) continue;
    refused.emplace_back(i, answers[i].error ? answers[i].error->summary() : std::string());
    for (const auto& g : groups) {
      group_paths.push_back(g + which[i]->provider_path + api(which[i]->api_version));
      group_which.push_back(which[i]);
    }
    answers[i] = ArmResponse{};
    answers[i].status = 200;
    answers[i].body = {{"value", json::array()}};
  }
  auto group_answers = client.get_all(group_paths);
  for (std::size_t i = 0; i < group_answers.size(); ++i) {
    paths.push_back(group_paths[i]);
    which.push_back(group_which[i]);
    answers.push_back(std::move(group_answers[i]));
  }
  for (std::size_t i = 0; i < answers.size(); ++i)
    for (const auto& row : topology_detail::list(client, t, which[i]->kind, which[i]->what,
                                                 paths[i], std::move(answers[i]))) {
      json typed = row;
      // Lists carry the type in ARM's casing; the search compares it lower-cased anyway.
      if (!typed.contains("type"))
        typed["type"] = lower(std::string(which[i]->provider_path).substr(11));
      found.add(typed, wanted);
    }
  // A kind the groups could not give either: the subscription's 403 names the missing action.
  for (const auto& [i, summary] : refused)
    if (t.unread.count(which[i]->kind))
      topology_detail::note_gap(t, which[i]->kind, which[i]->what, paths[i], "HTTP 403 " + summary);
}

}  // namespace vnetdiag::arm
