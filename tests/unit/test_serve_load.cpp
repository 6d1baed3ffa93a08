// kplug serve under load: 32 keep-alive connections send 20,000 predicts to two models while
// one of them is replaced by a new version; no request fails, every answer is the in-process
// one, and memory is flat at the end. ThreadSanitizer builds send fewer.
#define BOOST_TEST_MODULE test_serve_load
#include "serve_support.hpp"

#include "kplug/saving/keras_file.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <thread>

namespace kplug::test {
namespace {

namespace json = boost::json;

#ifdef KPLUG_TEST_SANITIZED
constexpr int kRequests = 640;
#else
constexpr int kRequests = 20'000;
#endif
constexpr int kConnections = 32;

// A request of `rows` rows of `fixture`'s io.json (first row repeated) and its answer's values.
struct Case {
  std::string target;
  std::string body;
  std::vector<float> expected;
};

Case make_case(const std::string& name, const std::string& fixture) {
  const auto io = read_json(data_dir() / "models" / fixture / "io.json");
  const auto& input = io.at("inputs").at(0);
  std::vector<std::int64_t> shape;
  for (const auto& d : input.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
  shape[0] = 1;
  std::vector<float> values;
  const auto& data = input.at("data").as_array();
  for (std::size_t i = 0; i < data.size() / static_cast<std::size_t>(input.at("shape").at(0).to_number<int>()); ++i) {
    values.push_back(data[i].to_number<float>());
  }
  const Tensor x(Shape(shape.begin(), shape.end()), values);
  const Tensor y = saving::load_model(data_dir() / "keras" / (fixture + ".keras"))->predict({x})[0];
  json::array row;
  for (float v : values) row.push_back(static_cast<double>(v));
  // The row's flat values are given as the columnar format's [1, ...] value, reshaped by nesting.
  std::function<json::value(std::size_t, std::size_t&)> nest = [&](std::size_t axis, std::size_t& at) -> json::value {
    if (axis == shape.size()) return row[at++];
    json::array list;
    for (std::int64_t i = 0; i < shape[axis]; ++i) list.push_back(nest(axis + 1, at));
    return list;
  };
  std::size_t at = 0;
  return {"/v1/models/" + name + ":predict", json::serialize(json::object{{"inputs", nest(0, at)}}),
          std::vector<float>(y.values().begin(), y.values().end())};
}

bool same_answer(const HttpResult& r, const Case& c) {
  if (r.status != 200) return false;
  std::vector<float> served;
  const json::value answer = json::parse(r.body);
  append_flat(answer.at("outputs"), served);
  if (served.size() != c.expected.size()) return false;
  for (std::size_t i = 0; i < served.size(); ++i) {
    if (!batched_value_matches(served[i], c.expected[i])) return false;
  }
  return true;
}

std::int64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
  }
  return 0;
}

BOOST_AUTO_TEST_CASE(many_requests_two_models_one_replaced_midway) {
  serve::ServerOptions options;
  options.io_threads = 2;
  options.batching = {true, 32, std::chrono::microseconds(200), 1, 1024};
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}, {"cnn1d", "cnn1d"}}, options);
  const std::vector<Case> cases = {make_case("mlp", "mlp_seq"), make_case("cnn1d", "cnn1d")};
  std::atomic<int> next = 0, ok = 0, failed = 0;
  std::atomic<std::int64_t> rss_at_quarter = 0;
  std::atomic<bool> replaced = false;
  auto client_loop = [&](int connection) {
    auto client = std::make_unique<HttpClient>(fixture.port());
    for (int i = next++; i < kRequests; i = next++) {
      const Case& c = cases[static_cast<std::size_t>((i + connection) % 2)];
      try {
        (same_answer(client->post(c.target, c.body), c) ? ok : failed)++;
      } catch (const std::exception& e) {
        ++failed;
        std::fprintf(stderr, "request %d: %s\n", i, e.what());  // Boost.Test logs from one thread only
        client = std::make_unique<HttpClient>(fixture.port());
      }
      if (i == kRequests / 4) rss_at_quarter = rss_kib();
      if (i == kRequests / 2 && !replaced.exchange(true)) {
        add_version(fixture.dir.path / "mlp", 2, "mlp_seq");  // the same weights: answers stay checkable
        fixture.server->poll_models();
      }
    }
  };
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> clients;
    for (int c = 0; c < kConnections; ++c) clients.emplace_back(client_loop, c);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST_MESSAGE(kRequests << " requests in " << seconds << " s (" << kRequests / seconds << "/s)");
  BOOST_CHECK_EQUAL(failed.load(), 0);
  BOOST_CHECK_EQUAL(ok.load(), kRequests);
  HttpClient client(fixture.port());
  BOOST_CHECK(contains(client.get("/v1/models/mlp/metadata").body, "\"version\":\"2\""));
#ifndef KPLUG_TEST_SANITIZED
  // Flat: the second half (a model load included) grew the process by less than 32 MiB.
  const std::int64_t growth = rss_kib() - rss_at_quarter.load();
  BOOST_TEST_MESSAGE("RSS growth after the first quarter: " << growth << " KiB");
  BOOST_CHECK_LT(growth, 32 * 1024);
#endif
}

}  // namespace
}  // namespace kplug::test
