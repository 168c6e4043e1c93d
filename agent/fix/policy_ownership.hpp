#pragma once
// Azure Policy as an owner of what fix would write (issue 16): the policy assignments that apply
// to each group the plan touches (the group's list: its own, those inherited from the
// subscription and management groups, those on resources in it; a group fix will make takes the
// subscription's atScope() list), each assignment's definition -- or each member of its
// initiative -- and the effect it has on the types the plan writes. deny (or denyAction, for a
// delete) means ARM refuses the write; modify, append and deployIfNotExists mean the platform
// changes what fix wrote after each write: both are owners, so fix --apply refuses unless
// --force-owned. DoNotEnforce stops nothing: a note. A list or definition that cannot be read is
// an "unread" entry, never "not owned".
#include <set>
#include <string>

#include "arm_client.hpp"
#include "ownership.hpp"
#include "plan.hpp"

namespace vnetdiag::fix {

inline constexpr const char* kPolicyApi = "2023-04-01";

// Adds to `out`: owners of kind "policy", notes, unread entries. `groups` are the plan's groups,
// `present` those that exist (lower-cased ids): the others are read at their subscription.
void read_policy(arm::ArmClient& client, const Plan& plan, const std::set<std::string>& groups,
                 const std::set<std::string>& present, Ownership& out);

}  // namespace vnetdiag::fix
