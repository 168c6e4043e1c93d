#pragma once
// A line-buffered filter in front of a stream: each line passes through secrets::scrub() before
// it reaches the stream's own buffer. main() puts one on std::cout and one on std::cerr, so no
// message, report or log line can carry a secret a server echoed back.
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>

namespace vnetdiag {

class ScrubbedStream : public std::streambuf {
 public:
  // Installs itself as `stream`'s buffer; the destructor writes what is pending and restores.
  explicit ScrubbedStream(std::ostream& stream);
  ~ScrubbedStream() override;
  ScrubbedStream(const ScrubbedStream&) = delete;
  ScrubbedStream& operator=(const ScrubbedStream&) = delete;

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  // Writes every complete line of pending_ (all of it when `everything`); false on a write error.
  bool write_out(bool everything);

  std::ostream& stream_;
  std::streambuf* target_;
  std::mutex mutex_;  // serve logs from more than one thread
  std::string pending_;
};

}  // namespace vnetdiag
