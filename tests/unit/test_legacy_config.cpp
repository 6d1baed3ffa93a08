// The legacy config upgrader (kplug/models/legacy_config.hpp): Keras 1/2 and tf.keras model
// configs and training_configs -> the Keras 3 form kplug loads.
//
// Fixtures: tests/data/legacy_config/<name>/ holds the `model_config` and `training_config`
// attributes of the model.h5 files Keras 3.16's legacy writer saved (tests/data/legacy_h5/keras3) and
// `keras3_to_json.json`, Keras 3.16's `load_model(path, compile=False).to_json()` (made by
// make_truth.py). The hand-written configs below are spelled as tf-keras's get_config writes
// them (tf_keras/layers/core/dense.py, engine/functional.py get_network_config, engine/node.py).
#define BOOST_TEST_MODULE legacy_config
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/models/legacy_config.hpp"
#include "kplug/models/model.hpp"
#include "test_support.hpp"

#include <cmath>

using namespace kplug;
using legacy::compile_config_from_training_config;
using legacy::upgrade_model_config;
using legacy::UpgradeReport;
using test::contains;
using test::error_of;

namespace {

std::filesystem::path fixture(const std::string& name) { return test::data_dir() / "legacy_config" / name; }

// Upgrades `config`, checking on the way that a second upgrade changes nothing.
boost::json::value upgraded(const boost::json::value& config, UpgradeReport* report_out = nullptr) {
  UpgradeReport report;
  auto out = upgrade_model_config(config, report);
  UpgradeReport again;
  BOOST_CHECK_EQUAL(json::write(upgrade_model_config(out, again)), json::write(out));
  BOOST_CHECK(!again.changed && again.warnings.empty());
  if (report_out) *report_out = report;
  return out;
}

boost::json::value upgraded(const std::string& text, UpgradeReport* report_out = nullptr) {
  return upgraded(json::parse(text), report_out);
}
boost::json::value upgraded(const char* text, UpgradeReport* report_out = nullptr) {
  return upgraded(std::string(text), report_out);
}

// tf.keras's Dense config (Layer.get_config + Dense.get_config).
std::string dense(const std::string& name, int units, const std::string& extra = "") {
  return R"({"class_name": "Dense", "config": {"name": ")" + name + R"(", "trainable": true, )" + extra +
         R"("dtype": "float32", "units": )" + std::to_string(units) +
         R"(, "activation": "linear", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", )"
         R"("config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, )"
         R"("kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, )"
         R"("kernel_constraint": null, "bias_constraint": null}})";
}

// A Functional entry: the layer dict plus name and inbound_nodes.
std::string entry(const std::string& layer, const std::string& name, const std::string& nodes) {
  return layer.substr(0, layer.size() - 1) + R"(, "name": ")" + name + R"(", "inbound_nodes": )" + nodes + "}";
}

std::string input_layer(const std::string& name, const std::string& batch_shape) {
  return entry(R"({"class_name": "InputLayer", "config": {"batch_input_shape": )" + batch_shape +
                   R"(, "dtype": "float32", "sparse": false, "ragged": false, "name": ")" + name + R"("}})",
               name, "[]");
}

// tf.keras's LSTM config (RNN base + LSTM.get_config), with time_major and implementation.
std::string lstm(const std::string& name, int units, bool return_sequences, bool return_state,
                 const std::string& extra = "") {
  auto b = [](bool v) { return v ? std::string("true") : std::string("false"); };
  return R"({"class_name": "LSTM", "config": {"name": ")" + name +
         R"(", "trainable": true, "dtype": "float32", "return_sequences": )" + b(return_sequences) +
         R"(, "return_state": )" + b(return_state) +
         R"(, "go_backwards": false, "stateful": false, "unroll": false, "time_major": false, "units": )" +
         std::to_string(units) +
         R"(, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, )"
         R"("kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, )"
         R"("recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}}, )"
         R"("bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": true, )"
         R"("kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, )"
         R"("activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, )"
         R"("bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, )" +
         extra + R"("implementation": 2}})";
}

const boost::json::object& config_of(const boost::json::value& model) { return model.at("config").as_object(); }
const boost::json::object& layer_config(const boost::json::value& model, std::size_t i) {
  return config_of(model).at("layers").as_array()[i].at("config").as_object();
}

const std::vector<std::string> kFixtures = {"compiled_adam_mse_mae", "compiled_loss_objects", "mlp",
                                            "nested_sequential", "rnn"};

}  // namespace

// (1) Keras 3's own legacy model_config: loads, and to_json() is what Keras 3.16 gives after
// load_model(compile=False).
BOOST_AUTO_TEST_CASE(legacy_h5_fixtures_load_as_keras_does) {
  for (const auto& name : kFixtures) {
    BOOST_TEST_CONTEXT(name) {
      const auto legacy = test::read_json(fixture(name) / "model_config.json");
      UpgradeReport report;
      const auto config = upgrade_model_config(legacy, report);
      BOOST_CHECK(report.warnings.empty());
      auto model = model_from_config(config);
      BOOST_CHECK_EQUAL(model->to_json(), json::write(test::read_json(fixture(name) / "keras3_to_json.json")));
      // Idempotent, and Keras 3's to_json passes through unchanged.
      UpgradeReport again;
      BOOST_CHECK(upgrade_model_config(config, again) == config);
      BOOST_CHECK(!again.changed);
      const auto to_json = test::read_json(fixture(name) / "keras3_to_json.json");
      UpgradeReport keras3;
      BOOST_CHECK_EQUAL(json::write(upgrade_model_config(to_json, keras3)), json::write(to_json));
      BOOST_CHECK(!keras3.changed);
    }
  }
}

