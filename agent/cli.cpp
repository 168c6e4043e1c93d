#include "cli.hpp"

#include <boost/program_options.hpp>
#include <sstream>

namespace po = boost::program_options;

namespace vnetdiag {
po::options_description check_options() {
  po::options_description targets("Targets");
  targets.add_options()("keyvault", po::value<std::vector<std::string>>()->composing(),
                        "Key Vault NAME or FQDN (repeatable); a bare name gets the cloud's suffix")(
      "cognitive", po::value<std::vector<std::string>>()->composing(),
      "Cognitive Services account NAME (custom subdomain) or FQDN (repeatable)")(
      "target", po::value<std::vector<std::string>>()->composing(),
      "any other HOST[:PORT] reached over HTTPS (repeatable)")(
      "cloud", po::value<std::string>(),
      "AzureCloud (default), AzureUSGovernment or AzureChinaCloud")(
      "app", po::value<std::string>(), "app name (default: WEBSITE_SITE_NAME)")(
      "resource-group", po::value<std::string>(),
      "the app's resource group (default: WEBSITE_RESOURCE_GROUP)")(
      "subscription", po::value<std::string>(),
      "subscription id (default: from WEBSITE_OWNER_NAME)")(
      "config", po::value<std::string>(),
      "JSON file with the same settings (keys: keyvault, cognitive, "
      "target, dns_server, cloud, ca_bundle, output, timeout, ...)");
  po::options_description probing("Probing");
  probing.add_options()(
      "dns-server", po::value<std::vector<std::string>>()->composing(),
      "also ask this resolver, IP[:PORT] (repeatable); resolv.conf's servers are always asked")(
      "resolv-conf", po::value<std::string>(), "resolver file to read (default /etc/resolv.conf)")(
      "azure-dns-server", po::value<std::string>(),
      "address of Azure DNS to compare with (default 168.63.129.16; asked only inside App Service "
      "unless given)")("route-all", po::value<std::string>(),
                       "on|off: the effective route-all setting, when known "
                       "better than WEBSITE_VNET_ROUTE_ALL says")(
      "proc-environ", po::value<std::string>(),
      "where the app's environment is read when this shell "
      "lacks it (default /proc/1/environ)")("ca-bundle", po::value<std::string>(),
                                            "PEM file of trusted CAs (default: the system store)")(
      "timeout", po::value<double>(), "whole-run deadline in seconds (default 10)")(
      "dns-timeout", po::value<double>(), "DNS budget per query in seconds (default 2)")(
      "connect-timeout", po::value<double>(), "TCP connect budget in seconds (default 3)")(
      "tls-timeout", po::value<double>(), "TLS handshake budget in seconds (default 3)")(
      "http-timeout", po::value<double>(), "HTTP answer budget in seconds (default 3)");
  po::options_description arm("Azure configuration (ARM)");
  arm.add_options()(
      "arm",
      "read the app's Azure configuration (default: when credentials exist) and name the "
      "resource and property behind each finding")("no-arm", "do not read the Azure configuration")(
      "arm-endpoint", po::value<std::string>(),
      "ARM endpoint (default: the cloud's; for sovereign clouds and tests)")(
      "arm-ca-bundle", po::value<std::string>(), "PEM file of CAs for ARM and token endpoints")(
      "token-file", po::value<std::string>(),
      "file holding an ARM access token (first in the credential chain)")(
      "client-id", po::value<std::string>(), "client id of a user-assigned managed identity");
  po::options_description output("Output");
  output.add_options()("output,o", po::value<std::string>(), "text (default), json or junit")(
      "no-color", "no colour even on a terminal (NO_COLOR does the same)")("help,h", "this help");
  po::options_description all;
  all.add(targets).add(probing).add(arm).add(output);
  return all;
}

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
  out << "Usage: vnetdiag check [options]\n\n"
         "Resolves every target through every resolver, follows the CNAME chain to the "
         "privatelink\n"
         "alias, connects to each address found (pinned, SNI and certificate checks on the public\n"
         "name) and asks the service itself. Settings come from defaults, then --config, then\n"
         "VNETDIAG_* variables (VNETDIAG_KEYVAULT, VNETDIAG_COGNITIVE, VNETDIAG_TARGET,\n"
         "VNETDIAG_DNS_SERVER, VNETDIAG_CLOUD, VNETDIAG_CA_BUNDLE, VNETDIAG_TIMEOUT,\n"
         "VNETDIAG_OUTPUT, VNETDIAG_CONFIG), then flags.\n\n"
      << check_options()
      << "\nExamples:\n"
         "  vnetdiag check --keyvault securekeyvault2021 --cognitive securecstext2021\n"
         "  vnetdiag check --keyvault kv1.vault.azure.net --dns-server 168.63.129.16 -o json\n"
         "  vnetdiag check --config /home/site/vnetdiag.json -o junit > vnetdiag.xml\n"
         "  vnetdiag check --cloud AzureUSGovernment --keyvault kv1 --timeout 5\n";
  return out.str();
}

