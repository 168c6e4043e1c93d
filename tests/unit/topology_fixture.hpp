#pragma once
// The tutorial's end state as ARM shows it, for rule and planner tests; each test breaks one thing.
#include <cctype>
#include <string>

#include "model.hpp"
#include "topology.hpp"

namespace vnetdiag::testdata {

using arm::Topology;
using nlohmann::json;

inline std::string lower_id(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline const std::string kRg = "/subscriptions/s1/resourceGroups/securebackendsetup";
inline const std::string kVnet =
    kRg + "/providers/Microsoft.Network/virtualNetworks/securebackend-vnet";
inline const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/vdlabkv";
inline const std::string kZone =
    kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
inline const std::string kPe =
    kRg + "/providers/Microsoft.Network/privateEndpoints/securekeyvault-pe";
inline const std::string kNic =
    kRg + "/providers/Microsoft.Network/networkInterfaces/securekeyvault-pe.nic";

inline Target vault_target() {
  return Target{TargetKind::kKeyVault, "vdlabkv.vault.azure.net", 443,
                "privatelink.vaultcore.azure.net"};
}

// The tutorial's end state for the vault, as ARM shows it.
inline Topology tutorial() {
  Topology t;
  t.site = {{"id", kRg + "/providers/Microsoft.Web/sites/app"},
            {"location", "West Europe"},
            {"properties",
             {{"virtualNetworkSubnetId", kVnet + "/subnets/vnet-integration-subnet"},
              {"httpsOnly", true}}}};
  t.subnet = {
      {"id", kVnet + "/subnets/vnet-integration-subnet"},
      {"properties",
       {{"addressPrefix", "10.0.0.0/24"},
        {"delegations", {{{"properties", {{"serviceName", "Microsoft.Web/serverFarms"}}}}}}}}};
  t.plan = {{"id", "plan"}, {"sku", {{"tier", "Standard"}, {"name", "S1"}}}};
  t.vnet = {
      {"id", kVnet},
      {"name", "securebackend-vnet"},
      {"location", "westeurope"},
      {"properties",
       {{"dhcpOptions", {{"dnsServers", json::array()}}},
        {"subnets",
         {t.subnet,
          {{"id", kVnet + "/subnets/private-endpoint-subnet"},
           {"name", "private-endpoint-subnet"},
           {"properties",
            {{"addressPrefix", "10.0.1.0/24"}, {"privateEndpointNetworkPolicies", "Disabled"}}}},
          {{"id", kVnet + "/subnets/unrelated"},
           {"name", "unrelated"},
           {"properties", {{"addressPrefix", "10.0.9.0/24"}}}}}}}}};
  t.vnets = {t.vnet};
  t.vaults = {{{"id", kVault},
               {"name", "vdlabkv"},
               {"properties", {{"networkAcls", {{"defaultAction", "Deny"}}}}}}};
  t.private_endpoints = {
      {{"id", kPe},
       {"name", "securekeyvault-pe"},
       {"properties",
        {{"privateLinkServiceConnections",
          {{{"properties",
             {{"privateLinkServiceId", kVault},
              {"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}}}},
         {"networkInterfaces", {{{"id", kNic}}}}}}}};
  t.nics[lower_id(kNic)] = {
      {"id", kNic},
      {"properties",
       {{"ipConfigurations", {{{"properties", {{"privateIPAddress", "10.0.1.4"}}}}}}}}};
  t.zones = {{{"id", kZone}, {"name", "privatelink.vaultcore.azure.net"}}};
  t.links["privatelink.vaultcore.azure.net"] = {
      {{"properties", {{"virtualNetwork", {{"id", kVnet}}}}}}};
  t.a_records["privatelink.vaultcore.azure.net"] = {
      {{"name", "vdlabkv"}, {"properties", {{"aRecords", {{{"ipv4Address", "10.0.1.4"}}}}}}}};
  t.zone_groups[lower_id(kPe)] = {
      {{"name", "default"},
       {"properties",
        {{"privateDnsZoneConfigs", {{{"properties", {{"privateDnsZoneId", kZone}}}}}}}}}};
  return t;
}

}  // namespace vnetdiag::testdata
