#pragma once
// Azure Policy judged without ARM, from the bodies ARM gives (issue 16): an assignment's parts, the
// effect of a definition's rule ("deny", or "[parameters('effect')]" resolved from what the
// assignment or its initiative supplies, then the definition's defaultValue), and whether the
// rule's `if` condition applies to a resource type. Only `field: "type"` clauses are evaluated
// (equals, notEquals, in, notIn, like, notLike under allOf, anyOf, not): a condition those do not
// decide is Match::unknown -- "may apply", never "does not apply". Pure: no I/O, never throws on
// any JSON.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vnetdiag::fix::policy {

enum class Match { yes, no, unknown };

// What an effect does to the plan's writes.
enum class Impact {
  none,         // audit, auditIfNotExists, disabled, manual, unknown words
  deny,         // deny: ARM refuses a create or update (403 RequestDisallowedByPolicy)
  deny_delete,  // denyAction: ARM refuses a delete
  alters,       // modify, append, deployIfNotExists: the platform changes it after each write
};

// "effect" for "[parameters('effect')]", "" for anything else (a literal, another expression).
std::string parameter_name(const nlohmann::json& value);

// A value that may be a parameter reference: the value `supplied` gives ({name: {"value": v}}),
// else the `declared` parameter's defaultValue ({name: {"defaultValue": v}}), else null. Names
// compare case-insensitively, as ARM's do. Anything else is returned as it is.
nlohmann::json resolve(const nlohmann::json& value, const nlohmann::json& supplied,
                       const nlohmann::json& declared);

// Whether `condition` (a policyRule's `if`) applies to a resource of `type`, from its type
// clauses alone; values that are parameter references are resolved first.
Match applies_to_type(const nlohmann::json& condition, const std::string& type,
                      const nlohmann::json& supplied, const nlohmann::json& declared);

Impact impact_of(const std::string& effect);

// One rule in force: a definition with the parameters its assignment (or set member) gives.
struct Rule {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads json's noexcept move
  std::string definition_id, display_name;
  std::string effect;  // as resolved ("Deny"), "" when it could not be (see error)
  std::string error;   // why the effect is not known
  nlohmann::json condition, supplied, declared;
};

// The rule of a policyDefinition body; `supplied` as an assignment's parameters.
Rule rule_of(const nlohmann::json& definition, const nlohmann::json& supplied);

// The parameters a policySetDefinition's member gets: its own {name: {"value"}}, each value that
// refers to a set parameter resolved from the assignment's parameters, then the set's defaults.
nlohmann::json member_parameters(const nlohmann::json& member, const nlohmann::json& set_definition,
                                 const nlohmann::json& assignment_parameters);

// The members of a policySetDefinition body: (policyDefinitionId, member object), in order.
std::vector<std::pair<std::string, nlohmann::json>> set_members(
    const nlohmann::json& set_definition);

struct Assignment {
  std::string id, name, display_name, scope, definition_id;
  bool enforced = true;  // enforcementMode Default; DoNotEnforce stops nothing
  std::vector<std::string> not_scopes;
  nlohmann::json parameters = nlohmann::json::object();
  // The groups (or subscriptions) whose assignment lists named it: one made at a management
  // group applies only under those as far as what was read can tell.
  std::vector<std::string> listed_for;
};

// An assignment body as ARM lists it, or nullopt when it lacks an id or a policyDefinitionId.
// The scope is properties.scope, else the id up to /providers/Microsoft.Authorization/.
std::optional<Assignment> parse_assignment(const nlohmann::json& body);

// True for a .../policySetDefinitions/{name} id (an initiative).
bool is_set_id(const std::string& definition_id);

// `id` is `scope` or below it (ids compare case-insensitively).
bool under_scope(const std::string& id, const std::string& scope);

// Whether the assignment covers `resource_id`: at or below its scope (one at a management group
// is listed by ARM only where it applies), not under a notScope.
bool covers(const Assignment& a, const std::string& resource_id);

}  // namespace vnetdiag::fix::policy
