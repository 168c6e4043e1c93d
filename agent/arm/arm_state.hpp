#pragma once
// The app's Azure configuration as typed values, parsed once from a Topology (issue 13).
//
// Every property ARM may omit is a std::optional: absent (or JSON null) is nullopt, which a rule
// can tell apart from an empty string. A property of the wrong type is nullopt too (except that a
// text property that is a number or a boolean keeps its JSON text, as json_str read it, so that
// lookups answer as Topology's), and the parser says so in the owning resource's `problems` (a path
// and what was found, never the value: bodies are outside data and may be secrets or bytes that are
// not UTF-8). parse_state never throws on what a body holds. Every item of a list becomes an entry,
// even one that is not an object (an all-absent entry plus a problem), so counts match what the
// JSON rules iterate.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "topology.hpp"

namespace vnetdiag::arm {

using Text = std::optional<std::string>;
using Flag = std::optional<bool>;  // JSON true/false, or the strings "true"/"false" as json_str

// The four outboundVnetRouting flags of newer Web api-versions (site properties).
struct OutboundVnetRouting {
  Flag all_traffic, application_traffic, content_share_traffic, image_pull_traffic,
      backup_restore_traffic;
};

struct Site {
  Text id, name, location, kind;
  Flag vnet_route_all_enabled;                          // properties.vnetRouteAllEnabled
  std::optional<OutboundVnetRouting> outbound_routing;  // properties.outboundVnetRouting
  Text virtual_network_subnet_id;                       // properties.virtualNetworkSubnetId
  Flag https_only;                                      // properties.httpsOnly
  Text public_network_access;                           // properties.publicNetworkAccess
  Text server_farm_id;                                  // properties.serverFarmId
  Flag vnet_image_pull_enabled, vnet_content_share_enabled, vnet_backup_restore_enabled;
  Text default_host_name, provisioning_state;
  Text identity_type;                                 // identity.type
  std::vector<std::string> user_assigned_identities;  // identity.userAssignedIdentities keys
  Text key_vault_reference_identity;                  // properties.keyVaultReferenceIdentity
  std::vector<std::string> problems;
};

struct SiteConfig {  // config/web
  Text id;
  Flag vnet_route_all_enabled;  // properties.vnetRouteAllEnabled
  Text vnet_name, public_network_access;
  std::vector<std::string> problems;
};

struct AppSettings {  // only the names the rules read (the others may be secrets)
  Text id;
  Text website_vnet_route_all;  // properties.WEBSITE_VNET_ROUTE_ALL ("1" / "0")
  Text website_dns_server;      // properties.WEBSITE_DNS_SERVER
  Text website_dns_alt_server;  // properties.WEBSITE_DNS_ALT_SERVER
  std::vector<std::string> problems;
};

struct Plan {  // App Service plan (serverfarm)
  Text id, name, location, kind;
  Text sku_tier, sku_name;                   // sku.tier, sku.name
  std::optional<std::int64_t> sku_capacity;  // sku.capacity: the instance count
  Text provisioning_state;
  std::vector<std::string> problems;
};

struct Delegation {
  Text name, service_name;  // properties.serviceName
};

struct Subnet {
  Text id, name, etag, provisioning_state;
  Text address_prefix;                        // properties.addressPrefix
  std::vector<std::string> address_prefixes;  // properties.addressPrefixes
  std::vector<Delegation> delegations;        // properties.delegations
  Text private_endpoint_network_policies;     // properties.privateEndpointNetworkPolicies
  Text network_security_group_id;             // properties.networkSecurityGroup.id
  Text route_table_id;                        // properties.routeTable.id
  // Problems of a subnet read on its own (Topology::subnet); a subnet inside a VNet body reports
  // into the VNet's problems, with its path.
  std::vector<std::string> problems;
  // Some delegation's serviceName equals `service`, compared case-insensitively as the rules do.
  bool delegated_to(std::string_view service) const;
};

struct Peering {  // properties.virtualNetworkPeerings[]
  Text id, name, remote_virtual_network_id, peering_state, provisioning_state;
  Flag allow_virtual_network_access, allow_forwarded_traffic, use_remote_gateways;
  std::vector<std::string>
      remote_address_prefixes;  // properties.remoteAddressSpace.addressPrefixes
};

struct Vnet {
  Text id, name, location, etag, provisioning_state;
  std::vector<std::string> address_prefixes;  // properties.addressSpace.addressPrefixes
  std::vector<std::string> dns_servers;       // properties.dhcpOptions.dnsServers (strings)
  std::vector<Subnet> subnets;                // properties.subnets
  std::vector<Peering> peerings;              // properties.virtualNetworkPeerings
  std::vector<std::string> problems;
  // The subnet whose name (case-insensitive) or id (same_resource) is name_or_id, as the fix
  // planner's find_subnet.
  const Subnet* subnet(const std::string& name_or_id) const;
};

// A target's side of a private endpoint (vault/account properties.privateEndpointConnections[]).
struct PrivateEndpointConnection {
  Text id, name;
  Text private_endpoint_id;  // properties.privateEndpoint.id
  Text status;               // properties.privateLinkServiceConnectionState.status
  Text provisioning_state;
};

struct NetworkAcls {
  Text default_action, bypass;
  std::vector<std::string> ip_rules;               // ipRules[].value
  std::vector<std::string> virtual_network_rules;  // virtualNetworkRules[].id
};

struct Vault {
  Text id, name, location, vault_uri, provisioning_state;
  Text public_network_access;               // properties.publicNetworkAccess
  std::optional<NetworkAcls> network_acls;  // properties.networkAcls (when an object)
  std::vector<PrivateEndpointConnection> private_endpoint_connections;
  std::vector<std::string> problems;
};

struct Account {  // Cognitive Services
  Text id, name, location, kind, provisioning_state;
  Text custom_sub_domain_name;  // properties.customSubDomainName
  Text public_network_access;   // properties.publicNetworkAccess
  Text endpoint;                // properties.endpoint
  std::optional<NetworkAcls> network_acls;
  std::vector<PrivateEndpointConnection> private_endpoint_connections;
  std::vector<std::string> problems;
};

// The endpoint's side: properties.(manual)privateLinkServiceConnections[].
struct ServiceConnection {
  Text id, name;
  Text private_link_service_id;        // properties.privateLinkServiceId
  std::vector<std::string> group_ids;  // properties.groupIds
  Text status;                         // properties.privateLinkServiceConnectionState.status
  Text description;                    // properties.privateLinkServiceConnectionState.description
};

struct CustomDnsConfig {
  Text fqdn;
  std::vector<std::string> ip_addresses;  // the string items of ipAddresses
};

struct PrivateEndpoint {
  Text id, name, location, provisioning_state;
  Text subnet_id;                                     // properties.subnet.id
  std::vector<ServiceConnection> connections;         // properties.privateLinkServiceConnections
  std::vector<ServiceConnection> manual_connections;  // ...manualPrivateLinkServiceConnections
  std::vector<Text> network_interface_ids;  // properties.networkInterfaces[].id, one per item
  std::vector<CustomDnsConfig> custom_dns_configs;
  std::vector<std::string> problems;
  // The first non-empty connection status, automatic connections before manual ones; "" if none.
  std::string connection_status() const;
};

struct ZoneConfig {  // properties.privateDnsZoneConfigs[]
  Text name;
  Text private_dns_zone_id;  // properties.privateDnsZoneId
};

struct ZoneGroup {  // a private endpoint's privateDnsZoneGroups[]
  Text id, name, provisioning_state;
  std::vector<ZoneConfig> zone_configs;
  std::vector<std::string> problems;
  std::vector<std::string> zone_ids() const;  // every config's zone id, "" where absent
};

struct IpConfiguration {
  Text name, private_ip_address;  // properties.privateIPAddress
  Text subnet_id;                 // properties.subnet.id
};

struct Nic {
  Text id, name;
  std::vector<IpConfiguration> ip_configurations;  // properties.ipConfigurations
  std::vector<std::string> problems;
};

struct PrivateDnsZone {
  Text id, name, provisioning_state;
  std::vector<std::string> problems;
};

struct VnetLink {
  std::string zone;  // the zone the link was listed under (Topology::links key)
  Text id, name, provisioning_state;
  Text virtual_network_id;          // properties.virtualNetwork.id
  Flag registration_enabled;        // properties.registrationEnabled
  Text virtual_network_link_state;  // properties.virtualNetworkLinkState
  Text resolution_policy;           // properties.resolutionPolicy (Default | NxDomainRedirect)
  std::vector<std::string> problems;
};

struct ARecord {
  Text ipv4_address;  // one per aRecords item, absent when the item has none
};

struct ARecordSet {
  std::string zone;  // the zone the set was listed under (Topology::a_records key)
  Text id, name, fqdn;
  std::optional<std::int64_t> ttl;  // properties.ttl
  std::vector<ARecord> records;     // properties.aRecords
  std::vector<std::string> problems;
  // Every record's address, "" where absent (what the rules compare an endpoint's address to).
  std::vector<std::string> addresses() const;
};

// One rule of a network security group (properties.securityRules[] or defaultSecurityRules[]).
struct SecurityRule {
  Text name, protocol, access, direction;  // properties.protocol / access / direction
  std::optional<std::int64_t> priority;    // properties.priority
  Text source_address_prefix, destination_address_prefix;
  std::vector<std::string> source_address_prefixes, destination_address_prefixes;
  Text destination_port_range;
  std::vector<std::string> destination_port_ranges;
  // Any source/destinationApplicationSecurityGroups: the rule names groups of NICs, not
  // addresses, which the check cannot resolve.
  bool uses_application_groups = false;
  bool is_default = false;  // from defaultSecurityRules
};

struct Nsg {
  Text id, name, provisioning_state;
  std::vector<SecurityRule> rules;  // securityRules, then defaultSecurityRules
  bool has_default_rules = false;   // the body listed defaultSecurityRules
  std::vector<std::string> problems;
};

struct Route {  // properties.routes[]
  Text name, address_prefix, next_hop_type, next_hop_ip_address;
};

struct RouteTable {
  Text id, name, provisioning_state;
  std::vector<Route> routes;
  std::vector<std::string> problems;
};

// Issue 15: DNS Private Resolver (Microsoft.Network/dnsResolvers, api-version 2022-07-01).
struct DnsResolver {
  Text id, name, location, provisioning_state;
  Text virtual_network_id;  // properties.virtualNetwork.id
  std::vector<std::string> problems;
};

struct InboundEndpoint {  // dnsResolvers/{r}/inboundEndpoints
  Text id, name, provisioning_state;
  std::vector<std::string> private_ip_addresses;  // properties.ipConfigurations[].privateIpAddress
  std::vector<std::string> subnet_ids;            // properties.ipConfigurations[].subnet.id
  std::vector<std::string> problems;
};

struct DnsForwardingRuleset {
  Text id, name, location, provisioning_state;
  std::vector<std::string> outbound_endpoint_ids;  // properties.dnsResolverOutboundEndpoints[].id
  std::vector<std::string> problems;
};

struct RulesetLink {  // dnsForwardingRulesets/{r}/virtualNetworkLinks
  Text id, name, provisioning_state;
  Text virtual_network_id;  // properties.virtualNetwork.id
  std::vector<std::string> problems;
};

struct ForwardingRule {  // dnsForwardingRulesets/{r}/forwardingRules
  Text id, name, provisioning_state;
  Text domain_name;                     // properties.domainName, e.g. "vault.azure.net."
  Text state;                           // properties.forwardingRuleState (Enabled | Disabled)
  std::vector<std::string> target_ips;  // properties.targetDnsServers[].ipAddress
  std::vector<std::string> problems;
};

// One Key Vault reference of the app settings (config/configreferences/appsettings value[]).
struct KeyVaultReference {
  Text id;
  Text name;       // the app setting's name (the resource name's last segment)
  Text reference;  // properties.reference, "@Microsoft.KeyVault(...)"
  Text status;     // properties.status: Resolved, AccessToKeyVaultDenied, ...
  Text vault_name, secret_name, secret_version;
  Text identity_type;  // properties.identityType
  Text details;        // properties.details: the platform's reason
  Text source;         // properties.source ("KeyVault")
  std::vector<std::string> problems;
  // The platform's fetch did not get the secret for want of reach or right (AccessToKeyVaultDenied,
  // FetchTimedOut, UnauthorizedClient): on a private-only vault the route comes first.
  bool fetch_refused() const;
};

struct ArmState {
  std::optional<Site> site;  // engaged when Topology::site was not null (read and found)
  std::optional<SiteConfig> site_config;
  std::optional<AppSettings> app_settings;
  std::optional<Plan> plan;
  std::optional<Subnet> subnet;  // the app's integration subnet, read on its own
  std::optional<Vnet> vnet;      // its VNet
  std::vector<Vault> vaults;
  std::vector<Account> accounts;
  std::vector<PrivateEndpoint> private_endpoints;
  std::vector<PrivateDnsZone> zones;
  std::vector<Vnet> vnets;
  std::map<std::string, std::vector<VnetLink>> links;         // zone name (lower) -> links
  std::map<std::string, std::vector<ARecordSet>> a_records;   // zone name (lower) -> A sets
  std::map<std::string, std::vector<ZoneGroup>> zone_groups;  // endpoint id (lower) -> groups
  std::map<std::string, Nic> nics;                            // NIC id (lower) -> NIC
  std::map<std::string, std::string> required_zones;          // account name (lower) -> zone
  std::map<std::string, std::string> provider_states;  // "{sub}/{namespace}" (lower) -> state
  std::map<std::string, Nsg> nsgs;                     // NSG id (lower) -> NSG
  std::map<std::string, RouteTable> route_tables;      // route table id (lower) -> table
  // Issue 15 (see Topology): zones with the name of one in `zones` that is not the one serving
  // the app, with their links and A sets by zone id (lower).
  std::vector<PrivateDnsZone> duplicate_zones;
  std::map<std::string, std::vector<VnetLink>> duplicate_links;
  std::map<std::string, std::vector<ARecordSet>> duplicate_a_records;
  std::vector<DnsResolver> resolvers;
  std::map<std::string, std::vector<InboundEndpoint>> inbound_endpoints;  // resolver id (lower)
  std::vector<DnsForwardingRuleset> rulesets;
  std::map<std::string, std::vector<RulesetLink>> ruleset_links;        // ruleset id (lower)
  std::map<std::string, std::vector<ForwardingRule>> forwarding_rules;  // ruleset id (lower)
  std::vector<KeyVaultReference> kv_references;
  std::string read_mode, read_mode_reason;  // "resource-graph" | "direct"
  std::set<std::string> subscriptions;

