#pragma once
// `vnetdiag serve`: the check on an interval in the background, its last result over HTTP
// (/livez, /readyz, /report, /metrics, /probe) and one JSON log line per check on stdout.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "result.hpp"

namespace vnetdiag {

struct ListenAddress {
  std::string address;  // IP literal, without brackets
  uint16_t port = 0;
  std::string label() const;  // 127.0.0.1:8080 or [::1]:8080
  bool loopback() const;
};

// "127.0.0.1:8080", "0.0.0.0:8080" or "[::1]:8080". Host names are refused: say which address.
Result<ListenAddress> parse_listen(const std::string& text);

std::string serve_help();

// Runs until SIGTERM or SIGINT: exit 0. Bad flags or an address it cannot listen on: one line on
// err and exit 3.
int serve_command(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::ostream& out,
                  std::ostream& err);

}  // namespace vnetdiag
