// read_topology: follows references from the app (site -> subnet -> VNet -> peerings; targets ->
// their private endpoints -> NICs, zone groups, zones -> links and records; resolvers, rulesets)
// in rounds of concurrent GETs, so the number of calls depends on what the app uses, not on how
// much else the estate holds.
#include "topology.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "api_versions.hpp"
#include "arm_state.hpp"
#include "estate_search.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"
#include "topology_detail.hpp"
#include "topology_zones.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;
using topology_detail::api;
using topology_detail::list;
using topology_detail::single;
using topology_detail::subscription_of;

constexpr int kMaxSearchRounds = 3;        // direct mode: subscriptions discovered, then searched
constexpr std::size_t kMaxRulesets = 20;   // rulesets whose links and rules are read
constexpr std::size_t kMaxEndpoints = 64;  // endpoints per read (the targets' connections)

// Concurrent GETs, each with what to do with its answer.
struct Round {
  using Then = std::function<void(ArmResponse&&, const std::string& path)>;
  std::vector<std::string> paths;
  std::vector<Then> then;
  void add(std::string path, Then f) {
    paths.push_back(std::move(path));
    then.push_back(std::move(f));
  }
  void run(ArmClient& client) {
    auto answers = client.get_all(paths);
    for (std::size_t i = 0; i < answers.size(); ++i) then[i](std::move(answers[i]), paths[i]);
    paths.clear();
    then.clear();
  }
};

bool has_id(const std::vector<json>& bodies, const std::string& id) {
  return std::any_of(bodies.begin(), bodies.end(),
                     [&](const json& b) { return same_resource(json_str(b, {"id"}), id); });
}

std::string vnet_of_subnet(const std::string& subnet_id) {
  auto sid = parse_resource_id(subnet_id);
  return sid && sid->parent() ? sid->parent()->str() : std::string();
}

class Reader {
 public:
  Reader(ArmClient& client, const TopologyRequest& req, Topology& t)
      : client_(client), req_(req), t_(t) {}

  void read() {
    read_site();
    read_network_of_app();
    wanted_ = {req_.vault_names, req_.account_names, req_.zone_names, true, true};
    search();
    follow_targets();
    for (int round = 1; !graph_ && round < kMaxSearchRounds; ++round) {
      if (!search_new_subscriptions()) break;
      follow_targets();
    }
    read_required_zones();
    read_dns();
    read_provider_states();
    read_subnet_policies();
    for (const auto& e : client_.journal())
      if (auto s = subscription_of(e.path); !s.empty()) t_.subscriptions.insert(s);
  }

 private:
  void read_site() {
    const std::string rg =
        "/subscriptions/" + req_.subscription + "/resourceGroups/" + req_.resource_group;
    site_ = rg + "/providers/Microsoft.Web/sites/" + req_.app;
    Round r;
    r.add(site_ + api(kWebApi), [this](ArmResponse&& a, const std::string& p) {
      t_.site = single(t_, "site", "read site", p, a);
    });
    r.add(site_ + "/config/web" + api(kWebApi), [this](ArmResponse&& a, const std::string& p) {
      t_.site_config = single(t_, "site config", "read site config/web", p, a);
    });
    r.add(site_ + "/config/configreferences/appsettings" + api(kWebApi),
          [this](ArmResponse&& a, const std::string& p) {
            t_.kv_references =
                list(client_, t_, "kv references", "read Key Vault references", p, std::move(a));
          });
    r.run(client_);
    const std::string settings = site_ + "/config/appsettings/list" + api(kWebApi);
    t_.app_settings =
        single(t_, "app settings", "list app settings", settings, client_.send("POST", settings));
  }

