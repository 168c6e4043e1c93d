#include "serve_command.hpp"

#include <arpa/inet.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "check_scheduler.hpp"
#include "cli.hpp"
#include "engine.hpp"
#include "http_server.hpp"
#include "instance_file.hpp"
#include "pipeline.hpp"
#include "push_config.hpp"
#include "pusher.hpp"
#include "serve_routes.hpp"
#include "settings_table.hpp"
#include "version.hpp"

namespace po = boost::program_options;

namespace vnetdiag {
namespace {

constexpr int kExitUnknown = 3;
// A check that reads ARM may take this much longer than the probes' own deadline (token and
// ARM budgets in check_command.cpp).
constexpr double kArmAllowance = 60;
// The whole shutdown (server drain, then the check in flight) must fit in this.
constexpr auto kShutdownBudget = std::chrono::milliseconds(1500);

po::options_description serve_options() { return options_for(kServe); }

}  // namespace

std::string ListenAddress::label() const {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

bool ListenAddress::loopback() const {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return address == "::1";
}

Result<ListenAddress> parse_listen(const std::string& text) {
  const Error bad = fail("--listen '" + text +
                         "' is not ADDR:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080)");
  ListenAddress l;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return bad;
    l.address = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, l.address.c_str(), &v6) != 1) return bad;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad;
    l.address = text.substr(0, colon);
    port = text.substr(colon + 1);
    in_addr v4{};
    if (inet_pton(AF_INET, l.address.c_str(), &v4) != 1) return bad;
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return bad;
  const long n = std::stol(port);
  if (n > 65535) return bad;
  l.port = static_cast<uint16_t>(n);
  return l;
}

std::string serve_help() {
  std::ostringstream out;
  out << "Usage: vnetdiag serve [options]\n\n"
         "Runs the check at start and then every --interval seconds in the background, and serves\n"
         "its last result over HTTP; requests never start a probe.\n\n"
         "  /livez     200 while vnetdiag and its check loop are alive: wire this one into App\n"
         "             Service Health check (it does not fail when a dependency is down)\n"
         "  /readyz    200 when the last check's verdict is ok or warning; 503 with a JSON reason\n"
         "             when it is critical or unknown, could not run, has not finished yet, or is\n"
         "             older than 3 intervals\n"
         "  /report    the last report as JSON (as check -o json); ?format=text for text\n"
         "  /metrics   Prometheus text 0.0.4, or OpenMetrics 1.0.0 when Accept asks for it\n"
         "  /probe?target=NAME   one configured target's result and findings (404 if unknown)\n\n"
         "One JSON line per check on stdout (time, verdict, finding ids, duration_ms, "
         "instance_id);\n"
         "human messages on stderr. SIGTERM or SIGINT stop it within 2 s (exit 0).\n"
         "Each check runs in a child process, killed when it overruns its deadline. With\n"
         "credentials, ARM is read at most every --arm-interval seconds (default 300; ARM\n"
         "throttles); the checks in between use the last read. --no-arm skips ARM.\n\n"
         "Push (per instance; the front end load-balances, so a scrape reaches a random one):\n"
         "  --otlp URL   after each check POST the metrics of /metrics to URL/v1/metrics and one\n"
         "               span per check (vnetdiag.check, ERROR when critical or unknown; a child\n"
         "               per target) to URL/v1/traces, as OTLP/HTTP JSON with service.instance.id\n"
         "               = WEBSITE_INSTANCE_ID; e.g. the OTel collector sidecar at\n"
         "               http://127.0.0.1:4318 (plain http only to loopback)\n"
         "  --app-insights-connection-string (or APPLICATIONINSIGHTS_CONNECTION_STRING): one\n"
         "               availability result per target per check, run location =\n"
         "               WEBSITE_INSTANCE_ID (https only; the key is never shown)\n"
         "  A push never delays a check or a request: it runs beside them with a 5 s budget and\n"
         "  no retry; a failure is one line on stderr and vnetdiag_push_failures_total{sink}.\n\n"
      << serve_options()
      << "\nExamples:\n"
         "  vnetdiag serve --keyvault kv1 --cognitive cs1\n"
         "  vnetdiag serve --listen 0.0.0.0:8080 --interval 60 --config /home/site/vnetdiag.json\n"
         "  curl -s localhost:8080/readyz; curl -s localhost:8080/metrics\n";
  return out.str();
}

