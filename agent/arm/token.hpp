#pragma once
// Access tokens and where they come from. A token's value never reaches output, logs or errors:
// only its source and expiry are ever shown.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
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

// One way to get a token. skipped() says why its environment is absent ("" when it is present);
// attempt() gets a token. An attempt that fails with `unavailable` set found no such credential
// after all (no answer from a managed-identity endpoint, IMDS knows no identity): the chain goes
// on. Any other failure of a present credential stops the chain with that credential's error, as
// DefaultAzureCredential does: a misconfigured service principal must not silently turn into the
// managed identity or the developer's Azure CLI login, which would read ARM as another principal
// and judge its permissions instead.
struct Attempt {
  Result<AccessToken> token;
  bool unavailable = false;
};
struct Credential {
  std::string name;
  std::function<bool()> available;
  std::function<std::string()> skipped;  // why not available ("" when available)
  std::string who;                       // client id / tenant it uses (never a secret)
  bool configured = true;                // false: tried without being configured (IMDS, CLI)
  std::function<Attempt()> attempt;
};

// The chain, in DefaultAzureCredential's order after the explicit tokens: --token-file,
// AZURE_ACCESS_TOKEN, service principal with secret, then certificate (environment),
// workload identity, managed identity (App Service IDENTITY_ENDPOINT, legacy MSI_ENDPOINT, IMDS),
// Azure CLI. The first available one is used; see Credential for when a failure stops the chain.
// The managed identity's client id is --client-id, else AZURE_CLIENT_ID (user-assigned identity).
// IMDS listens on http://169.254.169.254; AZURE_POD_IDENTITY_AUTHORITY_HOST (the Azure SDKs'
// name) replaces that base URL -- tests point it at loopback; only loopback or link-local http is
// accepted for it.
std::vector<Credential> credential_chain(const CredentialSettings& settings,
                                         const std::map<std::string, std::string>& env);

// The claims part of an RS256 client assertion for certificate credentials (exposed for tests):
// a signed JWT with x5t and x5t#S256 of the certificate, aud = token endpoint, iss = sub =
// client id, a random jti, nbf/iat = now, exp = now + 10 minutes.
Result<std::string> certificate_assertion(const std::string& pem, const std::string& client_id,
                                          const std::string& token_url, int64_t now);

// Caches the token in memory until shortly before expiry. Thread-safe.
class TokenSource {
 public:
  explicit TokenSource(std::vector<Credential> chain) : chain_(std::move(chain)) {}
  Result<AccessToken> get();
  void invalidate();     // after a 401: the next get() fetches anew
  std::string source();  // name of the credential that produced the current token
  std::vector<std::string> unavailable_reasons();
  // Each credential of the chain in order with what happened at the last get(): "used", "skipped:
  // why", "failed: why" or "not tried".
  std::vector<std::pair<std::string, std::string>> report();

 private:
  std::vector<Credential> chain_;
  std::mutex mutex_;
  AccessToken cached_;
  int64_t cached_issued_ = 0;
  std::vector<std::string> failures_;
  std::vector<std::string> outcomes_;
  // The last failure of the whole chain and when it happened: get() repeats it for a while.
  static constexpr int64_t kRetryFailedChainAfterS = 30;
  std::string failed_;
  int64_t failed_at_ = 0;
};

}  // namespace vnetdiag::arm
