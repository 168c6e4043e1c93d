#pragma once
// A small HTTP/1.1 server (Boost.Beast on one Asio io_context) for `vnetdiag serve`: keep-alive,
// GET and HEAD, and limits so that no client can hold it: a bounded number of connections, a
// bounded request header, no request body, a deadline for each request and for idle keep-alive.
// What to answer is the handler's business (serve_routes); this file only speaks HTTP.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "result.hpp"
#include "serve_routes.hpp"

namespace boost::asio {
class io_context;
}

namespace vnetdiag {

struct ServerLimits {
  std::size_t max_connections = 256;  // beyond: a 503 and close
  std::size_t header_limit = std::size_t{8} * 1024;
  // From a request's first byte (or from accept) to the end of its header: slow senders are cut.
  std::chrono::milliseconds request_timeout{5000};
  // Between two requests on a keep-alive connection.
  std::chrono::milliseconds idle_timeout{15000};
  std::chrono::milliseconds write_timeout{5000};
  // After shutdown(): how long responses in flight may take before the sockets are closed.
  std::chrono::milliseconds drain_timeout{1000};
};

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  HttpServer(boost::asio::io_context& io, ServerLimits limits, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. address: an IPv4 or IPv6 literal. Port 0 picks a free port; the result is
  // the bound port. Errors are one line that says what to do.
  Result<uint16_t> listen(const std::string& address, uint16_t port);
  // Starts accepting; the io_context runs everything.
  void start();
  // Stops accepting, closes idle connections, lets responses in flight finish (up to
  // drain_timeout), then closes the rest. The io_context then runs out of work.
  void shutdown();

  std::size_t connections() const;

  struct Impl;  // in http_server.cpp; public only so that its sessions can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vnetdiag
