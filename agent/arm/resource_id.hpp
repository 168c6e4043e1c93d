#pragma once
// ARM resource ids: parsed into their parts, compared case-insensitively as ARM does.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vnetdiag::arm {

struct ResourceId {
  std::string subscription;
  std::string resource_group;
  std::string provider;  // Microsoft.Network
  // type/name pairs after the provider: {virtualNetworks, vnet}, {subnets, s1}
  std::vector<std::pair<std::string, std::string>> segments;

  std::string type() const;  // Microsoft.Network/virtualNetworks/subnets
  std::string name() const;  // last name
  std::string str() const;   // canonical casing of the fixed parts
  std::optional<ResourceId> parent() const;
};

std::optional<ResourceId> parse_resource_id(const std::string& id);
bool same_resource(const std::string& a, const std::string& b);

}  // namespace vnetdiag::arm
