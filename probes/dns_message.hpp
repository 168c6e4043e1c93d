#pragma once
// Reads a raw DNS response: rcode and the answer section, with every CNAME and its TTL, which
// c-ares 1.18's typed parsers do not expose. Hostile input yields an error, never a crash.
#include <string>
#include <vector>

#include "model.hpp"
#include "result.hpp"

namespace vnetdiag {

struct DnsResponse {
  uint16_t id = 0;
  std::string rcode;
  bool truncated = false;
  std::vector<DnsRecord> answers;
};

Result<DnsResponse> parse_dns_response(const unsigned char* data, int length);

// Follows CNAMEs from qname through the answers; fills the chain (qname first) and the addresses
// of type qtype owned by the last name. CNAME loops and over-long chains stop the walk.
void follow_chain(const std::string& qname, const std::string& qtype,
                  const std::vector<DnsRecord>& answers, std::vector<std::string>* chain,
                  std::vector<std::string>* addresses);

std::string rcode_name(int rcode);

}  // namespace vnetdiag
