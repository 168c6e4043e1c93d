#pragma once
// Which kind of address a resolved IP is. Only RFC1918 enters the VNet when route-all is off, so
// the classes are kept apart rather than folded into "private or not" (FM-06, FM-23).
#include <optional>
#include <string>

namespace vnetdiag {

enum class AddressClass {
  kRfc1918,      // 10/8, 172.16/12, 192.168/16
  kSharedCgnat,  // 100.64/10: used by some VNets, private but not RFC1918
  kUniqueLocal,  // fc00::/7
  kLoopback,
  kLinkLocal,
  kPublic,
  kInvalid,
};

AddressClass classify_address(const std::string& ip);
const char* to_string(AddressClass c);
// Addresses a private endpoint can have: RFC1918, 100.64/10 and IPv6 unique-local.
bool is_private_endpoint_class(AddressClass c);
bool is_ipv6_literal(const std::string& ip);

}  // namespace vnetdiag
