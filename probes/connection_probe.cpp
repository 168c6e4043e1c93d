#include "connection_probe.hpp"

#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "address_class.hpp"
#include "ca_store.hpp"
#include "route_probe.hpp"
#include "text_util.hpp"

namespace vnetdiag {
namespace {

constexpr std::size_t kBodyLimit = 4096;
constexpr std::size_t kHeaderLimit = 64;
const char* const kKeptHeaders[] = {"x-ms-keyvault-network-info", "x-ms-keyvault-region",
                                    "x-ms-request-id", "content-type", "server"};

long to_ms(double seconds) { return static_cast<long>(seconds * 1000); }

}  // namespace

std::string service_path(TargetKind kind) {
  return kind == TargetKind::kKeyVault ? "/healthstatus" : "/";
}

ConnectionProbe::ConnectionProbe(const Target& target, const std::string& address,
                                 const Timeouts& timeouts, const std::string& ca_bundle)
    : target_(target), timeouts_(timeouts), start_(std::chrono::steady_clock::now()) {
  obs_.address = address;
  obs_.family = is_ipv6_literal(address) ? "ipv6" : "ipv4";
  obs_.path = service_path(target.kind);
  if (auto route = lookup_route(address)) {
    obs_.route_interface = route->interface;
    obs_.route_gateway = route->gateway;
    obs_.route_source = route->source;
  } else {
    obs_.route_error = route.error().message;
  }
  tls_.host = target.host;
  const std::string port = std::to_string(target.port);
  const std::string pinned = obs_.family == "ipv6" ? "[" + address + "]" : address;
  connect_to_ = target.host + ":" + port + ":" + pinned + ":" + port;
  connect_to_list_ = curl_slist_append(nullptr, connect_to_.c_str());

  easy_ = curl_easy_init();
  const std::string url = "https://" + target.host + ":" + port + obs_.path;
  curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, connect_to_list_);
  curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_NOPROXY, "*");  // the direct path is what is under test
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "vnetdiag");
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_BUFFERSIZE, 4096L);  // bodies are read only up to kBodyLimit
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &ConnectionProbe::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &ConnectionProbe::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  const std::string& ca_file = ca_bundle.empty() ? fallback_ca_file() : ca_bundle;
  if (!ca_file.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, ca_file.c_str());
  // No CA directory beside a CA file: Debian's libcurl adds /etc/ssl/certs by default, which
  // widens a --ca-bundle to every system root, and libcurl caches the parsed store in the multi
  // only when it comes from a file alone, so each handshake parsed the whole file again.
  if (!ca_bundle.empty() || system_ca_file_known())
    curl_easy_setopt(easy_, CURLOPT_CAPATH, nullptr);
  // Backstops only: the engine ends each phase at its own budget (ms_until_phase_deadline).
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                   to_ms(timeouts.connect_s + timeouts.tls_s) + 500);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS,
                   to_ms(timeouts.connect_s + timeouts.tls_s + timeouts.http_s) + 500);
  curl_easy_setopt(easy_, CURLOPT_SOCKOPTFUNCTION, &ConnectionProbe::on_socket);
  curl_easy_setopt(easy_, CURLOPT_SOCKOPTDATA, this);
  attach_tls_capture(easy_, &tls_);
}

int ConnectionProbe::on_socket(void* self, curl_socket_t fd, curlsocktype) {
  static_cast<ConnectionProbe*>(self)->socket_ = fd;
  return CURL_SOCKOPT_OK;
}

ConnectionProbe::~ConnectionProbe() {
  if (easy_) curl_easy_cleanup(easy_);
  curl_slist_free_all(connect_to_list_);
}

size_t ConnectionProbe::on_body(char* data, size_t size, size_t n, void* self) {
  auto* p = static_cast<ConnectionProbe*>(self);
  const size_t len = size * n;
  const size_t room = kBodyLimit - std::min(kBodyLimit, p->obs_.body.size());
  p->obs_.body.append(data, std::min(room, len));
  return len;  // keep reading (bounded by the HTTP budget) so the exchange completes normally
}

size_t ConnectionProbe::on_header(char* data, size_t size, size_t n, void* self) {
  auto* p = static_cast<ConnectionProbe*>(self);
  const size_t len = size * n;
  const std::string line(data, len);
  const auto colon = line.find(':');
  if (colon == std::string::npos || p->obs_.headers.size() >= kHeaderLimit) return len;
  const std::string name = lower(trim(line.substr(0, colon)));
  for (const char* kept : kKeptHeaders)
    if (name == kept) p->obs_.headers[name] = trim(line.substr(colon + 1)).substr(0, 512);
  return len;
}

