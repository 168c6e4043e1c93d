#pragma once
// What serve's forked children and the files it writes share: a write that survives EINTR and
// short writes, closing every inherited descriptor in a child, and the wall clock as a number and
// as text.
#include <string>

namespace vnetdiag {

// False when the descriptor refused part of the bytes.
bool write_all(int fd, const std::string& bytes);

// close_range(first, ~0U, 0). Its glibc wrapper needs glibc 2.34, and the self-contained bundle
// must run on 2.31: the system call itself (Linux 5.9), else every descriptor up to the limit.
void close_from(int first);

// Seconds since the Unix epoch, with the fraction.
double unix_now();

// ISO 8601 in UTC to the millisecond, "2026-01-01T00:00:00.250Z" (0 for a time before 1970).
std::string iso_utc_ms(double unix_s);

}  // namespace vnetdiag
