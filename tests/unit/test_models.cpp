// Models (issue 9): Keras's fixtures rebuilt from model.json, their weights loaded,
// predictions compared with Keras's; to_json round trips; summary counts; Functional
// graphs (shared layers, nested models, several inputs/outputs) and their config errors.
#define BOOST_TEST_MODULE models
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/isa.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/models/streaming.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/state/saveable.hpp"
#include "model_support.hpp"
#include "test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <functional>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

std::vector<std::string> fixture_names() {
  // Every model folder (but the refused lambda_layer) and every layer fixture.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::model_dir(""))) {
    const std::string name = entry.path().filename().string();
    if (name != "layers" && name != "lambda_layer" && fs::exists(entry.path() / "model.json")) names.push_back(name);
  }
  for (const auto& entry : fs::directory_iterator(test::model_dir("layers"))) {
    names.push_back("layers/" + entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

// CTest runs this suite twice: as built, and as test_models_sse41 with KPLUG_ISA=sse41 (the
// baseline a machine without AVX has); the kernels must really run at the level asked for.
BOOST_AUTO_TEST_CASE(kernels_run_at_the_instruction_set_asked_for) {
  const char* asked = std::getenv("KPLUG_ISA");
  const std::string isa = cpu_isa();
  BOOST_TEST_MESSAGE("kernels: " << isa);
  if (asked != nullptr && *asked != '\0') BOOST_TEST(isa == asked);
  BOOST_CHECK(contains(error_of<ValueError>([] { set_max_cpu_isa("avx9000"); }), "expected one of sse41, avx"));
}

BOOST_AUTO_TEST_CASE(every_fixture_round_trips_byte_identical) {
  auto names = fixture_names();
  BOOST_REQUIRE_GE(names.size(), 40u);
  for (const auto& name : names) {
    BOOST_TEST_CONTEXT(name) {
      const std::string text = test::read_text(test::model_dir(name) / "model.json");
      ModelPtr model = model_from_json(text);
      const std::string back = model->to_json();
      BOOST_CHECK(json::parse(back) == json::parse(text));
      BOOST_CHECK_MESSAGE(back == text, "to_json differs from Keras's bytes");
      // And again from our own text.
      BOOST_CHECK(model_from_json(back)->to_json() == back);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_fixture_predicts_as_keras) {
  for (const auto& name : fixture_names()) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = test::model_dir(name);
      ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
      // The walk over Keras's weight paths yields exactly the file's datasets (with the
      // optimizer's, for the compiled fixtures).
      const auto checks = test::read_json(dir / "checks.json");
      const auto datasets = test::all_datasets(checks);
      BOOST_CHECK(test::saved_datasets(*model) == datasets);
      test::load_fixture_weights(*model, dir);

      const auto io = test::read_json(dir / "io.json");
      auto inputs = test::read_io(io, "inputs");
      auto outputs = test::read_io(io, "outputs");
      std::vector<Tensor> input_values;
      auto input_layers = model->input_layers();
      BOOST_REQUIRE_EQUAL(inputs.size(), input_layers.size());
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        BOOST_CHECK_EQUAL(inputs[i].name, input_layers[i]->name());
        input_values.push_back(inputs[i].value);
      }
      auto predicted = model->predict(input_values);
      // kplug's sparsemax uses the corrected threshold (README, differences 11; keras-team/keras#23469).
      if (name == "layers/Activation_sparsemax") continue;
      BOOST_REQUIRE_EQUAL(predicted.size(), outputs.size());
      auto names = model->output_names();
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        BOOST_CHECK_EQUAL(names[i], outputs[i].name);
        test::check_matches_keras(predicted[i], outputs[i].value, name + " output " + std::to_string(i));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(weights_order_and_summary_counts_match_keras) {
  for (const auto& name : fixture_names()) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = test::model_dir(name);
      ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
      const auto checks = test::read_json(dir / "checks.json");
      // Keras counts model.weights, where a variable two layers share counts once
      // (SpectralNormalization saves the wrapped kernel twice); the datasets otherwise.
      std::int64_t expected_total = 0;
      if (const auto* weights = checks.as_object().if_contains("weights")) {
        for (const auto& w : weights->as_array()) {
          std::int64_t size = 1;
          for (const auto& d : w.at("shape").as_array()) size *= d.to_number<std::int64_t>();
          expected_total += size;
        }
      } else {
        for (const auto& [path, shape] : test::layer_datasets(checks)) expected_total += shape_size(shape);
      }
      BOOST_CHECK_EQUAL(model->count_params(), expected_total);
      BOOST_CHECK_EQUAL(model->count_trainable_params() + model->count_non_trainable_params(), expected_total);
      const std::string summary = model->summary();
      std::string total = std::to_string(expected_total);
      for (int i = static_cast<int>(total.size()) - 3; i > 0; i -= 3) total.insert(static_cast<std::size_t>(i), ",");
      BOOST_CHECK_MESSAGE(contains(summary, " Total params: " + total + " ("), summary);
      if (const auto* weights = checks.as_object().if_contains("weights")) {
        auto variables = model->weights();
        BOOST_REQUIRE_EQUAL(variables.size(), weights->as_array().size());
        for (std::size_t i = 0; i < variables.size(); ++i) {
          const auto& w = weights->as_array()[i];
          BOOST_CHECK_EQUAL(variables[i]->name(), std::string(w.at("name").as_string()));
          Shape shape;
          for (const auto& d : w.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
          BOOST_CHECK(variables[i]->shape() == shape);
          BOOST_CHECK_EQUAL(variables[i]->trainable(), w.at("trainable").as_bool());
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(mlp_seq_summary_table) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  const std::string summary = model->summary();
  BOOST_TEST_MESSAGE(summary);
  BOOST_CHECK(contains(summary, "Model: \"mlp_seq\""));
  BOOST_CHECK(contains(summary, "Layer (type)"));
  BOOST_CHECK(contains(summary, "│ dense (Dense)"));
  BOOST_CHECK(contains(summary, "(None, 64)"));
  BOOST_CHECK(contains(summary, "2,112 │"));  // 32 * 64 + 64
  BOOST_CHECK(contains(summary, "│ dropout (Dropout)"));
  BOOST_CHECK(contains(summary, " Total params: 2,177 (8.50 KB)"));
  BOOST_CHECK(contains(summary, " Trainable params: 2,177 (8.50 KB)"));
  BOOST_CHECK(contains(summary, " Non-trainable params: 0 (0.00 B)"));
  BOOST_CHECK(!contains(summary, "Connected to"));
  ModelPtr graph = model_from_json(test::read_text(test::model_dir("layers/Add") / "model.json"));
  const std::string graph_summary = graph->summary();
  BOOST_CHECK(contains(graph_summary, "Connected to"));
  BOOST_CHECK(contains(graph_summary, "a[0][0], b[0][0], c[0][0]"));
}

BOOST_AUTO_TEST_CASE(layers_and_get_layer) {
  ModelPtr seq = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  BOOST_REQUIRE_EQUAL(seq->layers().size(), 3u);  // the InputLayer is not in Sequential.layers
  BOOST_CHECK_EQUAL(seq->get_layer("dense_1")->class_name(), "Dense");
  BOOST_CHECK_EQUAL(seq->get_layer(1)->name(), "dropout");
  const std::string message = error_of<ValueError>([&] { seq->get_layer("dense_2"); });
  BOOST_CHECK(contains(message, "No such layer: dense_2. Existing layers are: ["));
  BOOST_CHECK(contains(message, "Did you mean"));
  BOOST_CHECK(contains(error_of<ValueError>([&] { seq->get_layer(7); }), "model only has 3 layers"));
  ModelPtr fx = model_from_json(test::read_text(test::model_dir("layers/Add") / "model.json"));
  BOOST_CHECK_EQUAL(fx->layers().size(), 4u);  // Functional.layers has its InputLayers
  BOOST_CHECK(std::dynamic_pointer_cast<Functional>(fx) != nullptr);
}

BOOST_AUTO_TEST_CASE(weight_paths_follow_class_names_not_layer_names) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("big_functional_300") / "model.json"));
  auto paths = test::saved_datasets(*model);
  BOOST_CHECK(paths.contains("layers/dense/vars/0"));      // the Dense named "stem"
  BOOST_CHECK(paths.contains("layers/dense_148/vars/1"));  // the last of 149 Dense layers ("head")
  BOOST_CHECK(paths.contains("layers/layer_normalization_73/vars/1"));
  BOOST_CHECK_EQUAL(model->get_layer("stem")->weights()[0]->path(), "stem/kernel");
}

BOOST_AUTO_TEST_CASE(set_weights_uses_keras_messages) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  auto weights = model->get_weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 4u);
  weights.pop_back();
  BOOST_CHECK_EQUAL(error_of<ValueError>([&] { model->set_weights(weights); }),
                    "You called `set_weights(weights)` on layer 'mlp_seq' with a weight list of length 3, but the "
                    "layer was expecting 4 weights.");
  weights = model->get_weights();
  weights[2] = Tensor({1, 64});
  BOOST_CHECK_EQUAL(error_of<ValueError>([&] { model->set_weights(weights); }),
                    "Layer mlp_seq weight shape (64, 1) is not compatible with provided weight shape (1, 64).");
  weights[2] = Tensor({64, 1}, 0.25f);
  model->set_weights(weights);
  BOOST_CHECK(model->get_weights()[2] == Tensor({64, 1}, 0.25f));
  // An unbuilt Sequential has no weights yet.
  Sequential empty(LayerArgs{.name = std::string("empty")});
  BOOST_CHECK(contains(error_of<ValueError>([&] { empty.set_weights({Tensor({2})}); }),
                       "but the layer was expecting 0 weights."));
}

BOOST_AUTO_TEST_CASE(regularization_losses_of_a_model) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  test::load_fixture_weights(*model, test::model_dir("mlp_seq"));
  auto losses = model->losses();
  BOOST_REQUIRE_EQUAL(losses.size(), 1u);  // only dense's kernel has a regularizer (L1L2(1e-5, 1e-4))
  const Tensor kernel = model->get_layer("dense")->get_weights()[0];
  const float expected = 1e-5f * kernel.abs().sum() + 1e-4f * kernel.square().sum();
  BOOST_CHECK_CLOSE(losses[0], expected, 1e-3);
}

BOOST_AUTO_TEST_CASE(predict_in_batches_equals_one_batch) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  test::load_fixture_weights(*model, test::model_dir("mlp_seq"));
  std::vector<float> values(70 * 32);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17) * 0.1f - 0.8f;
  const Tensor x({70, 32}, values);
  auto whole = model->predict({x}, 100);
  auto batched = model->predict({x}, 8);
  BOOST_CHECK(whole[0].shape() == (Shape{70, 1}));
  // Equal up to rounding: the GEMM's blocking (so its summation order) depends on the row
  // count on some instruction sets (oneDNN's AVX2 sgemm), as with any BLAS.
  test::check_close(batched[0], whole[0], 1e-6f);
  BOOST_CHECK(contains(error_of<ValueError>([&] { model->predict({Tensor({3, 31})}); }), "must have shape (None, 32)"));
  std::map<std::string, Tensor, std::less<>> named{{"input_layer", x}};
  BOOST_CHECK(model->predict_named(named, 100)[0] == whole[0]);  // the same batches: the same bits
  named = {{"inputs", x}};
  BOOST_CHECK(contains(error_of<ValueError>([&] { model->predict_named(named); }), "Missing input 'input_layer'"));
}

