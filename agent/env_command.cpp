#include "env_command.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app_context.hpp"
#include "cli.hpp"
#include "cloud.hpp"
#include "context_rules.hpp"
#include "render.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"
#include "token.hpp"

namespace po = boost::program_options;

namespace vnetdiag {
namespace {

// Which credential vnetdiag gets an ARM token from: the chain is walked as a check would (a token
// is fetched, never shown), unless --no-arm. Names, client ids and tenants only, no secret.
struct CredentialView {
  std::string used, who, error;
  std::vector<std::pair<std::string, std::string>> chain;
};

CredentialView credential_view(const CheckSettings& s,
                               const std::map<std::string, std::string>& env) {
  CredentialView v;
  const Cloud* cloud = find_cloud(s.cloud.value);
  if (!cloud) {
    v.error = "unknown cloud '" + s.cloud.value + "'";
    return v;
  }
  arm::CredentialSettings cs{s.token_file.value,
                             s.client_id.value,
                             std::string(cloud->arm_endpoint),
                             std::string(cloud->authority),
                             {}};
  cs.http.ca_bundle = s.arm_ca_bundle.value;
  cs.http.total_timeout_s = 15;
  auto chain = arm::credential_chain(cs, env);
  std::map<std::string, std::string> who;
  for (const auto& c : chain) who[c.name] = c.who;
  if (s.arm.value == "off") {
    for (const auto& c : chain)
      v.chain.emplace_back(c.name,
                           c.available() ? "not tried (--no-arm)" : "skipped: " + c.skipped());
    v.error = "not asked (--no-arm)";
    return v;
  }
  arm::TokenSource tokens(std::move(chain));
  auto t = tokens.get();
  v.chain = tokens.report();
  if (t) {
    v.used = t->source;
    for (const auto& [name, outcome] : v.chain)
      if (outcome == "used") v.who = who[name];
  } else {
    v.error = t.error().message;
  }
  return v;
}

}  // namespace

int env_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                std::ostream& out, std::ostream& err) {
  constexpr int kExitUnknown = 3;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(check_options()).run(), vm);
  } catch (po::error& e) {
    err << "vnetdiag: " << option_error_text(e) << " (see 'vnetdiag env --help')\n";
    return kExitUnknown;
  }
  if (vm.count("help")) {
    out << "Usage: vnetdiag env [-o text|json] [--app NAME] [--resolv-conf FILE] [--proc-environ "
           "FILE]\n\n"
           "Prints the App Service context vnetdiag sees (app, resource group, subscription,\n"
           "instance, WEBSITE_* network settings, each with where it came from), the resolvers\n"
           "it would ask, route-all as far as the environment shows it, and which ARM credential\n"
           "gets a token (each credential of the chain: used, skipped and why, failed and why;\n"
           "names, client ids and tenants only). Takes the same\n"
           "options as 'vnetdiag check'; targets are ignored.\n\n"
           "Examples:\n  vnetdiag env\n  vnetdiag env -o json\n";
    return 0;
  }
  auto settings = settings_from(vm, env);
  if (settings)
    if (auto format = output_is_one_of(*settings, "env", {"text", "json"}); !format)
      settings = format.error();
  if (!settings) {
    err << "vnetdiag: " << settings.error().message << "\n";
    return kExitUnknown;
  }
  const CheckSettings& s = *settings;
  ContextOverrides overrides;
  if (!s.app.value.empty()) overrides.values["app"] = s.app.value;
  if (!s.resource_group.value.empty()) overrides.values["resource_group"] = s.resource_group.value;
  if (!s.subscription.value.empty()) overrides.values["subscription"] = s.subscription.value;
  const AppContext ctx = discover_context(env, s.proc_environ.value, overrides);
  const RouteAll route_all = effective_route_all(ctx, s.route_all.value);
  const ResolvConf resolv = read_resolv_conf(s.resolv_conf.value);
  auto resolvers = build_resolvers(s, resolv, ctx);
  std::vector<std::string> problems = ctx.problems;
  problems.insert(problems.end(), resolv.problems.begin(), resolv.problems.end());
  if (!resolvers) problems.push_back(resolvers.error().message);
  if (!ctx.in_app_service)
    problems.push_back("no WEBSITE_SITE_NAME in this process or PID 1: not the app's container?");

  const CredentialView cred = credential_view(s, env);
  if (s.output.value == "json") {
    nlohmann::json j;
    j["credential"] = {{"used", cred.used.empty() ? nlohmann::json() : nlohmann::json(cred.used)},
                       {"identity", cred.who},
                       {"error", cred.error},
                       {"chain", nlohmann::json::array()}};
    for (const auto& [name, outcome] : cred.chain)
      j["credential"]["chain"].push_back({{"name", name}, {"outcome", outcome}});
    for (const auto& [key, v] : ctx.values)
      j["context"][key] = {{"value", v.value}, {"origin", v.origin}};
    j["in_app_service"] = ctx.in_app_service;
    j["route_all"] = {{"effective", route_all.effective},
                      {"origin", route_all.origin},
                      {"layers", route_all.layers}};
    j["resolv_conf"] = {{"path", s.resolv_conf.value},
                        {"nameservers", resolv.nameservers},
                        {"embedded_resolver", resolv.embedded_resolver},
                        {"upstream_nameservers", resolv.upstream_nameservers},
                        {"options", resolv.options}};
    j["resolvers"] = nlohmann::json::array();
    if (resolvers)
      for (const auto& r : *resolvers)
        j["resolvers"].push_back({{"address", r.label()}, {"origin", r.origin}});
    j["problems"] = problems;
    out << json_text(j, 2) << "\n";
    return 0;
  }
  out << "App Service context" << (ctx.in_app_service ? "" : " (not in an app container)") << "\n";
  for (const auto& [key, var] : context_variables())
    if (const ContextValue* v = ctx.get(key))
      out << "  " << var << " = " << v->value << "  (" << v->origin << ")\n";
  if (const ContextValue* v = ctx.get("subscription"))
    out << "  subscription = " << v->value << "  (" << v->origin << ")\n";
  out << "route-all: " << route_all.effective << "  (" << route_all.origin << ")\n";
  out << "resolv.conf " << s.resolv_conf.value << ": nameservers";
  for (const auto& n : resolv.nameservers) out << " " << n;
  if (resolv.embedded_resolver) out << "; embedded resolver, upstream";
  for (const auto& n : resolv.upstream_nameservers) out << " " << n;
  if (!resolv.options.empty()) out << "; options " << resolv.options;
  out << "\nresolvers vnetdiag asks:\n";
  if (resolvers)
    for (const auto& r : *resolvers) out << "  " << r.label() << "  (" << r.origin << ")\n";
  out << "ARM credential: "
      << (cred.used.empty() ? "none: " + cred.error
                            : cred.used + (cred.who.empty() ? "" : "  (" + cred.who + ")"))
      << "\n";
  for (const auto& [name, outcome] : cred.chain) out << "  " << name << ": " << outcome << "\n";
  for (const auto& p : problems) out << "problem: " << p << "\n";
  return 0;
}

}  // namespace vnetdiag
