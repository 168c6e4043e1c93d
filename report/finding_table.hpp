#pragma once
// THE catalogue: every finding vnetdiag can report, with its failure-mode number (FM-nn in
// docs), layer, severity, one-line title and remedy. Ids are stable: tests, dashboards and alerts
// key on them. README's finding table and the report schema's id enum are generated from this
// table (tests/catalogue/); adding a finding is one entry here plus the rule that makes it.
#include <array>
#include <optional>
#include <string_view>

#include "model.hpp"

namespace vnetdiag {

struct FindingSpec {
  std::string_view id;
  std::optional<int> fm;
  Layer layer;
  Severity severity;
  std::string_view title;   // one line, used as the summary prefix
  std::string_view remedy;  // what to do
};

inline constexpr std::array kCatalogue = {
    // DNS
    FindingSpec{"dns.private_endpoint", std::nullopt, Layer::kDns, Severity::kOk,
                "resolves through the privatelink alias to a private endpoint address", ""},
    FindingSpec{"dns.resolved", std::nullopt, Layer::kDns, Severity::kOk, "resolves", ""},
    FindingSpec{
        "dns.alias_missing", 24, Layer::kDns, Severity::kCritical,
        "no privatelink alias in the CNAME chain: the private endpoint connection is not "
        "Approved (or there is none)",
        "Approve the private endpoint connection on the vault/account (Networking > Private "
        "endpoint connections), or create a private endpoint for it; Rejected or "
        "Disconnected connections need a new endpoint."},
    FindingSpec{"dns.public_address", 13, Layer::kDns, Severity::kCritical,
                "the name resolves to a public address, not the private endpoint",
                "Create the privatelink zone with its exact name and link it to the VNet the app "
                "is integrated with (registrationEnabled=false); if the VNet uses custom DNS, "
                "forward the public zone to 168.63.129.16."},
    FindingSpec{"dns.nxdomain", 14, Layer::kDns, Severity::kCritical,
                "NXDOMAIN: the linked privatelink zone has no record for this name",
                "Add a DNS zone group to the private endpoint (privateDnsZoneGroups) so the A "
                "record is written and kept in step with the endpoint's address."},
    FindingSpec{"dns.no_answer", 14, Layer::kDns, Severity::kCritical,
                "the resolver answered without any address",
                "Check the A record in the privatelink zone; let the endpoint's DNS zone group "
                "own it."},
    FindingSpec{"dns.servfail", 18, Layer::kDns, Severity::kCritical,
                "the resolver answered SERVFAIL",
                "The resolver cannot complete the lookup: check its forwarders to Azure DNS "
                "(168.63.129.16) and the zones it serves."},
    FindingSpec{"dns.refused", 17, Layer::kDns, Severity::kCritical,
                "the resolver refused the query",
                "Allow the integration subnet to query this resolver, or point WEBSITE_DNS_SERVER "
                "at one that serves it."},
    FindingSpec{"dns.timeout", 18, Layer::kDns, Severity::kCritical,
                "the resolver did not answer in time",
                "Check that the resolver is reachable from the integration subnet (NSG, route "
                "table, peering on UDP/TCP 53) and healthy; consider WEBSITE_DNS_ALT_SERVER."},
    FindingSpec{"dns.unreachable", 18, Layer::kDns, Severity::kCritical,
                "the resolver is unreachable (port closed or no route)",
                "Start or repair the DNS server, or point the app at a working one "
                "(WEBSITE_DNS_SERVER / VNet dhcpOptions.dnsServers)."},
    FindingSpec{"dns.malformed", 18, Layer::kDns, Severity::kCritical,
                "the resolver sent an answer that cannot be parsed",
                "Something between the app and the resolver rewrites DNS: check the resolver and "
                "any DNS proxy on the path."},
    FindingSpec{"dns.resolvers_disagree", 17, Layer::kDns, Severity::kWarning,
                "resolvers give different answers for the same name",
                "Make every resolver the app may use forward the public zones (vault.azure.net, "
                "vaultcore.azure.net, cognitiveservices.azure.com) to Azure DNS 168.63.129.16."},
    FindingSpec{
        "dns.resolver_not_forwarding", 17, Layer::kDns, Severity::kCritical,
        "a resolver the app may use does not give the private answer another resolver gives",
        "Make this resolver forward the public zones (vault.azure.net, vaultcore.azure.net, "
        "cognitiveservices.azure.com, or the cloud's equivalents) to Azure DNS "
        "168.63.129.16, or link the privatelink zones to the VNet it runs in."},
    FindingSpec{"dns.slow_resolver", 18, Layer::kDns, Severity::kWarning,
                "a resolver answers slowly",
                "Check the resolver's load and its forwarders; the platform's DNS timeout is short "
                "(WEBSITE_DNS_TIMEOUT), so a slow resolver means failed lookups in the app."},
    FindingSpec{"dns.long_ttl", 21, Layer::kDns, Severity::kWarning,
                "a wrong answer carries a long TTL: caches will keep it after the fix",
                "After fixing DNS, wait for the TTL to pass or restart the app to drop cached "
                "answers and pooled connections."},
    FindingSpec{"dns.system_disagrees", 21, Layer::kDns, Severity::kWarning,
                "the system resolver (what the app's code uses) disagrees with the direct queries",
                "A cache, a hosts entry or the embedded resolver answers differently: check "
                "/etc/hosts, WEBSITE_DNS_* settings, and restart the app if a fix is not seen."},
    FindingSpec{"dns.public_fallback", 19, Layer::kDns, Severity::kWarning,
                "a public DNS fallback is configured and can hide a broken private path",
                "Remove WEBSITE_ALWAYS_FALLBACK_TO_PUBLIC_DNS / the public WEBSITE_DNS_ALT_SERVER "
                "once the private resolver works."},
    FindingSpec{"dns.one_family", 23, Layer::kDns, Severity::kWarning,
                "only one address family (IPv4 or IPv6) of the private endpoint works",
                "Keep IPv4 records for the private endpoint, or make the IPv6 path work end to end "
                "(dual-stack VNet, route tables); clients that prefer IPv6 fail otherwise."},
    // Context and routing
    FindingSpec{"context.not_in_app", std::nullopt, Layer::kContext, Severity::kWarning,
                "not running in the app's container: no WEBSITE_SITE_NAME in this process or PID 1",
                "Run vnetdiag from the app's SSH session (WebSSH), a sidecar or the startup "
                "script; the Kudu console on Linux is a different container with other DNS and "
                "routes."},
    FindingSpec{"context.no_integration", 1, Layer::kContext, Severity::kCritical,
                "this instance has no VNet integration address (WEBSITE_PRIVATE_IP is unset)",
                "Integrate the app with the VNet (site virtualNetworkSubnetId, delegated subnet, "
                "plan Standard or above); if other instances have an address, the integration "
                "subnet is too small for scale-out (FM-02)."},
    FindingSpec{"context.bad_value", std::nullopt, Layer::kContext, Severity::kWarning,
                "a platform setting has a value that cannot be used",
                "Correct the app setting named in the finding."},
    FindingSpec{"route.outside_vnet", 6, Layer::kContext, Severity::kCritical,
                "the private endpoint address is not RFC1918 and route-all is off: its traffic "
                "does not enter the VNet",
                "Turn route-all on (site outboundVnetRouting.allTraffic=true, or legacy "
                "vnetRouteAllEnabled / WEBSITE_VNET_ROUTE_ALL=1)."},
    FindingSpec{"route.layers_disagree", 7, Layer::kContext, Severity::kWarning,
                "route-all settings disagree between layers",
                "Write the site-level property (outboundVnetRouting) and remove the stale layer; "
                "the effective value is the site property's."},
    FindingSpec{"route.source_outside_integration", 1, Layer::kContext, Severity::kWarning,
                "traffic to the endpoint does not leave from the integration subnet",
                "The call did not go through VNet integration: check the integration and "
                "route-all."},
    FindingSpec{"route.restart_pending", 7, Layer::kContext, Severity::kWarning,
                "route-all in ARM is not what this running app started with: the change takes "
                "effect at the next restart",
                "Restart the app (az webapp restart, or POST .../sites/NAME/restart) so it picks "
                "up the routing change; if ARM's value is not the one wanted, correct it first."},
    // Control plane (ARM), when it can be read
    FindingSpec{
        "arm.endpoint_missing", 24, Layer::kArm, Severity::kCritical,
        "no private endpoint targets this resource",
        "Create a private endpoint in the private-endpoint subnet (group id vault or account) "
        "and a DNS zone group for it."},
    FindingSpec{"arm.connection_not_approved", 24, Layer::kArm, Severity::kCritical,
                "the private endpoint connection is not Approved",
                "Approve it on the target (needs .../privateEndpointConnectionsApproval/action); "
                "Rejected or Disconnected connections need a new endpoint."},
    FindingSpec{
        "arm.zone_missing", 12, Layer::kArm, Severity::kCritical,
        "the privatelink zone does not exist under its exact name",
        "Create the private DNS zone with the exact name (e.g. privatelink.vaultcore.azure.net)."},
    FindingSpec{"arm.zone_not_linked", 13, Layer::kArm, Severity::kCritical,
                "the privatelink zone is not linked to the VNet the app is integrated with",
                "Add a virtualNetworkLink from the zone to the integration VNet "
                "(registrationEnabled=false)."},
    FindingSpec{
        "arm.zone_group_missing", 14, Layer::kArm, Severity::kCritical,
        "the private endpoint has no DNS zone group for the privatelink zone",
        "PUT privateEndpoints/{pe}/privateDnsZoneGroups/default referencing the zone, so the A "
        "record is written and kept in step."},
    FindingSpec{
        "arm.record_stale", 15, Layer::kArm, Severity::kCritical,
        "the zone's A record differs from the private endpoint's address",
        "Let the endpoint's DNS zone group own the record (remove the manual one, recreate the "
        "zone group)."},
    FindingSpec{"arm.provisioning_failed", std::nullopt, Layer::kArm, Severity::kCritical,
                "an earlier operation left this resource in provisioningState Failed",
                "Re-apply the resource as it is (vnetdiag fix does: a PUT of its own body is ARM's "
                "retry), or read the activity log for the error that failed it."},
    FindingSpec{"arm.custom_dns", 17, Layer::kArm, Severity::kWarning,
                "the VNet uses custom DNS servers",
                "Make them forward the public zones to 168.63.129.16, or use Azure DNS."},
    FindingSpec{"arm.integration_missing", 1, Layer::kArm, Severity::kCritical,
                "the app is not integrated with a VNet",
                "Set the site's virtualNetworkSubnetId to the delegated integration subnet."},
    FindingSpec{"arm.subnet_not_delegated", 3, Layer::kArm, Severity::kCritical,
                "the integration subnet is not delegated to Microsoft.Web/serverFarms",
                "Add the delegation Microsoft.Web/serverFarms to the subnet."},
    FindingSpec{"arm.subnet_too_small", 4, Layer::kArm, Severity::kWarning,
                "the integration subnet is smaller than /27: scale-out runs out of addresses",
                "Move the integration to a /26 or larger subnet."},
    FindingSpec{
        "arm.plan_below_standard", std::nullopt, Layer::kArm, Severity::kCritical,
        "the App Service plan is below Standard, which the tutorial's VNet integration needs",
        "Scale the plan up to S1 or above."},
    FindingSpec{"arm.https_only_off", std::nullopt, Layer::kArm, Severity::kWarning,
                "httpsOnly is off on the app", "PATCH the site with httpsOnly=true."},
    FindingSpec{"arm.vault_public", 28, Layer::kArm, Severity::kWarning,
                "the vault still accepts public traffic (networkAcls.defaultAction is not Deny)",
                "Set networkAcls.defaultAction=Deny once the private path works (keep ipRules)."},
    FindingSpec{"arm.account_public", 28, Layer::kArm, Severity::kWarning,
                "the Cognitive Services account still allows public network access",
                "PATCH the account with publicNetworkAccess=Disabled once the private path works."},
    FindingSpec{"arm.routeall_layers_disagree", 7, Layer::kArm, Severity::kWarning,
                "route-all is set differently in the site, its config and the app settings",
                "Write the site-level property and remove the stale layers."},
    FindingSpec{"arm.zone_group_policy_owned", 33, Layer::kArm, Severity::kOk,
                "the DNS zone group is deployed by Azure Policy (deployedByPolicy)",
                "Leave it to the policy; do not manage it from IaC as well."},
    FindingSpec{
        "arm.target_not_found", std::nullopt, Layer::kArm, Severity::kWarning,
        "the resource is not in the app's resource group, so its configuration was not read",
        "Pass --resource-group for the resource, or grant read access where it lives."},
    FindingSpec{"arm.read_incomplete", std::nullopt, Layer::kArm, Severity::kWarning,
                "part of the Azure configuration could not be read: what depends on it was not "
                "judged",
                "Grant the identity Reader where the resource lives (a 403 names the action), or "
                "check that it exists; the data-plane findings stand."},
    FindingSpec{"arm.untrusted_redirect", std::nullopt, Layer::kArm, Severity::kCritical,
                "ARM pointed a poll or page at another host or scheme: refused, the token was not "
                "sent",
                "Check --arm-endpoint and any proxy in between; ARM's own monitors stay on its "
                "https host."},
    FindingSpec{"arm.not_read", std::nullopt, Layer::kArm, Severity::kOk,
                "the Azure configuration was not read: findings carry no ARM cause",
                "Give the app a managed identity with Reader on the resource group, or pass "
                "--token-file, to get the resource and property behind each finding."},
    FindingSpec{"arm.vnet_region_mismatch", 5, Layer::kArm, Severity::kCritical,
                "the VNet is in another region than the app: regional VNet integration needs "
                "both in the same region, so the app cannot be integrated with it",
                "Integrate with a VNet (and delegated subnet) in the app's region, and peer it to "
                "the VNet in the other region if the private endpoints live there."},
    FindingSpec{"arm.account_no_subdomain", 27, Layer::kArm, Severity::kCritical,
                "the Cognitive Services account has no customSubDomainName: it has no name of its "
                "own, so a private endpoint cannot give it a private DNS name",
                "Set a custom subdomain on the account (properties.customSubDomainName; it cannot "
                "be undone, so vnetdiag fix does not set it) and call "
                "https://{subdomain}.cognitiveservices.azure.com instead of the regional "
                "endpoint."},
    FindingSpec{"arm.provider_not_registered", 25, Layer::kArm, Severity::kCritical,
                "the target's resource provider is not registered in the private endpoint's "
                "subscription, so the connection cannot be approved",
                "Register it in that subscription (POST /subscriptions/{id}/providers/{namespace}"
                "/register, or az provider register -n {namespace}), then approve the "
                "connection."},
    FindingSpec{"arm.zone_link_no_fallback", 16, Layer::kArm, Severity::kCritical,
                "the privatelink zone linked to the app's VNet has no record for this name and its "
                "link does not fall back to public DNS: the name is NXDOMAIN from the app",
                "Set the link's resolutionPolicy to NxDomainRedirect (\"fallback to internet\"), "
                "or add the name's record (a private endpoint of this resource whose zone group "
                "writes into this zone)."},
    FindingSpec{"arm.instance_without_private_ip", 2, Layer::kArm, Severity::kCritical,
                "ARM says the app is integrated, but this instance has no VNet address "
                "(WEBSITE_PRIVATE_IP is unset)",
                "When the plan runs more instances than the subnet has addresses for (the summary "
                "says), move the integration to a larger subnet (/26 or more; a subnet in use "
                "cannot be resized: disconnect, resize, reconnect) or scale in, then restart this "
                "instance; otherwise it started before the integration was made: restart it."},
    // Real estates (issue 15): hub-spoke DNS, rulesets, duplicate zones, Key Vault references
    FindingSpec{"arm.zone_hub_unreachable", 13, Layer::kArm, Severity::kCritical,
                "the privatelink zone is linked only to a VNet the app does not resolve through, "
                "or the app's VNet does not reach the hub VNet that resolves for it",
                "Restore the piece the cause names: a Connected peering from the app's VNet to the "
                "hub (both directions, allowForwardedTraffic on when a forwarder in the hub "
                "resolves), or point the VNet's DNS servers at the hub's Private Resolver inbound "
                "endpoint, or link the zone to the VNet the app resolves through."},
    FindingSpec{
        "arm.ruleset_unlinked", 13, Layer::kArm, Severity::kCritical,
        "a DNS forwarding ruleset that forwards the target's names is not linked to the "
        "app's VNet, which uses Azure DNS: the privatelink zones in the hub are never asked",
        "Link the ruleset to the app's VNet (dnsForwardingRulesets/{r}/virtualNetworkLinks), "
        "or point the VNet's DNS servers at the hub's Private Resolver inbound endpoint."},
    FindingSpec{"arm.ruleset_rule_diverts", 17, Layer::kArm, Severity::kCritical,
                "a forwarding rule for the target's domain sends its queries to servers that are "
                "neither a Private Resolver inbound endpoint nor Azure DNS",
                "Remove or disable the rule, or point its targetDnsServers at the Private "
                "Resolver's inbound endpoint (or servers that forward to 168.63.129.16)."},
    FindingSpec{"arm.zone_duplicate", 13, Layer::kArm, Severity::kCritical,
                "two privatelink zones of the same name are linked to VNets that reach each "
                "other, and the app resolves through the one without the target's record",
                "Keep one zone per privatelink name for VNets that reach each other: remove the "
                "second zone's link named in the cause (or the zone), so the app resolves through "
                "the zone the endpoints' zone groups write into."},
    FindingSpec{"arm.kv_reference_unresolved", 8, Layer::kArm, Severity::kCritical,
                "a Key Vault reference in the app settings did not resolve: the setting is empty "
                "at run time",
                "Depends on the status (the finding's remedy says): give the site the identity "
                "keyVaultReferenceIdentity names, grant it get on secrets, and route the "
                "platform's fetch into the VNet when the vault is private."},
    FindingSpec{"route.outbound_split", 8, Layer::kArm, Severity::kWarning,
                "outboundVnetRouting sends some kinds of the app's traffic into the VNet and "
                "others outside it (allTraffic is off)",
                "Set outboundVnetRouting.allTraffic=true, or turn on each kind whose destination "
                "is private (imagePullTraffic for a private registry, contentShareTraffic for a "
                "storage account behind a firewall, backupRestoreTraffic)."},
    // The network path from the integration subnet to the endpoint
    FindingSpec{"arm.nsg_denies", 9, Layer::kArm, Severity::kCritical,
                "a network security group on the integration subnet denies the traffic",
                "Add an outbound Allow rule with a lower priority number on the integration "
                "subnet's NSG (integration subnet -> endpoint address TCP 443, -> DNS server "
                "UDP/TCP 53), or remove the Deny rule named in the cause."},
    FindingSpec{"arm.route_diverts", 10, Layer::kArm, Severity::kCritical,
                "a route table on the integration subnet sends the traffic out of the VNet "
                "(VirtualAppliance, Internet or None)",
                "Remove or narrow the route named in the cause, or make the appliance pass "
                "the traffic to the endpoint (and DNS) untouched."},
    FindingSpec{"arm.endpoint_nsg_denies", 11, Layer::kArm, Severity::kCritical,
                "the private endpoint subnet's network policies apply its NSG, which denies "
                "TCP 443 from the integration subnet",
                "Add an inbound Allow rule from the integration subnet's prefix to the endpoint "
                "on 443 with a lower priority number, or set the subnet's "
                "privateEndpointNetworkPolicies to Disabled."},
    FindingSpec{"arm.vnet_not_peered", 26, Layer::kArm, Severity::kCritical,
                "the private endpoint is in a VNet that is neither the integration VNet nor "
                "peered with it",
                "Peer the endpoint's VNet with the integration VNet (both directions), or create "
                "the endpoint in the integration VNet, and link the privatelink zone to it."},
    FindingSpec{"arm.peering_not_connected", 26, Layer::kArm, Severity::kCritical,
                "the peering to the private endpoint's VNet is not Connected or does not allow "
                "VNet access",
                "Re-create the peering on both sides so peeringState is Connected, with "
                "allowVirtualNetworkAccess=true."},
    FindingSpec{"arm.resolver_list_stale", 20, Layer::kArm, Severity::kWarning,
                "the DNS servers the app's process uses are not the ones ARM configures (VNet "
                "dhcpOptions.dnsServers or WEBSITE_DNS_SERVER)",
                "Restart the app (or disconnect and reconnect the VNet integration) so it picks "
                "up the DNS servers ARM names."},
    FindingSpec{"arm.path_not_judged", 9, Layer::kArm, Severity::kWarning,
                "a network security rule or route on the path could not be evaluated: whether it "
                "blocks the traffic was not judged",
                "Look at the rule or route named in the finding (service tags, application "
                "security groups and partly overlapping prefixes are not expanded) with Network "
                "Watcher's effective security rules / next hop."},
    // TCP
    FindingSpec{"tcp.connected", std::nullopt, Layer::kTcp, Severity::kOk, "TCP connect succeeded",
                ""},
    FindingSpec{"tcp.timeout", 9, Layer::kTcp, Severity::kCritical,
                "TCP connect timed out: packets are silently dropped",
                "Check NSGs on the integration and endpoint subnets, route tables (UDRs) and "
                "peering; check that the address is the endpoint's current NIC address."},
    FindingSpec{"tcp.refused", 26, Layer::kTcp, Severity::kCritical,
                "TCP connect refused (RST): something answers at this address but not on the port",
                "The address does not belong to the expected private endpoint, or a firewall "
                "rejects the port: compare it with the endpoint's NIC address."},
    FindingSpec{"tcp.unreachable", 6, Layer::kTcp, Severity::kCritical,
                "no route to the address from this instance",
                "Check VNet integration and route-all: only RFC1918 destinations enter the VNet "
                "without it."},
    // TLS
    FindingSpec{"tls.verified", std::nullopt, Layer::kTls, Severity::kOk,
                "TLS handshake verified for the public name", ""},
    FindingSpec{"tls.name_mismatch", 22, Layer::kTls, Severity::kCritical,
                "the certificate does not cover the name",
                "Use the public FQDN (not the privatelink name or an IP); if it is already used, "
                "a proxy or firewall on the path answers instead of the service (FM-31)."},
    FindingSpec{"tls.untrusted", 31, Layer::kTls, Severity::kCritical,
                "the certificate chain is not trusted",
                "A TLS-inspecting firewall or proxy is on the path: exempt the vault and Cognitive "
                "Services FQDNs from inspection, or pass its CA with --ca-bundle if it is "
                "intended."},
    FindingSpec{"tls.expired", 31, Layer::kTls, Severity::kCritical, "the certificate has expired",
                "The service behind this address is not the real endpoint, or its certificate "
                "was not renewed: check what answers at the address."},
    FindingSpec{"tls.expiring", std::nullopt, Layer::kTls, Severity::kWarning,
                "the certificate expires in less than 14 days",
                "Expect the service to renew it; if it is an inspecting proxy's certificate, "
                "renew it there."},
    FindingSpec{"tls.handshake_failed", 31, Layer::kTls, Severity::kCritical,
                "the TLS handshake failed",
                "Something other than the service answers on port 443 at this address: check "
                "firewalls and proxies on the path."},
    FindingSpec{"tls.timeout", 10, Layer::kTls, Severity::kCritical, "the TLS handshake timed out",
                "A firewall or appliance on the path holds the handshake: check route tables "
                "and NVAs."},
    // HTTP / the service's own answer
    FindingSpec{"http.private_path", std::nullopt, Layer::kHttp, Severity::kOk,
                "the service answered over the private path", ""},
    FindingSpec{"http.answered", std::nullopt, Layer::kHttp, Severity::kOk, "the service answered",
                ""},
    FindingSpec{"kv.public_source", 28, Layer::kHttp, Severity::kCritical,
                "the vault saw a public source address: traffic did not use the private endpoint",
                "Fix DNS so the vault name resolves to the private endpoint, then deny public "
                "access on the vault (networkAcls.defaultAction=Deny)."},
    FindingSpec{"kv.network_info_missing", 31, Layer::kHttp, Severity::kWarning,
                "the answer lacks x-ms-keyvault-network-info: something else answered",
                "A proxy or firewall answers for the vault: exempt the vault FQDN from "
                "interception."},
    FindingSpec{"kv.forbidden_by_firewall", 29, Layer::kHttp, Severity::kCritical,
                "the vault firewall rejected the call because it arrived over the public path",
                "The vault is locked down but the app does not reach it privately: fix DNS and "
                "routing to the private endpoint (see the DNS findings)."},
    FindingSpec{"cs.public_access_disabled", 30, Layer::kHttp, Severity::kCritical,
                "Cognitive Services says public access is disabled: the call arrived publicly",
                "Fix DNS and routing so the account name resolves to its private endpoint (see "
                "the DNS findings)."},
    FindingSpec{"cs.forbidden_by_firewall", 30, Layer::kHttp, Severity::kCritical,
                "Cognitive Services rejected the call by its network rules",
                "Reach the account through its private endpoint, or add the caller to its "
                "network rules."},
    FindingSpec{"http.unexpected_status", std::nullopt, Layer::kHttp, Severity::kWarning,
                "the service answered with an unexpected status",
                "Look at the status and body in the evidence; a 5xx is usually on the service's "
                "side."},
    FindingSpec{"http.failed", 31, Layer::kHttp, Severity::kCritical,
                "the HTTP exchange failed after the TLS handshake",
                "Something on the path breaks the request: check proxies and firewalls."},
    FindingSpec{"http.timeout", 10, Layer::kHttp, Severity::kCritical,
                "the service did not answer in time after the handshake",
                "Check appliances on the path and the service's health."},
    // Context
    FindingSpec{"check.deadline", std::nullopt, Layer::kContext, Severity::kWarning,
                "the run's deadline cut some probes short",
                "Raise --timeout, or look at the probes that did not finish."},
};

}  // namespace vnetdiag
