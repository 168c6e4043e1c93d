#include "render_chain.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "secrets.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

enum class Colour { kGreen, kAmber, kRed, kGrey };

struct Hop {
  std::string name;                // "resolver 10.0.2.53"
  std::vector<std::string> lines;  // what the box says
  std::vector<std::string> evidence;
  std::vector<const Finding*> findings;
  Colour colour = Colour::kGreen;
  std::string at_fault;  // "resource_id property: actual (expected ...)"
};

const char* fill(Colour c) {
  switch (c) {
    case Colour::kRed:
      return "#f8d0d0";
    case Colour::kAmber:
      return "#fbe7b5";
    case Colour::kGrey:
      return "#e4e4e4";
    default:
      return "#d4efd4";
  }
}
const char* stroke(Colour c) {
  switch (c) {
    case Colour::kRed:
      return "#b30000";
    case Colour::kAmber:
      return "#a86b00";
    case Colour::kGrey:
      return "#808080";
    default:
      return "#2f7d32";
  }
}
const char* word(Colour c) {
  switch (c) {
    case Colour::kRed:
      return "broken";
    case Colour::kAmber:
      return "warning";
    case Colour::kGrey:
      return "not reached";
    default:
      return "ok";
  }
}

// Which hop a finding belongs to: by layer, and for DNS and ARM by what it names.
std::size_t hop_of(const Finding& f) {
  enum { kApp, kResolver, kChain, kEndpoint, kNetwork, kService };
  const std::string& id = f.id;
  const auto has = [&](const char* s) { return id.find(s) != std::string::npos; };
  switch (f.layer) {
    case Layer::kContext:
      return kApp;
    case Layer::kTcp:
    case Layer::kTls:
      return kNetwork;
    case Layer::kHttp:
      return kService;
    case Layer::kDns:
      return has("public_address") || has("alias") || has("nxdomain") || has("record") ||
                     has("chain") || has("system_disagrees")
                 ? kChain
                 : kResolver;
    case Layer::kArm:
      if (has("zone") || has("record") || has("ruleset") || has("custom_dns") || has("link"))
        return kChain;
      if (has("integration") || has("route") || has("instance") || has("kv_reference") ||
          has("https"))
        return kApp;
      if (has("public") || has("firewall") || has("lock")) return kService;
      if (has("peering") || has("nsg") || has("udr")) return kNetwork;
      return kEndpoint;
  }
  return kEndpoint;
}