BOOST_AUTO_TEST_CASE(clone_model_has_fresh_weights_and_the_same_config) {
  ModelPtr model = model_from_json(test::read_text(test::model_dir("mlp_seq") / "model.json"));
  test::load_fixture_weights(*model, test::model_dir("mlp_seq"));
  ModelPtr clone = clone_model(*model);
  BOOST_CHECK_EQUAL(clone->to_json(), model->to_json());
  auto a = model->get_weights(), b = clone->get_weights();
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  BOOST_CHECK(!(a[0] == b[0]));             // kernels drawn afresh (GlorotUniform)
  BOOST_CHECK(b[1] == Tensor({64}, 0.0f));  // zeros bias
  BOOST_CHECK(clone->get_layer("dense") != model->get_layer("dense"));
}

namespace {

// A Functional config written the way Keras writes one: a shared Dense called on two
// inputs, a nested Sequential as a layer, two outputs in a dict.
const char* kSharedGraph =
    R"({"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "shared", "trainable": true, "layers": [
{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 2], "dtype": "float32", "sparse": false, "ragged": false, "name": "a", "optional": false}, "registered_name": null, "name": "a", "inbound_nodes": []},
{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 2], "dtype": "float32", "sparse": false, "ragged": false, "name": "b", "optional": false}, "registered_name": null, "name": "b", "inbound_nodes": []},
{"module": "keras.layers", "class_name": "Dense", "config": {"name": "shared_dense", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 3, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null, "build_config": {"input_shape": [null, 2]}, "name": "shared_dense", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 2], "dtype": "float32", "keras_history": ["a", 0, 0]}}], "kwargs": {}}, {"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 2], "dtype": "float32", "keras_history": ["b", 0, 0]}}], "kwargs": {}}]},
{"module": "keras.layers", "class_name": "Add", "config": {"name": "add", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}, "registered_name": null, "build_config": {"input_shape": [[null, 3], [null, 3]]}, "name": "add", "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["shared_dense", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["shared_dense", 1, 0]}}]], "kwargs": {}}]},
{"module": "keras", "class_name": "Sequential", "config": {"name": "inner", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "inner_dense", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 1, "activation": "relu", "use_bias": false, "kernel_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null, "build_config": {"input_shape": [null, 3]}}], "build_input_shape": [null, 3]}, "registered_name": null, "build_config": {"input_shape": [null, 3]}, "compile_config": {}, "name": "inner", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["add", 0, 0]}}], "kwargs": {}}]}
], "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": {"sum": ["add", 0, 0], "out": ["inner", 0, 0]}}, "registered_name": "Functional", "build_config": {"input_shape": null}, "compile_config": {}})";

