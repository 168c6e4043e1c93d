#pragma once
// Which of the app's outbound traffic kinds the platform sends into the VNet, and the ARM layer
// that decides it: the site's outboundVnetRouting (allTraffic and one flag per kind), the older
// site properties (vnetRouteAllEnabled, vnetImagePullEnabled, vnetContentShareEnabled,
// vnetBackupRestoreEnabled) and config/web vnetRouteAllEnabled. WEBSITE_VNET_ROUTE_ALL is the app
// process's setting: it routes the app's own calls, not what the platform fetches for it (Key
// Vault references, image pull, content share, backups).
#include <string>
#include <vector>

#include "arm_state.hpp"

namespace vnetdiag::outbound_routing {

struct KindRoute {
  std::string kind;  // "application", "image pull", "content share", "backup/restore"
  bool routed = false;
  std::string layer;  // the property that decided it, "" when nothing set it (default: off)
};

// The platform's routing of each kind, application first.
std::vector<KindRoute> platform_routes(const arm::ArmState& s);

// One line: "application: on (site outboundVnetRouting.applicationTraffic=true)".
std::string describe(const KindRoute& r);

}  // namespace vnetdiag::outbound_routing