// The weights-only fixture's architecture is Keras 3's to_json(): it passes through unchanged.
BOOST_AUTO_TEST_CASE(keras3_to_json_passes_through) {
  const auto to_json = test::read_json(fixture("weights_only_legacy_cnn") / "keras3_to_json.json");
  UpgradeReport report;
  BOOST_CHECK_EQUAL(json::write(upgrade_model_config(to_json, report)), json::write(to_json));
  BOOST_CHECK(!report.changed && report.warnings.empty());
}

// (3) The compiled fixtures' training_config, which Keras 3.16 itself fails to reload for
// `metrics=["mae"]`.
BOOST_AUTO_TEST_CASE(legacy_h5_training_config_compiles) {
  for (const std::string name : {"compiled_adam_mse_mae", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      UpgradeReport report;
      auto model =
          model_from_config(upgrade_model_config(test::read_json(fixture(name) / "model_config.json"), report));
      const auto compile_config =
          compile_config_from_training_config(test::read_json(fixture(name) / "training_config.json"), report);
      model->set_compile_config(compile_config);
      BOOST_REQUIRE(model->compiled());
      const auto written = model->compile_config().as_object();
      BOOST_CHECK_EQUAL(written.at("optimizer").at("class_name").as_string(), "Adam");
      BOOST_CHECK_CLOSE(written.at("optimizer").at("config").at("learning_rate").to_number<double>(), 0.01, 1e-4);
      BOOST_CHECK_EQUAL(written.at("jit_compile").as_bool(), true);
      if (name == "compiled_adam_mse_mae") {
        BOOST_CHECK_EQUAL(json::write(written.at("loss")), R"("mse")");
        BOOST_CHECK_EQUAL(json::write(written.at("metrics")), R"(["mae"])");
      } else {
        BOOST_CHECK_EQUAL(written.at("loss").at("class_name").as_string(), "MeanSquaredError");
        BOOST_CHECK_EQUAL(written.at("metrics").at(0).at("class_name").as_string(), "MeanAbsoluteError");
      }
    }
  }
}

// Keras < 2.2: a Sequential is the bare list of its layers, the input shape on the first one.
BOOST_AUTO_TEST_CASE(bare_list_sequential_gets_one_input_layer) {
  const std::string layer = dense("dense_1", 2, R"("batch_input_shape": [null, 3], )");
  UpgradeReport report;
  const auto config = upgraded("[" + layer + "]", &report);
  BOOST_CHECK(report.changed);
  BOOST_CHECK_EQUAL(config.at("class_name").as_string(), "Sequential");
  const auto& layers = config_of(config).at("layers").as_array();
  BOOST_REQUIRE_EQUAL(layers.size(), 2u);
  BOOST_CHECK_EQUAL(json::write(layers[0]),
                    R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], )"
                    R"("dtype": "float32", "sparse": false, "ragged": false, "name": "dense_1_input"}, )"
                    R"("registered_name": "InputLayer"})");
  BOOST_CHECK(!layer_config(config, 1).contains("batch_input_shape"));
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->input_layers().at(0)->batch_shape().to_string(), "(None, 3)");
  model->set_weights({Tensor::matrix({{1, 2}, {3, 4}, {5, 6}}), Tensor::vector({0.5f, -0.5f})});
  // [1, 1, 1] @ kernel + bias
  test::check_close(model->predict({Tensor::matrix({{1, 1, 1}})})[0], Tensor::matrix({{9.5f, 11.5f}}));
}

BOOST_AUTO_TEST_CASE(first_layer_input_shape_forms) {
  // input_shape + batch_size, and Keras 1's input_dim.
  auto with_shape = upgraded(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" +
                             dense("d", 2, R"("input_shape": [4], "batch_size": 8, )") + "]}}");
  BOOST_CHECK_EQUAL(json::write(layer_config(with_shape, 0).at("batch_shape")), "[8, 4]");
  auto with_dim = upgraded(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" +
                           dense("d", 2, R"("input_dim": 5, )") + "]}}");
  BOOST_CHECK_EQUAL(json::write(layer_config(with_dim, 0).at("batch_shape")), "[null, 5]");
  model_from_config(with_dim);
  // An Embedding's input_dim is its vocabulary, not an input shape.
  auto embedding = upgraded(
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Embedding", "config": )"
      R"({"name": "e", "trainable": true, "batch_input_shape": [null, 7], "dtype": "float32", "input_dim": 20, )"
      R"("output_dim": 4, "embeddings_initializer": {"class_name": "RandomUniform", "config": {"minval": -0.05, )"
      R"("maxval": 0.05, "seed": null}}, "embeddings_regularizer": null, "activity_regularizer": null, )"
      R"("embeddings_constraint": null, "mask_zero": false, "input_length": 7}}]}})");
  BOOST_CHECK_EQUAL(json::write(layer_config(embedding, 0).at("batch_shape")), "[null, 7]");
  BOOST_CHECK_EQUAL(layer_config(embedding, 1).at("input_dim").as_int64(), 20);
  BOOST_CHECK(!layer_config(embedding, 1).contains("input_length"));
  model_from_config(embedding);
}