// The config above as Keras writes it: one line, ", " between list items.
std::string without_newlines(std::string s) {
  for (auto [from, to] : {std::pair{",\n", ", "}, std::pair{"[\n", "["}, std::pair{"\n]", "]"}}) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from)) s.replace(at, 2, to);
  }
  return s;
}

// The shared graph's text with one substring replaced (for the error cases).
std::string shared_graph_with(const std::string& from, const std::string& to) {
  std::string s = without_newlines(kSharedGraph);
  const auto at = s.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no '" << from << "' in the test graph");
  s.replace(at, from.size(), to);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(functional_shared_layer_nested_model_dict_outputs) {
  const std::string text = without_newlines(kSharedGraph);
  ModelPtr model = model_from_json(text);
  BOOST_CHECK_EQUAL(model->to_json(), text);
  BOOST_REQUIRE_EQUAL(model->layers().size(), 5u);
  // The shared Dense holds its weights once.
  BOOST_CHECK_EQUAL(model->weights().size(), 3u);
  const Tensor kernel = Tensor::matrix({{1, 2, 3}, {-1, 0, 1}});
  const Tensor bias = Tensor::vector({0.5f, -0.5f, 0});
  model->get_layer("shared_dense")->set_weights({kernel, bias});
  const Tensor a = Tensor::matrix({{1, 0}, {0, 2}});
  const Tensor b = Tensor::matrix({{1, 1}, {-3, 0}});
  auto out = model->predict({a, b});
  // Dict outputs flatten in sorted key order: "out" then "sum".
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_CHECK((model->output_names() == std::vector<std::string>{"inner", "add"}));
  const Tensor sum = ops::matmul(a, kernel) + bias + ops::matmul(b, kernel) + bias;
  BOOST_CHECK(out[1] == sum);
  Tensor expected_inner = maximum(sum.sum(1, true), 0.0f);  // relu(sum @ ones(3, 1))
  test::check_close(out[0], expected_inner);
  // Nested model weights sit under its class name; the shared layer is saved once.
  auto paths = test::saved_datasets(*model);
  BOOST_CHECK(paths.contains("layers/dense/vars/1"));
  BOOST_CHECK(paths.contains("layers/sequential/layers/dense/vars/0"));
  BOOST_CHECK_EQUAL(paths.size(), 3u);
  // Clones keep the sharing.
  ModelPtr clone = clone_model(*model);
  BOOST_CHECK_EQUAL(clone->weights().size(), 3u);
  BOOST_CHECK_EQUAL(clone->to_json(), text);
  const std::string summary = model->summary();
  BOOST_CHECK(contains(summary, "shared_dense[0][0], shared_dense[1][0]"));
  BOOST_CHECK(contains(summary, "inner (Sequential)"));
}

BOOST_AUTO_TEST_CASE(functional_config_errors_name_the_path) {
  auto message = [](const std::string& text) { return error_of<ConfigError>([&] { model_from_json(text); }); };
  std::string m = message(shared_graph_with(R"("keras_history": ["b", 0, 0])", R"("keras_history": ["bb", 0, 0])"));
  BOOST_CHECK_MESSAGE(contains(m,
                               "config.layers[2].inbound_nodes[1].args[0].config.keras_history: Invalid Functional "
                               "model configuration: unknown layer 'bb'."),
                      m);
  BOOST_CHECK(contains(m, "Did you mean 'b'"));

  m = message(shared_graph_with(R"(["shared_dense", 1, 0])", R"(["shared_dense", 2, 0])"));
  BOOST_CHECK_MESSAGE(contains(m,
                               "config.layers[3].inbound_nodes[0].args[0][1].config.keras_history[1]: Invalid "
                               "Functional model configuration: node index 2 is out of range for layer "
                               "'shared_dense', which has nodes 0..1"),
                      m);

  m = message(shared_graph_with(R"(["shared_dense", 1, 0])", R"(["shared_dense", 1, 3])"));
  BOOST_CHECK_MESSAGE(contains(m,
                               "keras_history[2]: Invalid Functional model configuration: tensor index 3 is out of "
                               "range: layer 'shared_dense' node 1 has 1 output(s)"),
                      m);

  m = message(
      shared_graph_with(R"("output_layers": {"sum": ["add", 0, 0])", R"("output_layers": {"sum": ["add", 5, 0])"));
  BOOST_CHECK_MESSAGE(contains(m, "config.output_layers.sum[1]: Invalid Functional model configuration: node index 5"),
                      m);

  // A loop: the shared Dense's first call takes the Add's output, which needs that call.
  m = message(shared_graph_with(R"("keras_history": ["a", 0, 0]}}], "kwargs": {}})",
                                R"("keras_history": ["add", 0, 0]}}], "kwargs": {}})"));
  BOOST_CHECK_MESSAGE(contains(m, "Invalid Functional model configuration: the graph has a loop: layers"), m);
  BOOST_CHECK(contains(m, "'shared_dense'") && contains(m, "'add'"));

  m = message(shared_graph_with(R"("name": "add", "inbound_nodes")", R"("name": "shared_dense", "inbound_nodes")"));
  BOOST_CHECK_MESSAGE(contains(m,
                               "config.layers[3].name: Invalid Functional model configuration: duplicate layer name "
                               "'shared_dense' (also at layers[2])"),
                      m);

  m = message(shared_graph_with(R"("input_layers": [["a", 0, 0], ["b", 0, 0]])",
                                R"("input_layers": [["a", 0, 0], ["add", 0, 0]])"));
  BOOST_CHECK_MESSAGE(contains(m, "model inputs must be InputLayers, but 'add' is a Add"), m);

  // A declared tensor shape that disagrees with what the layer produces.
  m = message(
      shared_graph_with(R"("config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["add", 0, 0]})",
                        R"("config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["add", 0, 0]})"));
  BOOST_CHECK_MESSAGE(contains(m, "the tensor is declared with shape (None, 4), but layer 'add' produces (None, 3)"),
                      m);
}

