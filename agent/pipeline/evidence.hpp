#pragma once
// check --evidence FILE and fix --evidence FILE (so it lives with what the commands share): what a
// support engineer asks for, in one .tar.gz:
//   MANIFEST.txt     what is in it and what is not
//   report.json      the report, report.txt as the console shows it
//   dns.json         per target, every resolver's answer section as received (and rcode, chain)
//   tls.json         per target and address: connection, TLS version, certificate presented
//   resolv.conf      the file the run read
//   environment.txt  the WEBSITE_* settings of the process (values of secret-looking ones redacted)
//   arm.json         the ARM resources read (app settings: only the routing and DNS ones; Key
//                    Vault reference strings redacted)
//   versions.json    vnetdiag, c-ares, libcurl, OpenSSL; when it ran and for how long
//   fix.json         fix --evidence only: the plan, permissions, ownership, the steps applied and
//                    the journal of ARM calls (method, path, status, request ids)
// Every file passes through secrets::scrub as every other output does. Not included: tokens,
// app setting values, connection strings, Key Vault reference strings, certificates' keys.
#include <map>
#include <optional>
#include <string>

#include "model.hpp"

namespace vnetdiag {

struct EvidenceInput {
  const Report* report = nullptr;
  std::string arm_json;     // the topology read (topology_cache_text), "" when ARM was not read
  std::string resolv_conf;  // the path read, "" when none
  std::map<std::string, std::string> env;
  std::string fix_json;  // fix --evidence: what fix planned and did; "" for check
};

// Writes the bundle; the reason it could not, or nullopt.
std::optional<std::string> write_evidence(const std::string& path, const EvidenceInput& in);

}  // namespace vnetdiag
