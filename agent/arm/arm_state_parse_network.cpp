// parse_state's Microsoft.Network parts: VNets, subnets, private endpoints, NICs, zone groups and
// the private DNS zones with their links and A record sets.
#include "arm_state_reader.hpp"

namespace vnetdiag::arm::state_detail {

using nlohmann::json;

Subnet read_subnet(const Reader& r) {
  Subnet s;
  s.id = r.str({"id"});
  s.name = r.str({"name"});
  s.etag = r.str({"etag"});
  s.provisioning_state = r.str({"properties", "provisioningState"});
  s.address_prefix = r.str({"properties", "addressPrefix"});
  s.address_prefixes = r.strings({"properties", "addressPrefixes"});
  r.each({"properties", "delegations"}, [&](const Reader& d) {
    s.delegations.push_back({d.str({"name"}), d.str({"properties", "serviceName"})});
  });
  s.private_endpoint_network_policies = r.str({"properties", "privateEndpointNetworkPolicies"});
  s.network_security_group_id = r.str({"properties", "networkSecurityGroup", "id"});
  s.route_table_id = r.str({"properties", "routeTable", "id"});
  return s;
}

Vnet read_vnet(const json& body) {
  Vnet v;
  Reader r(body, v.problems);
  v.id = r.str({"id"});
  v.name = r.str({"name"});
  v.location = r.str({"location"});
  v.etag = r.str({"etag"});
  v.provisioning_state = r.str({"properties", "provisioningState"});
  v.address_prefixes = r.strings({"properties", "addressSpace", "addressPrefixes"});
  v.dns_servers = r.strings({"properties", "dhcpOptions", "dnsServers"});
  r.each({"properties", "subnets"}, [&](const Reader& s) { v.subnets.push_back(read_subnet(s)); });
  r.each({"properties", "virtualNetworkPeerings"}, [&](const Reader& p) {
    v.peerings.push_back(
        {p.str({"id"}), p.str({"name"}), p.str({"properties", "remoteVirtualNetwork", "id"}),
         p.str({"properties", "peeringState"}), p.str({"properties", "provisioningState"}),
         p.flag({"properties", "allowVirtualNetworkAccess"}),
         p.flag({"properties", "allowForwardedTraffic"}),
         p.flag({"properties", "useRemoteGateways"}),
         p.strings({"properties", "remoteAddressSpace", "addressPrefixes"})});
  });
  return v;
}

namespace {

std::vector<ServiceConnection> read_service_connections(const Reader& r, const char* list) {
  std::vector<ServiceConnection> out;
  r.each({"properties", list}, [&](const Reader& c) {
    out.push_back({c.str({"id"}), c.str({"name"}), c.str({"properties", "privateLinkServiceId"}),
                   c.strings({"properties", "groupIds"}),
                   c.str({"properties", "privateLinkServiceConnectionState", "status"}),
                   c.str({"properties", "privateLinkServiceConnectionState", "description"})});
  });
  return out;
}

}  // namespace

PrivateEndpoint read_private_endpoint(const json& body) {
  PrivateEndpoint pe;
  Reader r(body, pe.problems);
  pe.id = r.str({"id"});
  pe.name = r.str({"name"});
  pe.location = r.str({"location"});
  pe.provisioning_state = r.str({"properties", "provisioningState"});
  pe.subnet_id = r.str({"properties", "subnet", "id"});
  pe.connections = read_service_connections(r, "privateLinkServiceConnections");
  pe.manual_connections = read_service_connections(r, "manualPrivateLinkServiceConnections");
  r.each({"properties", "networkInterfaces"},
         [&](const Reader& nic) { pe.network_interface_ids.push_back(nic.str({"id"})); });
  r.each({"properties", "customDnsConfigs"}, [&](const Reader& c) {
    pe.custom_dns_configs.push_back({c.str({"fqdn"}), c.strings({"ipAddresses"})});
  });
  return pe;
}

Nic read_nic(const json& body) {
  Nic n;
  Reader r(body, n.problems);
  n.id = r.str({"id"});
  n.name = r.str({"name"});
  r.each({"properties", "ipConfigurations"}, [&](const Reader& ipc) {
    n.ip_configurations.push_back({ipc.str({"name"}), ipc.str({"properties", "privateIPAddress"}),
                                   ipc.str({"properties", "subnet", "id"})});
  });
  return n;
}

ZoneGroup read_zone_group(const json& body) {
  ZoneGroup g;
  Reader r(body, g.problems);
  g.id = r.str({"id"});
  g.name = r.str({"name"});
  g.provisioning_state = r.str({"properties", "provisioningState"});
  r.each({"properties", "privateDnsZoneConfigs"}, [&](const Reader& c) {
    g.zone_configs.push_back({c.str({"name"}), c.str({"properties", "privateDnsZoneId"})});
  });
  return g;
}

PrivateDnsZone read_zone(const json& body) {
  PrivateDnsZone z;
  Reader r(body, z.problems);
  z.id = r.str({"id"});
  z.name = r.str({"name"});
  z.provisioning_state = r.str({"properties", "provisioningState"});
  return z;
}

VnetLink read_link(const std::string& zone, const json& body) {
  VnetLink l;
  l.zone = zone;
  Reader r(body, l.problems);
  l.id = r.str({"id"});
  l.name = r.str({"name"});
  l.provisioning_state = r.str({"properties", "provisioningState"});
  l.virtual_network_id = r.str({"properties", "virtualNetwork", "id"});
  l.registration_enabled = r.flag({"properties", "registrationEnabled"});
  l.virtual_network_link_state = r.str({"properties", "virtualNetworkLinkState"});
  l.resolution_policy = r.str({"properties", "resolutionPolicy"});
  return l;
}

ARecordSet read_a_record_set(const std::string& zone, const json& body) {
  ARecordSet rs;
  rs.zone = zone;
  Reader r(body, rs.problems);
  rs.id = r.str({"id"});
  rs.name = r.str({"name"});
  rs.fqdn = r.str({"properties", "fqdn"});
  rs.ttl = r.integer({"properties", "ttl"});
  r.each({"properties", "aRecords"},
         [&](const Reader& a) { rs.records.push_back({a.str({"ipv4Address"})}); });
  return rs;
}

namespace {

SecurityRule read_security_rule(const Reader& r, bool is_default) {
  SecurityRule rule;
  rule.name = r.str({"name"});
  rule.protocol = r.str({"properties", "protocol"});
  rule.access = r.str({"properties", "access"});
  rule.direction = r.str({"properties", "direction"});
  rule.priority = r.integer({"properties", "priority"});
  rule.source_address_prefix = r.str({"properties", "sourceAddressPrefix"});
  rule.destination_address_prefix = r.str({"properties", "destinationAddressPrefix"});
  rule.source_address_prefixes = r.strings({"properties", "sourceAddressPrefixes"});
  rule.destination_address_prefixes = r.strings({"properties", "destinationAddressPrefixes"});
  rule.destination_port_range = r.str({"properties", "destinationPortRange"});
  rule.destination_port_ranges = r.strings({"properties", "destinationPortRanges"});
  for (const char* groups :
       {"sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"}) {
    const nlohmann::json* g = r.find({"properties", groups});
    if (g && !(g->is_array() && g->empty())) rule.uses_application_groups = true;
  }
  rule.is_default = is_default;
  return rule;
}

}  // namespace

Nsg read_nsg(const json& body) {
  Nsg n;
  Reader r(body, n.problems);
  n.id = r.str({"id"});
  n.name = r.str({"name"});
  n.provisioning_state = r.str({"properties", "provisioningState"});
  r.each({"properties", "securityRules"},
         [&](const Reader& rule) { n.rules.push_back(read_security_rule(rule, false)); });
  n.has_default_rules = r.find({"properties", "defaultSecurityRules"}) != nullptr;
  r.each({"properties", "defaultSecurityRules"},
         [&](const Reader& rule) { n.rules.push_back(read_security_rule(rule, true)); });
  return n;
}

RouteTable read_route_table(const json& body) {
  RouteTable t;
  Reader r(body, t.problems);
  t.id = r.str({"id"});
  t.name = r.str({"name"});
  t.provisioning_state = r.str({"properties", "provisioningState"});
  r.each({"properties", "routes"}, [&](const Reader& route) {
    t.routes.push_back({route.str({"name"}), route.str({"properties", "addressPrefix"}),
                        route.str({"properties", "nextHopType"}),
                        route.str({"properties", "nextHopIpAddress"})});
  });
  return t;
}

}  // namespace vnetdiag::arm::state_detail
