#include "dns_answer.hpp"

#include <algorithm>
#include <optional>

#include "address_class.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

bool chain_has_privatelink_alias(const DnsObservation& dns, const Target& target) {
  for (const auto& name : dns.chain) {
    const std::string n = lower(name);
    if (!target.privatelink_zone.empty()) {
      if (ends_with(n, "." + lower(target.privatelink_zone))) return true;
    } else if (n.find(".privatelink.") != std::string::npos || starts_with(n, "privatelink.")) {
      return true;
    }
  }
  return false;
}

std::string joined(const std::set<std::string>& items) {
  return join(std::vector<std::string>(items.begin(), items.end()), ", ");
}

// The finding id and detail of one resolver's A and AAAA answers.
struct Verdict {
  std::optional<FindingId> id;
  std::string detail;
};

Verdict failed_query(const DnsObservation& d) {
  switch (d.status) {
    case DnsStatus::kTimeout:
      return {FindingId("dns.timeout"), d.error};
    case DnsStatus::kUnreachable:
      return {FindingId("dns.unreachable"), d.error};
    case DnsStatus::kMalformed:
      return {FindingId("dns.malformed"), d.error};
    case DnsStatus::kError:
      return {FindingId("dns.servfail"), d.error};
    case DnsStatus::kAnswered:
      break;
  }
  if (d.rcode == "NXDOMAIN")
    return {FindingId("dns.nxdomain"),
            d.chain.size() > 1 ? "for " + d.chain.back()
                               : "the name " + d.chain.front() + " does not exist at all"};
  if (d.rcode == "REFUSED") return {FindingId("dns.refused"), ""};
  if (d.rcode != "NOERROR") return {FindingId("dns.servfail"), "rcode " + d.rcode};
  return {};
}

Verdict answered(const Target& target, const DnsObservation& d,
                 const std::set<std::string>& addresses) {
  if (addresses.empty()) return {FindingId("dns.no_answer"), ""};
  if (target.kind == TargetKind::kCustom) return {FindingId("dns.resolved"), ""};
  if (!chain_has_privatelink_alias(d, target))
    return {FindingId("dns.alias_missing"), "chain ends at " + joined(addresses)};
  std::vector<std::string> public_ones;
  for (const auto& ip : addresses)
    if (!is_private_endpoint_class(classify_address(ip))) public_ones.push_back(ip);
  if (!public_ones.empty()) return {FindingId("dns.public_address"), join(public_ones, ", ")};
  return {FindingId("dns.private_endpoint"), joined(addresses)};
}

}  // namespace

std::vector<ResolverOutcome> resolver_outcomes(const TargetObservation& t,
                                               const std::set<std::string>& unreachable) {
  std::vector<std::string> resolvers;
  for (const auto& d : t.dns)
    if (std::find(resolvers.begin(), resolvers.end(), d.resolver) == resolvers.end())
      resolvers.push_back(d.resolver);
  std::vector<ResolverOutcome> outcomes;
  for (const auto& r : resolvers) {
    const DnsObservation* a = nullptr;
    const DnsObservation* aaaa = nullptr;
    for (const auto& d : t.dns)
      if (d.resolver == r) (d.qtype == "AAAA" ? aaaa : a) = &d;
    const DnsObservation* evidence = a ? a : aaaa;
    if (!evidence) continue;
    Verdict v = failed_query(*evidence);
    std::set<std::string> addresses;
    if (!v.id) {
      for (const DnsObservation* o : {a, aaaa})
        if (o && o->status == DnsStatus::kAnswered)
          addresses.insert(o->addresses.begin(), o->addresses.end());
      v = answered(t.target, *evidence, addresses);
    }
    if (*v.id == "dns.timeout" && unreachable.count(r)) {
      v.id = FindingId("dns.unreachable");
      v.detail = "port unreachable on other queries to this server";
    }
    outcomes.push_back({r, *v.id, v.detail, evidence, std::move(addresses)});
  }
  return outcomes;
}

std::set<std::string> unreachable_resolvers(const Observations& observations) {
  std::set<std::string> unreachable;
  for (const auto& t : observations.targets)
    for (const auto& d : t.dns)
      if (d.status == DnsStatus::kUnreachable) unreachable.insert(d.resolver);
  return unreachable;
}

std::string resolver_name(const std::string& label, const std::vector<Resolver>& known) {
  for (const auto& r : known)
    if (r.label() == label) return label + " (" + r.origin + ")";
  return label;
}

bool is_wrong_answer(FindingId id) {
  return id == "dns.public_address" || id == "dns.alias_missing" || id == "dns.nxdomain" ||
         id == "dns.no_answer";
}

std::string chain_text(const DnsObservation& dns) {
  std::string text = join(dns.chain, " -> ");
  if (!dns.addresses.empty()) text += " -> " + join(dns.addresses, ", ");
  return text;
}

}  // namespace vnetdiag