// A Sequential built without an input shape: tf.keras's legacy config keeps build_input_shape.
BOOST_AUTO_TEST_CASE(sequential_with_build_input_shape) {
  UpgradeReport report;
  const auto config = upgraded(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" + dense("d", 2) +
                                   R"(], "build_input_shape": [null, 3]}})",
                               &report);
  BOOST_CHECK_EQUAL(config_of(config).at("layers").as_array().size(), 1u);
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->output_shapes().at(0).to_string(), "(None, 2)");
}

// tf.keras 2.x: Functional with legacy nodes, two inputs into one layer; "Model" class name;
// the keras_version and backend keys to_json() adds.
BOOST_AUTO_TEST_CASE(functional_legacy_nodes) {
  const std::string text =
      R"({"class_name": "Model", "config": {"name": "model", "layers": [)" + input_layer("a", "[null, 2]") + ", " +
      input_layer("b", "[null, 1]") + ", " +
      entry(
          R"({"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": true, "dtype": "float32", "axis": -1}})",
          "concatenate", R"([[["a", 0, 0, {}], ["b", 0, 0, {}]]])") +
      ", " + entry(dense("dense", 1), "dense", R"([[["concatenate", 0, 0, {}]]])") +
      R"(], "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["dense", 0, 0]]}, )"
      R"("keras_version": "2.15.0", "backend": "tensorflow"})";
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(config.at("class_name").as_string(), "Functional");
  BOOST_CHECK(!config.as_object().contains("keras_version"));
  const auto& layers = config_of(config).at("layers").as_array();
  BOOST_CHECK_EQUAL(
      json::write(layers[2].at("inbound_nodes")),
      R"([{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}, )"
      R"({"class_name": "__keras_tensor__", "config": {"keras_history": ["b", 0, 0]}}]], "kwargs": {}}])");
  BOOST_CHECK_EQUAL(json::write(layers[0].at("config")),
                    R"({"batch_shape": [null, 2], "dtype": "float32", "sparse": false, "ragged": false, "name": "a"})");
  auto model = model_from_config(config);
  model->get_layer("dense")->set_weights({Tensor::matrix({{1}, {2}, {3}}), Tensor::vector({0})});
  test::check_close(model->predict({Tensor::matrix({{1, 2}}), Tensor::matrix({{3}})})[0], Tensor::matrix({{14}}));
}

namespace {

// enc_in (4 steps) -> LSTM(3, return_state) ; dec_in (5 steps) -> LSTM(3, initial_state=[h, c]) -> Dense(1).
std::string seq2seq(const std::string& decoder_node) {
  return R"({"class_name": "Functional", "config": {"name": "s2s", "trainable": true, "layers": [)" +
         input_layer("enc_in", "[null, 4, 2]") + ", " + input_layer("dec_in", "[null, 5, 2]") + ", " +
         entry(lstm("enc", 3, false, true), "enc", R"([[["enc_in", 0, 0, {}]]])") + ", " +
         entry(lstm("dec", 3, true, false), "dec", decoder_node) + ", " +
         entry(dense("out", 1), "out", R"([[["dec", 0, 0, {}]]])") +
         R"(], "input_layers": [["enc_in", 0, 0], ["dec_in", 0, 0]], "output_layers": [["out", 0, 0]]}})";
}

}  // namespace

// tf.keras wrote a layer called on a dict of tensors as the dict (the upgrade alone is checked:
// no built-in layer takes a dict).
BOOST_AUTO_TEST_CASE(dict_structured_node) {
  const auto config = upgraded(
      R"({"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Custom", "config": {}, )"
      R"("name": "c", "inbound_nodes": [{"a": ["x", 0, 0, {}], "b": ["y", 0, 0, {}]}]}], "input_layers": [], )"
      R"("output_layers": []}})");
  BOOST_CHECK_EQUAL(json::write(config_of(config).at("layers").at(0).at("inbound_nodes")),
                    R"([{"args": [{"a": {"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}, )"
                    R"("b": {"class_name": "__keras_tensor__", "config": {"keras_history": ["y", 0, 0]}}}], )"
                    R"("kwargs": {}}])");
}

// A seq2seq decoder's initial_state: tf.keras writes it as kwargs tensor triples, standalone
// Keras 2 as extra inbound tensors; both are Keras 3's initial_state keyword argument.
BOOST_AUTO_TEST_CASE(seq2seq_initial_state) {
  const auto tf_keras = upgraded(
      seq2seq(R"([[["dec_in", 0, 0, {"initial_state": [["enc", 0, 1], ["enc", 0, 2]], "training": false}]]])"));
  const auto keras22 = upgraded(seq2seq(R"([[["dec_in", 0, 0, {}], ["enc", 0, 1, {}], ["enc", 0, 2, {}]]])"));
  const auto& node = config_of(tf_keras).at("layers").as_array()[3].at("inbound_nodes").as_array()[0];
  BOOST_CHECK_EQUAL(json::write(node.at("kwargs").at("initial_state")),
                    R"([{"class_name": "__keras_tensor__", "config": {"keras_history": ["enc", 0, 1]}}, )"
                    R"({"class_name": "__keras_tensor__", "config": {"keras_history": ["enc", 0, 2]}}])");
  BOOST_CHECK_EQUAL(
      json::write(config_of(keras22).at("layers").at(3).at("inbound_nodes").at(0).at("kwargs")),
      R"({"initial_state": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["enc", 0, 1]}}, )"
      R"({"class_name": "__keras_tensor__", "config": {"keras_history": ["enc", 0, 2]}}]})");
  // time_major=false and implementation are gone (Keras 3 has neither).
  BOOST_CHECK(!layer_config(tf_keras, 2).contains("time_major"));
  BOOST_CHECK(!layer_config(tf_keras, 2).contains("implementation"));

  // Zero kernels: the encoder's cell state after 4 steps is (1 - 0.5^4) * tanh(1) (gate bias
  // 0 -> i = f = o = 0.5, candidate bias 1); the decoder halves it each step, so
  // out_t = 3 * 0.5 * tanh(0.5^t * 0.9375 * tanh(1)). Without the initial state it would be 0.
  for (const auto* config : {&tf_keras, &keras22}) {
    auto model = model_from_config(*config);
    Tensor bias({12}, 0.0f);
    for (int i = 6; i < 9; ++i) bias[i] = 1.0f;
    model->get_layer("enc")->set_weights({Tensor({2, 12}), Tensor({3, 12}), bias});
    model->get_layer("dec")->set_weights({Tensor({2, 12}), Tensor({3, 12}), Tensor({12})});
    model->get_layer("out")->set_weights({Tensor({3, 1}, 1.0f), Tensor({1})});
    const auto y = model->predict({Tensor({1, 4, 2}, 0.3f), Tensor({1, 5, 2}, -0.2f)})[0];
    std::vector<float> expected;
    for (int t = 1; t <= 5; ++t) expected.push_back(1.5f * std::tanh(std::pow(0.5f, t) * 0.9375f * std::tanh(1.0f)));
    test::check_close(y, Tensor({1, 5, 1}, expected));
  }
}

