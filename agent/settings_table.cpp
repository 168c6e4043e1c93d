#include "settings_table.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "cloud.hpp"
#include "emit.hpp"

namespace po = boost::program_options;

namespace vnetdiag {
namespace {

std::vector<std::string> cloud_choices() {
  std::vector<std::string> out;
  for (auto name : cloud_names()) out.emplace_back(name);
  return out;
}
std::vector<std::string> output_formats() { return {"text", "json", "junit", "html", "svg"}; }
std::vector<std::string> on_off() { return {"on", "off"}; }

constexpr unsigned kServeOnly = kServe, kFixOnly = kFix;
constexpr double kDay = 86400;

// In --help order within each section.
const SettingRow kTable[] = {
    // Targets
    {.flag = "keyvault",
     .env = "VNETDIAG_KEYVAULT",
     .key = "keyvault",
     .kind = Kind::kList,
     .section = Section::kTargets,
     .field = &CheckSettings::keyvaults,
     .help = "Key Vault NAME or FQDN (repeatable); a bare name gets the cloud's suffix",
     .value_name = "NAME"},
    {.flag = "cognitive",
     .env = "VNETDIAG_COGNITIVE",
     .key = "cognitive",
     .kind = Kind::kList,
     .section = Section::kTargets,
     .field = &CheckSettings::cognitives,
     .help = "Cognitive Services account NAME (custom subdomain) or FQDN (repeatable)",
     .value_name = "NAME"},
    {.flag = "target",
     .env = "VNETDIAG_TARGET",
     .key = "target",
     .kind = Kind::kList,
     .section = Section::kTargets,
     .field = &CheckSettings::targets,
     .help = "any other HOST[:PORT] reached over HTTPS (repeatable)",
     .value_name = "HOST[:PORT]"},
    {.flag = "cloud",
     .env = "VNETDIAG_CLOUD",
     .key = "cloud",
     .kind = Kind::kChoice,
     .default_value = "AzureCloud",
     .section = Section::kTargets,
     .field = &CheckSettings::cloud,
     .help = "AzureCloud (default), AzureUSGovernment or AzureChinaCloud",
     .value_name = "NAME",
     .choices = cloud_choices,
     .any_case = true,
     .invalid = "unknown cloud '{value}': use one of {list}"},
    {.flag = "app",
     .key = "app",
     .section = Section::kTargets,
     .field = &CheckSettings::app,
     .help = "app name (default: WEBSITE_SITE_NAME)",
     .value_name = "NAME"},
    {.flag = "resource-group",
     .key = "resource_group",
     .section = Section::kTargets,
     .field = &CheckSettings::resource_group,
     .help = "the app's resource group (default: WEBSITE_RESOURCE_GROUP)",
     .value_name = "NAME"},
    {.flag = "subscription",
     .key = "subscription",
     .section = Section::kTargets,
     .field = &CheckSettings::subscription,
     .help = "subscription id (default: from WEBSITE_OWNER_NAME)",
     .value_name = "ID"},
    {.flag = "config",
     .env = "VNETDIAG_CONFIG",
     .section = Section::kTargets,
     .field = &CheckSettings::config,
     .help = "JSON file with the same settings (keys: keyvault, cognitive, "
             "target, dns_server, cloud, ca_bundle, output, timeout, ...)",
     .value_name = "FILE"},
    // Probing
    {.flag = "dns-server",
     .env = "VNETDIAG_DNS_SERVER",
     .key = "dns_server",
     .kind = Kind::kList,
     .section = Section::kProbing,
     .field = &CheckSettings::dns_servers,
     .help = "also ask this resolver, IP[:PORT] (repeatable); resolv.conf's servers are always "
             "asked",
     .value_name = "IP[:PORT]"},
    {.flag = "resolv-conf",
     .key = "resolv_conf",
     .default_value = "/etc/resolv.conf",
     .section = Section::kProbing,
     .field = &CheckSettings::resolv_conf,
     .help = "resolver file to read (default /etc/resolv.conf)",
     .value_name = "FILE"},
    {.flag = "azure-dns-server",
     .env = "VNETDIAG_AZURE_DNS_SERVER",
     .key = "azure_dns_server",
     .section = Section::kProbing,
     .field = &CheckSettings::azure_dns_server,
     .help = "address of Azure DNS to compare with (default 168.63.129.16; asked only inside App "
             "Service unless given)",
     .value_name = "IP[:PORT]"},
    {.flag = "route-all",
     .env = "VNETDIAG_ROUTE_ALL",
     .key = "route_all",
     .kind = Kind::kChoice,
     .section = Section::kProbing,
     .field = &CheckSettings::route_all,
     .help = "on|off: the effective route-all setting, when known better than "
             "WEBSITE_VNET_ROUTE_ALL says",
     .value_name = "on|off",
     .choices = on_off,
     .invalid = "{flag} must be {'or'}, not '{value}'"},
    {.flag = "proc-environ",
     .default_value = "/proc/1/environ",
     .section = Section::kProbing,
     .field = &CheckSettings::proc_environ,
     .help = "where the app's environment is read when this shell lacks it (default "
             "/proc/1/environ)",
     .value_name = "FILE"},
    {.flag = "ca-bundle",
     .env = "VNETDIAG_CA_BUNDLE",
     .key = "ca_bundle",
     .section = Section::kProbing,
     .field = &CheckSettings::ca_bundle,
     .help = "PEM file of trusted CAs (default: the system store)",
     .value_name = "FILE"},
    {.flag = "timeout",
     .env = "VNETDIAG_TIMEOUT",
     .key = "timeout",
     .kind = Kind::kSeconds,
     .default_value = "10",
     .section = Section::kProbing,
     .field = &CheckSettings::timeout,
     .help = "whole-run deadline in seconds (default 10)",
     .value_name = "SECONDS",
     .min = 0,
     .max = 3600},
    {.flag = "dns-timeout",
     .key = "dns_timeout",
     .kind = Kind::kSeconds,
     .default_value = "2",
     .section = Section::kProbing,
     .field = &CheckSettings::dns_timeout,
     .help = "DNS budget per query in seconds (default 2)",
     .value_name = "SECONDS",
     .min = 0,
     .max = 3600},
    {.flag = "connect-timeout",
     .key = "connect_timeout",
     .kind = Kind::kSeconds,
     .default_value = "3",
     .section = Section::kProbing,
     .field = &CheckSettings::connect_timeout,
     .help = "TCP connect budget in seconds (default 3)",
     .value_name = "SECONDS",
     .min = 0,
     .max = 3600},
    {.flag = "tls-timeout",
     .key = "tls_timeout",
     .kind = Kind::kSeconds,
     .default_value = "3",
     .section = Section::kProbing,
     .field = &CheckSettings::tls_timeout,
     .help = "TLS handshake budget in seconds (default 3)",
     .value_name = "SECONDS",
     .min = 0,
     .max = 3600},
    {.flag = "http-timeout",
     .key = "http_timeout",
     .kind = Kind::kSeconds,
     .default_value = "3",
     .section = Section::kProbing,
     .field = &CheckSettings::http_timeout,
     .help = "HTTP answer budget in seconds (default 3)",
     .value_name = "SECONDS",
     .min = 0,
     .max = 3600},
    // Azure configuration (ARM)
    {.flag = "arm",
     .kind = Kind::kSwitch,
     .default_value = "auto",
     .section = Section::kArm,
     .field = &CheckSettings::arm,
     .help = "read the app's Azure configuration (default: when credentials exist) and name the "
             "resource and property behind each finding",
     .on_value = "on",
     .off_flag = "no-arm",
     .off_value = "off",
     .off_help = "do not read the Azure configuration"},
    {.flag = "arm-endpoint",
     .env = "VNETDIAG_ARM_ENDPOINT",
     .key = "arm_endpoint",
     .section = Section::kArm,
     .field = &CheckSettings::arm_endpoint,
     .help = "ARM endpoint (default: the cloud's; for sovereign clouds and tests)",
     .value_name = "URL"},
    {.flag = "arm-ca-bundle",
     .env = "VNETDIAG_ARM_CA_BUNDLE",
     .key = "arm_ca_bundle",
     .section = Section::kArm,
     .field = &CheckSettings::arm_ca_bundle,
     .help = "PEM file of CAs for ARM and token endpoints",
     .value_name = "FILE"},
    {.flag = "token-file",
     .section = Section::kArm,
     .field = &CheckSettings::token_file,
     .help = "file holding an ARM access token (first in the credential chain)",
     .value_name = "FILE"},
    {.flag = "client-id",
     .key = "client_id",
     .section = Section::kArm,
     .field = &CheckSettings::client_id,
     .help = "client id of a user-assigned managed identity (default: AZURE_CLIENT_ID)",
     .value_name = "ID"},
    {.flag = "search-subscription",
     .key = "search_subscription",
     .kind = Kind::kList,
     .section = Section::kArm,
     .field = &CheckSettings::search_subscriptions,
     .help = "also search this subscription for zones, targets and DNS resolvers when Resource "
             "Graph cannot be used (repeatable); the app's and every one a reference names are "
             "searched anyway",
     .value_name = "ID"},
    {.flag = "no-resource-graph",
     .kind = Kind::kSwitch,
     .section = Section::kArm,
     .field = &CheckSettings::no_resource_graph,
     .help = "locate resources with subscription-level lists instead of Azure Resource Graph"},
    // Output
    {.flag = "output",
     .short_flag = 'o',
     .env = "VNETDIAG_OUTPUT",
     .key = "output",
     .kind = Kind::kChoice,
     .default_value = "text",
     .section = Section::kOutput,
     .field = &CheckSettings::output,
     .help = "text (default), json, junit, html (the chain view: one self-contained page) or "
             "svg (the chain picture alone)",
     .value_name = "FORMAT",
     .choices = output_formats,
     .invalid = "unknown output format '{value}': use {or}"},
    {.flag = "no-color",
     .kind = Kind::kSwitch,
     .section = Section::kOutput,
     .field = &CheckSettings::no_color,
     .help = "no colour even on a terminal (NO_COLOR does the same)"},
    {.flag = "help",
     .short_flag = 'h',
     .kind = Kind::kSwitch,
     .section = Section::kOutput,
     .help = "this help"},
    // serve
    {.flag = "listen",
     .default_value = "127.0.0.1:8080",
     .section = Section::kServing,
     .commands = kServeOnly,
     .field = &CheckSettings::listen,
     .help = "ADDR:PORT to listen on (default 127.0.0.1:8080); beyond loopback only when asked, "
             "e.g. 0.0.0.0:8080 in App Service",
     .value_name = "ADDR:PORT"},
    {.flag = "interval",
     .kind = Kind::kSeconds,
     .default_value = "30",
     .section = Section::kServing,
     .commands = kServeOnly,
     .field = &CheckSettings::interval,
     .help = "seconds between checks (default 30); the first runs at start",
     .value_name = "SECONDS",
     .min = 1,
     .max = kDay,
     .min_allowed = true},
    {.flag = "arm-interval",
     .kind = Kind::kSeconds,
     .default_value = "300",
     .section = Section::kServing,
     .commands = kServeOnly,
     .field = &CheckSettings::arm_interval,
     .help = "seconds between reads of the Azure configuration (default 300); checks in between "
             "join the planes from the last read",
     .value_name = "SECONDS",
     .min = 0,
     .max = kDay,
     .min_allowed = true},
    {.flag = "otlp",
     .env = "VNETDIAG_OTLP",
     .key = "otlp",
     .section = Section::kServing,
     .commands = kServeOnly,
     .field = &CheckSettings::otlp,
     .help = "after each check push its metrics and one span to this OTLP/HTTP collector (JSON; "
             "https, or http to loopback only, e.g. http://127.0.0.1:4318)",
     .value_name = "URL"},
    // A credential: no VNETDIAG_* variable and no config key; serve reads
    // APPLICATIONINSIGHTS_CONNECTION_STRING when the flag is absent, and never shows the value.
    {.flag = "app-insights-connection-string",
     .section = Section::kServing,
     .commands = kServeOnly,
     .field = &CheckSettings::app_insights_connection_string,
     .help = "after each check send an availability result per target to this Application "
             "Insights resource (default: APPLICATIONINSIGHTS_CONNECTION_STRING; https only)",
     .value_name = "TEXT"},
    {.flag = "evidence",
     .section = Section::kOutput,
     .commands = kCheck | kFix,
     .field = &CheckSettings::evidence,
     .help = "also write an evidence bundle (.tar.gz) for support: the report, each resolver's "
             "answers, the certificates presented, resolv.conf, the WEBSITE_* settings and the "
             "Azure resources read, secrets left out; with fix also the plan and the journal of "
             "ARM calls (README: Evidence bundle)",
     .value_name = "FILE"},
    {.flag = "all-instances",
     .kind = Kind::kSwitch,
     .section = Section::kArm,
     .commands = kCheck,
     .field = &CheckSettings::all_instances,
     .help = "gather the last report of every instance ARM lists for the app (from the shared "
             "--instances-dir, else Kudu with the ARM token) and show where they differ"},
    {.flag = "instances-dir",
     .section = Section::kOutput,
     .commands = kCheck | kServe,
     .field = &CheckSettings::instances_dir,
     .help = "directory of the per-instance report files: serve writes its own there after each "
             "check, check --all-instances reads them (default $HOME/LogFiles/vnetdiag/instances "
             "inside App Service)",
     .value_name = "DIR"},
    {.flag = "scm-endpoint",
     .section = Section::kArm,
     .commands = kCheck,
     .field = &CheckSettings::scm_endpoint,
     .help = "SCM (Kudu) base URL for --all-instances (default: the site's Repository host name "
             "from ARM); a host outside the cloud's App Service domain needs --arm-ca-bundle",
     .value_name = "URL"},
    // fix
    {.flag = "apply",
     .kind = Kind::kSwitch,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::apply,
     .help = "apply the plan (asks for confirmation on a terminal; needs --yes otherwise)"},
    {.flag = "yes",
     .kind = Kind::kSwitch,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::yes,
     .help = "do not ask: apply right away"},
    {.flag = "allow-replace",
     .kind = Kind::kSwitch,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::allow_replace,
     .help = "replace a private endpoint whose connection was Rejected or Disconnected: a new one "
             "(new name, same subnet, target and DNS zone group), the old one deleted only once "
             "the new one is Approved and the name resolves to it; and delete the link of a "
             "duplicate privatelink zone that conflicts (never the zone or its records)"},
    {.flag = "allow-subscription",
     .kind = Kind::kList,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::allow_subscriptions,
     .help = "also write in this subscription (repeatable; default: only the app's own); a step "
             "elsewhere is shown, not applied, and fix applies nothing",
     .value_name = "ID"},
    {.flag = "force-owned",
     .kind = Kind::kSwitch,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::force_owned,
     .help = "apply even where IaC owns what the plan changes (managed-by, azd-env-name or "
             "hidden-link tags, a template deployment's output) or a lock covers it; without it "
             "fix --apply refuses and suggests --emit"},
    {.flag = "emit",
     .kind = Kind::kChoice,
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::emit,
     .help = "print the plan as code to merge into what owns the estate, and change nothing: az "
             "(az rest calls), terraform (azapi resources) or bicep (a module per resource group)",
     .value_name = "FORMAT",
     .choices = fix::emit_formats,
     .invalid = "unknown --emit format '{value}': use {or}"},
    {.flag = "out",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::out,
     .help = "save the plan (JSON) to this file",
     .value_name = "FILE"},
    {.flag = "plan",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::plan,
     .help = "apply this saved plan, only if planning now gives the same steps (the world has not "
             "changed since)",
     .value_name = "FILE"},
    {.flag = "journal",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::journal,
     .help = "append every ARM call and step outcome to this file (JSON lines)",
     .value_name = "FILE"},
    {.flag = "location",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::location,
     .help = "region for new resources (default: the app's)",
     .value_name = "REGION"},
    {.flag = "vnet-name",
     .default_value = "securebackend-vnet",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::vnet_name,
     .help = "name of a VNet to create (default securebackend-vnet)",
     .value_name = "NAME"},
    {.flag = "vnet-prefix",
     .default_value = "10.0.0.0/16",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::vnet_prefix,
     .help = "its address space (default 10.0.0.0/16)",
     .value_name = "CIDR"},
    {.flag = "integration-subnet",
     .default_value = "vnet-integration-subnet",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::integration_subnet,
     .help = "integration subnet name (default vnet-integration-subnet)",
     .value_name = "NAME"},
    {.flag = "integration-prefix",
     .default_value = "10.0.0.0/24",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::integration_prefix,
     .help = "its prefix (default 10.0.0.0/24)",
     .value_name = "CIDR"},
    {.flag = "endpoint-subnet",
     .default_value = "private-endpoint-subnet",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::endpoint_subnet,
     .help = "private-endpoint subnet name (default private-endpoint-subnet)",
     .value_name = "NAME"},
    {.flag = "endpoint-prefix",
     .default_value = "10.0.1.0/24",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::endpoint_prefix,
     .help = "its prefix (default 10.0.1.0/24)",
     .value_name = "CIDR"},
    {.flag = "verify-timeout",
     .kind = Kind::kSeconds,
     .default_value = "180",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::verify_timeout,
     .help = "seconds to wait for the private path before locking down (default 180)",
     .value_name = "SECONDS"},
    {.flag = "operation-timeout",
     .kind = Kind::kSeconds,
     .default_value = "600",
     .section = Section::kFix,
     .commands = kFixOnly,
     .field = &CheckSettings::operation_timeout,
     .help = "seconds to follow one long-running ARM operation before giving up on it (default "
             "600)",
     .value_name = "SECONDS",
     .min = 0,
     .max = kDay},
};

constexpr Section kSections[] = {Section::kServing, Section::kTargets, Section::kProbing,
                                 Section::kArm,     Section::kOutput,  Section::kFix};
bool shared(Section s) { return s != Section::kServing && s != Section::kFix; }

void add_option(po::options_description& group, const SettingRow& row) {
  std::string name(row.flag);
  if (row.short_flag) name += std::string(",") + row.short_flag;
  const std::string help(row.help);
  switch (row.kind) {
    case Kind::kList:
      group.add_options()(name.c_str(), po::value<std::vector<std::string>>()->composing(),
                          help.c_str());
      break;
    case Kind::kSeconds:
      group.add_options()(name.c_str(), po::value<double>(), help.c_str());
      break;
    case Kind::kString:
    case Kind::kChoice:
      group.add_options()(name.c_str(), po::value<std::string>(), help.c_str());
      break;
    case Kind::kSwitch:
      group.add_options()(name.c_str(), help.c_str());
      if (!row.off_flag.empty())
        group.add_options()(std::string(row.off_flag).c_str(), std::string(row.off_help).c_str());
      break;
  }
}

po::options_description section_options(Section section, Command command) {
  po::options_description group{std::string(caption(section))};
  for (const auto& row : kTable)
    if (row.section == section && (row.commands & command)) add_option(group, row);
  return group;
}

bool any_in(Section section, Command command) {
  for (const auto& row : kTable)
    if (row.section == section && (row.commands & command)) return true;
  return false;
}

}  // namespace

std::string_view caption(Section section) {
  switch (section) {
    case Section::kServing:
      return "Serving";
    case Section::kTargets:
      return "Targets";
    case Section::kProbing:
      return "Probing";
    case Section::kArm:
      return "Azure configuration (ARM)";
    case Section::kOutput:
      return "Output";
    case Section::kFix:
      return "Fix";
  }
  return "";
}

std::string_view command_name(Command command) {
  switch (command) {
    case kCheck:
      return "check";
    case kServe:
      return "serve";
    case kFix:
      return "fix";
    case kEnv:
      return "env";
    case kAllCommands:
      break;
  }
  return "";
}

std::span<const SettingRow> settings_table() { return kTable; }

const SettingRow* find_setting(std::string_view flag) {
  for (const auto& row : kTable)
    if (row.flag == flag) return &row;
  return nullptr;
}

po::options_description options_for(Command command) {
  // The shared sections in a group of their own, as serve and fix have always printed them.
  po::options_description common;
  for (Section s : kSections)
    if (shared(s) && any_in(s, command)) common.add(section_options(s, command));
  bool own = false;
  for (Section s : kSections) own = own || (!shared(s) && any_in(s, command));
  if (!own) return common;
  po::options_description all;
  if (any_in(Section::kServing, command)) all.add(section_options(Section::kServing, command));
  all.add(common);
  if (any_in(Section::kFix, command)) all.add(section_options(Section::kFix, command));
  return all;
}

std::string default_text(const SettingRow& row) {
  if (row.kind == Kind::kSwitch && row.default_value.empty()) return "off";
  return std::string(row.default_value);
}

std::string join_or(const std::vector<std::string>& items, bool quoted) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += quoted ? "'" + items[i] + "'" : items[i];
  }
  return out;
}

std::string wrap(const std::string& text, std::size_t width) {
  std::istringstream words(text);
  std::string word, out, line;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

// The defaults, from the table (switches without one are false, lists empty).
CheckSettings::CheckSettings() {
  for (const auto& row : kTable) {
    if (row.default_value.empty()) continue;
    const std::string text(row.default_value);
    if (auto m = std::get_if<Member<std::string>>(&row.field)) (this->*(*m)).value = text;
    if (auto m = std::get_if<Member<double>>(&row.field)) (this->*(*m)).value = std::stod(text);
  }
}

}  // namespace vnetdiag
