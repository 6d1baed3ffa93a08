// The Layer base and the core layers (issue 9): Keras's forward pass for options the
// fixtures do not cover, configs in Keras's key order, names, weights and their errors.
#define BOOST_TEST_MODULE layers_core
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <thread>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

LayerPtr layer_from(const std::string& text) {
  DeserializeOptions options;
  DeserializationContext context(options);
  return deserialize_layer(json::parse(text), context);
}

std::string dense_json(const std::string& extra) {
  return R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2)" + extra + "}}";
}

std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& item : o) keys.emplace_back(item.key());
  return keys;
}

}  // namespace

BOOST_AUTO_TEST_CASE(snake_case_and_unique_names_as_keras) {
  // Expected values from Keras's naming.to_snake_case.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PReLU", "p_re_lu"},
      {"Dense", "dense"},
      {"LayerNormalization", "layer_normalization"},
      {"Conv2DTranspose", "conv2d_transpose"},
      {"GRU", "gru"},
      {"ReLU", "re_lu"},
      {"MultiHeadAttention", "multi_head_attention"},
      {"ABCDef", "abc_def"},
      {"LSTMCell", "lstm_cell"},
      {"UpSampling2D", "up_sampling2d"},
      {"KernelMult", "kernel_mult"},
      {"aB", "a_b"},
      {"_Ab", "__ab"},
      {"GlobalAveragePooling1D", "global_average_pooling1d"}};
  for (const auto& [in, out] : cases) BOOST_CHECK_EQUAL(to_snake_case(in), out);

  reset_object_names();
  Dense::Options o;
  o.units = 1;
  Dense a(o, {}), b(o, {}), named(o, LayerArgs{.name = std::string("dense_7")});
  Dropout d({.rate = 0.5}, {});
  BOOST_CHECK_EQUAL(a.name(), "dense");
  BOOST_CHECK_EQUAL(b.name(), "dense_1");
  BOOST_CHECK_EQUAL(named.name(), "dense_7");
  BOOST_CHECK_EQUAL(d.name(), "dropout");
  ActivationLayer act({}, {});
  BOOST_CHECK_EQUAL(act.name(), "activation");  // from class_name(), Keras's class name
  BOOST_CHECK(contains(error_of<ValueError>([&] { Dense bad(o, LayerArgs{.name = std::string("a/b")}); }),
                       "cannot contain character `/`"));
}

BOOST_AUTO_TEST_CASE(dense_forward_pass_rank_2_and_3) {
  auto layer = layer_from(dense_json(R"(, "activation": "relu")"));
  layer->maybe_build({PartialShape{std::nullopt, 3}});
  const Tensor kernel = Tensor::matrix({{1, -1}, {2, 0}, {0, 3}});
  const Tensor bias = Tensor::vector({0.5f, -4});
  layer->set_weights({kernel, bias});
  const Tensor x = Tensor::matrix({{1, 1, 1}, {-1, 0, 2}});
  // relu(x @ k + b): [3.5, -2] -> [3.5, 0]; [-0.5, 3] -> [0, 3]
  BOOST_CHECK((*layer)(x) == Tensor::matrix({{3.5f, 0}, {0, 3}}));
  // Rank 3: the last axis only.
  const Tensor x3({2, 1, 3}, {1, 1, 1, -1, 0, 2});
  BOOST_CHECK((*layer)(x3) == Tensor({2, 1, 2}, {3.5f, 0, 0, 3}));
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 7, 3}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 7, 2}}));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         (*layer)(Tensor({2, 4}));
                       }),
                       "expects inputs with last dimension 3"));
}

