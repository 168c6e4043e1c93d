#include "evidence.hpp"

#include <ares.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "render.hpp"
#include "secrets.hpp"
#include "tar_gz.hpp"
#include "text_util.hpp"
#include "version.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;

constexpr const char* kManifest =
    "vnetdiag evidence bundle\n"
    "\n"
    "report.json, report.txt  the check's report (findings, evidence, context)\n"
    "dns.json                 per target, each resolver's answer section as received, rcode, CNAME "
    "chain\n"
    "tls.json                 per target and address: TCP, TLS version, certificate presented "
    "(subject, issuer, names, expiry), HTTP status\n"
    "resolv.conf              the resolver configuration the run read\n"
    "environment.txt          the WEBSITE_* settings of this process; secret-looking values "
    "redacted\n"
    "arm.json                 the Azure resources read: site, plan, network, zones, links, "
    "records, endpoints, resolvers, rulesets; app settings only WEBSITE_VNET_ROUTE_ALL and "
    "WEBSITE_DNS_(ALT_)SERVER; Key Vault reference strings redacted\n"
    "versions.json            vnetdiag, c-ares, libcurl, OpenSSL; when the check ran and how long "
    "it took\n"
    "fix.json                 (fix only) the plan, permissions, ownership, the steps applied and "
    "the journal of ARM calls made (method, path, status, request ids)\n"
    "\n"
    "Not included: access tokens, client secrets, identity headers, app setting values, connection "
    "strings, Key Vault reference strings or secret values, private keys. Every file passed "
    "through the same secret filter as vnetdiag's other output.\n";

// A WEBSITE_* name whose value may be a secret (WEBSITE_AUTH_ENCRYPTION_KEY, ..._SIGNING_KEY).
bool secret_looking(const std::string& name) {
  const std::string n = lower(name);
  for (const char* word : {"key", "secret", "token", "password", "connection", "sas", "signature",
                           "credential", "cert"})
    if (n.find(word) != std::string::npos) return true;
  return false;
}

std::string environment_text(const std::map<std::string, std::string>& env) {
  std::string out;
  for (const auto& [name, value] : env)
    if (starts_with(name, "WEBSITE_"))
      out += name + "=" + (secret_looking(name) ? std::string(secrets::kRedacted) : value) + "\n";
  return out.empty() ? "no WEBSITE_* settings in this process's environment\n" : out;
}

std::string arm_text(const std::string& cache) {
  json j;
  try {
    j = json::parse(cache);
  } catch (...) {
    return "{}";
  }
  if (j.contains("kv_references") && j["kv_references"].is_array())
    for (auto& r : j["kv_references"])
      if (r.contains("properties") && r["properties"].is_object() &&
          r["properties"].contains("reference"))
        r["properties"]["reference"] = secrets::kRedacted;
  return j.dump(2) + "\n";
}

// dns.json and tls.json: the report's targets, split by layer.
std::pair<std::string, std::string> layers(const json& report) {
  json dns = json::array(), tls = json::array();
  for (const auto& t : report.value("targets", json::array())) {
    dns.push_back({{"target", t.value("host", "")},
                   {"dns", t.value("dns", json::array())},
                   {"system", t.value("system", json())}});
    tls.push_back(
        {{"target", t.value("host", "")}, {"connections", t.value("connections", json::array())}});
  }
  return {dns.dump(2) + "\n", tls.dump(2) + "\n"};
}

std::string versions_text(const json& report) {
  const json v = {{"vnetdiag", VNETDIAG_VERSION},
                  {"commit", VNETDIAG_COMMIT},
                  {"c-ares", ares_version(nullptr)},
                  {"libcurl", curl_version()},
                  {"openssl", OpenSSL_version(OPENSSL_VERSION)},
                  {"started_at", report.value("started_at", "")},
                  {"duration_ms", report.value("duration_ms", json())}};
  return v.dump(2) + "\n";
}

}  // namespace

std::optional<std::string> write_evidence(const std::string& path, const EvidenceInput& in) {
  const std::string report_json = render_json(*in.report);
  const json report = report_to_json(*in.report);
  const auto [dns, tls] = layers(report);
  std::string resolv = "not read (--resolv-conf was /dev/null or none)\n";
  if (!in.resolv_conf.empty() && in.resolv_conf != "/dev/null") {
    std::ifstream f(in.resolv_conf);
    std::stringstream ss;
    ss << f.rdbuf();
    resolv = f ? ss.str() : "could not be read: " + in.resolv_conf + "\n";
  }
  std::vector<ArchiveFile> files = {
      {"MANIFEST.txt", kManifest},
      {"report.json", report_json},
      {"report.txt", render_text(*in.report, false)},
      {"dns.json", dns},
      {"tls.json", tls},
      {"resolv.conf", resolv},
      {"environment.txt", environment_text(in.env)},
      {"arm.json", in.arm_json.empty() ? "{\"not_read\": \"ARM was not read in this run\"}\n"
                                       : arm_text(in.arm_json)},
      {"versions.json", versions_text(report)}};
  if (!in.fix_json.empty()) files.push_back({"fix.json", in.fix_json});
  for (auto& f : files) f.contents = secrets::scrub(std::move(f.contents));
  return write_tar_gz(path, files);
}

}  // namespace vnetdiag
