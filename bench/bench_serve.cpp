// kplug serve's three performance figures (issue 22), one run each, printed as text:
//  1. server overhead: one keep-alive connection predicting one mlp_seq row at a time, against
//     Model::predict on the same row in a loop (target: at least 0.5x), with the p99 latency;
//  2. batching: 32 concurrent clients on cnn, batching on against off (target: at least 2x);
//  3. worker threads: 2 against 1 on cnn, 8 clients, batching off (target: at least 1.7x).
// Usage: kplug_bench_serve [seconds per measurement, default 2] [figures to run, default 123]
#include "kplug/saving/keras_file.hpp"
#include "kplug/serve/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using kplug::Tensor;

const fs::path kData = KPLUG_BENCH_DATA;

// One keep-alive connection posting `body` to `target`.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    stream_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  unsigned post(const std::string& target, const std::string& body) {
    http::request<http::string_body> request(http::verb::post, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    return response.result_int();
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// A temporary TF Serving layout holding `fixture` as version 1 of model `name`.
struct ModelDir {
  ModelDir(const std::string& name, const std::string& fixture) {
    path = fs::temp_directory_path() / ("kplug-bench-serve-" + std::to_string(::getpid()) + "-" + name);
    fs::create_directories(path / "1");
    fs::copy_file(kData / "keras" / (fixture + ".keras"), path / "1" / "model.keras",
                  fs::copy_options::overwrite_existing);
  }
  ~ModelDir() { fs::remove_all(path); }
  fs::path path;
};

std::string zeros_body(const Tensor& row) {
  boost::json::array values;
  for (float v : row.values()) values.push_back(static_cast<double>(v));
  // Columnar, flat values nested by the shape.
  std::function<boost::json::value(std::size_t, std::size_t&)> nest = [&](std::size_t axis, std::size_t& at) {
    if (axis == row.shape().size()) return values[at++];
    boost::json::array list;
    for (std::int64_t i = 0; i < row.shape()[axis]; ++i) list.push_back(nest(axis + 1, at));
    return boost::json::value(std::move(list));
  };
  std::size_t at = 0;
  return boost::json::serialize(boost::json::object{{"inputs", nest(0, at)}});
}

// The floor of figure 1: a bare Beast server on one thread answering every request with a fixed
// small body (no routing, no JSON, no model), to the same client. What HTTP over loopback costs.
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::jthread([this] { serve_one_connection(); });
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void serve_one_connection() {
    boost::asio::ip::tcp::socket socket = acceptor_.accept();
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    while (true) {
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      http::response<http::string_body> response(http::status::ok, 11);
      response.set(http::field::content_type, "application/json");
      response.body() = R"({"predictions": [[0.5]]})";
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec) return;
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::jthread thread_;
};

struct Load {
  double per_second;
  double p99_ms;
};

// `clients` connections posting for `seconds`; requests per second and the p99 latency.
Load run_clients(std::uint16_t port, const std::string& target, const std::string& body, int clients, double seconds) {
  std::atomic<bool> stop = false;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::vector<std::jthread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client(port);
      while (!stop) {
        const auto t0 = Clock::now();
        if (client.post(target, body) != 200) std::abort();
        latencies[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  threads.clear();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  return {static_cast<double>(all.size()) / elapsed, all.empty() ? 0 : all[all.size() * 99 / 100]};
}

Load serve(const fs::path& base, const Tensor& row, kplug::serve::BatchingOptions batching, int clients, double seconds,
           int io_threads = 2) {
  kplug::serve::ServerOptions options;
  options.port = 0;
  options.models = {{"m", base}};
  options.batching = batching;
  options.io_threads = io_threads;
  kplug::serve::Server server(options);
  server.start();
  server.wait_until_ready(std::chrono::seconds(60));
  return run_clients(server.port(), "/v1/models/m:predict", zeros_body(row), clients, seconds);
}

Tensor first_row(const std::string& fixture) {
  auto model = kplug::saving::load_model(kData / "keras" / (fixture + ".keras"));
  kplug::Shape shape{1};
  const auto batch = model->input_layers().at(0)->batch_shape();
  for (std::size_t i = 1; i < batch.rank(); ++i) shape.push_back(*batch[i]);
  Tensor row(shape);
  for (std::int64_t i = 0; i < row.size(); ++i) row[i] = static_cast<float>((i * 37) % 11 - 5) / 4.0f;
  return row;
}

using kplug::serve::BatchingOptions;

// 1. Server overhead on mlp_seq, with the bare-HTTP floor.
void overhead_figure(double seconds) {
  const Tensor mlp_row = first_row("mlp_seq");
  auto mlp = kplug::saving::load_model(kData / "keras" / "mlp_seq.keras");
  std::int64_t calls = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    mlp->predict({mlp_row});
    ++calls;
  }
  const double in_process = static_cast<double>(calls) / std::chrono::duration<double>(Clock::now() - start).count();
  const ModelDir mlp_dir("mlp", "mlp_seq");
  const Load one = serve(mlp_dir.path, mlp_row, BatchingOptions{}, 1, seconds);
  Load floor{};
  {
    const EchoServer echo;
    floor = run_clients(echo.port(), "/v1/models/m:predict", zeros_body(mlp_row), 1, seconds);
  }  // the client closes its connection, so the echo thread returns
  std::printf(
      "mlp_seq, 1 connection: %.0f req/s served, %.0f predict/s in process: %.2fx (target >= 0.5x); p99 %.3f ms\n"
      "  floor: a bare Beast server answering a fixed body, same client: %.0f req/s (%.1f us per round trip; "
      "kplug serve adds %.1f us, predict itself %.1f us)\n",
      one.per_second, in_process, one.per_second / in_process, one.p99_ms, floor.per_second, 1e6 / floor.per_second,
      1e6 / one.per_second - 1e6 / floor.per_second, 1e6 / in_process);
}

// 2. Batching on cnn, 32 clients.
void batching_figure(double seconds) {
  const Tensor cnn_row = first_row("cnn");
  const ModelDir cnn_dir("cnn", "cnn");
  const Load off = serve(cnn_dir.path, cnn_row, BatchingOptions{false, 1, {}, 1, 1024}, 32, seconds);
  const Load on =
      serve(cnn_dir.path, cnn_row, BatchingOptions{true, 32, std::chrono::microseconds(2000), 1, 1024}, 32, seconds);
  std::printf(
      "cnn, 32 clients: batching on %.0f req/s, off %.0f req/s: %.2fx (target >= 2x); p99 on %.2f ms, off %.2f ms\n",
      on.per_second, off.per_second, on.per_second / off.per_second, on.p99_ms, off.p99_ms);
}

// 3. Worker threads on cnn, 8 clients, batching off (predict runs on the HTTP threads).
void threads_figure(double seconds) {
  const Tensor cnn_row = first_row("cnn");
  const ModelDir cnn_dir("cnn", "cnn");
  const Load t1 = serve(cnn_dir.path, cnn_row, BatchingOptions{}, 8, seconds, 1);
  const Load t2 = serve(cnn_dir.path, cnn_row, BatchingOptions{}, 8, seconds, 2);
  std::printf("cnn, 8 clients: 2 worker threads %.0f req/s, 1 thread %.0f req/s: %.2fx (target >= 1.7x)\n",
              t2.per_second, t1.per_second, t2.per_second / t1.per_second);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
  const std::string figures = argc > 2 ? argv[2] : "123";
  if (figures.find('1') != std::string::npos) overhead_figure(seconds);
  if (figures.find('2') != std::string::npos) batching_figure(seconds);
  if (figures.find('3') != std::string::npos) threads_figure(seconds);
  return 0;
}