BOOST_AUTO_TEST_CASE(dense_config_in_keras_order_with_every_option) {
  const std::string text = dense_json(
      R"(, "activation": "tanh", "use_bias": false, "kernel_initializer": "ones", "bias_initializer": {"module": "keras.initializers", "class_name": "Constant", "config": {"value": 0.5}, "registered_name": null}, "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": null}, "bias_regularizer": null, "activity_regularizer": {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.25}, "registered_name": null}, "kernel_constraint": {"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": null}, "bias_constraint": null)");
  auto layer = layer_from(text);
  auto config = layer->get_config();
  BOOST_CHECK(
      (keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "activity_regularizer", "units",
                                                   "activation", "use_bias", "kernel_initializer", "bias_initializer",
                                                   "kernel_regularizer", "bias_regularizer", "kernel_constraint",
                                                   "bias_constraint", "quantization_config"}));
  BOOST_CHECK_EQUAL(
      json::write(config["dtype"]),
      R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})");
  BOOST_CHECK_EQUAL(config["activation"].as_string(), "tanh");
  BOOST_CHECK_EQUAL(config["kernel_initializer"].at("class_name").as_string(), "Ones");
  BOOST_CHECK_EQUAL(config["kernel_constraint"].at("class_name").as_string(), "NonNeg");
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  BOOST_CHECK_EQUAL(layer->weights().size(), 1u);  // no bias
  // Regularization: L2(0.5) on a ones (2, 2) kernel = 0.5 * 4; activity L1(0.25) after a call.
  auto losses = layer->losses();
  BOOST_REQUIRE_EQUAL(losses.size(), 1u);
  BOOST_CHECK_CLOSE(losses[0], 2.0f, 1e-4);
  const Tensor y = (*layer)(Tensor::matrix({{1, -2}}));  // tanh(-1) twice
  losses = layer->losses();
  BOOST_REQUIRE_EQUAL(losses.size(), 2u);
  BOOST_CHECK_CLOSE(losses[1], 0.25f * 2 * std::tanh(1.0f), 1e-3);
  BOOST_CHECK_CLOSE(y[0], std::tanh(-1.0f), 1e-4);
  // A registered custom function would be written as its dict; built-ins as their name.
  auto back = layer_from(json::write(serialize_layer(*layer)));
  BOOST_CHECK(back->get_config() == layer->get_config());
}

BOOST_AUTO_TEST_CASE(dense_config_errors) {
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from(dense_json(R"(, "unitss": 3)")); }), "unitss"));
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from(R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d"}})");
                       }),
                       "units"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from(dense_json(R"(, "units": 0)")); }), "units"));
  BOOST_CHECK(
      contains(error_of<NotSupportedError>([] { layer_from(dense_json(R"(, "lora_rank": 4)")); }), "lora_rank"));
  BOOST_CHECK(contains(
      error_of<NotSupportedError>([] {
        layer_from(dense_json(
            R"(, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}, "registered_name": null})"));
      }),
      "dtype policy 'mixed_float16' is not supported"));
  BOOST_CHECK(
      contains(error_of<UnknownObjectError>([] { layer_from(dense_json(R"(, "activation": "relux")")); }), "relu"));
}

BOOST_AUTO_TEST_CASE(call_arguments_a_layer_does_not_read_are_refused) {
  auto layer = layer_from(dense_json(""));
  CallArgs args({Tensor({1, 2}, 1.0f)});
  args.kwargs["use_causal_mask"] = true;
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(args); }),
                       "Layer 'd' got an unexpected call argument 'use_causal_mask'"));
}

