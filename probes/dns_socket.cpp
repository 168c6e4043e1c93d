#include "dns_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "dns_message.hpp"

namespace vnetdiag {
namespace {

DnsSockets* self_of(void* p) { return static_cast<DnsSockets*>(p); }

uint16_t id_of(const unsigned char* message) {
  return static_cast<uint16_t>(message[0] << 8 | message[1]);
}

}  // namespace

void DnsSockets::attach(ares_channel channel) {
  static const ares_socket_functions hooks = {&DnsSockets::open, &DnsSockets::close,
                                              &DnsSockets::connect, &DnsSockets::receive,
                                              &DnsSockets::send};
  ares_set_socket_functions(channel, &hooks, this);
}

ares_socket_t DnsSockets::open(int domain, int type, int protocol, void* self) {
  // c-ares configures only sockets it opens itself: non-blocking is ours to set (a blocking
  // one hangs the whole check in recvfrom once c-ares has drained it).
  const int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  DnsSockets* s = self_of(self);
  if (s->buffer_bytes_ > 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s->buffer_bytes_, sizeof s->buffer_bytes_);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s->buffer_bytes_, sizeof s->buffer_bytes_);
  }
  if ((type & 0xF) == SOCK_DGRAM) s->udp_.insert(fd);
  return fd;
}

int DnsSockets::close(ares_socket_t fd, void* self) {
  self_of(self)->udp_.erase(fd);
  return ::close(fd);
}

int DnsSockets::connect(ares_socket_t fd, const struct sockaddr* address, ares_socklen_t length,
                        void* self) {
  const unsigned scope = self_of(self)->scope_id_;
  if (scope && address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 scoped;
    std::memcpy(&scoped, address, sizeof scoped);
    if (IN6_IS_ADDR_LINKLOCAL(&scoped.sin6_addr) && scoped.sin6_scope_id == 0) {
      scoped.sin6_scope_id = scope;
      return ::connect(fd, reinterpret_cast<const sockaddr*>(&scoped), sizeof scoped);
    }
  }
  return ::connect(fd, address, length);
}

ares_ssize_t DnsSockets::receive(ares_socket_t fd, void* buffer, size_t capacity, int flags,
                                 struct sockaddr* from, ares_socklen_t* from_length, void* self) {
  const ares_ssize_t n = ::recvfrom(fd, buffer, capacity, flags, from, from_length);
  DnsSockets* s = self_of(self);
  if (n < 12 || !s->udp_.count(fd)) return n;  // TCP arrives in pieces: left as it is
  auto* message = static_cast<unsigned char*>(buffer);
  const auto question = s->questions_.find(id_of(message));
  if (question == s->questions_.end()) return n;
  const std::size_t restored =
      restore_question(message, static_cast<std::size_t>(n), capacity, question->second);
  return restored ? static_cast<ares_ssize_t>(restored) : n;
}

ares_ssize_t DnsSockets::send(ares_socket_t fd, const struct iovec* parts, int count, void* self) {
  DnsSockets* s = self_of(self);
  if (s->udp_.count(fd)) {
    std::vector<unsigned char> query;
    for (int i = 0; i < count; ++i) {
      const auto* p = static_cast<const unsigned char*>(parts[i].iov_base);
      query.insert(query.end(), p, p + parts[i].iov_len);
    }
    if (query.size() >= 12)
      s->questions_[id_of(query.data())] = query_question(query.data(), query.size());
  }
  return ::writev(fd, parts, count);
}

}  // namespace vnetdiag
