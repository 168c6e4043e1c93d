#pragma once
// serve's per-instance report file: after each check cycle the last report (as /report serves it)
// is written atomically to DIR/<instance id>.json, so that `check --all-instances` can read every
// instance's report from the /home all instances share, or through Kudu. DIR is --instances-dir,
// else $HOME/LogFiles/vnetdiag/instances when HOME, WEBSITE_SITE_NAME and WEBSITE_INSTANCE_ID are
// set; otherwise no file is written. A file that cannot be written costs one line on stderr (again
// only when the reason changes); serve goes on.
#include <functional>
#include <map>
#include <string>

#include "instance_reports.hpp"
#include "serve_snapshot.hpp"

namespace vnetdiag {

struct CheckSettings;
struct PreparedCheck;

// What is written: the snapshot's report JSON with a leading "vnetdiag_instance" member
// {instance, written_at, interval_s, check_error?} (the report schema allows members it does not
// name). Before the first check: "".
std::string instance_file_body(const Snapshot& snapshot, const std::string& instance_id,
                               double interval_s, double now_unix);
// Writes `body` to dir/name through a temporary file and rename(2), mode 0644, creating dir.
// Returns "" or why it could not.
std::string write_file_atomically(const std::string& dir, const std::string& name,
                                  const std::string& body);

// serve's hook: a function to call with each cycle's snapshot, or an empty one when no file is
// to be written. warn receives one line (without newline) when writing fails.
std::function<void(const Snapshot&)> instance_file_hook(
    const CheckSettings& settings, const PreparedCheck& prepared,
    const std::map<std::string, std::string>& env, std::function<void(const std::string&)> warn);

}  // namespace vnetdiag
