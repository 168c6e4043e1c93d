#pragma once
// Waiting for a change to show: zone records, a link, a site setting take from well under a
// second (the lab, a quiet region) to minutes. Checking again soon after the first miss and then
// less and less often finds a quick change quickly without probing a slow one every instant.
#include <functional>

namespace vnetdiag::fix {

struct RetryPacing {
  double budget_s = 180;       // give up once this much has passed since the first call
  double first_wait_s = 0.25;  // after the first miss; doubled after each miss
  double longest_wait_s = 1;   // never more between two calls
};

// Calls `done` until it returns true (then true), or the budget is spent or `stop` (if set)
// returns true (then false). The first call is at once.
bool retry_until(const std::function<bool()>& done, const RetryPacing& pacing,
                 const std::function<bool()>& stop = {});

}  // namespace vnetdiag::fix
