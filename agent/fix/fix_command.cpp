#include "fix_command.hpp"

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <thread>

#include "api_versions.hpp"
#include "arm_client.hpp"
#include "cli.hpp"
#include "emit.hpp"
#include "evidence.hpp"
#include "executor.hpp"
#include "finding_catalog.hpp"
#include "ownership.hpp"
#include "permissions.hpp"
#include "pipeline.hpp"
#include "planner.hpp"
#include "progress.hpp"
#include "render.hpp"
#include "secrets.hpp"
#include "settings_table.hpp"
#include "text_util.hpp"
#include "token.hpp"
#include "topology.hpp"

namespace po = boost::program_options;

namespace vnetdiag {
namespace {

// Terraform's -detailed-exitcode: 0 nothing to change, 2 changes planned, 1 error.
constexpr int kNothing = 0, kError = 1, kChanges = 2;
constexpr int kInterrupted = 130;  // the shell's code for a run ended by SIGINT

// Set by SIGINT while a plan is applied: the executor starts nothing more.
std::atomic<bool> g_stop{false};
extern "C" void stop_applying(int /*signal*/) { g_stop.store(true); }

// SIGINT handled while in scope, once: a second Ctrl-C ends the process as usual.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = stop_applying;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_);
  }
  ~InterruptGuard() { sigaction(SIGINT, &previous_, nullptr); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction previous_ {};
};

po::options_description fix_options() { return options_for(kFix); }

// What the app sees: DNS, TCP, TLS and the services' answers. The context layer comes from this
// process's environment, which the platform refreshes only when the app restarts, so it cannot
// show a fix made a moment ago (WEBSITE_PRIVATE_IP appears after the restart).
bool data_plane_ok(const Report& r) {
  for (const auto& f : r.findings) {
    const bool data_plane = f.layer == Layer::kDns || f.layer == Layer::kTcp ||
                            f.layer == Layer::kTls || f.layer == Layer::kHttp;
    if (data_plane && f.severity == Severity::kCritical) return false;
  }
  return true;
}

bool fixed(const Report& r) {
  if (!data_plane_ok(r)) return false;
  for (const auto& f : r.findings)
    // FM-02 compares this process's environment with ARM: once fix integrated the app, the
    // running process keeps the environment it started with (no WEBSITE_PRIVATE_IP) until the
    // restart that gives it the address. Nothing fix does can change that, so it is not waited for.
    if (f.layer == Layer::kArm && f.severity != Severity::kOk &&
        !is(f, FindingId("arm.instance_without_private_ip")))
      return false;
  return true;
}

}  // namespace

