#include "plan_state.hpp"

#include <algorithm>

#include "api_versions.hpp"
#include "arm_state.hpp"
#include "estate_facts.hpp"
#include "outbound_routing.hpp"
#include "resource_id.hpp"
#include "ruleset_path.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

using arm::json_str;
using arm::same_resource;
using nlohmann::json;

std::string first_label(const std::string& host) { return host.substr(0, host.find('.')); }

const json* find_subnet(const json& vnet, const std::string& name_or_id) {
  if (!vnet.contains("properties") || !vnet["properties"].contains("subnets")) return nullptr;
  for (const auto& s : vnet["properties"]["subnets"])
    if (lower(json_str(s, {"name"})) == lower(name_or_id) ||
        same_resource(json_str(s, {"id"}), name_or_id))
      return &s;
  return nullptr;
}

void resolve_network(const arm::Topology& t, PlanState& s) {
  const auto& names = s.in.names;
  // The VNet: the one the app is integrated with, else by name.
  const json* vnet = nullptr;
  for (const auto& v : t.vnets)
    if (!s.site_subnet.empty() && find_subnet(v, s.site_subnet)) vnet = &v;
  for (const auto& v : t.vnets)
    if (!vnet && lower(json_str(v, {"name"})) == lower(names.vnet)) vnet = &v;
  s.vnet_exists = vnet != nullptr;
  s.vnet_id = vnet ? json_str(*vnet, {"id"}) : s.net + "/virtualNetworks/" + names.vnet;
  s.vnet_location = vnet ? json_str(*vnet, {"location"}) : s.location;

  s.int_subnet = vnet ? (s.site_subnet.empty() ? find_subnet(*vnet, names.integration_subnet)
                                               : find_subnet(*vnet, s.site_subnet))
                      : nullptr;
  s.int_subnet_id = s.int_subnet ? json_str(*s.int_subnet, {"id"})
                                 : s.vnet_id + "/subnets/" + names.integration_subnet;
  if (s.int_subnet) {
    s.int_subnet_etag = json_str(*s.int_subnet, {"etag"});
    for (const auto& d : arm::json_array(*s.int_subnet, {"properties", "delegations"})) {
      const std::string svc = json_str(d, {"properties", "serviceName"});
      if (lower(svc) == "microsoft.web/serverfarms")
        s.int_web_delegated = true;
      else
        s.int_other_delegations.push_back(svc);
    }
  }
  const json* pe_subnet = vnet ? find_subnet(*vnet, names.endpoint_subnet) : nullptr;
  s.pe_subnet_exists = pe_subnet != nullptr;
  s.pe_subnet_id =
      pe_subnet ? json_str(*pe_subnet, {"id"}) : s.vnet_id + "/subnets/" + names.endpoint_subnet;
}

// The replacement's id: the old name with "-r<N+1>" for its "-r<N>" (or "-r2"), the first such
// name no endpoint of the resource group has.
std::string replacement_id(const arm::ArmState& a, const std::string& old_id) {
  const auto slash = old_id.rfind('/');
  const std::string prefix = old_id.substr(0, slash + 1);
  std::string base = old_id.substr(slash + 1);
  int n = 1;
  if (const auto dash = base.rfind("-r");
      dash != std::string::npos && dash + 2 < base.size() &&
      std::all_of(base.begin() + static_cast<long>(dash) + 2, base.end(),
                  [](char c) { return c >= '0' && c <= '9'; }) &&
      base.size() - dash < 8) {
    n = std::stoi(base.substr(dash + 2));
    base.resize(dash);
  }
  for (;;) {
    std::string id = prefix + base + "-r" + std::to_string(++n);
    if (std::none_of(
            a.private_endpoints.begin(), a.private_endpoints.end(),
            [&](const arm::PrivateEndpoint& e) { return same_resource(e.id.value_or(""), id); }))
      return id;
  }
}

