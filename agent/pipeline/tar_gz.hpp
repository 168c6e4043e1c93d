#pragma once
// A gzip-compressed ustar archive, written in one go: the few files of an evidence bundle. zlib
// does the compression; the tar format (POSIX ustar: a 512-byte header a file, the contents padded
// to 512 bytes, two zero blocks at the end) is small enough to write here.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vnetdiag {

struct ArchiveFile {
  std::string name;  // relative path, at most 100 bytes
  std::string contents;
};

// Writes `files` to `path` (mode 0600: it describes the estate). Returns why not, or nullopt.
std::optional<std::string> write_tar_gz(const std::string& path,
                                        const std::vector<ArchiveFile>& files);

}  // namespace vnetdiag
