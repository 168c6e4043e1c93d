#pragma once
// `vnetdiag check`: settings -> probe plan -> observations -> findings -> rendered report.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "app_context.hpp"
#include "context_rules.hpp"
#include "engine.hpp"
#include "model.hpp"
#include "result.hpp"
#include "settings.hpp"

namespace vnetdiag {

struct PreparedCheck {
  CheckPlan plan;
  AppContext app;
  RouteAll route_all;
  std::map<std::string, std::string> context;  // shown at the top of every report
};

// env: the process environment (for the App Service context).
Result<PreparedCheck> prepare_check(const CheckSettings& settings, const std::map<std::string, std::string>& env);
// Runs the probes and the rules; a check that could not run at all is an error.
Result<Report> run_once(const PreparedCheck& prepared);

int check_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  std::ostream& out, std::ostream& err, bool stdout_is_tty);

}  // namespace vnetdiag
