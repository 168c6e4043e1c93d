#include "resolv_conf.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

bool is_ip(const std::string& s) {
  in_addr a4{};
  in6_addr a6{};
  const std::string bare = s.substr(0, s.find('%'));  // fe80::1%eth0
  return inet_pton(AF_INET, bare.c_str(), &a4) == 1 || inet_pton(AF_INET6, bare.c_str(), &a6) == 1;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

ResolvConf parse_resolv_conf(const std::string& text) {
  ResolvConf rc;
  int line_no = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_no;
    const std::string line = trim(raw);
    if (line.empty()) continue;
    if (line[0] == '#' || line[0] == ';') {
      const std::string l = lower(line);
      if (l.find("embedded dns resolver") != std::string::npos) rc.embedded_resolver = true;
      const std::string marker = "configured nameservers at startup are";
      if (auto at = l.find(marker); at != std::string::npos) {
        for (auto w : words(line.substr(at + marker.size()))) {
          while (!w.empty() && (w.back() == ',' || w.back() == '.')) w.pop_back();
          if (is_ip(w)) rc.upstream_nameservers.push_back(w);
        }
      }
      continue;
    }
    const auto w = words(line);
    if (w[0] == "nameserver") {
      // A link-local server keeps its interface (fe80::1%eth0): without it nothing reaches it.
      if (w.size() >= 2 && is_ip(w[1]))
        rc.nameservers.push_back(w[1]);
      else
        rc.problems.push_back("line " + std::to_string(line_no) +
                              ": nameserver without an IP address");
    } else if (w[0] == "options") {
      rc.options = trim(line.substr(7));
    }
  }
  return rc;
}

ResolvConf read_resolv_conf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ResolvConf rc;
    rc.problems.push_back(path + " cannot be read");
    return rc;
  }
  constexpr std::size_t kLimit = std::size_t{64} * 1024;
  std::string text(kLimit, '\0');
  in.read(text.data(), kLimit);
  text.resize(static_cast<std::size_t>(in.gcount()));
  ResolvConf rc = parse_resolv_conf(text);
  if (text.size() == kLimit)
    rc.problems.push_back(path + " is larger than 64 KiB; read only the start");
  return rc;
}

}  // namespace vnetdiag
