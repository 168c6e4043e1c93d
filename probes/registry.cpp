#include "prober.hpp"

namespace vnetdiag {

// Each factory is defined in its layer's own file.
ProberFactory make_dns_prober;
ProberFactory make_system_prober;
ProberFactory make_connection_prober;

const std::vector<ProberEntry>& registered_probers() {
  static const std::vector<ProberEntry> kProbers{
      {"dns", &make_dns_prober},                // c-ares, one channel per resolver
      {"system", &make_system_prober},          // getaddrinfo, when the plan asks for it
      {"connection", &make_connection_prober},  // TCP, TLS, HTTP per address DNS found
  };
  return kProbers;
}

const ProberEntry* find_prober(const std::string& layer) {
  for (const auto& entry : registered_probers())
    if (entry.layer == layer) return &entry;
  return nullptr;
}

}  // namespace vnetdiag
