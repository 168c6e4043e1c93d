// Service rules: what the vault or the account answered once the request reached it.
#include "address_class.hpp"
#include "diagnose.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

bool contains_ci(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

}  // namespace

std::string keyvault_source_address(const std::string& network_info) {
  for (const auto& part : split(network_info, ';')) {
    const std::string p = trim(part);
    if (starts_with(lower(p), "addr=")) return p.substr(5);
  }
  return "";
}

FindingId service_answer(const Target& target, const ConnectionObservation& c,
                         std::string* detail) {
  const auto header = c.headers.find("x-ms-keyvault-network-info");
  switch (target.kind) {
    case TargetKind::kKeyVault: {
      if (c.status_code == 403 && contains_ci(c.body, "ForbiddenByFirewall"))
        return "kv.forbidden_by_firewall";
      if (header == c.headers.end()) return "kv.network_info_missing";
      const std::string addr = keyvault_source_address(header->second);
      *detail = "vault saw " + (addr.empty() ? std::string("no address") : addr);
      if (addr.empty() || !is_private_endpoint_class(classify_address(addr)))
        return "kv.public_source";
      if (c.status_code >= 200 && c.status_code < 300) return "http.private_path";
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.unexpected_status";
    }
    case TargetKind::kCognitive:
      if (c.status_code == 403 && contains_ci(c.body, "public access is disabled"))
        return "cs.public_access_disabled";
      if (c.status_code == 403 && contains_ci(c.body, "firewall"))
        return "cs.forbidden_by_firewall";
      if (c.status_code >= 500 || c.status_code == 0) break;
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.answered";
    case TargetKind::kCustom:
      if (c.status_code >= 500 || c.status_code == 0) break;
      *detail = "HTTP " + std::to_string(c.status_code);
      return "http.answered";
  }
  *detail = "HTTP " + std::to_string(c.status_code);
  return "http.unexpected_status";
}

}  // namespace vnetdiag
