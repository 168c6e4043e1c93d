#pragma once
// The system resolver's answer (getaddrinfo: nsswitch, /etc/hosts, resolv.conf), which is what
// the app's own code gets. getaddrinfo blocks, so it runs on a helper thread that wakes the engine
// through an eventfd shared by every lookup of a run (one descriptor, not one per target); a
// lookup still running at the deadline is abandoned, not waited for.
#include <memory>
#include <string>
#include <vector>

#include "poll_set.hpp"

namespace vnetdiag {

struct SystemLookupResult {
  bool done = false;
  std::string error;  // gai_strerror text, empty on success
  std::vector<std::string> addresses;
  double duration_ms = 0;
};

// The eventfd the helper threads signal, closed when the run and every lookup it started are done
// with it (an abandoned lookup may still signal after the run has ended).
class LookupWakeup {
 public:
  LookupWakeup();
  ~LookupWakeup();
  LookupWakeup(const LookupWakeup&) = delete;
  LookupWakeup& operator=(const LookupWakeup&) = delete;
  void add_socket(PollSet& set) const;
  void signal() const;
  void drain() const;  // after a wake-up, so that poll waits again

 private:
  int fd_ = -1;
};

class SystemLookup {
 public:
  SystemLookup(const std::string& host, std::shared_ptr<const LookupWakeup> wakeup);
  ~SystemLookup();
  SystemLookup(const SystemLookup&) = delete;
  SystemLookup& operator=(const SystemLookup&) = delete;

  // True once the answer is in; then result() holds it.
  bool poll();
  const SystemLookupResult& result() const { return result_; }

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
  SystemLookupResult result_;
};

}  // namespace vnetdiag