// The same model built by Keras 3.16 (legacy_config/seq2seq/keras3_to_json.json): kplug's
// to_json() of the upgraded Keras 2 config has its layers and nodes, keras tensor shapes included
// (Keras 3 also writes `"mask": null` on the encoder call, which the Keras 2 node does not
// record). The output structure stays Keras 2's list of one, as Keras 3 keeps it when it loads
// a legacy config.
BOOST_AUTO_TEST_CASE(seq2seq_to_json_as_keras3) {
  const auto keras3 = test::read_json(fixture("seq2seq") / "keras3_to_json.json");
  auto model =
      model_from_config(upgraded(seq2seq(R"([[["dec_in", 0, 0, {}], ["enc", 0, 1, {}], ["enc", 0, 2, {}]]])")));
  const auto ours = json::parse(model->to_json());
  const auto& expected_layers = config_of(keras3).at("layers").as_array();
  const auto& layers = config_of(ours).at("layers").as_array();
  BOOST_REQUIRE_EQUAL(layers.size(), expected_layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    BOOST_TEST_CONTEXT("layer " << i) {
      auto expected = expected_layers[i].as_object();
      auto actual = layers[i].as_object();
      if (i == 2) expected["inbound_nodes"].as_array()[0].as_object()["kwargs"].as_object().erase("mask");
      if (i == 3) {
        // Keras 3 records the decoder's build shapes from its first call, initial_state
        // included ({"shapes_dict": {"sequences_shape", "initial_state_shape"}}); a config
        // without build_config is built by kplug from the sequences alone.
        BOOST_CHECK_EQUAL(json::write(actual.at("build_config")), R"({"input_shape": [null, 5, 2]})");
        expected.erase("build_config");
        actual.erase("build_config");
      }
      BOOST_CHECK_EQUAL(json::write(actual), json::write(expected));
    }
  }
  BOOST_CHECK_EQUAL(json::write(config_of(ours).at("input_layers")), json::write(config_of(keras3).at("input_layers")));
}

// tf.keras numbered a nested Sequential's first call node 1 (its own input node was 0).
BOOST_AUTO_TEST_CASE(nested_sequential_node_index) {
  const std::string block = R"({"class_name": "Sequential", "config": {"name": "block", "layers": [)"
                            R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": )"
                            R"("float32", "sparse": false, "ragged": false, "name": "block_in"}}, )" +
                            dense("inner", 2) + "]}}";
  const std::string text = R"({"class_name": "Functional", "config": {"name": "outer", "layers": [)" +
                           input_layer("x", "[null, 4]") + ", " + entry(block, "block", R"([[["x", 0, 0, {}]]])") +
                           ", " + entry(dense("head", 1), "head", R"([[["block", 1, 0, {}]]])") +
                           R"(], "input_layers": [["x", 0, 0]], "output_layers": [["head", 0, 0]]}})";
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(json::write(config_of(config).at("layers").at(2).at("inbound_nodes").at(0).at("args")),
                    R"([{"class_name": "__keras_tensor__", "config": {"keras_history": ["block", 0, 0]}}])");
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->output_shapes().at(0).to_string(), "(None, 1)");
}