  // The plan, the integration subnet and VNet, then every VNet the VNet peers with.
  void read_network_of_app() {
    Round r;
    if (const std::string farm = json_str(t_.site, {"properties", "serverFarmId"}); !farm.empty())
      r.add(farm + api(kWebApi), [this](ArmResponse&& a, const std::string& p) {
        t_.plan = single(t_, "plan", "read plan", p, a);
      });
    const std::string subnet = json_str(t_.site, {"properties", "virtualNetworkSubnetId"});
    integration_vnet_ = vnet_of_subnet(subnet);
    if (!integration_vnet_.empty()) {
      r.add(subnet + api(kNetworkApi), [this](ArmResponse&& a, const std::string& p) {
        t_.subnet = single(t_, "subnet", "read subnet", p, a);
      });
      r.add(integration_vnet_ + api(kNetworkApi), [this](ArmResponse&& a, const std::string& p) {
        t_.vnet = single(t_, "vnet", "read vnet", p, a);
        if (!t_.vnet.is_null()) t_.vnets.push_back(t_.vnet);
      });
    } else {
      // Not integrated: the VNet fix would integrate it into may exist already (made by a run
      // that was stopped, or by hand). Unseen, it would be planned as new, and a PUT of a VNet
      // replaces its subnets: the app's group's VNets are listed (one list).
      const std::string path = "/subscriptions/" + req_.subscription + "/resourceGroups/" +
                               req_.resource_group +
                               "/providers/Microsoft.Network/virtualNetworks" + api(kNetworkApi);
      r.add(path, [this](ArmResponse&& a, const std::string& p) {
        for (auto& v :
             list(client_, t_, "virtual networks", "list virtual networks", p, std::move(a)))
          if (!has_id(t_.vnets, json_str(v, {"id"}))) t_.vnets.push_back(std::move(v));
      });
    }
    r.run(client_);
    std::vector<std::string> remotes;
    for (const auto& p : json_array(t_.vnet, {"properties", "virtualNetworkPeerings"}))
      remotes.push_back(json_str(p, {"properties", "remoteVirtualNetwork", "id"}));
    peered_ = remotes;
    read_vnets(remotes);
  }

  void read_vnets(const std::vector<std::string>& ids) {
    Round r;
    std::set<std::string> asked;
    for (const auto& id : ids) {
      if (id.empty() || has_id(t_.vnets, id) || !asked.insert(lower(id)).second) continue;
      r.add(id + api(kNetworkApi), [this, id](ArmResponse&& a, const std::string& p) {
        json body = single(t_, "vnet:" + lower(id), "read vnet", p, a);
        if (body.is_null())
          t_.unread.insert("virtual networks");
        else
          t_.vnets.push_back(std::move(body));
      });
    }
    r.run(client_);
  }

  void search() {
    if (!req_.no_resource_graph) {
      graph_ = search_by_graph(client_, t_, wanted_, sleep_, found_);
    } else {
      t_.read_mode = "direct";
      t_.read_mode_reason = "Resource Graph not used (--no-resource-graph)";
    }
    if (graph_) return;
    std::set<std::string> subs{lower(req_.subscription)};
    for (const auto& s : req_.search_subscriptions) subs.insert(lower(s));
    for (const auto& s : named_subscriptions()) subs.insert(s);
    search_directly(client_, t_, wanted_, subs, found_, named_resource_groups());
    searched_ = subs;
  }

  // Resource groups named by a read so far ("/subscriptions/{s}/resourcegroups/{g}", lower).
  std::set<std::string> named_resource_groups() {
    std::set<std::string> out;
    for (const auto& e : client_.journal())
      if (auto id = parse_resource_id(e.path.substr(0, e.path.find('?')));
          id && !id->resource_group.empty())
        out.insert(
            lower("/subscriptions/" + id->subscription + "/resourceGroups/" + id->resource_group));
    return out;
  }

  std::set<std::string> named_subscriptions() {
    std::set<std::string> out;
    for (const auto& e : client_.journal())
      if (auto s = subscription_of(e.path); !s.empty()) out.insert(s);
    for (const auto& v : t_.vnets)
      for (const auto& p : json_array(v, {"properties", "virtualNetworkPeerings"}))
        if (auto s = subscription_of(json_str(p, {"properties", "remoteVirtualNetwork", "id"}));
            !s.empty())
          out.insert(s);
    for (const auto& id : group_zone_ids_)
      if (auto s = subscription_of(id); !s.empty()) out.insert(s);
    return out;
  }

  bool search_new_subscriptions() {
    std::set<std::string> fresh;
    for (const auto& s : named_subscriptions())
      if (!searched_.count(s)) fresh.insert(s);
    if (fresh.empty()) return false;
    search_directly(client_, t_, wanted_, fresh, found_, named_resource_groups());
    searched_.insert(fresh.begin(), fresh.end());
    return true;
  }

