// Reading ARM for a check: the session, the topology (or serve's cached copy), its typed state.
#include "arm_read.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <set>

#include "pipeline.hpp"
#include "text_util.hpp"

namespace vnetdiag {

namespace {

// The last topology read, if the serve cache holds one younger than the ARM interval.
std::optional<arm::Topology> cached_topology(const PreparedCheck& p, double* age_s) {
  if (p.arm_cache_file.empty()) return std::nullopt;
  struct stat st {};
  if (stat(p.arm_cache_file.c_str(), &st) != 0) return std::nullopt;
  *age_s = std::difftime(std::time(nullptr), st.st_mtime);
  if (*age_s < 0 || *age_s >= p.arm_interval_s) return std::nullopt;
  std::ifstream in(p.arm_cache_file);
  try {
    return arm::topology_from_json(nlohmann::json::parse(in));
  } catch (...) {
    return std::nullopt;
  }
}

void store_topology(const PreparedCheck& p, const arm::Topology& t) {
  if (p.arm_cache_file.empty()) return;
  const std::string tmp = p.arm_cache_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << arm::topology_cache_text(t);
  }
  // A cache that cannot be stored costs the next run one more read; the file is not left behind.
  if (chmod(tmp.c_str(), 0600) != 0 || std::rename(tmp.c_str(), p.arm_cache_file.c_str()) != 0)
    (void)std::remove(tmp.c_str());
}

// How resources were located: the report says which, and why not Resource Graph.
std::string read_mode_text(const arm::Topology& t) {
  if (t.read_mode == "resource-graph") return "via Resource Graph";
  if (t.read_mode == "direct") return "direct reads: " + t.read_mode_reason;
  return "read mode unknown";
}

std::string join_set(const std::set<std::string>& items) {
  return join(std::vector<std::string>(items.begin(), items.end()), " ");
}

}  // namespace

ArmRead read_arm(const PreparedCheck& p) {
  double age_s = 0;
  std::optional<arm::Topology> cached = cached_topology(p, &age_s);
  arm::Topology topology;
  if (cached) {
    topology = std::move(*cached);
  } else {
    ArmSession session(p, 20, 30);
    topology = read_topology_for(session.client(), p);
    store_topology(p, topology);
  }
  ArmRead read{arm::parse_state(topology), targets_with_zones(p, topology), ""};
  read.summary =
      (cached ? "from the read " + std::to_string(static_cast<int>(age_s)) + " s ago (read every " +
                    std::to_string(static_cast<int>(p.arm_interval_s)) + " s), "
              : std::string("read ")) +
      "with " + (topology.credential.empty() ? std::string("no token") : topology.credential) +
      ", " + std::to_string(topology.requests) + " requests, " + read_mode_text(topology) +
      ", subscriptions " +
      (topology.subscriptions.empty() ? std::string("none") : join_set(topology.subscriptions)) +
      ", correlation id " + topology.correlation_id;
  return read;
}

ArmSession::ArmSession(const PreparedCheck& p, double request_timeout_s, double retry_budget_s)
    : tokens_([&] {
        arm::CredentialSettings cs{p.token_file, p.client_id, p.arm_audience, p.arm_authority, {}};
        cs.http.ca_bundle = p.arm_ca_bundle;
        cs.http.total_timeout_s = request_timeout_s;
        return arm::credential_chain(cs, p.env);
      }()),
      client_(
          [&] {
            arm::ArmOptions options;
            options.endpoint = p.arm_endpoint;
            options.http.ca_bundle = p.arm_ca_bundle;
            options.http.total_timeout_s = request_timeout_s;
            options.budget_s = retry_budget_s;
            return options;
          }(),
          tokens_) {}

arm::Topology read_topology_for(arm::ArmClient& client, const PreparedCheck& p) {
  arm::TopologyRequest req{p.subscription,         p.resource_group,   p.app_name, {}, {}, {}, {},
                           p.search_subscriptions, p.no_resource_graph};
  for (const auto& t : p.plan.targets) {
    const std::string name = t.host.substr(0, t.host.find('.'));
    if (t.kind == TargetKind::kKeyVault) req.vault_names.push_back(name);
    if (t.kind == TargetKind::kCognitive) req.account_names.push_back(name);
    if (!t.privatelink_zone.empty())
      req.zone_names.push_back(t.privatelink_zone);
    else if (t.kind == TargetKind::kCognitive)
      req.zoneless_accounts.push_back(t.host.substr(0, t.host.find('.')));
  }
  return arm::read_topology(client, req);
}

std::vector<Target> targets_with_zones(const PreparedCheck& p, const arm::Topology& topology) {
  std::vector<Target> targets = p.plan.targets;
  for (auto& t : targets) {
    auto zone = topology.required_zones.find(lower(t.host.substr(0, t.host.find('.'))));
    if (t.privatelink_zone.empty() && zone != topology.required_zones.end())
      t.privatelink_zone = zone->second;
  }
  return targets;
}

}  // namespace vnetdiag