BOOST_AUTO_TEST_CASE(recurrent_arguments) {
  const std::string time_major = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" +
                                 lstm("l", 2, false, false, R"("batch_input_shape": [null, 3, 2], )") + "]}}";
  auto ok = upgraded(time_major);
  model_from_config(ok);
  std::string refused = time_major;
  refused.replace(refused.find(R"("time_major": false)"), 19, R"("time_major": true)");
  const auto message = error_of<NotSupportedError>([&] { upgraded(refused); });
  BOOST_CHECK_MESSAGE(contains(message, "config.layers[0].config.time_major: time_major=True"), message);

  // CuDNNGRU: tf-keras's config (units, initializers, ... no activations) -> GRU(reset_after).
  UpgradeReport report;
  auto gru = upgraded(
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "CuDNNGRU", "config": )"
      R"({"name": "g", "trainable": true, "batch_input_shape": [null, 3, 2], "dtype": "float32", )"
      R"("return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false, )"
      R"("time_major": false, "units": 4, "kernel_initializer": {"class_name": "glorot_uniform", "config": )"
      R"({"seed": null}}, "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": )"
      R"(null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, )"
      R"("recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, )"
      R"("kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null}}]}})",
      &report);
  const auto& layer = config_of(gru).at("layers").at(1).as_object();
  BOOST_CHECK_EQUAL(layer.at("class_name").as_string(), "GRU");
  BOOST_CHECK_EQUAL(layer.at("config").at("reset_after").as_bool(), true);
  BOOST_CHECK_EQUAL(layer.at("config").at("recurrent_activation").as_string(), "sigmoid");
  BOOST_CHECK_EQUAL(layer.at("config").at("kernel_initializer").at("class_name").as_string(), "GlorotUniform");
  BOOST_REQUIRE_EQUAL(report.warnings.size(), 1u);
  BOOST_CHECK(contains(report.warnings[0], "config.layers[0]: CuDNNGRU became GRU(reset_after=True)"));
  auto model = model_from_config(gru);
  BOOST_CHECK_EQUAL(shape_to_string(model->get_layer("g")->get_weights().at(2).shape()), "(2, 12)");
}

BOOST_AUTO_TEST_CASE(convolution_groups) {
  auto depthwise = [](int groups) {
    return R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "DepthwiseConv2D", )"
           R"("config": {"name": "dw", "trainable": true, "batch_input_shape": [null, 5, 5, 2], "dtype": "float32", )"
           R"("kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", )"
           R"("dilation_rate": [1, 1], "groups": )" +
           std::to_string(groups) +
           R"(, "activation": "linear", "use_bias": true, "bias_initializer": {"class_name": "Zeros", "config": {}}, )"
           R"("bias_regularizer": null, "activity_regularizer": null, "bias_constraint": null, "depth_multiplier": 1, )"
           R"("depthwise_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", )"
           R"("distribution": "normal", "seed": null}}, "depthwise_regularizer": null, "depthwise_constraint": null}}]}})";
  };
  auto ok = upgraded(depthwise(1));
  BOOST_CHECK(!layer_config(ok, 1).contains("groups"));
  BOOST_CHECK_EQUAL(layer_config(ok, 1).at("depthwise_initializer").at("config").at("distribution").as_string(),
                    "truncated_normal");
  model_from_config(ok);
  const auto message = error_of<NotSupportedError>([&] { upgraded(depthwise(2)); });
  BOOST_CHECK_MESSAGE(contains(message, "config.layers[0].config.groups: groups other than 1"), message);
}

BOOST_AUTO_TEST_CASE(dtype_policy_and_axis) {
  auto config = upgraded(
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "BatchNormalization", )"
      R"("config": {"name": "bn", "trainable": true, "batch_input_shape": [null, 4], "dtype": {"class_name": )"
      R"("Policy", "config": {"name": "float32"}}, "axis": [1], "momentum": 0.99, "epsilon": 0.001, "center": true, )"
      R"("scale": true, "beta_initializer": {"class_name": "Zeros", "config": {}}, "gamma_initializer": )"
      R"({"class_name": "Ones", "config": {}}, "moving_mean_initializer": {"class_name": "Zeros", "config": {}}, )"
      R"("moving_variance_initializer": {"class_name": "Ones", "config": {}}, "beta_regularizer": null, )"
      R"("gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": {"class_name": "max_norm", )"
      R"("config": {"max_value": 2, "axis": 0}}}}]}})");
  const auto& bn = layer_config(config, 1);
  BOOST_CHECK_EQUAL(json::write(bn.at("dtype")),
                    R"({"class_name": "DTypePolicy", "config": {"name": "float32"}, "module": "keras", )"
                    R"("registered_name": null})");
  BOOST_CHECK_EQUAL(bn.at("axis").as_int64(), 1);
  BOOST_CHECK_EQUAL(bn.at("gamma_constraint").at("class_name").as_string(), "MaxNorm");
  model_from_config(config);
}

BOOST_AUTO_TEST_CASE(keras1_configs) {
  // Keras 1's Dense maps; its convolutions are refused naming the Keras version.
  auto config = upgraded(
      R"([{"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "batch_input_shape": [null, 3], )"
      R"("input_dtype": "float32", "output_dim": 2, "init": "glorot_uniform", "activation": "linear", )"
      R"("W_regularizer": {"name": "WeightRegularizer", "l1": 0.0, "l2": 0.01}, "b_regularizer": null, )"
      R"("activity_regularizer": null, "W_constraint": null, "b_constraint": null, "bias": true, "input_dim": 3}}])");
  const auto& dense_config = layer_config(config, 1);
  BOOST_CHECK_EQUAL(dense_config.at("units").as_int64(), 2);
  BOOST_CHECK_EQUAL(json::write(dense_config.at("kernel_regularizer")),
                    R"({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}})");
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->count_trainable_params(), 8);
  const auto message = error_of<NotSupportedError>([] {
    upgraded(R"([{"class_name": "Convolution2D", "config": {"name": "c", "nb_filter": 4, "nb_row": 3, "nb_col": 3}}])");
  });
  // The document is the bare list: its paths start at the list.
  BOOST_CHECK_MESSAGE(
      contains(message, "[0].class_name: 'Convolution2D' is a Keras 1.x layer") && !contains(message, "config.layers"),
      message);
  const auto arg = error_of<NotSupportedError>([] {
    upgraded(R"([{"class_name": "LSTM", "config": {"name": "l", "output_dim": 4, "inner_init": "orthogonal"}}])");
  });
  BOOST_CHECK_MESSAGE(contains(arg, "[0].config.") && contains(arg, "Keras 1.x argument of LSTM"), arg);
}

