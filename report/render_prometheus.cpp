#include "render_prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "secrets.hpp"

namespace vnetdiag {
namespace {

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

#if !defined(__cpp_lib_to_chars)
// libstdc++ before GCC 11 (Debian bullseye's g++ 10, which builds the self-contained bundle) has
// no floating-point std::to_chars. The same text by printf: the shortest %e and the shortest %f
// that read back as v, the fixed one when it is not longer (what to_chars does).
std::string shortest_round_trip(double v) {
  char sci[64] = "", fixed[400] = "";
  for (int p = 0; p <= 17; ++p) {
    std::snprintf(sci, sizeof sci, "%.*e", p, v);
    if (std::strtod(sci, nullptr) == v) break;
  }
  for (int p = 0; p <= 40; ++p) {
    std::snprintf(fixed, sizeof fixed, "%.*f", p, v);
    if (std::strtod(fixed, nullptr) == v)
      return std::strlen(fixed) <= std::strlen(sci) ? fixed : sci;
  }
  return sci;
}
#endif

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
#if defined(__cpp_lib_to_chars)
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
#else
  return shortest_round_trip(v);
#endif
}

// HELP text: backslash and newline in 0.0.4; OpenMetrics also escapes the double quote.
std::string escape_help(std::string_view text, MetricsFormat format) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && format == MetricsFormat::kOpenMetrics)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// Records families and samples in the order they are given (what report_metrics and
// render_prometheus say); the text is written from the records by write_text.
class Collector {
 public:
  // type: gauge, counter or info.
  void family(std::string_view sample_name, std::string_view type, std::string_view help) {
    MetricFamily& f = families_.emplace_back();
    f.name = sample_name;
    f.type = type == "counter" ? MetricType::kCounter
             : type == "info"  ? MetricType::kInfo
                               : MetricType::kGauge;
    f.help = help;
  }

  void sample(std::string_view name, Labels labels, double value) {
    sample_of(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }

  // A sample of the family last opened (name is that family's).
  void sample_of(std::string_view /*name*/, std::span<const Label> labels, double value) {
    MetricSample& s = families_.back().samples.emplace_back();
    for (const auto& [k, v] : labels) s.labels.emplace_back(k, v);
    s.value = value;
  }

  std::vector<MetricFamily> finish() { return std::move(families_); }

 private:
  std::vector<MetricFamily> families_;
};

// In OpenMetrics the family of a counter drops `_total` and that of an info metric drops
// `_info`; in 0.0.4 an info metric is a gauge of value 1. The HELP and TYPE lines come with the
// family's first sample: a family without samples is left out.
std::string write_text(const std::vector<MetricFamily>& families, MetricsFormat format) {
  std::string out;
  out.reserve(4096);
  for (const auto& f : families) {
    if (f.samples.empty()) continue;
    std::string_view name = f.name;
    std::string_view type = f.type == MetricType::kCounter ? "counter"
                            : f.type == MetricType::kInfo  ? "info"
                                                           : "gauge";
    if (format == MetricsFormat::kOpenMetrics) {
      if (f.type == MetricType::kCounter && name.ends_with("_total"))
        name.remove_suffix(std::string_view("_total").size());
      if (f.type == MetricType::kInfo && name.ends_with("_info"))
        name.remove_suffix(std::string_view("_info").size());
    } else if (f.type == MetricType::kInfo) {
      type = "gauge";
    }
    out += "# HELP ";
    out += name;
    out += ' ';
    out += escape_help(f.help, format);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    for (const auto& s : f.samples) {
      out += f.name;
      if (!s.labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : s.labels) {
          if (!first) out += ',';
          first = false;
          out += k;
          out += "=\"";
          out += escape_label_value(v);
          out += '"';
        }
        out += '}';
      }
      out += ' ';
      out += format_number(s.value);
      out += '\n';
    }
  }
  if (format == MetricsFormat::kOpenMetrics) out += "# EOF\n";
  return out;
}

// "2027-01-01T00:00:00Z" as Unix seconds.
std::optional<double> parse_utc(const std::string& iso) {
  std::tm t{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &t)) return std::nullopt;
  return static_cast<double>(timegm(&t));
}

// FNV-1a, 32 bits (what blackbox_exporter uses for probe_ip_addr_hash): fits a double exactly.
uint32_t fnv1a32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

