#pragma once
// fix --emit: the plan as code a user merges into what owns the estate, instead of ARM writes.
//   az         a bash script of `az rest` calls (the exact request fix would send) and
//              `az resource wait` after each long-running one
//   terraform  azapi resources (Azure/azapi: the ARM type, api-version and body as fix sends
//              them); an update of a resource is azapi_update_resource
//   bicep      one module per resource group; a PATCH (partial update) or a delete is a comment
//              that says what to change in the declaration that owns the resource, because a
//              declaration would replace the whole resource
// Held-back steps (another subscription) are emitted too, marked: the code goes to whoever owns
// that subscription. Nothing here reads or writes ARM.
#include <string>
#include <vector>

#include "plan.hpp"

namespace vnetdiag::fix {

std::vector<std::string> emit_formats();  // az, terraform, bicep

// The plan as `format` (one of emit_formats()).
std::string emit_plan(const Plan& plan, const std::string& format);

}  // namespace vnetdiag::fix
