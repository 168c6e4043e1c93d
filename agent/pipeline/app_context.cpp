#include "app_context.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <fstream>
#include <string_view>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

bool is_ip(const std::string& s) {
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, s.c_str(), &a4) == 1 || inet_pton(AF_INET6, s.c_str(), &a6) == 1;
}

std::string read_bounded(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string data(limit, '\0');
  in.read(data.data(), static_cast<std::streamsize>(limit));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& context_variables() {
  static const std::vector<std::pair<std::string, std::string>> vars = {
      {"app", "WEBSITE_SITE_NAME"},
      {"resource_group", "WEBSITE_RESOURCE_GROUP"},
      {"owner_name", "WEBSITE_OWNER_NAME"},
      {"slot", "WEBSITE_SLOT_NAME"},
      {"instance_id", "WEBSITE_INSTANCE_ID"},
      {"region", "REGION_NAME"},
      {"sku", "WEBSITE_SKU"},
      {"hostname", "WEBSITE_HOSTNAME"},
      {"private_ip", "WEBSITE_PRIVATE_IP"},
      {"dns_server", "WEBSITE_DNS_SERVER"},
      {"dns_alt_server", "WEBSITE_DNS_ALT_SERVER"},
      {"route_all", "WEBSITE_VNET_ROUTE_ALL"},
      {"always_fallback_to_public_dns", "WEBSITE_ALWAYS_FALLBACK_TO_PUBLIC_DNS"},
      {"dns_attempts", "WEBSITE_DNS_ATTEMPTS"},
      {"dns_timeout", "WEBSITE_DNS_TIMEOUT"},
      {"dns_max_cache_timeout", "WEBSITE_DNS_MAX_CACHE_TIMEOUT"},
      {"enable_dns_cache", "WEBSITE_ENABLE_DNS_CACHE"},
  };
  return vars;
}

namespace {

bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool is_alnum(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}

}  // namespace

// "<subscription>+<resource group>-<region>webspace[-Linux]", read left to right in linear time:
// the value comes from the environment being diagnosed, so it may be anything and any length.
std::optional<OwnerName> parse_owner_name(const std::string& owner) {
  const auto plus = owner.find('+');
  if (plus == std::string::npos || plus == 0) return std::nullopt;
  OwnerName out;
  out.subscription = owner.substr(0, plus);
  if (!is_guid(out.subscription)) return std::nullopt;
  std::string_view tail(owner);
  tail.remove_prefix(plus + 1);
  if (ends_with(tail, "-Linux")) tail.remove_suffix(6);
  constexpr std::string_view kWebspace = "webspace";
  if (tail.size() < kWebspace.size() || tail.substr(tail.size() - kWebspace.size()) != kWebspace)
    return out;
  tail.remove_suffix(kWebspace.size());
  const auto dash = tail.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return out;
  const std::string_view region = tail.substr(dash + 1);
  if (!is_alnum(region)) return out;
  out.webspace_resource_group = std::string(tail.substr(0, dash));
  out.region = std::string(region);
  return out;
}

std::map<std::string, std::string> parse_environ_block(const std::string& block) {
  std::map<std::string, std::string> env;
  for (const auto& entry : split(block, '\0')) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

InstanceLabels instance_labels(const AppContext& ctx) {
  InstanceLabels l{ctx.value_or("instance_id", ""), ctx.value_or("app", ""),
                   ctx.value_or("slot", "")};
  if (l.slot.empty() && ctx.in_app_service) l.slot = "Production";
  return l;
}

const ContextValue* AppContext::get(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? nullptr : &it->second;
}

std::string AppContext::value_or(const std::string& key, const std::string& fallback) const {
  const ContextValue* v = get(key);
  return v ? v->value : fallback;
}

AppContext discover_context(const std::map<std::string, std::string>& env,
                            const std::string& pid1_environ_path,
                            const ContextOverrides& overrides) {
  AppContext ctx;
  std::map<std::string, std::string> pid1;
  const bool own_env_has_app = env.count("WEBSITE_SITE_NAME") > 0;
  if (!own_env_has_app && !pid1_environ_path.empty())
    pid1 = parse_environ_block(read_bounded(pid1_environ_path, 1 << 20));

  for (const auto& [key, var] : context_variables()) {
    if (auto it = env.find(var); it != env.end())
      ctx.values[key] = {it->second, "environment"};
    else if (auto p = pid1.find(var); p != pid1.end())
      ctx.values[key] = {p->second, pid1_environ_path};
  }
  ctx.in_app_service = ctx.get("app") != nullptr;

  if (const ContextValue* owner = ctx.get("owner_name")) {
    if (auto parsed = parse_owner_name(owner->value)) {
      ctx.values["subscription"] = {parsed->subscription, "WEBSITE_OWNER_NAME"};
      if (!ctx.get("resource_group") && !parsed->webspace_resource_group.empty())
        ctx.values["resource_group"] = {parsed->webspace_resource_group,
                                        "WEBSITE_OWNER_NAME (webspace group)"};
    } else {
      ctx.problems.push_back("WEBSITE_OWNER_NAME '" + owner->value.substr(0, 80) +
                             "' is not '<subscription-id>+<group>-<Region>webspace'");
    }
  }
  for (const char* key : {"private_ip"}) {
    const ContextValue* v = ctx.get(key);
    if (v && !is_ip(v->value))
      ctx.problems.push_back(std::string("WEBSITE_PRIVATE_IP '") + v->value.substr(0, 80) +
                             "' is not an IP address");
  }
  for (const auto& [key, var] : {std::pair{"dns_server", "WEBSITE_DNS_SERVER"},
                                 {"dns_alt_server", "WEBSITE_DNS_ALT_SERVER"}}) {
    const ContextValue* v = ctx.get(key);
    if (!v) continue;
    for (const auto& part : split(v->value, ','))
      if (!is_ip(trim(part)))
        ctx.problems.push_back(std::string(var) + " entry '" + trim(part).substr(0, 80) +
                               "' is not an IP address");
  }
  if (const ContextValue* v = ctx.get("route_all"); v && v->value != "0" && v->value != "1")
    ctx.problems.push_back("WEBSITE_VNET_ROUTE_ALL '" + v->value.substr(0, 20) +
                           "' is neither 0 nor 1");
  for (const auto& [key, value] : overrides.values) ctx.values[key] = {value, "flag"};
  return ctx;
}

}  // namespace vnetdiag
