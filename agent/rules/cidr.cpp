#include "cidr.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace vnetdiag::cidr {

std::optional<std::uint32_t> ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::optional<Cidr> parse(const std::string& text) {
  const auto slash = text.find('/');
  const auto ip = ipv4(text.substr(0, slash));
  if (!ip) return std::nullopt;
  if (slash == std::string::npos) return Cidr{*ip, 32};
  const std::string len = text.substr(slash + 1);
  if (len.empty() || len.size() > 2 ||
      !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const int bits = std::stoi(len);
  if (bits > 32) return std::nullopt;
  return Cidr{*ip, bits};
}

bool contains(const Cidr& outer, const Cidr& inner) {
  return outer.bits <= inner.bits && outer.first() <= inner.first() && inner.last() <= outer.last();
}

bool overlaps(const Cidr& a, const Cidr& b) {
  return a.first() <= b.last() && b.first() <= a.last();
}

bool in_any(const std::string& address, const std::vector<std::string>& prefixes) {
  const auto ip = ipv4(address);
  if (!ip) return false;
  const Cidr host{*ip, 32};
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    const auto c = parse(p);
    return c && contains(*c, host);
  });
}

}  // namespace vnetdiag::cidr
