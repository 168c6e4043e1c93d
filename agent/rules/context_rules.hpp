#pragma once
// Findings about where the check ran: the App Service context, route-all and the path taken.
#include <string>
#include <vector>

#include "app_context.hpp"
#include "model.hpp"

namespace vnetdiag {

struct RouteAll {
  std::string effective;            // on | off
  std::string origin;               // which layer decided
  std::vector<std::string> layers;  // every layer seen, "WEBSITE_VNET_ROUTE_ALL=1 (environment)"
  bool layers_disagree = false;
  // Filled by route_all_with_arm when ARM was read: ARM's value over every layer and the layer
  // that decided it, and what this process's environment says (WEBSITE_VNET_ROUTE_ALL: on, off,
  // or "" when unset). restart_pending: ARM's app setting is not the one this process started
  // with, and that changes whether its traffic is routed (the app has not restarted since).
  std::string arm_effective = "", arm_origin = "", process_effective = "";
  bool restart_pending = false;
};

// override_value: "", "on" or "off" (--route-all); the environment layer is WEBSITE_VNET_ROUTE_ALL.
RouteAll effective_route_all(const AppContext& context, const std::string& override_value);

std::vector<Finding> context_findings(const AppContext& context, const RouteAll& route_all,
                                      const Observations& observations);

}  // namespace vnetdiag
