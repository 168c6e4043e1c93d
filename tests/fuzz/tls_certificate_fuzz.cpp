// The peer's certificate is outside input (a hostile or misconfigured TLS peer presents
// anything): DER as received, turned into the report's subject, issuer, DNS names, expiry and
// host match by describe_certificate (what tls_capture's verify callback records).
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>

#include "tls_capture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const unsigned char* p = data;
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(size));
  if (!cert) return 0;
  for (const char* host : {"kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net"})
    (void)vnetdiag::describe_certificate(cert, host);
  X509_free(cert);
  return 0;
}
