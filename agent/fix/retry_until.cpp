#include "retry_until.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace vnetdiag::fix {

bool retry_until(const std::function<bool()>& done, const RetryPacing& pacing,
                 const std::function<bool()>& stop) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  double wait_s = std::min(pacing.first_wait_s, pacing.longest_wait_s);
  while (!done()) {
    if (stop && stop()) return false;
    const double spent = std::chrono::duration<double>(Clock::now() - start).count();
    if (spent >= pacing.budget_s) return false;
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::min(wait_s, pacing.budget_s - spent)));
    wait_s = std::min(wait_s * 2, pacing.longest_wait_s);
  }
  return true;
}

}  // namespace vnetdiag::fix
