// serve --app-insights-connection-string / APPLICATIONINSIGHTS_CONNECTION_STRING come from app
// settings anyone with write access to the app can change. Drives parse_connection_string.
// Invariants: an accepted string yields an https /v2/track URL and a GUID-shaped key; a refusal is
// one line that never contains the key's value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app_insights.hpp"
#include "url_trust.hpp"

using namespace vnetdiag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = push::parse_connection_string(text);
  if (parsed) {
    const auto origin = arm::origin_of(parsed->track_url);
    if (!origin || origin->scheme != "https") abort();
    if (parsed->track_url.size() < 9 ||
        parsed->track_url.compare(parsed->track_url.size() - 9, 9, "/v2/track") != 0)
      abort();
    const auto& key = parsed->instrumentation_key;
    if (key.size() != 32 && key.size() != 36) abort();
    return 0;
  }
  const std::string& message = parsed.error().message;
  if (message.empty() || message.find('\n') != std::string::npos) abort();
  // The value after InstrumentationKey= (whatever it is) is never echoed back when it is long
  // enough to be a key.
  const auto at = text.find("InstrumentationKey=");
  if (at != std::string::npos) {
    const auto end = text.find(';', at);
    const std::string value = text.substr(at + 19, end == std::string::npos ? end : end - at - 19);
    if (value.size() >= 32 && message.find(value) != std::string::npos) abort();
  }
  return 0;
}
