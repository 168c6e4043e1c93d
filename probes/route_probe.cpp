#include "route_probe.hpp"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vnetdiag {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string address_text(int family, const void* data) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, data, buf, sizeof buf);
  return buf;
}

}  // namespace

Result<RouteInfo> lookup_route(const std::string& destination) {
  unsigned char addr[16];
  int family = AF_INET;
  int addr_len = 4;
  if (inet_pton(AF_INET, destination.c_str(), addr) != 1) {
    if (inet_pton(AF_INET6, destination.c_str(), addr) != 1)
      return fail("not an IP address: " + destination);
    family = AF_INET6;
    addr_len = 16;
  }
  Fd sock{socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE)};
  if (sock.fd < 0) return fail(std::string("netlink socket: ") + std::strerror(errno));
  timeval tv{1, 0};
  setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  struct {
    nlmsghdr nh;
    rtmsg rt;
    char attrs[64];
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  req.nh.nlmsg_type = RTM_GETROUTE;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nh.nlmsg_seq = 1;
  req.rt.rtm_family = static_cast<unsigned char>(family);
  req.rt.rtm_dst_len = static_cast<unsigned char>(addr_len * 8);
  auto* rta =
      reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
  rta->rta_type = RTA_DST;
  rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(addr_len));
  std::memcpy(RTA_DATA(rta), addr, addr_len);
  req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);

  if (send(sock.fd, &req, req.nh.nlmsg_len, 0) < 0)
    return fail(std::string("netlink send: ") + std::strerror(errno));
  char buf[8192];
  const ssize_t n = recv(sock.fd, buf, sizeof buf, 0);
  if (n < 0) return fail(std::string("netlink receive: ") + std::strerror(errno));
  int len = static_cast<int>(n);
  for (auto* nh = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
    if (nh->nlmsg_type == NLMSG_ERROR) {
      const auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(nh));
      return fail(std::string("no route: ") + std::strerror(-err->error));
    }
    if (nh->nlmsg_type != RTM_NEWROUTE) continue;
    auto* rt = static_cast<rtmsg*>(NLMSG_DATA(nh));
    int attr_len = static_cast<int>(RTM_PAYLOAD(nh));
    RouteInfo info;
    for (auto* a = RTM_RTA(rt); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
      if (a->rta_type == RTA_OIF) {
        char name[IF_NAMESIZE] = {};
        if (if_indextoname(*static_cast<int*>(RTA_DATA(a)), name)) info.interface = name;
      } else if (a->rta_type == RTA_GATEWAY) {
        info.gateway = address_text(family, RTA_DATA(a));
      } else if (a->rta_type == RTA_PREFSRC) {
        info.source = address_text(family, RTA_DATA(a));
      }
    }
    return info;
  }
  return fail("no route in the kernel's answer");
}

}  // namespace vnetdiag
