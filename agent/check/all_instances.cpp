#include "all_instances.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api_versions.hpp"
#include "cloud.hpp"
#include "instance_reports.hpp"
#include "render.hpp"
#include "secrets.hpp"
#include "text_util.hpp"
#include "topology_detail.hpp"
#include "url_trust.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

constexpr int kExitUnknown = 3;
constexpr std::size_t kMaxReport = std::size_t{16} * 1024 * 1024;
constexpr const char* kVfsDir = "/api/vfs/LogFiles/vnetdiag/instances/";

bool is_dir(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The file's contents, or why it cannot be had.
std::string read_local(const std::string& path, std::string* why) {
  // Only a regular file: opening a FIFO left there would block for ever.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    *why = path + " is not a regular file";
    return "";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = errno == ENOENT ? "no report in the instances directory (" + path +
                                 " is missing: is vnetdiag serve running there?)"
                           : "cannot read " + path + ": " + std::strerror(errno);
    return "";
  }
  std::string data(kMaxReport + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

std::string age_text(const std::optional<double>& age) {
  if (!age) return "-";
  const auto s = static_cast<long long>(*age);
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  return std::to_string(s / 3600) + " h";
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size() + 1, ' ');
}

}  // namespace

std::vector<ArmInstance> instances_from_items(const std::vector<json>& items) {
  std::vector<ArmInstance> out;
  for (const auto& item : items) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
    ArmInstance i{item["name"].get<std::string>(), ""};
    if (i.id.empty() || i.id.size() > 200) continue;
    const auto props = item.find("properties");
    if (props != item.end() && props->is_object() && props->contains("state") &&
        (*props)["state"].is_string())
      i.state = (*props)["state"].get<std::string>();
    out.push_back(std::move(i));
  }
  return out;
}

std::string scm_host_of(const json& site) {
  if (!site.is_object() || !site.contains("properties") || !site["properties"].is_object())
    return "";
  const json& p = site["properties"];
  if (auto it = p.find("hostNameSslStates"); it != p.end() && it->is_array())
    for (const auto& h : *it)
      if (h.is_object() && h.value("hostType", json()).is_string() &&
          lower(h["hostType"].get<std::string>()) == "repository" && h.contains("name") &&
          h["name"].is_string())
        return h["name"].get<std::string>();
  if (auto it = p.find("enabledHostNames"); it != p.end() && it->is_array())
    for (const auto& h : *it)
      if (h.is_string() && lower(h.get<std::string>()).find(".scm.") != std::string::npos)
        return h.get<std::string>();
  return "";
}

std::string kudu_failure(long status, const std::string& transport_error, const std::string& path) {
  switch (status) {
    case 200:
      return "";
    case 0:
      return "Kudu did not answer: " + transport_error.substr(0, 200);
    case 401:
      return "Kudu refused the token (401)";
    case 403:
      return "Kudu answered 403: the identity lacks Microsoft.Web/sites/publish/Action on the app, "
             "or the SCM site's access restrictions block this address";
    case 404:
      return "no report: Kudu has no " + path + " (is vnetdiag serve running there?)";
    default:
      return "Kudu answered HTTP " + std::to_string(status);
  }
}

std::string render_gather_text(const GatherResult& g) {
  std::ostringstream out;
  out << "vnetdiag check --all-instances: app " << g.site << " (slot " << g.slot << "), "
      << g.instances.size() << " instance" << (g.instances.size() == 1 ? "" : "s")
      << " listed by ARM\n\n";
  std::vector<std::string> targets;
  for (const auto& i : g.instances)
    for (const auto& [t, _] : i.targets)
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
  std::size_t id_width = 8;
  for (const auto& i : g.instances) id_width = std::max(id_width, i.id.size());
  out << pad("INSTANCE", id_width) << pad("AGE", 7) << pad("VERDICT", 10);
  // A column as wide as its name or its widest cell ("not checked").
  const auto column = [](const std::string& t) { return std::max<std::size_t>(t.size(), 11); };
  for (const auto& t : targets) out << pad(t, column(t));
  out << "\n";
  for (const auto& i : g.instances) {
    out << pad(i.id, id_width) << pad(age_text(i.age_s), 7)
        << pad(i.judged() ? to_string(i.verdict) : "not judged", 10);
    for (const auto& t : targets) {
      auto it = i.targets.find(t);
      out << pad(!i.judged()             ? "-"
                 : it == i.targets.end() ? "not checked"
                                         : to_string(it->second),
                 column(t));
    }
    out << "\n";
  }
  out << "\nWhere they differ\n";
  bool any = false;
  for (const auto& d : g.differences) {
    any = true;
    out << "  " << to_string(d.severity) << " " << d.problem << ": on " << join(d.present_on, ", ")
        << "; not on " << join(d.absent_on, ", ")
        << (d.not_checked_on.empty() ? "" : "; not checked on " + join(d.not_checked_on, ", "))
        << "\n";
  }
  for (const auto& i : g.instances) {
    if (i.judged()) continue;
    any = true;
    out << "  not judged " << i.id << (i.arm_state.empty() ? "" : " (ARM: " + i.arm_state + ")")
        << ": " << i.error << "\n";
  }
  if (!any) out << "  nowhere: every instance reports the same problems\n";
  out << "\nverdict: " << to_string(g.verdict) << "\n";
  return secrets::scrub(out.str());
}

