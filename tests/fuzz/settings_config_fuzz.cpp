// Settings from outside: the JSON config file (--config / VNETDIAG_CONFIG), VNETDIAG_*
// environment variables and command-line flags, then validation and what is built from them
// (targets from vault/account names and host:port, resolvers from --dns-server).
// Input: <config file>[\0\0<environment: KEY=VALUE\0...>[\0\0<flags: arg\0...>]].
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "app_context.hpp"
#include "cli.hpp"
#include "cloud.hpp"
#include "resolv_conf.hpp"
#include "settings.hpp"
#include "targets.hpp"

using namespace vnetdiag;

namespace {

const std::string& config_file() {
  static const std::string path = [] {
    char name[] = "/tmp/vnetdiag-fuzz-config-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  return path;
}

std::vector<std::string> split_nul(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto nul = s.find('\0');
    if (nul != 0) out.emplace_back(s.substr(0, nul));
    if (nul == std::string_view::npos) break;
    s.remove_prefix(nul + 1);
  }
  return out;
}

// Paths under /dev and /proc could block a read (a terminal, a FIFO): point them at the config.
std::string tame(std::string value) {
  if (value.find("/dev") != std::string::npos || value.find("/proc") != std::string::npos)
    return config_file();
  return value;
}

void build(const CheckSettings& s) {
  const Cloud* cloud = find_cloud(s.cloud.value);
  if (!cloud) return;
  (void)build_targets(s, *cloud);
  const ResolvConf resolv = parse_resolv_conf("nameserver 127.0.0.11\n");
  (void)build_resolvers(s, resolv, AppContext{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view sections[3];
  for (auto& section : sections) {
    const auto end = input.find(std::string_view("\0\0", 2));
    section = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 2);
  }
  if (FILE* f = std::fopen(config_file().c_str(), "wb")) {
    std::fwrite(sections[0].data(), 1, sections[0].size(), f);
    std::fclose(f);
  }
  std::map<std::string, std::string> env;
  for (const auto& entry : split_nul(sections[1])) {
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = tame(entry.substr(eq + 1));
  }
  env["VNETDIAG_CONFIG"] = config_file();
  std::vector<std::string> args;
  for (auto& a : split_nul(sections[2])) args.push_back(tame(a));

  // Each layer on its own, as the unit tests use them ...
  CheckSettings s;
  if (apply_config_file(config_file(), s)) {
    (void)apply_environment(env, s);
    s.ca_bundle.value.clear();  // validate() opens these files
    s.arm_ca_bundle.value.clear();
    s.token_file.value.clear();
    if (validate(s)) build(s);
  }
  // ... and all of them together, the way `vnetdiag check` reads them.
  const auto parsed = parse_check(args, env);
  if (parsed && !parsed->help) build(parsed->settings);
  return 0;
}
