#include "http_server.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/span.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <ctime>
#include <optional>
#include <unordered_set>

namespace vnetdiag {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kReadSize = 1024;  // a monitoring request is a few hundred bytes
constexpr std::size_t kBufferLimit = std::size_t{16} * 1024;  // per connection; > header limit
constexpr std::size_t kLingerLimit = std::size_t{64} * 1024;  // unread bytes drained at close
constexpr auto kLingerTimeout = std::chrono::seconds(1);

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

Response error_response(unsigned status, const char* body) {
  Response r;
  r.status = status;
  r.content_type = kJsonContentType;
  r.set_body(body);
  return r;
}

std::string overload_response() {
  const std::string body = "{\"error\":\"too many connections, try again\"}\n";
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: "
         "no-store\r\n"
         "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

class Session;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& context, ServerLimits l, Handler h)
      : io(context),
        limits(l),
        handler(std::move(h)),
        acceptor(context),
        retry_timer(context),
        drain_timer(context),
        overload(overload_response()) {}

  net::io_context& io;
  ServerLimits limits;
  Handler handler;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;  // accept failed for lack of descriptors: try again shortly
  net::steady_timer drain_timer;
  std::unordered_set<Session*> sessions;
  bool stopping = false;
  const std::string overload;

  // Date header, formatted once per second.
  std::time_t date_second = 0;
  char date[40] = {};

