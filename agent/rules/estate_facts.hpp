#pragma once
// Readings of a real estate (issue 15) that the hub-spoke DNS rules share: which VNets decide
// what the app resolves, whether the spoke reaches them, and whether what a rule needs was read.
#include <string>
#include <vector>

#include "arm_state.hpp"

namespace vnetdiag::estate_facts {

inline constexpr const char* kAzureDns = "168.63.129.16";

// No kind of read in `unread` starts with `prefix` ("private DNS zones" also covers a per
// subscription "private DNS zones:<sub>"): a list read in parts is whole only when every part is.
bool read_whole(const arm::ArmState& s, const std::string& prefix);

// Whether every server ArmState::app_dns_servers() names is Azure DNS (none: Azure DNS too).
bool uses_azure_dns(const arm::ArmState& s);

// A server that is neither Azure DNS nor an inbound endpoint of a resolver that was read.
bool is_custom_server(const arm::ArmState& s, const std::string& server);

// Whether the servers could be judged: each is Azure DNS or an inbound endpoint, or the
// resolvers (and their inbound endpoints) were all read so "not an endpoint" is known.
bool servers_judgeable(const arm::ArmState& s);

// The VNets whose zone links decide the app's answers: ArmState::resolution_vnet_ids(), plus the
// VNet holding a custom forwarder (a server inside a VNet read or peered with the app's), or the
// integration VNet when nothing else is known.
std::vector<std::string> resolving_vnets(const arm::ArmState& s);

// The VNet whose address space holds `address`: the integration VNet, a VNet read, or the remote
// side of one of its peerings; "" when none.
std::string vnet_holding(const arm::ArmState& s, const std::string& address);

// A peering that carries traffic: Connected and allowing VNet access.
bool peering_carries(const arm::Peering& p);

// Whether VNet `a` reaches VNet `b`: the same VNet, or a peering of `a` to `b` that carries.
bool reaches(const arm::ArmState& s, const std::string& a, const std::string& b);

// "kv1.vault.azure.net" is under "vault.azure.net." (DNS names, the trailing dot optional).
bool under_domain(const std::string& name, const std::string& domain);

}  // namespace vnetdiag::estate_facts
