#pragma once
// The report model: what the probes observed, what the rules concluded, and the verdict.
// Probes fill observations only; findings come from agent/rules/.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vnetdiag {

enum class TargetKind { kKeyVault, kCognitive, kCustom };
enum class Severity { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
enum class Layer { kContext, kDns, kTcp, kTls, kHttp, kArm };

const char* to_string(TargetKind kind);
const char* to_string(Severity severity);
const char* to_string(Layer layer);

struct Target {
  TargetKind kind = TargetKind::kCustom;
  std::string host;  // the public FQDN the app uses
  uint16_t port = 443;
  std::string
      privatelink_zone;       // expected zone, e.g. privatelink.vaultcore.azure.net; may be empty
  std::string label() const;  // host, or host:port when the port is not 443
};

struct Resolver {
  std::string address;  // IP literal
  uint16_t port = 53;
  std::string origin;  // "resolv.conf", "--dns-server", ...
  std::string label() const;
};

struct DnsRecord {
  std::string name;
  std::string type;  // CNAME, A, AAAA
  uint32_t ttl = 0;
  std::string data;
};

// Outcome of one query as the probe saw it; rcode is only meaningful when status is kAnswered.
enum class DnsStatus { kAnswered, kTimeout, kUnreachable, kMalformed, kError };
const char* to_string(DnsStatus status);

struct DnsObservation {
  std::string resolver;  // Resolver::label()
  std::string qtype;     // A or AAAA
  DnsStatus status = DnsStatus::kError;
  std::string rcode;                   // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...
  std::vector<DnsRecord> answers;      // the answer section as received
  std::vector<std::string> chain;      // qname, then each CNAME target in order
  std::vector<std::string> addresses;  // addresses of the last name in the chain
  double duration_ms = 0;
  std::string error;  // probe-level error text when status is not kAnswered
};

enum class PhaseStatus { kNotRun, kOk, kTimeout, kRefused, kUnreachable, kFailed };
const char* to_string(PhaseStatus status);

struct CertificateInfo {
  std::string subject;
  std::string issuer;
  std::vector<std::string> sans;
  std::string not_after;  // ISO 8601
  std::optional<int> days_to_expiry;
  bool name_matches = false;  // SANs cover the target host
};

struct ConnectionObservation {
  std::string address;
  std::string family;  // ipv4 | ipv6
  PhaseStatus tcp = PhaseStatus::kNotRun;
  PhaseStatus tls = PhaseStatus::kNotRun;
  PhaseStatus http = PhaseStatus::kNotRun;
  double connect_ms = 0, tls_ms = 0, first_byte_ms = 0, total_ms = 0;
  std::string local_address;  // source address the TCP probe used
  // The kernel's route for the address (netlink), looked up before connecting.
  std::string route_interface, route_gateway, route_source, route_error;
  std::string error;  // curl's text for the phase that failed
  // TLS
  std::string tls_version;
  std::optional<CertificateInfo> certificate;
  long verify_result = 0;  // X509 verify result (0 = chain trusted)
  std::string verify_error;
  // HTTP
  std::string path;
  long status_code = 0;
  std::map<std::string, std::string> headers;  // lower-case names, only those the rules use
  std::string body;                            // first bytes only
};

// getaddrinfo's answer: what the app's own code resolves.
struct SystemResolution {
  bool asked = false;
  bool answered = false;  // false: still running at the deadline
  std::string error;
  std::vector<std::string> addresses;
  double duration_ms = 0;
};

struct TargetObservation {
  Target target;
  std::vector<DnsObservation> dns;
  std::vector<ConnectionObservation> connections;
  SystemResolution system;
};

struct Observations {
  std::vector<Resolver> resolvers;
  std::vector<TargetObservation> targets;
  double duration_ms = 0;
  bool deadline_hit = false;
};

// The control-plane property behind a finding, when ARM could be read.
struct Cause {
  std::string resource_id;
  std::string property;
  std::string actual;
  std::string expected;
};

struct Finding {
  std::string id;         // stable, e.g. dns.public_address
  std::optional<int> fm;  // failure-mode catalogue number
  Severity severity = Severity::kOk;
  Layer layer = Layer::kDns;
  std::string target;
  std::string summary;
  std::map<std::string, std::string> evidence;
  std::string remedy;
  std::optional<Cause> cause;
};

struct Report {
  std::string tool_version;
  std::string started_at;                      // ISO 8601 UTC
  std::map<std::string, std::string> context;  // key facts about where the check ran
  Observations observations;
  std::vector<Finding> findings;
  Severity verdict = Severity::kUnknown;
};

Severity verdict_of(const std::vector<Finding>& findings);
int exit_code_of(Severity verdict);  // Nagios: 0 ok, 1 warning, 2 critical, 3 unknown

}  // namespace vnetdiag
