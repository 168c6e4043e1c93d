// parse_state's issue 15 parts: DNS Private Resolvers, forwarding rulesets, Key Vault references.
#include "arm_state_reader.hpp"

namespace vnetdiag::arm::state_detail {

using nlohmann::json;

DnsResolver read_resolver(const json& body) {
  DnsResolver d;
  Reader r(body, d.problems);
  d.id = r.str({"id"});
  d.name = r.str({"name"});
  d.location = r.str({"location"});
  d.provisioning_state = r.str({"properties", "provisioningState"});
  d.virtual_network_id = r.str({"properties", "virtualNetwork", "id"});
  return d;
}

InboundEndpoint read_inbound_endpoint(const json& body) {
  InboundEndpoint e;
  Reader r(body, e.problems);
  e.id = r.str({"id"});
  e.name = r.str({"name"});
  e.provisioning_state = r.str({"properties", "provisioningState"});
  r.each({"properties", "ipConfigurations"}, [&](const Reader& ipc) {
    if (auto ip = ipc.str({"privateIpAddress"})) e.private_ip_addresses.push_back(*ip);
    if (auto subnet = ipc.str({"subnet", "id"})) e.subnet_ids.push_back(*subnet);
  });
  return e;
}

DnsForwardingRuleset read_ruleset(const json& body) {
  DnsForwardingRuleset s;
  Reader r(body, s.problems);
  s.id = r.str({"id"});
  s.name = r.str({"name"});
  s.location = r.str({"location"});
  s.provisioning_state = r.str({"properties", "provisioningState"});
  r.each({"properties", "dnsResolverOutboundEndpoints"}, [&](const Reader& ep) {
    if (auto id = ep.str({"id"})) s.outbound_endpoint_ids.push_back(*id);
  });
  return s;
}

RulesetLink read_ruleset_link(const json& body) {
  RulesetLink l;
  Reader r(body, l.problems);
  l.id = r.str({"id"});
  l.name = r.str({"name"});
  l.provisioning_state = r.str({"properties", "provisioningState"});
  l.virtual_network_id = r.str({"properties", "virtualNetwork", "id"});
  return l;
}

ForwardingRule read_forwarding_rule(const json& body) {
  ForwardingRule f;
  Reader r(body, f.problems);
  f.id = r.str({"id"});
  f.name = r.str({"name"});
  f.provisioning_state = r.str({"properties", "provisioningState"});
  f.domain_name = r.str({"properties", "domainName"});
  f.state = r.str({"properties", "forwardingRuleState"});
  r.each({"properties", "targetDnsServers"}, [&](const Reader& server) {
    if (auto ip = server.str({"ipAddress"})) f.target_ips.push_back(*ip);
  });
  return f;
}

KeyVaultReference read_kv_reference(const json& body) {
  KeyVaultReference k;
  Reader r(body, k.problems);
  k.id = r.str({"id"});
  // The resource name is ".../config/configreferences/appsettings/{setting}": the setting is
  // its last segment.
  if (auto name = r.str({"name"})) k.name = name->substr(name->rfind('/') + 1);
  k.reference = r.str({"properties", "reference"});
  k.status = r.str({"properties", "status"});
  k.vault_name = r.str({"properties", "vaultName"});
  k.secret_name = r.str({"properties", "secretName"});
  k.secret_version = r.str({"properties", "secretVersion"});
  k.identity_type = r.str({"properties", "identityType"});
  k.details = r.str({"properties", "details"});
  k.source = r.str({"properties", "source"});
  return k;
}

}  // namespace vnetdiag::arm::state_detail
