// kplug serve over HTTP, in process: TF Serving's endpoints and JSON, version polling,
// batching, limits and hostile requests, graceful stop.
#define BOOST_TEST_MODULE test_serve
#include "serve_support.hpp"

#include "kplug/saving/keras_file.hpp"
#include "kplug/serve/batching.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <latch>
#include <thread>

namespace kplug::test {
namespace {

namespace json = boost::json;

// Rows of the fixture's io.json inputs as TF Serving's row format, and the in-process outputs.
struct Expected {
  std::string body;
  std::vector<Tensor> outputs;
};

Expected row_request(const std::string& fixture, std::int64_t rows) {
  ModelPtr model = saving::load_model(data_dir() / "keras" / (fixture + ".keras"));
  const auto io = read_json(data_dir() / "models" / fixture / "io.json");
  std::vector<Tensor> inputs;
  json::array instances;
  for (std::int64_t r = 0; r < rows; ++r) instances.emplace_back(json::object{});
  for (const auto& entry : io.at("inputs").as_array()) {
    std::vector<std::int64_t> shape;
    for (const auto& d : entry.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
    const auto& data = entry.at("data").as_array();
    const std::int64_t width = static_cast<std::int64_t>(data.size()) / shape[0];
    std::vector<float> values;
    for (std::int64_t r = 0; r < rows; ++r) {
      json::array row;
      for (std::int64_t i = 0; i < width; ++i) {
        values.push_back(data[static_cast<std::size_t>((r % shape[0]) * width + i)].to_number<float>());
        row.push_back(data[static_cast<std::size_t>((r % shape[0]) * width + i)]);
      }
      instances[static_cast<std::size_t>(r)].as_object()[entry.at("name").as_string()] = std::move(row);
    }
    shape[0] = rows;
    Tensor input(Shape(shape.begin(), shape.end()), std::move(values));
    inputs.push_back(entry.at("dtype").as_string() == "float32" ? input : input.astype(DType::int32));
  }
  // Nested rows: the flat row reshaped by the server, so give it as the input's own shape.
  return {json::serialize(json::object{{"instances", std::move(instances)}}), model->predict(inputs)};
}

// The predictions of a row-format answer for output `name` (when the model has several), flat.
std::vector<float> flat_predictions(const std::string& body, std::size_t outputs, const std::string& name) {
  std::vector<float> flat;
  const json::value answer = json::parse(body);
  for (const auto& p : answer.at("predictions").as_array()) append_flat(outputs > 1 ? p.at(name) : p, flat);
  return flat;
}

void check_equal(const std::vector<float>& served, const Tensor& expected) {
  BOOST_REQUIRE_EQUAL(served.size(), static_cast<std::size_t>(expected.size()));
  for (std::size_t i = 0; i < served.size(); ++i) BOOST_CHECK_EQUAL(served[i], expected[static_cast<std::int64_t>(i)]);
}

BOOST_AUTO_TEST_CASE(status_metadata_and_predict_as_tf_serving) {
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}, {"siamese", "siamese_functional"}, {"rnn", "rnn"}});
  HttpClient client(fixture.port());
  BOOST_CHECK_EQUAL(
      client.get("/v1/models/mlp").body,
      R"({"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]})");
  BOOST_CHECK_EQUAL(client.get("/v1/models/mlp/versions/1").status, 200u);
  BOOST_CHECK_EQUAL(
      client.get("/v1/models/mlp/metadata").body,
      R"({"model_spec":{"name":"mlp","signature_name":"","version":"1"},"metadata":{"signature_def":{"signature_def":{"serving_default":{"inputs":{"input_layer":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},{"size":"32","name":""}],"unknown_rank":false},"name":"input_layer"}},"outputs":{"dense_1":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},{"size":"1","name":""}],"unknown_rank":false},"name":"dense_1"}},"method_name":"tensorflow/serving/predict"}}}}})");
  for (const auto& [name, fixture_name] : std::vector<std::pair<std::string, std::string>>{
           {"mlp", "mlp_seq"}, {"siamese", "siamese_functional"}, {"rnn", "rnn"}}) {
    const Expected expected = row_request(fixture_name, 3);
    const HttpResult answer = client.post("/v1/models/" + name + ":predict", expected.body);
    BOOST_REQUIRE_MESSAGE(answer.status == 200, answer.body);
    const auto outputs = json::parse(client.get("/v1/models/" + name + "/metadata").body)
                             .at("metadata")
                             .at("signature_def")
                             .at("signature_def")
                             .at("serving_default")
                             .at("outputs")
                             .as_object();
    for (const auto& [output, info] : outputs) {
      (void)info;
      // The metadata lists outputs by name; the model's order decides which tensor is which.
      std::size_t index = 0;
      if (name == "siamese") index = output == "diff" ? 0 : 1;
      check_equal(flat_predictions(answer.body, outputs.size(), std::string(output)), expected.outputs.at(index));
    }
  }
  // Columnar with several named inputs and outputs: {"outputs": {name: value}}.
  const HttpResult columnar =
      client.post("/v1/models/siamese/versions/1:predict", R"({"inputs": {"a": [[1, 2, 3]], "b": [[0, 0, 1]]}})");
  BOOST_REQUIRE_EQUAL(columnar.status, 200u);
  const auto outputs = json::parse(columnar.body).at("outputs").as_object();
  BOOST_CHECK(outputs.contains("diff") && outputs.contains("encoder"));
}

