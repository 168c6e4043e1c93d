#pragma once
// The system resolver's answer (getaddrinfo: nsswitch, /etc/hosts, resolv.conf), which is what
// the app's own code gets. getaddrinfo blocks, so it runs on a helper thread that wakes the engine
// through an eventfd; a lookup still running at the deadline is abandoned, not waited for.
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

class SystemLookup {
 public:
  explicit SystemLookup(const std::string& host);
  ~SystemLookup();
  SystemLookup(const SystemLookup&) = delete;
  SystemLookup& operator=(const SystemLookup&) = delete;

  void add_socket(PollSet& set) const;
  // True once the answer is in; then result() holds it.
  bool poll();
  const SystemLookupResult& result() const { return result_; }

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
  SystemLookupResult result_;
};

}  // namespace vnetdiag
