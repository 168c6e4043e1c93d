// ARM resource ids come from ARM bodies (serverFarmId, virtualNetworkSubnetId,
// privateLinkServiceId, NIC ids) and from flags: parse_resource_id and what is built on it.
// Invariant: a parsed id's canonical form parses again to the same canonical form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resource_id.hpp"

using namespace vnetdiag::arm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  // Two ids: the input split at its first newline (same_resource compares them).
  const auto nl = input.find('\n');
  const std::string a = input.substr(0, nl);
  const std::string b = nl == std::string::npos ? a : input.substr(nl + 1);
  for (const std::string* text : {&a, &b}) {
    const auto id = parse_resource_id(*text);
    if (!id) continue;
    (void)id->type();
    (void)id->name();
    const std::string canonical = id->str();
    const auto again = parse_resource_id(canonical);
    if (!again || again->str() != canonical) abort();
    if (!same_resource(*text, canonical)) abort();
    for (auto p = id->parent(); p; p = p->parent()) (void)p->str();
  }
  if (same_resource(a, b) != same_resource(b, a)) abort();
  return 0;
}
