#pragma once
// `vnetdiag check`: settings -> probe plan -> observations -> findings -> rendered report.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "engine.hpp"
#include "model.hpp"
#include "result.hpp"
#include "settings.hpp"

namespace vnetdiag {

struct PreparedCheck {
  CheckPlan plan;
  std::map<std::string, std::string> context;
};

Result<PreparedCheck> prepare_check(const CheckSettings& settings);
// Runs the probes and the rules; a check that could not run at all is an error.
Result<Report> run_once(const PreparedCheck& prepared);

int check_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  std::ostream& out, std::ostream& err, bool stdout_is_tty);

}  // namespace vnetdiag
