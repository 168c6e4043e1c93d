#include "token.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "secrets.hpp"
#include "text_util.hpp"
#include "url_trust.hpp"

extern char** environ;

namespace vnetdiag::arm {
namespace {

using nlohmann::json;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string base64url_decode(std::string in) {
  for (auto& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : in) {
    const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(table, c);
    if (!p || !c) break;
    val = (val << 6) + static_cast<int>(p - table);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// Seconds since the epoch from a number, a numeric string, or "YYYY-MM-DD HH:MM:SS" (UTC assumed).
// Anything unreadable or beyond year 9999 is 0 (unknown), never an exception.
int64_t read_time(const json& v) {
  constexpr int64_t kLatest = 253402300799;  // 9999-12-31T23:59:59Z
  if (v.is_number_unsigned()) {
    const auto n = v.get<uint64_t>();
    return n <= static_cast<uint64_t>(kLatest) ? static_cast<int64_t>(n) : 0;
  }
  if (v.is_number_integer()) {
    const auto n = v.get<int64_t>();
    return n > 0 && n <= kLatest ? n : 0;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return std::isfinite(d) && d > 0 && d <= static_cast<double>(kLatest) ? static_cast<int64_t>(d)
                                                                          : 0;
  }
  if (!v.is_string()) return 0;
  const std::string s = v.get<std::string>();
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos)
    return s.size() <= 12 ? read_time(json(std::stoull(s))) : 0;
  tm t{};
  for (const char* fmt : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M:%S"})
    if (strptime(s.c_str(), fmt, &t)) return timegm(&t);
  return 0;
}

constexpr std::size_t kMaxTokenFile = std::size_t{64} * 1024;
constexpr std::size_t kMaxCliOutput = std::size_t{1024} * 1024;
constexpr int kCliTimeoutS = 30;

// A file's content, or an error naming `what` when it cannot be read or exceeds `limit` bytes.
Result<std::string> read_bounded(const std::string& path, std::size_t limit,
                                 const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(what + " '" + path + "' cannot be read");
  std::string data(limit + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > limit)
    return fail(what + " '" + path + "' is larger than " + std::to_string(limit / 1024) +
                " KiB: give the file that holds only the token");
  return data;
}

// A program's stdout (at most `limit` bytes kept), run without a shell so that no argument is ever
// shell text; stderr is dropped. Fails when it cannot start, exits non-zero or outlives
// `timeout_s`.
Result<std::string> run_without_shell(std::vector<std::string> args, std::size_t limit,
                                      int timeout_s) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("cannot run ") + args[0]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return fail("cannot run " + args[0] + ": " + std::strerror(spawned));
  }
  std::string out;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fds[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) == 0) {
      timed_out = true;
      break;
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < limit) out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string what = "'" + join(args, " ") + "'";
  if (timed_out) return fail(what + " did not finish within " + std::to_string(timeout_s) + " s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fail(what + " failed");
  return out;
}

std::string form_field(const std::string& k, const std::string& v) {
  return url_encode(k) + "=" + url_encode(v);
}

std::string get_env(const std::map<std::string, std::string>& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

// The first line of an error description, without Entra's "Trace ID: ... Timestamp: ..." tail,
// and at most 200 characters: the AADSTS code and its short text.
std::string short_detail(std::string d) {
  for (const char* cut : {"\r", "\n", " Trace ID:"})
    if (auto at = d.find(cut); at != std::string::npos) d.resize(at);
  d = trim(d);
  if (d.size() > 200) d = d.substr(0, 200) + "...";
  return d;
}

Result<AccessToken> from_http(const HttpResponse& r, const std::string& source) {
  if (r.status == 0) return fail(source + ": token endpoint unreachable: " + r.error);
  if (r.status != 200) {
    std::string detail;
    try {
      auto j = json::parse(r.body);
      for (const char* k : {"error_description", "message", "error"})
        if (j.contains(k) && j[k].is_string()) {
          detail = j[k].get<std::string>();
          break;
        }
    } catch (...) {
    }
    detail = short_detail(detail);
    return fail(source + ": token endpoint answered HTTP " + std::to_string(r.status) +
                (detail.empty() ? "" : ": " + detail));
  }
  auto t = parse_token_response(r.body, now_s());
  if (!t) return fail(source + ": " + t.error().message);
  t->source = source;
  return t;
}

std::string scope_of(const std::string& audience) {
  std::string a = audience;
  while (!a.empty() && a.back() == '/') a.pop_back();
  return a + "/.default";
}

}  // namespace

int64_t jwt_expiry(const std::string& jwt) {
  const auto parts = split(jwt, '.');
  if (parts.size() != 3) return 0;
  try {
    auto claims = json::parse(base64url_decode(parts[1]));
    if (claims.contains("exp")) return read_time(claims["exp"]);
  } catch (...) {
  }
  return 0;
}

Result<AccessToken> parse_token_response(const std::string& body, int64_t now) {
  json j;
  try {
    j = json::parse(body);
  } catch (...) {
    return fail("token response is not JSON");
  }
  if (!j.is_object()) return fail("token response is not a JSON object");
  AccessToken t;
  for (const char* k : {"access_token", "accessToken"})
    if (j.contains(k) && j[k].is_string()) t.value = j[k].get<std::string>();
  if (t.value.empty()) return fail("token response has no access_token");
  if (j.contains("expires_on")) t.expires_on = read_time(j["expires_on"]);
  if (!t.expires_on && j.contains("expires_in")) {
    const int64_t in = read_time(j["expires_in"]);
    if (in > 0) t.expires_on = now + in;
  }
  if (!t.expires_on && j.contains("expiresOn")) t.expires_on = read_time(j["expiresOn"]);
  if (!t.expires_on) t.expires_on = jwt_expiry(t.value);
  if (!t.expires_on) t.expires_on = now + 300;  // unknown: use it briefly, then ask again
  return t;
}

namespace {

std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t val = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    val = (val << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kTable[(val >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kTable[(val << (6 - bits)) & 0x3F]);
  return out;
}

std::string base64url(const std::string& s) {
  return base64url(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// No passphrase prompt on a terminal: an encrypted key is an error, not a question.
int no_password(char*, int, int, void*) { return -1; }

std::string random_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return "";
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

std::string resolve_on_path(const std::string& program, const std::string& path) {
  for (const auto& dir : split(path, ':'))
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0)
      return dir + "/" + program;
  return "";
}

Attempt stop(Result<AccessToken> t) { return Attempt{std::move(t), false}; }
Attempt next(const std::string& why) { return Attempt{fail(why), true}; }

}  // namespace

Result<std::string> certificate_assertion(const std::string& pem, const std::string& client_id,
                                          const std::string& token_url, int64_t now) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail("out of memory");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
  if (!cert) return fail("no PEM certificate in it");
  std::unique_ptr<BIO, BioFree> kbio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!kbio) return fail("out of memory");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(kbio.get(), nullptr, no_password, nullptr));
  if (!key) return fail("no unencrypted PEM private key in it");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return fail("the private key is not RSA");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return fail("the private key does not belong to the certificate");
  unsigned char sha1[EVP_MAX_MD_SIZE], sha256[EVP_MAX_MD_SIZE];
  unsigned int n1 = 0, n256 = 0;
  if (X509_digest(cert.get(), EVP_sha1(), sha1, &n1) != 1 ||
      X509_digest(cert.get(), EVP_sha256(), sha256, &n256) != 1)
    return fail("cannot compute the certificate thumbprint");
  const json header = {{"alg", "RS256"},
                       {"typ", "JWT"},
                       {"x5t", base64url(sha1, n1)},
                       {"x5t#S256", base64url(sha256, n256)}};
  const std::string jti = random_uuid();
  if (jti.empty()) return fail("no random bytes for the assertion id");
  const json claims = {{"aud", token_url}, {"iss", client_id}, {"sub", client_id}, {"jti", jti},
                       {"nbf", now},       {"iat", now},       {"exp", now + 600}};
  const std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return fail("cannot sign the client assertion");
  std::vector<unsigned char> sig(sig_len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return fail("cannot sign the client assertion");
  return signing_input + "." + base64url(sig.data(), sig_len);
}

std::vector<Credential> credential_chain(const CredentialSettings& s,
                                         const std::map<std::string, std::string>& env) {
  std::vector<Credential> chain;
  const auto e = [env](const char* name) { return get_env(env, name); };
  for (const char* secret :
       {"AZURE_ACCESS_TOKEN", "IDENTITY_HEADER", "MSI_SECRET", "AZURE_CLIENT_SECRET"})
    secrets::remember(e(secret));
  // Adds a credential whose availability is "the reason it is skipped is empty".
  const auto add = [&chain](std::string name, std::function<std::string()> skipped, std::string who,
                            bool configured, std::function<Attempt()> attempt) {
    Credential c;
    c.name = std::move(name);
    c.available = [skipped] { return skipped().empty(); };
    c.skipped = std::move(skipped);
    c.who = std::move(who);
    c.configured = configured;
    c.attempt = std::move(attempt);
    chain.push_back(std::move(c));
  };
  const std::string tenant = e("AZURE_TENANT_ID"), client = e("AZURE_CLIENT_ID");
  const std::string sp_who = "client id " + client + ", tenant " + tenant;
  // Which of AZURE_TENANT_ID / AZURE_CLIENT_ID is missing when `what` is set, or "".
  const auto missing_ids = [tenant, client](const std::string& what) -> std::string {
    if (tenant.empty() && client.empty())
      return what + " is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not";
    if (tenant.empty()) return what + " is set but AZURE_TENANT_ID is not";
    if (client.empty()) return what + " is set but AZURE_CLIENT_ID is not";
    return "";
  };

  // 1. Explicit tokens: asked for by name, so a failure stops the chain.
  add(
      "token file (--token-file)",
      [s] { return s.token_file.empty() ? std::string("no --token-file") : std::string(); }, "",
      true,
      [s]() -> Attempt {
        auto text = read_bounded(s.token_file, kMaxTokenFile, "--token-file");
        if (!text) return stop(fail(text.error().message));
        AccessToken t{trim(*text), 0, "token file (--token-file)"};
        secrets::remember(t.value);
        if (t.value.empty()) return stop(fail("--token-file '" + s.token_file + "' is empty"));
        t.expires_on = jwt_expiry(t.value);
        if (!t.expires_on) t.expires_on = now_s() + 300;
        return stop(t);
      });
  const std::string explicit_token = e("AZURE_ACCESS_TOKEN");
  add(
      "AZURE_ACCESS_TOKEN",
      [explicit_token] {
        return explicit_token.empty() ? std::string("AZURE_ACCESS_TOKEN is not set")
                                      : std::string();
      },
      "", true,
      [explicit_token]() -> Attempt {
        AccessToken t{explicit_token, jwt_expiry(explicit_token), "AZURE_ACCESS_TOKEN"};
        if (!t.expires_on) t.expires_on = now_s() + 300;
        return stop(t);
      });

  std::string authority =
      e("AZURE_AUTHORITY_HOST").empty() ? s.authority : e("AZURE_AUTHORITY_HOST");
  const auto token_url = [authority](const std::string& tenant_id) {
    std::string a = authority;
    while (!a.empty() && a.back() == '/') a.pop_back();
    return a + "/" + tenant_id + "/oauth2/v2.0/token";
  };
  // A client-credentials request to Entra; `auth` holds the client_secret or client_assertion
  // form fields. Entra is asked over https only (untrusted_token_endpoint).
  const auto entra = [s, authority, token_url, tenant, client](const std::string& source,
                                                               const std::string& auth) -> Attempt {
    if (auto why = untrusted_token_endpoint(authority, false))
      return stop(fail(source + ": authority " + *why));
    const std::string body = form_field("grant_type", "client_credentials") + "&" +
                             form_field("client_id", client) + "&" + auth + "&" +
                             form_field("scope", scope_of(s.audience));
    HttpRequest r{
        "POST", token_url(tenant), {"Content-Type: application/x-www-form-urlencoded"}, body};
    return stop(from_http(perform(r, s.http), source));
  };

  // 2. Environment (EnvironmentCredential): a service principal with a secret, else with a
  // certificate. Set but failing (wrong secret, unreadable PEM) stops the chain.
  const std::string client_secret = e("AZURE_CLIENT_SECRET");
  add(
      "service principal (AZURE_CLIENT_SECRET)",
      [client_secret, missing_ids] {
        return client_secret.empty() ? std::string("AZURE_CLIENT_SECRET is not set")
                                     : missing_ids("AZURE_CLIENT_SECRET");
      },
      sp_who, true,
      [entra, client_secret]() -> Attempt {
        return entra("service principal (AZURE_CLIENT_SECRET)",
                     form_field("client_secret", client_secret));
      });
  const std::string cert_path = e("AZURE_CLIENT_CERTIFICATE_PATH");
  add(
      "service principal (AZURE_CLIENT_CERTIFICATE_PATH)",
      [cert_path, client_secret, missing_ids] {
        if (cert_path.empty()) return std::string("AZURE_CLIENT_CERTIFICATE_PATH is not set");
        if (!client_secret.empty()) return std::string("AZURE_CLIENT_SECRET is used instead");
        return missing_ids("AZURE_CLIENT_CERTIFICATE_PATH");
      },
      sp_who, true,
      [entra, cert_path, client, tenant, token_url]() -> Attempt {
        const std::string source = "service principal (AZURE_CLIENT_CERTIFICATE_PATH)";
        auto pem = read_bounded(cert_path, kMaxTokenFile, "AZURE_CLIENT_CERTIFICATE_PATH");
        if (!pem) return stop(fail(source + ": " + pem.error().message));
        secrets::remember(trim(*pem));
        auto assertion = certificate_assertion(*pem, client, token_url(tenant), now_s());
        if (!assertion)
          return stop(fail(source + ": '" + cert_path + "': " + assertion.error().message +
                           " (a PEM file with the certificate and its RSA private key)"));
        secrets::remember(*assertion);
        return entra(source, form_field("client_assertion_type",
                                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                                 "&" + form_field("client_assertion", *assertion));
      });

  // 3. Workload identity: the federated token file is re-read for every request (it is rotated).
  const std::string federated = e("AZURE_FEDERATED_TOKEN_FILE");
  add(
      "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
      [federated, missing_ids] {
        return federated.empty() ? std::string("AZURE_FEDERATED_TOKEN_FILE is not set")
                                 : missing_ids("AZURE_FEDERATED_TOKEN_FILE");
      },
      sp_who, true,
      [entra, federated]() -> Attempt {
        const std::string source = "workload identity (AZURE_FEDERATED_TOKEN_FILE)";
        auto assertion = read_bounded(federated, kMaxTokenFile, "AZURE_FEDERATED_TOKEN_FILE");
        if (!assertion) return stop(fail(source + ": " + assertion.error().message));
        const std::string jwt = trim(*assertion);
        secrets::remember(jwt);
        if (jwt.empty())
          return stop(fail(source + ": AZURE_FEDERATED_TOKEN_FILE '" + federated + "' is empty"));
        return entra(source, form_field("client_assertion_type",
                                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                                 "&" + form_field("client_assertion", jwt));
      });

  // 4. Managed identity. The client id of a user-assigned identity: --client-id, else
  // AZURE_CLIENT_ID. No answer at all -> the next credential; an answer with an error stops the
  // chain (the identity exists here and failed).
  const std::string mi_client = s.client_id.empty() ? client : s.client_id;
  const std::string mi_who = mi_client.empty() ? "system-assigned" : "client id " + mi_client;
  const auto managed = [](const HttpResponse& r, const std::string& source) -> Attempt {
    if (r.status == 0) return next(source + ": no answer from the identity endpoint: " + r.error);
    return stop(from_http(r, source));
  };
  // The identity header is rotated by the platform: read it for every request, never cache it.
  add(
      "App Service managed identity",
      [env] {
        if (get_env(env, "IDENTITY_ENDPOINT").empty())
          return std::string("IDENTITY_ENDPOINT is not set");
        if (get_env(env, "IDENTITY_HEADER").empty())
          return std::string("IDENTITY_HEADER is not set");
        return std::string();
      },
      mi_who, true,
      [s, env, mi_client, managed]() -> Attempt {
        std::string url = get_env(env, "IDENTITY_ENDPOINT");
        url += (url.find('?') == std::string::npos ? "?" : "&");
        url += "resource=" + url_encode(s.audience) + "&api-version=2019-08-01";
        if (!mi_client.empty()) url += "&client_id=" + url_encode(mi_client);
        if (auto why = untrusted_token_endpoint(url, true))
          return stop(fail("App Service managed identity: IDENTITY_ENDPOINT " + *why));
        HttpRequest r{"GET",
                      url,
                      {"X-IDENTITY-HEADER: " + get_env(env, "IDENTITY_HEADER"), "Metadata: true"},
                      ""};
        return managed(perform(r, s.http), "App Service managed identity");
      });
  add(
      "App Service managed identity (legacy MSI_ENDPOINT)",
      [env] {
        if (!get_env(env, "IDENTITY_ENDPOINT").empty() && !get_env(env, "IDENTITY_HEADER").empty())
          return std::string("IDENTITY_ENDPOINT is used instead");
        if (get_env(env, "MSI_ENDPOINT").empty()) return std::string("MSI_ENDPOINT is not set");
        if (get_env(env, "MSI_SECRET").empty()) return std::string("MSI_SECRET is not set");
        return std::string();
      },
      mi_who, true,
      [s, env, mi_client, managed]() -> Attempt {
        std::string url = get_env(env, "MSI_ENDPOINT");
        url += (url.find('?') == std::string::npos ? "?" : "&");
        url += "resource=" + url_encode(s.audience) + "&api-version=2017-09-01";
        if (!mi_client.empty()) url += "&clientid=" + url_encode(mi_client);
        if (auto why = untrusted_token_endpoint(url, true))
          return stop(fail("App Service managed identity (legacy): MSI_ENDPOINT " + *why));
        HttpRequest r{"GET", url, {"secret: " + get_env(env, "MSI_SECRET")}, ""};
        return managed(perform(r, s.http), "App Service managed identity (legacy)");
      });
  // IMDS is not configured by anything: it is probed (1 s to connect) unless an App Service
  // identity endpoint is set. A 400 is IMDS saying this VM has no such identity: next credential.
  const std::string imds_host = e("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  add(
      "IMDS managed identity",
      [env] {
        if (!get_env(env, "IDENTITY_ENDPOINT").empty() || !get_env(env, "MSI_ENDPOINT").empty())
          return std::string("the App Service identity endpoint is used instead");
        return std::string();
      },
      mi_who, !imds_host.empty(),
      [s, imds_host, mi_client]() -> Attempt {
        const std::string source = "IMDS managed identity";
        std::string base = imds_host.empty() ? "http://169.254.169.254" : imds_host;
        while (!base.empty() && base.back() == '/') base.pop_back();
        std::string url = base +
                          "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                          url_encode(s.audience);
        if (!mi_client.empty()) url += "&client_id=" + url_encode(mi_client);
        if (auto why = untrusted_token_endpoint(url, true))
          return stop(fail(source + ": AZURE_POD_IDENTITY_AUTHORITY_HOST " + *why));
        HttpOptions http = s.http;
        http.connect_timeout_s = 1;
        const HttpResponse r = perform(HttpRequest{"GET", url, {"Metadata: true"}, ""}, http);
        if (r.status == 0) return next(source + ": no IMDS endpoint answered (not an Azure VM)");
        if (r.status == 400) {
          auto failed = from_http(r, source);
          return next(failed.error().message);
        }
        return stop(from_http(r, source));
      });

  // 5. Azure CLI, found on PATH; its stderr is dropped (it may print account details).
  const std::string az =
      resolve_on_path("az", e("PATH").empty() ? "/usr/bin:/usr/local/bin" : e("PATH"));
  add(
      "Azure CLI", [az] { return az.empty() ? std::string("no 'az' on PATH") : std::string(); }, "",
      false,
      [s, az]() -> Attempt {
        auto out = run_without_shell(
            {az, "account", "get-access-token", "--output", "json", "--resource", s.audience},
            kMaxCliOutput, kCliTimeoutS);
        if (!out) return stop(fail("Azure CLI: " + out.error().message + " (run 'az login')"));
        auto t = parse_token_response(*out, now_s());
        if (!t) return stop(fail("Azure CLI: " + t.error().message));
        t->source = "Azure CLI";
        return stop(t);
      });
  return chain;
}

Result<AccessToken> TokenSource::get() {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t now = now_s();
  // Refresh ahead of expiry: 5 minutes, or half the lifetime for short-lived tokens.
  if (!cached_.value.empty()) {
    const int64_t lifetime_left = cached_.expires_on - now;
    if (lifetime_left > 300 ||
        (lifetime_left > 0 && lifetime_left > (cached_.expires_on - cached_issued_) / 2))
      return cached_;
  }
  // A chain that failed a moment ago is not asked again: a token endpoint that accepts and never
  // answers would otherwise cost its timeout once per ARM call (a check took 160 s, not 20).
  if (!failed_.empty() && now - failed_at_ < kRetryFailedChainAfterS) return fail(failed_);
  failures_.clear();
  // Every credential is described, also those after the one that ended the walk.
  outcomes_.clear();
  for (const auto& c : chain_) {
    const std::string why = c.skipped();
    outcomes_.push_back(why.empty() ? "not tried" : "skipped: " + why);
  }
  for (std::size_t i = 0; i < chain_.size(); ++i) {
    const auto& c = chain_[i];
    if (!c.available()) continue;
    Attempt a = c.attempt();
    if (a.token) {
      secrets::remember(a.token->value);
      cached_ = *a.token;
      cached_issued_ = now;
      failed_.clear();
      outcomes_[i] = "used";
      return cached_;
    }
    const std::string why = secrets::scrub(a.token.error().message);
    failures_.push_back(why);
    const std::string own = why.rfind(c.name + ": ", 0) == 0 ? why.substr(c.name.size() + 2) : why;
    outcomes_[i] = (a.unavailable ? "skipped: " : "failed: ") + own;
    if (!a.unavailable) {
      // A present credential that fails stops the chain (see Credential): its error is the one.
      failed_ = why;
      failed_at_ = now;
      return fail(failed_);
    }
  }
  failed_ =
      "no Azure credential worked: set AZURE_TENANT_ID/AZURE_CLIENT_ID with "
      "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE "
      "(workload identity), IDENTITY_ENDPOINT/IDENTITY_HEADER (managed identity), run "
      "'az login', or pass --token-file";
  if (!failures_.empty()) failed_ += " (" + join(failures_, "; ") + ")";
  failed_at_ = now;
  return fail(failed_);
}

void TokenSource::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_ = AccessToken{};
}

std::string TokenSource::source() {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_.source;
}

std::vector<std::string> TokenSource::unavailable_reasons() {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

std::vector<std::pair<std::string, std::string>> TokenSource::report() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < chain_.size(); ++i)
    out.emplace_back(chain_[i].name, i < outcomes_.size() ? outcomes_[i] : "not tried");
  return out;
}

}  // namespace vnetdiag::arm
