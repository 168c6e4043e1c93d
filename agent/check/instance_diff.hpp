#pragma once
// check --all-instances, the pure part: one instance's report file read into what the comparison
// needs, and where the instances' reports differ. No I/O here (all_instances.cpp gathers).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"

namespace vnetdiag {

struct InstanceReport {
  std::string id;         // as ARM lists it
  std::string arm_state;  // READY, STOPPED, UNKNOWN or "" (ARM's properties.state)
  std::string source;     // where the report was read: "shared directory" or "Kudu"
  std::string error;      // why the instance is not judged ("" when its report was read)
  bool judged() const { return error.empty(); }
  std::optional<double> age_s;  // how old the report is
  Severity verdict = Severity::kUnknown;
  std::vector<std::string> problems;  // non-ok findings as id@target, sorted, each once
  std::map<std::string, Severity> problem_severity;  // id@target -> its severity
  std::map<std::string, Severity> targets;  // target name -> worst severity of its findings
};

// Reports older than this are stale (not judged): 3 intervals when the file says its serve's
// interval, else 15 minutes.
double stale_after_s(std::optional<double> interval_s);

// One instance's report file (the body served by Kudu or read from the shared directory) as of
// now_unix. Anything but a report that vnetdiag serve wrote -- not JSON, not an object, no
// verdict, a check that could not run, stale -- sets `error` with the reason; never throws.
InstanceReport read_instance_report(const std::string& id, const std::string& body,
                                    double now_unix);

struct Difference {
  std::string problem;  // id@target
  Severity severity = Severity::kUnknown;
  std::vector<std::string> present_on, absent_on;  // judged instances only
  // Judged instances whose report has no such target: they do not check it, which says nothing
  // either way (not counted as absent).
  std::vector<std::string> not_checked_on;
};

// Problems present on some judged instances and absent on others that check the same target, in
// problem order.
std::vector<Difference> differences(const std::vector<InstanceReport>& instances);

// The gather's verdict: a critical instance makes it critical; otherwise any instance not judged
// makes it unknown; otherwise the worst (warning over ok). No instance at all: unknown.
Severity gather_verdict(const std::vector<InstanceReport>& instances);

// "2024-05-01T10:00:00Z" (optionally with fractional seconds) as Unix seconds; nullopt if not.
std::optional<double> parse_iso_utc(const std::string& text);

}  // namespace vnetdiag
