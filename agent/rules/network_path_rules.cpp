// ARM rules about the path from the integration subnet to each private endpoint (and to a custom
// DNS server): the integration subnet's NSG (FM-09) and route table (FM-10), the endpoint
// subnet's NSG when its network policies apply (FM-11), and VNet peering (FM-26).
//
// NSGs are evaluated as Azure does: the rules of the direction by priority, lowest number first,
// the first that matches decides, the default rules (65000..65500) last. A rule whose match the
// check cannot know (a service tag other than VirtualNetwork, an application security group, a
// prefix that partly covers the integration subnet, a missing priority) stops the walk: the
// verdict is "not judged", named as such, never a guess. Only IPv4 is evaluated.
#include <algorithm>
#include <cstdint>

#include "arm_facts.hpp"
#include "cidr.hpp"
#include "estate_facts.hpp"
#include "resource_id.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {

namespace {

using arm_facts::text;

enum class Tri { kNo, kYes, kUnknown };

Tri both(Tri a, Tri b) {
  if (a == Tri::kNo || b == Tri::kNo) return Tri::kNo;
  if (a == Tri::kYes && b == Tri::kYes) return Tri::kYes;
  return Tri::kUnknown;
}

using cidr::Cidr;
using cidr::contains;
using cidr::ipv4;
using cidr::overlaps;

// One side of a flow: the addresses it may come from or go to (all of them), and the address
// space the NSG's VirtualNetwork tag covers there.
struct Side {
  std::vector<Cidr> nets;
  std::vector<Cidr> virtual_network;  // the VNet's prefixes and its Connected peers'
};

bool all_within(const std::vector<Cidr>& nets, const std::vector<Cidr>& space) {
  if (nets.empty()) return false;
  return std::all_of(nets.begin(), nets.end(), [&](const Cidr& n) {
    return std::any_of(space.begin(), space.end(), [&](const Cidr& s) { return contains(s, n); });
  });
}

bool all_rfc1918(const std::vector<Cidr>& nets) {
  const std::vector<Cidr> private_ranges = {{0x0A000000, 8}, {0xAC100000, 12}, {0xC0A80000, 16}};
  return all_within(nets, private_ranges);
}

Tri prefix_matches(const std::string& prefix, const Side& side) {
  const std::string p = lower(prefix);
  if (p == "*" || p == "any" || p == "0.0.0.0/0") return Tri::kYes;
  if (auto c = cidr::parse(prefix)) {
    bool all_in = !side.nets.empty(), any_overlap = false;
    for (const auto& n : side.nets) {
      all_in = all_in && contains(*c, n);
      any_overlap = any_overlap || overlaps(*c, n);
    }
    if (all_in) return Tri::kYes;
    return any_overlap ? Tri::kUnknown : Tri::kNo;
  }
  if (p == "virtualnetwork")
    return all_within(side.nets, side.virtual_network) ? Tri::kYes : Tri::kUnknown;
  // Private addresses are in neither the Internet nor the AzureLoadBalancer tag.
  if ((p == "internet" || p == "azureloadbalancer") && all_rfc1918(side.nets)) return Tri::kNo;
  return Tri::kUnknown;
}

Tri prefixes_match(const arm::Text& one, const std::vector<std::string>& many, const Side& side) {
  std::vector<std::string> all = many;
  if (one && !one->empty()) all.push_back(*one);
  if (all.empty()) return Tri::kUnknown;
  Tri out = Tri::kNo;
  for (const auto& p : all) {
    const Tri m = prefix_matches(p, side);
    if (m == Tri::kYes) return Tri::kYes;
    if (m == Tri::kUnknown) out = Tri::kUnknown;
  }
  return out;
}

Tri port_matches(const arm::Text& one, const std::vector<std::string>& many, int port) {
  std::vector<std::string> all = many;
  if (one && !one->empty()) all.push_back(*one);
  if (all.empty()) return Tri::kUnknown;
  Tri out = Tri::kNo;
  for (const auto& r : all) {
    if (r == "*") return Tri::kYes;
    const auto dash = r.find('-');
    try {
      const int lo = std::stoi(r.substr(0, dash));
      const int hi = dash == std::string::npos ? lo : std::stoi(r.substr(dash + 1));
      if (lo <= port && port <= hi) return Tri::kYes;
    } catch (...) {
      out = Tri::kUnknown;
    }
  }
  return out;
}

Tri protocol_matches(const arm::Text& protocol, const std::string& want) {
  if (!protocol) return Tri::kUnknown;
  const std::string p = lower(*protocol);
  if (p == "*" || p == "any" || p == lower(want)) return Tri::kYes;
  return Tri::kNo;
}

struct Flow {
  std::string direction;  // "Outbound" / "Inbound"
  std::string protocol;   // "Tcp" / "Udp"
  int port = 0;
  Side source, destination;
};

Tri rule_matches(const arm::SecurityRule& r, const Flow& f) {
  Tri m = r.direction ? (lower(*r.direction) == lower(f.direction) ? Tri::kYes : Tri::kNo)
                      : Tri::kUnknown;
  m = both(m, protocol_matches(r.protocol, f.protocol));
  m = both(m, port_matches(r.destination_port_range, r.destination_port_ranges, f.port));
  m = both(m, prefixes_match(r.source_address_prefix, r.source_address_prefixes, f.source));
  m = both(m, prefixes_match(r.destination_address_prefix, r.destination_address_prefixes,
                             f.destination));
  if (r.uses_application_groups) m = both(m, Tri::kUnknown);
  return m;
}

arm::SecurityRule default_rule(const char* name, const char* direction, std::int64_t priority,
                               const char* access, const char* source, const char* destination) {
  arm::SecurityRule r;
  r.name = name;
  r.protocol = "*";
  r.access = access;
  r.direction = direction;
  r.priority = priority;
  r.source_address_prefix = source;
  r.destination_address_prefix = destination;
  r.destination_port_range = "*";
  r.is_default = true;
  return r;
}

// Azure's default rules, for an NSG body that does not list them.
std::vector<arm::SecurityRule> azure_default_rules() {
  return {default_rule("AllowVnetInBound", "Inbound", 65000, "Allow", "VirtualNetwork",
                       "VirtualNetwork"),
          default_rule("AllowAzureLoadBalancerInBound", "Inbound", 65001, "Allow",
                       "AzureLoadBalancer", "*"),
          default_rule("DenyAllInBound", "Inbound", 65500, "Deny", "*", "*"),
          default_rule("AllowVnetOutBound", "Outbound", 65000, "Allow", "VirtualNetwork",
                       "VirtualNetwork"),
          default_rule("AllowInternetOutBound", "Outbound", 65001, "Allow", "*", "Internet"),
          default_rule("DenyAllOutBound", "Outbound", 65500, "Deny", "*", "*")};
}

enum class Verdict { kAllow, kDeny, kNotJudged };

struct NsgVerdict {
  Verdict verdict = Verdict::kNotJudged;
  arm::SecurityRule rule;  // the deciding (or undecidable) rule
  std::string why;         // for kNotJudged
};

NsgVerdict evaluate(const arm::Nsg& nsg, const Flow& flow) {
  std::vector<arm::SecurityRule> rules = nsg.rules;
  if (!nsg.has_default_rules)
    for (auto& r : azure_default_rules()) rules.push_back(std::move(r));
  std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) {
    return a.priority.value_or(-1) < b.priority.value_or(-1);
  });
  for (const auto& r : rules) {
    const Tri m = rule_matches(r, flow);
    if (m == Tri::kNo) continue;
    if (m == Tri::kUnknown || !r.priority)
      return {Verdict::kNotJudged, r,
              "rule " + text(r.name) +
                  " may match (a service tag, application security group, partial prefix or "
                  "missing field the check cannot evaluate)"};
    const std::string access = lower(text(r.access));
    if (access == "allow") return {Verdict::kAllow, r, ""};
    if (access == "deny") return {Verdict::kDeny, r, ""};
    return {Verdict::kNotJudged, r,
            "rule " + text(r.name) + " has access '" + text(r.access) + "'"};
  }
  return {Verdict::kNotJudged, {}, "no rule, not even a default one, matches"};
}

