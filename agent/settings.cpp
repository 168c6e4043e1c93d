#include "settings.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cloud.hpp"
#include "text_util.hpp"
#include "url_trust.hpp"

extern char** environ;

namespace vnetdiag {
namespace {

using nlohmann::json;

Result<std::vector<std::string>> string_list(const json& v, const std::string& key) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) return fail("'" + key + "' must be a string or a list of strings");
  for (const auto& item : v) {
    if (!item.is_string()) return fail("'" + key + "' must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<double> seconds(const json& v, const std::string& key) {
  if (!v.is_number()) return fail("'" + key + "' must be a number of seconds");
  return v.get<double>();
}

Result<double> parse_seconds(const std::string& text, const std::string& name) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (...) {
  }
  return fail(name + " must be a number of seconds, not '" + text + "'");
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& part : split(text, ','))
    if (!trim(part).empty()) out.push_back(trim(part));
  return out;
}

}  // namespace

const char* to_string(Origin origin) {
  switch (origin) {
    case Origin::kDefault:
      return "default";
    case Origin::kConfig:
      return "config";
    case Origin::kEnvironment:
      return "environment";
    case Origin::kFlag:
      return "flag";
  }
  return "default";
}

Result<bool> apply_config_file(const std::string& path, CheckSettings& s) {
  std::ifstream in(path);
  if (!in) return fail("cannot read config file '" + path + "': check the path and permissions");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    return fail("config file '" + path + "' is not valid JSON (byte " + std::to_string(e.byte) +
                "): fix the syntax");
  } catch (const json::exception&) {  // e.g. a number beyond double's range
    return fail("config file '" + path + "' holds a value JSON cannot represent: fix it");
  }
  if (!doc.is_object()) return fail("config file '" + path + "' must hold a JSON object");
  const auto bad = [&](const Error& e) { return fail("config file '" + path + "': " + e.message); };
  for (const auto& [key, v] : doc.items()) {
    using StrList = Setting<std::vector<std::string>>;
    StrList* list = key == "keyvault"     ? &s.keyvaults
                    : key == "cognitive"  ? &s.cognitives
                    : key == "target"     ? &s.targets
                    : key == "dns_server" ? &s.dns_servers
                                          : nullptr;
    Setting<std::string>* str = key == "cloud"              ? &s.cloud
                                : key == "ca_bundle"        ? &s.ca_bundle
                                : key == "output"           ? &s.output
                                : key == "resolv_conf"      ? &s.resolv_conf
                                : key == "azure_dns_server" ? &s.azure_dns_server
                                : key == "route_all"        ? &s.route_all
                                : key == "app"              ? &s.app
                                : key == "resource_group"   ? &s.resource_group
                                : key == "subscription"     ? &s.subscription
                                : key == "arm_endpoint"     ? &s.arm_endpoint
                                : key == "arm_ca_bundle"    ? &s.arm_ca_bundle
                                : key == "client_id"        ? &s.client_id
                                                            : nullptr;
    Setting<double>* num = key == "timeout"           ? &s.timeout
                           : key == "dns_timeout"     ? &s.dns_timeout
                           : key == "connect_timeout" ? &s.connect_timeout
                           : key == "tls_timeout"     ? &s.tls_timeout
                           : key == "http_timeout"    ? &s.http_timeout
                                                      : nullptr;
    if (list) {
      auto r = string_list(v, key);
      if (!r) return bad(r.error());
      list->set(*r, Origin::kConfig);
    } else if (str) {
      if (!v.is_string()) return bad(Error{"'" + key + "' must be a string"});
      str->set(v.get<std::string>(), Origin::kConfig);
    } else if (num) {
      auto r = seconds(v, key);
      if (!r) return bad(r.error());
      num->set(*r, Origin::kConfig);
    } else {
      return bad(
          Error{"unknown key '" + key +
                "' (known: keyvault, cognitive, target, dns_server, cloud, ca_bundle, output, "
                "resolv_conf, azure_dns_server, route_all, app, resource_group, subscription, "
                "arm_endpoint, arm_ca_bundle, client_id, timeout, dns_timeout, connect_timeout, "
                "tls_timeout, http_timeout)"});
    }
  }
  return true;
}

