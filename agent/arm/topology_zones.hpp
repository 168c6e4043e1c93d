#pragma once
// Internal to read_topology: which of several zones with one privatelink name serves the app.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "topology.hpp"

namespace vnetdiag::arm::topology_detail {

struct ZoneCandidates {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's move
  std::vector<nlohmann::json> zones;  // every zone found with a wanted name
  std::map<std::string, std::vector<nlohmann::json>> links, a_records;  // zone id (lower) -> list
};

// Per privatelink name, the serving zone goes to zones/links/a_records (keyed by name), the
// others to duplicate_* (keyed by zone id). Serving: linked to one of `resolution_vnet_ids`, else
// named by one of `group_zone_ids` (the targets' endpoints' zone groups), else the lowest id.
// Links or A records unread for any zone of a name make that name's kinds unread too.
void place_zones(Topology& t, ZoneCandidates candidates,
                 const std::vector<std::string>& resolution_vnet_ids,
                 const std::set<std::string>& group_zone_ids);

}  // namespace vnetdiag::arm::topology_detail
