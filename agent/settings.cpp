#include "settings.hpp"

#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cloud.hpp"
#include "settings_table.hpp"
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

// A choice's message: {value}, {flag}, {or} (a, b or c), {'or'} ('a' or 'b'), {list} (a, b, c).
std::string choice_message(std::string_view format, const std::string& flag,
                           const std::string& value, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  const std::pair<std::string_view, std::string> fields[] = {{"{value}", value},
                                                             {"{flag}", flag},
                                                             {"{or}", join_or(choices, false)},
                                                             {"{'or'}", join_or(choices, true)},
                                                             {"{list}", list}};
  std::string out;
  for (std::size_t i = 0; i < format.size();) {
    bool replaced = false;
    for (const auto& [name, text] : fields)
      if (format.substr(i, name.size()) == name) {
        out += text;
        i += name.size();
        replaced = true;
        break;
      }
    if (!replaced) out += format[i++];
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
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
    const SettingRow* row = nullptr;
    for (const auto& r : settings_table())
      if (!r.key.empty() && r.key == key) row = &r;
    if (!row) {
      std::string known;
      for (const auto& r : settings_table())
        if (!r.key.empty()) known += (known.empty() ? "" : ", ") + std::string(r.key);
      return bad(Error{"unknown key '" + key + "' (known: " + known + ")"});
    }
    if (auto m = std::get_if<Member<std::vector<std::string>>>(&row->field)) {
      auto r = string_list(v, key);
      if (!r) return bad(r.error());
      (s.*(*m)).set(*r, Origin::kConfig);
    } else if (auto str = std::get_if<Member<std::string>>(&row->field)) {
      if (!v.is_string()) return bad(Error{"'" + key + "' must be a string"});
      (s.*(*str)).set(v.get<std::string>(), Origin::kConfig);
    } else if (auto num = std::get_if<Member<double>>(&row->field)) {
      auto r = seconds(v, key);
      if (!r) return bad(r.error());
      (s.*(*num)).set(*r, Origin::kConfig);
    } else {
      return bad(Error{"'" + key + "' cannot be set in a config file"});
    }
  }
  return true;
}

Result<bool> apply_environment(const std::map<std::string, std::string>& env, CheckSettings& s) {
  for (const auto& row : settings_table()) {
    if (row.env.empty()) continue;
    auto it = env.find(std::string(row.env));
    if (it == env.end() || it->second.empty()) continue;
    const std::string& v = it->second;
    if (auto m = std::get_if<Member<std::vector<std::string>>>(&row.field)) {
      (s.*(*m)).set(comma_list(v), Origin::kEnvironment);
    } else if (auto str = std::get_if<Member<std::string>>(&row.field)) {
      (s.*(*str)).set(v, Origin::kEnvironment);
    } else if (auto num = std::get_if<Member<double>>(&row.field)) {
      auto r = parse_seconds(v, std::string(row.env));
      if (!r) return r.error();
      (s.*(*num)).set(*r, Origin::kEnvironment);
    }
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
  for (const auto& row : settings_table()) {
    const std::string flag = "--" + std::string(row.flag);
    if (row.kind == Kind::kChoice) {
      const std::string& value = (s.*std::get<Member<std::string>>(row.field)).value;
      if (value.empty() && row.default_value.empty()) continue;
      const auto choices = row.choices();
      bool known = false;
      for (const auto& c : choices)
        known = known || c == value || (row.any_case && iequals(c, value));
      if (!known) return fail(choice_message(row.invalid, flag, value, choices));
    } else if (row.kind == Kind::kSeconds && row.has_range()) {
      const double v = (s.*std::get<Member<double>>(row.field)).value;
      if (!std::isfinite(v) || v < row.min || (v == row.min && !row.min_allowed) || v > row.max)
        return fail(flag + " must be between " + number(row.min) + " and " + number(row.max) +
                    " seconds");
    }
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

Result<bool> output_is_one_of(const CheckSettings& settings, const std::string& command,
                              const std::vector<std::string>& formats) {
  const std::string& asked = settings.output.value;
  for (const auto& f : formats)
    if (f == asked) return true;
  std::string list;
  for (const auto& f : formats) list += (list.empty() ? "" : " or ") + f;
  const Origin from = settings.output.origin;
  const std::string where = from == Origin::kConfig        ? " (set in the config file)"
                            : from == Origin::kEnvironment ? " (set by VNETDIAG_OUTPUT)"
                                                           : "";
  return fail(command + " writes " + list + ", not '" + asked + "'" + where + ": use -o " +
              formats.front() + "; html, svg and junit are vnetdiag check's outputs");
}

}  // namespace vnetdiag
