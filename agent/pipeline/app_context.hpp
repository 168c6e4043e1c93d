#pragma once
// Where vnetdiag runs: the App Service app, its instance and the platform settings that shape DNS
// and routing, each value with where it came from. The SSH shell of a custom container may lack
// the app's environment, so PID 1's environment is the fallback.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vnetdiag {

struct ContextValue {
  std::string value;
  std::string origin;  // flag, environment, /proc/1/environ, WEBSITE_OWNER_NAME, ...
};

struct OwnerName {
  std::string subscription;
  std::string webspace_resource_group;
  std::string region;
};
// "<subscription>+<resourceGroup>-<Region>webspace[-Linux]"; nullopt when malformed.
std::optional<OwnerName> parse_owner_name(const std::string& owner);

// NUL-separated KEY=VALUE pairs as in /proc/PID/environ.
std::map<std::string, std::string> parse_environ_block(const std::string& block);

struct AppContext {
  std::map<std::string, ContextValue> values;  // keyed by a short name: app, resource_group, ...
  bool in_app_service = false;                 // WEBSITE_SITE_NAME seen anywhere
  std::vector<std::string> problems;           // garbage in variables, with the variable named
  const ContextValue* get(const std::string& key) const;
  std::string value_or(const std::string& key, const std::string& fallback) const;
};

struct ContextOverrides {
  std::map<std::string, std::string>
      values;  // from flags: app, resource_group, subscription, route_all
};

// env: the process environment; pid1_environ_path: where to look when the app's variables are
// missing from it (normally /proc/1/environ).
AppContext discover_context(const std::map<std::string, std::string>& env,
                            const std::string& pid1_environ_path,
                            const ContextOverrides& overrides);

// Which instance of which app and slot this process is: report context keys `instance`, `site`,
// `slot` (and metric labels). WEBSITE_INSTANCE_ID, the app (WEBSITE_SITE_NAME or --app),
// WEBSITE_SLOT_NAME (Production inside App Service when unset); "" when unknown.
struct InstanceLabels {
  std::string instance, site, slot;
};
InstanceLabels instance_labels(const AppContext& ctx);

// The variables read, in display order, with the short names used as keys.
const std::vector<std::pair<std::string, std::string>>& context_variables();

}  // namespace vnetdiag
