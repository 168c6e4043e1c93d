// Token endpoint answers are outside input: the App Service managed identity endpoint
// (IDENTITY_ENDPOINT, then the legacy MSI_ENDPOINT) answers through the real credential chain and
// TokenSource (error bodies with error_description/message/error, then parse_token_response with
// expires_on as a number, numeric string or date, expires_in, expiresOn, or the JWT's exp claim).
// Answers in the scripted format of fake_http.hpp: the first for IDENTITY_ENDPOINT, the next for
// MSI_ENDPOINT (asked only when the first fails).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fake_http.hpp"
#include "secrets.hpp"
#include "token.hpp"

using namespace vnetdiag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vnetdiag::secrets::forget_all();
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::script_answers(input);

  const std::map<std::string, std::string> env = {
      {"IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"},
      {"IDENTITY_HEADER", "header-value"},
      {"MSI_ENDPOINT", "http://127.0.0.1:41741/msi/legacy"},
      {"MSI_SECRET", "secret-value"}};
  arm::CredentialSettings settings{
      "", "", "https://management.azure.com/", "https://login.microsoftonline.com", {}};
  std::vector<arm::Credential> managed;
  for (auto& c : arm::credential_chain(settings, env))
    if (c.name.find("managed identity") != std::string::npos) managed.push_back(std::move(c));
  arm::TokenSource tokens(std::move(managed));
  const auto token = tokens.get();
  if (token) {
    if (token->value.empty() || token->expires_on == 0) abort();
  } else {
    (void)tokens.unavailable_reasons();
  }

  // The first answer's body as a token response on its own, at a few fixed clocks.
  const arm::HttpResponse first = fuzz::parse_answer(input.substr(0, input.find('\0')));
  for (int64_t now : {int64_t{0}, int64_t{1700000000}}) {
    const auto parsed = arm::parse_token_response(first.body, now);
    if (parsed && (parsed->value.empty() || parsed->expires_on <= 0)) abort();
  }
  return 0;
}
