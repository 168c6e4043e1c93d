#pragma once
// The sockets the engine waits on besides curl's own: c-ares's, handed to curl_multi_poll.
#include <curl/curl.h>

#include <vector>

namespace vnetdiag {

struct PollSet {
  std::vector<curl_waitfd> fds;
  void add(int fd, bool read, bool write) {
    curl_waitfd w{};
    w.fd = fd;
    w.events = static_cast<short>((read ? CURL_WAIT_POLLIN : 0) | (write ? CURL_WAIT_POLLOUT : 0));
    fds.push_back(w);
  }
};

}  // namespace vnetdiag