BOOST_AUTO_TEST_CASE(unknown_layer_classes_and_lambda) {
  std::string text = shared_graph_with(R"("class_name": "Add")", R"("class_name": "Addd")");
  const std::string m = error_of<UnknownObjectError>([&] { model_from_json(text); });
  BOOST_CHECK_MESSAGE(contains(m, "config.layers[3]: Could not locate class 'Addd'"), m);
  BOOST_CHECK(contains(m, "Did you mean 'Add'"));
  // Sorted; the catalogue grows, so only the first and a few known names are checked.
  BOOST_CHECK(contains(m, "Known layers: 'Activation', "));
  BOOST_CHECK(contains(m, ", 'Add', "));
  BOOST_CHECK(contains(m, ", 'Dense', "));

  const std::string lambda = test::read_text(test::model_dir("lambda_layer") / "model.json");
  const std::string safe = error_of<UnsafeObjectError>([&] { model_from_json(lambda); });
  BOOST_CHECK(contains(safe, "config.layers[1]"));
  BOOST_CHECK(contains(safe, "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda"));
  BOOST_CHECK(contains(safe, "`safe_mode=False`"));
  DeserializeOptions unsafe;
  unsafe.safe_mode = false;
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { model_from_json(lambda, unsafe); }), "never runs"));
}

