#pragma once
// Command-line parsing (Boost.Program_options) for each sub-command, and their help texts.
#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
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

// The options every command that runs checks shares (check, serve).
boost::program_options::options_description check_options();
// Settings from parsed options: defaults < config file < environment < flags, then validated.
Result<CheckSettings> settings_from(const boost::program_options::variables_map& vm,
                                    const std::map<std::string, std::string>& env);

std::string general_help();
std::string check_help();

// defaults < config file (--config or VNETDIAG_CONFIG) < VNETDIAG_* environment < flags.
Result<ParsedCheck> parse_check(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env);

// Boost.Program_options' message for a bad command line, safe for any input: what() puts the
// user's tokens into its template in a loop that never ends when a token itself holds a
// placeholder (`--dns-timeout=%value%`), so every '%' in them is escaped as %25 first.
std::string option_error_text(boost::program_options::error& e);

}  // namespace vnetdiag
