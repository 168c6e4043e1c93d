#pragma once
// Captures the peer certificate and the verification outcome during curl's OpenSSL handshake,
// so a failed handshake still shows what the peer presented (the evidence for FM-22/FM-31).
#include <curl/curl.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "model.hpp"

namespace vnetdiag {

struct TlsCapture {
  std::string host;  // name the certificate must cover
  std::optional<CertificateInfo> leaf;
  long first_error = 0;  // X509 verify error (0 = none)
  std::string first_error_text;
  std::string version;
};

// Install on an easy handle: CURLOPT_SSL_CTX_FUNCTION with this capture as its data.
void attach_tls_capture(CURL* easy, TlsCapture* capture);

// What the peer's certificate shows (subject, issuer, DNS names, expiry, whether it covers
// `host`): what the verify callback records. Exposed for the fuzz target.
CertificateInfo describe_certificate(X509* cert, const std::string& host);

}  // namespace vnetdiag
