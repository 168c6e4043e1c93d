// DNS rules: what the resolvers answered for each target, and whether they agree.
#include <algorithm>

#include "dns_answer.hpp"
#include "rule_list.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

constexpr double kSlowResolverMs = 1000;
constexpr uint32_t kLongTtlSeconds = 300;

void add_or_merge(std::vector<Finding>& findings, Finding f, const std::string& resolver) {
  for (auto& existing : findings) {
    if (existing.id == f.id && existing.target == f.target) {
      existing.evidence["resolvers"] += ", " + resolver;
      return;
    }
  }
  f.evidence["resolvers"] = resolver;
  findings.push_back(std::move(f));
}

bool someone_private(const std::vector<ResolverOutcome>& outcomes) {
  return std::any_of(outcomes.begin(), outcomes.end(), [](const ResolverOutcome& o) {
    return o.id == FindingId("dns.private_endpoint");
  });
}

}  // namespace

// FM-17: one resolver gives the private answer, another does not. Name the one that is wrong
// (before the target's other DNS findings, the last wrong resolver first).
std::vector<Finding> dns_not_forwarding(const TargetObservation& t,
                                        const std::vector<Resolver>& known,
                                        const std::vector<ResolverOutcome>& outcomes) {
  std::vector<Finding> findings;
  if (!someone_private(outcomes)) return findings;
  for (const auto& o : outcomes) {
    if (!is_wrong_answer(o.id)) continue;
    const std::string name = resolver_name(o.resolver, known);
    Finding f = make_finding("dns.resolver_not_forwarding", t.target.label(),
                             name + " answers " + std::string(o.id.text().substr(4)));
    f.evidence["resolver"] = name;
    for (const auto& other : outcomes)
      if (other.id == FindingId("dns.private_endpoint"))
        f.evidence["private_answer_from"] = resolver_name(other.resolver, known);
    f.summary = "resolver " + name + ": " + f.summary;
    findings.insert(findings.begin(), std::move(f));
  }
  return findings;
}

// One finding per distinct answer (resolvers giving the same one are merged into its evidence),
// with a slow resolver and a long TTL on a wrong answer said next to it.
std::vector<Finding> dns_answers(const TargetObservation& t, const std::vector<Resolver>& known,
                                 const std::vector<ResolverOutcome>& outcomes) {
  std::vector<Finding> findings;
  const std::string label = t.target.label();
  for (const auto& o : outcomes) {
    const DnsObservation& e = *o.evidence;
    Finding f = make_finding(o.id, label, o.detail);
    if (e.status == DnsStatus::kAnswered && e.duration_ms > kSlowResolverMs) {
      Finding slow = make_finding(
          "dns.slow_resolver", label,
          resolver_name(o.resolver, known) + " took " + format_ms(e.duration_ms) + " ms");
      slow.evidence["resolvers"] = o.resolver;
      findings.push_back(std::move(slow));
    }
    if (is_wrong_answer(o.id)) {
      uint32_t max_ttl = 0;
      for (const auto& rec : e.answers) max_ttl = std::max(max_ttl, rec.ttl);
      if (max_ttl > kLongTtlSeconds) {
        Finding ttl = make_finding("dns.long_ttl", label, std::to_string(max_ttl) + " s");
        ttl.evidence["chain"] = chain_text(e);
        findings.push_back(std::move(ttl));
      }
    }
    if (e.status == DnsStatus::kAnswered) {
      f.evidence["rcode"] = e.rcode;
      f.evidence["chain"] = chain_text(e);
      uint32_t min_ttl = UINT32_MAX;
      for (const auto& rec : e.answers) min_ttl = std::min(min_ttl, rec.ttl);
      if (min_ttl != UINT32_MAX) f.evidence["min_ttl_s"] = std::to_string(min_ttl);
    } else {
      f.evidence["status"] = to_string(e.status);
    }
    f.evidence["duration_ms"] = format_ms(e.duration_ms);
    add_or_merge(findings, std::move(f), o.resolver);
  }
  return findings;
}

