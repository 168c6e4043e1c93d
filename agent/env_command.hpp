#pragma once
// `vnetdiag env`: what vnetdiag knows about where it runs, as text or JSON. Never fails on odd
// input: garbage in the environment or resolv.conf is shown as a problem.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace vnetdiag {

int env_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                std::ostream& out, std::ostream& err);

}  // namespace vnetdiag
