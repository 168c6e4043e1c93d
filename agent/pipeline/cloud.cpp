#include "cloud.hpp"

#include <array>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

constexpr std::array kClouds = {
    Cloud{"AzureCloud", "vault.azure.net", "privatelink.vaultcore.azure.net",
          "cognitiveservices.azure.com", "privatelink.cognitiveservices.azure.com",
          "https://management.azure.com/", "https://login.microsoftonline.com",
          "azurewebsites.net"},
    Cloud{"AzureUSGovernment", "vault.usgovcloudapi.net", "privatelink.vaultcore.usgovcloudapi.net",
          "cognitiveservices.azure.us", "privatelink.cognitiveservices.azure.us",
          "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us",
          "azurewebsites.us"},
    // Microsoft's table lists no Cognitive Services zone for China: it comes from the account's
    // privateLinkResources when ARM can be read.
    Cloud{"AzureChinaCloud", "vault.azure.cn", "privatelink.vaultcore.azure.cn",
          "cognitiveservices.azure.cn", "", "https://management.chinacloudapi.cn/",
          "https://login.chinacloudapi.cn", "chinacloudsites.cn"},
};

}  // namespace

const Cloud* find_cloud(std::string_view name) {
  for (const auto& c : kClouds)
    if (lower(c.name) == lower(name)) return &c;
  return nullptr;
}

bool is_cloud_arm_host(std::string_view host) {
  for (const auto& c : kClouds) {
    std::string_view h = c.arm_endpoint;
    h.remove_prefix(h.find("//") + 2);
    h = h.substr(0, h.find('/'));
    if (lower(host) == h) return true;
  }
  return false;
}

bool is_cloud_scm_host(const Cloud& cloud, std::string_view host) {
  const std::string h = lower(host);
  const std::string suffix = "." + std::string(cloud.app_service_domain);
  if (cloud.app_service_domain.empty() || !ends_with(h, suffix)) return false;
  const auto scm = h.find(".scm.");
  return scm != std::string::npos && scm > 0 && scm + 4 < h.size() - suffix.size() + 1;
}

std::vector<std::string_view> cloud_names() {
  std::vector<std::string_view> names;
  names.reserve(kClouds.size());
  for (const auto& c : kClouds) names.push_back(c.name);
  return names;
}

}  // namespace vnetdiag