// tf.keras 2.13-2.15 `.keras` config.json: private module paths and a compile_config whose
// optimizer carries is_legacy_optimizer and jit_compile.
BOOST_AUTO_TEST_CASE(tf_keras_archive_config) {
  const std::string text =
      R"({"module": "keras.src.engine.sequential", "class_name": "Sequential", "config": {"name": "s", "layers": [)"
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": )"
      R"("float32", "sparse": false, "ragged": false, "name": "in"}, "registered_name": null}, )" +
      dense("d", 2) +
      R"(]}, "registered_name": null, "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": )"
      R"("Adam", "config": {"name": "Adam", "weight_decay": null, "clipnorm": null, "global_clipnorm": null, )"
      R"("clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null, )"
      R"("jit_compile": true, "is_legacy_optimizer": false, "learning_rate": 0.001, "beta_1": 0.9, )"
      R"("beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": )"
      R"({"module": "keras.losses", "class_name": "MeanSquaredError", "config": {"reduction": "auto", "name": )"
      R"("mean_squared_error", "fn": "mean_squared_error"}, "registered_name": null}, "metrics": null, )"
      R"("loss_weights": null, "weighted_metrics": null, "run_eagerly": null, "steps_per_execution": null, )"
      R"("jit_compile": null}})";
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(config.at("module").as_string(), "keras");
  BOOST_CHECK(config.at("registered_name").is_null());
  const auto& optimizer = config.at("compile_config").at("optimizer").at("config").as_object();
  BOOST_CHECK(!optimizer.contains("is_legacy_optimizer") && !optimizer.contains("jit_compile"));
  BOOST_CHECK_EQUAL(config.at("compile_config").at("loss").at("config").at("reduction").as_string(),
                    "sum_over_batch_size");
  auto model = model_from_config(config);
  BOOST_CHECK(model->compiled());
}

BOOST_AUTO_TEST_CASE(tf_keras_archive_functional) {
  const std::string text = R"({"module": "keras.src.engine.functional", "class_name": "Functional", "config": )"
                           R"({"name": "f", "trainable": true, "layers": [)" +
                           input_layer("x", "[null, 3]") + ", " + entry(dense("d", 2), "d", R"([[["x", 0, 0, {}]]])") +
                           R"(], "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}, )"
                           R"("registered_name": "Functional", "build_config": {"input_shape": null}})";
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(config.at("module").as_string(), "keras.src.models.functional");
  BOOST_CHECK_EQUAL(config.at("build_config").at("input_shape"), nullptr);
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->output_shapes().at(0).to_string(), "(None, 2)");
}

// Keras 2.2's training_config: SGD with lr and a time decay, sample_weight_mode.
BOOST_AUTO_TEST_CASE(keras2_training_config) {
  auto model = model_from_config(upgraded("[" + dense("d", 2, R"("batch_input_shape": [null, 3], )") + "]"));
  UpgradeReport report;
  const auto compile_config = compile_config_from_training_config(
      json::parse(
          R"({"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.01, "momentum": 0.9, )"
          R"("decay": 1e-06, "nesterov": true}}, "loss": "categorical_crossentropy", "metrics": )"
          R"(["accuracy", "mse"], "weighted_metrics": null, "sample_weight_mode": null, "loss_weights": null})"),
      report);
  const auto& optimizer = compile_config.at("optimizer").at("config").as_object();
  BOOST_CHECK(!optimizer.contains("lr") && !optimizer.contains("decay"));
  BOOST_CHECK_EQUAL(json::write(optimizer.at("learning_rate").at("config")),
                    R"({"initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 1e-06, "staircase": false, )"
                    R"("name": "InverseTimeDecay"})");
  BOOST_CHECK_EQUAL(report.warnings.size(), 1u);
  model->set_compile_config(compile_config);
  BOOST_CHECK(model->compiled());
  BOOST_CHECK_EQUAL(json::write(model->compile_config().at("metrics")), R"(["accuracy", "mse"])");

  // tf.keras after fit() saves the compiled metric objects, nested per output.
  UpgradeReport fitted;
  model->set_compile_config(compile_config_from_training_config(
      json::parse(R"({"optimizer_config": {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001, )"
                  R"("decay": 0.0, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}}, "loss": )"
                  R"("categorical_crossentropy", "metrics": [[{"class_name": "MeanMetricWrapper", "config": {"name": )"
                  R"("accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]], "weighted_metrics": null, )"
                  R"("loss_weights": null})"),
      fitted));
  BOOST_CHECK_EQUAL(json::write(model->compile_config().at("metrics")),
                    R"([[{"module": "keras.metrics", "class_name": "CategoricalAccuracy", "config": {"name": )"
                    R"("accuracy", "dtype": "float32"}, "registered_name": null}]])");

  // Keras 2.2's Nadam: the default schedule_decay is Keras 3's fixed one; another is refused.
  UpgradeReport nadam;
  const auto nadam_config = compile_config_from_training_config(
      json::parse(R"({"optimizer_config": {"class_name": "Nadam", "config": {"lr": 0.002, "beta_1": 0.9, )"
                  R"("beta_2": 0.999, "epsilon": 1e-07, "schedule_decay": 0.004}}, "loss": "mse", )"
                  R"("metrics": [], "loss_weights": null})"),
      nadam);
  model->set_compile_config(nadam_config);
  const auto message = error_of<NotSupportedError>([] {
    UpgradeReport r;
    compile_config_from_training_config(
        json::parse(R"({"optimizer_config": {"class_name": "Nadam", "config": {"schedule_decay": 0.01}}})"), r);
  });
  BOOST_CHECK_MESSAGE(contains(message, "training_config.optimizer_config.config.schedule_decay"), message);
}