BOOST_AUTO_TEST_CASE(sequential_config_errors) {
  auto text = test::read_text(test::model_dir("layers/Dense") / "model.json");
  auto doc = json::parse(text);
  doc.at("config").as_object().erase("name");
  BOOST_CHECK(
      contains(error_of<ConfigError>([&] { model_from_config(doc); }),
               "A Sequential model configuration must be a dictionary containing the 'name' and 'layers' keys"));
  doc = json::parse(text);
  doc.at("config").at("layers").as_array()[1].at("config").as_object()["unitz"] = 3;
  const std::string m = error_of<ConfigError>([&] { model_from_config(doc); });
  BOOST_CHECK_MESSAGE(contains(m, "config.layers[1].config") && contains(m, "unitz"), m);
  doc = json::parse(text);
  doc.at("config").at("layers").as_array()[1].at("config").as_object()["dtype"] = "mixed_float16";
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { model_from_config(doc); }), "mixed_float16"));
  // Two layers with one name.
  doc = json::parse(text);
  auto& layers = doc.at("config").at("layers").as_array();
  layers.push_back(layers[1]);
  layers.back().at("build_config").at("input_shape").as_array()[1] = 5;
  BOOST_CHECK(contains(error_of<ConfigError>([&] { model_from_config(doc); }),
                       "All layers added to a Sequential model should have unique names"));
}

