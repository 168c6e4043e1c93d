#pragma once
// Where each instance's last report lives, shared by serve (which writes its own after each
// check) and check --all-instances (which reads them all): DIR/<instance id>.json, DIR being
// --instances-dir, else $HOME/LogFiles/vnetdiag/instances inside App Service (/home is shared by
// every instance of the app, per slot, and Kudu serves it as /api/vfs/).
#include <map>
#include <string>

namespace vnetdiag {

// The file's directory ("" when none is to be written).
std::string instances_dir(const std::string& given, const std::string& instance_id,
                          const std::map<std::string, std::string>& env);
// The file name of an instance's report: the id with anything but [A-Za-z0-9._-] replaced by '_'
// (a leading '.' too), or "" when the id is empty or longer than 200 characters.
std::string instance_file_name(const std::string& instance_id);

}  // namespace vnetdiag
