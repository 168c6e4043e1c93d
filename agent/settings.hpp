#pragma once
// Settings of a check, filled from defaults, config file, environment and flags in that order,
// each value remembering where it came from (shown in reports: a wrong value is easier to fix
// when its source is known).
#include <map>
#include <string>
#include <vector>

#include "result.hpp"

namespace vnetdiag {

enum class Origin { kDefault, kConfig, kEnvironment, kFlag };
const char* to_string(Origin origin);

template <class T>
struct Setting {
  T value{};
  Origin origin = Origin::kDefault;
  void set(T v, Origin o) {
    value = std::move(v);
    origin = o;
  }
  bool given() const { return origin != Origin::kDefault; }
};

// One field per row of the settings table (settings_table.cpp), which also gives each its
// default, flag, VNETDIAG_* variable and config-file key. Serve's and fix's own settings are here
// too (ignored by the commands that do not take them), so one parse fills everything.
struct CheckSettings {
  CheckSettings();  // the table's defaults
  Setting<std::vector<std::string>> keyvaults, cognitives, targets, dns_servers;
  Setting<std::string> cloud;
  Setting<std::string> config;  // the config file read (--config or VNETDIAG_CONFIG)
  Setting<std::string> ca_bundle;
  Setting<std::string> output;
  Setting<std::string> resolv_conf;
  Setting<std::string> azure_dns_server;  // empty: 168.63.129.16, asked only inside App Service
  Setting<std::string> proc_environ;
  Setting<std::string> route_all;  // "", "on" or "off": overrides what the environment says
  Setting<std::string> app, resource_group, subscription;
  Setting<std::string> arm;           // auto (when credentials exist), on, off
  Setting<std::string> arm_endpoint;  // empty: the cloud's
  Setting<std::string> arm_ca_bundle;
  Setting<std::string> token_file;
  Setting<std::string> client_id;
  Setting<std::vector<std::string>> search_subscriptions;  // searched when Resource Graph is not
  Setting<bool> no_resource_graph;
  Setting<double> timeout;
  Setting<double> dns_timeout;
  Setting<double> connect_timeout;
  Setting<double> tls_timeout;
  Setting<double> http_timeout;
  Setting<bool> no_color;
  // serve
  Setting<std::string> listen;
  Setting<double> interval;
  Setting<double> arm_interval;
  Setting<std::string> otlp;                            // OTLP/HTTP base URL to push to
  Setting<std::string> app_insights_connection_string;  // a credential: never shown
  // fix (the names' defaults are the planner's; only a given value is passed on)
  Setting<bool> apply, yes;
  Setting<bool> allow_replace;  // an endpoint Rejected or Disconnected may be replaced
  Setting<bool> force_owned;    // fix --apply writes even what IaC tags, deployments or locks own
  Setting<std::string> emit;    // fix --emit: az | terraform | bicep (no ARM write)
  // Subscriptions besides the app's in which fix may write (--allow-subscription, repeatable).
  Setting<std::vector<std::string>> allow_subscriptions;
  Setting<std::string> out, plan, journal;
  Setting<std::string> evidence;  // check --evidence: the bundle's path
  // check --all-instances: every instance's last report (ARM sites/instances, shared /home or
  // Kudu); serve and check: where the per-instance report files are (default
  // $HOME/LogFiles/vnetdiag/instances); check: the SCM (Kudu) base URL instead of the site's own.
  Setting<bool> all_instances;
  Setting<std::string> instances_dir, scm_endpoint;
  Setting<std::string> location, vnet_name, vnet_prefix, integration_subnet, integration_prefix,
      endpoint_subnet, endpoint_prefix;
  Setting<double> verify_timeout;
  Setting<double> operation_timeout;
};

// Applies a JSON config file's values (Origin::kConfig). Unknown keys and wrong types are errors.
Result<bool> apply_config_file(const std::string& path, CheckSettings& settings);
// Applies VNETDIAG_* variables (Origin::kEnvironment); lists are comma-separated.
Result<bool> apply_environment(const std::map<std::string, std::string>& env,
                               CheckSettings& settings);
// The process environment as a map.
std::map<std::string, std::string> process_environment();

// Checks value ranges and choices once everything is applied.
Result<bool> validate(const CheckSettings& settings);

// -o choices are shared by every command, but only check draws html, svg and junit: an error
// naming what `command` writes when the output asked for is not among `formats` ("text, json").
Result<bool> output_is_one_of(const CheckSettings& settings, const std::string& command,
                              const std::vector<std::string>& formats);

}  // namespace vnetdiag
