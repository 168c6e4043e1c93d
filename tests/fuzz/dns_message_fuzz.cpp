// Raw DNS responses from a resolver are outside input: parse, then walk the chain.
#include <cstddef>
#include <cstdint>

#include "dns_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65535) return 0;
  auto parsed = vnetdiag::parse_dns_response(data, static_cast<int>(size));
  if (!parsed) return 0;
  std::vector<std::string> chain, addresses;
  const std::string qname = parsed->answers.empty() ? "a.example" : parsed->answers.front().name;
  vnetdiag::follow_chain(qname, "A", parsed->answers, &chain, &addresses);
  vnetdiag::follow_chain(qname, "AAAA", parsed->answers, &chain, &addresses);
  return 0;
}
