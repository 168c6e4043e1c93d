// `vnetdiag serve` requests come from anyone who can reach the port: the request line, headers
// and query. The bytes go through Beast's request parser set up as http_server.cpp sets it up
// (empty body, 8 KiB header limit), then the real route() with the method, target and Accept
// header, as HttpServer's session hands them over; query_parameter and wants_openmetrics are also
// driven on the raw input so that they see what the parser would refuse.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_server.hpp"
#include "serve_routes.hpp"
#include "serve_snapshot.hpp"

using namespace vnetdiag;
namespace http = boost::beast::http;

namespace {

std::shared_ptr<const Snapshot> snapshot() {
  static const auto s = [] {
    ServeInfo info;
    info.targets = {
        {TargetKind::kKeyVault, "kv1.vault.azure.net", 443, "privatelink.vaultcore.azure.net"},
        {TargetKind::kCustom, "api.example.com", 8443, ""}};
    info.version = "fuzz";
    return initial_snapshot(info);
  }();
  return s;
}

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

void answer(const Request& request) {
  LoopHealth health;
  health.now = std::chrono::steady_clock::now();
  health.heartbeat = health.now;
  const Response r = route(request, snapshot(), health);
  if (r.status < 200 || r.status > 599) abort();
  (void)r.body().size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32 * 1024) return 0;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)query_parameter(raw, "target");
  (void)query_parameter(raw, "format");
  (void)wants_openmetrics(raw);

  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(ServerLimits{}.header_limit));
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& req = parser.get();
  answer(Request{sv(req.method_string()), sv(req.target()), sv(req[http::field::accept])});
  return 0;
}
