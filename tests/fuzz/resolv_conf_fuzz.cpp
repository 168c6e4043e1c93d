// /etc/resolv.conf is written by the platform, not by vnetdiag: any text must parse.
#include <cstddef>
#include <cstdint>
#include <string>

#include "resolv_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vnetdiag::parse_resolv_conf(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
