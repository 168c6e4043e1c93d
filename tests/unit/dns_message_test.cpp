#include "dns_message.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace vnetdiag;

namespace {

// Builds DNS messages byte by byte, the way c-ares's own tests state the exact packets.
struct Packet {
  std::vector<unsigned char> b;
  void u16(int v) {
    b.push_back(static_cast<unsigned char>(v >> 8));
    b.push_back(static_cast<unsigned char>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<int>(v >> 16));
    u16(static_cast<int>(v & 0xFFFF));
  }
  void name(const std::string& n) {
    std::size_t start = 0;
    while (start < n.size()) {
      auto dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      b.push_back(static_cast<unsigned char>(dot - start));
      for (std::size_t i = start; i < dot; ++i) b.push_back(static_cast<unsigned char>(n[i]));
      start = dot + 1;
    }
    b.push_back(0);
  }
  void header(int rcode, int qd, int an) {
    u16(0x1234);
    u16(0x8180 | rcode);
    u16(qd);
    u16(an);
    u16(0);
    u16(0);
  }
  void question(const std::string& n, int type) {
    name(n);
    u16(type);
    u16(1);
  }
  void cname(const std::string& owner, const std::string& target, uint32_t ttl) {
    name(owner);
    u16(5);
    u16(1);
    u32(ttl);
    Packet rd;
    rd.name(target);
    u16(static_cast<int>(rd.b.size()));
    b.insert(b.end(), rd.b.begin(), rd.b.end());
  }
  void a(const std::string& owner, std::vector<unsigned char> ip, uint32_t ttl) {
    name(owner);
    u16(1);
    u16(1);
    u32(ttl);
    u16(static_cast<int>(ip.size()));
    b.insert(b.end(), ip.begin(), ip.end());
  }
};

Packet private_chain() {
  Packet p;
  p.header(0, 1, 2);
  p.question("kv1.vault.azure.net", 1);
  p.cname("kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net", 60);
  p.a("kv1.privatelink.vaultcore.azure.net", {10, 0, 1, 4}, 10);
  return p;
}

}  // namespace

TEST(DnsMessage, FollowsTheCnameChainToThePrivateAddress) {
  Packet p = private_chain();
  auto r = parse_dns_response(p.b.data(), static_cast<int>(p.b.size()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rcode, "NOERROR");
  ASSERT_EQ(r->answers.size(), 2u);
  EXPECT_EQ(r->answers[0].type, "CNAME");
  EXPECT_EQ(r->answers[0].ttl, 60u);
  std::vector<std::string> chain, addresses;
  follow_chain("kv1.vault.azure.net", "A", r->answers, &chain, &addresses);
  EXPECT_EQ(chain, (std::vector<std::string>{"kv1.vault.azure.net",
                                             "kv1.privatelink.vaultcore.azure.net"}));
  EXPECT_EQ(addresses, std::vector<std::string>{"10.0.1.4"});
}

TEST(DnsMessage, NxdomainKeepsTheChainSoFar) {
  Packet p;
  p.header(3, 1, 1);
  p.question("kv1.vault.azure.net", 1);
  p.cname("kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net", 60);
  auto r = parse_dns_response(p.b.data(), static_cast<int>(p.b.size()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, "NXDOMAIN");
  std::vector<std::string> chain, addresses;
  follow_chain("kv1.vault.azure.net", "A", r->answers, &chain, &addresses);
  EXPECT_EQ(chain.back(), "kv1.privatelink.vaultcore.azure.net");
  EXPECT_TRUE(addresses.empty());
}

TEST(DnsMessage, EveryTruncationIsAnErrorNotACrash) {
  Packet p = private_chain();
  for (std::size_t len = 0; len < p.b.size(); ++len) {
    auto r = parse_dns_response(p.b.data(), static_cast<int>(len));
    // A cut inside the header or a record must fail; cutting whole trailing records cannot be
    // told apart from a short answer only when the counts say so, and they do not here.
    EXPECT_FALSE(r.ok()) << "length " << len;
  }
}

TEST(DnsMessage, ARecordOfWrongLengthIsRejected) {
  Packet p;
  p.header(0, 1, 1);
  p.question("x.example", 1);
  p.a("x.example", {10, 0, 1}, 10);
  EXPECT_FALSE(parse_dns_response(p.b.data(), static_cast<int>(p.b.size())).ok());
}

TEST(DnsMessage, CompressionPointerLoopIsRejected) {
  Packet p;
  p.header(0, 1, 0);
  p.b.push_back(0xC0);  // pointer to itself
  p.b.push_back(12);
  p.u16(1);
  p.u16(1);
  EXPECT_FALSE(parse_dns_response(p.b.data(), static_cast<int>(p.b.size())).ok());
}

TEST(DnsMessage, CnameLoopStopsTheWalk) {
  std::vector<DnsRecord> answers = {{"a.example", "CNAME", 1, "b.example"},
                                    {"b.example", "CNAME", 1, "a.example"}};
  std::vector<std::string> chain, addresses;
  follow_chain("a.example", "A", answers, &chain, &addresses);
  EXPECT_EQ(chain.size(), 2u);
  EXPECT_TRUE(addresses.empty());
}

TEST(DnsMessage, QueryPacketIsNotAnAnswer) {
  Packet p;
  p.u16(1);
  p.u16(0x0100);
  p.u16(1);
  p.u16(0);
  p.u16(0);
  p.u16(0);
  p.question("x.example", 1);
  EXPECT_FALSE(parse_dns_response(p.b.data(), static_cast<int>(p.b.size())).ok());
}