// (4) Errors name their JSON path.
BOOST_AUTO_TEST_CASE(errors_name_the_path) {
  auto check = [](const std::string& text, const std::string& path) {
    const auto message = error_of<ConfigError>([&] { upgraded(text); });
    BOOST_CHECK_MESSAGE(contains(message, path + ": "), message);
  };
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": 3}})", "config.layers");
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [4]}})", "config.layers[0]");
  check(R"({"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Dense", "config": {}, )"
        R"("name": "d", "inbound_nodes": [[["x", 0]]]}], "input_layers": [], "output_layers": []}})",
        "config.layers[0].inbound_nodes[0][0]");
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": )"
        R"({"kernel_initializer": {"config": {}}}}]}})",
        "config.layers[0].config.kernel_initializer.class_name");
  check(R"({"config": {}})", "class_name");
  check(R"({"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Dense", "config": {}, )"
        R"("name": "d", "inbound_nodes": [[["x", 0, 0, 5]]]}], "input_layers": [], "output_layers": []}})",
        "config.layers[0].inbound_nodes[0][0][3]");
  check(R"({"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Dense", "config": {}, )"
        R"("name": "d", "inbound_nodes": [[[1, 2, 3]]]}], "input_layers": [], "output_layers": []}})",
        "config.layers[0].inbound_nodes[0][0][0]");
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Bidirectional", )"
        R"("config": {"name": "b", "layer": {"config": {}}}}]}})",
        "config.layers[0].config.layer.class_name");
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": 3}]}})",
        "config.layers[0].config");
  check(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": )"
        R"({"batch_input_shape": 3}}]}})",
        "config.layers[0].config.batch_input_shape");
  const auto unknown = error_of<ConfigError>([] {
    UpgradeReport r;
    compile_config_from_training_config(json::parse(R"({"loss": "mse", "optimiser_config": {}})"), r);
  });
  BOOST_CHECK_MESSAGE(contains(unknown, "training_config.optimiser_config: unknown training_config key"), unknown);
  const auto both = error_of<ConfigError>([] {
    UpgradeReport r;
    compile_config_from_training_config(
        json::parse(R"({"optimizer_config": {"class_name": "Adam", "config": {"lr": 0.1, "learning_rate": 0.1}}})"), r);
  });
  BOOST_CHECK_MESSAGE(contains(both, "training_config.optimizer_config.config.lr: both"), both);
}

// Wrapped layers (Bidirectional, TimeDistributed) are upgraded like any layer.
BOOST_AUTO_TEST_CASE(wrappers) {
  const std::string text =
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Bidirectional", )"
      R"("config": {"name": "bi", "trainable": true, "batch_input_shape": [null, 3, 4], "dtype": "float32", )"
      R"("layer": )" +
      lstm("inner", 2, true, false) +
      R"(, "merge_mode": "concat"}}, {"class_name": "TimeDistributed", "config": )"
      R"({"name": "td", "trainable": true, "dtype": "float32", "layer": )" +
      dense("per_step", 1) + "}}]}}";
  const auto config = upgraded(text);
  const auto& inner = layer_config(config, 1).at("layer").as_object();
  BOOST_CHECK_EQUAL(inner.at("module").as_string(), "keras.layers");
  BOOST_CHECK(!inner.at("config").as_object().contains("time_major"));
  BOOST_CHECK(!inner.at("config").as_object().contains("implementation"));
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->output_shapes().at(0).to_string(), "(None, 3, 1)");
}

// tf.keras: a nested Functional model keeps its node numbering (its own node is 0 in Keras 3
// too); a layer shared by two calls is referenced by node index.
BOOST_AUTO_TEST_CASE(nested_functional_and_shared_layer) {
  const std::string inner = R"({"class_name": "Functional", "config": {"name": "inner", "layers": [)" +
                            input_layer("inner_in", "[null, 4]") + ", " +
                            entry(dense("inner_dense", 4), "inner_dense", R"([[["inner_in", 0, 0, {}]]])") +
                            R"(], "input_layers": [["inner_in", 0, 0]], "output_layers": [["inner_dense", 0, 0]]}})";
  const std::string text = R"({"class_name": "Functional", "config": {"name": "outer", "layers": [)" +
                           input_layer("x", "[null, 4]") + ", " + entry(inner, "inner", R"([[["x", 0, 0, {}]]])") +
                           ", " +
                           entry(dense("shared", 4), "shared", R"([[["inner", 1, 0, {}]], [["shared", 0, 0, {}]]])") +
                           R"(], "input_layers": [["x", 0, 0]], "output_layers": [["shared", 1, 0]]}})";
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(json::write(config_of(config).at("layers").at(2).at("inbound_nodes").at(0).at("args")),
                    R"([{"class_name": "__keras_tensor__", "config": {"keras_history": ["inner", 1, 0]}}])");
  BOOST_CHECK_EQUAL(config_of(config).at("layers").at(1).at("module").as_string(), "keras.src.models.functional");
  auto model = model_from_config(config);
  // x -> inner (identity kernel, +1) -> shared (2x) -> shared (2x): 4 * (x + 1).
  Tensor identity({4, 4});
  for (int i = 0; i < 4; ++i) identity.at({i, i}) = 1.0f;
  auto inner_model = std::dynamic_pointer_cast<Model>(model->get_layer("inner"));
  BOOST_REQUIRE(inner_model);
  inner_model->get_layer("inner_dense")->set_weights({identity, Tensor({4}, 1.0f)});
  Tensor twice({4, 4});
  for (int i = 0; i < 4; ++i) twice.at({i, i}) = 2.0f;
  model->get_layer("shared")->set_weights({twice, Tensor({4})});
  test::check_close(model->predict({Tensor::matrix({{1, 2, 3, 4}})})[0], Tensor::matrix({{8, 12, 16, 20}}));
}

