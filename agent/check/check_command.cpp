#include "check_command.hpp"

#include <ostream>

#include "cli.hpp"
#include "pipeline.hpp"
#include "render.hpp"

namespace vnetdiag {
namespace {

constexpr int kExitUnknown = 3;

}  // namespace

int check_command(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::ostream& out,
                  std::ostream& err, bool stdout_is_tty) {
  auto parsed = parse_check(args, env);
  if (!parsed) {
    err << "vnetdiag: " << parsed.error().message << "\n";
    return kExitUnknown;
  }
  if (parsed->help) {
    out << check_help();
    return 0;
  }
  auto prepared = prepare_check(parsed->settings, env);
  if (!prepared) {
    err << "vnetdiag: " << prepared.error().message << "\n";
    return kExitUnknown;
  }
  auto report = run_once(*prepared);
  if (!report) {
    err << "vnetdiag: " << report.error().message << "\n";
    return kExitUnknown;
  }
  const std::string& format = parsed->settings.output.value;
  if (format == "json") {
    out << render_json(*report);
  } else if (format == "junit") {
    out << render_junit(*report);
  } else {
    const bool colour = stdout_is_tty && !parsed->no_color && env.find("NO_COLOR") == env.end();
    out << render_text(*report, colour);
  }
  return exit_code_of(report->verdict);
}

}  // namespace vnetdiag