void resolve_endpoint(const arm::ArmState& a, const PlanState& s, TargetState& ts) {
  // The last approved one, else the first pending one (a replacement awaiting approval), else
  // the first.
  const auto rank = [](const arm::PrivateEndpoint* e) {
    const std::string st = lower(e->connection_status());
    return st == "approved" ? 0 : st == "pending" ? 1 : 2;
  };
  const arm::PrivateEndpoint* pe = nullptr;
  for (const arm::PrivateEndpoint* e : a.endpoints_for(ts.resource_id))
    if (!pe || rank(e) < rank(pe) || rank(e) == 0) pe = e;
  if (!pe) {
    ts.endpoint_id =
        s.net + "/privateEndpoints/" + (ts.is_vault ? "securekeyvault-pe" : "securecstext-pe");
    return;
  }
  ts.endpoint = true;
  ts.endpoint_id = pe->id.value_or("");
  ts.status = pe->connection_status();
  ts.endpoint_location = pe->location.value_or("");
  ts.endpoint_subnet_id = pe->subnet_id.value_or("");
  ts.endpoint_address = a.endpoint_address(*pe);
  const auto& connections = ts.is_vault ? a.vault(ts.name)->private_endpoint_connections
                                        : a.account(ts.name)->private_endpoint_connections;
  for (const auto& c : connections)
    if (same_resource(c.private_endpoint_id.value_or(""), ts.endpoint_id))
      ts.pending_connection_id = c.id.value_or("");
  const std::string st = lower(ts.status);
  ts.replaced = st != "pending" && st != "approved" && s.in.names.allow_replace;
  const auto pe_id = arm::parse_resource_id(ts.endpoint_id);
  const auto target_id = arm::parse_resource_id(ts.resource_id);
  if (st != "approved" && pe_id && target_id) {
    const auto state =
        a.provider_states.find(lower(pe_id->subscription + "/" + target_id->provider));
    if (state != a.provider_states.end() && lower(state->second) != "registered") {
      ts.unregistered_provider =
          "/subscriptions/" + pe_id->subscription + "/providers/" + target_id->provider;
      ts.provider_state = state->second;
    }
  }
  if (!ts.replaced) return;
  for (const auto* cs : {&pe->connections, &pe->manual_connections})
    for (const auto& c : *cs)
      if (ts.group_ids.empty() &&
          same_resource(c.private_link_service_id.value_or(""), ts.resource_id))
        ts.group_ids = c.group_ids;
  if (ts.group_ids.empty()) ts.group_ids = {ts.kind};
  ts.old_endpoint_id = ts.endpoint_id;
  ts.endpoint_id = replacement_id(a, ts.old_endpoint_id);
}

std::string last_segment(const std::string& id) { return id.substr(id.rfind('/') + 1); }

std::string subscription_of(const std::string& id) {
  const auto parsed = arm::parse_resource_id(id);
  return parsed ? lower(parsed->subscription) : "";
}

bool contains_resource(const std::vector<std::string>& ids, const std::string& id) {
  return std::any_of(ids.begin(), ids.end(),
                     [&](const std::string& i) { return same_resource(i, id); });
}

// Every zone with the name: the one serving the app first, then the duplicates.
std::vector<const arm::PrivateDnsZone*> zones_named(const arm::ArmState& a,
                                                    const std::string& name) {
  std::vector<const arm::PrivateDnsZone*> out;
  if (const auto* z = a.zone(name)) out.push_back(z);
  for (const auto& z : a.duplicate_zones)
    if (lower(z.name.value_or("")) == lower(name)) out.push_back(&z);
  return out;
}

// The links and A record sets of one of those zones: the serving zone's are listed by name,
// the duplicates' by zone id.
template <class T>
const std::vector<T>& listed_for(const std::map<std::string, std::vector<T>>& by_id,
                                 const std::vector<T>& serving, const arm::ArmState& a,
                                 const arm::PrivateDnsZone* zone, const std::string& name) {
  static const std::vector<T> kNone;
  if (!zone || zone == a.zone(name)) return serving;
  const auto it = by_id.find(lower(zone->id.value_or("")));
  return it == by_id.end() ? kNone : it->second;
}

const std::vector<arm::VnetLink>& links_of_zone(const arm::ArmState& a,
                                                const arm::PrivateDnsZone* zone,
                                                const std::string& name) {
  return listed_for(a.duplicate_links, a.links_of(name), a, zone, name);
}

const std::vector<arm::ARecordSet>& records_of_zone(const arm::ArmState& a,
                                                    const arm::PrivateDnsZone* zone,
                                                    const std::string& name) {
  return listed_for(a.duplicate_a_records, a.records_of(name), a, zone, name);
}

