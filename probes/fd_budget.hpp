#pragma once
// File descriptors are the one local resource a check can run out of: every connection probe
// holds a socket. The engine runs at most as many at once as the process's limit leaves free
// (the rest wait their turn), and refuses to start when not even one fits, rather than report a
// local EMFILE as a target that does not answer.
#include <cstddef>

#include "result.hpp"

namespace vnetdiag {

struct FdBudget {
  std::size_t limit = 0;  // RLIMIT_NOFILE's soft limit
  std::size_t open = 0;   // descriptors this process holds now
};

// This process's limit and open descriptors (/proc/self/fd).
FdBudget current_fd_budget();

// How many connection probes may be in flight: `wanted`, or fewer when the free descriptors,
// less `reserved` for DNS sockets and the rest, are fewer. An error that says what to do when
// not one fits.
Result<std::size_t> connection_slots(std::size_t wanted, std::size_t reserved,
                                     const FdBudget& budget);

// Descriptors one getaddrinfo in flight may hold (a UDP socket per query, /etc/hosts).
inline constexpr std::size_t kFdsPerSystemLookup = 2;

// How many system lookups may be in flight: `wanted`, or a quarter of what is free after
// `reserved` when that is less (the rest is left to connections), and never fewer than one.
std::size_t system_lookup_slots(std::size_t wanted, std::size_t reserved, const FdBudget& budget);

}  // namespace vnetdiag
