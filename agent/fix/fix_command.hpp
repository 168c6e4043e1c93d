#pragma once
// `vnetdiag fix`: plan the repair (default, changes nothing), or apply it with --apply --yes and
// verify by probing again.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace vnetdiag {

int fix_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                std::ostream& out, std::ostream& err, bool stdin_is_tty, bool stdout_is_tty);

}  // namespace vnetdiag