std::string rule_id(const arm::Nsg& nsg, const arm::SecurityRule& r) {
  return text(nsg.id) + (r.is_default ? "/defaultSecurityRules/" : "/securityRules/") +
         text(r.name);
}

std::string describe(const arm::SecurityRule& r) {
  auto list = [](const arm::Text& one, const std::vector<std::string>& many) {
    std::vector<std::string> all = many;
    if (one && !one->empty()) all.push_back(*one);
    return all.empty() ? std::string("?") : join(all, ",");
  };
  return text(r.access) + " " + text(r.direction) + " priority " +
         (r.priority ? std::to_string(*r.priority) : std::string("?")) + " " + text(r.protocol) +
         " " + list(r.source_address_prefix, r.source_address_prefixes) + " -> " +
         list(r.destination_address_prefix, r.destination_address_prefixes) + ":" +
         list(r.destination_port_range, r.destination_port_ranges);
}

std::vector<Cidr> cidrs(const std::vector<std::string>& prefixes) {
  std::vector<Cidr> out;
  for (const auto& p : prefixes)
    if (auto c = cidr::parse(p)) out.push_back(*c);
  return out;
}

std::vector<Cidr> subnet_nets(const arm::Subnet& s) {
  std::vector<std::string> all = s.address_prefixes;
  if (s.address_prefix) all.push_back(*s.address_prefix);
  return cidrs(all);
}

