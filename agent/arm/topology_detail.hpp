#pragma once
// Internal to read_topology: one read's answer turned into a body or a list, with what could not
// be had noted in the topology (errors, unread kinds) instead of thrown.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "topology.hpp"

namespace vnetdiag::arm::topology_detail {

std::string api(const char* version);
// A single resource: its body, or null with the gap noted under `kind`.
nlohmann::json single(Topology& t, const std::string& kind, const std::string& what,
                      const std::string& path, const ArmResponse& r);
// Every item of a list, following nextLink page by page (bounded, loops refused); a page that
// cannot be had makes the whole list unread, since a missing item would be judged absent.
std::vector<nlohmann::json> list(ArmClient& client, Topology& t, const std::string& kind,
                                 const std::string& what, const std::string& path, ArmResponse r);
void note_gap(Topology& t, const std::string& kind, const std::string& what,
              const std::string& path, const std::string& defect);
// The subscription an id or path names (lower), "" when none.
std::string subscription_of(const std::string& id_or_path);

}  // namespace vnetdiag::arm::topology_detail
