// ARM rules about the app's network: the integration subnet and the VNet's DNS servers.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>

#include "arm_facts.hpp"
#include "dns_answer.hpp"
#include "estate_facts.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::rules {

using namespace arm_facts;

namespace {

constexpr const char* kServerFarms = "Microsoft.Web/serverFarms";

bool integer_prefix_too_small(const std::string& prefix) {
  const auto slash = prefix.find('/');
  if (slash == std::string::npos) return false;
  try {
    return std::stoi(prefix.substr(slash + 1)) > 27;
  } catch (...) {
    return false;
  }
}

Finding not_delegated(const std::string& subnet_id) {
  return control_finding(
      "arm.subnet_not_delegated", "",
      {subnet_id, "properties.delegations[].properties.serviceName", "none", kServerFarms});
}

}  // namespace

// FM-03: not integrated yet, and the tutorial's integration subnet, if it exists, must be
// delegated before the app can join it.
RuleOutput candidate_subnet_delegation(const RuleInput& in) {
  if (!in.arm || !in.arm->site || !subnet_id(*in.arm).empty()) return {};
  RuleOutput out;
  for (const auto& vnet : in.arm->vnets)
    for (const auto& subnet : vnet.subnets)
      if (lower(text(subnet.name)) == "vnet-integration-subnet" &&
          !subnet.delegated_to(kServerFarms))
        out.findings.push_back(not_delegated(text(subnet.id)));
  return out;
}

// The subnet the app is integrated with: delegated, and large enough (/27 at the least).
RuleOutput integration_subnet(const RuleInput& in) {
  if (!in.arm || !in.arm->subnet) return {};
  const arm::Subnet& subnet = *in.arm->subnet;
  const std::string id = subnet_id(*in.arm);
  RuleOutput out;
  if (!subnet.delegated_to(kServerFarms)) out.findings.push_back(not_delegated(id));
  const std::string prefix = text(subnet.address_prefix);
  if (integer_prefix_too_small(prefix))
    out.findings.push_back(control_finding(
        "arm.subnet_too_small", "", {id, "properties.addressPrefix", prefix, "/26 or larger"}));
  return out;
}

namespace {

// The data plane already answered what arm.custom_dns asks: one of the VNet's servers was asked
// for every target, and every resolver asked gave the private endpoint through the alias.
bool seen_forwarding(const Observations& o, const std::vector<std::string>& servers) {
  if (o.targets.empty()) return false;
  const auto unreachable = unreachable_resolvers(o);
  for (const auto& t : o.targets) {
    const auto outcomes = resolver_outcomes(t, unreachable);
    bool asked_vnet_server = false;
    for (const auto& r : outcomes) {
      if (!(r.id == FindingId("dns.private_endpoint"))) return false;
      for (const auto& s : servers)
        asked_vnet_server |= r.resolver == s || starts_with(r.resolver, s + ":");
    }
    if (!asked_vnet_server) return false;
  }
  return true;
}

}  // namespace

// FM-17: custom DNS servers on the VNet (neither Azure DNS nor the inbound endpoint of a DNS
// Private Resolver that was read) must forward the privatelink zones to Azure DNS. Said once the
// probes show they do not, or when the probes could not show it; not judged while the resolvers
// that could own an address were not all read.
RuleOutput custom_dns(const RuleInput& in) {
  if (!in.arm || !in.arm->vnet || in.arm->vnet->dns_servers.empty()) return {};
  std::vector<std::string> custom;
  for (const auto& server : in.arm->vnet->dns_servers)
    if (estate_facts::is_custom_server(*in.arm, server)) custom.push_back(server);
  if (custom.empty()) return {};
  if (!estate_facts::read_whole(*in.arm, "dns resolvers") ||
      !estate_facts::read_whole(*in.arm, "inbound endpoints"))
    return {};
  // A DNS Private Resolver's inbound endpoint is a correct server too: said when there is one.
  std::string expected = "[] (Azure DNS) or forwarders to 168.63.129.16";
  std::vector<std::string> endpoints;
  for (const auto& entry : in.arm->inbound_endpoints)
    for (const auto& endpoint : entry.second)
      for (const auto& ip : endpoint.private_ip_addresses) endpoints.push_back(ip);
  if (!endpoints.empty())
    expected += ", or the DNS Private Resolver inbound endpoint " + join(endpoints, ", ");
  const Cause cause{vnet_id(*in.arm), "properties.dhcpOptions.dnsServers",
                    join(in.arm->vnet->dns_servers, ", "), expected};
  if (seen_forwarding(in.observations, custom)) return {};
  RuleOutput out{{control_finding("arm.custom_dns", "", cause)}, {}};
  // The app resolves through the VNet's servers unless WEBSITE_DNS_SERVER overrides them: then a
  // resolver that does not forward privatelink is there because of this property (FM-17).
  const bool overridden = in.arm->app_settings && in.arm->app_settings->website_dns_server &&
                          !in.arm->app_settings->website_dns_server->empty();
  if (!overridden)
    out.causes.push_back(
        CauseNote{{FindingId("dns.resolver_not_forwarding")}, std::nullopt, cause});
  return out;
}

