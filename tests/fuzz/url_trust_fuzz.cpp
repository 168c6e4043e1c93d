// URLs the token may be sent to come from outside: LRO monitors (Azure-AsyncOperation,
// Location), nextLink pages, IDENTITY_ENDPOINT/MSI_ENDPOINT, --arm-endpoint. Drives origin_of,
// untrusted_arm_url and untrusted_token_endpoint. Invariant: a URL accepted for the ARM token is
// https on exactly the trusted origin.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "url_trust.hpp"

using namespace vnetdiag::arm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  const std::string url(reinterpret_cast<const char*>(data), size);
  if (url.find('\0') != std::string::npos) return 0;  // a C string in the product as well
  const UrlOrigin trusted{"https", "management.azure.com", 443};
  const auto origin = origin_of(url);
  const auto why = untrusted_arm_url(url, trusted);
  if (!why && !(origin && *origin == trusted)) abort();
  if (origin && *origin == trusted && why) abort();
  for (bool local : {false, true}) {
    const auto refused = untrusted_token_endpoint(url, local);
    if (!refused && !(origin && (origin->scheme == "https" || (local && origin->scheme == "http"))))
      abort();
  }
  return 0;
}