struct TargetMetrics {
  std::string label;
  bool success = true;
  double dns_s = 0, duration_s = 0;
  double connect_s = 0, tls_s = 0, processing_s = 0;
  long status_code = 0;
  std::optional<double> earliest_expiry;
  std::optional<uint32_t> addr_hash;
  bool dns_ok = false, tcp_ok = false, tls_ok = false, http_ok = false;
};

TargetMetrics metrics_of(const TargetObservation& t, const std::vector<Finding>& findings) {
  TargetMetrics m;
  m.label = t.target.label();
  for (const auto& f : findings)
    if (f.target == m.label &&
        (f.severity == Severity::kCritical || f.severity == Severity::kUnknown))
      m.success = false;
  double first_answer_ms = -1, slowest_dns_ms = 0;
  std::set<std::string> addresses;
  for (const auto& d : t.dns) {
    slowest_dns_ms = std::max(slowest_dns_ms, d.duration_ms);
    if (d.status == DnsStatus::kAnswered && !d.addresses.empty()) {
      m.dns_ok = true;
      if (first_answer_ms < 0 || d.duration_ms < first_answer_ms) first_answer_ms = d.duration_ms;
      addresses.insert(d.addresses.begin(), d.addresses.end());
    }
  }
  double slowest_connection_ms = 0;
  for (const auto& c : t.connections) {
    m.tcp_ok |= c.tcp == PhaseStatus::kOk;
    m.tls_ok |= c.tls == PhaseStatus::kOk;
    m.http_ok |= c.http == PhaseStatus::kOk;
    m.connect_s = std::max(m.connect_s, c.connect_ms / 1e3);
    m.tls_s = std::max(m.tls_s, c.tls_ms / 1e3);
    m.processing_s = std::max(m.processing_s, c.first_byte_ms / 1e3);
    slowest_connection_ms = std::max(slowest_connection_ms, c.total_ms);
    if (m.status_code == 0 && c.http != PhaseStatus::kNotRun) m.status_code = c.status_code;
    if (c.certificate)
      if (auto expiry = parse_utc(c.certificate->not_after))
        if (!m.earliest_expiry || *expiry < *m.earliest_expiry) m.earliest_expiry = expiry;
  }
  m.dns_s = slowest_dns_ms / 1e3;
  // Connections start as soon as the first answer names an address, while other resolvers may
  // still be asked: the probe took as long as the later of the two.
  const double connected_ms = (first_answer_ms < 0 ? 0 : first_answer_ms) + slowest_connection_ms;
  m.duration_s = std::max(slowest_dns_ms, connected_ms) / 1e3;
  if (!addresses.empty()) {
    std::string joined;
    for (const auto& a : addresses) joined += a + ",";
    m.addr_hash = fnv1a32(joined);
  }
  return m;
}

