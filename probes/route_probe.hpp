#pragma once
// The kernel's choice for a destination, as `ip route get` shows it: egress interface, gateway and
// preferred source address (one netlink RTM_GETROUTE request).
#include <string>

#include "result.hpp"

namespace vnetdiag {

struct RouteInfo {
  std::string interface;
  std::string gateway;  // empty: directly connected
  std::string source;
};

Result<RouteInfo> lookup_route(const std::string& destination);

}  // namespace vnetdiag