BOOST_AUTO_TEST_CASE(set_weights_messages_and_shapes) {
  auto layer = layer_from(dense_json(""));
  layer->maybe_build({PartialShape{std::nullopt, 3}});
  BOOST_CHECK_EQUAL(error_of<ValueError>([&] {
                      layer->set_weights({Tensor({3, 2})});
                    }),
                    "You called `set_weights(weights)` on layer 'd' with a weight list of length 1, but the layer was "
                    "expecting 2 weights.");
  BOOST_CHECK_EQUAL(error_of<ValueError>([&] {
                      layer->set_weights({Tensor({3, 2}), Tensor({3})});
                    }),
                    "Layer d weight shape (2,) is not compatible with provided weight shape (3,).");
  BOOST_CHECK_EQUAL(layer->count_params(), 8);
  BOOST_CHECK_EQUAL(layer->weights()[0]->path(), "d/kernel");
  // Initial values: GlorotUniform within its limit sqrt(6 / (3 + 2)), zero bias.
  auto w = layer->get_weights();
  BOOST_CHECK_LE(w[0].abs().max(), std::sqrt(6.0f / 5.0f));
  BOOST_CHECK(w[1] == Tensor({2}, 0.0f));
  auto frozen = layer_from(dense_json(R"(, "trainable": false)"));
  frozen->maybe_build({PartialShape{std::nullopt, 3}});
  BOOST_CHECK(frozen->trainable_weights().empty());
  BOOST_CHECK_EQUAL(frozen->non_trainable_weights().size(), 2u);
}

BOOST_AUTO_TEST_CASE(dropout_is_identity_at_inference) {
  auto layer = layer_from(
      R"({"module": "keras.layers", "class_name": "Dropout", "config": {"name": "drop", "rate": 0.3, "seed": 7, "noise_shape": [null, 1]}})");
  const Tensor x = Tensor::matrix({{1, 2}, {3, 4}});
  BOOST_CHECK((*layer)(x) == x);
  auto config = layer->get_config();
  BOOST_CHECK(
      (keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "rate", "seed", "noise_shape"}));
  BOOST_CHECK_EQUAL(json::write(config["noise_shape"]), "[null, 1]");
  BOOST_CHECK(!layer->build_config());  // built at construction, as Keras's Dropout
  CallArgs training({x});
  training.training = true;
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { (*layer)(training); }), "training mode"));
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from(R"({"module": "keras.layers", "class_name": "Dropout", "config": {"rate": 1.5}})");
                       }),
                       "Expected a float value between 0 and 1. Received: rate=1.5"));
}

BOOST_AUTO_TEST_CASE(flatten_both_data_formats) {
  const Tensor x({1, 2, 3}, {0, 1, 2, 3, 4, 5});
  auto last = layer_from(R"({"module": "keras.layers", "class_name": "Flatten", "config": {"name": "f"}})");
  BOOST_CHECK((*last)(x) == Tensor({1, 6}, {0, 1, 2, 3, 4, 5}));
  BOOST_CHECK_EQUAL(last->get_config()["data_format"].as_string(), "channels_last");
  auto first = layer_from(
      R"({"module": "keras.layers", "class_name": "Flatten", "config": {"name": "f", "data_format": "channels_first"}})");
  // Channels (axis 1) move last first: (1, 3, 2) -> [0, 3, 1, 4, 2, 5].
  BOOST_CHECK((*first)(x) == Tensor({1, 6}, {0, 3, 1, 4, 2, 5}));
  BOOST_CHECK((last->compute_output_shape({PartialShape{std::nullopt, 2, std::nullopt}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, std::nullopt}}));
}

BOOST_AUTO_TEST_CASE(activation_layer_every_form) {
  auto relu = layer_from(
      R"({"module": "keras.layers", "class_name": "Activation", "config": {"name": "a", "activation": "relu"}})");
  BOOST_CHECK((*relu)(Tensor::vector({-1, 2})) == Tensor::vector({0, 2}));
  BOOST_CHECK_EQUAL(json::write(relu->get_config()["activation"]), "\"relu\"");
  BOOST_CHECK_EQUAL(relu->class_name(), "Activation");
  auto glu = layer_from(
      R"({"module": "keras.layers", "class_name": "Activation", "config": {"name": "g", "activation": "glu"}})");
  BOOST_CHECK((glu->compute_output_shape({PartialShape{std::nullopt, 6}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 3}}));
  // "swish" is Keras's alias of silu, written back as "silu".
  auto swish = layer_from(
      R"({"module": "keras.layers", "class_name": "Activation", "config": {"name": "s", "activation": "swish"}})");
  BOOST_CHECK_EQUAL(json::write(swish->get_config()["activation"]), "\"silu\"");
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from(
                             R"({"module": "keras.layers", "class_name": "Activation", "config": {"name": "a"}})");
                       }),
                       "activation"));
}

