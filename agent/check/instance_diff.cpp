#include "instance_diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

namespace vnetdiag {
namespace {

constexpr double kFutureToleranceS = 300;

using nlohmann::json;

constexpr std::size_t kMaxBody = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kMaxFindings = 10000;
constexpr double kDefaultStaleS = 15 * 60;

std::optional<Severity> severity_of(const json& j) {
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  if (s == "ok") return Severity::kOk;
  if (s == "warning") return Severity::kWarning;
  if (s == "critical") return Severity::kCritical;
  if (s == "unknown") return Severity::kUnknown;
  return std::nullopt;
}

// critical > warning > unknown > ok, as verdict_of ranks them.
int rank(Severity s) {
  switch (s) {
    case Severity::kOk:
      return 0;
    case Severity::kUnknown:
      return 1;
    case Severity::kWarning:
      return 2;
    case Severity::kCritical:
      return 3;
  }
  return 1;
}

Severity worse(Severity a, Severity b) { return rank(b) > rank(a) ? b : a; }

std::string text_of(const json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string cut(std::string s, std::size_t n = 120) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

}  // namespace

double stale_after_s(std::optional<double> interval_s) {
  if (interval_s && std::isfinite(*interval_s) && *interval_s > 0) return 3 * *interval_s;
  return kDefaultStaleS;
}

std::optional<double> parse_iso_utc(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS, optional fraction, Z: digits exactly where the format puts them.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < 20 || text.size() > 40) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i)
    if (kShape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != kShape[i])
      return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t digits) {
    int n = 0;
    for (std::size_t i = at; i < at + digits; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  const int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2),
            mi = number(14, 2), s = number(17, 2);
  std::size_t at = kShape.size();
  if (text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  return static_cast<double>(timegm(&t));
}

InstanceReport read_instance_report(const std::string& id, const std::string& body,
                                    double now_unix) {
  InstanceReport r;
  r.id = id;
  if (body.size() > kMaxBody) {
    r.error = "its report is larger than 16 MiB";
    return r;
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.error = "its report is not a JSON object";
    return r;
  }
  const json* meta = nullptr;
  if (auto it = j.find("vnetdiag_instance"); it != j.end() && it->is_object()) meta = &*it;
  std::optional<double> interval;
  std::optional<double> written;
  if (meta) {
    if (auto it = meta->find("interval_s"); it != meta->end() && it->is_number())
      interval = it->get<double>();
    written = parse_iso_utc(text_of(*meta, "written_at"));
    if (const std::string why = text_of(*meta, "check_error");
        !why.empty() || (meta->contains("check_error") && !j.contains("verdict"))) {
      r.error = "its last check could not run: " + cut(why.empty() ? "(no reason given)" : why);
    }
  }
  const std::optional<double> started = parse_iso_utc(text_of(j, "started_at"));
  const std::optional<double> when = written ? written : started;
  if (when) r.age_s = std::max(0.0, now_unix - *when);
  // A clock ahead of this one, or a damaged file: never fresh for ever.
  if (when && *when > now_unix + kFutureToleranceS && r.error.empty())
    r.error = "its report is dated " + std::to_string(static_cast<long long>(*when - now_unix)) +
              " s in the future (the instance's clock or the file is wrong)";
  if (!r.error.empty()) return r;
  const auto verdict = j.contains("verdict") ? severity_of(j["verdict"]) : std::nullopt;
  if (!verdict) {
    r.error = j.contains("status") ? "its report says " + cut(text_of(j, "status")) + ": " +
                                         cut(text_of(j, "reason"))
                                   : "its report has no verdict (not a vnetdiag report)";
    return r;
  }
  if (!when) {
    r.error = "its report does not say when it was written (no started_at)";
    return r;
  }
  if (*r.age_s > stale_after_s(interval)) {
    r.error = "its report is stale: " + std::to_string(static_cast<long long>(*r.age_s)) +
              " s old, more than " +
              std::to_string(static_cast<long long>(stale_after_s(interval))) + " s";
    return r;
  }
  r.verdict = *verdict;
  if (auto it = j.find("targets"); it != j.end() && it->is_array())
    for (const auto& t : *it)
      if (const std::string name = text_of(t, "name"); !name.empty() && r.targets.size() < 1000)
        r.targets.emplace(name, Severity::kOk);
  std::set<std::string> seen;
  if (auto it = j.find("findings"); it != j.end() && it->is_array()) {
    std::size_t n = 0;
    for (const auto& f : *it) {
      if (++n > kMaxFindings) break;
      const std::string fid = text_of(f, "id");
      const auto sev =
          f.is_object() && f.contains("severity") ? severity_of(f["severity"]) : std::nullopt;
      if (fid.empty() || !sev) continue;
      const std::string target = text_of(f, "target");
      if (!target.empty()) {
        auto [at, added] = r.targets.emplace(target, *sev);
        if (!added) at->second = worse(at->second, *sev);
      }
      if (*sev == Severity::kOk) continue;
      const std::string key = cut(fid, 200) + "@" + cut(target, 300);
      if (seen.insert(key).second) r.problems.push_back(key);
      auto [at, added] = r.problem_severity.emplace(key, *sev);
      if (!added) at->second = worse(at->second, *sev);
    }
  } else {
    r.error = "its report has no findings list";
    return r;
  }
  std::sort(r.problems.begin(), r.problems.end());
  return r;
}

std::vector<Difference> differences(const std::vector<InstanceReport>& instances) {
  std::map<std::string, Difference> by_problem;
  std::vector<const InstanceReport*> judged;
  for (const auto& i : instances)
    if (i.judged()) judged.push_back(&i);
  for (const auto* i : judged)
    for (const auto& p : i->problems) {
      Difference& d = by_problem[p];
      d.problem = p;
      d.severity = d.present_on.empty() ? i->problem_severity.at(p)
                                        : worse(d.severity, i->problem_severity.at(p));
      d.present_on.push_back(i->id);
    }
  std::vector<Difference> out;
  for (auto& [key, d] : by_problem) {
    const auto at = key.find('@');
    const std::string target = at == std::string::npos ? "" : key.substr(at + 1);
    for (const auto* i : judged) {
      if (std::find(d.present_on.begin(), d.present_on.end(), i->id) != d.present_on.end())
        continue;
      if (target.empty() || i->targets.count(target))
        d.absent_on.push_back(i->id);
      else
        d.not_checked_on.push_back(i->id);
    }
    if (!d.absent_on.empty()) out.push_back(std::move(d));
  }
  return out;
}

Severity gather_verdict(const std::vector<InstanceReport>& instances) {
  if (instances.empty()) return Severity::kUnknown;
  Severity worst = Severity::kOk;
  bool unread = false;
  for (const auto& i : instances) {
    if (!i.judged()) {
      unread = true;
      continue;
    }
    worst = worse(worst, i.verdict);
  }
  if (worst == Severity::kCritical) return worst;
  return unread ? Severity::kUnknown : worst;
}

}  // namespace vnetdiag
