// ARM rules about the app's network: the integration subnet and the VNet's DNS servers.
#include <set>

#include "arm_facts.hpp"
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

// Custom DNS servers on the VNet must forward the privatelink zones to Azure DNS.
RuleOutput custom_dns(const RuleInput& in) {
  if (!in.arm || !in.arm->vnet || in.arm->vnet->dns_servers.empty()) return {};
  const Cause cause{vnet_id(*in.arm), "properties.dhcpOptions.dnsServers",
                    join(in.arm->vnet->dns_servers, ", "),
                    "[] (Azure DNS) or forwarders to 168.63.129.16"};
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

}  // namespace vnetdiag::rules
