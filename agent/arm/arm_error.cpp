#include "arm_error.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

const json* key_ci(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (lower(it.key()) == key) return &it.value();
  return nullptr;
}

std::string str_ci(const json& j, const char* key) {
  const json* v = key_ci(j, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

std::string role_for_action(const std::string& action) {
  const std::string a = lower(action);
  if (ends_with(a, "/read")) return "Reader";
  if (starts_with(a, "microsoft.network/privatednszones")) return "Private DNS Zone Contributor";
  if (starts_with(a, "microsoft.network/")) return "Network Contributor";
  if (starts_with(a, "microsoft.keyvault/")) return "Key Vault Contributor";
  if (starts_with(a, "microsoft.cognitiveservices/")) return "Cognitive Services Contributor";
  if (starts_with(a, "microsoft.web/")) return "Website Contributor";
  return "Contributor";
}

ArmError parse_arm_error(long status, const std::string& body) {
  ArmError e;
  json j;
  try {
    j = json::parse(body);
  } catch (...) {
    e.code = "HTTP" + std::to_string(status);
    e.message = trim(body.substr(0, 200));
    return e;
  }
  const json* inner = key_ci(j, "error");
  const json& err = inner && inner->is_object() ? *inner : j;
  e.code = str_ci(err, "code");
  e.message = str_ci(err, "message");
  if (const json* details = key_ci(err, "details"); details && details->is_array()) {
    for (const auto& d : *details) {
      if (const json* entity = key_ci(d, "errorentity"))
        e.extended_code = str_ci(*entity, "extendedcode");
      if (e.message.empty()) e.message = str_ci(d, "message");
    }
  }
  if (e.code.empty()) e.code = "HTTP" + std::to_string(status);
  if (lower(e.code).find("authorizationfailed") != std::string::npos) {
    // Plain search, not std::regex: its recursion overflows the stack on long messages.
    constexpr std::string_view kLead = "perform action '";
    if (const auto at = e.message.find(kLead); at != std::string::npos) {
      const auto start = at + kLead.size();
      const auto end = e.message.find('\'', start);
      if (end != std::string::npos && end > start && end - start <= 512)
        e.action = e.message.substr(start, end - start);
    }
  }
  return e;
}

std::string ArmError::summary() const {
  std::string s = code;
  if (!action.empty()) {
    s += ": the identity may not perform '" + action + "'; a role such as " +
         role_for_action(action) + " on the resource grants it";
  } else {
    if (!message.empty()) s += ": " + message.substr(0, 400);
    if (!extended_code.empty()) s += " (ExtendedCode " + extended_code + ")";
  }
  // One line whatever the body said: the action and the code come from it as well.
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace vnetdiag::arm
