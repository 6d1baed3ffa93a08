#include "serve/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace kplug::serve::detail {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `admitted`: holds one of the server's connection slots (else it answers its request 503 and closes).
  HttpSession(net::ip::tcp::socket socket, ServeState& state, bool admitted)
      : stream_(std::move(socket)), state_(state), admitted_(admitted) {}
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;
  ~HttpSession() {
    if (admitted_) state_.open_connections.fetch_sub(1);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      // Bytes already here are a request on its way: it is answered (and the connection closed after).
      beast::error_code ec;
      if (self->idle_ && self->stream_.socket().available(ec) == 0) self->stream_.socket().close(ec);
    });
  }

 private:
  // Between requests: waits for the first bytes of the next one (idle timeout).
  void wait_for_request() {
    if (state_.draining) return close();
    if (buffer_.size() > 0) return read_header();  // pipelined: already here
    idle_ = true;
    stream_.expires_after(admitted_ ? state_.options.idle_timeout : state_.options.header_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->idle_ = false;
      if (ec) return self->close();
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(state_.options.max_body_bytes);
    stream_.expires_after(state_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->refuse(ec);
      self->after_header();
    });
  }

  void after_header() {
    const auto& request = parser_->get();
    const auto length = parser_->content_length();
    if (length && *length > state_.options.max_body_bytes) {
      return answer_and_close(error_answer(413, "The request body (" + std::to_string(*length) +
                                                    " bytes) is over the server's limit of " +
                                                    std::to_string(state_.options.max_body_bytes) + " bytes"));
    }
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      // Curl waits a second for this before sending a body over 1 KiB.
      continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, request.version());
      return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(state_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->refuse(ec);
      self->on_request();
    });
  }

  // A request that could not be read: answered when the client can hear it, then closed.
  void refuse(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return answer_and_close(error_answer(413, "The request body is over the server's limit of " +
                                                    std::to_string(state_.options.max_body_bytes) + " bytes"));
    }
    if (ec == http::error::header_limit) return answer_and_close(error_answer(431, "The request header is too large"));
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return close();
    }
    answer_and_close(error_answer(400, "Malformed HTTP request: " + ec.message()));
  }

  void on_request() {
    http::request<http::string_body> request = parser_->release();
    parser_.reset();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    head_ = request.method() == http::verb::head;
    started_ = std::chrono::steady_clock::now();
    if (!admitted_) {
      return answer_and_close(error_answer(503, "The server has " + std::to_string(state_.options.max_connections) +
                                                    " connections open, its limit: try again later"));
    }
    stream_.expires_never();  // a predict may take its time; request_timeout bounds it
    auto self = shared_from_this();
    try {
      // The work guard keeps the io threads running while a predict is away on a batch thread
      // (after stop(), nothing else would).
      auto work = std::make_shared<net::executor_work_guard<beast::tcp_stream::executor_type>>(stream_.get_executor());
      route(state_, request.method_string(), request.target(), std::move(request.body()),
            [self, work](HttpAnswer answer) {
              // dispatch: an answer made on this strand (batching off) is written at once, not
              // queued for whichever io thread wakes next; one from a batch thread is queued.
              net::dispatch(self->stream_.get_executor(), [self, work, answer = std::move(answer)]() mutable {
                self->write(std::move(answer));
                work->reset();
              });
            });
    } catch (const std::exception& e) {
      write(error_answer(500, std::string("internal error: ") + e.what()));
    }
  }

  void answer_and_close(HttpAnswer answer) {
    keep_alive_ = false;
    version_ = 11;
    started_ = std::chrono::steady_clock::now();
    write(std::move(answer));
  }

  void write(HttpAnswer answer) {
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
    state_.metrics.record_request(answer.model, answer.status, latency);
    response_ = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status), version_);
    auto& response = *response_;
    response.set(http::field::server, "kplug-serve");
    response.set(http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) response.set(http::field::allow, answer.allow);
    response.keep_alive(keep_alive_ && !state_.draining);
    response.body() = std::move(answer.body);
    response.prepare_payload();
    if (head_) response.body().clear();  // Content-Length stays the GET's
    stream_.expires_after(state_.options.body_timeout);
    http::async_write(stream_, response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      const bool keep = self->response_->keep_alive();
      self->response_.reset();
      if (ec || !keep) return self->close();
      self->wait_for_request();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  ServeState& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  bool admitted_;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
  std::chrono::steady_clock::time_point started_;
};

void SessionRegistry::add(const std::shared_ptr<HttpSession>& session) {
  const std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  sessions_.push_back(session);
}

void SessionRegistry::close_idle() {
  const std::lock_guard lock(mutex_);
  for (const auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close_if_idle();
  }
}

namespace {

// Takes one of the server's connection slots (ServerOptions::max_connections, 0: no limit); false,
// counted refused, when every one is taken.
bool take_connection_slot(ServeState& state) {
  const std::size_t max = state.options.max_connections;
  if (state.open_connections.fetch_add(1) < max || max == 0) return true;
  state.open_connections.fetch_sub(1);
  state.metrics.record_connection_refused();
  return false;
}

}  // namespace

void start_session(net::ip::tcp::socket socket, ServeState& state, SessionRegistry& registry) {
  auto session = std::make_shared<HttpSession>(std::move(socket), state, take_connection_slot(state));
  registry.add(session);
  session->start();
}

}  // namespace kplug::serve::detail
