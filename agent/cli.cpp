#include "cli.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "settings_table.hpp"

namespace po = boost::program_options;

namespace vnetdiag {
po::options_description check_options() { return options_for(kCheck); }

std::string general_help() {
  return "vnetdiag: is this App Service app reaching its Key Vault and Cognitive Services only\n"
         "through their private endpoints? Checks DNS, TCP, TLS and the services' own answer.\n\n"
         "Usage: vnetdiag COMMAND [options]\n\n"
         "Commands:\n"
         "  check     probe the targets once and report (exit 0 ok, 1 warning, 2 critical, 3 "
         "unknown)\n"
         "  fix       plan (and with --apply, make) the ARM changes that repair the setup\n"
         "  serve     check on an interval and serve the result over HTTP (/livez /readyz /metrics "
         "...)\n"
         "  env       show the App Service context, resolvers and route-all vnetdiag sees\n"
         "  version   print version and library versions\n\n"
         "Run 'vnetdiag COMMAND --help' for a command's options and examples.\n";
}

std::string check_help() {
  std::ostringstream out;
  std::string variables;
  for (const auto& row : settings_table())
    if (!row.env.empty()) variables += (variables.empty() ? "" : ", ") + std::string(row.env);
  out << "Usage: vnetdiag check [options]\n\n"
      << wrap(
             "Resolves every target through every resolver, follows the CNAME chain to the "
             "privatelink alias, connects to each address found (pinned, SNI and certificate "
             "checks on the public name) and asks the service itself. Settings come from "
             "defaults, then --config, then VNETDIAG_* variables (" +
                 variables + "), then flags.",
             88)
      << "\n"
      << check_options()
      << "\nExamples:\n"
         "  vnetdiag check --keyvault securekeyvault2021 --cognitive securecstext2021\n"
         "  vnetdiag check --keyvault kv1.vault.azure.net --dns-server 168.63.129.16 -o json\n"
         "  vnetdiag check --config /home/site/vnetdiag.json -o junit > vnetdiag.xml\n"
         "  vnetdiag check --cloud AzureUSGovernment --keyvault kv1 --timeout 5\n"
         "  vnetdiag check --all-instances   # every instance's last serve report, where they "
         "differ\n";
  return out.str();
}

Result<CheckSettings> settings_from(const po::variables_map& vm,
                                    const std::map<std::string, std::string>& env) {
  CheckSettings s;
  std::string config;
  const SettingRow& config_row = *find_setting("config");
  if (auto it = env.find(std::string(config_row.env)); it != env.end() && !it->second.empty())
    config = it->second;
  if (vm.count("config")) config = vm["config"].as<std::string>();
  if (!config.empty())
    if (auto r = apply_config_file(config, s); !r) return r.error();
  if (auto r = apply_environment(env, s); !r) return r.error();

  for (const auto& row : settings_table()) {
    const std::string flag(row.flag);
    if (auto list = std::get_if<Member<std::vector<std::string>>>(&row.field)) {
      if (vm.count(flag)) (s.*(*list)).set(vm[flag].as<std::vector<std::string>>(), Origin::kFlag);
    } else if (auto num = std::get_if<Member<double>>(&row.field)) {
      if (vm.count(flag)) (s.*(*num)).set(vm[flag].as<double>(), Origin::kFlag);
    } else if (auto on = std::get_if<Member<bool>>(&row.field)) {
      if (vm.count(flag)) (s.*(*on)).set(true, Origin::kFlag);
    } else if (auto str = std::get_if<Member<std::string>>(&row.field)) {
      if (row.kind != Kind::kSwitch) {
        if (vm.count(flag)) (s.*(*str)).set(vm[flag].as<std::string>(), Origin::kFlag);
        continue;
      }
      const std::string off(row.off_flag);
      if (vm.count(flag) && !off.empty() && vm.count(off))
        return fail("--" + flag + " and --" + off + " contradict each other: give one");
      if (vm.count(flag)) (s.*(*str)).set(std::string(row.on_value), Origin::kFlag);
      if (!off.empty() && vm.count(off)) (s.*(*str)).set(std::string(row.off_value), Origin::kFlag);
    }
  }
  if (auto r = validate(s); !r) return r.error();
  return s;
}

namespace {

// Reaches the tokens Boost keeps for its message (a protected member of the error).
struct OptionErrorTokens : po::error_with_option_name {
  static std::map<std::string, std::string>& of(po::error_with_option_name& e) {
    return e.*(&OptionErrorTokens::m_substitutions);
  }
};

}  // namespace

std::string option_error_text(po::error& e) {
  if (auto* named = dynamic_cast<po::error_with_option_name*>(&e)) {
    for (auto& entry : OptionErrorTokens::of(*named)) {
      std::string escaped;
      for (char c : entry.second) escaped += c == '%' ? std::string("%25") : std::string(1, c);
      entry.second = escaped;
    }
  }
  return e.what();
}

Result<ParsedCheck> parse_check(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env) {
  ParsedCheck parsed;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(check_options()).run(), vm);
  } catch (po::error& e) {
    return fail(option_error_text(e) + " (see 'vnetdiag check --help')");
  }
  if (vm.count("help")) {
    parsed.help = true;
    return parsed;
  }
  auto settings = settings_from(vm, env);
  if (!settings) return settings.error();
  parsed.settings = std::move(*settings);
  parsed.no_color = parsed.settings.no_color.value;
  return parsed;
}

}  // namespace vnetdiag
