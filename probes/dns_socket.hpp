#pragma once
// The sockets c-ares uses for one resolver, opened and read through hooks
// (ares_set_socket_functions) so that two server behaviours c-ares 1.18 cannot handle still give
// the true answer: an error answer without its question section, and a link-local IPv6 server
// (fe80::1%eth0) whose interface c-ares has no way to be told.
#include <ares.h>

#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace vnetdiag {

class DnsSockets {
 public:
  // scope_id: interface index for a link-local IPv6 server; 0 for every other server.
  // buffer_bytes: SO_SNDBUF and SO_RCVBUF (c-ares leaves sockets it did not open unconfigured).
  DnsSockets(unsigned scope_id, int buffer_bytes)
      : scope_id_(scope_id), buffer_bytes_(buffer_bytes) {}
  DnsSockets(const DnsSockets&) = delete;
  DnsSockets& operator=(const DnsSockets&) = delete;
  // The hooks stay in use until the channel is destroyed: this object must outlive it.
  void attach(ares_channel channel);

 private:
  static ares_socket_t open(int domain, int type, int protocol, void* self);
  static int close(ares_socket_t fd, void* self);
  static int connect(ares_socket_t fd, const struct sockaddr* address, ares_socklen_t length,
                     void* self);
  static ares_ssize_t receive(ares_socket_t fd, void* buffer, size_t capacity, int flags,
                              struct sockaddr* from, ares_socklen_t* from_length, void* self);
  static ares_ssize_t send(ares_socket_t fd, const struct iovec* parts, int count, void* self);

  unsigned scope_id_;
  int buffer_bytes_;
  std::set<ares_socket_t> udp_;
  // Question section of every query sent over UDP, by query id (c-ares keeps ids unique).
  std::map<uint16_t, std::vector<unsigned char>> questions_;
};

}  // namespace vnetdiag
