#include "model.hpp"

namespace vnetdiag {

const char* to_string(TargetKind kind) {
  switch (kind) {
    case TargetKind::kKeyVault:
      return "keyvault";
    case TargetKind::kCognitive:
      return "cognitive";
    case TargetKind::kCustom:
      return "custom";
  }
  return "custom";
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::kOk:
      return "ok";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
    case Severity::kUnknown:
      return "unknown";
  }
  return "unknown";
}

const char* to_string(Layer layer) {
  switch (layer) {
    case Layer::kContext:
      return "context";
    case Layer::kDns:
      return "dns";
    case Layer::kTcp:
      return "tcp";
    case Layer::kTls:
      return "tls";
    case Layer::kHttp:
      return "http";
    case Layer::kArm:
      return "arm";
  }
  return "context";
}

const char* to_string(DnsStatus status) {
  switch (status) {
    case DnsStatus::kAnswered:
      return "answered";
    case DnsStatus::kTimeout:
      return "timeout";
    case DnsStatus::kUnreachable:
      return "unreachable";
    case DnsStatus::kMalformed:
      return "malformed";
    case DnsStatus::kError:
      return "error";
  }
  return "error";
}

const char* to_string(PhaseStatus status) {
  switch (status) {
    case PhaseStatus::kNotRun:
      return "not_run";
    case PhaseStatus::kOk:
      return "ok";
    case PhaseStatus::kTimeout:
      return "timeout";
    case PhaseStatus::kRefused:
      return "refused";
    case PhaseStatus::kUnreachable:
      return "unreachable";
    case PhaseStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::string Target::label() const { return port == 443 ? host : host + ":" + std::to_string(port); }

std::string Resolver::label() const {
  const bool v6 = address.find(':') != std::string::npos;
  if (port == 53) return address;
  return v6 ? "[" + address + "]:" + std::to_string(port) : address + ":" + std::to_string(port);
}

Severity verdict_of(const std::vector<Finding>& findings) {
  Severity worst = Severity::kOk;
  for (const auto& f : findings) {
    // unknown outranks ok but not a known failure: a critical finding is still critical.
    if (f.severity == Severity::kCritical) return Severity::kCritical;
    if (f.severity == Severity::kWarning) worst = Severity::kWarning;
    if (f.severity == Severity::kUnknown && worst == Severity::kOk) worst = Severity::kUnknown;
  }
  return worst;
}

int exit_code_of(Severity verdict) { return static_cast<int>(verdict); }

}  // namespace vnetdiag
