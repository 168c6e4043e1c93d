#pragma once
// Internal to parse_state: typed reads from one ARM body that note, instead of throw, what is of
// the wrong type. Paths in notes are relative to the resource ("properties.subnets[2].name").
#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm_state.hpp"

namespace vnetdiag::arm::state_detail {

using Path = std::initializer_list<const char*>;

class Reader {
 public:
  // `body` need not be an object: a body of another type reads as all-absent, noted once.
  Reader(const nlohmann::json& body, std::vector<std::string>& problems, std::string where = "");

  // The value at path, or nullptr when absent or null (a step that is not an object is noted).
  const nlohmann::json* find(Path path) const;
  Text str(Path path) const;
  Flag flag(Path path) const;
  std::optional<std::int64_t> integer(Path path) const;
  std::vector<std::string> strings(Path path) const;  // the string items; others noted
  // Calls f(Reader) for each item of the array at path; an item that is not an object is noted
  // and read as an empty object.
  template <class F>
  void each(Path path, F&& f) const {
    const nlohmann::json* list = find(path);
    if (!list) return;
    if (!list->is_array()) {
      note(path, std::string("is ") + list->type_name() + ", not a list");
      return;
    }
    const std::string base = joined(path);
    for (std::size_t i = 0; i < list->size(); ++i)
      f(Reader((*list)[i], *problems_, base + "[" + std::to_string(i) + "]"));
  }
  void note(Path path, const std::string& what) const;

 private:
  static std::string dotted(Path path);
  std::string joined(Path path) const;  // where_ and path, dot-separated
  void add(const std::string& line) const;

  const nlohmann::json* body_;
  std::vector<std::string>* problems_;
  std::string where_;  // the path of body_ inside its resource, "" at the top
};

// The parts parse_state puts together (arm_state_parse_network.cpp).
Subnet read_subnet(const Reader& r);
Vnet read_vnet(const nlohmann::json& body);
PrivateEndpoint read_private_endpoint(const nlohmann::json& body);
Nic read_nic(const nlohmann::json& body);
ZoneGroup read_zone_group(const nlohmann::json& body);
PrivateDnsZone read_zone(const nlohmann::json& body);
VnetLink read_link(const std::string& zone, const nlohmann::json& body);
Nsg read_nsg(const nlohmann::json& body);
RouteTable read_route_table(const nlohmann::json& body);
ARecordSet read_a_record_set(const std::string& zone, const nlohmann::json& body);
// arm_state_parse_dns.cpp
DnsResolver read_resolver(const nlohmann::json& body);
InboundEndpoint read_inbound_endpoint(const nlohmann::json& body);
DnsForwardingRuleset read_ruleset(const nlohmann::json& body);
RulesetLink read_ruleset_link(const nlohmann::json& body);
ForwardingRule read_forwarding_rule(const nlohmann::json& body);
KeyVaultReference read_kv_reference(const nlohmann::json& body);

}  // namespace vnetdiag::arm::state_detail
