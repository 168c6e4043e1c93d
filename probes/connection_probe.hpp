#pragma once
// TCP, TLS and HTTP to one resolved address, pinned: the connection goes to that IP while SNI,
// certificate checks and the Host header use the public name. One curl easy handle per address;
// the engine drives them all in one curl multi.
#include <curl/curl.h>

#include <chrono>
#include <string>

#include "model.hpp"
#include "timeouts.hpp"
#include "tls_capture.hpp"

namespace vnetdiag {

// The path that makes the service answer for itself: Key Vault's anonymous health status carries
// the source address the vault saw; Cognitive Services answers 401/403 bodies on "/".
std::string service_path(TargetKind kind);

class ConnectionProbe {
 public:
  ConnectionProbe(const Target& target, const std::string& address, const Timeouts& timeouts,
                  const std::string& ca_bundle);
  ~ConnectionProbe();
  ConnectionProbe(const ConnectionProbe&) = delete;
  ConnectionProbe& operator=(const ConnectionProbe&) = delete;

  CURL* handle() const { return easy_; }
  std::size_t target_index = 0;

  // Notes the moment TCP connects and returns the milliseconds until the current phase's budget
  // runs out (0 when it has).
  long ms_until_phase_deadline(std::chrono::steady_clock::time_point now);
  // Ends the probe as a timeout of whatever phase it is in.
  void expire(const std::string& why);
  void finish(CURLcode code);
  const ConnectionObservation& observation() const { return obs_; }

 private:
  static size_t on_body(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  static int on_socket(void* self, curl_socket_t fd, curlsocktype purpose);
  void read_times();

  CURL* easy_ = nullptr;
  Target target_;
  Timeouts timeouts_;
  std::chrono::steady_clock::time_point start_;
  // libcurl 7.88 sets CONNECT_TIME only once TLS is done, so TCP completion is read off the socket.
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  std::chrono::steady_clock::time_point connected_at_{};
  std::string connect_to_;
  curl_slist* connect_to_list_ = nullptr;
  TlsCapture tls_;
  ConnectionObservation obs_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace vnetdiag
