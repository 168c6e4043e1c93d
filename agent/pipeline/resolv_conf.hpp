#pragma once
// resolv.conf as App Service writes it: nameserver lines, options, and the embedded resolver's
// comment lines that name the upstream servers. Best effort: odd lines become problems, not errors.
#include <string>
#include <vector>

namespace vnetdiag {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> upstream_nameservers;  // from "# The configured nameservers ..." lines
  bool embedded_resolver = false;     // "# This container is using an embedded dns resolver"
  std::string options;                // the options line as written
  std::vector<std::string> problems;  // lines that could not be used, with reasons
};

ResolvConf parse_resolv_conf(const std::string& text);
// Reads at most 64 KiB; a missing or unreadable file gives a problem entry.
ResolvConf read_resolv_conf(const std::string& path);

}  // namespace vnetdiag
