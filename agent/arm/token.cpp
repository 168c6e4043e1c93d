#include "token.hpp"

#include <fcntl.h>
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
    return fail(source + ": token endpoint answered HTTP " + std::to_string(r.status) +
                (detail.empty() ? "" : ": " + detail.substr(0, 300)));
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

std::vector<Credential> credential_chain(const CredentialSettings& s,
                                         const std::map<std::string, std::string>& env) {
  std::vector<Credential> chain;
  const auto e = [env](const char* name) { return get_env(env, name); };
  for (const char* secret :
       {"AZURE_ACCESS_TOKEN", "IDENTITY_HEADER", "MSI_SECRET", "AZURE_CLIENT_SECRET"})
    secrets::remember(e(secret));

  chain.push_back({"token file (--token-file)", [s] { return !s.token_file.empty(); },
                   [s]() -> Result<AccessToken> {
                     auto text = read_bounded(s.token_file, kMaxTokenFile, "--token-file");
                     if (!text) return fail(text.error().message);
                     AccessToken t{trim(*text), 0, "token file (--token-file)"};
                     secrets::remember(t.value);
                     if (t.value.empty())
                       return fail("--token-file '" + s.token_file + "' is empty");
                     t.expires_on = jwt_expiry(t.value);
                     if (!t.expires_on) t.expires_on = now_s() + 300;
                     return t;
                   }});
  const std::string explicit_token = e("AZURE_ACCESS_TOKEN");
  chain.push_back(
      {"AZURE_ACCESS_TOKEN", [explicit_token] { return !explicit_token.empty(); },
       [explicit_token]() -> Result<AccessToken> {
         AccessToken t{explicit_token, jwt_expiry(explicit_token), "AZURE_ACCESS_TOKEN"};
         if (!t.expires_on) t.expires_on = now_s() + 300;
         return t;
       }});
  // The identity header is rotated by the platform: read it for every request, never cache it.
  chain.push_back(
      {"App Service managed identity",
       [env] {
         return !get_env(env, "IDENTITY_ENDPOINT").empty() &&
                !get_env(env, "IDENTITY_HEADER").empty();
       },
       [s, env]() -> Result<AccessToken> {
         std::string url = get_env(env, "IDENTITY_ENDPOINT");
         url += (url.find('?') == std::string::npos ? "?" : "&");
         url += "resource=" + url_encode(s.audience) + "&api-version=2019-08-01";
         if (!s.client_id.empty()) url += "&client_id=" + url_encode(s.client_id);
         if (auto why = untrusted_token_endpoint(url, true))
           return fail("App Service managed identity: IDENTITY_ENDPOINT " + *why);
         HttpRequest r{"GET",
                       url,
                       {"X-IDENTITY-HEADER: " + get_env(env, "IDENTITY_HEADER"), "Metadata: true"},
                       ""};
         return from_http(perform(r, s.http), "App Service managed identity");
       }});
  chain.push_back({"App Service managed identity (legacy MSI_ENDPOINT)",
                   [env] {
                     return !get_env(env, "MSI_ENDPOINT").empty() &&
                            !get_env(env, "MSI_SECRET").empty();
                   },
                   [s, env]() -> Result<AccessToken> {
                     std::string url = get_env(env, "MSI_ENDPOINT");
                     url += (url.find('?') == std::string::npos ? "?" : "&");
                     url += "resource=" + url_encode(s.audience) + "&api-version=2017-09-01";
                     if (!s.client_id.empty()) url += "&clientid=" + url_encode(s.client_id);
                     if (auto why = untrusted_token_endpoint(url, true))
                       return fail("App Service managed identity (legacy): MSI_ENDPOINT " + *why);
                     HttpRequest r{"GET", url, {"secret: " + get_env(env, "MSI_SECRET")}, ""};
                     return from_http(perform(r, s.http), "App Service managed identity (legacy)");
                   }});
  std::string authority =
      e("AZURE_AUTHORITY_HOST").empty() ? s.authority : e("AZURE_AUTHORITY_HOST");
  const auto authority_of = [authority] { return authority; };
  const auto token_url = [authority](const std::string& tenant) {
    std::string a = authority;
    while (!a.empty() && a.back() == '/') a.pop_back();
    return a + "/" + tenant + "/oauth2/v2.0/token";
  };
  chain.push_back({"workload identity",
                   [env] {
                     return !get_env(env, "AZURE_FEDERATED_TOKEN_FILE").empty() &&
                            !get_env(env, "AZURE_TENANT_ID").empty() &&
                            !get_env(env, "AZURE_CLIENT_ID").empty();
                   },
                   [s, env, token_url, authority_of]() -> Result<AccessToken> {
                     auto assertion =
                         read_bounded(get_env(env, "AZURE_FEDERATED_TOKEN_FILE"), kMaxTokenFile,
                                      "workload identity: AZURE_FEDERATED_TOKEN_FILE");
                     if (!assertion) return fail(assertion.error().message);
                     secrets::remember(trim(*assertion));
                     if (auto why = untrusted_token_endpoint(authority_of(), false))
                       return fail("workload identity: authority " + *why);
                     const std::string body =
                         form_field("grant_type", "client_credentials") + "&" +
                         form_field("client_id", get_env(env, "AZURE_CLIENT_ID")) + "&" +
                         form_field("scope", scope_of(s.audience)) + "&" +
                         form_field("client_assertion_type",
                                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                         "&" + form_field("client_assertion", trim(*assertion));
                     HttpRequest r{"POST",
                                   token_url(get_env(env, "AZURE_TENANT_ID")),
                                   {"Content-Type: application/x-www-form-urlencoded"},
                                   body};
                     return from_http(perform(r, s.http), "workload identity");
                   }});
  chain.push_back({"service principal (AZURE_CLIENT_SECRET)",
                   [env] {
                     return !get_env(env, "AZURE_CLIENT_SECRET").empty() &&
                            !get_env(env, "AZURE_TENANT_ID").empty() &&
                            !get_env(env, "AZURE_CLIENT_ID").empty();
                   },
                   [s, env, token_url, authority_of]() -> Result<AccessToken> {
                     if (auto why = untrusted_token_endpoint(authority_of(), false))
                       return fail("service principal: authority " + *why);
                     const std::string body =
                         form_field("grant_type", "client_credentials") + "&" +
                         form_field("client_id", get_env(env, "AZURE_CLIENT_ID")) + "&" +
                         form_field("client_secret", get_env(env, "AZURE_CLIENT_SECRET")) + "&" +
                         form_field("scope", scope_of(s.audience));
                     HttpRequest r{"POST",
                                   token_url(get_env(env, "AZURE_TENANT_ID")),
                                   {"Content-Type: application/x-www-form-urlencoded"},
                                   body};
                     return from_http(perform(r, s.http), "service principal");
                   }});
  chain.push_back(
      {"Azure CLI",
       [] { return access("/usr/bin/az", X_OK) == 0 || access("/usr/local/bin/az", X_OK) == 0; },
       [s]() -> Result<AccessToken> {
         auto out = run_without_shell(
             {"az", "account", "get-access-token", "--output", "json", "--resource", s.audience},
             kMaxCliOutput, kCliTimeoutS);
         if (!out) return fail("Azure CLI: " + out.error().message + " (run 'az login')");
         auto t = parse_token_response(*out, now_s());
         if (t) t->source = "Azure CLI";
         return t;
       }});
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
  for (const auto& c : chain_) {
    if (!c.available()) continue;
    auto t = c.fetch();
    if (t) {
      secrets::remember(t->value);
      cached_ = *t;
      cached_issued_ = now;
      return cached_;
    }
    failures_.push_back(t.error().message);
  }
  failed_ = failures_.empty()
                ? "no Azure credentials: set IDENTITY_ENDPOINT/IDENTITY_HEADER (managed identity), "
                  "AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or pass --token-file"
                : join(failures_, "; ");
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

}  // namespace vnetdiag::arm