  // The endpoint connects to one of the requested vaults or accounts (by the target's name).
  bool names_a_target(const json& pe) const {
    for (const char* kind :
         {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& c : json_array(pe, {"properties", kind})) {
        const auto target = parse_resource_id(json_str(c, {"properties", "privateLinkServiceId"}));
        if (!target) continue;
        const std::string name = lower(target->name());
        for (const auto* names : {&req_.vault_names, &req_.account_names})
          for (const auto& n : *names)
            if (lower(n) == name) return true;
      }
    return false;
  }

  // Targets by id, their endpoints wherever they live, each endpoint's NIC and zone groups, the
  // endpoints' VNets; only what is not read yet.
  void follow_targets() {
    Round r;
    for (auto* pair : {&found_.vaults, &found_.accounts}) {
      const bool vault = pair == &found_.vaults;
      for (const auto& row : *pair) {
        const std::string id = json_str(row, {"id"});
        if (!asked_.insert(lower(id)).second) continue;
        r.add(id + api(vault ? kKeyVaultApi : kCognitiveApi),
              [this, vault](ArmResponse&& a, const std::string& p) {
                const char* kind = vault ? "vaults" : "accounts";
                json body = single(t_, kind, vault ? "read vault" : "read account", p, a);
                if (!body.is_null()) (vault ? t_.vaults : t_.accounts).push_back(std::move(body));
              });
      }
    }
    // The app's own group's endpoints too (one list): an endpoint whose connection the target's
    // owner removed (Disconnected) is no longer among the target's connections, and must still be
    // seen, or fix would plan a second endpoint beside it.
    std::vector<json> group_endpoints;
    if (!rg_endpoints_listed_) {
      rg_endpoints_listed_ = true;
      const std::string path = "/subscriptions/" + req_.subscription + "/resourceGroups/" +
                               req_.resource_group +
                               "/providers/Microsoft.Network/privateEndpoints" + api(kNetworkApi);
      r.add(path, [this, &group_endpoints](ArmResponse&& a, const std::string& p) {
        group_endpoints =
            list(client_, t_, "private endpoints", "list private endpoints", p, std::move(a));
      });
    }
    r.run(client_);
    for (auto& pe : group_endpoints)
      if (names_a_target(pe) && asked_.insert(lower(json_str(pe, {"id"}))).second)
        t_.private_endpoints.push_back(std::move(pe));
    std::vector<std::string> endpoint_ids;
    for (const auto* targets : {&t_.vaults, &t_.accounts})
      for (const auto& target : *targets)
        for (const auto& c : json_array(target, {"properties", "privateEndpointConnections"}))
          endpoint_ids.push_back(json_str(c, {"properties", "privateEndpoint", "id"}));
    std::size_t count = 0;
    for (const auto& id : endpoint_ids) {
      if (id.empty() || !asked_.insert(lower(id)).second) continue;
      if (++count > kMaxEndpoints) {
        topology_detail::note_gap(t_, "private endpoints", "read private endpoint", id,
                                  "more than " + std::to_string(kMaxEndpoints) +
                                      " endpoints on the targets, the rest not read");
        break;
      }
      r.add(id + api(kNetworkApi), [this](ArmResponse&& a, const std::string& p) {
        json body = single(t_, "private endpoints", "read private endpoint", p, a);
        if (!body.is_null()) t_.private_endpoints.push_back(std::move(body));
      });
    }
    r.run(client_);
    std::vector<std::string> vnets;
    for (const auto& pe : t_.private_endpoints) {
      const std::string id = json_str(pe, {"id"});
      if (!asked_.insert("groups:" + lower(id)).second) continue;
      const std::string kind = "groups:" + lower(id);
      r.add(id + "/privateDnsZoneGroups" + api(kNetworkApi),
            [this, kind](ArmResponse&& a, const std::string& p) {
              auto groups = list(client_, t_, kind, "read groups", p, std::move(a));
              for (const auto& g : groups)
                for (const auto& c : json_array(g, {"properties", "privateDnsZoneConfigs"}))
                  if (auto z = json_str(c, {"properties", "privateDnsZoneId"}); !z.empty())
                    group_zone_ids_.insert(lower(z));
              t_.zone_groups[kind.substr(7)] = std::move(groups);
            });
      for (const auto& nic : json_array(pe, {"properties", "networkInterfaces"})) {
        const std::string nic_id = json_str(nic, {"id"});
        if (nic_id.empty() || !asked_.insert(lower(nic_id)).second) continue;
        r.add(nic_id + api(kNetworkApi), [this, nic_id](ArmResponse&& a, const std::string& p) {
          json body = single(t_, "nic:" + lower(nic_id), "read nic", p, a);
          if (!body.is_null()) t_.nics[lower(nic_id)] = std::move(body);
        });
      }
      vnets.push_back(vnet_of_subnet(json_str(pe, {"properties", "subnet", "id"})));
    }
    r.run(client_);
    read_vnets(vnets);
  }

  // Accounts whose zone the cloud table does not know: their privateLinkResources name it.
  void read_required_zones() {
    Round r;
    for (const auto& name : req_.zoneless_accounts)
      if (const json* a = t_.account(name)) {
        const std::string key = lower(name);
        r.add(json_str(*a, {"id"}) + "/privateLinkResources" + api(kCognitiveApi),
              [this, key](ArmResponse&& answer, const std::string& p) {
                for (const auto& res : list(client_, t_, "private link resources:" + key,
                                            "list private link resources", p, std::move(answer))) {
                  const json& zones = json_array(res, {"properties", "requiredZoneNames"});
                  if (!zones.empty() && zones[0].is_string())
                    t_.required_zones[key] = zones[0].get<std::string>();
                }
              });
      }
    r.run(client_);
    GraphSearch more{{}, {}, {}, false, false};
    for (const auto& required : t_.required_zones) {
      const std::string& zone = required.second;  // a binding clang 14 cannot capture
      if (std::none_of(wanted_.zone_names.begin(), wanted_.zone_names.end(),
                       [&](const std::string& z) { return lower(z) == lower(zone); }))
        more.zone_names.push_back(zone);
    }
    if (more.zone_names.empty()) return;
    wanted_.zone_names.insert(wanted_.zone_names.end(), more.zone_names.begin(),
                              more.zone_names.end());
    EstateFound extra;
    if (graph_ && search_by_graph(client_, t_, more, sleep_, extra)) {
      t_.read_mode = "resource-graph";
    } else {
      search_directly(client_, t_, more, searched_, extra, named_resource_groups());
    }
    for (const auto& z : extra.zones) found_.add(z, wanted_);
  }

  // Zones (found, and those the targets' zone groups name), their links and records; resolvers
  // in reach with their inbound endpoints; rulesets with their links and rules.
  void read_dns() {
    Round r;
    for (const auto& id : group_zone_ids_) {
      const auto zid = parse_resource_id(id);
      if (!zid || has_id(found_.zones, id)) continue;
      const bool wanted =
          std::any_of(wanted_.zone_names.begin(), wanted_.zone_names.end(),
                      [&](const std::string& z) { return lower(z) == lower(zid->name()); });
      if (!wanted) continue;
      r.add(id + api(kPrivateDnsApi), [this](ArmResponse&& a, const std::string& p) {
        json body = single(t_, "private DNS zones", "read private DNS zone", p, a);
        if (!body.is_null()) found_.zones.push_back(std::move(body));
      });
    }
    r.run(client_);
    topology_detail::ZoneCandidates zones;
    zones.zones = found_.zones;
    for (const auto& z : found_.zones) {
      const std::string id = json_str(z, {"id"}), key = lower(id);
      r.add(id + "/virtualNetworkLinks" + api(kPrivateDnsApi),
            [this, key, &zones](ArmResponse&& a, const std::string& p) {
              zones.links[key] = list(client_, t_, "links:" + key, "read links", p, std::move(a));
            });
      r.add(id + "/A" + api(kPrivateDnsApi),
            [this, key, &zones](ArmResponse&& a, const std::string& p) {
              zones.a_records[key] = list(client_, t_, "a:" + key, "read a", p, std::move(a));
            });
    }
    std::vector<std::string> reach{integration_vnet_};
    reach.insert(reach.end(), peered_.begin(), peered_.end());
    for (const auto& resolver : found_.resolvers) {
      const std::string vnet = json_str(resolver, {"properties", "virtualNetwork", "id"});
      if (std::none_of(reach.begin(), reach.end(),
                       [&](const std::string& v) { return !v.empty() && same_resource(v, vnet); }))
        continue;
      t_.resolvers.push_back(resolver);
      const std::string id = json_str(resolver, {"id"}), key = lower(id);
      r.add(id + "/inboundEndpoints" + api(kDnsResolverApi),
            [this, key](ArmResponse&& a, const std::string& p) {
              t_.inbound_endpoints[key] = list(client_, t_, "inbound endpoints:" + key,
                                               "read inbound endpoints", p, std::move(a));
            });
    }
    for (const auto& ruleset : found_.rulesets) {
      if (t_.rulesets.size() >= kMaxRulesets) {
        topology_detail::note_gap(t_, "dns forwarding rulesets", "read ruleset",
                                  json_str(ruleset, {"id"}),
                                  "more than " + std::to_string(kMaxRulesets) + " rulesets");
        break;
      }
      t_.rulesets.push_back(ruleset);
      const std::string id = json_str(ruleset, {"id"}), key = lower(id);
      r.add(id + "/virtualNetworkLinks" + api(kDnsResolverApi),
            [this, key](ArmResponse&& a, const std::string& p) {
              t_.ruleset_links[key] =
                  list(client_, t_, "ruleset links:" + key, "read ruleset links", p, std::move(a));
            });
      r.add(id + "/forwardingRules" + api(kDnsResolverApi),
            [this, key](ArmResponse&& a, const std::string& p) {
              t_.forwarding_rules[key] = list(client_, t_, "forwarding rules:" + key,
                                              "read forwarding rules", p, std::move(a));
            });
    }
    r.run(client_);
    const std::vector<std::string> resolution = parse_state(t_).resolution_vnet_ids();
    topology_detail::place_zones(t_, std::move(zones), resolution, group_zone_ids_);
  }

  // FM-25: an endpoint whose connection is not Approved, or that failed, may be blocked by its
  // target's resource provider not being registered in the endpoint's subscription.
  void read_provider_states() {
    Round r;
    std::set<std::string> keys;
    for (const auto& pe : t_.private_endpoints) {
      const auto pe_id = parse_resource_id(json_str(pe, {"id"}));
      if (!pe_id) continue;
      const bool failed = lower(json_str(pe, {"properties", "provisioningState"})) == "failed";
      for (const char* kind :
           {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
        for (const auto& c : json_array(pe, {"properties", kind})) {
          const std::string status =
              json_str(c, {"properties", "privateLinkServiceConnectionState", "status"});
          const auto target =
              parse_resource_id(json_str(c, {"properties", "privateLinkServiceId"}));
          if (!target || target->provider.empty() || (lower(status) == "approved" && !failed))
            continue;
          const std::string key = lower(pe_id->subscription + "/" + target->provider);
          if (!keys.insert(key).second) continue;
          r.add("/subscriptions/" + pe_id->subscription + "/providers/" + target->provider +
                    api(kResourcesApi),
                [this, key](ArmResponse&& a, const std::string& p) {
                  json body = single(t_, "provider:" + key, "read provider registration", p, a);
                  if (!body.is_null())
                    t_.provider_states[key] = json_str(body, {"registrationState"});
                });
        }
    }
    r.run(client_);
  }

  const json* find_subnet(const std::string& id) const {
    if (id.empty()) return nullptr;
    if (same_resource(json_str(t_.subnet, {"id"}), id)) return &t_.subnet;
    for (const auto& v : t_.vnets)
      for (const auto& s : json_array(v, {"properties", "subnets"}))
        if (same_resource(json_str(s, {"id"}), id)) return &s;
    return nullptr;
  }

  // The NSGs and route tables on the integration subnet and on the endpoints' subnets.
  void read_subnet_policies() {
    std::vector<std::string> subnet_ids{
        json_str(t_.site, {"properties", "virtualNetworkSubnetId"})};
    for (const auto& pe : t_.private_endpoints)
      subnet_ids.push_back(json_str(pe, {"properties", "subnet", "id"}));
    Round r;
    std::set<std::string> seen;
    for (const auto& sid : subnet_ids) {
      const json* subnet = find_subnet(sid);
      if (!subnet) continue;
      for (const auto& [property, prefix] :
           {std::pair{"networkSecurityGroup", "nsg:"}, std::pair{"routeTable", "route table:"}}) {
        const std::string id = json_str(*subnet, {"properties", property, "id"});
        const std::string kind = prefix + lower(id);
        if (id.empty() || !seen.insert(kind).second) continue;
        const bool nsg = starts_with(kind, "nsg:");
        r.add(id + api(kNetworkApi), [this, kind, nsg](ArmResponse&& a, const std::string& p) {
          json body = single(t_, kind, nsg ? "read nsg" : "read route table", p, a);
          if (!body.is_null())
            (nsg ? t_.nsgs : t_.route_tables)[kind.substr(kind.find(':') + 1)] = std::move(body);
        });
      }
    }
    r.run(client_);
  }

  ArmClient& client_;
  const TopologyRequest& req_;
  Topology& t_;
  Sleeper sleep_ = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
  std::string site_, integration_vnet_;
  std::vector<std::string> peered_;
  GraphSearch wanted_;
  EstateFound found_;
  bool graph_ = false;
  bool rg_endpoints_listed_ = false;
  std::set<std::string> searched_, asked_, group_zone_ids_;
};

}  // namespace

Topology read_topology(ArmClient& client, const TopologyRequest& req) {
  Topology t;
  const int before = client.requests_sent();
  Reader(client, req, t).read();
  t.requests = client.requests_sent() - before;
  t.credential = client.tokens().source();
  t.correlation_id = client.correlation_id();
  return t;
}

}  // namespace vnetdiag::arm