BOOST_AUTO_TEST_CASE(lambda_and_mixed_precision) {
  // Keras 2's marshalled Lambda becomes Keras 3's __lambda__ dict (which kplug's safe mode refuses).
  auto lambda = upgraded(
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Lambda", "config": )"
      R"({"name": "l", "trainable": true, "batch_input_shape": [null, 2], "dtype": "float32", "function": )"
      R"(["4wEAAAAAAAAA", null, null], "function_type": "lambda", "module": "__main__", "output_shape": null, )"
      R"("output_shape_type": "raw", "output_shape_module": null, "arguments": {}}}]}})");
  BOOST_CHECK_EQUAL(json::write(layer_config(lambda, 1)),
                    R"({"name": "l", "trainable": true, "dtype": "float32", "function": {"class_name": )"
                    R"("__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": null, "closure": null}}, )"
                    R"("output_shape": null, "arguments": {}})");
  BOOST_CHECK(contains(error_of<UnsafeObjectError>([&] { model_from_config(lambda); }), "config.layers[1]"));
  // tf.keras's mixed precision policy: a Keras 3 DTypePolicy, which kplug refuses naming it.
  auto mixed = upgraded("[" + dense("d", 2, R"("batch_input_shape": [null, 3], )") + "]");
  mixed.as_object()["config"].as_object()["layers"].as_array()[1].as_object()["config"].as_object()["dtype"] =
      json::parse(R"({"class_name": "Policy", "config": {"name": "mixed_float16"}})");
  const auto message = error_of<NotSupportedError>([&] { model_from_config(upgraded(mixed)); });
  BOOST_CHECK_MESSAGE(contains(message, "config.layers[1].config.dtype: dtype policy 'mixed_float16'"), message);
}

// A two-output model's training_config: per-output dicts of losses, metrics and loss weights.
BOOST_AUTO_TEST_CASE(multi_output_training_config) {
  const std::string text = R"({"class_name": "Functional", "config": {"name": "two", "layers": [)" +
                           input_layer("x", "[null, 3]") + ", " + entry(dense("a", 1), "a", R"([[["x", 0, 0, {}]]])") +
                           ", " + entry(dense("b", 2), "b", R"([[["x", 0, 0, {}]]])") +
                           R"(], "input_layers": [["x", 0, 0]], "output_layers": [["a", 0, 0], ["b", 0, 0]]}})";
  auto model = model_from_config(upgraded(text));
  UpgradeReport report;
  const auto compile_config = compile_config_from_training_config(
      json::parse(
          R"({"loss": {"a": "mse", "b": {"class_name": "CategoricalCrossentropy", "config": )"
          R"({"reduction": "auto", "name": "categorical_crossentropy", "from_logits": true, )"
          R"("label_smoothing": 0.0, "axis": -1}}}, "metrics": {"a": ["mae"], "b": ["accuracy"]}, )"
          R"("weighted_metrics": null, "loss_weights": {"a": 1.0, "b": 0.5}, "optimizer_config": )"
          R"({"class_name": "RMSprop", "config": {"name": "RMSprop", "learning_rate": 0.001, "decay": 0.0, )"
          R"("rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": false}, "is_legacy_optimizer": true}})"),
      report);
  BOOST_CHECK(report.warnings.empty());
  BOOST_CHECK_EQUAL(compile_config.at("loss").at("b").at("config").at("reduction").as_string(), "sum_over_batch_size");
  model->set_compile_config(compile_config);
  const auto written = model->compile_config();
  BOOST_CHECK_EQUAL(json::write(written.at("loss_weights")), R"({"a": 1.0, "b": 0.5})");
  BOOST_CHECK_EQUAL(json::write(written.at("metrics")), R"({"a": ["mae"], "b": ["accuracy"]})");
  BOOST_CHECK(!written.at("optimizer").at("config").as_object().contains("decay"));
}

// A legacy document the upgrade cannot give a module (an unknown class) is read once as Keras
// 3's and refused with a clear error; it once sent the loader round in a loop until the stack
// ran out (fuzz_legacy_h5 found it).
BOOST_AUTO_TEST_CASE(an_unknown_legacy_class_is_refused_not_upgraded_again) {
  const std::string text =
      R"({"class_name": "Sequetnail", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [null, 3]}}]}})";
  try {
    (void)model_from_json(text);
    BOOST_FAIL("an unknown model class was accepted");
  } catch (const Error& e) {
    const std::string message = e.what();
    BOOST_TEST_MESSAGE(message);
    BOOST_TEST(message.find("Sequetnail") != std::string::npos);
  }
}