BOOST_AUTO_TEST_CASE(add_broadcasts_and_merges_masks) {
  auto add = layer_from(R"({"module": "keras.layers", "class_name": "Add", "config": {"name": "add"}})");
  CallArgs args({Tensor({2, 2}, {1, 2, 3, 4}), Tensor({2, 1}, {10, 20}), Tensor({2, 2}, 1.0f)});
  BOOST_CHECK((*add)(args)[0] == Tensor({2, 2}, {12, 13, 24, 25}));
  // Lower-rank inputs are expanded after the batch axis, as Keras's Merge does.
  CallArgs ranks({Tensor({2, 3, 2}, 1.0f), Tensor({2, 2}, {1, 2, 3, 4})});
  auto out = (*add)(ranks);
  BOOST_CHECK(out[0].shape() == (Shape{2, 3, 2}));
  BOOST_CHECK_EQUAL(out[0].at({1, 2, 1}), 5.0f);
  BOOST_CHECK((add->compute_output_shape({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 1, 4}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 3, 4}}));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         add->compute_output_shape({PartialShape{std::nullopt, 3}, PartialShape{std::nullopt, 4}});
                       }),
                       "Inputs have incompatible shapes"));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         add->compute_output_shape({PartialShape{2, 3}, PartialShape{5, 3}});
                       }),
                       "Cannot merge tensors with different batch sizes"));
  CallArgs masked({Tensor({1, 3}), Tensor({1, 3})});
  masked.masks = {Tensor({1, 3}, {1, 1, 0}), Tensor({1, 3}, {0, 1, 1})};
  auto outputs = (*add)(masked);
  auto masks = add->compute_mask(masked, outputs);
  BOOST_REQUIRE(masks[0]);
  BOOST_CHECK(*masks[0] == Tensor({1, 3}, {1, 1, 1}));  // Keras ORs the masks
  BOOST_CHECK_EQUAL(json::write(*add->build_config()),
                    R"({"input_shape": [[2, 2], [2, 1], [2, 2]]})");  // the first call's shapes
}

BOOST_AUTO_TEST_CASE(layer_normalization_formulas) {
  // Values from Keras's formulas: mean/variance over the axes (E[x^2] - E[x]^2), rsqrt(var + eps).
  const Tensor x({2, 3}, {1, 2, 3, -1, 0, 5});
  auto ln = layer_from(
      R"({"module": "keras.layers", "class_name": "LayerNormalization", "config": {"name": "ln", "epsilon": 0.01}})");
  ln->maybe_build({PartialShape{std::nullopt, 3}});
  ln->set_weights({Tensor::vector({1, 2, 3}), Tensor::vector({0, 0, 1})});
  const Tensor y = (*ln)(x);
  const float var0 = (1 + 4 + 9) / 3.0f - 4.0f;  // mean 2
  const float inv0 = 1.0f / std::sqrt(var0 + 0.01f);
  test::check_close(Tensor({3}, {y[0], y[1], y[2]}), Tensor::vector({-1 * inv0, 0, 3 * inv0 + 1}));
  const float mean1 = 4.0f / 3, var1 = (1 + 0 + 25) / 3.0f - mean1 * mean1;
  const float inv1 = 1.0f / std::sqrt(var1 + 0.01f);
  BOOST_CHECK_CLOSE(y[5], 3 * (5 - mean1) * inv1 + 1, 1e-3);
  BOOST_CHECK_EQUAL(json::write(ln->get_config()["axis"]), "[1]");  // canonical list after build

  // rms_scaling: gamma only, scaled by the variance (Keras's deprecated behaviour).
  auto rms = layer_from(
      R"({"module": "keras.layers", "class_name": "LayerNormalization", "config": {"name": "r", "rms_scaling": true, "epsilon": 0.0}})");
  rms->maybe_build({PartialShape{std::nullopt, 3}});
  BOOST_CHECK_EQUAL(rms->weights().size(), 1u);
  BOOST_CHECK_CLOSE((*rms)(x)[0], 1.0f / std::sqrt(var0), 1e-3);

  // Several axes, no center/scale: plain standardisation over axes 1 and 2.
  auto multi = layer_from(
      R"({"module": "keras.layers", "class_name": "LayerNormalization", "config": {"name": "m", "axis": [2, 1], "center": false, "scale": false, "epsilon": 0.0}})");
  multi->maybe_build({PartialShape{std::nullopt, 2, 2}});
  BOOST_CHECK(multi->weights().empty());
  const Tensor z = (*multi)(Tensor({1, 2, 2}, {1, 2, 3, 4}));
  const float s = 1.0f / std::sqrt(1.25f);
  test::check_close(z, Tensor({1, 2, 2}, {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s}));
  BOOST_CHECK_EQUAL(json::write(multi->get_config()["axis"]), "[1, 2]");
  BOOST_CHECK(contains(
      error_of<ValueError>([] {
        auto dup = layer_from(
            R"({"module": "keras.layers", "class_name": "LayerNormalization", "config": {"name": "d", "axis": [1, -1]}})");
        dup->maybe_build({PartialShape{std::nullopt, 2}});
      }),
      "Duplicate axes"));
}