// A link name no other link of the zone has: a PUT on another spoke's link would re-point it.
std::string free_link_name(const std::vector<arm::VnetLink>& links, std::string base,
                           const std::string& vnet_id) {
  const auto taken = [&](const std::string& n) {
    return std::any_of(links.begin(), links.end(), [&](const arm::VnetLink& l) {
      return lower(l.name.value_or(last_segment(l.id.value_or("")))) == lower(n);
    });
  };
  if (taken(base)) base = last_segment(vnet_id) + "-" + base;
  std::string name = base;
  for (int n = 2; taken(name); ++n) name = base + "-" + std::to_string(n);
  return name;
}

void resolve_dns(const arm::ArmState& a, const PlanState& s, TargetState& ts) {
  const auto candidates = zones_named(a, ts.zone_name);
  const arm::PrivateDnsZone* zone = candidates.empty() ? nullptr : candidates.front();
  // The zone the endpoint's zone group names is the one the estate keeps the record in (a hub's
  // central zone): the app should resolve through it, whichever zone serves the app now.
  const auto group_zone_ids = [&] {
    std::vector<std::string> ids;
    const std::string& endpoint = ts.replaced ? ts.old_endpoint_id : ts.endpoint_id;
    for (const auto& g : a.groups_of(endpoint))
      for (const auto& id : g.zone_ids()) ids.push_back(id);
    return ids;
  }();
  for (const auto* c : candidates)
    if (contains_resource(group_zone_ids, c->id.value_or(""))) {
      zone = c;
      break;
    }
  ts.zone_exists = zone != nullptr;
  ts.zone_id = zone ? zone->id.value_or("") : s.net + "/privateDnsZones/" + ts.zone_name;
  const auto& links = links_of_zone(a, zone, ts.zone_name);
  // Names a ruleset linked to the app's VNet forwards are answered by the links of the VNet it
  // forwards them to, not by the app's own.
  const std::string forwarded = forwarded_vnet(a, s.vnet_id, *ts.target);
  const std::vector<std::string> wanted =
      forwarded.empty() ? s.resolution_vnets : std::vector<std::string>{forwarded};
  for (const auto& vnet : wanted)
    if (ts.link_vnet_id.empty() &&
        std::none_of(links.begin(), links.end(), [&](const arm::VnetLink& l) {
          return same_resource(l.virtual_network_id.value_or(""), vnet);
        }))
      ts.link_vnet_id = vnet;
  ts.linked = ts.link_vnet_id.empty();
  if (!ts.linked && zone && forwarded.empty() && same_resource(ts.link_vnet_id, s.vnet_id))
    if (const auto* ruleset = ruleset_to_link(a, s.vnet_id, *ts.target, links)) {
      ts.ruleset_id = ruleset->id.value_or("");
      ts.link_vnet_id.clear();
      ts.linked = true;
    }
  if (!ts.linked)
    ts.link_name = free_link_name(
        links, std::string(ts.is_vault ? "vaultcore" : "cognitiveservices") + "-zonelink",
        ts.link_vnet_id);

  const arm::ZoneGroup* existing_group = nullptr;
  // A replacement gets the old endpoint's zone group, the same zones.
  if (ts.replaced)
    for (const auto& g : a.groups_of(ts.old_endpoint_id)) {
      if (ts.group_name.empty()) ts.group_name = g.name.value_or("");
      for (const auto& zone_id : g.zone_ids())
        if (!zone_id.empty()) ts.carried_zone_ids.push_back(zone_id);
    }
  if (!ts.replaced)
    for (const auto& g : a.groups_of(ts.endpoint_id)) {
      if (lower(g.name.value_or("")) == "deployedbypolicy") ts.policy_owned = true;
      for (const auto& zone_id : g.zone_ids())
        if (same_resource(zone_id, ts.zone_id)) {
          ts.grouped = true;
          existing_group = &g;
        }
    }
  if (existing_group) ts.group_name = existing_group->name.value_or("");
  if (ts.group_name.empty()) ts.group_name = "default";
  for (const auto& rs : records_of_zone(a, zone, ts.zone_name))
    if (lower(rs.name.value_or("")) == lower(ts.name)) {
      for (const auto& ip : rs.addresses()) ts.record_ips.push_back(ip);
      if (rs.ttl) ts.record_ttl = rs.ttl;
    }
  const std::string& addr = ts.endpoint_address;
  ts.stale = ts.grouped && !addr.empty() &&
             std::find(ts.record_ips.begin(), ts.record_ips.end(), addr) == ts.record_ips.end();
  ts.record_direct = ts.stale && subscription_of(ts.zone_id) != subscription_of(ts.endpoint_id);
}

