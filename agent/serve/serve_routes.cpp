#include "serve_routes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "render.hpp"
#include "render_prometheus.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

Response json_response(unsigned status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = kJsonContentType;
  r.set_body(json_text(body) + "\n");
  return r;
}

Response shared(unsigned status, const char* content_type, const std::shared_ptr<const Snapshot>& s,
                std::string_view body) {
  Response r;
  r.status = status;
  r.content_type = content_type;
  r.set_body(s, body);
  return r;
}

json target_names(const Snapshot& s) {
  json names = json::array();
  for (const auto& t : s.targets) names.push_back(t.name);
  return names;
}

Response livez(const LoopHealth& h) {
  const double silent_s = Seconds(h.now - h.heartbeat).count();
  if (silent_s > h.stuck_after_s) {
    char reason[160];
    (void)std::snprintf(reason, sizeof reason,
                        "the check loop has not moved for %.0f s (limit %.0f s)", silent_s,
                        h.stuck_after_s);
    return json_response(503, {{"status", "stuck"}, {"reason", reason}});
  }
  static const std::string alive = "{\"status\":\"alive\"}\n";
  Response r;
  r.content_type = kJsonContentType;
  r.set_body(nullptr, alive);
  return r;
}

Response readyz(const std::shared_ptr<const Snapshot>& s, const LoopHealth& h) {
  if (s->checked()) {
    const double age_s = Seconds(h.now - s->finished).count();
    if (age_s > h.stale_after_s) {
      char reason[160];
      (void)std::snprintf(reason, sizeof reason,
                          "stale: the last check finished %.0f s ago (limit %.0f s)", age_s,
                          h.stale_after_s);
      return json_response(503, {{"status", "not ready"}, {"reason", reason}});
    }
  }
  return shared(s->ready ? 200 : 503, kJsonContentType, s, s->ready_body);
}

Response report(const std::shared_ptr<const Snapshot>& s, std::string_view query) {
  const std::string format = query_parameter(query, "format");
  const unsigned status = s->has_report ? 200 : 503;
  if (format.empty() || format == "json")
    return shared(status, kJsonContentType, s, s->report_json);
  if (format == "text") return shared(status, kTextContentType, s, s->report_text);
  return json_response(400, {{"error", "unknown format '" + format + "': use json or text"}});
}

Response probe(const std::shared_ptr<const Snapshot>& s, std::string_view query) {
  const std::string name = query_parameter(query, "target");
  if (name.empty())
    return json_response(
        400, {{"error", "give the target: /probe?target=NAME"}, {"targets", target_names(*s)}});
  const TargetBody* t = s->find_target(name);
  // Only configured targets: an anonymous caller never makes vnetdiag probe something new.
  if (!t)
    return json_response(
        404, {{"error", "no configured target '" + name + "'"}, {"targets", target_names(*s)}});
  return shared(s->has_report ? 200 : 503, kJsonContentType, s, t->json);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
  }
  return {};
}

bool wants_openmetrics(std::string_view accept) {
  double openmetrics_q = 0, text_q = 0;
  for (const std::string& range : split(accept, ',')) {
    const auto params = split(range, ';');
    if (params.empty()) continue;
    const std::string type = lower(trim(params[0]));
    double q = 1;
    std::string version;
    for (std::size_t i = 1; i < params.size(); ++i) {
      const std::string p = trim(params[i]);
      const auto eq = p.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = lower(trim(p.substr(0, eq)));
      const std::string value = trim(p.substr(eq + 1));
      if (key == "q") q = std::strtod(value.c_str(), nullptr);
      if (key == "version") version = value;
    }
    if (!(q > 0)) continue;
    if (type == "application/openmetrics-text" && (version.empty() || version == "1.0.0"))
      openmetrics_q = std::max(openmetrics_q, q);
    else if ((type == "text/plain" && (version.empty() || version == "0.0.4")) ||
             type == "text/*" || type == "*/*")
      text_q = std::max(text_q, q);
  }
  return openmetrics_q > 0 && openmetrics_q >= text_q;
}

Response route(const Request& request, const std::shared_ptr<const Snapshot>& snapshot,
               const LoopHealth& health) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = json_response(405, {{"error", "method not allowed: use GET or HEAD"}});
    r.allow = true;
    return r;
  }
  const auto question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  if (path == "/metrics") {
    if (!request.accept.empty() && wants_openmetrics(request.accept))
      return shared(200, kOpenMetricsContentType, snapshot, snapshot->metrics_openmetrics);
    return shared(200, kPrometheusTextContentType, snapshot, snapshot->metrics_text);
  }
  if (path == "/readyz") return readyz(snapshot, health);
  if (path == "/livez") return livez(health);
  if (path == "/report") return report(snapshot, query);
  if (path == "/probe") return probe(snapshot, query);
  if (path == "/")
    return shared(snapshot->has_report ? 200 : 503, kHtmlContentType, snapshot,
                  snapshot->report_html);
  return json_response(
      404,
      {{"error", "not found"},
       {"endpoints", {"/", "/livez", "/readyz", "/report", "/metrics", "/probe?target=NAME"}}});
}

}  // namespace vnetdiag
