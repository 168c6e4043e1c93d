// The site: route-all in its web config, then integration and httpsOnly in one PATCH, after the
// subnet and the plan are ready. Both restart the app.
#include "address_class.hpp"
#include "api_versions.hpp"
#include "repairs.hpp"

namespace vnetdiag::fix::repairs {
namespace {

constexpr const char* kRestarts =
    "site configuration changes restart the app (and vnetdiag if it runs inside it)";

// Forced; some endpoint's address is outside RFC 1918 (without route-all only RFC 1918
// destinations go through the VNet); or the plan builds the private path (some target has no
// endpoint: it is reached on its public address today), whose last step in the tutorial is
// route-all, so that every outbound call of the app enters the VNet; so does a Key Vault
// reference the platform cannot fetch from a private vault. Not when any layer already has it on
// (for a reference, a layer the platform's fetch follows: kv_reference_needs_vnet says so).
bool route_all_wanted(const PlanState& s) {
  bool wanted = s.in.names.route_all || s.some_endpoint_missing();
  for (const auto& a : s.endpoint_addresses)
    wanted |= classify_address(a) != AddressClass::kRfc1918;
  const bool on = s.route_all_config == "true" || s.route_all_site == "true" ||
                  s.route_all_outbound == "true" || s.route_all_setting == "1";
  return s.kv_reference_needs_vnet || (wanted && !on);
}

// With api-version 2023-12-01 (arm::kWebApi) the spec has no outboundVnetRouting, and the
// site-level vnetRouteAllEnabled is not in SitePatchResource (only a whole-site PUT carries it):
// a PATCH of config/web with only vnetRouteAllEnabled is the write that changes nothing else
// (ARM shows the site property with the same value).
Draft make_route_all(const RepairInput& r) {
  const std::string& now = r.s.route_all_config;
  return {.action = "update",
          .resource_id = r.s.site_id + "/config/web",
          .method = "PATCH",
          .api_version = arm::kWebApi,
          .body = {{"properties", {{"vnetRouteAllEnabled", true}}}},
          .permission = "Microsoft.Web/sites/config/write",
          .changes = {{"vnetRouteAllEnabled", now.empty() ? "false" : now, "true"}},
          .warning = kRestarts};
}

// Integration is planned only into a VNet of the app's region (FM-05); kRegionRefused says why
// not otherwise.
bool integrating(const PlanState& s) {
  return s.site_subnet.empty() && !s.integration_region_mismatch();
}

bool site_wanted(const RepairInput& r) {
  return r.s.site_exists && (r.s.https_only != "true" || integrating(r.s));
}

// A PATCH of only the properties it changes.
Draft make_site(const RepairInput& r) {
  const bool integrate = integrating(r.s);
  Draft d{
      .action = "update",
      .resource_id = r.s.site_id,
      .method = "PATCH",
      .api_version = arm::kWebApi,
      .permission =
          "Microsoft.Web/sites/write" +
          std::string(integrate ? " + Microsoft.Network/virtualNetworks/subnets/join/action" : ""),
      .warning = kRestarts};
  nlohmann::json props = nlohmann::json::object();
  if (r.s.https_only != "true") {
    props["httpsOnly"] = true;
    d.changes.push_back({"httpsOnly", "false", "true"});
  }
  if (integrate) {
    props["virtualNetworkSubnetId"] = r.s.int_subnet_id;
    d.changes.push_back({"virtualNetworkSubnetId", "null", r.s.int_subnet_id});
    d.finding = FindingId("arm.integration_missing");
  }
  d.body = {{"properties", props}};
  return d;
}

}  // namespace

constexpr Repair kRegionRefused{
    .name = "integration.region_refused",
    .finding = FindingId("arm.vnet_region_mismatch"),
    .applies = [](const RepairInput& r) { return r.s.integration_region_mismatch(); },
    .refuse =
        [](const RepairInput& r) {
          return "not integrating " + r.s.site_id + " with " + r.s.vnet_id + ": the VNet is in " +
                 r.s.vnet_location + " and the app in " + r.s.site_location +
                 ", and regional VNet integration needs both in the same region; create or "
                 "name (--vnet-name) a VNet in " +
                 r.s.site_location +
                 " (peered to the other if the endpoints stay there), or pass --location " +
                 r.s.site_location;
        },
};

constexpr Repair kRouteAll{
    .name = "integration.route_all",
    .provides = "routeall",
    .needs = {"subnet:integration", "plan"},
    .finding = FindingId("route.outside_vnet"),
    .applies = [](const RepairInput& r) { return r.s.site_exists && route_all_wanted(r.s); },
    .make = make_route_all,
};

constexpr Repair kSite{
    .name = "integration.site",
    .provides = "site",
    .needs = {"subnet:integration", "plan"},
    .finding = FindingId("arm.https_only_off"),  // arm.integration_missing when it integrates
    .applies = site_wanted,
    .make = make_site,
};

}  // namespace vnetdiag::fix::repairs
