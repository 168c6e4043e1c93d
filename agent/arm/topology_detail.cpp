#include "topology_detail.hpp"

#include <set>

#include "text_util.hpp"

namespace vnetdiag::arm::topology_detail {
namespace {

using nlohmann::json;

constexpr int kMaxPages = 100;

// What a read's answer lacks, or "" when it can be used; lists must be {"value": [...]}.
std::string defect_of(const ArmResponse& r, bool list) {
  if (!r.ok()) {
    if (r.error && r.error->code == "NoCredentials") return "";
    return "HTTP " + std::to_string(r.status) + (r.error ? " " + r.error->summary() : "");
  }
  if (!r.body.is_object())
    return "HTTP " + std::to_string(r.status) + " with a body that is not a JSON object";
  if (list && !(r.body.contains("value") && r.body["value"].is_array()))
    return "HTTP " + std::to_string(r.status) + " without a 'value' list";
  return "";
}

void note_no_token(Topology& t, const ArmResponse& r) {
  if (!(r.error && r.error->code == "NoCredentials")) return;
  // Without a token every read fails the same way: say it once.
  const std::string line = "no token: " + r.error->message;
  for (const auto& e : t.errors)
    if (e == line) return;
  t.errors.push_back(line);
}

}  // namespace

std::string api(const char* version) { return std::string("?api-version=") + version; }

void note_gap(Topology& t, const std::string& kind, const std::string& what,
              const std::string& path, const std::string& defect) {
  t.unread.insert(kind);
  t.errors.push_back(what + " " + path.substr(0, path.find('?')) + ": " + defect +
                     ": what depends on it was not judged");
}

json single(Topology& t, const std::string& kind, const std::string& what, const std::string& path,
            const ArmResponse& r) {
  note_no_token(t, r);
  if (r.error && r.error->code == "NoCredentials") {
    t.unread.insert(kind);
    return nullptr;
  }
  if (const std::string d = defect_of(r, false); !d.empty()) {
    note_gap(t, kind, what, path, d);
    return nullptr;
  }
  return r.body;
}

std::vector<json> list(ArmClient& client, Topology& t, const std::string& kind,
                       const std::string& what, const std::string& path, ArmResponse r) {
  std::vector<json> out;
  std::set<std::string> seen{path};
  for (int page = 1;; ++page) {
    note_no_token(t, r);
    if (r.error && r.error->code == "NoCredentials") {
      t.unread.insert(kind);
      return {};
    }
    if (const std::string d = defect_of(r, true); !d.empty()) {
      note_gap(t, kind, what, path, page == 1 ? d : "page " + std::to_string(page) + ": " + d);
      return {};
    }
    for (const auto& v : r.body["value"])
      if (v.is_object()) out.push_back(v);
    const json& next = r.body.contains("nextLink") ? r.body["nextLink"] : r.body;
    if (!next.is_string() || next.get<std::string>().empty()) return out;
    const std::string url = next.get<std::string>();
    if (!seen.insert(url).second) {
      note_gap(
          t, kind, what, path,
          "nextLink of page " + std::to_string(page) + " repeats an earlier page (a paging loop)");
      return {};
    }
    if (page >= kMaxPages) {
      note_gap(t, kind, what, path, "more than " + std::to_string(kMaxPages) + " pages");
      return {};
    }
    r = client.send("GET", url);
  }
}

std::string subscription_of(const std::string& id_or_path) {
  const std::string l = lower(id_or_path);
  const std::string marker = "/subscriptions/";
  const auto at = l.find(marker);
  if (at == std::string::npos) return "";
  const auto begin = at + marker.size();
  const auto end = l.find_first_of("/?", begin);
  return l.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace vnetdiag::arm::topology_detail
