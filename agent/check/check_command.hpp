#pragma once
// `vnetdiag check`: parse the flags, run the pipeline once, render the report.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace vnetdiag {

int check_command(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::ostream& out,
                  std::ostream& err, bool stdout_is_tty);

}  // namespace vnetdiag
