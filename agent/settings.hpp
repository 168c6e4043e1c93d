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
};

struct CheckSettings {
  Setting<std::vector<std::string>> keyvaults, cognitives, targets, dns_servers;
  Setting<std::string> cloud{"AzureCloud"};
  Setting<std::string> ca_bundle;
  Setting<std::string> output{"text"};
  Setting<std::string> resolv_conf{"/etc/resolv.conf"};
  Setting<std::string> azure_dns_server;  // empty: 168.63.129.16, asked only inside App Service
  Setting<std::string> proc_environ{"/proc/1/environ"};
  Setting<std::string> route_all;  // "", "on" or "off": overrides what the environment says
  Setting<std::string> app, resource_group, subscription;
  Setting<std::string> arm{"auto"};   // auto (when credentials exist), on, off
  Setting<std::string> arm_endpoint;  // empty: the cloud's
  Setting<std::string> arm_ca_bundle;
  Setting<std::string> token_file;
  Setting<std::string> client_id;
  Setting<double> timeout{10};
  Setting<double> dns_timeout{2};
  Setting<double> connect_timeout{3};
  Setting<double> tls_timeout{3};
  Setting<double> http_timeout{3};
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

}  // namespace vnetdiag
