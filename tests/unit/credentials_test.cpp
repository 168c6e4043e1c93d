// The credential chain's rules that need no token endpoint: the certificate's client assertion
// (checked with OpenSSL against its own key and certificate), the Azure CLI's output shapes,
// where the chain stops, and what each credential says when it is skipped. End to end against the
// ARM twin: tests/integration/credentials_test.py (ctest twin.credentials).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "text_util.hpp"
#include "token.hpp"

using namespace vnetdiag::arm;
using nlohmann::json;

namespace {

std::string unb64url(std::string in) {
  for (auto& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
  std::size_t pad = 0;
  while (in.size() % 4) {
    in.push_back('=');
    ++pad;
  }
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) - pad : 0);
  return out;
}

std::map<std::string, std::string> outcomes(TokenSource& tokens) {
  const auto report = tokens.report();
  return {report.begin(), report.end()};
}

// A self-signed RSA certificate and its key as one PEM (what AZURE_CLIENT_CERTIFICATE_PATH holds).
struct TestCert {
  std::string pem, cert_pem;
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  TestCert() {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
    EVP_PKEY_keygen_init(ctx);
    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048);
    EVP_PKEY_keygen(ctx, &key);
    EVP_PKEY_CTX_free(ctx);
    cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("vnetdiag-test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    const std::string key_pem = drain(b);
    PEM_write_bio_X509(b, cert);
    cert_pem = drain(b);
    BIO_free(b);
    pem = key_pem + cert_pem;
  }
  ~TestCert() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  TestCert(const TestCert&) = delete;
  TestCert& operator=(const TestCert&) = delete;
  static std::string drain(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<std::size_t>(n));
    (void)BIO_reset(b);
    return out;
  }
};

}  // namespace

TEST(Credentials, CertificateAssertionIsAVerifiableRs256Jwt) {
  TestCert tc;
  const std::string url = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
  auto a = certificate_assertion(tc.pem, "client-1", url, 1700000000);
  ASSERT_TRUE(a.ok()) << a.error().message;
  const auto parts = vnetdiag::split(*a, '.');
  ASSERT_EQ(parts.size(), 3u);
  const json header = json::parse(unb64url(parts[0]));
  const json claims = json::parse(unb64url(parts[1]));
  EXPECT_EQ(header["alg"], "RS256");
  unsigned char sha256[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(tc.cert, EVP_sha256(), sha256, &n), 1);
  EXPECT_EQ(unb64url(header["x5t#S256"].get<std::string>()),
            std::string(reinterpret_cast<char*>(sha256), n));
  EXPECT_TRUE(header.contains("x5t"));
  EXPECT_EQ(claims["aud"], url);
  EXPECT_EQ(claims["iss"], "client-1");
  EXPECT_EQ(claims["sub"], "client-1");
  EXPECT_EQ(claims["nbf"], 1700000000);
  EXPECT_EQ(claims["exp"], 1700000600);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 36u);
  // The signature verifies with the certificate's public key, and not after one byte changes.
  const std::string input = parts[0] + "." + parts[1];
  std::string sig = unb64url(parts[2]);
  for (int round = 0; round < 2; ++round) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(tc.cert)),
              1);
    const int ok =
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    EXPECT_EQ(ok, round == 0 ? 1 : 0);
    sig[10] = static_cast<char>(sig[10] ^ 1);
  }
  // Two assertions never share a jti.
  auto b = certificate_assertion(tc.pem, "client-1", url, 1700000000);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(json::parse(unb64url(vnetdiag::split(*b, '.')[1]))["jti"], claims["jti"]);
}

TEST(Credentials, CertificateAssertionSaysWhatIsWrongWithThePem) {
  TestCert tc;
  EXPECT_NE(certificate_assertion("", "c", "u", 1).error().message.find("certificate"),
            std::string::npos);
  EXPECT_NE(certificate_assertion(tc.cert_pem, "c", "u", 1).error().message.find("private key"),
            std::string::npos);
  TestCert other;
  const std::string mismatched =
      tc.cert_pem + other.pem.substr(0, other.pem.find("-----BEGIN CERT"));
  EXPECT_NE(certificate_assertion(mismatched, "c", "u", 1).error().message.find("does not belong"),
            std::string::npos);
}