BOOST_AUTO_TEST_CASE(errors_are_tf_servings_codes_and_json) {
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}});
  HttpClient client(fixture.port());
  auto expect = [&](HttpResult r, unsigned status, std::string_view part) {
    BOOST_CHECK_EQUAL(r.status, status);
    BOOST_CHECK_MESSAGE(contains(r.body, part), r.body);
    BOOST_CHECK(json::parse(r.body).as_object().contains("error"));
  };
  expect(client.get("/v1/models/nope"), 404, "Could not find any versions of model nope");
  expect(client.post("/v1/models/nope:predict", "{}"), 404, "Servable not found for request: Latest(nope)");
  expect(client.get("/v1/models/mlp/versions/7"), 404, "Servable not found for request: Specific(mlp, 7)");
  expect(client.post("/v1/models/mlp/versions/7:predict", R"({"instances": [[1]]})"), 404, "Specific(mlp, 7)");
  expect(client.post("/v1/models/mlp:predict", "{\"instances\": [[1, 2"), 400, "JSON Parse error");
  expect(client.post("/v1/models/mlp:predict", R"({"instances": [[1, 2]]})"), 400, "input 'input_layer'");
  expect(client.post("/v1/models/mlp:predict", R"({"instances": [{"input": [1]}]})"), 400, "unknown input 'input'");
  expect(client.post("/v1/models/mlp:classify", "{}"), 400, ":predict only");
  expect(client.get("/v1/models/mlp:predict"), 405, "use POST");
  expect(client.request(http::verb::delete_, "/v1/models/mlp"), 405, "use GET");
  expect(client.get("/v2/anything"), 404, "Malformed request: GET /v2/anything");
  const HttpResult health = client.get("/healthz");
  BOOST_CHECK_EQUAL(health.status, 200u);
  BOOST_CHECK_EQUAL(health.body, R"({"ready":true,"models":{"mlp":"AVAILABLE"}})");
  BOOST_CHECK_EQUAL(client.get("/livez").status, 200u);
  const HttpResult metrics = client.get("/metrics");
  BOOST_CHECK(contains(metrics.body, "kplug_serve_requests_total{model=\"mlp\",code=\"400\"} 4"));
  BOOST_CHECK(contains(metrics.body, "kplug_serve_errors_total{model=\"mlp\",code=\"405\"} 2"));
  BOOST_CHECK(contains(metrics.body, "kplug_serve_loaded_version{model=\"mlp\"} 1"));
  BOOST_CHECK(contains(metrics.body, "kplug_serve_request_latency_seconds_bucket{model=\"mlp\",le=\"+Inf\"}"));
  const HttpResult page = client.get("/");
  BOOST_CHECK(contains(page.response[http::field::content_type], "text/html"));
  BOOST_CHECK(contains(page.body, "Model mlp") && contains(page.body, "Total params") &&
              contains(page.body, "DT_FLOAT"));
}

// A predict that throws answers an error; the server goes on.
BOOST_AUTO_TEST_CASE(a_predict_that_throws_answers_an_error) {
  ServerFixture fixture(Models{{"rnn", "rnn"}});
  HttpClient client(fixture.port());
  const HttpResult out_of_range =
      client.post("/v1/models/rnn:predict", R"({"instances": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 100]]})");
  BOOST_CHECK_EQUAL(out_of_range.status, 400u);
  BOOST_CHECK_MESSAGE(
      contains(out_of_range.body, "index 100 at position 9") && contains(out_of_range.body, "embedding"),
      out_of_range.body);
  BOOST_CHECK_EQUAL(client.post("/v1/models/rnn:predict", R"({"instances": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]]})").status,
                    200u);
}