bool connected(const arm::Peering& p) {
  return lower(text(p.peering_state)) == "connected" && p.allow_virtual_network_access != false;
}

// A VNet's own prefixes and those of its Connected peers: the VirtualNetwork tag there.
std::vector<Cidr> virtual_network_of(const arm::Vnet* vnet) {
  if (!vnet) return {};
  std::vector<Cidr> out = cidrs(vnet->address_prefixes);
  for (const auto& p : vnet->peerings)
    if (connected(p))
      for (const auto& c : cidrs(p.remote_address_prefixes)) out.push_back(c);
  return out;
}

std::string vnet_of(const std::string& subnet_id) {
  if (auto sid = arm::parse_resource_id(subnet_id); sid && sid->parent())
    return sid->parent()->str();
  return "";
}

// Whether the integration subnet's traffic to `address` enters the VNet at all: RFC1918 always,
// anything else only with route-all on (route.outside_vnet covers the other case).
bool route_all_on(const RuleInput& in) {
  if (in.route_all.effective == "on") return true;
  const arm::ArmState& s = *in.arm;
  if (s.site && s.site->outbound_routing && s.site->outbound_routing->all_traffic == true)
    return true;
  if (s.site && s.site->vnet_route_all_enabled == true) return true;
  if (s.site_config && s.site_config->vnet_route_all_enabled == true) return true;
  return s.app_settings && text(s.app_settings->website_vnet_route_all) == "1";
}

bool enters_vnet(const RuleInput& in, const std::string& address) {
  const auto ip = ipv4(address);
  return ip && (all_rfc1918({Cidr{*ip, 32}}) || route_all_on(in));
}

// The integration subnet as read (its own GET, else inside the VNet), and its VNet.
const arm::Subnet* integration_subnet_of(const arm::ArmState& s) {
  if (s.subnet) return &*s.subnet;
  return s.subnet_by_id(arm_facts::subnet_id(s));
}

Finding not_judged(const std::string& target, const std::string& resource,
                   const std::string& property, const std::string& why) {
  Finding f = control_finding("arm.path_not_judged", target,
                              {resource, property, why, "a rule the check can evaluate"});
  f.summary += " (" + why + ")";
  return f;
}

// A finding with its cause, and the same cause for the data-plane symptom of the target.
void add(RuleOutput& out, Finding f, const std::vector<FindingId>& symptoms) {
  out.causes.push_back(CauseNote{symptoms, f.target, f.cause ? *f.cause : Cause{}});
  out.findings.push_back(std::move(f));
}

struct Endpoint {
  const arm::PrivateEndpoint* pe;
  std::string address;
};

// The target's endpoints with an address (Approved ones first; the DNS chain rules judge the
// rest).
std::vector<Endpoint> endpoints_of(const RuleInput& in) {
  std::vector<Endpoint> out;
  const auto resource = arm_facts::target_resource(*in.arm, *in.target);
  if (!resource || !resource->found || !estate_facts::read_whole(*in.arm, "private endpoints"))
    return out;
  for (const arm::PrivateEndpoint* pe : in.arm->endpoints_for(resource->id)) {
    if (lower(pe->connection_status()) != "approved") continue;
    const std::string address = in.arm->endpoint_address(*pe);
    if (ipv4(address)) out.push_back({pe, address});
  }
  return out;
}

