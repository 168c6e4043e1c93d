#include "topology_zones.hpp"

#include <algorithm>

#include "resource_id.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm::topology_detail {
namespace {

using nlohmann::json;

bool linked_to_any(const std::vector<json>& links, const std::vector<std::string>& vnet_ids) {
  for (const auto& l : links)
    for (const auto& v : vnet_ids)
      if (same_resource(json_str(l, {"properties", "virtualNetwork", "id"}), v)) return true;
  return false;
}

}  // namespace

void place_zones(Topology& t, ZoneCandidates c, const std::vector<std::string>& resolution_vnet_ids,
                 const std::set<std::string>& group_zone_ids) {
  std::stable_sort(c.zones.begin(), c.zones.end(), [](const json& a, const json& b) {
    return lower(json_str(a, {"id"})) < lower(json_str(b, {"id"}));
  });
  std::map<std::string, std::vector<const json*>> by_name;
  for (const auto& z : c.zones) by_name[lower(json_str(z, {"name"}))].push_back(&z);
  for (const auto& [name, zones] : by_name) {
    const auto links_of = [&c](const json* z) -> std::vector<json>& {
      return c.links[lower(json_str(*z, {"id"}))];
    };
    const json* serving = nullptr;
    for (const json* z : zones)
      if (!serving && linked_to_any(links_of(z), resolution_vnet_ids)) serving = z;
    for (const json* z : zones)
      if (!serving && group_zone_ids.count(lower(json_str(*z, {"id"})))) serving = z;
    if (!serving) serving = zones.front();
    for (const json* z : zones) {
      const std::string id = lower(json_str(*z, {"id"}));
      // A zone whose links could not be read might have been the serving one.
      if (t.unread.count("links:" + id)) t.unread.insert("links:" + name);
      if (t.unread.count("a:" + id)) t.unread.insert("a:" + name);
      if (z == serving) {
        t.zones.push_back(*z);
        t.links[name] = std::move(c.links[id]);
        t.a_records[name] = std::move(c.a_records[id]);
      } else {
        t.duplicate_zones.push_back(*z);
        t.duplicate_links[id] = std::move(c.links[id]);
        t.duplicate_a_records[id] = std::move(c.a_records[id]);
      }
    }
  }
}

}  // namespace vnetdiag::arm::topology_detail