std::vector<Hop> hops_for(const Report& r, const TargetObservation& t) {
  std::vector<Hop> hops(6);
  hops[0].name = "app instance";
  for (const char* k : {"instance_id", "private_ip", "route_all"})
    if (auto it = r.context.find(k); it != r.context.end())
      hops[0].lines.push_back(std::string(k) + ": " + it->second.substr(0, 40));
  hops[1].name = "resolvers";
  hops[2].name = "CNAME chain";
  std::vector<std::string> chain;
  for (const auto& d : t.dns) {
    hops[1].lines.push_back(d.resolver + " " + d.qtype + ": " + d.rcode);
    hops[1].evidence.push_back(d.resolver + " " + d.qtype + " " + d.rcode + " " +
                               join(d.chain, " -> ") + " => " + join(d.addresses, ", ") +
                               (d.error.empty() ? "" : " (" + d.error + ")"));
    if (chain.empty() && !d.chain.empty()) chain = d.chain;
  }
  if (t.dns.empty()) hops[1].colour = Colour::kGrey;
  for (const auto& name : chain) hops[2].lines.push_back(name);
  hops[2].evidence.push_back(chain.empty() ? "no answer" : join(chain, " -> "));
  if (chain.empty()) hops[2].colour = Colour::kGrey;
  hops[3].name = "private endpoint";
  std::vector<std::string> addresses;
  for (const auto& c : t.connections) addresses.push_back(c.address);
  for (const auto& a : addresses) hops[3].lines.push_back(a);
  hops[3].evidence.push_back("addresses: " + (addresses.empty() ? "none" : join(addresses, ", ")) +
                             "; the app's resolver gave: " + join(t.system.addresses, ", "));
  if (addresses.empty()) hops[3].colour = Colour::kGrey;
  hops[4].name = "network";
  hops[5].name = "service";
  for (const auto& c : t.connections) {
    hops[4].lines.push_back(c.address + " tcp " + to_string(c.tcp) + ", tls " + to_string(c.tls));
    hops[4].evidence.push_back(
        c.address + ": tcp " + to_string(c.tcp) + " " + format_ms(c.connect_ms) + " ms, tls " +
        to_string(c.tls) + " " + c.tls_version + (c.error.empty() ? "" : ", " + c.error) +
        (c.route_interface.empty() ? "" : ", route via " + c.route_interface));
    if (c.certificate)
      hops[4].evidence.push_back(
          "certificate " + c.certificate->subject + " issued by " + c.certificate->issuer +
          ", names " + join(c.certificate->sans, " ") + ", until " + c.certificate->not_after);
    hops[5].lines.push_back(
        "HTTP " + (c.status_code ? std::to_string(c.status_code) : std::string(to_string(c.http))));
    hops[5].evidence.push_back(c.address + ": HTTP " + std::to_string(c.status_code) + " " +
                               c.body.substr(0, 120));
  }
  if (t.connections.empty()) hops[4].colour = hops[5].colour = Colour::kGrey;
  // A service no connection got as far as asking is not reached, not fine.
  if (std::none_of(t.connections.begin(), t.connections.end(),
                   [](const ConnectionObservation& c) { return c.http != PhaseStatus::kNotRun; }))
    hops[5].colour = Colour::kGrey;
  for (const auto& f : r.findings) {
    if (f.severity == Severity::kOk || (f.target != t.target.host && !f.target.empty())) continue;
    if (f.target.empty() && f.layer != Layer::kContext && f.layer != Layer::kArm) continue;
    Hop& h = hops[hop_of(f)];
    h.findings.push_back(&f);
    const Colour c = f.severity == Severity::kCritical ? Colour::kRed : Colour::kAmber;
    if (c == Colour::kRed || h.colour != Colour::kRed) h.colour = c;
    if (f.cause && h.at_fault.empty())
      h.at_fault = f.cause->resource_id + " " + f.cause->property + ": " + f.cause->actual +
                   " (expected " + f.cause->expected + ")";
  }
  return hops;
}

constexpr int kBoxW = 200, kBoxH = 118, kGap = 34, kRowH = 178, kLeft = 10;

// One target's row of hops, at height `y`.
std::string svg_row(const Report& r, const TargetObservation& t, int y) {
  std::string out = "<g class=\"target\"><text x=\"" + std::to_string(kLeft) + "\" y=\"" +
                    std::to_string(y + 16) + "\" class=\"host\">" + xml_escape(t.target.host) +
                    "</text>\n";
  const auto hops = hops_for(r, t);
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const Hop& h = hops[i];
    const int x = kLeft + static_cast<int>(i) * (kBoxW + kGap), top = y + 26;
    std::string tip = h.name + ": " + word(h.colour);
    for (const auto& e : h.evidence) tip += "\n" + e;
    for (const auto* f : h.findings) tip += "\n" + f->id + ": " + f->summary;
    if (!h.at_fault.empty()) tip += "\nat fault: " + h.at_fault;
    out += "<g class=\"hop " + std::string(word(h.colour)) + "\" data-hop=\"" + xml_escape(h.name) +
           "\" data-state=\"" + word(h.colour) + "\"><title>" + xml_escape(tip) + "</title>";
    out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top) + "\" width=\"" +
           std::to_string(kBoxW) + "\" height=\"" + std::to_string(kBoxH) + "\" rx=\"8\" fill=\"" +
           fill(h.colour) + "\" stroke=\"" + stroke(h.colour) + "\" stroke-width=\"2\"/>";
    int line_y = top + 18;
    const auto text = [&](const std::string& s, const char* cls) {
      out += "<text x=\"" + std::to_string(x + 8) + "\" y=\"" + std::to_string(line_y) +
             "\" class=\"" + cls + "\">" + xml_escape(s.size() > 30 ? s.substr(0, 29) + "…" : s) +
             "</text>";
      line_y += 15;
    };
    text(h.name + " — " + word(h.colour), "name");
    std::size_t shown = 0;
    for (const auto* f : h.findings)
      if (shown++ < 2) text(f->id, "finding");
    for (const auto& l : h.lines)
      if (shown++ < 5) text(l, "line");
    if (!h.at_fault.empty())
      text("fault: " + h.at_fault.substr(h.at_fault.rfind('/') + 1), "fault");
    out += "</g>\n";
    if (i + 1 < hops.size())
      out += "<line x1=\"" + std::to_string(x + kBoxW) + "\" y1=\"" +
             std::to_string(top + kBoxH / 2) + "\" x2=\"" + std::to_string(x + kBoxW + kGap) +
             "\" y2=\"" + std::to_string(top + kBoxH / 2) +
             "\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>\n";
  }
  return out + "</g>\n";
}

