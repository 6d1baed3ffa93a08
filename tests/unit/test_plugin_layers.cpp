// Issue 9, plugin layers: the keras_guide plugin's MyLayers>CustomLayer and
// MyLayers>KernelMult load Keras's custom_objects and custom_kernelmult fixtures through
// the shipped plugin (API and `kplug predict --plugins`), predict as Keras, and write
// the same JSON back.
#define BOOST_TEST_MODULE plugin_layers
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/serialization.hpp"
#include "model_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

const fs::path kShipped = KPLUG_PLUGIN_LIB_DIR;

// The plugin fixtures live outside tests/data/models/ (test_models runs those without plugins).
fs::path fixture(const std::string& name) { return test::data_dir() / "plugin_models" / name; }

struct GuideLoaded {
  GuideLoaded() {
    host.load(kShipped / "libkplug_keras_guide.so");
    reset_object_names();  // automatic names as in a fresh Keras process ("custom_layer")
  }
  PluginHost host;
};

using kplug::test::contains;
using kplug::test::error_of;

void check_fixture_predicts(Model& model, const fs::path& dir) {
  const auto io = test::read_json(dir / "io.json");
  auto inputs = test::read_io(io, "inputs");
  auto outputs = test::read_io(io, "outputs");
  BOOST_REQUIRE_EQUAL(inputs.size(), 1u);
  auto predicted = model.predict({inputs[0].value});
  BOOST_REQUIRE_EQUAL(predicted.size(), outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    BOOST_TEST(model.output_names()[i] == outputs[i].name);
    test::check_matches_keras(predicted[i], outputs[i].value, dir.filename().string());
  }
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

struct Run {
  int status = -1;
  std::string out;
};

Run run_cli(const std::string& arguments) {
  const std::string command = std::string(KPLUG_CLI) + " " + arguments + " 2>&1";
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.out.append(buffer, n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::string with_hidden_key(std::string text) {
  const auto at = text.find(R"("hidden")");
  return text.replace(at, 8, R"("hiden")");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(keras_guide_layers, GuideLoaded)

// Acceptance 1 for the custom fixtures: model_from_json + load_weights + predict, to_json.
BOOST_AUTO_TEST_CASE(custom_fixtures_load_predict_and_round_trip) {
  for (const std::string name : {"custom_objects", "custom_kernelmult"}) {
    BOOST_TEST_CONTEXT(name) {
      reset_object_names();
      const fs::path dir = fixture(name);
      const std::string text = test::read_text(dir / "model.json");
      ModelPtr model = model_from_json(text);
      const std::string back = model->to_json();
      BOOST_CHECK(json::parse(back) == json::parse(text));
      BOOST_CHECK_MESSAGE(back == text, "to_json differs from Keras's bytes:\n" << back);
      const auto checks = test::read_json(dir / "checks.json");
      // The saving walk gives exactly the file's datasets (Keras's paths by class name).
      BOOST_CHECK(test::saved_datasets(*model) == test::all_datasets(checks));
      test::load_fixture_weights(*model, dir);
      check_fixture_predicts(*model, dir);
      std::int64_t expected_total = 0;
      for (const auto& [path, shape] : test::layer_datasets(checks)) expected_total += shape_size(shape);
      BOOST_CHECK_EQUAL(model->count_params(), expected_total);
    }
  }
}

BOOST_AUTO_TEST_CASE(custom_layer_scales_and_takes_only_factor) {
  ModelPtr model = model_from_json(test::read_text(fixture("custom_objects") / "model.json"));
  LayerPtr layer = model->get_layer("custom_layer");
  BOOST_CHECK_EQUAL(layer->class_name(), "CustomLayer");
  BOOST_CHECK(layer->weights().empty());
  const Tensor x = Tensor::matrix({{1, -2}, {4, 0.5f}});
  test::check_close((*layer)(x), x * 0.5f);
  // An int factor stays an int in the config (Python keeps what it was given).
  const auto config = json::parse(
      R"({"module": "custom_objects_src", "class_name": "CustomLayer", "config": {"factor": 3}, "registered_name": "MyLayers>CustomLayer"})");
  auto tripled = deserialize_as<Layer>(config);
  BOOST_CHECK_EQUAL(json::write(serialize(*tripled)), json::write(config));
  test::check_close((*tripled)(x), x * 3.0f);
  // CustomLayer.__init__(self, factor) takes nothing else, not even `name`.
  auto with_name = config;
  with_name.at("config").as_object()["name"] = "scaled";
  BOOST_CHECK(contains(error_of<ConfigError>([&] { deserialize_as<Layer>(with_name); }), "name"));
  auto without = config;
  without.at("config").as_object().erase("factor");
  BOOST_CHECK(contains(error_of<ConfigError>([&] { deserialize_as<Layer>(without); }), "factor"));
}

// keras.layers.serialize(deserialize(layer3)) as Keras recorded it: nested_model stays the dict.
BOOST_AUTO_TEST_CASE(kernel_mult_nested_model_round_trips_as_keras) {
  const fs::path dir = fixture("custom_kernelmult");
  const auto serialized = test::read_json(dir / "layer3_serialized.json");
  const auto roundtrip = test::read_json(dir / "layer3_roundtrip.json");
  BOOST_REQUIRE(roundtrip.at("equal").as_bool());
  LayerPtr layer = deserialize_as<Layer>(serialized);
  BOOST_CHECK_EQUAL(layer->class_name(), "MyDense");
  BOOST_CHECK(layer->built());  // its build_config built it: kernel (16, 64)
  BOOST_REQUIRE_EQUAL(layer->weights().size(), 1u);
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{16, 64}));
  BOOST_CHECK_EQUAL(layer->weights()[0]->path(), "my_dense_1/kernel");
  // As in Keras (a TrackedDict), the nested dict is no sublayer: no weights, no children.
  BOOST_CHECK(layer->sublayers().empty());
  BOOST_CHECK(serialize_layer(*layer) == roundtrip.at("roundtrip"));
  // kernel_initializer null: Keras's add_weight default, glorot_uniform, limit sqrt(6 / (16 + 64)).
  const Tensor kernel = layer->get_weights()[0];
  BOOST_CHECK_LE(kernel.abs().max(0).max(0).item(), std::sqrt(6.0f / 80.0f));
  BOOST_CHECK_GT(kernel.abs().sum(), 0.0f);
}

BOOST_AUTO_TEST_CASE(kernel_mult_weights_regularizer_and_matmul) {
  ModelPtr model = model_from_json(test::read_text(fixture("custom_kernelmult") / "model.json"));
  LayerPtr first = model->get_layer("my_dense_2");
  // kernel_initializer "ones", kernel_regularizer "l1" (L1(0.01)), kept as given in the config.
  const Tensor kernel = first->get_weights()[0];
  BOOST_CHECK(kernel == Tensor({4, 16}, 1.0f));
  const auto config = first->get_config();
  BOOST_CHECK(config.at("kernel_regularizer").as_string() == "l1");
  BOOST_CHECK(config.at("kernel_initializer").as_string() == "ones");
  const auto losses = first->losses();
  BOOST_REQUIRE_EQUAL(losses.size(), 1u);
  BOOST_CHECK_CLOSE(losses[0], 0.01f * 64.0f, 1e-4);
  // call: inputs @ kernel over the last axis, any rank.
  const Tensor w = Tensor::matrix({{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
                                   {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                   {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                   {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1}});
  first->set_weights({w});
  const Tensor x({2, 1, 4}, std::vector<float>{1, 2, 3, 4, -1, 0, 0, 1});
  const Tensor y = (*first)(x);
  BOOST_REQUIRE(y.shape() == (Shape{2, 1, 16}));
  test::check_close(y, ops::matmul(x.reshape({2, 4}), w).reshape({2, 1, 16}));
  BOOST_CHECK_EQUAL(y[15], 3.0f - 4.0f);
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*first)(Tensor({2, 5})); }), "last dimension 4"));
}

