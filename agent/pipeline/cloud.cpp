#include "cloud.hpp"

#include <array>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

constexpr std::array kClouds = {
    Cloud{"AzureCloud", "vault.azure.net", "privatelink.vaultcore.azure.net",
          "cognitiveservices.azure.com", "privatelink.cognitiveservices.azure.com",
          "https://management.azure.com/", "https://login.microsoftonline.com"},
    Cloud{"AzureUSGovernment", "vault.usgovcloudapi.net", "privatelink.vaultcore.usgovcloudapi.net",
          "cognitiveservices.azure.us", "privatelink.cognitiveservices.azure.us",
          "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us"},
    // Microsoft's table lists no Cognitive Services zone for China: it comes from the account's
    // privateLinkResources when ARM can be read.
    Cloud{"AzureChinaCloud", "vault.azure.cn", "privatelink.vaultcore.azure.cn",
          "cognitiveservices.azure.cn", "", "https://management.chinacloudapi.cn/",
          "https://login.chinacloudapi.cn"},
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

std::vector<std::string_view> cloud_names() {
  std::vector<std::string_view> names;
  names.reserve(kClouds.size());
  for (const auto& c : kClouds) names.push_back(c.name);
  return names;
}

}  // namespace vnetdiag