std::vector<FindingId> tcp_symptoms() {
  return {FindingId("tcp.timeout"), FindingId("tls.timeout"), FindingId("http.timeout")};
}
std::vector<FindingId> dns_symptoms() {
  return {FindingId("dns.timeout"), FindingId("dns.unreachable")};
}

// FM-09 for one flow out of the integration subnet.
void integration_nsg(const RuleInput& in, RuleOutput& out, const std::string& target,
                     const std::string& address, const Flow& flow,
                     const std::vector<FindingId>& symptoms) {
  const arm::Subnet* subnet = integration_subnet_of(*in.arm);
  if (!subnet || !subnet->network_security_group_id) return;
  const std::string nsg_id = *subnet->network_security_group_id;
  if (!in.arm->was_read("nsg:" + lower(nsg_id))) return;  // arm.read_incomplete says so
  const arm::Nsg* nsg = in.arm->nsg(nsg_id);
  if (!nsg) return;
  const NsgVerdict v = evaluate(*nsg, flow);
  const std::string what = flow.protocol + " " + std::to_string(flow.port) + " to " + address;
  if (v.verdict == Verdict::kDeny) {
    Finding f = control_finding("arm.nsg_denies", target,
                                {rule_id(*nsg, v.rule), "properties.access", describe(v.rule),
                                 "an Allow rule of lower priority number for " + what});
    f.summary +=
        " (" + what + " from the integration subnet is denied by " + text(v.rule.name) + ")";
    f.evidence["nsg"] = text(nsg->id);
    f.evidence["rule"] = describe(v.rule);
    f.evidence["flow"] = flow.direction + " " + what;
    add(out, std::move(f), symptoms);
  } else if (v.verdict == Verdict::kNotJudged) {
    out.findings.push_back(
        not_judged(target, text(nsg->id),
                   "properties.securityRules (" + flow.direction + " " + what + ")", v.why));
  }
}

struct RouteVerdict {
  bool diverted = false, judged = true;
  arm::Route route;
  std::string why;
};

// FM-10: the longest-prefix match among the table's routes and the system routes the check
// knows (the VNet's own prefixes and its Connected peers', and an endpoint's /32).
RouteVerdict route_for(const arm::RouteTable& table, const std::string& address,
                       const std::vector<Cidr>& system, bool endpoint_route,
                       bool udr_may_override) {
  RouteVerdict v;
  const auto ip = ipv4(address);
  if (!ip) return {false, false, {}, "not an IPv4 address"};
  const Cidr dest{*ip, 32};
  int best_system = -1;
  for (const auto& c : system)
    if (contains(c, dest)) best_system = std::max(best_system, c.bits);
  if (endpoint_route) best_system = 32;
  int best_udr = -1;
  bool tagged = false;
  for (const auto& r : table.routes) {
    const auto c = cidr::parse(text(r.address_prefix));
    if (!c) {
      tagged = true;
      continue;
    }
    if (contains(*c, dest) && c->bits > best_udr) {
      best_udr = c->bits;
      v.route = r;
    }
  }
  if (tagged && best_udr < 32 && best_system < 32)
    return {false, false, {}, "a route's addressPrefix is a service tag the check cannot expand"};
  if (best_udr < 0) return v;
  if (endpoint_route) {
    // The endpoint's /32 wins unless its subnet's policies let an equal-or-longer UDR override.
    if (!udr_may_override) return v;
    if (best_udr < 32) {
      v.judged = false;
      v.why = "route " + text(v.route.name) +
              " covers the endpoint with a prefix shorter than its /32, in a subnet whose "
              "privateEndpointNetworkPolicies let UDRs apply";
      return v;
    }
  } else if (best_udr < best_system) {
    return v;
  }
  const std::string hop = lower(text(v.route.next_hop_type));
  v.diverted = hop == "virtualappliance" || hop == "internet" || hop == "none";
  return v;
}