// Any nested_model value passes through unchanged, as Keras's __init__ stores it.
BOOST_AUTO_TEST_CASE(kernel_mult_keeps_any_nested_model_value) {
  auto config = test::read_json(fixture("custom_kernelmult") / "layer3_serialized.json");
  config.as_object().erase("build_config");
  auto& nested = config.at("config").at("nested_model").as_object();
  nested["config"].as_object()["units"] = 7;  // never built: no check, as in Keras
  LayerPtr layer = deserialize_as<Layer>(config);
  BOOST_CHECK(!layer->built());
  BOOST_CHECK(serialize_layer(*layer) == config);
  config.at("config").as_object()["nested_model"] = "anything";
  BOOST_CHECK(serialize_layer(*deserialize_as<Layer>(config)) == config);
  // units is required and positive.
  config.at("config").as_object().erase("units");
  BOOST_CHECK(contains(error_of<ConfigError>([&] { deserialize_as<Layer>(config); }), "units"));
  config.at("config").as_object()["units"] = 0;
  BOOST_CHECK(contains(error_of<ConfigError>([&] { deserialize_as<Layer>(config); }), "config.units"));
}

// A subclassed model registered by the plugin: its config is get_config's, its weights sit at
// Keras's attribute paths, it predicts what its call computes and survives a weights round trip.
BOOST_AUTO_TEST_CASE(subclassed_model_from_a_plugin) {
  const std::string text =
      R"({"module": "tiny_models", "class_name": "TinyMLP", "config": {"name": "tiny_mlp", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "hidden": 3}, "registered_name": "MyLayers>TinyMLP", "build_config": {"input_shape": [null, 2]}})";
  ModelPtr model = model_from_json(text);
  BOOST_CHECK(json::parse(model->to_json()).at("config") == json::parse(text).at("config"));
  BOOST_CHECK(json::parse(model->to_json()).at("build_config") == json::parse(text).at("build_config"));
  BOOST_REQUIRE_EQUAL(model->layers().size(), 2u);
  BOOST_CHECK_EQUAL(model->layers()[0]->name(), "dense");
  BOOST_CHECK_EQUAL(model->layers()[1]->name(), "dense_1");
  // Weights in assignment order (encoder, head); files by attribute name.
  const auto weights = model->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 4u);
  BOOST_CHECK_EQUAL(weights[0]->path(), "dense/kernel");
  BOOST_CHECK_EQUAL(weights[3]->path(), "dense_1/bias");
  const std::map<std::string, Shape> keras_paths{
      {"encoder/vars/0", {2, 3}}, {"encoder/vars/1", {3}}, {"head/vars/0", {3, 1}}, {"head/vars/1", {1}}};
  BOOST_CHECK(test::saved_datasets(*model) == keras_paths);
  const Tensor w1 = Tensor::matrix({{1, -1, 0.5f}, {2, 0, -1}});
  const Tensor b1 = Tensor::vector({0, 1, 0.25f});
  const Tensor w2 = Tensor::matrix({{1}, {-2}, {4}});
  const Tensor b2 = Tensor::vector({0.5f});
  model->set_weights({w1, b1, w2, b2});
  const Tensor x = Tensor::matrix({{1, 1}, {-1, 2}});
  // relu([3, 0, -0.25]) = [3, 0, 0] -> 3.5; relu([3, 2, -2.25]) = [3, 2, 0] -> 3 - 4 + 0.5 = -0.5
  const auto y = model->predict({x});
  BOOST_REQUIRE_EQUAL(y.size(), 1u);
  test::check_close(y[0], Tensor::matrix({{3.5f}, {-0.5f}}));
  BOOST_CHECK(model->summary().find("Total params: 13") != std::string::npos);
  // save_weights / load_weights into a fresh model.
  saving::InMemoryWeightsStore store;
  model->save_weights(store);
  ModelPtr fresh = model_from_json(text);
  fresh->load_weights(store);
  BOOST_CHECK(fresh->predict({x})[0] == y[0]);
  BOOST_CHECK(contains(error_of<ConfigError>([&] { model_from_json(with_hidden_key(text)); }), "hiden"));
}

