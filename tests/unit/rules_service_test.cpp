// The service answers (agent/rules/service_rules.cpp): what the vault or account said.
#include <gtest/gtest.h>

#include "diagnose.hpp"
#include "observations.hpp"
#include "rules_input.hpp"

using namespace vnetdiag;
using namespace vnetdiag::testdata;

namespace {

std::string answer(const Target& target, const ConnectionObservation& c) {
  std::string detail;
  const FindingId id = service_answer(target, c, &detail);
  return std::string(id.text()) + (detail.empty() ? "" : " (" + detail + ")");
}

ConnectionObservation status(int code, const std::string& body) {
  ConnectionObservation c = healthy_connection("10.0.1.5", "10.0.0.4");
  c.headers.clear();
  c.status_code = code;
  c.body = body;
  return c;
}

}  // namespace

TEST(RulesService, KeyVaultJudgesTheSourceItSaw) {
  EXPECT_EQ(answer(vault(), healthy_connection("10.0.1.4", "10.0.0.4")),
            "http.private_path (vault saw 10.0.0.4)");
  EXPECT_EQ(answer(vault(), healthy_connection("10.0.1.4", "203.0.113.7")),
            "kv.public_source (vault saw 203.0.113.7)");
  EXPECT_EQ(answer(vault(), status(403, R"({"error":{"code":"ForbiddenByFirewall"}})")),
            "kv.forbidden_by_firewall");
  EXPECT_EQ(answer(vault(), status(200, "")), "kv.network_info_missing");
  ConnectionObservation teapot = healthy_connection("10.0.1.4", "10.0.0.4");
  teapot.status_code = 418;
  EXPECT_EQ(answer(vault(), teapot), "http.unexpected_status (HTTP 418)");
}

TEST(RulesService, CognitiveServicesSaysWhyItRefused) {
  EXPECT_EQ(answer(account(), status(403, "Public access is disabled. Please configure...")),
            "cs.public_access_disabled");
  EXPECT_EQ(answer(account(), status(403, "Access denied by the firewall rules")),
            "cs.forbidden_by_firewall");
  EXPECT_EQ(answer(account(), status(401, "invalid subscription key")), "http.answered (HTTP 401)");
  EXPECT_EQ(answer(account(), status(502, "")), "http.unexpected_status (HTTP 502)");
}

TEST(RulesService, KeyVaultSourceAddressFromTheHeader) {
  EXPECT_EQ(keyvault_source_address("conn_type=Ipv4;ADDR=10.0.0.4;"), "10.0.0.4");
  EXPECT_EQ(keyvault_source_address("conn_type=Ipv4"), "");
}
