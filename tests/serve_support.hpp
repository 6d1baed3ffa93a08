// Helpers of the kplug serve suites: a model base path laid out as TF Serving's, a started
// server, and a small HTTP/1.1 client (Boost.Beast, keep-alive) plus raw sockets for
// requests no client library would send.
#pragma once

#include "test_support.hpp"

#include "kplug/serve/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

namespace kplug::test {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// `base/<version>/model.keras`, a copy of tests/data/keras/<fixture>.keras.
inline void add_version(const std::filesystem::path& base, int version, const std::string& fixture) {
  const auto dir = base / std::to_string(version);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(data_dir() / "keras" / (fixture + ".keras"), dir / "model.keras",
                             std::filesystem::copy_options::overwrite_existing);
}

using Models = std::vector<std::pair<std::string, std::string>>;  // name -> fixture

// A server on 127.0.0.1 with a free port, serving `models` (name -> fixture, version 1).
struct ServerFixture {
  explicit ServerFixture(const Models& models, serve::ServerOptions options = {}) {
    for (const auto& [name, fixture] : models) {
      add_version(dir.path / name, 1, fixture);
      options.models.push_back({name, dir.path / name});
    }
    options.port = 0;
    options.poll_interval = std::chrono::milliseconds(50);
    server = std::make_unique<serve::Server>(std::move(options));
    server->start();
    BOOST_REQUIRE(server->wait_until_ready(std::chrono::seconds(60)));
  }
  std::uint16_t port() const { return server->port(); }

  TempDir dir{"kplug-serve"};
  std::unique_ptr<serve::Server> server;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  http::response<http::string_body> response;
};

// One keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  HttpResult request(http::verb method, const std::string& target, const std::string& body = {}) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (method == http::verb::post) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    HttpResult result;
    http::read(stream_, buffer_, result.response);
    result.status = result.response.result_int();
    result.body = result.response.body();
    return result;
  }
  HttpClient(HttpClient&&) = delete;
  HttpResult get(const std::string& target) { return request(http::verb::get, target); }
  HttpResult post(const std::string& target, const std::string& body) {
    return request(http::verb::post, target, body);
  }

 private:
  boost::asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// The numbers of nested JSON lists, in order, as float32.
// A batched answer equals the same rows predicted alone up to rounding: merged requests
// change the GEMM's row count, and with it oneDNN's kernel and summation order (gemv for one
// row), as with TF Serving's batching. 1e-6 is far below any wrong row.
inline bool batched_value_matches(float served, float alone) {
  return std::fabs(served - alone) <= 1e-6f + 1e-6f * std::fabs(alone);
}

inline void append_flat(const boost::json::value& value, std::vector<float>& out) {
  if (!value.is_array()) return out.push_back(static_cast<float>(value.to_number<double>()));
  for (const auto& x : value.as_array()) append_flat(x, out);
}

// Sends `bytes` on a fresh connection and reads until the server closes it (or `timeout`).
inline std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  if (!bytes.empty()) boost::asio::write(stream, boost::asio::buffer(bytes));
  std::string answer;
  char chunk[4096];
  stream.expires_after(timeout);
  while (true) {
    beast::error_code ec;
    const std::size_t n = stream.read_some(boost::asio::buffer(chunk), ec);
    answer.append(chunk, n);
    if (ec) break;
  }
  return answer;
}

}  // namespace kplug::test