long ConnectionProbe::ms_until_phase_deadline(std::chrono::steady_clock::time_point now) {
  using std::chrono::duration;
  if (connected_at_ == std::chrono::steady_clock::time_point{} && socket_ != CURL_SOCKET_BAD) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (getpeername(socket_, reinterpret_cast<sockaddr*>(&peer), &len) == 0) connected_at_ = now;
  }
  curl_off_t app_us = 0;
  curl_easy_getinfo(easy_, CURLINFO_APPCONNECT_TIME_T, &app_us);
  double deadline_s = timeouts_.connect_s;
  if (connected_at_ != std::chrono::steady_clock::time_point{})
    deadline_s = duration<double>(connected_at_ - start_).count() + timeouts_.tls_s;
  if (app_us > 0) deadline_s = static_cast<double>(app_us) / 1e6 + timeouts_.http_s;
  const double elapsed_s = duration<double>(now - start_).count();
  const double left_ms = (deadline_s - elapsed_s) * 1000;
  return left_ms <= 0 ? 0 : static_cast<long>(left_ms) + 1;
}

void ConnectionProbe::read_times() {
  curl_off_t app_us = 0, first_us = 0, total_us = 0;
  curl_easy_getinfo(easy_, CURLINFO_APPCONNECT_TIME_T, &app_us);
  const bool connected = connected_at_ != std::chrono::steady_clock::time_point{};
  curl_off_t connect_us =
      connected
          ? std::chrono::duration_cast<std::chrono::microseconds>(connected_at_ - start_).count()
          : 0;
  if (app_us > 0 && (!connected || connect_us > app_us)) connect_us = app_us;
  curl_easy_getinfo(easy_, CURLINFO_STARTTRANSFER_TIME_T, &first_us);
  curl_easy_getinfo(easy_, CURLINFO_TOTAL_TIME_T, &total_us);
  const auto ms = [](curl_off_t us) { return static_cast<double>(us) / 1e3; };
  obs_.connect_ms = ms(connect_us);
  obs_.tls_ms = app_us > connect_us ? ms(app_us - connect_us) : 0;
  obs_.first_byte_ms = first_us > app_us ? ms(first_us - app_us) : 0;
  obs_.total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  char* local = nullptr;
  if (curl_easy_getinfo(easy_, CURLINFO_LOCAL_IP, &local) == CURLE_OK && local && *local)
    obs_.local_address = local;
  if (connected || app_us > 0) obs_.tcp = PhaseStatus::kOk;
  if (app_us > 0) obs_.tls = PhaseStatus::kOk;
  obs_.tls_version = tls_.version;
  obs_.certificate = tls_.leaf;
}

void ConnectionProbe::expire(const std::string& why) {
  read_times();
  PhaseStatus* phase = obs_.tcp != PhaseStatus::kOk   ? &obs_.tcp
                       : obs_.tls != PhaseStatus::kOk ? &obs_.tls
                                                      : &obs_.http;
  *phase = PhaseStatus::kTimeout;
  obs_.error = why;
}

void ConnectionProbe::finish(CURLcode code) {
  read_times();
  const std::string message = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(code);
  if (code == CURLE_OK) {
    obs_.http = PhaseStatus::kOk;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &obs_.status_code);
    return;
  }
  obs_.error = message;
  // Any error past the connect step means TCP was up, even if it came within one poll round.
  if (code != CURLE_COULDNT_CONNECT && code != CURLE_OPERATION_TIMEDOUT)
    obs_.tcp = PhaseStatus::kOk;
  if (obs_.tcp != PhaseStatus::kOk) {
    long os_errno = 0;
    curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
    if (code == CURLE_OPERATION_TIMEDOUT || os_errno == ETIMEDOUT)
      obs_.tcp = PhaseStatus::kTimeout;
    else if (os_errno == ECONNREFUSED)
      obs_.tcp = PhaseStatus::kRefused;
    else if (os_errno == EHOSTUNREACH || os_errno == ENETUNREACH)
      obs_.tcp = PhaseStatus::kUnreachable;
    else
      obs_.tcp = PhaseStatus::kFailed;
    return;
  }
  if (obs_.tls != PhaseStatus::kOk) {
    obs_.tls = code == CURLE_OPERATION_TIMEDOUT ? PhaseStatus::kTimeout : PhaseStatus::kFailed;
    // The verify callback saw every certificate of the chain: no error there means the chain is
    // trusted, whatever curl then says about the name. Only without a captured certificate is
    // curl's own verify result the evidence.
    long verify = tls_.first_error;
    if (!verify && !tls_.leaf && code == CURLE_PEER_FAILED_VERIFICATION)
      curl_easy_getinfo(easy_, CURLINFO_SSL_VERIFYRESULT, &verify);
    // A hostname mismatch is a name problem, not a trust problem: the rules tell them apart.
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH) verify = 0;
    obs_.verify_result = verify;
    if (verify)
      obs_.verify_error = tls_.first_error_text.empty() ? X509_verify_cert_error_string(verify)
                                                        : tls_.first_error_text;
    return;
  }
  obs_.http = code == CURLE_OPERATION_TIMEDOUT ? PhaseStatus::kTimeout : PhaseStatus::kFailed;
}

}  // namespace vnetdiag
