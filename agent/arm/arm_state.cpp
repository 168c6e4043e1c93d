#include "arm_state.hpp"

#include "arm_state_reader.hpp"
#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {

namespace {

using nlohmann::json;
using state_detail::Reader;

std::optional<NetworkAcls> read_acls(const Reader& r) {
  const json* acls = r.find({"properties", "networkAcls"});
  if (!acls) return std::nullopt;
  if (!acls->is_object()) {
    r.note({"properties", "networkAcls"},
           std::string("is ") + acls->type_name() + ", not an object");
    return std::nullopt;
  }
  NetworkAcls a;
  a.default_action = r.str({"properties", "networkAcls", "defaultAction"});
  a.bypass = r.str({"properties", "networkAcls", "bypass"});
  r.each({"properties", "networkAcls", "ipRules"}, [&](const Reader& rule) {
    if (auto v = rule.str({"value"})) a.ip_rules.push_back(*v);
  });
  r.each({"properties", "networkAcls", "virtualNetworkRules"}, [&](const Reader& rule) {
    if (auto v = rule.str({"id"})) a.virtual_network_rules.push_back(*v);
  });
  return a;
}

std::vector<PrivateEndpointConnection> read_connections(const Reader& r) {
  std::vector<PrivateEndpointConnection> out;
  r.each({"properties", "privateEndpointConnections"}, [&](const Reader& c) {
    out.push_back({c.str({"id"}), c.str({"name"}), c.str({"properties", "privateEndpoint", "id"}),
                   c.str({"properties", "privateLinkServiceConnectionState", "status"}),
                   c.str({"properties", "provisioningState"})});
  });
  return out;
}

Site read_site(const json& body) {
  Site s;
  Reader r(body, s.problems);
  s.id = r.str({"id"});
  s.name = r.str({"name"});
  s.location = r.str({"location"});
  s.kind = r.str({"kind"});
  s.vnet_route_all_enabled = r.flag({"properties", "vnetRouteAllEnabled"});
  if (const json* o = r.find({"properties", "outboundVnetRouting"})) {
    if (o->is_object()) {
      Reader out(*o, s.problems, "properties.outboundVnetRouting");
      s.outbound_routing =
          OutboundVnetRouting{out.flag({"allTraffic"}), out.flag({"applicationTraffic"}),
                              out.flag({"contentShareTraffic"}), out.flag({"imagePullTraffic"}),
                              out.flag({"backupRestoreTraffic"})};
    } else {
      r.note({"properties", "outboundVnetRouting"},
             std::string("is ") + o->type_name() + ", not an object");
    }
  }
  s.virtual_network_subnet_id = r.str({"properties", "virtualNetworkSubnetId"});
  s.https_only = r.flag({"properties", "httpsOnly"});
  s.public_network_access = r.str({"properties", "publicNetworkAccess"});
  s.server_farm_id = r.str({"properties", "serverFarmId"});
  s.vnet_image_pull_enabled = r.flag({"properties", "vnetImagePullEnabled"});
  s.vnet_content_share_enabled = r.flag({"properties", "vnetContentShareEnabled"});
  s.vnet_backup_restore_enabled = r.flag({"properties", "vnetBackupRestoreEnabled"});
  s.default_host_name = r.str({"properties", "defaultHostName"});
  s.provisioning_state = r.str({"properties", "provisioningState"});
  s.identity_type = r.str({"identity", "type"});
  if (const json* ids = r.find({"identity", "userAssignedIdentities"})) {
    if (ids->is_object())
      for (const auto& item : ids->items()) s.user_assigned_identities.push_back(item.key());
    else
      r.note({"identity", "userAssignedIdentities"},
             std::string("is ") + ids->type_name() + ", not an object");
  }
  s.key_vault_reference_identity = r.str({"properties", "keyVaultReferenceIdentity"});
  return s;
}

SiteConfig read_site_config(const json& body) {
  SiteConfig c;
  Reader r(body, c.problems);
  c.id = r.str({"id"});
  c.vnet_route_all_enabled = r.flag({"properties", "vnetRouteAllEnabled"});
  c.vnet_name = r.str({"properties", "vnetName"});
  c.public_network_access = r.str({"properties", "publicNetworkAccess"});
  return c;
}

AppSettings read_app_settings(const json& body) {
  AppSettings a;
  Reader r(body, a.problems);
  a.id = r.str({"id"});
  a.website_vnet_route_all = r.str({"properties", "WEBSITE_VNET_ROUTE_ALL"});
  a.website_dns_server = r.str({"properties", "WEBSITE_DNS_SERVER"});
  a.website_dns_alt_server = r.str({"properties", "WEBSITE_DNS_ALT_SERVER"});
  return a;
}

Plan read_plan(const json& body) {
  Plan p;
  Reader r(body, p.problems);
  p.id = r.str({"id"});
  p.name = r.str({"name"});
  p.location = r.str({"location"});
  p.kind = r.str({"kind"});
  p.sku_tier = r.str({"sku", "tier"});
  p.sku_name = r.str({"sku", "name"});
  p.sku_capacity = r.integer({"sku", "capacity"});
  p.provisioning_state = r.str({"properties", "provisioningState"});
  return p;
}

Vault read_vault(const json& body) {
  Vault v;
  Reader r(body, v.problems);
  v.id = r.str({"id"});
  v.name = r.str({"name"});
  v.location = r.str({"location"});
  v.vault_uri = r.str({"properties", "vaultUri"});
  v.provisioning_state = r.str({"properties", "provisioningState"});
  v.public_network_access = r.str({"properties", "publicNetworkAccess"});
  v.network_acls = read_acls(r);
  v.private_endpoint_connections = read_connections(r);
  return v;
}

Account read_account(const json& body) {
  Account a;
  Reader r(body, a.problems);
  a.id = r.str({"id"});
  a.name = r.str({"name"});
  a.location = r.str({"location"});
  a.kind = r.str({"kind"});
  a.provisioning_state = r.str({"properties", "provisioningState"});
  a.custom_sub_domain_name = r.str({"properties", "customSubDomainName"});
  a.public_network_access = r.str({"properties", "publicNetworkAccess"});
  a.endpoint = r.str({"properties", "endpoint"});
  a.network_acls = read_acls(r);
  a.private_endpoint_connections = read_connections(r);
  return a;
}

template <class T>
void prefixed(std::vector<std::string>& out, const char* kind, const T& resource) {
  const std::string who =
      std::string(kind) + " " + (resource.id ? *resource.id : std::string("(no id)")) + ": ";
  for (const auto& p : resource.problems) out.push_back(who + p);
}

}  // namespace