// `kplug predict --plugins DIR` on both fixtures gives Keras's outputs.
BOOST_AUTO_TEST_CASE(cli_predict_with_the_shipped_plugins) {
  for (const std::string name : {"custom_objects", "custom_kernelmult"}) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = fixture(name);
      const fs::path out = fs::temp_directory_path() / ("kplug_plugin_predict_" + std::to_string(::getpid()) + ".json");
      const std::string args = quoted(dir / "model.json") + " --weights " + quoted(dir / "model.weights.h5") +
                               " --input " + quoted(dir / "io.json") + " --output " + quoted(out);
      const Run predicted = run_cli("predict --plugins " + quoted(kShipped) + " " + args);
      BOOST_REQUIRE_MESSAGE(predicted.status == 0, predicted.out);
      const auto got = test::read_io(test::read_json(out), "outputs");
      const auto expected = test::read_io(test::read_json(dir / "io.json"), "outputs");
      BOOST_REQUIRE_EQUAL(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST(got[i].name == expected[i].name);
        test::check_matches_keras(got[i].value, expected[i].value, name);
      }
      fs::remove(out);
      // Without the plugin: a clear error naming the key.
      const Run without = run_cli("predict " + args);
      BOOST_TEST(without.status == 2);
      BOOST_TEST(contains(without.out, "MyLayers>"), without.out);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 20, Lambda layers from plugins: Keras's lambda_plugin model (tools: a Lambda calling
// the registered function lambda_test>sampling, output_shape (3,), and a Python lambda
// named `total` with arguments {"offset": 0.5}) loads in safe mode once the test plugin
// provides both implementations, predicts as Keras, and writes Keras's bytes back.
BOOST_AUTO_TEST_CASE(lambda_layers_from_a_plugin_load_in_safe_mode) {
  const std::string text = test::read_text(fixture("lambda_plugin") / "model.json");
  // No implementation: the registered function is unknown, as in Keras without it.
  const std::string unknown = error_of<UnknownObjectError>([&] { model_from_json(text); });
  BOOST_CHECK(contains(unknown, "config.layers[1].config.function"));
  BOOST_CHECK(contains(unknown, "lambda_test>sampling"));
  BOOST_CHECK(contains(unknown, "add_lambda"));

  PluginHost host;
  host.load_directory(KPLUG_TEST_LAMBDA_PLUGIN_DIR, true);
  ModelPtr model = model_from_json(text);  // safe mode: no Python is run
  // x * 2 + 1 = [3, 5, 7] -> 15 + 0.5; [1, -1, 2] -> 2 + 0.5 (Keras 3.16: [[15.5], [2.5]]).
  const auto y = model->predict({Tensor::matrix({{1, 2, 3}, {0, -1, 0.5f}})});
  BOOST_REQUIRE_EQUAL(y.size(), 1u);
  test::check_close(y[0], Tensor::matrix({{15.5f}, {2.5f}}));
  BOOST_CHECK_EQUAL(model->to_json(), text);
  // Shapes: `sample` from the config's output_shape, `total` from the plugin's LambdaShape.
  const std::string summary = model->summary();
  BOOST_CHECK_MESSAGE(contains(summary, "(None, 3)") && contains(summary, "(None, 1)"), summary);

  // Any other Lambda keeps Keras's refusal, naming the layer and the way out.
  const std::string other = test::read_text(test::model_dir("lambda_layer") / "model.json");
  const std::string refused = error_of<UnsafeObjectError>([&] { model_from_json(other); });
  BOOST_CHECK(contains(refused, "Requested the deserialization of a `Lambda` layer"));
  BOOST_CHECK(contains(refused, "'times_two'"));
  DeserializeOptions unsafe;
  unsafe.safe_mode = false;
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { model_from_json(other, unsafe); }), "never runs"));
}

