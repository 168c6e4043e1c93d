#pragma once
// Reads a raw DNS response: rcode and the answer section, with every CNAME and its TTL, which
// c-ares 1.18's typed parsers do not expose. Hostile input yields an error, never a crash.
#include <cstddef>
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

// The question section (QNAME, QTYPE, QCLASS) of a query with exactly one question; empty when
// the message is not such a query.
std::vector<unsigned char> query_question(const unsigned char* query, std::size_t length);

// Some servers leave the question out of an error answer (unbound's access-control "refuse"
// answers REFUSED with QDCOUNT 0; RFC 1035 does not require the echo). c-ares 1.18 drops every
// answer whose question differs from the query's, so such an answer would end as a timeout.
// Puts `question` back after the header of `message` (in place, within `capacity`) when the
// message is an answer without a question. Returns the new length, or 0 when nothing changed.
std::size_t restore_question(unsigned char* message, std::size_t length, std::size_t capacity,
                             const std::vector<unsigned char>& question);

}  // namespace vnetdiag