// Until a model's first version loaded: 503 for it, /healthz 503; then served.
BOOST_AUTO_TEST_CASE(a_model_still_loading_answers_503) {
  TempDir dir("kplug-serve");
  std::filesystem::create_directories(dir.path / "mlp");
  serve::ServerOptions options;
  options.port = 0;
  options.poll_interval = std::chrono::hours(1);  // polled by hand below
  options.models.push_back({"mlp", dir.path / "mlp"});
  serve::Server server(options);
  server.start();
  HttpClient client(server.port());
  const HttpResult loading = client.post("/v1/models/mlp:predict", R"({"instances": [[1]]})");
  BOOST_CHECK_EQUAL(loading.status, 503u);
  BOOST_CHECK(contains(loading.body, "Model mlp is loading"));
  BOOST_CHECK_EQUAL(client.get("/v1/models/mlp/metadata").status, 503u);
  BOOST_CHECK_EQUAL(client.get("/healthz").status, 503u);
  BOOST_CHECK_EQUAL(client.get("/v1/models/mlp").status, 404u);  // TF Serving: no version seen yet
  add_version(dir.path / "mlp", 1, "mlp_seq");
  server.poll_models();
  BOOST_CHECK_EQUAL(client.get("/healthz").status, 200u);
  BOOST_CHECK_EQUAL(client.post("/v1/models/mlp:predict", row_request("mlp_seq", 1).body).status, 200u);
}

// A new version loads beside the old one and replaces it; a broken one leaves the old one served.
BOOST_AUTO_TEST_CASE(versions_switch_atomically_and_a_broken_one_is_skipped) {
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}});
  HttpClient client(fixture.port());
  const Expected expected = row_request("mlp_seq", 2);
  std::filesystem::create_directories(fixture.dir.path / "mlp" / "2");
  {
    std::ofstream broken(fixture.dir.path / "mlp" / "2" / "model.keras");
    broken << "not a zip";
  }
  fixture.server->poll_models();
  const auto status = json::parse(client.get("/v1/models/mlp").body).at("model_version_status").as_array();
  BOOST_REQUIRE_EQUAL(status.size(), 2u);
  BOOST_CHECK_EQUAL(status[0].at("state").as_string(), "END");
  BOOST_CHECK_EQUAL(status[0].at("status").at("error_code").as_string(), "UNKNOWN");
  BOOST_CHECK_EQUAL(status[1].at("state").as_string(), "AVAILABLE");
  BOOST_CHECK_EQUAL(client.post("/v1/models/mlp:predict", expected.body).status, 200u);
  add_version(fixture.dir.path / "mlp", 3, "mlp_seq");
  fixture.server->poll_models();
  const HttpResult latest = client.post("/v1/models/mlp:predict", expected.body);
  BOOST_REQUIRE_EQUAL(latest.status, 200u);
  check_equal(flat_predictions(latest.body, 1, ""), expected.outputs[0]);
  BOOST_CHECK_EQUAL(client.post("/v1/models/mlp/versions/3:predict", expected.body).status, 200u);
  BOOST_CHECK_EQUAL(client.post("/v1/models/mlp/versions/1:predict", expected.body).status, 404u);
  BOOST_CHECK(contains(client.get("/v1/models/mlp/metadata").body, "\"version\":\"3\""));
  BOOST_CHECK(contains(client.get("/v1/models/mlp/versions/1").body, "\"state\":\"END\""));
  // A legacy `.h5` model file as version 4.
  std::filesystem::create_directories(fixture.dir.path / "mlp" / "4");
  std::filesystem::copy_file(data_dir() / "legacy_h5" / "keras3" / "mlp" / "model.h5",
                             fixture.dir.path / "mlp" / "4" / "model.h5");
  fixture.server->poll_models();
  BOOST_CHECK(contains(client.get("/v1/models/mlp/metadata").body, "\"version\":\"4\""));
}

