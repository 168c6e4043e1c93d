#pragma once
// Whether a vault or an account accepts callers from the internet (FM-28), from the two
// properties that decide it. publicNetworkAccess=Disabled closes every public path whatever the
// firewall says; with it Enabled (or unset), networkAcls.defaultAction=Deny leaves only the
// selected networks (ipRules, virtualNetworkRules), the state the tutorial's lock-down asks for.
#include <string_view>

#include "text_util.hpp"

namespace vnetdiag::arm {

inline bool open_to_public(std::string_view public_network_access,
                           std::string_view default_action) {
  return lower(public_network_access) != "disabled" && lower(default_action) != "deny";
}

}  // namespace vnetdiag::arm
