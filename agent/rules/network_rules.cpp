// ARM rules about the app's network: the integration subnet and the VNet's DNS servers.
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
  return {{control_finding("arm.custom_dns", "",
                           {vnet_id(*in.arm), "properties.dhcpOptions.dnsServers",
                            join(in.arm->vnet->dns_servers, ", "),
                            "[] (Azure DNS) or forwarders to 168.63.129.16"})},
          {}};
}

}  // namespace vnetdiag::rules
