#pragma once
// api-versions pinned per provider to the specs the product is tested against
// (../shared/azure-specs): one place to change them.
namespace vnetdiag::arm {

inline constexpr const char* kNetworkApi = "2024-01-01";
inline constexpr const char* kPrivateDnsApi = "2024-06-01";
inline constexpr const char* kKeyVaultApi = "2023-07-01";
inline constexpr const char* kCognitiveApi = "2023-05-01";
inline constexpr const char* kWebApi = "2023-12-01";
inline constexpr const char* kResourcesApi = "2021-04-01";
// DNS Private Resolver and forwarding rulesets (no spec in ../shared/azure-specs: the public
// REST reference).
inline constexpr const char* kDnsResolverApi = "2022-07-01";

}  // namespace vnetdiag::arm
