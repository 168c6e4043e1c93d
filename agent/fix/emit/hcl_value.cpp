#include "hcl_value.hpp"

#include <cctype>

namespace vnetdiag::fix {
namespace {

bool identifier(const std::string& key) {
  if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_'))
    return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string hcl_string(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if ((c == '$' || c == '%') && i + 1 < s.size() && s[i + 1] == '{') {
      out += c;  // "${" and "%{" start templates: doubled, they are literal
      out += c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string bicep_string(const std::string& s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      out += "\\$";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// One printer, two spellings: HCL writes `key = value` and commas in lists, Bicep `key: value`
// and one item a line.
std::string value(const nlohmann::json& v, int indent, bool bicep) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (v.is_string())
    return bicep ? bicep_string(v.get<std::string>()) : hcl_string(v.get<std::string>());
  if (v.is_object()) {
    if (v.empty()) return "{}";
    std::string out = "{\n";
    for (const auto& [k, item] : v.items()) {
      const std::string key = identifier(k) ? k : (bicep ? bicep_string(k) : hcl_string(k));
      out += inner + key + (bicep ? ": " : " = ") + value(item, indent + 1, bicep) + "\n";
    }
    return out + pad + "}";
  }
  if (v.is_array()) {
    if (v.empty()) return "[]";
    std::string out = "[\n";
    for (const auto& item : v)
      out += inner + value(item, indent + 1, bicep) + (bicep ? "\n" : ",\n");
    return out + pad + "]";
  }
  return v.dump();  // null, true/false, numbers: the same in all three
}

}  // namespace

std::string hcl_value(const nlohmann::json& v, int indent) { return value(v, indent, false); }
std::string bicep_value(const nlohmann::json& v, int indent) { return value(v, indent, true); }

}  // namespace vnetdiag::fix
