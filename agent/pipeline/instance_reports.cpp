#include "instance_reports.hpp"

namespace vnetdiag {

std::string instances_dir(const std::string& given, const std::string& instance_id,
                          const std::map<std::string, std::string>& env) {
  if (!given.empty()) return given;
  const auto home = env.find("HOME");
  // Only inside App Service: elsewhere HOME is a person's, and no file appears there unasked.
  const auto site = env.find("WEBSITE_SITE_NAME");
  if (home == env.end() || home->second.empty() || instance_id.empty() || site == env.end() ||
      site->second.empty())
    return "";
  return home->second + "/LogFiles/vnetdiag/instances";
}

std::string instance_file_name(const std::string& instance_id) {
  if (instance_id.empty() || instance_id.size() > 200) return "";
  std::string name;
  for (char c : instance_id) {
    const bool fine = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || (c == '.' && !name.empty());
    name += fine ? c : '_';
  }
  return name + ".json";
}

}  // namespace vnetdiag