// Concurrent requests merge into fewer predict calls; every answer is its own rows.
BOOST_AUTO_TEST_CASE(batching_merges_concurrent_requests) {
  serve::ServerOptions options;
  options.io_threads = 4;
  options.batching = {true, 64, std::chrono::microseconds(100'000), 1, 64};
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}}, options);
  constexpr int kClients = 12;
  std::vector<Expected> expected;
  for (int i = 1; i <= 3; ++i) expected.push_back(row_request("mlp_seq", i));
  std::latch go(kClients);
  std::atomic<int> correct = 0;
  std::vector<std::jthread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(fixture.port());
      go.arrive_and_wait();
      const Expected& e = expected[static_cast<std::size_t>(c % 3)];
      const HttpResult r = client.post("/v1/models/mlp:predict", e.body);
      const auto served = flat_predictions(r.body, 1, "");
      bool same = r.status == 200 && served.size() == static_cast<std::size_t>(e.outputs[0].size());
      for (std::size_t i = 0; same && i < served.size(); ++i)
        same = batched_value_matches(served[i], e.outputs[0][static_cast<std::int64_t>(i)]);
      if (same) ++correct;
    });
  }
  clients.clear();
  BOOST_CHECK_EQUAL(correct.load(), kClients);
  HttpClient client(fixture.port());
  const std::string metrics = client.get("/metrics").body;
  const std::string key = "kplug_serve_batch_size_count{model=\"mlp\"} ";
  const auto at = metrics.find(key);
  BOOST_REQUIRE(at != std::string::npos);
  const int batches = std::stoi(metrics.substr(at + key.size()));
  BOOST_TEST_MESSAGE("12 requests ran as " << batches << " predict calls");
  BOOST_CHECK_LT(batches, kClients);
}

// A full queue refuses at once; queued work still runs.
BOOST_AUTO_TEST_CASE(a_full_batch_queue_refuses_at_once) {
  auto servable =
      std::make_shared<const serve::Servable>("mlp", 1, saving::load_model(data_dir() / "keras" / "mlp_seq.keras"));
  serve::Batcher batcher({false, 1, std::chrono::microseconds(0), 1, 1});
  std::latch release(1);
  std::atomic<int> done = 0;
  auto task = [&](bool block) {
    return serve::BatchTask{servable,
                            {Tensor({1, 32}, 0.5f)},
                            std::chrono::steady_clock::time_point::max(),
                            [&, block](serve::BatchResult r) {
                              if (block) release.wait();
                              if (!r.error) ++done;  // counted here, checked on the test's thread
                            }};
  };
  auto first = task(true);
  BOOST_REQUIRE(batcher.submit(first));
  while (batcher.queued_tasks() != 0) std::this_thread::yield();  // the thread holds it
  auto second = task(false);
  BOOST_CHECK(batcher.submit(second));  // queued (the bound is 1)
  auto third = task(false);
  BOOST_CHECK(!batcher.submit(third));  // full: refused
  release.count_down();
  batcher.stop();
  BOOST_CHECK_EQUAL(done.load(), 2);
}

BOOST_AUTO_TEST_CASE(hostile_requests_get_clear_errors_and_the_server_goes_on) {
  serve::ServerOptions options;
  options.max_body_bytes = 4096;
  options.header_timeout = std::chrono::milliseconds(300);
  options.idle_timeout = std::chrono::milliseconds(300);
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}}, options);
  const std::uint16_t port = fixture.port();
  // Over the body limit, announced or not.
  const std::string big(8000, ' ');
  BOOST_CHECK(contains(
      raw_exchange(port, "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 8000\r\n\r\n" + big),
      "413 Payload Too Large"));
  BOOST_CHECK(
      contains(raw_exchange(port,
                            "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "1f40\r\n" +
                                big + "\r\n0\r\n\r\n"),
               "413"));
  // Not HTTP, an unknown method, deep nesting.
  BOOST_CHECK(contains(raw_exchange(port, "HELLO\r\n\r\n"), "400 Bad Request"));
  BOOST_CHECK(contains(raw_exchange(port, "BREW /v1/models/mlp HTTP/1.1\r\nHost: x\r\n\r\n"), "405"));
  const std::string deep = "{\"instances\":" + std::string(1000, '[') + "}";
  BOOST_CHECK(contains(
      raw_exchange(port, "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                             std::to_string(deep.size()) + "\r\n\r\n" + deep),
      "nested deeper than"));
  // Pipelining: two requests in one write, two answers in order.
  const std::string pipelined = raw_exchange(port,
                                             "GET /v1/models/mlp HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models/nope "
                                             "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto first = pipelined.find("200 OK");
  const auto second = pipelined.find("404 Not Found");
  BOOST_CHECK(first != std::string::npos && second != std::string::npos && first < second);
  // Slowloris: half a header, then silence: the server hangs up after header_timeout.
  const auto start = std::chrono::steady_clock::now();
  const std::string slow = raw_exchange(port, "GET /v1/models/mlp HTTP/1.1\r\nHost:", std::chrono::seconds(5));
  BOOST_CHECK_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  BOOST_CHECK(!contains(slow, "200"));
  // An idle connection is closed too; the server still answers.
  BOOST_CHECK(raw_exchange(port, "", std::chrono::seconds(5)).empty());
  HttpClient client(port);
  BOOST_CHECK_EQUAL(client.get("/v1/models/mlp").status, 200u);
}

// ServerOptions::decode (the CLI's --max-json-depth, --max-elements): a body nested deeper or
// holding more numbers answers 400 naming the cause; one within both is answered.
BOOST_AUTO_TEST_CASE(json_depth_and_element_count_limits_are_settings) {
  serve::ServerOptions options;
  options.decode.max_json_depth = 4;  // {"instances": [{"input_layer": [...]}]}
  options.decode.max_elements = 40;   // one mlp_seq row holds 32 numbers
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}}, options);
  HttpClient client(fixture.port());
  const Expected one = row_request("mlp_seq", 1);
  const HttpResult answered = client.post("/v1/models/mlp:predict", one.body);
  BOOST_CHECK_EQUAL(answered.status, 200u);
  const HttpResult deep = client.post("/v1/models/mlp:predict", R"({"instances": [[[[1]]]]})");
  BOOST_CHECK_EQUAL(deep.status, 400u);
  BOOST_CHECK_MESSAGE(contains(deep.body, "nested deeper than 4 levels"), deep.body);
  const HttpResult many = client.post("/v1/models/mlp:predict", row_request("mlp_seq", 2).body);
  BOOST_CHECK_EQUAL(many.status, 400u);
  BOOST_CHECK_MESSAGE(contains(many.body, "too many values"), many.body);
  BOOST_CHECK_EQUAL(client.get("/v1/models/mlp").status, 200u);
}

