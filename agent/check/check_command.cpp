#include "check_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include "all_instances.hpp"
#include "cli.hpp"
#include "evidence.hpp"
#include "pipeline.hpp"
#include "render.hpp"
#include "render_chain.hpp"

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
  if (parsed->settings.all_instances.value) return all_instances_command(*parsed, env, out, err);
  auto prepared = prepare_check(parsed->settings, env);
  if (!prepared) {
    err << "vnetdiag: " << prepared.error().message << "\n";
    return kExitUnknown;
  }
  const std::string& evidence = parsed->settings.evidence.value;
  std::string arm_copy;
  if (!evidence.empty() && prepared->arm) {
    // The ARM read is kept for the bundle the way serve keeps it between reads: a private file.
    char name[] = "/tmp/vnetdiag-evidence-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) {
      close(fd);
      arm_copy = name;
      prepared->arm_cache_file = arm_copy;
      prepared->arm_interval_s = 0;  // read now, never from an earlier copy
    }
  }
  auto report = run_once(*prepared);
  if (!arm_copy.empty()) {
    std::ifstream in(arm_copy);
    std::stringstream ss;
    ss << in.rdbuf();
    arm_copy = ss.str();
    (void)std::remove(prepared->arm_cache_file.c_str());
  }
  if (!report) {
    err << "vnetdiag: " << report.error().message << "\n";
    return kExitUnknown;
  }
  if (!evidence.empty())
    if (auto why = write_evidence(
            evidence, {&*report, arm_copy, parsed->settings.resolv_conf.value, env, ""})) {
      err << "vnetdiag: evidence bundle not written: " << *why
          << ": give --evidence a path in a writable directory\n";
      return kExitUnknown;
    }
  const std::string& format = parsed->settings.output.value;
  if (format == "json") {
    out << render_json(*report);
  } else if (format == "html") {
    out << render_html(*report);
  } else if (format == "svg") {
    out << render_svg(*report);
  } else if (format == "junit") {
    out << render_junit(*report);
  } else {
    const bool colour = stdout_is_tty && !parsed->no_color && env.find("NO_COLOR") == env.end();
    out << render_text(*report, colour);
  }
  return exit_code_of(report->verdict);
}

}  // namespace vnetdiag
