#include "tar_gz.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace vnetdiag {
namespace {

constexpr std::size_t kBlock = 512;

// An octal field of `width` bytes: digits, then NUL.
void octal(char* field, std::size_t width, unsigned long long value) {
  (void)std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

std::array<char, kBlock> header(const ArchiveFile& f, std::time_t mtime) {
  std::array<char, kBlock> h{};
  std::memcpy(h.data(), f.name.data(), f.name.size());  // name[100]
  octal(h.data() + 100, 8, 0644);                       // mode
  octal(h.data() + 108, 8, 0);                          // uid
  octal(h.data() + 116, 8, 0);                          // gid
  octal(h.data() + 124, 12, f.contents.size());         // size
  octal(h.data() + 136, 12, static_cast<unsigned long long>(mtime));
  std::memset(h.data() + 148, ' ', 8);  // the checksum counts itself as spaces
  h[156] = '0';                         // a regular file
  std::memcpy(h.data() + 257, "ustar", 6);
  std::memcpy(h.data() + 263, "00", 2);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  (void)std::snprintf(h.data() + 148, 8, "%06o", sum);  // six digits, NUL, and the space kept
  return h;
}

}  // namespace

std::optional<std::string> write_tar_gz(const std::string& path,
                                        const std::vector<ArchiveFile>& files) {
  for (const auto& f : files)
    if (f.name.empty() || f.name.size() > 100) return "an archive name is empty or too long";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::string("cannot write '") + path + "': " + std::strerror(errno);
  gzFile gz = gzdopen(fd, "wb9");
  if (!gz) {
    ::close(fd);
    return "cannot compress into '" + path + "'";
  }
  const std::time_t now = std::time(nullptr);
  const std::array<char, kBlock> zeros{};
  bool ok = true;
  const auto put = [&](const char* data, std::size_t n) {
    ok = ok && gzwrite(gz, data, static_cast<unsigned>(n)) == static_cast<int>(n);
  };
  for (const auto& f : files) {
    const auto h = header(f, now);
    put(h.data(), h.size());
    put(f.contents.data(), f.contents.size());
    if (const std::size_t pad = (kBlock - f.contents.size() % kBlock) % kBlock; pad)
      put(zeros.data(), pad);
  }
  put(zeros.data(), kBlock);
  put(zeros.data(), kBlock);
  ok = gzclose(gz) == Z_OK && ok;
  if (!ok) return "writing '" + path + "' failed (disk full?)";
  return std::nullopt;
}

}  // namespace vnetdiag
