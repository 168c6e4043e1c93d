#pragma once
// Plain HTTPS exchanges for ARM and token endpoints, one at a time or many at once (curl multi).
// No retries here: the ARM client decides what to retry.
#include <map>
#include <string>
#include <vector>

namespace vnetdiag::arm {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

struct HttpResponse {
  long status = 0;                             // 0: no HTTP answer (see error)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // transport error text
  std::string header(const std::string& lower_name) const;
};

struct HttpOptions {
  std::string ca_bundle;
  double connect_timeout_s = 10;
  double total_timeout_s = 100;
  std::size_t max_body =
      std::size_t{4} * 1024 * 1024;  // no ARM answer vnetdiag reads comes near it
  long max_in_flight = 8;            // concurrent requests; the rest queue
};

std::vector<HttpResponse> perform_all(const std::vector<HttpRequest>& requests,
                                      const HttpOptions& options);
HttpResponse perform(const HttpRequest& request, const HttpOptions& options);

std::string url_encode(const std::string& text);

}  // namespace vnetdiag::arm