namespace {

constexpr const char* kAzureDns = "168.63.129.16";

bool is_loopback(const std::string& address) {
  return starts_with(address, "127.") || address == "::1";
}

// The servers as a set, with every way of saying "Azure DNS" (168.63.129.16, the run's Azure DNS
// resolver, an empty list) as one name.
std::set<std::string> normalised(const std::vector<std::string>& servers,
                                 const std::set<std::string>& azure) {
  std::set<std::string> out;
  for (const auto& s : servers)
    out.insert(s == kAzureDns || azure.count(s) ? std::string("Azure DNS") : s);
  if (out.empty()) out.insert("Azure DNS");
  return out;
}

}  // namespace

// FM-20: the resolvers the process uses (resolv.conf, or the embedded resolver's upstream list)
// are not the ones ARM configures: the app was not restarted after the VNet's DNS servers (or
// WEBSITE_DNS_SERVER) changed. A local stub (127.0.0.11) without its upstream list says nothing.
RuleOutput resolver_list_stale(const RuleInput& in) {
  if (!in.arm || !in.arm->site) return {};
  const arm::ArmState& s = *in.arm;
  std::vector<std::string> configured;
  Cause cause;
  if (s.app_settings && s.app_settings->website_dns_server &&
      !s.app_settings->website_dns_server->empty()) {
    configured.push_back(*s.app_settings->website_dns_server);
    if (s.app_settings->website_dns_alt_server && !s.app_settings->website_dns_alt_server->empty())
      configured.push_back(*s.app_settings->website_dns_alt_server);
    cause = {text(s.app_settings->id), "properties.WEBSITE_DNS_SERVER", join(configured, ", "), ""};
  } else if (s.vnet && !subnet_id(s).empty()) {
    configured = s.vnet->dns_servers;
    cause = {vnet_id(s), "properties.dhcpOptions.dnsServers",
             configured.empty() ? std::string("[] (Azure DNS)") : join(configured, ", "), ""};
  } else {
    return {};
  }
  std::set<std::string> azure;
  std::vector<std::string> upstream, listed;
  for (const auto& r : in.observations.resolvers) {
    if (r.origin.find("Azure DNS") != std::string::npos) azure.insert(r.address);
    if (r.port != 53 || is_loopback(r.address)) continue;
    if (r.origin.find("embedded resolver upstream") != std::string::npos)
      upstream.push_back(r.address);
    if (r.origin.find("resolv.conf") != std::string::npos) listed.push_back(r.address);
  }
  const std::vector<std::string>& used = upstream.empty() ? listed : upstream;
  if (used.empty()) return {};  // only a local stub, or no resolv.conf: nothing to compare
  const auto have = normalised(used, azure);
  const auto want = normalised(configured, azure);
  if (have == want) return {};
  cause.expected = "what the process resolves through: " + join(used, ", ") +
                   " (restart the app to apply ARM's value)";
  Finding f = control_finding("arm.resolver_list_stale", "", cause);
  f.summary += " (the process uses " + join(used, ", ") + ", ARM says " + cause.actual + ")";
  f.evidence["process_resolvers"] = join(used, ", ");
  f.evidence["arm_dns_servers"] = cause.actual;
  return {{std::move(f)}, {}};
}

// Locations as ARM spells them in bodies ("westeurope") or in places ("West Europe").
std::string region(const std::string& location) {
  std::string out;
  for (char c : lower(location))
    if (c != ' ') out += c;
  return out;
}

