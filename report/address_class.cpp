#include "address_class.hpp"

#include <arpa/inet.h>

#include <cstdint>

namespace vnetdiag {

bool is_ipv6_literal(const std::string& ip) {
  in6_addr a6{};
  return inet_pton(AF_INET6, ip.c_str(), &a6) == 1;
}

AddressClass classify_address(const std::string& ip) {
  in_addr a4{};
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
    const uint32_t v = ntohl(a4.s_addr);
    auto in = [v](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
    if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16))
      return AddressClass::kRfc1918;
    if (in(0x64400000, 10)) return AddressClass::kSharedCgnat;
    if (in(0x7F000000, 8)) return AddressClass::kLoopback;
    if (in(0xA9FE0000, 16)) return AddressClass::kLinkLocal;
    return AddressClass::kPublic;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    const uint8_t* b = a6.s6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return AddressClass::kLoopback;
    if (IN6_IS_ADDR_LINKLOCAL(&a6)) return AddressClass::kLinkLocal;
    if ((b[0] & 0xFE) == 0xFC) return AddressClass::kUniqueLocal;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, b + 12, text, sizeof text);
      return classify_address(text);
    }
    return AddressClass::kPublic;
  }
  return AddressClass::kInvalid;
}

const char* to_string(AddressClass c) {
  switch (c) {
    case AddressClass::kRfc1918:
      return "rfc1918";
    case AddressClass::kSharedCgnat:
      return "shared-100.64/10";
    case AddressClass::kUniqueLocal:
      return "ipv6-unique-local";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kInvalid:
      return "invalid";
  }
  return "invalid";
}

bool is_private_endpoint_class(AddressClass c) {
  return c == AddressClass::kRfc1918 || c == AddressClass::kSharedCgnat ||
         c == AddressClass::kUniqueLocal;
}

}  // namespace vnetdiag