int fix_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                std::ostream& out, std::ostream& err, bool stdin_is_tty, bool stdout_is_tty) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(fix_options()).run(), vm);
  } catch (po::error& e) {
    err << "vnetdiag: " << option_error_text(e) << " (see 'vnetdiag fix --help')\n";
    return kError;
  }
  if (vm.count("help")) {
    out << "Usage: vnetdiag fix [--apply [--yes]] [options]\n\n"
           "Reads the app's Azure configuration, diffs it against the tutorial's end state and\n"
           "prints a plan: + create, ~ update (property before -> after), - delete (only with\n"
           "--allow-replace). Each step names its subscription, the finding it repairs, the ARM\n"
           "call and the permissions it needs. It writes only in the app's subscription and those\n"
           "given with --allow-subscription; a step elsewhere is shown and nothing is applied.\n"
           "With --apply it runs the plan (independent steps in parallel), locks the vault and\n"
           "account down and deletes a replaced endpoint only after the private path verifies,\n"
           "then checks again. It refuses to write what IaC tags, a template deployment, a\n"
           "lock or an Azure Policy (deny, modify, append, deployIfNotExists on a type it\n"
           "writes) owns unless --force-owned; --emit az|terraform|bicep prints the plan as\n"
           "code instead.\n"
           "Ctrl-C during --apply stops after the calls in flight; run it again to resume.\n"
           "Exit: 0 nothing to change (or applied and verified), 2 changes planned, 1 error,\n"
           "130 stopped by Ctrl-C.\n\n"
        << fix_options()
        << "\nExamples:\n  vnetdiag fix --keyvault kv1 --cognitive cs1\n"
           "  vnetdiag fix --keyvault kv1 --cognitive cs1 -o json --out plan.json\n"
           "  vnetdiag fix --keyvault kv1 --cognitive cs1 --apply --yes\n";
    return kNothing;
  }
  auto settings = settings_from(vm, env);
  if (settings)
    if (auto format = output_is_one_of(*settings, "fix", {"text", "json"}); !format)
      settings = format.error();
  if (!settings) {
    err << "vnetdiag: " << settings.error().message << "\n";
    return kError;
  }
  auto prepared = prepare_check(*settings, env);
  if (!prepared) {
    err << "vnetdiag: " << prepared.error().message << "\n";
    return kError;
  }
  if (!prepared->arm) {
    err << "vnetdiag: fix needs to read and write ARM, but " << prepared->arm_skip_reason
        << ": give the app a managed identity or pass --token-file\n";
    return kError;
  }
  const CheckSettings& cs = *settings;
  const bool apply = cs.apply.value;
  if (apply && cs.emit.given()) {
    err << "vnetdiag: --emit prints the plan as code and changes nothing: drop --apply, or "
           "--emit to apply the plan\n";
    return kError;
  }
  if (cs.evidence.given() && cs.emit.given()) {
    err << "vnetdiag: --emit only prints the plan as code; for a bundle with the plan, drop --emit "
           "and keep --evidence\n";
    return kError;
  }
  if (apply && !cs.yes.value && !stdin_is_tty) {
    err << "vnetdiag: --apply on a non-interactive console needs --yes (nothing was changed)\n";
    return kError;
  }

  // A subscription fix may write to is one it must be able to read, Resource Graph or not.
  for (const auto& sub : cs.allow_subscriptions.value)
    prepared->search_subscriptions.push_back(sub);
  ArmSession session(*prepared, 100, 60);
  arm::ArmClient& client = session.client();
  // Its range is checked with the other settings.
  if (cs.operation_timeout.given()) client.set_lro_budget(cs.operation_timeout.value);
  const arm::Topology topology = read_topology_for(client, *prepared);
  // fix --evidence: the bundle is written however fix ends from here on, with the last check's
  // report (one is run when fix did not apply) and fix.json: what fix read, planned and did.
  std::optional<Report> evidence_report;
  nlohmann::json result = nlohmann::json::object();
  const auto finish = [&](int code) {
    if (!cs.evidence.given()) return code;
    if (!evidence_report)
      if (auto r = run_once(*prepared)) evidence_report = std::move(*r);
    if (!evidence_report) {
      err << "vnetdiag: evidence bundle not written: the check for its report could not run\n";
      return kError;
    }
    if (auto why = write_evidence(cs.evidence.value,
                                  {&*evidence_report, arm::topology_cache_text(topology),
                                   cs.resolv_conf.value, env, json_text(result, 2) + "\n"})) {
      err << "vnetdiag: evidence bundle not written: " << *why
          << ": give --evidence a path in a writable directory\n";
      return kError;
    }
    return code;
  };
  if (topology.site.is_null()) {
    err << "vnetdiag: cannot read the app " << prepared->app_name << " in "
        << prepared->resource_group << ": "
        << (topology.errors.empty() ? std::string("not found") : topology.errors.front()) << "\n";
    result["read_errors"] = topology.errors;
    return finish(kError);
  }
  // A list not read would look empty, and the plan would create what already exists. App
  // settings are the exception: the planner never reads nor writes them (a Reader may not list
  // them, and the permission pre-check then names what is missing).
  std::set<std::string> blocking = topology.unread;
  blocking.erase("app settings");
  if (!blocking.empty()) {
    for (const auto& e : topology.errors)
      if (e.find("app settings") == std::string::npos) err << "vnetdiag: " << e << "\n";
    err << "vnetdiag: fix plans nothing while part of the configuration is unread: grant the "
           "identity Reader on what the lines above name, then run it again\n";
    result["read_errors"] = topology.errors;
    return finish(kError);
  }
  fix::PlanInput input{&topology,
                       targets_with_zones(*prepared, topology),
                       prepared->subscription,
                       prepared->resource_group,
                       {}};
  // Only given names: the planner's defaults are the table's (tests/unit/settings_table_test.cpp).
  const auto str = [](const Setting<std::string>& setting, std::string& target) {
    if (setting.given()) target = setting.value;
  };
  str(cs.location, input.names.location);
  str(cs.vnet_name, input.names.vnet);
  str(cs.vnet_prefix, input.names.vnet_prefix);
  str(cs.integration_subnet, input.names.integration_subnet);
  str(cs.integration_prefix, input.names.integration_prefix);
  str(cs.endpoint_subnet, input.names.endpoint_subnet);
  str(cs.endpoint_prefix, input.names.endpoint_prefix);
  input.names.allow_replace = cs.allow_replace.value;
  input.allowed_subscriptions = cs.allow_subscriptions.value;
  const fix::Plan plan = fix::plan_repairs(input);
  if (cs.plan.given()) {
    std::ifstream saved_file(cs.plan.value);
    nlohmann::json saved;
    try {
      saved = nlohmann::json::parse(saved_file);
    } catch (...) {
      err << "vnetdiag: cannot read the saved plan '" << cs.plan.value
          << "': give a file written by --out\n";
      return finish(kError);
    }
    // Only the calls matter: the saved plan must be exactly what the world calls for now.
    auto calls = [](const nlohmann::json& p) {
      nlohmann::json steps = nlohmann::json::array();
      for (const auto& s : p.value("steps", nlohmann::json::array()))
        steps.push_back(
            {s.value("method", ""), s.value("resource_id", ""), s.value("body", nlohmann::json())});
      return steps;
    };
    if (calls(saved) != calls(fix::plan_to_json(plan))) {
      err << "vnetdiag: the world has changed since the saved plan was made; nothing was applied: "
             "run fix again to re-plan\n";
      return finish(kError);
    }
  }
  if (cs.emit.given()) {
    out << fix::emit_plan(plan, cs.emit.value);
    return plan.steps.empty() && plan.not_allowed.empty() ? kNothing : kChanges;
  }
  const std::string rg_id =
      "/subscriptions/" + prepared->subscription + "/resourceGroups/" + prepared->resource_group;
  const fix::PermissionCheck permissions = fix::check_permissions(client, rg_id, plan);

  result = {{"plan", fix::plan_to_json(plan)},
            {"arm_requests_to_read", topology.requests},
            {"read_errors", topology.errors},
            {"credential", topology.credential},
            {"permissions",
             {{"checked", permissions.checked},
              {"note", permissions.note},
              {"scopes", permissions.scopes},
              {"unread_scopes", permissions.unread_scopes},
              {"missing", permissions.missing}}}};
  const fix::Ownership ownership = fix::read_ownership(client, topology, plan);
  {
    nlohmann::json owners = nlohmann::json::array();
    for (const auto& o : ownership.owners)
      owners.push_back({{"step", o.step_key},
                        {"resource_id", o.resource_id},
                        {"kind", o.kind},
                        {"detail", o.detail}});
    result["ownership"] = {
        {"owned", owners}, {"unread", ownership.unread}, {"notes", ownership.notes}};
  }
  if (cs.out.given()) {
    std::ofstream file(cs.out.value);
    if (!file) {
      err << "vnetdiag: cannot write the plan to '" << cs.out.value << "'\n";
      return finish(kError);
    }
    file << secrets::scrub(json_text(fix::plan_to_json(plan), 2)) << "\n";
  }
  const bool json_out = cs.output.value == "json";
  if (!json_out) {
    out << fix::render_plan_text(plan, stdout_is_tty && !env.count("NO_COLOR"));
    for (const auto& m : permissions.missing) out << "! not allowed: " << m << "\n";
    for (const auto& o : ownership.owners) out << "! owned: " << fix::owner_line(o) << "\n";
    for (const auto& u : ownership.unread) out << "! ownership not judged: " << u << "\n";
    for (const auto& n : ownership.notes) out << "note: " << n << "\n";
    if (!permissions.note.empty()) out << "note: " << permissions.note << "\n";
  }
  if (apply && !plan.not_allowed.empty()) {
    if (json_out) out << json_text(result, 2) << "\n";
    std::set<std::string> subs;
    for (const auto& s : plan.not_allowed) subs.insert(s.needs_subscription);
    std::string flags;
    for (const auto& sub : subs) flags += " --allow-subscription " + sub;
    err << "vnetdiag: " << plan.not_allowed.size()
        << " step(s) of the plan write in a subscription that is not allowed (listed above); "
           "nothing was changed: rerun with"
        << flags << " to apply the whole plan\n";
    return finish(kError);
  }
  if (apply && !permissions.missing.empty()) {
    if (json_out) out << json_text(result, 2) << "\n";
    err << "vnetdiag: the identity lacks " << permissions.missing.size()
        << " permission(s) the plan needs (listed above); nothing was changed: grant them and run "
           "again\n";
    return finish(kError);
  }
  if (apply && !ownership.owners.empty() && !cs.force_owned.value) {
    if (json_out) out << json_text(result, 2) << "\n";
    err << "vnetdiag: " << ownership.owners.size()
        << " change(s) of the plan touch what IaC, a lock or a policy owns (listed above); "
           "nothing was changed: merge 'vnetdiag fix --emit terraform|bicep|az' into what owns "
           "them, or rerun with --force-owned to write anyway\n";
    return finish(kError);
  }
  if (!apply || plan.steps.empty()) {
    if (json_out) out << json_text(result, 2) << "\n";
    return finish(plan.steps.empty() && plan.not_allowed.empty() ? kNothing : kChanges);
  }
  if (!cs.yes.value) {
    out << "Apply these " << plan.steps.size() << " changes? Type 'yes': " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") {
      err << "vnetdiag: not applied\n";
      return finish(kError);
    }
  }
  fix::ApplyOptions apply_options;
  if (cs.verify_timeout.given()) apply_options.verify_pacing.budget_s = cs.verify_timeout.value;
  apply_options.verify = [&prepared] {
    auto report = run_once(*prepared);
    return report && data_plane_ok(*report);
  };
  // A replaced endpoint goes only once its replacement works: ARM shows the new connection
  // Approved, and the app resolves the name to the new endpoint's address (probed again).
  apply_options.confirm_replacement = [&prepared, &client,
                                       &apply_options](const fix::PlanStep& step) -> std::string {
    const std::string version = std::string("?api-version=") + arm::kNetworkApi;
    auto pe = client.send("GET", step.replaced_by + version);
    if (!pe.ok() || !pe.body.is_object()) return "cannot read the new endpoint " + step.replaced_by;
    std::string status;
    for (const char* list :
         {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& c : arm::json_array(pe.body, {"properties", list}))
        if (status.empty())
          status = arm::json_str(c, {"properties", "privateLinkServiceConnectionState", "status"});
    if (lower(status) != "approved")
      return "the new endpoint's connection is " + (status.empty() ? "unknown" : status) +
             ", not Approved";
    std::string address;
    for (const auto& n : arm::json_array(pe.body, {"properties", "networkInterfaces"})) {
      auto nic = client.send("GET", arm::json_str(n, {"id"}) + version);
      if (nic.ok())
        for (const auto& ipc : arm::json_array(nic.body, {"properties", "ipConfigurations"}))
          if (address.empty()) address = arm::json_str(ipc, {"properties", "privateIPAddress"});
    }
    if (address.empty()) return "the new endpoint shows no address";
    const auto resolves = [&] {
      auto report = run_once(*prepared);
      if (!report || !data_plane_ok(*report)) return false;
      for (const auto& t : report->observations.targets)
        if (lower(t.target.host) == lower(step.host))
          return std::find(t.system.addresses.begin(), t.system.addresses.end(), address) !=
                 t.system.addresses.end();
      return false;
    };
    if (!fix::retry_until(resolves, apply_options.verify_pacing))
      return step.host + " does not resolve to the new endpoint's address " + address;
    return "";
  };
  std::ofstream journal_file;
  if (cs.journal.given()) {
    journal_file.open(cs.journal.value, std::ios::app);
    if (!journal_file) {
      err << "vnetdiag: cannot write the journal '" << cs.journal.value << "'\n";
      return finish(kError);
    }
  }
  // Live progress in text mode. With -o json stdout is the JSON and stderr keeps to one line
  // (an error, or the stop below): the steps' outcomes are in the JSON.
  fix::Progress progress(out, stdout_is_tty && !json_out, plan.steps.size());
  if (!json_out)
    apply_options.on_event = [&progress](const fix::StepEvent& e) { progress.on_event(e); };
  apply_options.stop = &g_stop;
  const fix::ApplyResult applied = [&] {
    InterruptGuard guard;  // Ctrl-C: no new step starts; those in flight end
    return fix::apply_plan(plan, client, apply_options);
  }();
  if (applied.stopped) {
    const std::string stopped =
        "stopped by Ctrl-C after the calls in flight ended; run fix --apply again to resume: it "
        "plans again from what ARM shows, so what was done is not redone";
    if (json_out)
      err << "vnetdiag: " << stopped << "\n";
    else
      progress.say(stopped);
  }
  // Changes take a moment to show (zone links, record TTLs, the platform applying a site
  // change): check again until the fix shows or the verify budget is spent.
  Result<Report> final_report = Error{"not checked"};
  const auto check_fixed = [&] {
    final_report = run_once(*prepared);
    return final_report && fixed(*final_report);
  };
  if (applied.ok && !applied.stopped)
    fix::retry_until(check_fixed, apply_options.verify_pacing);
  else
    check_fixed();
  const bool passed = final_report && fixed(*final_report);

  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : applied.steps)
    steps.push_back(
        {{"key", s.key}, {"outcome", s.outcome}, {"message", s.message}, {"seconds", s.seconds}});
  nlohmann::json journal = nlohmann::json::array();
  for (const auto& j : client.journal())
    journal.push_back({{"method", j.method},
                       {"path", j.path},
                       {"status", j.status},
                       {"outcome", j.outcome},
                       {"client_request_id", j.client_request_id},
                       {"correlation_id", j.correlation_id}});
  if (journal_file) {
    for (const auto& j : journal) journal_file << secrets::scrub(json_text({{"call", j}})) << "\n";
    for (const auto& s : steps) journal_file << secrets::scrub(json_text({{"step", s}})) << "\n";
  }
  if (applied.stopped && journal_file)
    journal_file << json_text({{"stopped",
                                "Ctrl-C: steps not started are skipped; run fix "
                                "--apply again to resume"}})
                 << "\n";
  result["applied"] = steps;
  result["stopped"] = applied.stopped;
  result["journal"] = journal;
  result["arm_requests"] = client.requests_sent();
  result["verified"] = passed;
  result["verify_wait_seconds"] = applied.verify_wait_s;
  if (final_report) {
    result["check"] = report_to_json(*final_report);
    evidence_report = *final_report;
  }
  if (json_out) {
    out << json_text(result, 2) << "\n";
  } else {
    for (const auto& s : applied.steps)
      out << (s.outcome == "ok"       ? "done    "
              : s.outcome == "failed" ? "FAILED  "
                                      : "skipped ")
          << s.key << (s.message.empty() ? "" : ": " + s.message) << "\n";
    out << "check after fix: " << (passed ? "passed" : "FAILED")
        << " (data plane and Azure configuration; the App Service context that check shows "
           "refreshes when the app restarts; "
        << client.requests_sent() << " ARM requests)\n";
  }
  if (applied.stopped) return finish(kInterrupted);
  return finish(applied.ok && passed ? kNothing : kError);
}

}  // namespace vnetdiag
