#pragma once
// DNS probe: asks exactly one resolver (one c-ares channel per resolver, so the answering server is
// known) and records the raw answer as an observation. No verdicts here.
#include <ares.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns_socket.hpp"
#include "model.hpp"
#include "poll_set.hpp"
#include "result.hpp"
#include "timeouts.hpp"

namespace vnetdiag {

class DnsProbe {
 public:
  using Done = std::function<void(DnsObservation)>;

  static Result<std::unique_ptr<DnsProbe>> create(const Resolver& resolver,
                                                  const Timeouts& timeouts);
  ~DnsProbe();
  DnsProbe(const DnsProbe&) = delete;
  DnsProbe& operator=(const DnsProbe&) = delete;

  void query(const std::string& name, const std::string& qtype, Done done);
  void add_sockets(PollSet& set);
  void process(const PollSet& set);
  // Milliseconds until c-ares needs attention for a retry or timeout; -1 when idle.
  long next_timeout_ms();
  bool busy() const { return pending_ > 0; }
  void cancel_all();  // outstanding queries end as timeouts ("run deadline")

 private:
  explicit DnsProbe(std::string label) : label_(std::move(label)) {}
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  std::string label_;
  std::unique_ptr<DnsSockets> sockets_;  // declared first: outlives the channel
  ares_channel channel_ = nullptr;
  int pending_ = 0;
};

}  // namespace vnetdiag