std::string render_gather_json(const GatherResult& g) {
  nlohmann::ordered_json j;
  j["site"] = g.site;
  j["slot"] = g.slot;
  j["instances"] = nlohmann::ordered_json::array();
  for (const auto& i : g.instances) {
    nlohmann::ordered_json item = {{"id", i.id}, {"arm_state", i.arm_state}, {"source", i.source}};
    item["report_age_s"] = i.age_s ? nlohmann::ordered_json(static_cast<long long>(*i.age_s))
                                   : nlohmann::ordered_json(nullptr);
    item["verdict"] = i.judged() ? to_string(i.verdict) : "unknown";
    item["judged"] = i.judged();
    item["findings"] = i.problems;
    nlohmann::ordered_json targets = nlohmann::ordered_json::object();
    for (const auto& [t, s] : i.targets) targets[t] = to_string(s);
    item["targets"] = std::move(targets);
    item["error"] =
        i.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(i.error);
    j["instances"].push_back(std::move(item));
  }
  j["differences"] = nlohmann::ordered_json::array();
  for (const auto& d : g.differences)
    j["differences"].push_back({{"finding", d.problem},
                                {"severity", to_string(d.severity)},
                                {"present_on", d.present_on},
                                {"absent_on", d.absent_on},
                                {"not_checked_on", d.not_checked_on}});
  for (const auto& i : g.instances)
    if (!i.judged())
      j["differences"].push_back(
          {{"not_judged", i.id}, {"severity", "unknown"}, {"reason", i.error}});
  j["verdict"] = to_string(g.verdict);
  j["exit_code"] = exit_code_of(g.verdict);
  return secrets::scrub(j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                        "\n");
}

