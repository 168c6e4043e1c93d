#pragma once
// Access tokens and where they come from. A token's value never reaches output, logs or errors:
// only its source and expiry are ever shown.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http.hpp"
#include "result.hpp"

namespace vnetdiag::arm {

struct AccessToken {
  std::string value;
  int64_t expires_on = 0;  // epoch seconds
  std::string source;      // which credential produced it
};

// Token endpoint answers: access_token with expires_on (number, numeric string or date) or
// expires_in; Azure CLI's accessToken/expires_on/expiresOn.
Result<AccessToken> parse_token_response(const std::string& body, int64_t now);
// The exp claim of a JWT, or 0 when it cannot be read.
int64_t jwt_expiry(const std::string& jwt);

struct CredentialSettings {
  std::string token_file;  // --token-file
  std::string client_id;   // --client-id: user-assigned managed identity
  std::string audience;    // ARM audience of the cloud, e.g. https://management.azure.com/
  std::string authority;   // Entra authority of the cloud, e.g. https://login.microsoftonline.com
  HttpOptions http;        // for token endpoints (CA bundle of a test twin, timeouts)
};

// One way to get a token. available() says whether its environment is present at all.
struct Credential {
  std::string name;
  std::function<bool()> available;
  std::function<Result<AccessToken>()> fetch;
};

// The chain, in order: explicit token (--token-file, AZURE_ACCESS_TOKEN), App Service managed
// identity (IDENTITY_ENDPOINT, then legacy MSI_ENDPOINT), workload identity, service principal,
// Azure CLI. The first available one that works is used.
std::vector<Credential> credential_chain(const CredentialSettings& settings,
                                         const std::map<std::string, std::string>& env);

// Caches the token in memory until shortly before expiry. Thread-safe.
class TokenSource {
 public:
  explicit TokenSource(std::vector<Credential> chain) : chain_(std::move(chain)) {}
  Result<AccessToken> get();
  void invalidate();     // after a 401: the next get() fetches anew
  std::string source();  // name of the credential that produced the current token
  std::vector<std::string> unavailable_reasons();

 private:
  std::vector<Credential> chain_;
  std::mutex mutex_;
  AccessToken cached_;
  int64_t cached_issued_ = 0;
  std::vector<std::string> failures_;
  // The last failure of the whole chain and when it happened: get() repeats it for a while.
  static constexpr int64_t kRetryFailedChainAfterS = 30;
  std::string failed_;
  int64_t failed_at_ = 0;
};

}  // namespace vnetdiag::arm