Result<bool> apply_environment(const std::map<std::string, std::string>& env, CheckSettings& s) {
  const auto get = [&](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
  };
  const std::pair<const char*, Setting<std::vector<std::string>>*> lists[] = {
      {"VNETDIAG_KEYVAULT", &s.keyvaults},
      {"VNETDIAG_COGNITIVE", &s.cognitives},
      {"VNETDIAG_TARGET", &s.targets},
      {"VNETDIAG_DNS_SERVER", &s.dns_servers}};
  for (auto [name, setting] : lists)
    if (auto v = get(name)) setting->set(comma_list(*v), Origin::kEnvironment);
  const std::pair<const char*, Setting<std::string>*> strings[] = {
      {"VNETDIAG_CLOUD", &s.cloud},
      {"VNETDIAG_CA_BUNDLE", &s.ca_bundle},
      {"VNETDIAG_OUTPUT", &s.output},
      {"VNETDIAG_AZURE_DNS_SERVER", &s.azure_dns_server},
      {"VNETDIAG_ROUTE_ALL", &s.route_all},
      {"VNETDIAG_ARM_ENDPOINT", &s.arm_endpoint},
      {"VNETDIAG_ARM_CA_BUNDLE", &s.arm_ca_bundle}};
  for (auto [name, setting] : strings)
    if (auto v = get(name)) setting->set(*v, Origin::kEnvironment);
  if (auto v = get("VNETDIAG_TIMEOUT")) {
    auto r = parse_seconds(*v, "VNETDIAG_TIMEOUT");
    if (!r) return r.error();
    s.timeout.set(*r, Origin::kEnvironment);
  }
  return true;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Result<bool> validate(const CheckSettings& s) {
  if (!find_cloud(s.cloud.value)) {
    std::string names;
    for (auto n : cloud_names()) names += (names.empty() ? "" : ", ") + std::string(n);
    return fail("unknown cloud '" + s.cloud.value + "': use one of " + names);
  }
  const std::string& format = s.output.value;
  if (format != "text" && format != "json" && format != "junit")
    return fail("unknown output format '" + format + "': use text, json or junit");
  const std::pair<const char*, const Setting<double>*> budgets[] = {
      {"--timeout", &s.timeout},
      {"--dns-timeout", &s.dns_timeout},
      {"--connect-timeout", &s.connect_timeout},
      {"--tls-timeout", &s.tls_timeout},
      {"--http-timeout", &s.http_timeout}};
  for (auto [name, setting] : budgets) {
    const double v = setting->value;
    if (!std::isfinite(v) || v <= 0 || v > 3600)
      return fail(std::string(name) + " must be between 0 and 3600 seconds");
  }
  if (!s.arm_endpoint.value.empty()) {
    // The token goes wherever this points: https only, and a host other than a cloud's ARM only
    // together with the CA that proves it (a test twin).
    const auto o = arm::origin_of(s.arm_endpoint.value);
    if (!o || o->scheme != "https")
      return fail("--arm-endpoint must be an https:// URL, not '" + s.arm_endpoint.value + "'");
    if (!is_cloud_arm_host(o->host) && s.arm_ca_bundle.value.empty())
      return fail("--arm-endpoint '" + o->host +
                  "' is not a cloud's ARM host: give --arm-ca-bundle for it too, or leave it out");
  }
  const std::string& ra = s.route_all.value;
  if (!ra.empty() && ra != "on" && ra != "off")
    return fail("--route-all must be 'on' or 'off', not '" + ra + "'");
  for (const auto* file : {&s.ca_bundle, &s.arm_ca_bundle, &s.token_file}) {
    if (file->value.empty() || file == &s.ca_bundle) continue;
    std::ifstream in(file->value);
    if (!in) return fail("'" + file->value + "' cannot be read: give an existing file");
  }
  if (!s.ca_bundle.value.empty()) {
    std::ifstream in(s.ca_bundle.value);
    if (!in)
      return fail("CA bundle '" + s.ca_bundle.value +
                  "' cannot be read: give an existing PEM file");
  }
  return true;
}

}  // namespace vnetdiag
