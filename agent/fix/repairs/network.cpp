// Network: the VNet, the integration subnet (delegated to Microsoft.Web/serverFarms) and the
// private-endpoint subnet.
#include "api_versions.hpp"
#include "repairs.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix::repairs {
namespace {

using nlohmann::json;

const json& web_delegation() {
  static const json d = {{"name", "delegation"},
                         {"properties", {{"serviceName", "Microsoft.Web/serverFarms"}}}};
  return d;
}

Draft make_vnet(const RepairInput& r) {
  const auto& n = r.s.in.names;
  return {.action = "create",
          .resource_id = r.s.vnet_id,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = {{"location", r.s.location},
                   {"properties", {{"addressSpace", {{"addressPrefixes", {n.vnet_prefix}}}}}}},
          .permission = "Microsoft.Network/virtualNetworks/write",
          .changes = {{"addressSpace.addressPrefixes", "(none)", n.vnet_prefix}}};
}

Draft make_integration_subnet(const RepairInput& r) {
  const auto& n = r.s.in.names;
  return {
      .action = "create",
      .resource_id = r.s.int_subnet_id,
      .method = "PUT",
      .api_version = arm::kNetworkApi,
      .body = {{"properties",
                {{"addressPrefix", n.integration_prefix}, {"delegations", {web_delegation()}}}}},
      .permission = "Microsoft.Network/virtualNetworks/subnets/write",
      .changes = {{"addressPrefix", "(none)", n.integration_prefix},
                  {"delegations", "(none)", "Microsoft.Web/serverFarms"}}};
}

// Read-merge-write: the subnet's own body (NSG, route table, ...) with the delegation set.
Draft make_delegation(const RepairInput& r) {
  json body = *r.s.int_subnet;
  strip_read_only(body);
  body.erase("id");
  body.erase("name");
  body["properties"]["delegations"] = json::array({web_delegation()});
  return {.action = "update",
          .resource_id = r.s.int_subnet_id,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = body,
          .permission = "Microsoft.Network/virtualNetworks/subnets/write",
          .changes = {{"delegations", "(none)", "Microsoft.Web/serverFarms"}},
          .if_match = r.s.int_subnet_etag};
}

Draft make_endpoint_subnet(const RepairInput& r) {
  const auto& n = r.s.in.names;
  return {.action = "create",
          .resource_id = r.s.pe_subnet_id,
          .method = "PUT",
          .api_version = arm::kNetworkApi,
          .body = {{"properties",
                    {{"addressPrefix", n.endpoint_prefix},
                     {"privateEndpointNetworkPolicies", "Disabled"}}}},
          .permission = "Microsoft.Network/virtualNetworks/subnets/write",
          .changes = {{"addressPrefix", "(none)", n.endpoint_prefix}}};
}

bool delegated_elsewhere(const RepairInput& r) {
  return r.s.int_subnet && !r.s.int_web_delegated && !r.s.int_other_delegations.empty() &&
         !r.s.integration_region_mismatch();
}

}  // namespace

constexpr Repair kVnet{
    .name = "network.vnet",
    .provides = "vnet",
    .finding = FindingId("arm.integration_missing"),
    .applies = [](const RepairInput& r) { return !r.s.vnet_exists; },
    .make = make_vnet,
};

constexpr Repair kIntegrationSubnet{
    .name = "network.integration_subnet",
    .provides = "subnet:integration",
    .needs = {"vnet"},
    .finding = FindingId("arm.integration_missing"),
    // Not in a VNet of another region: the app could not join it (FM-05, kRegionRefused).
    .applies =
        [](const RepairInput& r) {
          return r.s.int_subnet == nullptr && !r.s.integration_region_mismatch();
        },
    .make = make_integration_subnet,
};

constexpr Repair kDelegationElsewhere{
    .name = "network.delegated_elsewhere",
    .finding = FindingId("arm.subnet_not_delegated"),
    .applies = delegated_elsewhere,
    .refuse =
        [](const RepairInput& r) {
          return "subnet " + r.s.int_subnet_id + " is delegated to " +
                 join(r.s.int_other_delegations, ", ") +
                 ": not replacing another service's delegation; pick another integration subnet";
        },
};

constexpr Repair kDelegation{
    .name = "network.delegation",
    .provides = "subnet:integration",
    .needs = {"vnet"},
    .finding = FindingId("arm.subnet_not_delegated"),
    .applies =
        [](const RepairInput& r) {
          return r.s.int_subnet && !r.s.int_web_delegated && r.s.int_other_delegations.empty() &&
                 !r.s.integration_region_mismatch();
        },
    .make = make_delegation,
};

// Listed first in the plan (where the planner has always put it); evaluated before the
// endpoints, which need it.
constexpr Repair kEndpointSubnet{
    .name = "network.endpoint_subnet",
    .provides = "subnet:endpoints",
    .needs = {"vnet", "subnet:integration"},
    .finding = FindingId("arm.endpoint_missing"),
    .placement = Placement::kFirst,
    .applies =
        [](const RepairInput& r) { return !r.s.pe_subnet_exists && r.s.some_endpoint_missing(); },
    .make = make_endpoint_subnet,
};

}  // namespace vnetdiag::fix::repairs
