#include "env_command.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app_context.hpp"
#include "cli.hpp"
#include "context_rules.hpp"
#include "render.hpp"
#include "resolv_conf.hpp"
#include "targets.hpp"

namespace po = boost::program_options;

namespace vnetdiag {

int env_command(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                std::ostream& out, std::ostream& err) {
  constexpr int kExitUnknown = 3;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(check_options()).run(), vm);
  } catch (const po::error& e) {
    err << "vnetdiag: " << e.what() << " (see 'vnetdiag env --help')\n";
    return kExitUnknown;
  }
  if (vm.count("help")) {
    out << "Usage: vnetdiag env [-o text|json] [--app NAME] [--resolv-conf FILE] [--proc-environ "
           "FILE]\n\n"
           "Prints the App Service context vnetdiag sees (app, resource group, subscription,\n"
           "instance, WEBSITE_* network settings, each with where it came from), the resolvers\n"
           "it would ask, and route-all as far as the environment shows it. Takes the same\n"
           "options as 'vnetdiag check'; targets are ignored.\n\n"
           "Examples:\n  vnetdiag env\n  vnetdiag env -o json\n";
    return 0;
  }
  auto settings = settings_from(vm, env);
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

  if (s.output.value == "json") {
    nlohmann::json j;
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
  for (const auto& p : problems) out << "problem: " << p << "\n";
  return 0;
}

}  // namespace vnetdiag