std::string svg(const Report& r, bool standalone) {
  const int width = kLeft * 2 + 6 * kBoxW + 5 * kGap;
  const int height = static_cast<int>(r.observations.targets.size()) * kRowH + 10;
  std::string out;
  if (standalone) out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + std::to_string(height) + "\" role=\"img\">\n";
  out +=
      "<style>text{font:12px sans-serif;fill:#222}.host{font:bold 14px sans-serif}"
      ".name{font-weight:bold}.finding{fill:#8a0000}.fault{fill:#8a0000;font-style:italic}"
      "</style>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" "
      "fill=\"#555\"/></marker></defs>\n";
  int y = 4;
  for (const auto& t : r.observations.targets) {
    out += svg_row(r, t, y);
    y += kRowH;
  }
  return out + "</svg>\n";
}

}  // namespace

std::string render_svg(const Report& report) { return secrets::scrub(svg(report, true)); }

std::string render_html(const Report& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n<title>vnetdiag: " +
      std::string(to_string(report.verdict)) +
      "</title>\n<style>body{font:14px sans-serif;margin:16px;color:#222}"
      "h1{font-size:20px}.verdict{padding:2px 8px;border-radius:4px}"
      ".critical{background:#f8d0d0}.warning{background:#fbe7b5}.ok{background:#d4efd4}"
      "details{margin:4px 0 4px 16px}summary{cursor:pointer}code{font-size:12px}"
      "table{border-collapse:collapse}td{padding:1px 8px 1px 0;vertical-align:top}</style>\n"
      "</head><body>\n<h1>vnetdiag <span class=\"verdict " +
      std::string(to_string(report.verdict)) + "\">" + to_string(report.verdict) +
      "</span></h1>\n<p>" + xml_escape(report.started_at) + ", vnetdiag " +
      xml_escape(report.tool_version) + "</p>\n<table>";
  for (const auto& [k, v] : report.context)
    out += "<tr><td>" + xml_escape(k) + "</td><td><code>" + xml_escape(v) + "</code></td></tr>";
  out += "</table>\n" + svg(report, false);
  for (const auto& t : report.observations.targets) {
    out += "<h2>" + xml_escape(t.target.host) + "</h2>\n";
    for (const auto& h : hops_for(report, t)) {
      out += "<details" + std::string(h.colour == Colour::kRed ? " open" : "") + "><summary>" +
             xml_escape(h.name) + ": " + word(h.colour) + "</summary><ul>";
      for (const auto* f : h.findings)
        out += "<li><b>" + xml_escape(f->id) + "</b> (" + to_string(f->severity) +
               "): " + xml_escape(f->summary) + "<br>remedy: " + xml_escape(f->remedy) + "</li>";
      if (!h.at_fault.empty())
        out += "<li>at fault: <code>" + xml_escape(h.at_fault) + "</code></li>";
      for (const auto& e : h.evidence) out += "<li><code>" + xml_escape(e) + "</code></li>";
      out += "</ul></details>\n";
    }
  }
  out += "</body></html>\n";
  return secrets::scrub(out);
}

}  // namespace vnetdiag
