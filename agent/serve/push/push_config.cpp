#include "push_config.hpp"

#include <cctype>

#include "secrets.hpp"
#include "text_util.hpp"

namespace vnetdiag::push {

Result<PushConfig> push_config(const CheckSettings& settings,
                               const std::map<std::string, std::string>& env,
                               const PushIdentity& identity) {
  PushConfig config;
  if (!settings.otlp.value.empty()) {
    auto base = otlp_base_url(settings.otlp.value);
    if (!base) return base.error();
    config.otlp_base = *base;
  }
  std::string connection = settings.app_insights_connection_string.value;
  if (connection.empty())
    if (auto it = env.find("APPLICATIONINSIGHTS_CONNECTION_STRING"); it != env.end())
      connection = it->second;
  if (!connection.empty()) {
    secrets::remember(connection);
    auto target = parse_connection_string(connection);
    if (!target) return target.error();
    // The key as written, and in the spellings it travels in (the envelope name has it in lower
    // case without dashes).
    const std::string& key = target->instrumentation_key;
    std::string bare;
    for (char c : key)
      if (c != '-') bare += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string& form : {key, lower(key), bare}) secrets::remember(form);
    config.app_insights = *target;
  }
  config.resource["service.name"] = identity.site.empty() ? "vnetdiag" : identity.site;
  config.resource["service.instance.id"] = identity.instance;
  config.resource["service.version"] = identity.version;
  config.availability = {identity.instance, identity.site, identity.version};
  config.ca_bundle = settings.ca_bundle.value;
  return config;
}

std::string describe(const PushConfig& config) {
  std::string out;
  if (!config.otlp_base.empty()) out += "OTLP " + config.otlp_base;
  if (config.app_insights)
    out += (out.empty() ? "" : ", ") + std::string("Application Insights ") +
           config.app_insights->track_url;
  return out;
}

}  // namespace vnetdiag::push
