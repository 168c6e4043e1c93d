// What `az account get-access-token --output json` prints (accessToken, expiresOn as a local
// date, expires_on as epoch seconds), and explicit tokens (AZURE_ACCESS_TOKEN, --token-file),
// whose expiry is read from the JWT's exp claim. Drives parse_token_response and jwt_expiry
// directly, and the AZURE_ACCESS_TOKEN and --token-file credentials of the real chain.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "secrets.hpp"
#include "token.hpp"

using namespace vnetdiag;

namespace {

// One scratch file per process for --token-file.
const std::string& token_file() {
  static const std::string path = [] {
    char name[] = "/tmp/vnetdiag-fuzz-token-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vnetdiag::secrets::forget_all();
  if (size > 128 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (int64_t now : {int64_t{0}, int64_t{1700000000}}) {
    const auto t = arm::parse_token_response(text, now);
    if (t && (t->value.empty() || t->expires_on == 0)) abort();
    if (t) (void)arm::jwt_expiry(t->value);
  }
  (void)arm::jwt_expiry(text);

  if (FILE* f = std::fopen(token_file().c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  arm::CredentialSettings settings{
      token_file(), "", "https://management.azure.com/", "https://login.microsoftonline.com", {}};
  const std::map<std::string, std::string> env = {{"AZURE_ACCESS_TOKEN", text.c_str()}};
  for (auto& c : arm::credential_chain(settings, env)) {
    if (c.name != "AZURE_ACCESS_TOKEN" && c.name.find("--token-file") == std::string::npos)
      continue;
    if (!c.available()) continue;
    const auto t = c.attempt().token;
    if (t && (t->value.empty() || t->expires_on == 0)) abort();
  }
  return 0;
}