// Recorded `az account get-access-token -o json` output: azure-cli before 2.54 (expiresOn in local
// time only) and after (expires_on in epoch seconds, preferred).
TEST(Credentials, AzureCliOutputShapes) {
  auto older = parse_token_response(R"({
  "accessToken": "eyJ0eXAi.old.sig",
  "expiresOn": "2023-11-22 14:33:44.000000",
  "subscription": "00000000-0000-0000-0000-000000000001",
  "tenant": "00000000-0000-0000-0000-0000000000aa",
  "tokenType": "Bearer"
})",
                                    1);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->value, "eyJ0eXAi.old.sig");
  EXPECT_GT(older->expires_on, 1700600000);
  auto newer = parse_token_response(R"({
  "accessToken": "eyJ0eXAi.new.sig",
  "expiresOn": "2023-11-22 15:33:44.000000",
  "expires_on": 1700667224,
  "subscription": "00000000-0000-0000-0000-000000000001",
  "tenant": "00000000-0000-0000-0000-0000000000aa",
  "tokenType": "Bearer"
})",
                                    1);
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->expires_on, 1700667224);
  // `az` not logged in prints nothing on stdout (its error goes to stderr): no token.
  EXPECT_FALSE(parse_token_response("", 1).ok());
}

TEST(Credentials, AFailingConfiguredCredentialStopsTheChain) {
  CredentialSettings s;
  s.audience = "https://management.azure.com/";
  s.authority = "https://127.0.0.1:1";  // closed: Entra does not answer
  s.http.connect_timeout_s = 2;
  s.http.total_timeout_s = 2;
  std::map<std::string, std::string> env = {
      {"AZURE_TENANT_ID", "t"},     {"AZURE_CLIENT_ID", "c"},
      {"AZURE_CLIENT_SECRET", "s"}, {"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"},
      {"IDENTITY_HEADER", "h"},     {"PATH", "/nonexistent"}};
  TokenSource tokens(credential_chain(s, env));
  auto t = tokens.get();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message.rfind("service principal (AZURE_CLIENT_SECRET): ", 0), 0u)
      << t.error().message;
  auto outcome = outcomes(tokens);
  EXPECT_EQ(outcome["App Service managed identity"], "not tried");
  EXPECT_EQ(outcome["token file (--token-file)"], "skipped: no --token-file");
}

TEST(Credentials, AnUnansweringManagedIdentityLetsTheChainGoOn) {
  CredentialSettings s;
  s.audience = "https://management.azure.com/";
  s.http.connect_timeout_s = 2;
  s.http.total_timeout_s = 2;
  std::map<std::string, std::string> env = {{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"},
                                            {"IDENTITY_HEADER", "h"},
                                            {"PATH", "/nonexistent"}};
  TokenSource tokens(credential_chain(s, env));
  auto t = tokens.get();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message.rfind("no Azure credential worked", 0), 0u) << t.error().message;
  EXPECT_NE(t.error().message.find("App Service managed identity: no answer"), std::string::npos);
  auto outcome = outcomes(tokens);
  EXPECT_EQ(outcome["Azure CLI"], "skipped: no 'az' on PATH");
}

TEST(Credentials, SkippedCredentialsSayWhy) {
  CredentialSettings s;
  auto chain = credential_chain(s, {{"AZURE_CLIENT_SECRET", "x"},
                                    {"AZURE_CLIENT_CERTIFICATE_PATH", "/c.pem"},
                                    {"AZURE_FEDERATED_TOKEN_FILE", "/f"},
                                    {"AZURE_CLIENT_ID", "c"}});
  std::map<std::string, std::string> why;
  std::map<std::string, bool> configured;
  for (const auto& c : chain) {
    why[c.name] = c.skipped();
    configured[c.name] = c.configured;
  }
  EXPECT_EQ(why["service principal (AZURE_CLIENT_SECRET)"],
            "AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not");
  EXPECT_EQ(why["service principal (AZURE_CLIENT_CERTIFICATE_PATH)"],
            "AZURE_CLIENT_SECRET is used instead");
  EXPECT_EQ(why["workload identity (AZURE_FEDERATED_TOKEN_FILE)"],
            "AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID is not");
  EXPECT_EQ(why["App Service managed identity"], "IDENTITY_ENDPOINT is not set");
  // IMDS is probed, not configured: it alone does not turn the ARM read on.
  EXPECT_FALSE(configured["IMDS managed identity"]);
  for (const auto& c :
       credential_chain(s, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:1"}}))
    if (c.name == "IMDS managed identity") {
      EXPECT_TRUE(c.configured);
    }
}
