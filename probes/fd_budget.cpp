#include "fd_budget.hpp"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>

namespace vnetdiag {

FdBudget current_fd_budget() {
  FdBudget b;
  rlimit limit{};
  b.limit = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                ? static_cast<std::size_t>(limit.rlim_cur)
                : 1u << 20;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(dir))
      if (e->d_name[0] != '.') ++b.open;
    ::closedir(dir);
    if (b.open > 0) --b.open;  // the directory's own descriptor
  }
  return b;
}

Result<std::size_t> connection_slots(std::size_t wanted, std::size_t reserved,
                                     const FdBudget& budget) {
  const std::size_t used = budget.open + reserved;
  const std::size_t free = budget.limit > used ? budget.limit - used : 0;
  if (free == 0)
    return fail("only " +
                std::to_string(budget.limit > budget.open ? budget.limit - budget.open : 0) +
                " file descriptors are free under this process's limit (ulimit -n " +
                std::to_string(budget.limit) + ", " + std::to_string(budget.open) +
                " open) and the check needs at least " + std::to_string(reserved + 1) +
                ": raise it (ulimit -n 1024) and run again");
  return std::min(wanted, free);
}

std::size_t system_lookup_slots(std::size_t wanted, std::size_t reserved, const FdBudget& budget) {
  const std::size_t used = budget.open + reserved;
  const std::size_t free = budget.limit > used ? budget.limit - used : 0;
  return std::max<std::size_t>(1, std::min(wanted, free / 4 / kFdsPerSystemLookup));
}

}  // namespace vnetdiag
