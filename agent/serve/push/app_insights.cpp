#include "app_insights.hpp"

#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "otlp_json.hpp"
#include "process_io.hpp"
#include "secrets.hpp"
#include "text_util.hpp"
#include "url_trust.hpp"

namespace vnetdiag::push {
namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxConnectionString = 4096;
constexpr const char* kDefaultEndpoint = "https://dc.services.visualstudio.com";

bool is_guid_text(const std::string& key) {
  if (key.size() != 32 && key.size() != 36) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool dash_position = key.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
    if (dash_position ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A value shown in a message: printable, and short.
std::string shown(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 80))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return text.size() > 80 ? out + "..." : out;
}

// `url` in a message, with the instrumentation key taken out wherever it appears.
std::string shown_without(const std::string& url, const std::string& key) {
  std::string safe = url;
  if (!key.empty())
    for (auto at = safe.find(key); at != std::string::npos; at = safe.find(key, at))
      safe.replace(at, key.size(), "[redacted]");
  return shown(safe);
}

Result<std::string> https_endpoint(const std::string& url, const char* what,
                                   const std::string& key) {
  const auto origin = arm::origin_of(url);
  if (!origin || origin->host.empty())
    return fail(std::string("the Application Insights connection string's ") + what + " '" +
                shown_without(url, key) + "' is not a URL");
  if (origin->scheme != "https")
    return fail(std::string("the Application Insights connection string's ") + what + " '" +
                shown_without(url, key) +
                "' is not https (the instrumentation key only travels over https)");
  if (url.find('?') != std::string::npos || url.find('#') != std::string::npos)
    return fail(std::string("the Application Insights connection string's ") + what + " '" +
                shown_without(url, key) + "' has a query or fragment");
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string ikey_without_dashes(const std::string& key) {
  std::string out;
  for (char c : key)
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<AppInsightsTarget> parse_connection_string(const std::string& text) {
  const std::string where = "the Application Insights connection string";
  if (text.size() > kMaxConnectionString)
    return fail(where + " is longer than " + std::to_string(kMaxConnectionString) + " characters");
  std::map<std::string, std::string> fields;  // lower-case keys
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto end = std::min(text.find(';', at), text.size());
    const std::string part = trim(text.substr(at, end - at));
    at = end + 1;
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(where + " has a part that is not key=value (parts are separated by ';')");
    const std::string key = lower(trim(part.substr(0, eq)));
    const std::string value = trim(part.substr(eq + 1));
    if (fields.count(key)) return fail(where + " names '" + shown(key) + "' twice");
    fields[key] = value;
  }
  AppInsightsTarget t;
  const auto key = fields.find("instrumentationkey");
  if (key == fields.end() || key->second.empty()) return fail(where + " has no InstrumentationKey");
  if (!is_guid_text(key->second)) return fail(where + "'s InstrumentationKey is not a GUID");
  t.instrumentation_key = key->second;
  std::string endpoint = kDefaultEndpoint;
  if (auto it = fields.find("ingestionendpoint"); it != fields.end() && !it->second.empty()) {
    auto base = https_endpoint(it->second, "IngestionEndpoint", t.instrumentation_key);
    if (!base) return base.error();
    endpoint = *base;
  } else if (auto suffix = fields.find("endpointsuffix");
             suffix != fields.end() && !suffix->second.empty()) {
    // EndpointSuffix=applicationinsights.azure.cn -> https://[location.]dc.<suffix>
    const auto location = fields.find("location");
    const std::string prefix =
        location != fields.end() && !location->second.empty() ? location->second + "." : "";
    auto base = https_endpoint("https://" + prefix + "dc." + suffix->second, "EndpointSuffix",
                               t.instrumentation_key);
    if (!base) return base.error();
    endpoint = *base;
  }
  t.track_url = endpoint + "/v2/track";
  return t;
}

std::string timespan_text(double seconds) {
  if (!(seconds > 0)) seconds = 0;
  auto ms = static_cast<long long>(std::llround(seconds * 1000));
  const long long days = ms / 86400000;
  ms %= 86400000;
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
                      ms / 1000 % 60, ms % 1000);
  return days > 0 ? std::to_string(days) + "." + buf : std::string(buf);
}

std::string random_uuid() {
  std::string hex = random_hex(16);
  hex[12] = '4';                                                    // version 4
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string availability_envelopes(const Snapshot& snapshot, const std::string& instrumentation_key,
                                   const AvailabilityContext& context) {
  ordered_json envelopes = ordered_json::array();
  if (!snapshot.checked()) return envelopes.dump();
  // probe_success and probe_duration_seconds by target, from the metrics as values.
  std::map<std::string, double> success, duration;
  for (const auto& family : snapshot.metrics)
    if (family.name == "probe_success" || family.name == "probe_duration_seconds")
      for (const auto& sample : family.samples)
        for (const auto& [k, v] : sample.labels)
          if (k == "target")
            (family.name == "probe_success" ? success : duration)[v] = sample.value;
  const std::string time = iso_utc_ms(snapshot.finished_unix);
  const std::string name =
      "Microsoft.ApplicationInsights." + ikey_without_dashes(instrumentation_key) + ".Availability";
  for (const auto& target : snapshot.targets) {
    std::string verdict = "unknown";
    std::vector<std::string> findings;
    const auto part = nlohmann::json::parse(target.json, nullptr, false);
    if (part.is_object() && part.contains("verdict") && part["verdict"].is_string())
      verdict = part["verdict"].get<std::string>();
    if (part.is_object() && part.contains("findings") && part["findings"].is_array())
      for (const auto& f : part["findings"])
        if (f.is_object() && f.contains("id") && f["id"].is_string() && f.contains("severity") &&
            f["severity"] != "ok")
          findings.push_back(f["id"].get<std::string>());
    const auto s = success.find(target.name);
    const bool ok = snapshot.has_report && s != success.end() && s->second == 1;
    const auto d = duration.find(target.name);
    std::string message;
    if (!snapshot.has_report) {
      message = "the check could not run: " + snapshot.error;
    } else {
      message = "verdict " + verdict;
      if (!findings.empty()) {
        message += ":";
        for (const auto& id : findings) message += " " + id;
      }
    }
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    message = secrets::scrub(message);
    std::string finding_list;
    for (const auto& id : findings) finding_list += (finding_list.empty() ? "" : ",") + id;
    ordered_json properties = {{"target", target.name},
                               {"host", target.host},
                               {"verdict", snapshot.has_report ? verdict : "unknown"},
                               {"findings", finding_list},
                               {"instance", context.instance}};
    ordered_json base = {
        {"ver", 2},
        {"id", random_uuid()},
        {"name", "vnetdiag " + target.name},
        {"duration", timespan_text(d != duration.end() ? d->second : snapshot.duration_s)},
        {"success", ok},
        {"runLocation", context.instance.empty() ? "vnetdiag" : context.instance},
        {"message", message.substr(0, 1024)},
        {"properties", std::move(properties)}};
    ordered_json tags = {{"ai.cloud.roleInstance", context.instance},
                         {"ai.cloud.role", context.site.empty() ? "vnetdiag" : context.site},
                         {"ai.internal.sdkVersion", "vnetdiag:" + context.version}};
    envelopes.push_back(
        {{"name", name},
         {"time", time},
         {"iKey", instrumentation_key},
         {"tags", std::move(tags)},
         {"data", {{"baseType", "AvailabilityData"}, {"baseData", std::move(base)}}}});
  }
  // Not scrubbed as a whole: the key is in it on purpose (iKey, where it belongs); the texts that
  // come from outside (the message) are scrubbed above.
  return envelopes.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace vnetdiag::push
