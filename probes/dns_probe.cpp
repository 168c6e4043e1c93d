#include "dns_probe.hpp"

#include <arpa/nameser.h>
#include <net/if.h>

#include <charconv>

#include "dns_message.hpp"

namespace vnetdiag {
namespace {

struct Pending {
  DnsProbe* probe;
  int* counter;
  std::string name, qtype, resolver;
  std::chrono::steady_clock::time_point start;
  DnsProbe::Done done;
};

// A link-local server keeps its interface in the address (fe80::1%eth0, as in resolv.conf);
// c-ares 1.18 takes no scope, so the address goes without it and the hooks add it back.
std::string bare_address(const Resolver& r) { return r.address.substr(0, r.address.find('%')); }

unsigned scope_id(const Resolver& r) {
  const auto at = r.address.find('%');
  if (at == std::string::npos) return 0;
  const std::string scope = r.address.substr(at + 1);
  unsigned index = 0;
  const auto [end, error] = std::from_chars(scope.data(), scope.data() + scope.size(), index);
  if (!scope.empty() && end == scope.data() + scope.size())
    return error == std::errc() ? index : 0;  // a number out of range: no such interface
  return if_nametoindex(scope.c_str());       // 0 (unknown interface): the server is unreachable
}

std::string server_csv(const Resolver& r) {
  const std::string address = bare_address(r);
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(r.port);
}

}  // namespace

Result<std::unique_ptr<DnsProbe>> DnsProbe::create(const Resolver& resolver, const Timeouts& t) {
  std::unique_ptr<DnsProbe> probe(new DnsProbe(resolver.label()));
  ares_options opts{};
  // Explicit timeouts: the platform's resolv.conf says 15 s x 2, far too slow for a probe.
  // c-ares doubles the timeout on each retry to one server: T + 2T + 4T ... must fit the budget.
  const int tries = t.dns_tries < 1 ? 1 : t.dns_tries;
  const double parts = static_cast<double>((1 << tries) - 1);
  opts.timeout = static_cast<int>(t.dns_s * 1000 / parts);
  if (opts.timeout < 1) opts.timeout = 1;
  opts.tries = tries;
  // NOCHECKRESP: hand SERVFAIL/REFUSED answers back instead of hiding them behind an error code.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  // One UDP socket per resolver carries every query of the check: room for a burst of answers.
  opts.socket_send_buffer_size = 1 << 20;
  opts.socket_receive_buffer_size = 1 << 20;
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_SOCK_SNDBUF |
             ARES_OPT_SOCK_RCVBUF;
  if (int rc = ares_init_options(&probe->channel_, &opts, mask); rc != ARES_SUCCESS)
    return fail(std::string("cannot start the DNS client: ") + ares_strerror(rc));
  probe->sockets_ =
      std::make_unique<DnsSockets>(scope_id(resolver), opts.socket_receive_buffer_size);
  probe->sockets_->attach(probe->channel_);
  if (int rc = ares_set_servers_ports_csv(probe->channel_, server_csv(resolver).c_str());
      rc != ARES_SUCCESS)
    return fail("DNS server '" + resolver.label() + "' is not an IP address: " + ares_strerror(rc));
  return probe;
}

DnsProbe::~DnsProbe() {
  if (channel_) ares_destroy(channel_);
}

void DnsProbe::query(const std::string& name, const std::string& qtype, Done done) {
  auto* p = new Pending{
      this, &pending_, name, qtype, label_, std::chrono::steady_clock::now(), std::move(done)};
  ++pending_;
  ares_query(channel_, name.c_str(), ns_c_in, qtype == "AAAA" ? ns_t_aaaa : ns_t_a,
             &DnsProbe::on_answer, p);
}

void DnsProbe::on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  --*p->counter;
  DnsObservation obs;
  obs.resolver = p->resolver;
  obs.qtype = p->qtype;
  obs.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p->start)
          .count();
  if (abuf && alen > 0) {
    auto parsed = parse_dns_response(abuf, alen);
    if (parsed) {
      obs.status = DnsStatus::kAnswered;
      obs.rcode = parsed->rcode;
      obs.answers = parsed->answers;
      follow_chain(p->name, p->qtype, obs.answers, &obs.chain, &obs.addresses);
    } else {
      obs.status = DnsStatus::kMalformed;
      obs.error = parsed.error().message;
      obs.chain.push_back(p->name);
    }
  } else {
    obs.chain.push_back(p->name);
    obs.error = ares_strerror(status);
    switch (status) {
      case ARES_ETIMEOUT:
        obs.status = DnsStatus::kTimeout;
        break;
      case ARES_ECANCELLED:
      case ARES_EDESTRUCTION:
        obs.status = DnsStatus::kTimeout;
        obs.error = "cut off by the run deadline";
        break;
      case ARES_ECONNREFUSED:
        obs.status = DnsStatus::kUnreachable;
        break;
      case ARES_EBADRESP:
      case ARES_EFORMERR:
        obs.status = DnsStatus::kMalformed;
        break;
      default:
        obs.status = DnsStatus::kError;
    }
  }
  p->done(std::move(obs));
}

void DnsProbe::add_sockets(PollSet& set) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    const bool r = ARES_GETSOCK_READABLE(bits, i), w = ARES_GETSOCK_WRITABLE(bits, i);
    if (r || w) set.add(socks[i], r, w);
  }
}

void DnsProbe::process(const PollSet& set) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
  bool any = false;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    if (!(ARES_GETSOCK_READABLE(bits, i) || ARES_GETSOCK_WRITABLE(bits, i))) continue;
    for (const auto& w : set.fds) {
      if (w.fd != socks[i] || !w.revents) continue;
      const bool r = w.revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI);
      const bool wr = w.revents & CURL_WAIT_POLLOUT;
      ares_process_fd(channel_, r ? socks[i] : ARES_SOCKET_BAD, wr ? socks[i] : ARES_SOCKET_BAD);
      any = true;
    }
  }
  // Also lets c-ares notice expired timeouts when no socket was ready.
  if (!any) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

long DnsProbe::next_timeout_ms() {
  if (!pending_) return -1;
  timeval tv{}, max{3600, 0};
  timeval* t = ares_timeout(channel_, &max, &tv);
  return t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
}

void DnsProbe::cancel_all() { ares_cancel(channel_); }

}  // namespace vnetdiag