Result<CheckSettings> settings_from(const po::variables_map& vm,
                                    const std::map<std::string, std::string>& env) {
  CheckSettings s;
  std::string config;
  if (auto it = env.find("VNETDIAG_CONFIG"); it != env.end() && !it->second.empty())
    config = it->second;
  if (vm.count("config")) config = vm["config"].as<std::string>();
  if (!config.empty())
    if (auto r = apply_config_file(config, s); !r) return r.error();
  if (auto r = apply_environment(env, s); !r) return r.error();

  const auto list = [&](const char* name, Setting<std::vector<std::string>>& setting) {
    if (vm.count(name)) setting.set(vm[name].as<std::vector<std::string>>(), Origin::kFlag);
  };
  list("keyvault", s.keyvaults);
  list("cognitive", s.cognitives);
  list("target", s.targets);
  list("dns-server", s.dns_servers);
  const auto str = [&](const char* name, Setting<std::string>& setting) {
    if (vm.count(name)) setting.set(vm[name].as<std::string>(), Origin::kFlag);
  };
  str("cloud", s.cloud);
  str("ca-bundle", s.ca_bundle);
  str("output", s.output);
  str("resolv-conf", s.resolv_conf);
  str("azure-dns-server", s.azure_dns_server);
  str("route-all", s.route_all);
  str("proc-environ", s.proc_environ);
  str("app", s.app);
  str("resource-group", s.resource_group);
  str("subscription", s.subscription);
  str("arm-endpoint", s.arm_endpoint);
  str("arm-ca-bundle", s.arm_ca_bundle);
  str("token-file", s.token_file);
  str("client-id", s.client_id);
  if (vm.count("arm") && vm.count("no-arm"))
    return fail("--arm and --no-arm contradict each other: give one");
  if (vm.count("arm")) s.arm.set("on", Origin::kFlag);
  if (vm.count("no-arm")) s.arm.set("off", Origin::kFlag);
  const auto num = [&](const char* name, Setting<double>& setting) {
    if (vm.count(name)) setting.set(vm[name].as<double>(), Origin::kFlag);
  };
  num("timeout", s.timeout);
  num("dns-timeout", s.dns_timeout);
  num("connect-timeout", s.connect_timeout);
  num("tls-timeout", s.tls_timeout);
  num("http-timeout", s.http_timeout);
  if (auto r = validate(s); !r) return r.error();
  return s;
}

Result<ParsedCheck> parse_check(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env) {
  ParsedCheck parsed;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(check_options()).run(), vm);
  } catch (const po::error& e) {
    return fail(std::string(e.what()) + " (see 'vnetdiag check --help')");
  }
  if (vm.count("help")) {
    parsed.help = true;
    return parsed;
  }
  auto settings = settings_from(vm, env);
  if (!settings) return settings.error();
  parsed.settings = std::move(*settings);
  parsed.no_color = vm.count("no-color") > 0;
  return parsed;
}

}  // namespace vnetdiag
