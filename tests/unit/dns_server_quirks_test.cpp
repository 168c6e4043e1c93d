// DNS servers that answer in ways c-ares 1.18 does not expect: the probe must still report what
// the server said, not a timeout. The fake server runs on 127.0.0.1 (an ephemeral port).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "dns_message.hpp"
#include "dns_probe.hpp"
#include "engine.hpp"
#include "resolv_conf.hpp"

using namespace vnetdiag;

namespace {

// Query for kv1.vault.azure.net A, id 0xBEEF, RD, no EDNS (what c-ares 1.18 sends).
const std::vector<unsigned char> kQuery = {
    0xBE, 0xEF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header
    3,    'k',  'v',  '1',  5,    'v',  'a',  'u',  'l',  't',  5,    'a',  'z',
    'u',  'r',  'e',  3,    'n',  'e',  't',  0,    0x00, 0x01, 0x00, 0x01};  // QNAME A IN

// unbound's answer when access-control refuses the client: REFUSED, RD, QDCOUNT 0 (12 bytes).
const std::vector<unsigned char> kRefusedNoQuestion = {0xBE, 0xEF, 0x81, 0x05, 0x00, 0x00,
                                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

// Answers every datagram with its header only: QR set, rcode REFUSED, no question.
class QuestionlessRefuser {
 public:
  QuestionlessRefuser() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~QuestionlessRefuser() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      unsigned char reply[12] = {buf[0], buf[1], 0x81, 0x05, 0, 0, 0, 0, 0, 0, 0, 0};
      sendto(fd_, reply, sizeof reply, 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Answers UDP with TC set (as every server does for an answer over 512 bytes without EDNS) and
// TCP with the full answer: A 10.0.1.4. c-ares then switches to TCP on sockets the probe opens.
class TruncatingServer {
 public:
  TruncatingServer() {
    udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    bound_ = bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(tcp_, 4) == 0;
    thread_ = std::thread([this] { serve(); });
  }
  ~TruncatingServer() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
  }
  uint16_t port() const { return port_; }
  bool bound() const { return bound_; }

 private:
  static std::vector<unsigned char> answer(const unsigned char* q, std::size_t n, bool truncated) {
    const auto question = query_question(q, n);
    // Appended one byte at a time: gcc 12 warns (-Warray-bounds) about an insert into a vector
    // built from an initializer list.
    std::vector<unsigned char> r;
    const unsigned char header[] = {
        q[0], q[1], static_cast<unsigned char>(truncated ? 0x83 : 0x81), 0x80, 0,
        1,    0,    static_cast<unsigned char>(truncated ? 0 : 1),       0,    0,
        0,    0};
    const unsigned char record[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 1, 4};
    for (unsigned char c : header) r.push_back(c);
    for (unsigned char c : question) r.push_back(c);
    if (!truncated)
      for (unsigned char c : record) r.push_back(c);
    return r;
  }
  // Reads what arrived on the TCP connection and answers every complete query in it.
  void read_tcp(int conn, std::vector<unsigned char>* pending) {
    unsigned char buf[600];
    const ssize_t n = recv(conn, buf, sizeof buf, 0);
    if (n > 0) pending->insert(pending->end(), buf, buf + n);
    while (pending->size() >= 2) {
      const std::size_t len = (*pending)[0] << 8 | (*pending)[1];
      if (pending->size() < 2 + len) break;
      auto r = answer(pending->data() + 2, len, false);
      const unsigned char prefix[2] = {static_cast<unsigned char>(r.size() >> 8),
                                       static_cast<unsigned char>(r.size())};
      send(conn, prefix, 2, MSG_NOSIGNAL);
      send(conn, r.data(), r.size(), MSG_NOSIGNAL);
      pending->erase(pending->begin(), pending->begin() + static_cast<long>(2 + len));
    }
  }
  // One loop for UDP, the listener and one connection: c-ares may still ask over UDP while its
  // TCP connection is open.
  void serve() {
    int conn = -1;
    std::vector<unsigned char> pending;
    while (!stop_) {
      pollfd p[3] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}, {conn, POLLIN, 0}};
      if (poll(p, conn >= 0 ? 3 : 2, 20) <= 0) continue;
      if (p[1].revents && conn < 0) conn = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn >= 0 && p[2].revents) read_tcp(conn, &pending);
      if (!p[0].revents) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n =
          recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      const auto r = answer(buf, static_cast<std::size_t>(n), true);
      sendto(udp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
    if (conn >= 0) close(conn);
  }
  int udp_ = -1, tcp_ = -1;
  uint16_t port_ = 0;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST(DnsServerQuirks, QueryQuestionIsTheSectionAfterTheHeader) {
  const auto q = query_question(kQuery.data(), kQuery.size());
  EXPECT_EQ(q, std::vector<unsigned char>(kQuery.begin() + 12, kQuery.end()));
  EXPECT_TRUE(query_question(kQuery.data(), 20).empty());  // name cut short
  EXPECT_TRUE(query_question(kRefusedNoQuestion.data(), kRefusedNoQuestion.size()).empty());
}

TEST(DnsServerQuirks, QuestionIsPutBackIntoAQuestionlessAnswer) {
  const auto question = query_question(kQuery.data(), kQuery.size());
  std::vector<unsigned char> buf(kRefusedNoQuestion);
  buf.resize(512);
  const std::size_t n =
      restore_question(buf.data(), kRefusedNoQuestion.size(), buf.size(), question);
  ASSERT_EQ(n, kRefusedNoQuestion.size() + question.size());
  auto parsed = parse_dns_response(buf.data(), static_cast<int>(n));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->rcode, "REFUSED");
  EXPECT_EQ(parsed->id, 0xBEEF);
  EXPECT_EQ(std::vector<unsigned char>(buf.begin() + 12, buf.begin() + static_cast<long>(n)),
            question);
}

TEST(DnsServerQuirks, AnswersWithAQuestionOrWithoutRoomAreLeftAlone) {
  const auto question = query_question(kQuery.data(), kQuery.size());
  std::vector<unsigned char> query(kQuery);
  EXPECT_EQ(restore_question(query.data(), query.size(), query.size() + 100, question), 0u);
  std::vector<unsigned char> small(kRefusedNoQuestion);
  EXPECT_EQ(restore_question(small.data(), small.size(), small.size(), question), 0u);
}

// unbound with its stock access-control (localhost only) refuses everyone else with REFUSED and
// QDCOUNT 0; c-ares 1.18 dropped that answer and the check said dns.timeout after 2 s while dig
// showed REFUSED in milliseconds.
TEST(DnsServerQuirks, QuestionlessRefusedIsReportedAsRefusedAtOnce) {
  init_probe_libraries();
  QuestionlessRefuser server;
  CheckPlan plan;
  Target t;
  t.host = "kv1.vault.azure.net";
  plan.targets = {t};
  plan.resolvers = {Resolver{"127.0.0.1", server.port(), "test"}};
  plan.timeouts.dns_s = 2;
  plan.timeouts.run_s = 5;
  auto obs = run_check(plan);
  ASSERT_TRUE(obs) << obs.error().message;
  ASSERT_EQ(obs->targets.size(), 1u);
  ASSERT_EQ(obs->targets[0].dns.size(), 2u);  // A and AAAA
  for (const auto& d : obs->targets[0].dns) {
    EXPECT_EQ(d.status, DnsStatus::kAnswered) << d.qtype << ": " << d.error;
    EXPECT_EQ(d.rcode, "REFUSED") << d.qtype;
    EXPECT_LT(d.duration_ms, 500) << d.qtype;
  }
}

// App Service and Docker resolv.conf files may name a link-local server; its interface is part
// of the address (without it the server cannot be reached: dns.unreachable).
TEST(DnsServerQuirks, LinkLocalNameserverKeepsItsInterface) {
  const ResolvConf rc = parse_resolv_conf(
      "nameserver 10.0.0.2\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\n"
      "search a.internal.cloudapp.net\noptions edns0 trust-ad ndots:5 rotate timeout:1 "
      "attempts:2\n");
  ASSERT_EQ(rc.nameservers.size(), 3u);
  EXPECT_EQ(rc.nameservers[2], "fe80::1%eth0");
  EXPECT_TRUE(rc.problems.empty());
}

// The scope comes from resolv.conf, which is outside data: a number no interface can have, or
// an unknown name, makes an unreachable server, never an exception.
TEST(DnsServerQuirks, ALinkLocalScopeOutOfRangeIsNoException) {
  init_probe_libraries();
  for (const char* address : {"fe80::1%99999999999999999999999", "fe80::1%4294967296",
                              "fe80::1%no-such-if0", "fe80::1%"}) {
    Resolver r{address, 53, "resolv.conf"};
    Result<std::unique_ptr<DnsProbe>> probe = fail("not run");
    EXPECT_NO_THROW(probe = DnsProbe::create(r, Timeouts{})) << address;
    EXPECT_TRUE(probe) << address << ": " << (probe ? "" : probe.error().message);
  }
}

// A truncated UDP answer makes c-ares retry over TCP, on a socket the probe's hooks open: it must
// be non-blocking (c-ares does not configure sockets it did not open) or the check hangs.
TEST(DnsServerQuirks, TruncatedAnswerIsFetchedOverTcp) {
  init_probe_libraries();
  TruncatingServer server;
  if (!server.bound()) GTEST_SKIP() << "TCP port " << server.port() << " is taken";
  CheckPlan plan;
  Target t;
  t.host = "kv1.vault.azure.net";
  plan.targets = {t};
  plan.resolvers = {Resolver{"127.0.0.1", server.port(), "test"}};
  plan.timeouts.dns_s = 2;
  plan.timeouts.run_s = 5;
  auto obs = run_check(plan);
  ASSERT_TRUE(obs) << obs.error().message;
  ASSERT_EQ(obs->targets.size(), 1u);
  bool saw_a = false;
  for (const auto& d : obs->targets[0].dns) {
    EXPECT_EQ(d.status, DnsStatus::kAnswered) << d.qtype << ": " << d.error;
    if (d.qtype != "A") continue;
    saw_a = true;
    EXPECT_EQ(d.addresses, std::vector<std::string>{"10.0.1.4"});
  }
  EXPECT_TRUE(saw_a);
}