int all_instances_command(const ParsedCheck& parsed, const std::map<std::string, std::string>& env,
                          std::ostream& out, std::ostream& err) {
  const CheckSettings& s = parsed.settings;
  // The app, its ARM credentials and the cloud as check prepares them; no probe runs here, so
  // targets are not needed (a stand-in keeps the preparation from asking for one).
  CheckSettings for_arm = s;
  if (for_arm.keyvaults.value.empty() && for_arm.cognitives.value.empty() &&
      for_arm.targets.value.empty())
    for_arm.targets.value = {"all-instances.invalid"};
  auto prepared_result = prepare_check(for_arm, env);
  if (!prepared_result) {
    err << "vnetdiag: " << prepared_result.error().message << "\n";
    return kExitUnknown;
  }
  const PreparedCheck& prepared = *prepared_result;
  const std::string& format = s.output.value;
  if (format != "text" && format != "json") {
    err << "vnetdiag: --all-instances prints text or json, not " << format << ": use -o json\n";
    return kExitUnknown;
  }
  if (!prepared.arm) {
    err << "vnetdiag: --all-instances lists the instances through ARM, which is not read: "
        << prepared.arm_skip_reason << "\n";
    return kExitUnknown;
  }
  const Cloud* cloud = find_cloud(s.cloud.value);
  std::optional<arm::UrlOrigin> pinned;
  if (!s.scm_endpoint.value.empty()) {
    pinned = arm::origin_of(s.scm_endpoint.value);
    if (!pinned || pinned->scheme != "https") {
      err << "vnetdiag: --scm-endpoint must be an https:// URL, not '" << s.scm_endpoint.value
          << "'\n";
      return kExitUnknown;
    }
    if (!(cloud && is_cloud_scm_host(*cloud, pinned->host)) && s.arm_ca_bundle.value.empty()) {
      err << "vnetdiag: --scm-endpoint '" << pinned->host
          << "' is not an SCM host of the cloud's App Service domain: give --arm-ca-bundle for "
             "it too, or leave it out\n";
      return kExitUnknown;
    }
  }

  GatherResult g;
  g.site = prepared.app_name;
  const std::string slot = prepared.app.value_or("slot", "");
  const bool production = slot.empty() || lower(slot) == "production";
  g.slot = production ? "Production" : slot;
  const std::string site_path = "/subscriptions/" + prepared.subscription + "/resourceGroups/" +
                                prepared.resource_group + "/providers/Microsoft.Web/sites/" +
                                prepared.app_name + (production ? "" : "/slots/" + slot);

  ArmSession session(prepared, 20, 30);
  auto& client = session.client();
  arm::Topology gaps;
  const std::string list_path = site_path + "/instances" + arm::topology_detail::api(arm::kWebApi);
  const auto items = arm::topology_detail::list(client, gaps, "instances", "the app's instances",
                                                list_path, client.send("GET", list_path));
  if (!gaps.errors.empty() || !gaps.unread.empty()) {
    err << "vnetdiag: "
        << secrets::scrub(gaps.errors.empty() ? "the app's instances could not be listed"
                                              : gaps.errors.front())
        << "\n";
    return kExitUnknown;
  }
  const auto listed = instances_from_items(items);

  // The shared directory when this runs where it is readable (an instance: /home is shared).
  const std::string local =
      instances_dir(s.instances_dir.value, prepared.app.value_or("instance_id", ""), env);
  // Given (--instances-dir): only there. The default: each file there if it exists, else Kudu.
  const bool only_local = !s.instances_dir.value.empty();
  const bool local_ok = is_dir(local);
  const auto here = [&](const std::string& id) {
    struct stat st {};
    return local_ok && ::stat((local + "/" + instance_file_name(id)).c_str(), &st) == 0;
  };
  bool need_kudu = false;
  for (const auto& a : listed) need_kudu = need_kudu || (!only_local && !here(a.id));
  std::string scm_base, scm_problem;
  if (need_kudu) {
    if (pinned) {
      scm_base = s.scm_endpoint.value;
      while (!scm_base.empty() && scm_base.back() == '/') scm_base.pop_back();
    } else {
      const auto site = client.send("GET", site_path + arm::topology_detail::api(arm::kWebApi));
      const std::string host = site.ok() ? scm_host_of(site.body) : "";
      if (!site.ok())
        scm_problem = "the site could not be read to find its SCM host (HTTP " +
                      std::to_string(site.status) + ")";
      else if (host.empty())
        scm_problem = "ARM names no SCM (Repository) host for the app";
      else
        scm_base = "https://" + host;
    }
  }
  const auto scm_host_ok = [cloud](const std::string& host) {
    return cloud && is_cloud_scm_host(*cloud, host);
  };

  std::vector<arm::HttpRequest> requests;
  std::vector<std::size_t> remote;
  const double now = static_cast<double>(std::time(nullptr));
  for (const auto& a : listed) {
    InstanceReport r;
    r.id = a.id;
    const std::string name = instance_file_name(a.id);
    if (only_local || here(a.id)) {
      std::string why;
      const std::string body = read_local(local + "/" + name, &why);
      r = why.empty() ? read_instance_report(a.id, body, now) : r;
      r.error = why.empty() ? r.error : why;
      r.source = "shared directory";
    } else if (!scm_problem.empty()) {
      r.error = "not read: " + scm_problem;
    } else {
      const std::string url = scm_base + kVfsDir + name;
      if (auto why = arm::untrusted_scm_url(url, pinned ? &*pinned : nullptr, scm_host_ok)) {
        r.error = "not read: " + *why + ": refused, the token was not sent";
      } else {
        auto token = client.tokens().get();
        if (!token) {
          r.error = "not read: no token for Kudu: " + token.error().message;
        } else {
          requests.push_back({"GET",
                              url,
                              {"Authorization: Bearer " + token->value, "Accept: application/json",
                               "User-Agent: vnetdiag"},
                              ""});
          remote.push_back(g.instances.size());
          r.error = "pending";
        }
      }
      r.source = "Kudu";
    }
    r.arm_state = a.state;
    g.instances.push_back(std::move(r));
  }
  if (!requests.empty()) {
    arm::HttpOptions http;
    http.ca_bundle = pinned ? s.arm_ca_bundle.value : "";
    http.connect_timeout_s = 10;
    http.total_timeout_s = 20;
    http.max_body = kMaxReport;
    const auto answers = arm::perform_all(requests, http);
    for (std::size_t k = 0; k < remote.size(); ++k) {
      InstanceReport& r = g.instances[remote[k]];
      const auto& a = answers[k];
      const std::string path =
          std::string("/home/LogFiles/vnetdiag/instances/") + instance_file_name(r.id);
      if (const std::string why = kudu_failure(a.status, a.error, path); !why.empty()) {
        r.error = why;
        continue;
      }
      const std::string state = r.arm_state;
      r = read_instance_report(r.id, a.body, now);
      r.arm_state = state;
      r.source = "Kudu";
    }
  }
  if (g.instances.empty())
    err << "vnetdiag: ARM lists no instance of " << g.site << " (is the app stopped?)\n";
  g.differences = differences(g.instances);
  g.verdict = gather_verdict(g.instances);
  out << (format == "json" ? render_gather_json(g) : render_gather_text(g));
  return exit_code_of(g.verdict);
}

}  // namespace vnetdiag