// The VNets the app reaches: its own, those it resolves through and those peered with its own.
std::vector<std::string> reachable_vnets(const arm::ArmState& a, const PlanState& s) {
  std::vector<std::string> out = s.resolution_vnets;
  const auto add = [&](const std::string& id) {
    if (!id.empty() && !contains_resource(out, id)) out.push_back(id);
  };
  add(s.vnet_id);
  if (const arm::Vnet* own = a.vnet_by_id(s.vnet_id))
    for (const auto& p : own->peerings) add(p.remote_virtual_network_id.value_or(""));
  for (const auto& v : a.vnets)
    if (a.peering_between(v.id.value_or(""), s.vnet_id)) add(v.id.value_or(""));
  return out;
}

void resolve_duplicates(const arm::ArmState& a, PlanState& s) {
  const auto reachable = reachable_vnets(a, s);
  for (const auto& ts : s.targets) {
    if (!ts.resource || !ts.zone_exists) continue;
    for (const auto* z : zones_named(a, ts.zone_name)) {
      const std::string zone_id = z->id.value_or("");
      if (same_resource(zone_id, ts.zone_id)) continue;
      for (const auto& l : links_of_zone(a, z, ts.zone_name)) {
        const std::string vnet = l.virtual_network_id.value_or("");
        if (!contains_resource(reachable, vnet)) continue;
        const std::string link_id =
            l.id.value_or(zone_id + "/virtualNetworkLinks/" + l.name.value_or(""));
        if (std::none_of(s.duplicate_links.begin(), s.duplicate_links.end(),
                         [&](const DuplicateLink& d) { return same_resource(d.link_id, link_id); }))
          s.duplicate_links.push_back({ts.zone_name, zone_id, link_id, vnet, ts.zone_id});
      }
    }
  }
  // A VNet links to one zone of a name at most: the missing link waits for the other to go.
  for (auto& ts : s.targets)
    for (const auto& d : s.duplicate_links)
      if (!ts.link_vnet_id.empty() && lower(d.zone_name) == lower(ts.zone_name) &&
          same_resource(d.vnet_id, ts.link_vnet_id))
        ts.link_waits_for_unlink = true;
}

const json* raw_peering(const arm::Topology& t, const std::string& id) {
  const auto in = [&](const json& vnet) -> const json* {
    for (const auto& p : arm::json_array(vnet, {"properties", "virtualNetworkPeerings"}))
      if (same_resource(json_str(p, {"id"}), id)) return &p;
    return nullptr;
  };
  for (const auto& v : t.vnets)
    if (const json* p = in(v)) return p;
  return t.vnet.is_object() ? in(t.vnet) : nullptr;
}

std::string new_peering_id(const arm::Vnet& vnet, const std::string& remote_id) {
  const std::string vnet_id = vnet.id.value_or("");
  const std::string base = last_segment(vnet_id) + "-to-" + last_segment(remote_id);
  std::string name = base;
  const auto taken = [&](const std::string& n) {
    return std::any_of(vnet.peerings.begin(), vnet.peerings.end(), [&](const arm::Peering& p) {
      return lower(p.name.value_or("")) == lower(n);
    });
  };
  for (int n = 2; taken(name); ++n) name = base + "-" + std::to_string(n);
  return vnet_id + "/virtualNetworkPeerings/" + name;
}