  // Bookkeeping, as read_topology left it.
  std::vector<std::string> errors;  // reads that failed, one line each
  std::set<std::string> unread;     // kinds of read whose answer was not had
  bool was_read(const std::string& kind) const { return !unread.count(kind); }
  int requests = 0;
  std::string credential, correlation_id;

  // Problems that belong to no single resource.
  std::vector<std::string> problems;
  // Every problem of the state, each prefixed with its resource ("vault <id>: ...").
  std::vector<std::string> all_problems() const;

  // Lookups with Topology's semantics (names case-insensitive, ids by same_resource, map keys
  // looked up lower-cased).
  const Vault* vault(const std::string& name) const;
  // The vault is reached only through a private endpoint: public network access Disabled, or
  // a firewall that denies by default (false when the vault was not read).
  bool vault_private_only(const std::string& name) const;
  const Account* account(const std::string& name) const;  // name or customSubDomainName
  const PrivateDnsZone* zone(const std::string& name) const;
  // Once per matching connection (an endpoint with two matching connections comes twice).
  std::vector<const PrivateEndpoint*> endpoints_for(const std::string& target_id) const;
  std::string endpoint_address(const PrivateEndpoint& endpoint) const;  // NIC's IP, or DNS config's
  const std::vector<VnetLink>& links_of(const std::string& zone_name) const;
  const std::vector<ARecordSet>& records_of(const std::string& zone_name) const;
  const std::vector<ZoneGroup>& groups_of(const std::string& endpoint_id) const;
  const Nic* nic(const std::string& id) const;
  const Nsg* nsg(const std::string& id) const;
  const RouteTable* route_table(const std::string& id) const;
  // A subnet by id: the integration subnet, else one inside a listed VNet (or the integration
  // VNet); nullptr when none was read.
  const Subnet* subnet_by_id(const std::string& id) const;
  const Vnet* vnet_by_id(const std::string& id) const;
  // Issue 15 lookups.
  // The resolver (and its inbound endpoint) one of whose inbound endpoints has this address.
  std::pair<const DnsResolver*, const InboundEndpoint*> inbound_endpoint_at(
      const std::string& address) const;
  // The rulesets with a link to this VNet (same_resource).
  std::vector<const DnsForwardingRuleset*> rulesets_linked_to(const std::string& vnet_id) const;
  // The DNS servers the app is given: WEBSITE_DNS_SERVER (and WEBSITE_DNS_ALT_SERVER) when set,
  // else the integration VNet's dhcpOptions.dnsServers; empty means Azure DNS.
  std::vector<std::string> app_dns_servers() const;
  // The VNets whose private DNS zone links decide what the app resolves: the integration VNet
  // when it uses Azure DNS; with custom DNS servers, the VNet of each resolver whose inbound
  // endpoint is one of them (and the integration VNet itself when a server is 168.63.129.16).
  std::vector<std::string> resolution_vnet_ids() const;
  // The peering of `from` (a VNet read) whose remote VNet is `to`, or nullptr.
  const Peering* peering_between(const std::string& from_vnet_id,
                                 const std::string& to_vnet_id) const;
};

// Parses every body once. Never throws on what the bodies hold (only std::bad_alloc can escape).
ArmState parse_state(const Topology& topology);

}  // namespace vnetdiag::arm
