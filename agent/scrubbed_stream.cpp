#include "scrubbed_stream.hpp"

#include "secrets.hpp"

namespace vnetdiag {

ScrubbedStream::ScrubbedStream(std::ostream& stream) : stream_(stream), target_(stream.rdbuf()) {
  stream_.rdbuf(this);
}

ScrubbedStream::~ScrubbedStream() {
  sync();
  stream_.rdbuf(target_);
}

ScrubbedStream::int_type ScrubbedStream::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  const char c = traits_type::to_char_type(ch);
  return xsputn(&c, 1) == 1 ? ch : traits_type::eof();
}

std::streamsize ScrubbedStream::xsputn(const char* s, std::streamsize n) {
  const std::lock_guard lock(mutex_);
  pending_.append(s, static_cast<std::size_t>(n));
  return write_out(false) ? n : 0;
}

int ScrubbedStream::sync() {
  const std::lock_guard lock(mutex_);
  return write_out(true) && target_->pubsync() == 0 ? 0 : -1;
}

bool ScrubbedStream::write_out(bool everything) {
  const std::size_t end = everything ? pending_.size() : pending_.rfind('\n') + 1;
  if (end == 0 || end > pending_.size()) return true;  // no complete line yet
  const std::string out = secrets::scrub(pending_.substr(0, end));
  pending_.erase(0, end);
  return target_->sputn(out.data(), static_cast<std::streamsize>(out.size())) ==
         static_cast<std::streamsize>(out.size());
}

}  // namespace vnetdiag
