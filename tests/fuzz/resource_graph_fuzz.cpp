// Resource Graph answers and the issue 15 bodies are outside input. The input is JSON: read as a
// Resource Graph page (rows, $skipToken, truncation), its rows sorted into what the estate search
// keeps, and put in every new slot of a Topology (resolvers, inbound endpoints, rulesets, their
// links and rules, Key Vault references, duplicate zones) for parse_state and the lookups; its
// strings are also read as x-ms-user-quota-resets-after values. Nothing may throw or abort.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm_state.hpp"
#include "estate_search.hpp"
#include "resource_graph.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 128 * 1024) return 0;
  const json input = json::parse(reinterpret_cast<const char*>(data),
                                 reinterpret_cast<const char*>(data) + size, nullptr, false);
  if (input.is_discarded()) return 0;
  std::vector<std::string> names;
  strings_of(input, names);

  std::string defect;
  const auto page = arm::parse_graph_page(input, &defect);
  if (!page && defect.empty()) std::abort();  // a refusal always says why
  arm::GraphSearch wanted{names, names, names, true, true};
  (void)arm::graph_query_text(wanted);
  arm::EstateFound found;
  if (page)
    for (const auto& row : page->rows) found.add(row, wanted);
  for (const auto& n : names) (void)arm::parse_quota_resets_after(n);

  arm::Topology t;
  t.site = input;
  std::vector<json> items = page ? page->rows : std::vector<json>{input};
  items.push_back(input);
  t.resolvers = items;
  t.rulesets = items;
  t.duplicate_zones = items;
  t.kv_references = items;
  const std::string key = names.empty() ? std::string("k") : names.front();
  t.inbound_endpoints[key] = items;
  t.ruleset_links[key] = items;
  t.forwarding_rules[key] = items;
  t.duplicate_links[key] = items;
  t.duplicate_a_records[key] = items;
  t.vnet = input;
  t.vnets = items;
  const arm::ArmState s = arm::parse_state(t);
  (void)s.all_problems();
  (void)s.resolution_vnet_ids();
  for (const auto& n : names) {
    (void)s.inbound_endpoint_at(n);
    (void)s.rulesets_linked_to(n);
    for (const auto& m : names) (void)s.peering_between(n, m);
  }
  (void)arm::topology_from_json(json::parse(arm::topology_cache_text(t)));
  return 0;
}
