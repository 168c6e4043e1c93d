// Long-running operations: the first answer to a PUT/POST/DELETE and every poll answer are
// outside input (status, Azure-AsyncOperation, Location, Retry-After, async-operation bodies with
// status and error). Drives the real ArmClient::send and ArmClient::wait with a scripted transport
// (fake_http.hpp), and parse_retry_after/clamp_wait on every Retry-After seen. Invariant: no wait
// the server asks for is longer than the client's cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "arm_client.hpp"
#include "fake_http.hpp"
#include "secrets.hpp"
#include "token.hpp"

using namespace vnetdiag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vnetdiag::secrets::forget_all();
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::script_answers(input);
  fuzz::InstantSleep instant;

  arm::TokenSource tokens({fuzz::fixed_credential()});
  arm::ArmOptions options;
  options.max_attempts = 3;
  arm::ArmClient client(options, tokens);

  const char* methods[] = {"PUT", "DELETE", "POST", "PATCH"};
  const std::string method = methods[size % 4];
  const std::string path =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
      "Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net?api-version=2024-06-01";
  const nlohmann::json body =
      method == "DELETE" ? nlohmann::json(nullptr) : nlohmann::json{{"location", "global"}};
  arm::ArmResponse first = client.send(method, path, body);
  for (const auto& [name, value] : first.headers)
    if (name == "retry-after") {
      for (std::time_t now : {std::time_t{0}, std::time_t{1700000000}, std::time(nullptr)}) {
        const double wait = arm::clamp_wait(arm::parse_retry_after(value, now), 10);
        if (!(wait >= arm::kMinWaitS && wait <= arm::kMaxWaitS)) abort();
      }
    }
  const arm::ArmResponse last = client.wait(method, path, std::move(first));
  if (last.error) (void)last.error->summary();
  if (fuzz::longest_sleep_s() > arm::kMaxWaitS + 0.001) abort();
  return 0;
}
