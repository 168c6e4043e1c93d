#include "process_io.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace vnetdiag {

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void close_from(int first) {
#if defined(SYS_close_range)
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  rlimit limit{};
  const long last = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                        ? static_cast<long>(limit.rlim_cur)
                        : 65536;
  for (long fd = first; fd < last; ++fd) ::close(static_cast<int>(fd));
}

double unix_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string iso_utc_ms(double unix_s) {
  if (!(unix_s > 0)) unix_s = 0;
  const auto whole = static_cast<time_t>(unix_s);
  const long ms = std::min(999L, static_cast<long>((unix_s - static_cast<double>(whole)) * 1000));
  tm t{};
  gmtime_r(&whole, &t);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  (void)std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ms);
  return buf;
}

}  // namespace vnetdiag
