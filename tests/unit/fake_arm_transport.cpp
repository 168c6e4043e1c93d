#include "fake_arm_transport.hpp"

#include <mutex>

#include "text_util.hpp"

namespace vnetdiag {
namespace {

std::mutex mu;
std::map<std::string, fake_arm::Handler> routes;  // "METHOD path" (lower path)
std::vector<arm::HttpRequest> log;
long in_flight_max = 0;

arm::HttpResponse serve(const arm::HttpRequest& r) {
  fake_arm::Handler h;
  {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(r);
    auto it = routes.find(r.method + " " + fake_arm::path_of(r.url));
    if (it != routes.end()) h = it->second;
  }
  if (h) return h(r);
  return fake_arm::json_response(
      404, {{"error", {{"code", "ResourceNotFound"}, {"message", "not in this world"}}}});
}

}  // namespace

namespace fake_arm {

void reset() {
  std::lock_guard<std::mutex> lock(mu);
  routes.clear();
  log.clear();
  in_flight_max = 0;
}

void route(const std::string& method, const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(mu);
  routes[method + " " + lower(path)] = std::move(handler);
}

void answer(const std::string& method, const std::string& path, long status,
            const nlohmann::json& body, std::map<std::string, std::string> headers) {
  route(method, path,
        [=](const arm::HttpRequest&) { return json_response(status, body, headers); });
}

std::vector<arm::HttpRequest> sent() {
  std::lock_guard<std::mutex> lock(mu);
  return log;
}

long most_in_flight() { return in_flight_max; }

arm::HttpResponse json_response(long status, const nlohmann::json& body,
                                std::map<std::string, std::string> headers) {
  arm::HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers = std::move(headers);
  r.headers["content-type"] = "application/json";
  return r;
}

std::string path_of(const std::string& url) {
  std::string rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    rest = rest.substr(scheme + 3);
    rest = rest.substr(std::min(rest.find('/'), rest.size()));
  }
  return lower(rest.substr(0, rest.find('?')));
}

}  // namespace fake_arm

namespace arm {

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpResponse perform(const HttpRequest& request, const HttpOptions&) {
  {
    std::lock_guard<std::mutex> lock(mu);
    in_flight_max = std::max(in_flight_max, 1L);
  }
  return serve(request);
}

std::vector<HttpResponse> perform_all(const std::vector<HttpRequest>& requests,
                                      const HttpOptions& options) {
  {
    std::lock_guard<std::mutex> lock(mu);
    in_flight_max = std::max(in_flight_max,
                             std::min(static_cast<long>(requests.size()), options.max_in_flight));
  }
  std::vector<HttpResponse> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(serve(r));
  return out;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace arm
}  // namespace vnetdiag