// The integration VNet and each other VNet the app resolves through (a hub resolver's) must be
// peered both ways, the spoke's side forwarding; each side is fixed on its own VNet.
void resolve_peerings(const arm::Topology& t, const arm::ArmState& a, PlanState& s) {
  const arm::Vnet* own = a.vnet_by_id(s.vnet_id);
  if (!s.vnet_exists || !own) return;
  for (const auto& hub_id : s.resolution_vnets) {
    if (same_resource(hub_id, s.vnet_id)) continue;
    const arm::Peering* out = a.peering_between(s.vnet_id, hub_id);
    const arm::Vnet* hub = a.vnet_by_id(hub_id);
    const arm::Peering* back = hub ? a.peering_between(hub_id, s.vnet_id) : nullptr;
    const auto state = [](const arm::Peering* p) { return lower(p->peering_state.value_or("")); };
    if (out && back && (state(out) == "disconnected" || state(back) == "disconnected")) {
      const arm::Peering* bad = state(out) == "disconnected" ? out : back;
      s.peerings.push_back({bad == out ? s.vnet_id : hub_id, bad == out ? hub_id : s.vnet_id,
                            bad->id.value_or(""), true, nullptr, true,
                            bad->peering_state.value_or("")});
      continue;
    }
    if (!out)
      s.peerings.push_back(
          {s.vnet_id, hub_id, new_peering_id(*own, hub_id), false, nullptr, false, ""});
    else if (!out->allow_forwarded_traffic.value_or(false))
      s.peerings.push_back({s.vnet_id, hub_id, out->id.value_or(""), true,
                            raw_peering(t, out->id.value_or("")), false,
                            out->peering_state.value_or("")});
    if (hub && !back)
      s.peerings.push_back(
          {hub_id, s.vnet_id, new_peering_id(*hub, s.vnet_id), false, nullptr, false, ""});
  }
}

// One link per ruleset that the targets' names need, to the app's VNet.
void resolve_ruleset_links(const arm::ArmState& a, PlanState& s) {
  for (const auto& ts : s.targets) {
    if (ts.ruleset_id.empty()) continue;
    auto it = std::find_if(
        s.ruleset_links.begin(), s.ruleset_links.end(),
        [&](const RulesetLinkFix& f) { return same_resource(f.ruleset_id, ts.ruleset_id); });
    if (it == s.ruleset_links.end()) {
      std::vector<std::string> taken;
      const auto links = a.ruleset_links.find(lower(ts.ruleset_id));
      if (links != a.ruleset_links.end())
        for (const auto& l : links->second) taken.push_back(lower(l.name.value_or("")));
      const std::string base = last_segment(s.vnet_id) + "-link";
      std::string name = base;
      for (int n = 2; std::find(taken.begin(), taken.end(), lower(name)) != taken.end(); ++n)
        name = base + "-" + std::to_string(n);
      s.ruleset_links.push_back(
          {ts.ruleset_id, s.vnet_id, ts.ruleset_id + "/virtualNetworkLinks/" + name, {}});
      it = std::prev(s.ruleset_links.end());
    }
    it->zone_names.push_back(ts.zone_name);
  }
}

// A reference the fetch was refused for (denied, timed out, unauthorized) on a vault reached only
// privately, while the platform's own fetch stays outside the VNet: only routing it in lets the
// platform reach the vault.
bool kv_reference_needs_vnet(const arm::ArmState& a) {
  if (outbound_routing::platform_routes(a).front().routed) return false;
  for (const auto& r : a.kv_references)
    if (r.fetch_refused() && a.vault_private_only(r.vault_name.value_or(""))) return true;
  return false;
}

void resolve_failed(const arm::Topology& t, PlanState& s) {
  const auto add = [&](const json& r, const char* api_version, bool is_vnet) {
    if (lower(json_str(r, {"properties", "provisioningState"})) != "failed") return;
    s.failed.push_back({&r, json_str(r, {"id"}), api_version, is_vnet});
  };
  for (const auto& v : t.vnets) {
    add(v, arm::kNetworkApi, true);
    for (const auto& sub : arm::json_array(v, {"properties", "subnets"}))
      add(sub, arm::kNetworkApi, false);
  }
  for (const auto& z : t.zones) add(z, arm::kPrivateDnsApi, false);
  for (const auto& [zone, links] : t.links)
    for (const auto& l : links) add(l, arm::kPrivateDnsApi, false);
  for (const auto& pe : t.private_endpoints) add(pe, arm::kNetworkApi, false);
  for (const auto& [pe, groups] : t.zone_groups)
    for (const auto& g : groups) add(g, arm::kNetworkApi, false);
}

}  // namespace

