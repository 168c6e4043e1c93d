#pragma once
// Azure Resource Graph: one KQL query over every subscription the identity can read, paged with
// $skipToken, throttling headers honoured (x-ms-user-quota-remaining / -resets-after).
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "arm_client.hpp"

namespace vnetdiag::arm {

inline constexpr const char* kResourceGraphApi = "2021-03-01";
inline constexpr const char* kResourceGraphPath = "/providers/Microsoft.ResourceGraph/resources";

struct GraphSearch {
  std::vector<std::string> vault_names, account_names, zone_names;
  bool resolvers = true, rulesets = true;
};

// The query text (the shape of the team contract); names that cannot be resource names are left
// out, so nothing a user typed can change the query's meaning.
std::string graph_query_text(const GraphSearch& search);

struct GraphPage {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's move
  std::vector<nlohmann::json> rows;  // objects with a string id
  std::string skip_token;            // "" when no more rows follow
};
// One answer's rows, or nullopt with `defect` saying what makes it unusable.
std::optional<GraphPage> parse_graph_page(const nlohmann::json& body, std::string* defect);
// x-ms-user-quota-resets-after ("hh:mm:ss") in seconds; nullopt when unreadable.
std::optional<double> parse_quota_resets_after(const std::string& value);

struct GraphAnswer {                 // NOLINT(bugprone-exception-escape)
  bool used = false;                 // every page was had
  std::vector<nlohmann::json> rows;  // when used
  std::string reason;                // when not used: why (for read_mode_reason)
  int waits = 0;                     // throttling waits taken
};

using Sleeper = std::function<void(double seconds)>;
// Runs the query page by page. A throttled answer (429, or quota 0 before the next page) waits
// resets-after once (clamped to [1 s, 60 s]); throttled again, or any unusable answer, gives
// used=false and the reason, so the caller reads directly instead.
GraphAnswer query_resource_graph(ArmClient& client, const std::string& query, const Sleeper& sleep);

}  // namespace vnetdiag::arm
