#pragma once
// One table of per-cloud names (FM-32): public suffixes, privatelink zones, ARM endpoint.
#include <string>
#include <string_view>
#include <vector>

namespace vnetdiag {

struct Cloud {
  std::string_view name;
  std::string_view keyvault_suffix;   // vault.azure.net
  std::string_view keyvault_zone;     // privatelink.vaultcore.azure.net
  std::string_view cognitive_suffix;  // cognitiveservices.azure.com
  std::string_view cognitive_zone;    // empty: not published; read from ARM requiredZoneNames
  std::string_view arm_endpoint;
  std::string_view authority;           // Entra login endpoint
  std::string_view app_service_domain;  // azurewebsites.net: apps and their SCM (Kudu) hosts
};

const Cloud* find_cloud(std::string_view name);  // case-insensitive; nullptr if unknown
std::vector<std::string_view> cloud_names();
// management.azure.com and the sovereign clouds' equivalents.
bool is_cloud_arm_host(std::string_view host);
// An SCM (Kudu) host of the cloud's App Service: <app>.scm.<domain> or the unique form
// <app>-<hash>.scm.<region>.<domain>.
bool is_cloud_scm_host(const Cloud& cloud, std::string_view host);

}  // namespace vnetdiag
