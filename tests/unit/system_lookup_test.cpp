// The system lookups of one run share one wake-up descriptor: at 1,000 targets a descriptor each
// would eat the connection probes' budget (fd_budget.hpp). "localhost" comes from /etc/hosts, so
// nothing leaves the machine.
#include "system_lookup.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace vnetdiag;

namespace {

// The eventfds this process holds (the lookups' own reads of /etc/hosts come and go meanwhile).
std::size_t eventfds() {
  std::size_t n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(dir)) {
      char target[256] = {};
      const std::string link = std::string("/proc/self/fd/") + e->d_name;
      const ssize_t len = readlink(link.c_str(), target, sizeof target - 1);
      if (len > 0 && std::string(target, static_cast<std::size_t>(len)) == "anon_inode:[eventfd]")
        ++n;
    }
    closedir(dir);
  }
  return n;
}

}  // namespace

TEST(SystemLookup, FiftyLookupsShareOneDescriptorAndAllAnswer) {
  const std::size_t before = eventfds();
  auto wakeup = std::make_shared<const LookupWakeup>();
  std::vector<std::unique_ptr<SystemLookup>> lookups;
  for (int i = 0; i < 50; ++i)
    lookups.push_back(std::make_unique<SystemLookup>("localhost", wakeup));
  EXPECT_EQ(eventfds(), before + 1);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t answered = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    answered = 0;
    for (auto& l : lookups) answered += l->poll() ? 1 : 0;
    if (answered == lookups.size()) break;
    PollSet set;
    wakeup->add_socket(set);
    ASSERT_EQ(set.fds.size(), 1u);
    pollfd p{set.fds[0].fd, POLLIN, 0};
    ::poll(&p, 1, 1000);
    wakeup->drain();
  }
  ASSERT_EQ(answered, lookups.size());
  for (auto& l : lookups) {
    EXPECT_TRUE(l->result().error.empty()) << l->result().error;
    EXPECT_FALSE(l->result().addresses.empty());
  }
}