// FM-05: regional VNet integration needs the VNet in the app's region. Integrated: the VNet of
// the integration subnet; not yet: every VNet of the resource group with a subnet the app could
// join (the tutorial's integration subnet, or one delegated to Microsoft.Web/serverFarms) -- the
// integration cannot be made there, and that is why it is missing.
RuleOutput vnet_region(const RuleInput& in) {
  if (!in.arm || !in.arm->site) return {};
  const std::string app_region = region(text(in.arm->site->location));
  if (app_region.empty()) return {};
  RuleOutput out;
  const auto check = [&](const arm::Vnet& vnet) {
    const std::string where = region(text(vnet.location));
    if (where.empty() || where == app_region) return;
    out.findings.push_back(control_finding(
        "arm.vnet_region_mismatch", "",
        {text(vnet.id), "location", text(vnet.location), text(in.arm->site->location)}));
    out.findings.back().summary +=
        " (VNet " + text(vnet.name) + " in " + where + ", app in " + app_region + ")";
  };
  if (!subnet_id(*in.arm).empty()) {
    if (in.arm->vnet) check(*in.arm->vnet);
    return out;
  }
  for (const auto& vnet : in.arm->vnets) {
    const bool joinable =
        std::any_of(vnet.subnets.begin(), vnet.subnets.end(), [](const arm::Subnet& s) {
          return lower(text(s.name)) == "vnet-integration-subnet" || s.delegated_to(kServerFarms);
        });
    if (joinable) check(vnet);
  }
  return out;
}

namespace {

// How many instances a subnet of this IPv4 prefix carries through a scale-up, which needs twice
// the addresses (Azure keeps 5 of each subnet): /28 -> 5, /27 -> 13, /26 -> 29. nullopt when the
// prefix is not an IPv4 CIDR.
std::optional<std::int64_t> instances_carried(const std::string& prefix) {
  const auto slash = prefix.find('/');
  if (slash == std::string::npos || prefix.find(':') != std::string::npos) return std::nullopt;
  int bits = 0;
  try {
    bits = std::stoi(prefix.substr(slash + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (bits < 8 || bits > 29) return std::nullopt;
  return ((std::int64_t{1} << (32 - bits)) - 5) / 2;
}

}  // namespace

// FM-02: ARM says the app is integrated, yet this instance got no VNet address: the others may
// have one (integration is per instance), and the usual cause is a subnet that ran out of
// addresses during scale-out or scale-up. Names the instance and explains context.no_integration.
RuleOutput instance_without_private_ip(const RuleInput& in) {
  if (!in.arm || !in.arm->site || subnet_id(*in.arm).empty() || !in.app.in_app_service ||
      in.app.get("private_ip"))
    return {};
  const std::string instance = in.app.value_or("instance_id", "unknown");
  const std::string prefix = in.arm->subnet ? text(in.arm->subnet->address_prefix) : "";
  const std::int64_t carried = instances_carried(prefix).value_or(0);
  const std::int64_t capacity =
      in.arm->plan ? in.arm->plan->sku_capacity.value_or(0) : std::int64_t{0};
  // Out of addresses only when the plan runs more instances than the subnet carries; with room
  // to spare, the instance more likely started before the integration was made.
  std::string why = "instance " + instance;
  if (carried > 0 && capacity > 0)
    why += capacity > carried
               ? "; subnet " + prefix + " carries " + std::to_string(carried) +
                     " instances through a scale-up, the plan runs " + std::to_string(capacity) +
                     ": out of addresses"
               : "; subnet " + prefix + " has room for the plan's " + std::to_string(capacity) +
                     " instances: this instance likely started before the integration, restart it";
  Cause cause{subnet_id(*in.arm), "properties.addressPrefix",
              prefix.empty() ? "unknown (subnet not read)" : prefix,
              capacity > 0 ? "room for " + std::to_string(capacity) +
                                 " instances (twice that during a scale-up)"
                           : "/26 or larger"};
  Finding f = control_finding("arm.instance_without_private_ip", "", cause);
  f.summary += " (" + why + ")";
  f.evidence["instance_id"] = instance;
  if (capacity > 0) f.evidence["plan_instances"] = std::to_string(capacity);
  return {{std::move(f)}, {CauseNote{{"context.no_integration"}, std::nullopt, cause}}};
}

}  // namespace vnetdiag::rules