bool PlanState::some_endpoint_missing() const {
  return std::any_of(targets.begin(), targets.end(),
                     [](const TargetState& t) { return t.resource && !t.endpoint; });
}

namespace {
std::string region(const std::string& location) {
  std::string out = lower(location);
  out.erase(std::remove(out.begin(), out.end(), ' '), out.end());
  return out;
}
}  // namespace

bool PlanState::integration_region_mismatch() const {
  return site_exists && site_subnet.empty() && !site_location.empty() && !vnet_location.empty() &&
         region(vnet_location) != site_location;
}

PlanState resolve_state(const PlanInput& in) {
  const arm::Topology& t = *in.topology;
  const arm::ArmState parsed = in.state ? arm::ArmState{} : arm::parse_state(t);
  const arm::ArmState& a = in.state ? *in.state : parsed;
  PlanState s(in);
  s.net = "/subscriptions/" + in.subscription + "/resourceGroups/" + in.resource_group +
          "/providers/Microsoft.Network";
  s.location =
      !in.names.location.empty() ? in.names.location : lower(json_str(t.site, {"location"}));
  s.location.erase(std::remove(s.location.begin(), s.location.end(), ' '), s.location.end());

  s.site_exists = !t.site.is_null();
  s.site_id = json_str(t.site, {"id"});
  s.site_location = region(json_str(t.site, {"location"}));
  s.site_subnet = json_str(t.site, {"properties", "virtualNetworkSubnetId"});
  s.https_only = json_str(t.site, {"properties", "httpsOnly"});
  s.route_all_config = json_str(t.site_config, {"properties", "vnetRouteAllEnabled"});
  s.route_all_site = json_str(t.site, {"properties", "vnetRouteAllEnabled"});
  s.route_all_outbound = json_str(t.site, {"properties", "outboundVnetRouting", "allTraffic"});
  s.route_all_setting = json_str(t.app_settings, {"properties", "WEBSITE_VNET_ROUTE_ALL"});
  s.plan_exists = !t.plan.is_null();
  s.plan_body = &t.plan;
  s.plan_id = json_str(t.plan, {"id"});
  s.plan_tier = json_str(t.plan, {"sku", "tier"});
  resolve_network(t, s);
  // Where the app resolves (the reader's VNet is the app's): its VNet or a resolver's, or the VNet
  // holding a custom DNS server of its; a server in no VNet read leaves the integration VNet.
  if (a.vnet && same_resource(a.vnet->id.value_or(""), s.vnet_id))
    s.resolution_vnets = estate_facts::resolving_vnets(a);
  if (s.resolution_vnets.empty()) s.resolution_vnets = {s.vnet_id};

  for (const auto& target : in.targets) {
    if (target.kind == TargetKind::kCustom || target.privatelink_zone.empty()) continue;
    TargetState ts;
    ts.target = &target;
    ts.is_vault = target.kind == TargetKind::kKeyVault;
    ts.kind = ts.is_vault ? "vault" : "account";
    ts.name = first_label(target.host);
    ts.zone_name = target.privatelink_zone;
    ts.resource = ts.is_vault ? t.vault(ts.name) : t.account(ts.name);
    if (ts.resource) {
      ts.resource_id = json_str(*ts.resource, {"id"});
      ts.default_action = json_str(*ts.resource, {"properties", "networkAcls", "defaultAction"});
      ts.public_network_access = json_str(*ts.resource, {"properties", "publicNetworkAccess"});
      ts.no_subdomain =
          !ts.is_vault && json_str(*ts.resource, {"properties", "customSubDomainName"}).empty();
      resolve_endpoint(a, s, ts);
      resolve_dns(a, s, ts);
      if (!ts.endpoint_address.empty()) s.endpoint_addresses.push_back(ts.endpoint_address);
    }
    s.targets.push_back(std::move(ts));
  }
  resolve_duplicates(a, s);
  resolve_ruleset_links(a, s);
  resolve_peerings(t, a, s);
  s.kv_reference_needs_vnet = kv_reference_needs_vnet(a);
  resolve_failed(t, s);
  return s;
}

}  // namespace vnetdiag::fix
