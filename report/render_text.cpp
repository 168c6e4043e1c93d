#include <sstream>

#include "render.hpp"
#include "secrets.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

struct Palette {
  bool on;
  std::string paint(Severity s, const std::string& text) const {
    if (!on) return text;
    const char* code = s == Severity::kOk         ? "32"
                       : s == Severity::kWarning  ? "33"
                       : s == Severity::kCritical ? "31"
                                                  : "35";
    return std::string("\033[") + code + "m" + text + "\033[0m";
  }
  std::string dim(const std::string& text) const {
    return on ? "\033[2m" + text + "\033[0m" : text;
  }
};

std::string badge(Severity s) {
  switch (s) {
    case Severity::kOk:
      return "PASS";
    case Severity::kWarning:
      return "WARN";
    case Severity::kCritical:
      return "FAIL";
    case Severity::kUnknown:
      return "UNKN";
  }
  return "UNKN";
}

void write_dns(std::ostream& out, const TargetObservation& t, const Palette& p) {
  for (const auto& d : t.dns) {
    out << "  dns " << d.qtype << " via " << d.resolver << ": ";
    if (d.status != DnsStatus::kAnswered) {
      out << to_string(d.status);
      if (!d.error.empty()) out << " (" << d.error << ")";
    } else {
      out << d.rcode;
      if (d.chain.size() > 1 || !d.addresses.empty()) {
        out << "  " << join(d.chain, " -> ");
        if (!d.addresses.empty()) out << " -> " << join(d.addresses, ", ");
      }
    }
    out << p.dim("  [" + format_ms(d.duration_ms) + " ms]") << "\n";
  }
}

void write_connections(std::ostream& out, const TargetObservation& t, const Palette& p) {
  for (const auto& c : t.connections) {
    out << "  " << c.address << ": tcp " << to_string(c.tcp);
    if (c.tcp == PhaseStatus::kOk) out << " " << format_ms(c.connect_ms) << " ms";
    if (c.tls != PhaseStatus::kNotRun) {
      out << ", tls " << to_string(c.tls);
      if (!c.tls_version.empty()) out << " " << c.tls_version;
    }
    if (c.http != PhaseStatus::kNotRun) {
      out << ", http " << to_string(c.http);
      if (c.status_code) out << " " << c.status_code << " " << c.path;
    }
    if (!c.local_address.empty()) out << p.dim("  from " + c.local_address);
    if (!c.route_interface.empty())
      out << p.dim("  via " + c.route_interface +
                   (c.route_gateway.empty() ? "" : " gw " + c.route_gateway));
    out << "\n";
    if (c.certificate)
      out << "    certificate " << c.certificate->subject << " (issuer " << c.certificate->issuer
          << "), names " << join(c.certificate->sans, ", ") << ", until "
          << c.certificate->not_after << "\n";
    const auto info = c.headers.find("x-ms-keyvault-network-info");
    if (info != c.headers.end()) out << "    x-ms-keyvault-network-info: " << info->second << "\n";
  }
}

}  // namespace

std::string render_text(const Report& report, bool colour) {
  const Palette p{colour};
  std::ostringstream out;
  out << "vnetdiag " << report.tool_version << " check at " << report.started_at << "\n";
  for (const auto& [k, v] : report.context)
    out << p.dim(std::string("  ").append(k).append(": ").append(v)) << "\n";

  // Problems first: a person in a console reads the top of the screen.
  bool any_problem = false;
  for (const auto& f : report.findings) {
    if (f.severity == Severity::kOk) continue;
    if (!any_problem) out << "\nProblems\n";
    any_problem = true;
    out << "  " << p.paint(f.severity, badge(f.severity)) << " " << f.id;
    if (f.fm) out << " (FM-" << (*f.fm < 10 ? "0" : "") << *f.fm << ")";
    if (!f.target.empty()) out << " " << f.target;
    out << ": " << f.summary << "\n";
    if (f.cause)
      out << "       cause: " << f.cause->resource_id << " " << f.cause->property << " is "
          << f.cause->actual << ", should be " << f.cause->expected << "\n";
    if (!f.remedy.empty()) out << "       fix: " << f.remedy << "\n";
  }

  for (const auto& t : report.observations.targets) {
    out << "\n" << t.target.label() << " [" << to_string(t.target.kind) << "]\n";
    write_dns(out, t, p);
    write_connections(out, t, p);
    for (const auto& f : report.findings)
      if (f.target == t.target.label() && f.severity == Severity::kOk)
        out << "  " << p.paint(f.severity, badge(f.severity)) << " " << f.id << ": " << f.summary
            << "\n";
  }
  out << "\nverdict: " << p.paint(report.verdict, to_string(report.verdict)) << " ("
      << report.observations.targets.size() << " target(s), "
      << format_ms(report.observations.duration_ms) << " ms)\n";
  return secrets::scrub(out.str());
}

}  // namespace vnetdiag