ArmState parse_state(const Topology& t) {
  using namespace state_detail;
  ArmState s;
  if (!t.site.is_null()) s.site = read_site(t.site);
  if (!t.site_config.is_null()) s.site_config = read_site_config(t.site_config);
  if (!t.app_settings.is_null()) s.app_settings = read_app_settings(t.app_settings);
  if (!t.plan.is_null()) s.plan = read_plan(t.plan);
  if (!t.subnet.is_null()) {
    std::vector<std::string> problems;
    s.subnet = read_subnet(Reader(t.subnet, problems));
    s.subnet->problems = std::move(problems);
  }
  if (!t.vnet.is_null()) s.vnet = read_vnet(t.vnet);
  for (const auto& v : t.vaults) s.vaults.push_back(read_vault(v));
  for (const auto& a : t.accounts) s.accounts.push_back(read_account(a));
  for (const auto& pe : t.private_endpoints)
    s.private_endpoints.push_back(read_private_endpoint(pe));
  for (const auto& z : t.zones) s.zones.push_back(read_zone(z));
  for (const auto& v : t.vnets) s.vnets.push_back(read_vnet(v));
  for (const auto& [zone, links] : t.links) {
    auto& out = s.links[zone];
    for (const auto& l : links) out.push_back(read_link(zone, l));
  }
  for (const auto& [zone, sets] : t.a_records) {
    auto& out = s.a_records[zone];
    for (const auto& rs : sets) out.push_back(read_a_record_set(zone, rs));
  }
  for (const auto& [pe, groups] : t.zone_groups) {
    auto& out = s.zone_groups[pe];
    for (const auto& g : groups) out.push_back(read_zone_group(g));
  }
  for (const auto& [id, nic] : t.nics) s.nics.emplace(id, read_nic(nic));
  for (const auto& [id, nsg] : t.nsgs) s.nsgs.emplace(id, read_nsg(nsg));
  for (const auto& [id, table] : t.route_tables)
    s.route_tables.emplace(id, read_route_table(table));
  for (const auto& z : t.duplicate_zones) s.duplicate_zones.push_back(read_zone(z));
  for (const auto& [id, links] : t.duplicate_links) {
    auto& out = s.duplicate_links[id];
    for (const auto& l : links) out.push_back(read_link(id, l));
  }
  for (const auto& [id, sets] : t.duplicate_a_records) {
    auto& out = s.duplicate_a_records[id];
    for (const auto& rs : sets) out.push_back(read_a_record_set(id, rs));
  }
  for (const auto& r : t.resolvers) s.resolvers.push_back(read_resolver(r));
  for (const auto& [id, eps] : t.inbound_endpoints) {
    auto& out = s.inbound_endpoints[id];
    for (const auto& e : eps) out.push_back(read_inbound_endpoint(e));
  }
  for (const auto& r : t.rulesets) s.rulesets.push_back(read_ruleset(r));
  for (const auto& [id, links] : t.ruleset_links) {
    auto& out = s.ruleset_links[id];
    for (const auto& l : links) out.push_back(read_ruleset_link(l));
  }
  for (const auto& [id, rules] : t.forwarding_rules) {
    auto& out = s.forwarding_rules[id];
    for (const auto& f : rules) out.push_back(read_forwarding_rule(f));
  }
  for (const auto& k : t.kv_references) s.kv_references.push_back(read_kv_reference(k));
  s.read_mode = t.read_mode;
  s.read_mode_reason = t.read_mode_reason;
  s.subscriptions = t.subscriptions;
  s.required_zones = t.required_zones;
  s.provider_states = t.provider_states;
  s.errors = t.errors;
  s.unread = t.unread;
  s.requests = t.requests;
  s.credential = t.credential;
  s.correlation_id = t.correlation_id;
  return s;
}

