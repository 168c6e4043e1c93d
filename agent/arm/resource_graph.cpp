#include "resource_graph.hpp"

#include <cctype>
#include <set>

#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

constexpr int kMaxGraphPages = 50;

// Resource names are letters, digits, '-', '_' and '.'; anything else would need quoting.
bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 260) return false;
  for (const unsigned char c : name)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  std::string out;
  for (const auto& n : names) {
    const std::string l = lower(n);
    if (!plain_name(l) || !seen.insert(l).second) continue;
    out += (out.empty() ? "'" : ",'") + l + "'";
  }
  return out;
}

bool throttled(const ArmResponse& r) {
  if (r.status == 429) return true;
  auto q = r.headers.find("x-ms-user-quota-remaining");
  return q != r.headers.end() && trim(q->second) == "0";
}

double quota_wait(const ArmResponse& r) {
  auto h = r.headers.find("x-ms-user-quota-resets-after");
  return clamp_wait(h == r.headers.end() ? std::nullopt : parse_quota_resets_after(h->second),
                    kMinWaitS);
}

std::string refusal(const ArmResponse& r) {
  std::string line = "Resource Graph answered HTTP " + std::to_string(r.status);
  if (r.error) line += " " + r.error->summary();
  return line;
}

}  // namespace

std::string graph_query_text(const GraphSearch& s) {
  std::vector<std::string> clauses;
  if (const auto v = quoted_list(s.vault_names); !v.empty())
    clauses.push_back("(type =~ 'microsoft.keyvault/vaults' and name in~ (" + v + "))");
  if (const auto a = quoted_list(s.account_names); !a.empty())
    clauses.push_back("(type =~ 'microsoft.cognitiveservices/accounts' and (name in~ (" + a +
                      ") or tostring(properties.customSubDomainName) in~ (" + a + ")))");
  if (const auto z = quoted_list(s.zone_names); !z.empty())
    clauses.push_back("(type =~ 'microsoft.network/privatednszones' and name in~ (" + z + "))");
  if (s.resolvers) clauses.emplace_back("type =~ 'microsoft.network/dnsresolvers'");
  if (s.rulesets) clauses.emplace_back("type =~ 'microsoft.network/dnsforwardingrulesets'");
  if (clauses.empty()) return "";
  return "resources | where " + join(clauses, " or ") +
         " | project id, name, type, location, subscriptionId, resourceGroup, tags, properties"
         " | order by id asc";
}

std::optional<GraphPage> parse_graph_page(const json& body, std::string* defect) {
  if (!body.is_object()) {
    *defect = "an answer that is not a JSON object";
    return std::nullopt;
  }
  const auto data = body.find("data");
  if (data == body.end() || !data->is_array()) {
    *defect = "an answer without a 'data' list (resultFormat objectArray)";
    return std::nullopt;
  }
  const auto truncated = body.find("resultTruncated");
  if (truncated != body.end() &&
      ((truncated->is_string() && lower(truncated->get<std::string>()) == "true") ||
       (truncated->is_boolean() && truncated->get<bool>()))) {
    *defect = "a truncated answer";
    return std::nullopt;
  }
  GraphPage page;
  for (const auto& row : *data) {
    if (!row.is_object() || !row.contains("id") || !row["id"].is_string() ||
        !row.contains("type") || !row["type"].is_string()) {
      *defect = "a row without a string id and type";
      return std::nullopt;
    }
    page.rows.push_back(row);
  }
  if (const auto token = body.find("$skipToken"); token != body.end() && !token->is_null()) {
    if (!token->is_string()) {
      *defect = "a $skipToken that is not a string";
      return std::nullopt;
    }
    page.skip_token = token->get<std::string>();
  }
  return page;
}

std::optional<double> parse_quota_resets_after(const std::string& value) {
  const auto parts = split(trim(value), ':');
  if (parts.size() != 3) return std::nullopt;
  double total = 0;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 6) return std::nullopt;
    double n = 0;
    for (const char c : p) {
      if (c == '.') break;  // fractions of a second are not worth waiting for
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    total = total * 60 + n;
  }
  return total;
}

GraphAnswer query_resource_graph(ArmClient& client, const std::string& query,
                                 const Sleeper& sleep) {
  GraphAnswer answer;
  const std::string path = std::string(kResourceGraphPath) + "?api-version=" + kResourceGraphApi;
  std::set<std::string> tokens;
  std::string skip;
  bool waited = false;
  for (int page = 1; page <= kMaxGraphPages; ++page) {
    json options = {{"resultFormat", "objectArray"}, {"$top", 1000}};
    if (!skip.empty()) options["$skipToken"] = skip;
    ArmResponse r = client.send("POST", path, {{"query", query}, {"options", options}});
    if (r.status == 429) {
      if (waited) {
        answer.reason = "Resource Graph throttled the identity (HTTP 429) after one wait";
        return answer;
      }
      waited = true;
      ++answer.waits;
      sleep(quota_wait(r));
      r = client.send("POST", path, {{"query", query}, {"options", options}});
    }
    if (r.error && r.error->code == "NoCredentials") {
      answer.reason = "no token";
      return answer;
    }
    if (!r.ok()) {
      answer.reason = refusal(r);
      return answer;
    }
    std::string defect;
    auto parsed = parse_graph_page(r.body, &defect);
    if (!parsed) {
      answer.reason = "Resource Graph page " + std::to_string(page) + " was " + defect;
      return answer;
    }
    for (auto& row : parsed->rows) answer.rows.push_back(std::move(row));
    if (parsed->skip_token.empty()) {
      answer.used = true;
      return answer;
    }
    if (!tokens.insert(parsed->skip_token).second) {
      answer.reason = "Resource Graph repeated a $skipToken (a paging loop)";
      return answer;
    }
    skip = parsed->skip_token;
    if (throttled(r)) {
      if (waited) {
        answer.reason = "Resource Graph quota spent again after one wait";
        return answer;
      }
      waited = true;
      ++answer.waits;
      sleep(quota_wait(r));
    }
  }
  answer.reason = "Resource Graph answered more than " + std::to_string(kMaxGraphPages) + " pages";
  answer.rows.clear();
  return answer;
}

}  // namespace vnetdiag::arm
