#include "outbound_routing.hpp"

#include "arm_facts.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag::outbound_routing {
namespace {

struct Layer {
  const char* name;
  arm::Flag value;
};

// The first layer that is on decides; with none on, the first one set says off.
KindRoute decide(const char* kind, const std::vector<Layer>& layers) {
  KindRoute r{kind, false, ""};
  for (const auto& l : layers)
    if (l.value == true) return {kind, true, std::string(l.name) + "=true"};
  for (const auto& l : layers)
    if (l.value) return {kind, false, std::string(l.name) + "=false"};
  return r;
}

}  // namespace

std::vector<KindRoute> platform_routes(const arm::ArmState& s) {
  arm::OutboundVnetRouting o;
  if (s.site && s.site->outbound_routing) o = *s.site->outbound_routing;
  const arm::Flag site_all = s.site ? s.site->vnet_route_all_enabled : arm::Flag{};
  const arm::Flag config_all = s.site_config ? s.site_config->vnet_route_all_enabled : arm::Flag{};
  const Layer all{"site outboundVnetRouting.allTraffic", o.all_traffic};
  const auto site_flag = [&](arm::Flag arm::Site::*member) {
    return s.site ? (*s.site).*member : arm::Flag{};
  };
  return {
      decide("application", {all,
                             {"site outboundVnetRouting.applicationTraffic", o.application_traffic},
                             {"site vnetRouteAllEnabled", site_all},
                             {"config/web vnetRouteAllEnabled", config_all}}),
      decide("image pull",
             {all,
              {"site outboundVnetRouting.imagePullTraffic", o.image_pull_traffic},
              {"site vnetImagePullEnabled", site_flag(&arm::Site::vnet_image_pull_enabled)}}),
      decide("content share",
             {all,
              {"site outboundVnetRouting.contentShareTraffic", o.content_share_traffic},
              {"site vnetContentShareEnabled", site_flag(&arm::Site::vnet_content_share_enabled)}}),
      decide(
          "backup/restore",
          {all,
           {"site outboundVnetRouting.backupRestoreTraffic", o.backup_restore_traffic},
           {"site vnetBackupRestoreEnabled", site_flag(&arm::Site::vnet_backup_restore_enabled)}}),
  };
}

std::string describe(const KindRoute& r) {
  return r.kind + ": " + (r.routed ? "into the VNet" : "outside the VNet") + " (" +
         (r.layer.empty() ? std::string("unset, default off") : r.layer) + ")";
}

}  // namespace vnetdiag::outbound_routing

namespace vnetdiag::rules {

using arm_facts::text;

// Issue 15 item 4: outboundVnetRouting sends some kinds of traffic into the VNet and not others
// while allTraffic is off. Said only when the site carries outboundVnetRouting flags (the newer
// layer), as a warning: whether the kinds left outside need the private path (a storage account
// or registry behind a firewall) is not visible here. The evidence gives every kind's effective
// value and the layer that set it, WEBSITE_VNET_ROUTE_ALL included for the app's own calls.
RuleOutput outbound_split(const RuleInput& in) {
  if (!in.arm || !in.arm->site || !in.arm->site->outbound_routing) return {};
  const arm::OutboundVnetRouting& o = *in.arm->site->outbound_routing;
  const bool any_set = o.all_traffic || o.application_traffic || o.image_pull_traffic ||
                       o.content_share_traffic || o.backup_restore_traffic;
  if (!any_set || o.all_traffic == true) return {};
  const auto routes = outbound_routing::platform_routes(*in.arm);
  std::vector<std::string> inside, outside;
  for (const auto& r : routes) (r.routed ? inside : outside).push_back(r.kind);
  if (inside.empty() || outside.empty()) return {};
  const Cause cause{arm_facts::site_id(*in.arm), "properties.outboundVnetRouting",
                    "allTraffic=" + text(o.all_traffic) + "; into the VNet: " + join(inside, ", ") +
                        "; outside: " + join(outside, ", "),
                    "allTraffic=true, or every kind that needs the private path on"};
  Finding f = control_finding("route.outbound_split", "", cause);
  f.summary += " (into the VNet: " + join(inside, ", ") + "; outside: " + join(outside, ", ") + ")";
  for (const auto& r : routes) f.evidence["route." + r.kind] = outbound_routing::describe(r);
  f.evidence["app_process"] =
      "route-all " + in.route_all.effective + " (" + in.route_all.origin + ")";
  return {{std::move(f)}, {}};
}

}  // namespace vnetdiag::rules
