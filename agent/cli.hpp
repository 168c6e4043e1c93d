#pragma once
// Command-line parsing (Boost.Program_options) for each sub-command, and their help texts.
#include <map>
#include <string>
#include <vector>

#include "result.hpp"
#include "settings.hpp"

namespace vnetdiag {

struct ParsedCheck {
  CheckSettings settings;
  bool help = false;
  bool no_color = false;
};

std::string general_help();
std::string check_help();

// defaults < config file (--config or VNETDIAG_CONFIG) < VNETDIAG_* environment < flags.
Result<ParsedCheck> parse_check(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env);

}  // namespace vnetdiag