void integration_route(const RuleInput& in, RuleOutput& out, const std::string& target,
                       const std::string& address, const arm::Subnet* endpoint_subnet,
                       const std::vector<FindingId>& symptoms) {
  const arm::Subnet* subnet = integration_subnet_of(*in.arm);
  if (!subnet || !subnet->route_table_id) return;
  const std::string table_id = *subnet->route_table_id;
  if (!in.arm->was_read("route table:" + lower(table_id))) return;
  const arm::RouteTable* table = in.arm->route_table(table_id);
  if (!table) return;
  const std::string policies =
      endpoint_subnet ? lower(text(endpoint_subnet->private_endpoint_network_policies)) : "";
  const RouteVerdict v = route_for(
      *table, address, virtual_network_of(in.arm->vnet ? &*in.arm->vnet : nullptr),
      endpoint_subnet != nullptr, policies == "enabled" || policies == "routetableenabled");
  if (!v.judged) {
    out.findings.push_back(
        not_judged(target, text(table->id), "properties.routes (to " + address + ")", v.why));
    return;
  }
  if (!v.diverted) return;
  Finding f = control_finding(
      "arm.route_diverts", target,
      {text(table->id) + "/routes/" + text(v.route.name), "properties.nextHopType",
       text(v.route.next_hop_type) + " for " + text(v.route.address_prefix) +
           (v.route.next_hop_ip_address ? " via " + *v.route.next_hop_ip_address : ""),
       "VnetLocal (no route that takes " + address + " out of the VNet)"});
  f.summary += " (traffic to " + address + " goes to " + text(v.route.next_hop_type) + ")";
  f.evidence["route_table"] = text(table->id);
  f.evidence["route"] = text(v.route.name) + " " + text(v.route.address_prefix) + " -> " +
                        text(v.route.next_hop_type);
  add(out, std::move(f), symptoms);
}

// The custom DNS servers the app uses: WEBSITE_DNS_SERVER, else the VNet's.
std::vector<std::string> custom_dns_servers(const arm::ArmState& s) {
  std::vector<std::string> out = s.app_dns_servers();
  out.erase(std::remove(out.begin(), out.end(), estate_facts::kAzureDns), out.end());
  return out;
}

Side integration_side(const arm::ArmState& s) {
  const arm::Subnet* subnet = integration_subnet_of(s);
  return {subnet ? subnet_nets(*subnet) : std::vector<Cidr>{},
          virtual_network_of(s.vnet ? &*s.vnet : nullptr)};
}

}  // namespace

