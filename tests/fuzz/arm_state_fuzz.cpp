// The typed ARM state (issue 13) over arbitrary bodies: the input, parsed as JSON, is put in every
// slot of a Topology (single resources, list items, per-zone/per-endpoint lists, NICs), and, when
// it is an object, also read as serve's ARM cache (topology_from_json); parse_state must not throw
// and its lookups must answer as Topology's helpers do for every string the input holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "topology.hpp"

using namespace vnetdiag;
using nlohmann::json;

namespace {

void strings_of(const json& j, std::vector<std::string>& out, int depth = 0) {
  if (out.size() >= 32 || depth > 8) return;
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
  } else if (j.is_structured()) {
    for (auto it = j.begin(); it != j.end() && out.size() < 32; ++it) {
      if (j.is_object()) out.push_back(it.key());
      strings_of(*it, out, depth + 1);
    }
  }
}

void check(const arm::Topology& t, const std::vector<std::string>& names) {
  const arm::ArmState s = arm::parse_state(t);
  (void)s.all_problems();
  for (const auto& n : names) {
    if ((t.vault(n) != nullptr) != (s.vault(n) != nullptr)) std::abort();
    if ((t.account(n) != nullptr) != (s.account(n) != nullptr)) std::abort();
    if ((t.zone(n) != nullptr) != (s.zone(n) != nullptr)) std::abort();
    if (t.endpoints_for(n).size() != s.endpoints_for(n).size()) std::abort();
    (void)s.links_of(n);
    (void)s.records_of(n);
    (void)s.groups_of(n);
    (void)s.nic(n);
  }
  if (s.private_endpoints.size() != t.private_endpoints.size()) std::abort();
  for (std::size_t i = 0; i < t.private_endpoints.size(); ++i)
    if (t.endpoint_address(t.private_endpoints[i]) != s.endpoint_address(s.private_endpoints[i]))
      std::abort();
  for (const auto& pe : s.private_endpoints) (void)pe.connection_status();
  for (const auto& v : s.vnets)
    for (const auto& n : names) (void)v.subnet(n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  json body = json::parse(text, nullptr, false);
  // Not JSON: the bytes as a string (need not be UTF-8), as a name and as a whole body.
  if (body.is_discarded()) body = {{"name", text}, {"id", text}, {"properties", text}};

  std::vector<std::string> names = {"", "kv1", text.substr(0, 64)};
  strings_of(body, names);

  arm::Topology t;
  t.site = t.site_config = t.app_settings = t.plan = t.subnet = t.vnet = body;
  std::vector<json> items = {body};
  if (body.is_array())
    for (const auto& item : body)
      if (items.size() < 16) items.push_back(item);
  t.vaults = t.accounts = t.private_endpoints = t.zones = t.vnets = items;
  for (const auto& n : names) {
    t.links[n] = t.a_records[n] = t.zone_groups[n] = items;
    t.nics[n] = body;
  }
  check(t, names);

  if (body.is_object()) {
    try {
      check(arm::topology_from_json(body), names);
    } catch (const json::exception&) {
      // A cache of the wrong shape: cached_topology() reads it again from ARM.
    }
  }
  return 0;
}
