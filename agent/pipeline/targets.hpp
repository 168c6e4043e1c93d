#pragma once
// Turns what the user named (vault and account names or FQDNs, host:port targets, resolver
// addresses) into the probe plan's targets and resolvers, rejecting what cannot be a DNS name or
// IP.
#include <string>
#include <vector>

#include "app_context.hpp"
#include "cloud.hpp"
#include "model.hpp"
#include "resolv_conf.hpp"
#include "result.hpp"
#include "settings.hpp"

namespace vnetdiag {

bool is_dns_name(const std::string& name);
Result<Target> keyvault_target(const std::string& name_or_fqdn, const Cloud& cloud);
Result<Target> cognitive_target(const std::string& name_or_fqdn, const Cloud& cloud);
Result<Target> custom_target(const std::string& host_port);
Result<Resolver> parse_dns_server(const std::string& text, const std::string& origin);

Result<std::vector<Target>> build_targets(const CheckSettings& settings, const Cloud& cloud);
inline constexpr const char* kAzureDnsAddress = "168.63.129.16";

// The resolvers the app may use, each asked separately: resolv.conf's servers, the embedded
// resolver's upstream servers, WEBSITE_DNS_SERVER and _ALT, Azure DNS, and --dns-server.
Result<std::vector<Resolver>> build_resolvers(const CheckSettings& settings,
                                              const ResolvConf& resolv, const AppContext& context);

}  // namespace vnetdiag