namespace rules {

// FM-09/FM-10 for each target: the integration subnet's NSG and route table on the way to the
// target's private endpoint address.
RuleOutput integration_path(const RuleInput& in) {
  if (!in.arm || !in.arm->site) return {};
  RuleOutput out;
  const std::string label = in.target->label();
  for (const auto& e : endpoints_of(in)) {
    if (!enters_vnet(in, e.address)) continue;
    const auto ip = ipv4(e.address);
    Flow flow{"Outbound",
              "Tcp",
              443,
              integration_side(*in.arm),
              {{Cidr{*ip, 32}}, virtual_network_of(in.arm->vnet ? &*in.arm->vnet : nullptr)}};
    integration_nsg(in, out, label, e.address, flow, tcp_symptoms());
    integration_route(in, out, label, e.address, in.arm->subnet_by_id(text(e.pe->subnet_id)),
                      tcp_symptoms());
  }
  return out;
}

// FM-09/FM-10 for the custom DNS servers: UDP and TCP 53 out of the integration subnet.
RuleOutput dns_server_path(const RuleInput& in) {
  if (!in.arm || !in.arm->site) return {};
  RuleOutput out;
  for (const auto& server : custom_dns_servers(*in.arm)) {
    const auto ip = ipv4(server);
    if (!ip || !enters_vnet(in, server)) continue;
    for (const char* protocol : {"Udp", "Tcp"}) {
      Flow flow{"Outbound",
                protocol,
                53,
                integration_side(*in.arm),
                {{Cidr{*ip, 32}}, virtual_network_of(in.arm->vnet ? &*in.arm->vnet : nullptr)}};
      const std::size_t before = out.findings.size();
      integration_nsg(in, out, "", server, flow, dns_symptoms());
      if (out.findings.size() != before) break;  // one finding per server
    }
    integration_route(in, out, "", server, nullptr, dns_symptoms());
  }
  return out;
}

// FM-11: the endpoint subnet's NSG applies to the endpoint only when the subnet's
// privateEndpointNetworkPolicies say so; then it must let the integration subnet in on 443.
RuleOutput endpoint_subnet_policies(const RuleInput& in) {
  if (!in.arm || !in.arm->site) return {};
  RuleOutput out;
  const std::string label = in.target->label();
  for (const auto& e : endpoints_of(in)) {
    const std::string subnet_id = text(e.pe->subnet_id);
    const arm::Subnet* subnet = in.arm->subnet_by_id(subnet_id);
    if (!subnet || !subnet->network_security_group_id) continue;
    const std::string policies = lower(text(subnet->private_endpoint_network_policies));
    if (policies != "enabled" && policies != "networksecuritygroupenabled") continue;
    const std::string nsg_id = *subnet->network_security_group_id;
    if (!in.arm->was_read("nsg:" + lower(nsg_id))) continue;
    const arm::Nsg* nsg = in.arm->nsg(nsg_id);
    const arm::Subnet* source = integration_subnet_of(*in.arm);
    if (!nsg || !source || subnet_nets(*source).empty()) continue;
    const arm::Vnet* vnet = in.arm->vnet_by_id(vnet_of(subnet_id));
    const auto ip = ipv4(e.address);
    Flow flow{"Inbound",
              "Tcp",
              443,
              {subnet_nets(*source), virtual_network_of(vnet)},
              {{Cidr{*ip, 32}}, virtual_network_of(vnet)}};
    const NsgVerdict v = evaluate(*nsg, flow);
    const std::string what = "TCP 443 from the integration subnet to " + e.address;
    if (v.verdict == Verdict::kDeny) {
      Finding f = control_finding("arm.endpoint_nsg_denies", label,
                                  {rule_id(*nsg, v.rule), "properties.access", describe(v.rule),
                                   "an Allow rule for " + what +
                                       ", or the subnet's privateEndpointNetworkPolicies "
                                       "Disabled"});
      f.summary += " (" + what + " is denied by " + text(v.rule.name) + "; " + subnet_id +
                   " privateEndpointNetworkPolicies " +
                   text(subnet->private_endpoint_network_policies) + ")";
      f.evidence["nsg"] = text(nsg->id);
      f.evidence["rule"] = describe(v.rule);
      f.evidence["privateEndpointNetworkPolicies"] =
          text(subnet->private_endpoint_network_policies);
      add(out, std::move(f), tcp_symptoms());
    } else if (v.verdict == Verdict::kNotJudged) {
      out.findings.push_back(not_judged(label, text(nsg->id),
                                        "properties.securityRules (Inbound " + what + ")", v.why));
    }
  }
  return out;
}

// FM-26: the endpoint's VNet must be the integration VNet or a Connected peer of it.
RuleOutput endpoint_vnet_peering(const RuleInput& in) {
  if (!in.arm || !in.arm->site || !in.arm->vnet) return {};
  const std::string integration_vnet = arm_facts::vnet_id(*in.arm);
  if (integration_vnet.empty()) return {};
  RuleOutput out;
  const std::string label = in.target->label();
  for (const auto& e : endpoints_of(in)) {
    const std::string pe_vnet = vnet_of(text(e.pe->subnet_id));
    if (pe_vnet.empty() || arm::same_resource(pe_vnet, integration_vnet)) continue;
    const arm::Peering* peering = nullptr;
    for (const auto& p : in.arm->vnet->peerings)
      if (p.remote_virtual_network_id && arm::same_resource(*p.remote_virtual_network_id, pe_vnet))
        peering = &p;
    if (!peering) {
      Finding f = control_finding("arm.vnet_not_peered", label,
                                  {integration_vnet, "properties.virtualNetworkPeerings",
                                   "none to " + pe_vnet, "a Connected peering to " + pe_vnet});
      f.summary += " (endpoint " + text(e.pe->id) + " at " + e.address + " is in " + pe_vnet + ")";
      add(out, std::move(f), tcp_symptoms());
    } else if (!connected(*peering)) {
      const bool state_wrong = lower(text(peering->peering_state)) != "connected";
      Finding f = control_finding(
          "arm.peering_not_connected", label,
          {text(peering->id),
           state_wrong ? "properties.peeringState" : "properties.allowVirtualNetworkAccess",
           state_wrong ? text(peering->peering_state) : text(peering->allow_virtual_network_access),
           state_wrong ? "Connected" : "true"});
      f.summary += " (endpoint " + text(e.pe->id) + " at " + e.address + " is in " + pe_vnet + ")";
      add(out, std::move(f), tcp_symptoms());
    }
  }
  return out;
}

}  // namespace rules
}  // namespace vnetdiag