BOOST_AUTO_TEST_CASE(sequential_built_from_code) {
  reset_object_names();
  auto model = std::make_shared<Sequential>(LayerArgs{.name = std::string("stack")});
  layers::Dense::Options o;
  o.units = 4;
  model->add(std::make_shared<layers::Dense>(o, LayerArgs{}));
  o.units = 2;
  model->add(std::make_shared<layers::Dense>(o, LayerArgs{}));
  BOOST_CHECK(!model->built());
  BOOST_CHECK(model->summary().find("0 (unbuilt)") != std::string::npos);
  model->maybe_build({PartialShape{std::nullopt, 3}});
  BOOST_CHECK_EQUAL(model->layers()[0]->name(), "dense");
  BOOST_CHECK_EQUAL(model->layers()[1]->name(), "dense_1");
  BOOST_CHECK_EQUAL(model->count_params(), 3 * 4 + 4 + 4 * 2 + 2);
  auto y = model->predict({Tensor({5, 3}, 1.0f)});
  BOOST_CHECK(y[0].shape() == (Shape{5, 2}));
  // Its config has the InputLayer Keras inserts, and reloads to the same text.
  const std::string text = model->to_json();
  BOOST_CHECK(contains(text, R"("class_name": "InputLayer", "config": {"batch_shape": [null, 3])"));
  BOOST_CHECK(contains(text, R"("build_input_shape": [null, 3])"));
  BOOST_CHECK_EQUAL(model_from_json(text)->to_json(), text);
}

