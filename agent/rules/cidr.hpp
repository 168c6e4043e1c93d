#pragma once
// IPv4 prefixes as the ARM rules read them ("10.0.1.0/24", or an address as a /32).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vnetdiag::cidr {

struct Cidr {
  std::uint32_t base = 0;
  int bits = 0;
  std::uint32_t mask() const { return bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits); }
  std::uint32_t first() const { return base & mask(); }
  std::uint32_t last() const { return first() | ~mask(); }
};

std::optional<std::uint32_t> ipv4(const std::string& text);
// "10.0.1.0/24" or "10.0.1.4" (a /32); nullopt for anything else (tags, IPv6, typos).
std::optional<Cidr> parse(const std::string& text);
bool contains(const Cidr& outer, const Cidr& inner);
bool overlaps(const Cidr& a, const Cidr& b);
// `address` lies in one of `prefixes` (unreadable prefixes match nothing).
bool in_any(const std::string& address, const std::vector<std::string>& prefixes);

}  // namespace vnetdiag::cidr
