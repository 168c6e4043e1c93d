#include "dns_message.hpp"

#include <ares.h>
#include <arpa/inet.h>

#include <cstring>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

constexpr int kHeaderSize = 12;
constexpr int kTypeA = 1, kTypeCname = 5, kTypeAaaa = 28;

uint16_t read16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t read32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

Result<std::string> expand(const unsigned char* at, const unsigned char* msg, int length,
                           long* consumed) {
  char* name = nullptr;
  if (ares_expand_name(at, msg, length, &name, consumed) != ARES_SUCCESS)
    return fail("a name in the answer is malformed");
  std::string out(name);
  ares_free_string(name);
  return out;
}

}  // namespace

std::string rcode_name(int rcode) {
  static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  if (rcode >= 0 && rcode < 6) return names[rcode];
  return "RCODE" + std::to_string(rcode);
}

Result<DnsResponse> parse_dns_response(const unsigned char* msg, int length) {
  if (!msg || length < kHeaderSize) return fail("answer shorter than a DNS header");
  DnsResponse r;
  r.id = read16(msg);
  const uint16_t flags = read16(msg + 2);
  if (!(flags & 0x8000)) return fail("answer is not a response (QR bit clear)");
  r.truncated = flags & 0x0200;
  r.rcode = rcode_name(flags & 0x000F);
  const int qdcount = read16(msg + 4), ancount = read16(msg + 6);
  const unsigned char* p = msg + kHeaderSize;
  const unsigned char* end = msg + length;
  for (int i = 0; i < qdcount; ++i) {
    long used = 0;
    auto name = expand(p, msg, length, &used);
    if (!name) return name.error();
    p += used;
    if (end - p < 4) return fail("question section truncated");
    p += 4;
  }
  for (int i = 0; i < ancount; ++i) {
    long used = 0;
    auto name = expand(p, msg, length, &used);
    if (!name) return name.error();
    p += used;
    if (end - p < 10) return fail("answer record truncated");
    const int type = read16(p), cls = read16(p + 2);
    const uint32_t ttl = read32(p + 4);
    const int rdlength = read16(p + 8);
    p += 10;
    if (end - p < rdlength) return fail("answer record data truncated");
    DnsRecord rec{*name, "", ttl, ""};
    if (cls == 1 && type == kTypeA) {
      if (rdlength != 4) return fail("A record with " + std::to_string(rdlength) + " bytes");
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, p, text, sizeof text);
      rec.type = "A";
      rec.data = text;
    } else if (cls == 1 && type == kTypeAaaa) {
      if (rdlength != 16) return fail("AAAA record with " + std::to_string(rdlength) + " bytes");
      char text[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, p, text, sizeof text);
      rec.type = "AAAA";
      rec.data = text;
    } else if (cls == 1 && type == kTypeCname) {
      long cname_used = 0;
      auto target = expand(p, msg, length, &cname_used);
      if (!target) return target.error();
      if (cname_used > rdlength) return fail("CNAME target runs past its record");
      rec.type = "CNAME";
      rec.data = *target;
    } else {
      rec.type = "TYPE" + std::to_string(type);
    }
    p += rdlength;
    r.answers.push_back(std::move(rec));
  }
  return r;
}

std::vector<unsigned char> query_question(const unsigned char* query, std::size_t length) {
  if (!query || length < kHeaderSize || read16(query + 4) != 1) return {};
  std::size_t at = kHeaderSize;
  // A query's name is never compressed: plain labels up to the root label.
  while (at < length && query[at] != 0) {
    if (query[at] & 0xC0) return {};
    at += 1 + query[at];
  }
  if (at >= length || length - at - 1 < 4) return {};
  return {query + kHeaderSize, query + at + 1 + 4};
}

std::size_t restore_question(unsigned char* message, std::size_t length, std::size_t capacity,
                             const std::vector<unsigned char>& question) {
  if (!message || length < kHeaderSize || question.empty()) return 0;
  if (!(read16(message + 2) & 0x8000) || read16(message + 4) != 0) return 0;
  if (capacity < length || capacity - length < question.size()) return 0;
  std::memmove(message + kHeaderSize + question.size(), message + kHeaderSize,
               length - kHeaderSize);
  std::memcpy(message + kHeaderSize, question.data(), question.size());
  message[5] = 1;  // QDCOUNT (high byte is already 0)
  return length + question.size();
}

void follow_chain(const std::string& qname, const std::string& qtype,
                  const std::vector<DnsRecord>& answers, std::vector<std::string>* chain,
                  std::vector<std::string>* addresses) {
  constexpr std::size_t kMaxChain = 16;
  std::string current = qname;
  chain->push_back(qname);
  for (;;) {
    const DnsRecord* next = nullptr;
    for (const auto& rec : answers)
      if (rec.type == "CNAME" && lower(rec.name) == lower(current)) next = &rec;
    if (!next) break;
    bool loop = false;
    for (const auto& seen : *chain) loop |= lower(seen) == lower(next->data);
    if (loop || chain->size() >= kMaxChain) break;
    current = next->data;
    chain->push_back(current);
  }
  for (const auto& rec : answers)
    if (rec.type == qtype && lower(rec.name) == lower(current)) addresses->push_back(rec.data);
}

}  // namespace vnetdiag