  std::string_view http_date() {
    const std::time_t now = std::time(nullptr);
    if (now != date_second) {
      date_second = now;
      std::tm t{};
      gmtime_r(&now, &t);
      if (std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &t) == 0) date[0] = '\0';
    }
    return date;
  }

  void accept();
  void on_accept(error_code ec, tcp::socket socket);
  void session_ended(Session* s);
  void shutdown();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), buffer_(kBufferLimit), server_(std::move(server)) {
    server_->sessions.insert(this);
  }
  ~Session() {
    try {
      server_->session_ended(this);
    } catch (...) {  // a destructor must not throw; the server forgets the session either way
    }
  }

  void run() { wait_for_request(true); }

  // Server shutdown: a connection between requests closes now; one mid-response closes after it.
  void stop() {
    keep_alive_ = false;
    if (phase_ != Phase::kWriting) stream_.cancel();
  }
  void force_close() {
    error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  enum class Phase { kIdle, kReading, kWriting, kClosing };

  const ServerLimits& limits() const { return server_->limits; }

  void wait_for_request(bool first) {
    phase_ = Phase::kIdle;
    if (server_->stopping) return;
    if (buffer_.size() > 0) return read_header();  // pipelined: the next request is already here
    // A new connection gets the request deadline to start talking; a kept-alive one the idle one.
    stream_.expires_after(first ? limits().request_timeout : limits().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
  }

  void on_first_bytes(error_code ec, std::size_t n) {
    if (ec) return;  // timeout, close, reset or shutdown: nothing to answer
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().header_limit));
    stream_.expires_after(limits().request_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      route_ = error_response(431, "{\"error\":\"request header too large\"}\n");
      return reply(11, false, false);
    }
    if (ec && ec.category() == make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      route_ = error_response(400, "{\"error\":\"bad request\"}\n");
      return reply(11, false, false);
    }
    if (ec) return;  // timeout (slow or silent client), peer closed, reset, shutdown

    const auto& req = parser_->get();
    const Request request{sv(req.method_string()), sv(req.target()), sv(req[http::field::accept])};
    route_ = server_->handler(request);
    const bool body_follows = !parser_->is_done();
    if (body_follows && route_.status != 405)
      route_ = error_response(413, "{\"error\":\"no request body is accepted\"}\n");
    // A body we do not read ends the connection.
    reply(req.version(), req.method() == http::verb::head, req.keep_alive() && !body_follows);
  }

  void reply(unsigned version, bool head, bool keep_alive) {
    phase_ = Phase::kWriting;
    keep_alive_ = keep_alive && !server_->stopping;
    res_.emplace();
    auto& res = *res_;
    res.result(route_.status);
    res.version(version == 10 ? 10 : 11);
    res.set(http::field::content_type, bsv(route_.content_type));
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::date, bsv(server_->http_date()));
    if (route_.allow) res.set(http::field::allow, bsv(kAllowedMethods));
    res.keep_alive(keep_alive_);
    const std::string_view body = route_.body();
    res.content_length(body.size());
    if (!head) res.body() = beast::span<const char>(body.data(), body.size());
    stream_.expires_after(limits().write_timeout);
    http::async_write(stream_, res, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    res_.reset();
    route_ = Response();
    if (ec) return;
    if (!keep_alive_ || server_->stopping) return linger();
    wait_for_request(false);
  }

  // Close after the response: stop sending, then read and drop what the client still sends
  // (an unread body) for a moment, so that its kernel does not answer our close with a reset
  // that could destroy the response before the client reads it.
  void linger() {
    phase_ = Phase::kClosing;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain();
  }

  void drain() {
    if (server_->stopping || drained_ > kLingerLimit) return;
    buffer_.consume(buffer_.size());
    stream_.expires_after(kLingerTimeout);
    stream_.async_read_some(buffer_.prepare(kReadSize),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (ec) return;
                              self->drained_ += n;
                              self->buffer_.commit(n);
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::span_body<const char>>> res_;
  Response route_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = true;
  std::size_t drained_ = 0;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(error_code ec, tcp::socket socket) {
  if (stopping || ec == net::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors or memory: waiting lets connections finish; other errors (a client
    // gone before accept) are per connection.
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory) {
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([self = shared_from_this()](error_code e) {
        if (!e && !self->stopping) self->accept();
      });
      return;
    }
    return accept();
  }
  if (sessions.size() >= limits.max_connections) {
    // Full: say so without reading, best effort, and close.
    [[maybe_unused]] auto sent = ::send(socket.native_handle(), overload.data(), overload.size(),
                                        MSG_DONTWAIT | MSG_NOSIGNAL);
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    return accept();
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Session>(std::move(socket), shared_from_this())->run();
  accept();
}

void HttpServer::Impl::session_ended(Session* s) {
  sessions.erase(s);
  if (stopping && sessions.empty()) drain_timer.cancel();
}

void HttpServer::Impl::shutdown() {
  if (stopping) return;
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  // Copy: stop() may end a session (and erase it) only through a handler, but be safe.
  const std::vector<Session*> open(sessions.begin(), sessions.end());
  for (Session* s : open) s->stop();
  if (sessions.empty()) return;
  drain_timer.expires_after(limits.drain_timeout);
  drain_timer.async_wait([self = shared_from_this()](error_code e) {
    if (e) return;
    const std::vector<Session*> left(self->sessions.begin(), self->sessions.end());
    for (Session* s : left) s->force_close();
  });
}

HttpServer::HttpServer(net::io_context& io, ServerLimits limits, Handler handler)
    : impl_(std::make_shared<Impl>(io, limits, std::move(handler))) {}

HttpServer::~HttpServer() {
  error_code ignored;
  impl_->acceptor.close(ignored);
}

Result<uint16_t> HttpServer::listen(const std::string& address, uint16_t port) {
  error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec)
    return fail("--listen address '" + address +
                "' is not an IP address (e.g. 127.0.0.1 or [::1])");
  const tcp::endpoint endpoint(ip, port);
  const std::string shown =
      (ip.is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string what = ec.message();
    std::string hint = "check --listen";
    if (ec == net::error::address_in_use)
      hint = "another process listens there: stop it or give another --listen port";
    else if (ec == net::error::access_denied)
      hint = "ports below 1024 need privileges: use a port above 1024";
    else if (ec == boost::system::errc::address_not_available)
      hint = "the address is not on this machine: use 127.0.0.1 or one of its own addresses";
    error_code ignored;
    a.close(ignored);
    return fail("cannot listen on " + shown + ": " + what + " (" + hint + ")");
  }
  return a.local_endpoint().port();
}

void HttpServer::start() { impl_->accept(); }

void HttpServer::shutdown() { impl_->shutdown(); }

std::size_t HttpServer::connections() const { return impl_->sessions.size(); }

}  // namespace vnetdiag