BOOST_AUTO_TEST_CASE(save_then_load_weights_into_a_fresh_model) {
  for (const std::string name : {"mlp_seq", "big_functional_300", "layers/LayerNormalization"}) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = test::model_dir(name);
      const std::string text = test::read_text(dir / "model.json");
      ModelPtr model = model_from_json(text);
      test::load_fixture_weights(*model, dir);
      saving::InMemoryWeightsStore store;
      model->save_weights(store);
      ModelPtr fresh = model_from_json(text);
      fresh->load_weights(store);
      auto inputs = test::read_io(test::read_json(dir / "io.json"), "inputs");
      std::vector<Tensor> x;
      for (auto& in : inputs) x.push_back(in.value);
      BOOST_CHECK(fresh->predict(x) == model->predict(x));
      // The root and every layer have a vars group; layers carry their name attribute.
      BOOST_CHECK(store.has_group("vars"));
    }
  }
}

BOOST_AUTO_TEST_CASE(load_weights_errors_as_keras) {
  const std::string text = test::read_text(test::model_dir("mlp_seq") / "model.json");
  ModelPtr model = model_from_json(text);
  auto saved = [&] {
    auto store = std::make_unique<saving::InMemoryWeightsStore>();
    model->save_weights(*store);
    return store;
  };
  // A missing variable.
  auto store = saved();
  store->find_group("layers/dense/vars")->datasets.erase("1");
  std::string m = error_of<saving::LoadingError>([&] { model_from_json(text)->load_weights(*store); });
  BOOST_CHECK_MESSAGE(contains(m, "A total of 1 objects could not be loaded"), m);
  BOOST_CHECK(contains(m,
                       "Layer 'dense' expected 2 variables, but received 1 variables during loading. Expected: "
                       "['kernel', 'bias']"));
  // A wrong shape.
  store = saved();
  store->find_group("layers/dense_1/vars")->datasets["0"] = Tensor({1, 64});
  m = error_of<saving::LoadingError>([&] { model_from_json(text)->load_weights(*store); });
  BOOST_CHECK_MESSAGE(contains(m, "must match. variable.shape=(64, 1), Received: value.shape=(1, 64)"), m);
  // A missing layer, and another failure: both reported together.
  store = saved();
  store->find_group("layers")->groups.erase("dense_1");
  store->find_group("layers/dense/vars")->datasets.erase("0");
  m = error_of<saving::LoadingError>([&] { model_from_json(text)->load_weights(*store); });
  BOOST_CHECK_MESSAGE(contains(m, "A total of 2 objects could not be loaded"), m);
  BOOST_CHECK(contains(m, "Layer 'dense_1' expected 2 variables, but received 0 variables during loading"));
  // Extra groups in the store are ignored.
  store = saved();
  store->root().groups["layers"].groups["extra"].groups["vars"].datasets["0"] = Tensor({3});
  ModelPtr again = model_from_json(text);
  again->load_weights(*store);
  BOOST_CHECK(again->get_weights() == model->get_weights());
  // A model that was never built cannot take weights.
  Sequential unbuilt(LayerArgs{.name = std::string("unbuilt")});
  BOOST_CHECK(contains(error_of<ValueError>([&] { unbuilt.load_weights(*store); }), "was never built"));
}

// ---- issue 20: stateful RNNs and streaming ----