void report_metrics(Collector& w, const Report& report) {
  std::vector<TargetMetrics> targets;
  for (const auto& t : report.observations.targets)
    targets.push_back(metrics_of(t, report.findings));

  w.family("probe_success", "gauge",
           "1 when the target has no critical or unknown finding (DNS, TCP, TLS and the service "
           "itself answered as expected)");
  for (const auto& t : targets) w.sample("probe_success", {{"target", t.label}}, t.success ? 1 : 0);
  w.family("probe_duration_seconds", "gauge", "How long probing the target took, DNS included");
  for (const auto& t : targets)
    w.sample("probe_duration_seconds", {{"target", t.label}}, t.duration_s);
  w.family("probe_dns_lookup_time_seconds", "gauge",
           "Time the slowest resolver took to answer for the target");
  for (const auto& t : targets)
    w.sample("probe_dns_lookup_time_seconds", {{"target", t.label}}, t.dns_s);
  w.family("probe_http_duration_seconds", "gauge",
           "Duration of each phase of the request, slowest address of the target");
  for (const auto& t : targets) {
    w.sample("probe_http_duration_seconds", {{"target", t.label}, {"phase", "resolve"}}, t.dns_s);
    w.sample("probe_http_duration_seconds", {{"target", t.label}, {"phase", "connect"}},
             t.connect_s);
    w.sample("probe_http_duration_seconds", {{"target", t.label}, {"phase", "tls"}}, t.tls_s);
    w.sample("probe_http_duration_seconds", {{"target", t.label}, {"phase", "processing"}},
             t.processing_s);
  }
  w.family("probe_http_status_code", "gauge",
           "HTTP status the service answered with (0: no answer)");
  for (const auto& t : targets)
    w.sample("probe_http_status_code", {{"target", t.label}}, static_cast<double>(t.status_code));
  w.family("probe_ssl_earliest_cert_expiry", "gauge",
           "Unix time the earliest-expiring certificate the target presented expires");
  for (const auto& t : targets)
    if (t.earliest_expiry)
      w.sample("probe_ssl_earliest_cert_expiry", {{"target", t.label}}, *t.earliest_expiry);
  w.family("probe_ip_addr_hash", "gauge",
           "FNV-1a hash of the addresses the target resolved to: changes when they change");
  for (const auto& t : targets)
    if (t.addr_hash) w.sample("probe_ip_addr_hash", {{"target", t.label}}, *t.addr_hash);
  w.family("vnetdiag_phase_success", "gauge",
           "1 when at least one address of the target got through the phase (dns, tcp, tls, http)");
  for (const auto& t : targets) {
    w.sample("vnetdiag_phase_success", {{"target", t.label}, {"phase", "dns"}}, t.dns_ok);
    w.sample("vnetdiag_phase_success", {{"target", t.label}, {"phase", "tcp"}}, t.tcp_ok);
    w.sample("vnetdiag_phase_success", {{"target", t.label}, {"phase", "tls"}}, t.tls_ok);
    w.sample("vnetdiag_phase_success", {{"target", t.label}, {"phase", "http"}}, t.http_ok);
  }

  // A finding id can come once per resolver or address: one series per id and target, counted.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int> findings;
  for (const auto& f : report.findings)
    ++findings[{f.id, f.fm ? std::to_string(*f.fm) : std::string(), to_string(f.severity),
                f.target}];
  w.family("vnetdiag_finding", "gauge",
           "Findings of the last check by id, failure-mode number, severity and target (value: "
           "how many times it was found)");
  for (const auto& [key, count] : findings) {
    const auto& [id, fm, severity, target] = key;
    w.sample("vnetdiag_finding",
             {{"id", id}, {"fm", fm}, {"severity", severity}, {"target", target}}, count);
  }
  w.family("vnetdiag_verdict", "gauge",
           "Verdict of the last check as a Nagios code: 0 ok, 1 warning, 2 critical, 3 unknown");
  w.sample("vnetdiag_verdict", {}, exit_code_of(report.verdict));
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::vector<MetricFamily> metric_families(const Report* report, const MetricsMeta& meta) {
  Collector w;
  if (report) report_metrics(w, *report);
  w.family("vnetdiag_check_runs_total", "counter", "Checks run since the process started");
  w.sample("vnetdiag_check_runs_total", {}, static_cast<double>(meta.check_runs_total));
  w.family("vnetdiag_check_errors_total", "counter",
           "Checks that could not run at all (no report) since the process started");
  w.sample("vnetdiag_check_errors_total", {}, static_cast<double>(meta.check_errors_total));
  w.family("vnetdiag_last_check_timestamp_seconds", "gauge",
           "Unix time the last check finished (0: none yet)");
  w.sample("vnetdiag_last_check_timestamp_seconds", {}, meta.last_check_timestamp_seconds);
  w.family("vnetdiag_last_check_duration_seconds", "gauge", "How long the last check took");
  w.sample("vnetdiag_last_check_duration_seconds", {}, meta.last_check_duration_seconds);
  w.family("vnetdiag_build_info", "info", "Version of vnetdiag");
  w.sample("vnetdiag_build_info", {{"version", meta.version}, {"commit", meta.commit}}, 1);
  std::vector<Label> resource;
  for (const auto& [k, v] : meta.resource)
    if (!v.empty()) resource.emplace_back(k, v);
  if (!resource.empty()) {
    w.family("target_info", "info", "Where this vnetdiag runs (OpenTelemetry resource attributes)");
    w.sample_of("target_info", resource, 1);
  }
  auto families = w.finish();
  for (auto& family : families)
    for (auto& sample : family.samples) {
      decltype(sample.labels) labels;
      for (const auto& [k, v] : meta.instance_labels) {
        const bool taken = std::any_of(sample.labels.begin(), sample.labels.end(),
                                       [&k = k](const auto& l) { return l.first == k; });
        if (!v.empty() && !taken) labels.emplace_back(k, v);
      }
      labels.insert(labels.end(), sample.labels.begin(), sample.labels.end());
      sample.labels = std::move(labels);
    }
  return families;
}

std::string render_metric_families(const std::vector<MetricFamily>& families,
                                   MetricsFormat format) {
  return secrets::scrub(write_text(families, format));
}

std::string render_prometheus(const Report* report, const MetricsMeta& meta, MetricsFormat format) {
  return render_metric_families(metric_families(report, meta), format);
}

}  // namespace vnetdiag