// The host program's API: register_lambda by layer name, and two matches are an error.
BOOST_AUTO_TEST_CASE(lambda_layers_from_the_host_api) {
  const std::string text = test::read_text(test::model_dir("lambda_layer") / "model.json");
  auto doubled = [](const std::vector<Tensor>& inputs, const boost::json::object&) {
    return std::vector<Tensor>{ops::multiply(inputs.at(0), 2.0f)};
  };
  const std::string key =
      register_lambda("lambda_host", "times_two", {.match = LambdaMatch::layer_name, .call = doubled});
  ModelPtr model = model_from_json(text);
  // No output_shape anywhere: inferred by one call on a dummy batch, as Keras infers it.
  model->set_weights({Tensor::matrix({{1, 0}, {0, 1}, {1, 1}}), Tensor::vector({0.5f, 0})});
  // 2 * [1, 2, 3] = [2, 4, 6] -> [2 + 6 + 0.5, 4 + 6]
  test::check_close(model->predict({Tensor::matrix({{1, 2, 3}})})[0], Tensor::matrix({{8.5f, 10}}));
  BOOST_CHECK_EQUAL(model->to_json(), text);

  // The same layer name from a second package: ambiguous, both keys named.
  const std::string second =
      register_lambda("lambda_host2", "times_two", {.match = LambdaMatch::layer_name, .call = doubled});
  const std::string twice = error_of<DeserializationError>([&] { model_from_json(text); });
  BOOST_CHECK(contains(twice, "lambda_host>times_two") && contains(twice, "lambda_host2>times_two"));
  Registry::global().erase(second);
  // A function-matched implementation does not match by layer name.
  Registry::global().erase(key);
  register_lambda("lambda_host", "times_two", {.call = doubled});
  BOOST_CHECK(contains(error_of<UnsafeObjectError>([&] { model_from_json(text); }), "times_two"));
  Registry::global().erase(key);
}
