#pragma once
// check --all-instances: every instance of the app, as ARM lists them (sites/instances, paged),
// and the last report each one's `vnetdiag serve` wrote (pipeline/instance_reports.hpp): read from
// the shared /home when this runs on an instance, else from Kudu's VFS API with the ARM token (only
// to the SCM host of the cloud's own App Service domain, or to an explicit --scm-endpoint). Prints
// a table instance x target and where the instances differ; an instance without a readable, fresh
// report is "not judged", never ok.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "cli.hpp"
#include "instance_diff.hpp"
#include "pipeline.hpp"

namespace vnetdiag {

struct ArmInstance {
  std::string id, state;
};

// The instances in a sites/instances list answer's items (name = the instance id; items without
// one are skipped).
std::vector<ArmInstance> instances_from_items(const std::vector<nlohmann::json>& items);
// The site's SCM host from its ARM body: hostNameSslStates[] with hostType Repository, else an
// enabledHostNames entry containing ".scm."; "" when none.
std::string scm_host_of(const nlohmann::json& site);
// Why an SCM answer gives no report ("" for 200).
std::string kudu_failure(long status, const std::string& transport_error, const std::string& path);

struct GatherResult {
  std::string site, slot;
  std::vector<InstanceReport> instances;
  std::vector<Difference> differences;
  Severity verdict = Severity::kUnknown;
};
std::string render_gather_text(const GatherResult& g);
std::string render_gather_json(const GatherResult& g);

// The command; returns the exit code.
int all_instances_command(const ParsedCheck& parsed, const std::map<std::string, std::string>& env,
                          std::ostream& out, std::ostream& err);

}  // namespace vnetdiag
