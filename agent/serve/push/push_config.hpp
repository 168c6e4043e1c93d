#pragma once
// serve's push settings into a PushConfig: --otlp, and --app-insights-connection-string or else
// APPLICATIONINSIGHTS_CONNECTION_STRING (remembered as a secret before anything is sent, so no
// output ever shows it).
#include <map>
#include <string>

#include "pusher.hpp"
#include "result.hpp"
#include "settings.hpp"

namespace vnetdiag::push {

struct PushIdentity {
  std::string instance;  // WEBSITE_INSTANCE_ID
  std::string site;      // WEBSITE_SITE_NAME
  std::string version;
};

Result<PushConfig> push_config(const CheckSettings& settings,
                               const std::map<std::string, std::string>& env,
                               const PushIdentity& identity);

// "otlp http://127.0.0.1:4318, Application Insights https://.../v2/track" (no key), or "".
std::string describe(const PushConfig& config);

}  // namespace vnetdiag::push