namespace {

// A {"shape", "data"} entry of tests/data/streaming/*/io.json.
Tensor streaming_tensor(const boost::json::value& io, const char* key) {
  const auto& item = io.at(key).as_object();
  Shape shape;
  for (const auto& d : item.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
  std::vector<float> data;
  for (const auto& x : item.at("data").as_array()) data.push_back(static_cast<float>(x.to_number<double>()));
  return Tensor(shape, std::move(data));
}

// The model of fixture `name` with its weights; `edit` changes its JSON first.
ModelPtr fixture_model(const std::string& name, const std::function<void(boost::json::value&)>& edit = {}) {
  boost::json::value config = test::read_json(test::model_dir(name) / "model.json");
  if (edit) edit(config);
  ModelPtr model = model_from_json(json::write(config));
  test::load_fixture_weights(*model, test::model_dir(name));
  return model;
}

// Runs `model` through a StreamingSession on `x` cut into chunks of `sizes` steps.
std::vector<std::vector<Tensor>> stream(StreamingSession& session, const Tensor& x,
                                        const std::vector<std::int64_t>& sizes) {
  std::vector<std::vector<Tensor>> out;
  std::int64_t begin = 0;
  for (std::int64_t size : sizes) {
    out.push_back(session.predict({ops::slice_axis(x, 1, begin, begin + size)}));
    begin += size;
  }
  BOOST_REQUIRE_EQUAL(begin, x.dim(1));
  return out;
}

}  // namespace

// Keras 3.16's stateful LSTM (return_sequences) and GRU, batch 2, predicted on two successive
// chunks of 4 steps; reset_states() starts again from zeros (tests/data/streaming/stateful_lstm).
BOOST_AUTO_TEST_CASE(stateful_rnns_carry_states_between_predicts) {
  const fs::path dir = test::data_dir() / "streaming" / "stateful_lstm";
  const std::string text = test::read_text(dir / "model.json");
  ModelPtr model = model_from_json(text);
  test::load_fixture_weights(*model, dir);
  const auto io = test::read_json(dir / "io.json");
  const auto first = model->predict({streaming_tensor(io, "chunk1")});
  test::check_close(first[0], streaming_tensor(io, "lstm1"), 1e-5f);
  test::check_close(first[1], streaming_tensor(io, "gru1"), 1e-5f);
  const auto second = model->predict({streaming_tensor(io, "chunk2")});
  test::check_close(second[0], streaming_tensor(io, "lstm2"), 1e-5f);
  test::check_close(second[1], streaming_tensor(io, "gru2"), 1e-5f);
  reset_states(*model);
  test::check_close(model->predict({streaming_tensor(io, "chunk1")})[0], streaming_tensor(io, "lstm1"), 1e-5f);
  BOOST_CHECK_EQUAL(model->to_json(), text);
  // The batch size is the model's (a layer's own check: test_recurrent_more).
  const std::string batch = error_of<ValueError>([&] { model->predict({Tensor({1, 4, 3}, 0.0f)}); });
  BOOST_CHECK_MESSAGE(contains(batch, "must have shape (2, 4, 3)"), batch);
}

// A StreamingSession over the rnn fixture (Embedding, LSTM, GRU, Dense) cut into chunks:
// the last chunk's output is the whole predict's; with the GRU returning sequences, the
// chunks' outputs concatenated are the whole predict's.
BOOST_AUTO_TEST_CASE(streaming_equals_whole_sequence_predict) {
  const auto inputs = test::read_io(test::read_json(test::model_dir("rnn") / "io.json"), "inputs");
  const Tensor& x = inputs.at(0).value;
  ModelPtr last = fixture_model("rnn");
  const Tensor whole = last->predict({x})[0];
  {
    StreamingSession session(*last);
    BOOST_CHECK(!session.output_is_sequence(0));
    const auto chunks = stream(session, x, {3, 1, 6});
    test::check_close(chunks.back()[0], whole, 1e-5f);
    session.reset();  // again from the start
    test::check_close(stream(session, x, {10}).back()[0], whole, 1e-5f);
  }
  // The session is over: predict is stateless again.
  test::check_close(last->predict({x})[0], whole, 1e-5f);

  ModelPtr sequences = fixture_model("rnn", [](boost::json::value& config) {
    config.at("config").at("layers").as_array()[3].at("config").as_object()["return_sequences"] = true;
  });
  const Tensor all_steps = sequences->predict({x})[0];
  StreamingSession session(*sequences);
  BOOST_CHECK(session.output_is_sequence(0));
  std::vector<Tensor> parts;
  for (const auto& outputs : stream(session, x, {4, 4, 2})) parts.push_back(outputs[0]);
  test::check_close(ops::concatenate(parts, 1), all_steps, 1e-5f);
}

// rnn_simple holds a Bidirectional layer: it needs the whole sequence.
BOOST_AUTO_TEST_CASE(streaming_refuses_layers_that_need_the_whole_sequence) {
  ModelPtr model = fixture_model("rnn_simple");
  const std::string message = error_of<NotSupportedError>([&] { StreamingSession session(*model); });
  BOOST_CHECK_MESSAGE(contains(message, "'bidirectional' (Bidirectional)"), message);
  BOOST_CHECK(contains(message, "backwards"));
}