// What the app's own code gets (getaddrinfo) against the direct answers of resolv.conf's servers.
std::vector<Finding> dns_system_disagrees(const TargetObservation& t,
                                          const std::vector<Resolver>& known) {
  if (!t.system.asked) return {};
  std::set<std::string> direct;
  bool direct_answered = false;
  for (const auto& d : t.dns) {
    bool from_resolv_conf = known.empty();
    for (const auto& r : known)
      if (r.label() == d.resolver && r.origin.find("resolv.conf") != std::string::npos)
        from_resolv_conf = true;
    if (!from_resolv_conf || d.status != DnsStatus::kAnswered) continue;
    direct_answered = true;
    direct.insert(d.addresses.begin(), d.addresses.end());
  }
  const std::set<std::string> system(t.system.addresses.begin(), t.system.addresses.end());
  std::string detail;
  if (!t.system.answered)
    detail = "getaddrinfo did not answer within the DNS budget";
  else if (direct_answered && system != direct)
    detail = "getaddrinfo gives " +
             (system.empty() ? t.system.error : join(t.system.addresses, ", ")) +
             ", direct queries give " +
             (direct.empty() ? std::string("no address")
                             : join(std::vector<std::string>(direct.begin(), direct.end()), ", "));
  // Both failing is not a disagreement: the resolver findings already say it.
  if (detail.empty() || !direct_answered || (direct.empty() && system.empty())) return {};
  Finding f = make_finding("dns.system_disagrees", t.target.label(), detail);
  f.evidence["getaddrinfo_ms"] = format_ms(t.system.duration_ms);
  return {std::move(f)};
}

// Resolvers that answer differently, when dns.resolver_not_forwarding has not named one already.
std::vector<Finding> dns_resolvers_disagree(const TargetObservation& t,
                                            const std::vector<ResolverOutcome>& outcomes) {
  if (someone_private(outcomes) &&
      std::any_of(outcomes.begin(), outcomes.end(),
                  [](const ResolverOutcome& o) { return is_wrong_answer(o.id); }))
    return {};
  std::vector<std::pair<std::string, std::set<std::string>>> answers;  // resolver -> addresses
  for (const auto& o : outcomes) {
    if (o.evidence->status != DnsStatus::kAnswered) continue;
    std::set<std::string> key = o.addresses;
    if (key.empty()) key.insert(o.evidence->rcode);
    answers.emplace_back(o.resolver, key);
  }
  for (std::size_t i = 1; i < answers.size(); ++i) {
    if (answers[i].second == answers[0].second) continue;
    Finding f = make_finding("dns.resolvers_disagree", t.target.label(),
                             answers[0].first + " vs " + answers[i].first);
    for (const auto& [resolver, addrs] : answers)
      f.evidence["answer " + resolver] =
          join(std::vector<std::string>(addrs.begin(), addrs.end()), ", ");
    return {std::move(f)};
  }
  return {};
}

namespace rules {

RuleOutput dns_resolver_not_forwarding(const RuleInput& in) {
  const auto outcomes = resolver_outcomes(*in.observed, unreachable_resolvers(in.observations));
  return {dns_not_forwarding(*in.observed, in.observations.resolvers, outcomes), {}};
}

RuleOutput dns_answer(const RuleInput& in) {
  const auto outcomes = resolver_outcomes(*in.observed, unreachable_resolvers(in.observations));
  return {dns_answers(*in.observed, in.observations.resolvers, outcomes), {}};
}

RuleOutput dns_system(const RuleInput& in) {
  return {dns_system_disagrees(*in.observed, in.observations.resolvers), {}};
}

RuleOutput dns_disagree(const RuleInput& in) {
  const auto outcomes = resolver_outcomes(*in.observed, unreachable_resolvers(in.observations));
  return {dns_resolvers_disagree(*in.observed, outcomes), {}};
}

}  // namespace rules
}  // namespace vnetdiag