BOOST_AUTO_TEST_CASE(input_layer_config) {
  auto input = layer_from(
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 8], "dtype": "float32", "sparse": false, "ragged": false, "name": "x", "optional": false}})");
  BOOST_CHECK_EQUAL(
      json::write(input->get_config()),
      R"({"batch_shape": [null, 8], "dtype": "float32", "sparse": false, "ragged": false, "name": "x", "optional": false})");
  BOOST_CHECK(contains(
      error_of<NotSupportedError>([] {
        layer_from(
            R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 8], "sparse": true}})");
      }),
      "sparse inputs are not supported"));
  BOOST_CHECK(contains(
      error_of<ConfigError>([] {
        layer_from(R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, -8]}})");
      }),
      "batch_shape[1]"));
  auto legacy = layer_from(
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "old"}})");
  BOOST_CHECK_EQUAL(json::write(legacy->get_config()["batch_shape"]), "[null, 4]");
}

BOOST_AUTO_TEST_CASE(a_layer_entry_must_be_a_layer) {
  const std::string m = error_of<ConfigError>([] {
    layer_from(
        R"({"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.1}, "registered_name": null})");
  });
  BOOST_CHECK(contains(m, "Unexpected object from deserialization, expected a layer or operation, got a regularizer"));
}

// Keras's StatelessScope: a mapped variable reads the mapped value on this thread only,
// for the scope's lifetime; scopes nest.
BOOST_AUTO_TEST_CASE(stateless_scope_maps_variable_values) {
  auto v = std::make_shared<Variable>(VariableSpec{"kernel", {2}, nullptr, nullptr, nullptr, true}, "dense/kernel");
  v->assign(Tensor::vector({1, 2}));
  {
    StatelessScope outer({{v, Tensor::vector({5, 6})}});
    BOOST_CHECK(v->value() == Tensor::vector({5, 6}));
    {
      StatelessScope inner({{v, Tensor::vector({7, 8})}});
      BOOST_CHECK(v->value() == Tensor::vector({7, 8}));
    }
    BOOST_CHECK(v->value() == Tensor::vector({5, 6}));
    Tensor other_thread;
    std::thread([&] { other_thread = v->value(); }).join();
    BOOST_CHECK(other_thread == Tensor::vector({1, 2}));
  }
  BOOST_CHECK(v->value() == Tensor::vector({1, 2}));
  BOOST_CHECK_THROW(StatelessScope({{v, Tensor::vector({1, 2, 3})}}), ValueError);
}
