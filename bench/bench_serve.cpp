// kplug serve's three performance figures (issue 22), printed as text, with what bounds them:
//  0. what one cnn request costs in process, by step (decode, predict at batch 1 and 32, encode);
//  1. server overhead: one keep-alive connection predicting one mlp_seq row at a time, against
//     Model::predict on the same row in a loop (target: at least 0.5x), with the p99 latency;
//  2. batching: 32 concurrent clients on cnn, batching on against off (target: at least 2x);
//  3. worker threads: 2 against 1 on a CPU-bound model, 8 clients, batching off (target: at
//     least 1.7x).
// Figures 2 and 3 alternate their two set-ups `repetitions` times and report the median ratio
// (the machine may be shared). Figures 1 to 3 run predict on 1 thread per call.
// Usage: kplug_bench_serve [seconds per measurement, default 2] [figures, default 0123]
//                          [repetitions, default 5]
#include "kplug/ops/shape.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/serve/server.hpp"
#include "kplug/serve/signature.hpp"
#include "kplug/threading.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

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
    return send(http::verb::post, target, body).result_int();
  }
  std::string get(const std::string& target) { return send(http::verb::get, target, {}).body(); }

 private:
  http::response<http::string_body> send(http::verb verb, const std::string& target, const std::string& body) {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    return response;
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

// A columnar body holding `row`, its numbers written as Python's json.dumps writes them (the
// shortest text, "-1.25", not Boost.JSON's "-1.25E0"): what TF Serving's clients send.
std::string zeros_body(const Tensor& row) {
  std::string body = "{\"inputs\":";
  std::int64_t at = 0;
  std::function<void(std::size_t)> nest = [&](std::size_t axis) {
    if (axis == row.shape().size()) {
      char text[32];
      body.append(text, std::to_chars(text, text + sizeof text, row[at++]).ptr);
      return;
    }
    body += '[';
    for (std::int64_t i = 0; i < row.shape()[axis]; ++i) {
      if (i) body += ',';
      nest(axis + 1);
    }
    body += ']';
  };
  nest(0);
  return body + "}";
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
  double cpu_us;      // this process's CPU time (clients and server, user and system) per request
  double mean_batch;  // rows per predict call, from the server's /metrics
};

// This process's CPU time so far, every thread, user and system.
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The mean of a Prometheus histogram (its _sum over its _count) in `text`.
double histogram_mean(const std::string& text, const std::string& name) {
  const auto value = [&](const std::string& key) {
    const std::size_t at = text.find(key);
    return at == std::string::npos ? 0.0 : std::stod(text.substr(text.find(' ', at) + 1));
  };
  const double count = value(name + "_count");
  return count > 0 ? value(name + "_sum") / count : 0.0;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

// `clients` connections posting for `seconds`; requests per second and the p99 latency.
Load run_clients(std::uint16_t port, const std::string& target, const std::string& body, int clients, double seconds) {
  std::atomic<bool> stop = false;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::vector<std::jthread> threads;
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
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
  const double cpu = cpu_seconds() - cpu_start;
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto n = static_cast<double>(all.size());
  return {n / elapsed, all.empty() ? 0 : all[all.size() * 99 / 100], 1e6 * cpu / n, 0.0};
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
  Load load = run_clients(server.port(), "/v1/models/m:predict", zeros_body(row), clients, seconds);
  load.mean_batch = histogram_mean(Client(server.port()).get("/metrics"), "kplug_serve_batch_size");
  return load;
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

// Mean microseconds of `f` over about `seconds`.
template <typename F>
double micros_per_call(double seconds, F&& f) {
  std::int64_t calls = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    f();
    ++calls;
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / static_cast<double>(calls);
}

struct PredictCost {
  double one;   // microseconds per row at batch 1
  double many;  // per row at batch 32
};

PredictCost predict_cost(const kplug::Model& model, const Tensor& row, double seconds) {
  const Tensor batch32 = kplug::ops::concatenate(std::vector<Tensor>(32, row), 0);
  return {micros_per_call(seconds / 2, [&] { model.predict({row}, 1); }),
          micros_per_call(seconds / 2, [&] { model.predict({batch32}, 32); }) / 32};
}

// Predict calls per second from `threads` threads calling it at once on one model, in process:
// what the machine (its cores, as free as the other work on it leaves them) and the model
// allow, with no HTTP.
double concurrent_predicts(const kplug::Model& model, const Tensor& row, int threads, double seconds) {
  std::atomic<std::int64_t> calls = 0;
  std::atomic<bool> stop = false;
  const auto start = Clock::now();
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        while (!stop) {
          model.predict({row}, 1);
          ++calls;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
  }
  return static_cast<double>(calls) / std::chrono::duration<double>(Clock::now() - start).count();
}

// Iterations per second of `threads` threads doing arithmetic alone (no memory, no kplug): the
// cores the machine has free for this process now.
double spinning(int threads, double seconds) {
  std::atomic<std::int64_t> rounds = 0;
  std::atomic<bool> stop = false;
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        volatile double x = 1;
        while (!stop) {
          for (int k = 0; k < 1000; ++k) x = x * 1.0000001 + 1e-9;
          ++rounds;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
  }
  return static_cast<double>(rounds) / seconds;
}

// 0. What one cnn request costs in process, by step, at 1 thread per predict and at the
// default: what bounds figure 2 (batching saves only the part of predict a batch shares;
// decoding, encoding and HTTP stay per request).
void cost_figure(double seconds) {
  const Tensor row = first_row("cnn");
  auto model = kplug::saving::load_model(kData / "keras" / "cnn.keras");
  const kplug::serve::Signature signature = kplug::serve::signature_of(*model);
  const std::string body = zeros_body(row);
  const auto outputs = model->predict({row}, 1);
  const double decode = micros_per_call(seconds / 4, [&] { kplug::serve::decode_predict_request(body, signature); });
  // The same values with the input named: the full decoder's path (a JSON tree, then a walk).
  const std::string columnar = "{\"inputs\":";
  const std::string named = columnar + "{\"" + signature.inputs[0].name +
                            "\":" + body.substr(columnar.size(), body.size() - columnar.size() - 1) + "}}";
  const double decode_tree =
      micros_per_call(seconds / 4, [&] { kplug::serve::decode_predict_request(named, signature); });
  const double encode = micros_per_call(seconds / 4, [&] {
    kplug::serve::encode_predict_response(kplug::serve::RequestFormat::columnar, signature, outputs);
  });
  const int default_threads = kplug::get_num_threads();
  for (int threads : {1, default_threads}) {
    kplug::set_num_threads(threads);
    const PredictCost cost = predict_cost(*model, row, seconds / 2);
    std::printf("cnn in process, %d thread(s) per predict: %.1f us per row at batch 1, %.1f at batch 32 (%.2fx)\n",
                threads, cost.one, cost.many, cost.one / cost.many);
  }
  kplug::set_num_threads(default_threads);
  std::printf(
      "cnn in process: decode a %zu-byte body %.1f us (%.1f us with the input named, through a JSON tree), encode "
      "the answer %.1f us\n",
      body.size(), decode, decode_tree, encode);
}

struct Ratios {
  double throughput;  // b's requests per second over a's
  double cpu;         // a's CPU time per request over b's: what b saves of the work
};

// Alternating repetitions of two server set-ups (a, then b, `reps` times): the medians of the
// b/a ratios, robust to the other work on a shared machine coming and going.
template <typename A, typename B>
Ratios alternate(int reps, A&& a, B&& b, const char* a_name, const char* b_name) {
  std::vector<double> throughput, cpu;
  for (int r = 0; r < reps; ++r) {
    const Load x = a();
    const Load y = b();
    throughput.push_back(y.per_second / x.per_second);
    cpu.push_back(x.cpu_us / y.cpu_us);
    std::printf(
        "  run %d: %s %.0f req/s (%.0f us CPU per request, batch %.1f), %s %.0f req/s (%.0f us CPU per request, "
        "batch %.1f): %.2fx\n",
        r + 1, a_name, x.per_second, x.cpu_us, x.mean_batch, b_name, y.per_second, y.cpu_us, y.mean_batch,
        throughput.back());
  }
  return {median(throughput), median(cpu)};
}

// 2. Batching on cnn, 32 clients, everything else the same (2 HTTP threads, 1 thread per predict).
void batching_figure(double seconds, int reps) {
  const Tensor cnn_row = first_row("cnn");
  const ModelDir cnn_dir("cnn", "cnn");
  std::vector<double> cpu_off;
  auto off = [&] {
    const Load load = serve(cnn_dir.path, cnn_row, BatchingOptions{false, 1, {}, 1, 1024}, 32, seconds);
    cpu_off.push_back(load.cpu_us);
    return load;
  };
  auto on = [&] {
    return serve(cnn_dir.path, cnn_row, BatchingOptions{true, 32, std::chrono::microseconds(2000), 1, 1024}, 32,
                 seconds);
  };
  std::printf("cnn, 32 clients, batching off against on (1 thread per predict):\n");
  const Ratios ratio = alternate(reps, off, on, "off", "on");
  // The most batching can give: every request costs the machine cpu_off; a batch of 32 saves
  // at most predict's per-row cost at batch 1 less its cost at batch 32.
  auto model = kplug::saving::load_model(cnn_dir.path / "1" / "model.keras");
  const PredictCost cost = predict_cost(*model, cnn_row, seconds / 2);
  const double per_request = median(cpu_off);
  std::printf(
      "cnn, 32 clients: batching on/off %.2fx, median of %d (target >= 2x); CPU per request off/on %.2fx. Bound: a "
      "request costs %.0f us of CPU (clients and server), predict %.1f us of it per row at batch 1 and %.1f at "
      "batch 32, so batching can give at most %.0f / %.0f = %.2fx\n",
      ratio.throughput, reps, ratio.cpu, per_request, cost.one, cost.many, per_request,
      per_request - (cost.one - cost.many), per_request / (per_request - (cost.one - cost.many)));
}

// 3. Worker threads on a CPU-bound model (big_mlp_1000: a thousand Dense layers on a row of 16
// numbers, so predict outweighs the HTTP and JSON work by far), 8 clients, batching off
// (predict runs on the HTTP threads), 1 thread per predict.
void threads_figure(double seconds, int reps) {
  const Tensor row = first_row("big_mlp_1000");
  const ModelDir dir("big_mlp", "big_mlp_1000");
  auto model = kplug::saving::load_model(dir.path / "1" / "model.keras");
  const double predict_us = micros_per_call(seconds / 2, [&] { model->predict({row}, 1); });
  auto one = [&] { return serve(dir.path, row, BatchingOptions{}, 8, seconds, 1); };
  auto two = [&] { return serve(dir.path, row, BatchingOptions{}, 8, seconds, 2); };
  std::printf("big_mlp_1000 (predict %.0f us per row in process), 8 clients, 1 worker thread against 2:\n", predict_us);
  const double ratio = alternate(reps, one, two, "1 thread", "2 threads").throughput;
  const double in_process = concurrent_predicts(*model, row, 2, seconds) / concurrent_predicts(*model, row, 1, seconds);
  const double cores = spinning(2, seconds) / spinning(1, seconds);
  std::printf(
      "big_mlp_1000, 8 clients: 2 worker threads / 1: %.2fx, median of %d (target >= 1.7x). Bound: 2 threads "
      "predicting in process, no HTTP, give %.2fx of 1; 2 threads doing arithmetic alone %.2fx (the cores free on "
      "this machine now)\n",
      ratio, reps, in_process, cores);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
  const std::string figures = argc > 2 ? argv[2] : "0123";
  const int reps = argc > 3 ? std::stoi(argv[3]) : 5;
  if (figures.find('0') != std::string::npos) cost_figure(seconds);
  // One thread per predict call from here on, as kplug serve chooses on a 2-core machine with its
  // 2 HTTP threads (figure 0 shows what a call's 2-thread team costs there).
  kplug::set_num_threads(1);
  if (figures.find('1') != std::string::npos) overhead_figure(seconds);
  if (figures.find('2') != std::string::npos) batching_figure(seconds, reps);
  if (figures.find('3') != std::string::npos) threads_figure(seconds, reps);
  return 0;
}
