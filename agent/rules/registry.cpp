// THE rules table, and the engine that runs it.
//
// A rule is `RuleOutput rule(const RuleInput&)`: pure, no I/O, nothing kept between calls. It
// returns the findings it makes and, when ARM explains findings that other rules made, CauseNotes
// (finding ids, a target, the ARM resource and property). Rules never change each other's
// findings: the engine applies the notes.
//
// The engine walks the table top to bottom, so the order below is the order of the report:
//  - Scope::kRun: the rule runs once.
//  - Scope::kEachProbedTarget / kEachArmTarget: consecutive rules of the same scope form a group;
//    the engine runs the whole group for the first target, then for the next, so a target's
//    findings stay together (RuleInput::observed or ::target is set for the call).
//  - after the last rule, every CauseNote in table order: each finding (those the caller passed
//    in included) that does not pass, carries one of the note's ids and is of its target (any
//    target when none) gets the cause. A later note wins over an earlier one.
// ARM rules return nothing when RuleInput::arm is nullptr (ARM not read), arm.not_read nothing
// when it is not.
//
// Adding a finding: its entry in report/finding_table.hpp, a rule in the file of its concern
// (declared in rule_list.hpp), a row here, a test in tests/unit/rules_*_test.cpp.
#include <algorithm>

#include "rule_list.hpp"

namespace vnetdiag {
namespace {

// The packaged build's compiler (g++ 10, Debian bullseye) has no `using enum`.
constexpr Part kContext = Part::kContext, kProbes = Part::kProbes, kArm = Part::kArm;
constexpr Scope kRun = Scope::kRun, kEachProbedTarget = Scope::kEachProbedTarget,
                kEachArmTarget = Scope::kEachArmTarget;

constexpr RuleEntry kRules[] = {
    // Where the check ran, and the path requests take (context_findings).
    {"context.not_in_app", kContext, kRun, rules::not_in_app},
    {"context.no_integration", kContext, kRun, rules::no_integration},
    {"context.bad_value", kContext, kRun, rules::bad_context_value},
    {"dns.public_fallback", kContext, kRun, rules::public_dns_fallback},
    {"route.layers_disagree", kContext, kRun, rules::route_layers_disagree},
    {"route.path", kContext, kRun, rules::route_path},
    {"route.restart_pending", kContext, kRun, rules::route_restart_pending},
    // Each target: DNS, then the connections (diagnose).
    {"dns.resolver_not_forwarding", kProbes, kEachProbedTarget, rules::dns_resolver_not_forwarding},
    {"dns.answer", kProbes, kEachProbedTarget, rules::dns_answer},
    {"dns.system_disagrees", kProbes, kEachProbedTarget, rules::dns_system},
    {"dns.resolvers_disagree", kProbes, kEachProbedTarget, rules::dns_disagree},
    {"connection.layers", kProbes, kEachProbedTarget, rules::connection_layers},
    {"dns.one_family", kProbes, kEachProbedTarget, rules::address_family},
    {"connection.healthy", kProbes, kEachProbedTarget, rules::healthy_layers},
    {"check.deadline", kProbes, kRun, rules::check_deadline},
    // ARM: what it could not read, the app's configuration, each target's resources (join_planes).
    {"arm.not_read", kArm, kRun, rules::arm_not_read},
    {"arm.read_gaps", kArm, kRun, rules::arm_read_gaps},
    {"arm.integration_missing", kArm, kRun, rules::site_not_integrated},
    {"arm.https_only_off", kArm, kRun, rules::https_only_off},
    {"arm.candidate_subnet_delegation", kArm, kRun, rules::candidate_subnet_delegation},
    {"arm.integration_subnet", kArm, kRun, rules::integration_subnet},
    {"arm.plan_below_standard", kArm, kRun, rules::plan_tier},
    {"arm.custom_dns", kArm, kRun, rules::custom_dns},
    {"arm.vnet_region_mismatch", kArm, kRun, rules::vnet_region},
    {"arm.instance_without_private_ip", kArm, kRun, rules::instance_without_private_ip},
    {"arm.resolver_list_stale", kArm, kRun, rules::resolver_list_stale},
    {"arm.routeall_layers_disagree", kArm, kRun, rules::arm_route_all_layers},
    {"arm.route_all_cause", kArm, kRun, rules::arm_route_all_cause},
    {"arm.dns_server_path", kArm, kRun, rules::dns_server_path},
    {"route.outbound_split", kArm, kRun, rules::outbound_split},
    {"arm.kv_reference_unresolved", kArm, kRun, rules::kv_reference_unresolved},
    {"arm.target_exposure", kArm, kEachArmTarget, rules::target_exposure},
    {"arm.zone_group_policy_owned", kArm, kEachArmTarget, rules::zone_group_policy_owned},
    {"arm.integration_path", kArm, kEachArmTarget, rules::integration_path},
    {"arm.endpoint_subnet_policies", kArm, kEachArmTarget, rules::endpoint_subnet_policies},
    {"arm.endpoint_vnet_peering", kArm, kEachArmTarget, rules::endpoint_vnet_peering},
    {"arm.dns_root_cause", kArm, kEachArmTarget, rules::dns_root_cause},
    {"arm.ruleset_rule_diverts", kArm, kEachArmTarget, rules::ruleset_rule_diverts},
    {"arm.account_no_subdomain", kArm, kEachArmTarget, rules::account_subdomain},
    {"arm.provider_not_registered", kArm, kEachArmTarget, rules::provider_registration},
    {"arm.zone_link_no_fallback", kArm, kEachArmTarget, rules::zone_link_fallback},
    {"arm.provisioning_failed", kArm, kRun, rules::provisioning_failed},
};

void append(std::vector<Finding>& to, std::vector<Finding>&& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

bool applies(const CauseNote& note, const Finding& f) {
  if (f.severity == Severity::kOk) return false;
  if (note.target && f.target != *note.target) return false;
  return std::any_of(note.ids.begin(), note.ids.end(), [&](FindingId id) { return is(f, id); });
}

}  // namespace

std::span<const RuleEntry> rule_table() { return kRules; }

void run_rules(const RuleInput& input, std::vector<Finding>& findings, std::optional<Part> only) {
  std::vector<RuleEntry> table;
  for (const auto& entry : rule_table())
    if (!only || entry.part == *only) table.push_back(entry);
  std::vector<CauseNote> notes;
  auto run = [&](const RuleEntry& entry, const RuleInput& in) {
    RuleOutput out = entry.rule(in);
    append(findings, std::move(out.findings));
    notes.insert(notes.end(), std::make_move_iterator(out.causes.begin()),
                 std::make_move_iterator(out.causes.end()));
  };
  for (std::size_t i = 0; i < table.size();) {
    const Scope scope = table[i].scope;
    std::size_t end = i + 1;
    while (scope != kRun && end < table.size() && table[end].scope == scope) ++end;
    if (scope == kRun) {
      run(table[i], input);
    } else if (scope == kEachProbedTarget) {
      for (const auto& t : input.observations.targets) {
        RuleInput in = input;
        in.observed = &t;
        for (std::size_t k = i; k < end; ++k) run(table[k], in);
      }
    } else {
      for (const auto& t : input.targets) {
        RuleInput in = input;
        in.target = &t;
        for (std::size_t k = i; k < end; ++k) run(table[k], in);
      }
    }
    i = end;
  }
  apply_causes(notes, findings);
}

void apply_causes(const std::vector<CauseNote>& notes, std::vector<Finding>& findings) {
  for (const auto& note : notes)
    for (auto& f : findings)
      if (applies(note, f)) f.cause = note.cause;
}

}  // namespace vnetdiag
