#pragma once
// Who owns what a plan would write, read before fix applies it: tags that IaC tools set
// (managed-by, azd-env-name, hidden-link:*, a value naming terraform/bicep/pulumi) and ARM's
// managedBy, on the resource, its parent or its group; the group's deployment history (a
// deployment's outputResources); and management locks (ReadOnly stops every write under its
// scope, CanNotDelete every delete); and Azure Policy assignments whose deny, modify, append or
// deployIfNotExists effect reaches a type the plan writes (policy_ownership.hpp). A write there
// would be reverted or fought by the next `terraform apply`, changed by the platform, or refused by
// ARM: fix --apply refuses it and suggests --emit, unless --force-owned. What could not be read is
// said, never taken as "not owned".
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "plan.hpp"
#include "topology.hpp"

namespace vnetdiag::fix {

struct Owner {
  std::string step_key;
  std::string resource_id;  // what is owned: the step's resource, its parent or its group; for
                            // a lock or a policy, the scope it is set at
  std::string kind;         // tag | deployment | lock | policy
  std::string detail;       // "tag managed-by=terraform", "deployment network-stack", ...
};

struct Ownership {
  std::vector<Owner> owners;
  std::vector<std::string> unread;  // "<what>: <why>": ownership that could not be judged
  std::vector<std::string> notes;   // what was read and stops nothing (a DoNotEnforce policy)
};

// Reads the groups' tags, deployments, locks and policy assignments and the subscriptions' locks
// (one list each) for the plan's steps; resource tags come from what `t` already holds.
Ownership read_ownership(arm::ArmClient& client, const arm::Topology& t, const Plan& plan);

// "link:privatelink.vaultcore.azure.net: <id> has tag managed-by=terraform".
std::string owner_line(const Owner& o);

}  // namespace vnetdiag::fix
