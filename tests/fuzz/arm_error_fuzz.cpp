// ARM error bodies (any non-2xx answer, and async-operation "error" objects): parse_arm_error,
// the one-line summary and the role named for an AuthorizationFailed action.
#include <cstddef>
#include <cstdint>
#include <string>

#include "arm_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (long status : {403L, 500L}) {
    const vnetdiag::arm::ArmError e = vnetdiag::arm::parse_arm_error(status, body);
    const std::string line = e.summary();
    if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos) abort();
    if (!e.action.empty()) (void)vnetdiag::arm::role_for_action(e.action);
  }
  (void)vnetdiag::arm::role_for_action(body);
  return 0;
}
