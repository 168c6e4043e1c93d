#include "tls_capture.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace vnetdiag {
namespace {

int capture_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

CertificateInfo describe(X509* cert, const std::string& host) {
  CertificateInfo info;
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && i < 100; ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS) {
        const auto* s = n->d.dNSName;
        info.sans.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                               static_cast<std::size_t>(ASN1_STRING_length(s)));
      }
    }
    GENERAL_NAMES_free(names);
  }
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  tm t{};
  if (ASN1_TIME_to_tm(not_after, &t) == 1) {
    char buf[32];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t) > 0) info.not_after = buf;
  }
  int days = 0, secs = 0;
  if (ASN1_TIME_diff(&days, &secs, nullptr, not_after) == 1) info.days_to_expiry = days;
  info.name_matches = X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
  return info;
}

int on_verify(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (!ssl) return preverify_ok;
  auto* cap = static_cast<TlsCapture*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), capture_index()));
  if (!cap) return preverify_ok;
  cap->version = SSL_get_version(ssl);
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (X509_STORE_CTX_get_error_depth(store) == 0 && cert && !cap->leaf)
    cap->leaf = describe(cert, cap->host);
  if (!preverify_ok && !cap->first_error) {
    const int err = X509_STORE_CTX_get_error(store);
    cap->first_error = err;
    cap->first_error_text = X509_verify_cert_error_string(err);
    // The leaf is the one to show even when the chain fails further up.
    if (!cap->leaf) {
      STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store);
      X509* leaf = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0)
                                                   : X509_STORE_CTX_get0_cert(store);
      if (leaf) cap->leaf = describe(leaf, cap->host);
    }
  }
  return preverify_ok;
}

CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* user) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, capture_index(), user);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
  // Hundreds of handshakes run at once; idle connections need not hold 16 KiB buffers each.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return CURLE_OK;
}

}  // namespace

CertificateInfo describe_certificate(X509* cert, const std::string& host) {
  return describe(cert, host);
}

void attach_tls_capture(CURL* easy, TlsCapture* capture) {
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, capture);
}

}  // namespace vnetdiag