std::vector<std::string> ArmState::all_problems() const {
  std::vector<std::string> out = problems;
  if (site) prefixed(out, "site", *site);
  if (site_config) prefixed(out, "site config", *site_config);
  if (app_settings) prefixed(out, "app settings", *app_settings);
  if (plan) prefixed(out, "plan", *plan);
  if (subnet) prefixed(out, "integration subnet", *subnet);
  if (vnet) prefixed(out, "integration vnet", *vnet);
  for (const auto& v : vaults) prefixed(out, "vault", v);
  for (const auto& a : accounts) prefixed(out, "account", a);
  for (const auto& pe : private_endpoints) prefixed(out, "private endpoint", pe);
  for (const auto& z : zones) prefixed(out, "private DNS zone", z);
  for (const auto& v : vnets) prefixed(out, "vnet", v);
  for (const auto& [zone, list] : links)
    for (const auto& l : list) prefixed(out, "link", l);
  for (const auto& [zone, list] : a_records)
    for (const auto& rs : list) prefixed(out, "A record set", rs);
  for (const auto& [pe, list] : zone_groups)
    for (const auto& g : list) prefixed(out, "zone group", g);
  for (const auto& [id, nic_body] : nics) prefixed(out, "NIC", nic_body);
  for (const auto& [id, nsg] : nsgs) prefixed(out, "network security group", nsg);
  for (const auto& [id, table] : route_tables) prefixed(out, "route table", table);
  for (const auto& z : duplicate_zones) prefixed(out, "duplicate private DNS zone", z);
  for (const auto& [zone, list] : duplicate_links)
    for (const auto& l : list) prefixed(out, "link", l);
  for (const auto& [zone, list] : duplicate_a_records)
    for (const auto& rs : list) prefixed(out, "A record set", rs);
  for (const auto& r : resolvers) prefixed(out, "DNS resolver", r);
  for (const auto& [id, list] : inbound_endpoints)
    for (const auto& e : list) prefixed(out, "inbound endpoint", e);
  for (const auto& r : rulesets) prefixed(out, "forwarding ruleset", r);
  for (const auto& [id, list] : ruleset_links)
    for (const auto& l : list) prefixed(out, "ruleset link", l);
  for (const auto& [id, list] : forwarding_rules)
    for (const auto& f : list) prefixed(out, "forwarding rule", f);
  for (const auto& k : kv_references) prefixed(out, "Key Vault reference", k);
  return out;
}

}  // namespace vnetdiag::arm
