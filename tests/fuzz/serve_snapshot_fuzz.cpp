// serve's check runs in a child process that sends its snapshot back as bytes; a child that
// crashed or was killed mid-write leaves any prefix, and the server must refuse it, not trust it.
// Drives decode_snapshot; a snapshot that decodes is encoded again (it must round-trip) and
// answers every route the way the server would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "serve_routes.hpp"
#include "serve_snapshot.hpp"

using namespace vnetdiag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  auto decoded = decode_snapshot(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded) return 0;
  const std::string again = encode_snapshot(*decoded);
  const auto twice = decode_snapshot(again);
  if (!twice || encode_snapshot(*twice) != again) abort();
  auto shared = std::make_shared<const Snapshot>(std::move(*decoded));
  LoopHealth health;
  health.now = std::chrono::steady_clock::now();
  health.heartbeat = health.now;
  for (const char* target : {"/livez", "/readyz", "/report", "/report?format=text", "/metrics",
                             "/probe?target=kv1.vault.azure.net", "/probe?target=x"})
    (void)route(Request{"GET", target, ""}, shared, health).body();
  (void)cycle_log_line(*shared, "2026-01-01T00:00:00Z", "instance");
  return 0;
}