// ServerOptions::max_connections: one connection more is answered 503 and closed, and counted in
// /metrics; a connection that closes frees its slot.
BOOST_AUTO_TEST_CASE(connections_over_the_limit_answer_503_and_close) {
  serve::ServerOptions options;
  options.max_connections = 2;
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}}, options);
  const std::uint16_t port = fixture.port();
  auto first = std::make_unique<HttpClient>(port);
  HttpClient second(port);
  BOOST_CHECK_EQUAL(first->get("/v1/models/mlp").status, 200u);
  BOOST_CHECK_EQUAL(second.get("/v1/models/mlp").status, 200u);
  // raw_exchange reads until the server closes: the refused connection is closed after its answer.
  const std::string refused = raw_exchange(port, "GET /v1/models/mlp HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_CHECK_MESSAGE(contains(refused, "503 Service Unavailable"), refused);
  BOOST_CHECK_MESSAGE(contains(refused, "2 connections open"), refused);
  BOOST_CHECK_EQUAL(second.get("/v1/models/mlp").status, 200u);  // the admitted ones go on

  first.reset();  // its slot is free once the server has seen the close
  int refused_count = 1;
  std::string metrics;
  for (int attempt = 0; attempt < 200 && !contains(metrics, "200 OK"); ++attempt) {
    metrics = raw_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    if (metrics.starts_with("HTTP/1.1 503")) {
      ++refused_count;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  BOOST_REQUIRE_MESSAGE(contains(metrics, "200 OK"), metrics);
  BOOST_CHECK_MESSAGE(
      contains(metrics, "kplug_serve_connections_refused_total " + std::to_string(refused_count) + "\n"), metrics);
  BOOST_CHECK(contains(metrics, "kplug_serve_requests_total{model=\"\",code=\"503\"}"));
}

// stop(): requests in flight are answered, then the threads end.
BOOST_AUTO_TEST_CASE(stop_answers_requests_in_flight) {
  serve::ServerOptions options;
  options.batching = {true, 64, std::chrono::microseconds(200'000), 1, 64};  // requests wait 0.2 s in the queue
  ServerFixture fixture(Models{{"mlp", "mlp_seq"}}, options);
  const Expected expected = row_request("mlp_seq", 1);
  std::atomic<int> answered = 0;
  std::vector<std::jthread> clients;
  std::latch sent(4);
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      HttpClient client(fixture.port());
      sent.count_down();
      if (client.post("/v1/models/mlp:predict", expected.body).status == 200) ++answered;
    });
  }
  sent.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the requests are queued
  fixture.server->stop();
  clients.clear();
  fixture.server->wait();
  BOOST_CHECK_EQUAL(answered.load(), 4);
}

}  // namespace
}  // namespace kplug::test