int serve_command(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::ostream& out,
                  std::ostream& err) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(serve_options()).run(), vm);
  } catch (po::error& e) {
    err << "vnetdiag: " << option_error_text(e) << " (see 'vnetdiag serve --help')\n";
    return kExitUnknown;
  }
  if (vm.count("help")) {
    out << serve_help();
    return 0;
  }
  auto settings = settings_from(vm, env);  // also --interval's and --arm-interval's ranges
  if (!settings) {
    err << "vnetdiag: " << settings.error().message << "\n";
    return kExitUnknown;
  }
  auto listen = parse_listen(settings->listen.value);
  if (!listen) {
    err << "vnetdiag: " << listen.error().message << "\n";
    return kExitUnknown;
  }
  const double interval = settings->interval.value;
  auto prepared_result = prepare_check(*settings, env);
  if (!prepared_result) {
    err << "vnetdiag: " << prepared_result.error().message << "\n";
    return kExitUnknown;
  }
  const double arm_interval = settings->arm_interval.value;
  // The last ARM read is kept in a directory only this process can read (it holds no token and
  // no app setting values), removed at exit.
  char cache_dir[] = "/tmp/vnetdiag-serve-XXXXXX";
  if (prepared_result->arm && arm_interval > 0 && mkdtemp(cache_dir)) {
    prepared_result->arm_cache_file = std::string(cache_dir) + "/arm-topology.json";
    prepared_result->arm_interval_s = arm_interval;
  }
  struct RemoveCache {
    std::string dir, file;
    ~RemoveCache() {
      if (file.empty()) return;
      (void)std::remove(file.c_str());  // best effort at exit: a leftover is harmless
      (void)rmdir(dir.c_str());
    }
  } remove_cache{cache_dir, prepared_result->arm_cache_file};
  // Shared with the check thread, which may outlive this function when abandoned at shutdown.
  auto prepared = std::make_shared<const PreparedCheck>(std::move(*prepared_result));

  ServeInfo info;
  info.targets = prepared->plan.targets;
  info.version = VNETDIAG_VERSION;
  info.commit = VNETDIAG_COMMIT;
  const std::string instance_id = prepared->app.value_or("instance_id", "");
  info.resource["service_instance_id"] = instance_id;
  info.resource["service_name"] = prepared->app.value_or("app", "");
  const InstanceLabels here = instance_labels(prepared->app);
  info.labels = {{"instance", here.instance}, {"site", here.site}, {"slot", here.slot}};
  auto push_settings = push::push_config(
      *settings, env, {instance_id, prepared->app.value_or("app", ""), VNETDIAG_VERSION});
  if (!push_settings) {
    err << "vnetdiag: " << push_settings.error().message << "\n";
    return kExitUnknown;
  }

  SchedulerOptions options;
  options.interval_s = interval;
  options.isolate = true;
  // The probes' deadline, the ARM budgets when ARM is read, and a margin: then the check is killed.
  options.kill_after_s = prepared->plan.timeouts.run_s + (prepared->arm ? kArmAllowance : 0) + 5;
  LoopHealth health_limits;
  health_limits.stuck_after_s = interval + options.kill_after_s + 10;
  health_limits.stale_after_s = 3 * std::max(interval, options.kill_after_s);

  // The check loop writes `out` from its thread; `err` (the server's thread) must not flush it.
  std::ostream* const tied = err.tie(nullptr);
  struct Retie {
    std::ostream& err;
    std::ostream* tied;
    ~Retie() { err.tie(tied); }
  } retie{err, tied};
  // Two threads that allocate little: one malloc arena is plenty and keeps the resident size down.
  mallopt(M_ARENA_MAX, 1);
  boost::asio::io_context io(1);
  // Each check runs in a child process: the libraries are set up there, never in the server.
  CheckScheduler scheduler(
      [prepared] {
        init_probe_libraries();
        return run_once(*prepared);
      },
      info, options, instance_id,
      [&out, &scheduler,
       instance_file = instance_file_hook(*settings, *prepared, env, [&err](const std::string& l) {
         err << l << '\n' << std::flush;
       })](const std::string& line) {
        out << line << '\n' << std::flush;
        if (instance_file) instance_file(*scheduler.snapshot());  // check --all-instances reads it
      });
  // Pushes run on their own thread (each in a child process); failures re-render /metrics.
  auto log_err = [&err](const std::string& line) {
    const std::string whole = line + "\n";
    err.write(whole.data(), static_cast<std::streamsize>(whole.size()));
    err.flush();
  };
  const auto labels = info.labels;  // the failure counter's too, as on every series
  push::Pusher pusher(*push_settings, log_err, [&scheduler, &pusher, &labels] {
    scheduler.amend([&pusher, &labels](std::shared_ptr<const Snapshot> s) {
      return push::with_push_metrics(std::move(s), pusher.failures(), labels);
    });
  });
  if (push_settings->enabled()) {
    scheduler.on_cycle([&pusher, &labels](std::shared_ptr<const Snapshot> s) {
      auto amended = push::with_push_metrics(std::move(s), pusher.failures(), labels);
      pusher.submit(amended);
      return amended;
    });
    scheduler.amend([&pusher, &labels](std::shared_ptr<const Snapshot> s) {
      return push::with_push_metrics(std::move(s), pusher.failures(), labels);
    });
  }
  HttpServer server(io, ServerLimits{}, [&scheduler, health_limits](const Request& request) {
    LoopHealth health = health_limits;
    health.now = std::chrono::steady_clock::now();
    health.heartbeat = scheduler.heartbeat();
    return route(request, scheduler.snapshot(), health);
  });
  auto bound = server.listen(listen->address, listen->port);
  if (!bound) {
    err << "vnetdiag: " << bound.error().message << "\n";
    return kExitUnknown;
  }
  listen->port = *bound;

  // Signals first, so that none is lost between here and io.run(); the scheduler's thread
  // blocks them.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::chrono::steady_clock::time_point stop_by{};
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    stop_by = std::chrono::steady_clock::now() + kShutdownBudget;
    err << "vnetdiag: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down\n"
        << std::flush;
    server.shutdown();
  });
  (void)::signal(SIGPIPE, SIG_IGN);  // cannot fail for SIGPIPE

  err << "vnetdiag: serving http://" << listen->label()
      << " (/livez /readyz /report /metrics /probe), checking " << info.targets.size() << " target"
      << (info.targets.size() == 1 ? "" : "s") << " every " << interval << " s\n";
  if (!listen->loopback())
    err << "vnetdiag: listening beyond loopback: anyone who reaches " << listen->label()
        << " can read the reports (names, addresses, findings)\n";
  if (push_settings->enabled())
    err << "vnetdiag: pushing after each check to " << push::describe(*push_settings) << "\n";
  err << std::flush;

  pusher.start();
  scheduler.start();
  server.start();
  io.run();

  scheduler.request_stop();
  pusher.request_stop();  // a push in flight is killed
  if (stop_by == std::chrono::steady_clock::time_point{})
    stop_by = std::chrono::steady_clock::now() + kShutdownBudget;
  if (!scheduler.wait_stopped(stop_by) || !pusher.wait_stopped(stop_by)) {
    // The loop did not end in time (it kills a check in flight, so this should not happen).
    err << "vnetdiag: stopped (a check in flight was abandoned)\n";
    out.flush();
    err.flush();
    (void)std::fflush(nullptr);
    std::_Exit(0);
  }
  err << "vnetdiag: stopped\n";
  return 0;
}

}  // namespace vnetdiag
