// Keras 1/2 weight layouts converted for kplug's layers (issue 18): tf-keras's
// preprocess_weights_for_loading. The converted arrays are checked element by element against
// indices worked out here from tf-keras's formulas; the cuDNN layers' outputs against
// tools/legacy_weights_reference.py (cuDNN's equations in numpy on the stored arrays, checked
// there against real Keras 3).
#define BOOST_TEST_MODULE legacy_weights
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/models/model.hpp"
#include "kplug/saving/legacy_weights.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace kplug;
using kplug::saving::legacy::preprocess_weights_for_loading;
using kplug::saving::legacy::WeightsOrigin;
using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;

namespace {

constexpr std::int64_t kBatch = 2, kSteps = 4, kInput = 3, kUnits = 2;

// tools/legacy_weights_reference.py: cuDNN's equations on the stored arrays below.
const std::vector<float> kCudnnLstmOutput{0.0140253529f, -0.0703423695f, -0.0197200552f,  -0.0983676448f,
                                          0.0328128238f, -0.091287471f,  -0.0685872717f,  -0.071510617f,
                                          0.0256254433f, -0.0718762422f, -0.00257699055f, -0.101273765f,
                                          0.0495671717f, -0.0943661029f, 0.0351409623f,   -0.0821185755f};
const std::vector<float> kCudnnGruOutput{
    0.0457441424f, 0.110990906f, 0.143428211f, 0.12381758f,  0.0937615554f, 0.2269478f,   0.240642347f, 0.379137873f,
    0.0308509228f, 0.120553159f, 0.121122728f, 0.138566001f, 0.0704681277f, 0.241744111f, 0.109987799f, 0.229842381f};

// The script's values: ((7 i + phase) mod 17 - 8) / 16 over the flat index (exact in float).
Tensor values(Shape shape, std::int64_t phase) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>((7 * i + phase) % 17 - 8) / 16.0f;
  return t;
}

using test::layer_from;

LayerPtr built(const std::string& class_name, const std::string& config, PartialShape input) {
  auto layer = layer_from(class_name, config);
  layer->maybe_build({input});
  return layer;
}

std::string layer_json(const std::string& class_name, const std::string& config) {
  return R"({"module": "keras.layers", "class_name": ")" + class_name + R"(", "config": )" + config + "}";
}

WeightsOrigin keras2() { return {"2.4.0", std::string("tensorflow")}; }

std::vector<Tensor> convert(const Layer& layer, std::vector<Tensor> stored, const WeightsOrigin& origin = keras2()) {
  return preprocess_weights_for_loading(layer, std::move(stored), origin, "model.h5: model_weights/" + layer.name());
}

// The stored arrays of Keras 2's cuDNN layers, as the reference script makes them.
std::vector<Tensor> cudnn_lstm_stored() {
  return {values({kInput, 4 * kUnits}, 1), values({kUnits, 4 * kUnits}, 2), values({8 * kUnits}, 3)};
}
std::vector<Tensor> cudnn_gru_stored() {
  return {values({kInput, 3 * kUnits}, 11), values({kUnits, 3 * kUnits}, 12), values({6 * kUnits}, 13)};
}

// tf-keras's per-gate transform, element by element: the converted input kernel's (i, g, u)
// is the stored gate block's row-major element u * input_dim + i; the recurrent kernel's
// (a, g, b) the stored (b, g, a).
void check_cudnn_kernels(const std::vector<Tensor>& out, const std::vector<Tensor>& stored, std::int64_t gates) {
  BOOST_REQUIRE(out[0].shape() == (Shape{kInput, gates * kUnits}));
  BOOST_REQUIRE(out[1].shape() == (Shape{kUnits, gates * kUnits}));
  for (std::int64_t g = 0; g < gates; ++g) {
    for (std::int64_t i = 0; i < kInput; ++i) {
      for (std::int64_t u = 0; u < kUnits; ++u) {
        const std::int64_t flat = u * kInput + i, row = flat / kUnits, col = flat % kUnits;
        BOOST_CHECK_EQUAL(out[0].at({i, g * kUnits + u}), stored[0].at({row, g * kUnits + col}));
      }
    }
    for (std::int64_t a = 0; a < kUnits; ++a) {
      for (std::int64_t b = 0; b < kUnits; ++b) {
        BOOST_CHECK_EQUAL(out[1].at({a, g * kUnits + b}), stored[1].at({b, g * kUnits + a}));
      }
    }
  }
}

Tensor run_sequence(Layer& layer) { return layer(values({kBatch, kSteps, kInput}, 5)); }

}  // namespace

// ---- cuDNN layers ----

BOOST_AUTO_TEST_CASE(cudnn_lstm_becomes_lstm) {
  auto lstm = built("LSTM", R"({"units": 2, "return_sequences": true})", PartialShape{std::nullopt, kSteps, kInput});
  const auto stored = cudnn_lstm_stored();
  const auto out = convert(*lstm, stored);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  check_cudnn_kernels(out, stored, 4);
  // The input and recurrent biases of each gate, added.
  BOOST_REQUIRE(out[2].shape() == (Shape{4 * kUnits}));
  for (std::int64_t j = 0; j < 4 * kUnits; ++j) BOOST_CHECK_EQUAL(out[2][j], stored[2][j] + stored[2][4 * kUnits + j]);
  lstm->set_weights(out);
  check_close(run_sequence(*lstm), Tensor({kBatch, kSteps, kUnits}, kCudnnLstmOutput));
}

BOOST_AUTO_TEST_CASE(cudnn_gru_becomes_gru_reset_after) {
  auto gru = built("GRU", R"({"units": 2, "return_sequences": true, "reset_after": true})",
                   PartialShape{std::nullopt, kSteps, kInput});
  const auto stored = cudnn_gru_stored();
  const auto out = convert(*gru, stored);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  // Keras's z, r, h order is kept: only each gate's layout changes.
  check_cudnn_kernels(out, stored, 3);
  BOOST_REQUIRE(out[2].shape() == (Shape{2, 3 * kUnits}));  // row 0 input biases, row 1 recurrent
  for (std::int64_t j = 0; j < 6 * kUnits; ++j) BOOST_CHECK_EQUAL(out[2][j], stored[2][j]);
  gru->set_weights(out);
  check_close(run_sequence(*gru), Tensor({kBatch, kSteps, kUnits}, kCudnnGruOutput));
}

BOOST_AUTO_TEST_CASE(portable_layouts_are_left_as_stored) {
  auto lstm = built("LSTM", R"({"units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  const std::vector<Tensor> lstm_stored{values({kInput, 8}, 1), values({kUnits, 8}, 2), values({8}, 3)};
  auto out = convert(*lstm, lstm_stored);
  for (std::size_t i = 0; i < 3; ++i) BOOST_CHECK(out[i] == lstm_stored[i]);

  for (bool reset_after : {true, false}) {
    auto gru = built("GRU", std::string(R"({"units": 2, "reset_after": )") + (reset_after ? "true" : "false") + "}",
                     PartialShape{std::nullopt, kSteps, kInput});
    const std::vector<Tensor> stored{values({kInput, 6}, 1), values({kUnits, 6}, 2),
                                     reset_after ? values({2, 6}, 3) : values({6}, 3)};
    out = convert(*gru, stored);
    for (std::size_t i = 0; i < 3; ++i) BOOST_CHECK(out[i] == stored[i]);
  }
  // No bias (use_bias=False): nothing tells the layouts apart, nothing is converted.
  auto no_bias = built("LSTM", R"({"units": 2, "use_bias": false})", PartialShape{std::nullopt, kSteps, kInput});
  out = convert(*no_bias, {values({kInput, 8}, 1), values({kUnits, 8}, 2)});
  BOOST_CHECK(out[0] == values({kInput, 8}, 1));
}

BOOST_AUTO_TEST_CASE(gru_of_the_other_reset_after_is_refused) {
  auto before = built("GRU", R"({"name": "gru_b", "units": 2, "reset_after": false})",
                      PartialShape{std::nullopt, kSteps, kInput});
  auto after =
      built("GRU", R"({"name": "gru_a", "units": 2, "reset_after": true})", PartialShape{std::nullopt, kSteps, kInput});
  auto message = error_of<ValueError>([&] { convert(*before, cudnn_gru_stored()); });
  BOOST_TEST_MESSAGE(message);
  BOOST_CHECK(contains(message, "model.h5: model_weights/gru_b (GRU 'gru_b')"));
  BOOST_CHECK(contains(message, "CuDNNGRU"));
  BOOST_CHECK(contains(message, "reset_after=True?"));
  message = error_of<ValueError>([&] { convert(*after, {values({kInput, 6}, 1), values({2, 6}, 2), values({6}, 3)}); });
  BOOST_CHECK(contains(message, "GRU(reset_after=False)'s"));
  BOOST_CHECK(contains(message, "reset_after=False?"));
  message = error_of<ValueError>([&] {
    convert(*before, {values({kInput, 6}, 1), values({kUnits, 6}, 2), values({2, 6}, 3)});
  });
  BOOST_CHECK(contains(message, "GRU(reset_after=True)'s"));
}

BOOST_AUTO_TEST_CASE(cudnn_bias_with_kernels_of_another_layout_is_an_error) {
  auto lstm = built("LSTM", R"({"name": "l", "units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  const auto message = error_of<ValueError>([&] {
    convert(*lstm, {values({kInput, 6}, 1), values({kUnits, 8}, 2), values({16}, 3)});
  });
  BOOST_TEST_MESSAGE(message);
  BOOST_CHECK(contains(message, "(LSTM 'l')"));
  BOOST_CHECK(contains(message, "CuDNNLSTM"));
  BOOST_CHECK(contains(message, "(3, 6)"));
}

// ---- wrappers and nested models ----

BOOST_AUTO_TEST_CASE(bidirectional_converts_each_half_as_its_layer) {
  auto bidirectional = built("Bidirectional", R"({"layer": )" + layer_json("LSTM", R"({"units": 2})") + "}",
                             PartialShape{std::nullopt, kSteps, kInput});
  auto lstm = built("LSTM", R"({"units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  auto forward = cudnn_lstm_stored();
  std::vector<Tensor> backward{values({kInput, 8}, 7), values({kUnits, 8}, 8), values({16}, 9)};
  std::vector<Tensor> stored = forward;
  stored.insert(stored.end(), backward.begin(), backward.end());
  const auto out = convert(*bidirectional, stored);
  auto want = convert(*lstm, forward);
  const auto want_backward = convert(*lstm, backward);
  want.insert(want.end(), want_backward.begin(), want_backward.end());
  BOOST_REQUIRE_EQUAL(out.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) BOOST_CHECK(out[i] == want[i]);
  BOOST_CHECK(!(out[0] == out[3]));  // the halves are not mixed up
  bidirectional->set_weights(out);   // the shapes the layer holds
}

BOOST_AUTO_TEST_CASE(time_distributed_converts_as_its_layer) {
  auto wrapped = built("TimeDistributed", R"({"layer": )" + layer_json("LSTM", R"({"units": 2})") + "}",
                       PartialShape{std::nullopt, 5, kSteps, kInput});
  auto lstm = built("LSTM", R"({"units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  const auto out = convert(*wrapped, cudnn_lstm_stored());
  const auto want = convert(*lstm, cudnn_lstm_stored());
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) BOOST_CHECK(out[i] == want[i]);
}

BOOST_AUTO_TEST_CASE(nested_model_converts_each_sublayers_share) {
  // Stored as Keras's _legacy_weights: every trainable array, then every non-trainable one.
  const std::string text = R"({"module": "keras", "class_name": "Sequential", "config": {"name": "inner", "layers": [
    {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4, 3], "name": "in"}},
    )" + layer_json("BatchNormalization", R"({"name": "bn"})") +
                           ",\n" + layer_json("LSTM", R"({"name": "lstm", "units": 2})") + ",\n" +
                           layer_json("Dense", R"({"name": "dense", "units": 1})") + "]}}";
  ModelPtr model = model_from_json(text);
  auto lstm = built("LSTM", R"({"units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  const auto cudnn = cudnn_lstm_stored();
  const std::vector<Tensor> stored{values({3}, 20),    values({3}, 21), cudnn[0],        cudnn[1],       cudnn[2],
                                   values({2, 1}, 22), values({1}, 23), values({3}, 24), values({3}, 25)};
  const auto out = convert(*model, stored);
  const auto lstm_out = convert(*lstm, cudnn);
  const std::vector<Tensor> want{stored[0], stored[1], lstm_out[0], lstm_out[1], lstm_out[2],
                                 stored[5], stored[6], stored[7],   stored[8]};
  BOOST_REQUIRE_EQUAL(out.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) BOOST_CHECK_MESSAGE(out[i] == want[i], "weight " << i);
  // The order the loader assigns in: trainable_weights() then non_trainable_weights().
  auto variables = model->trainable_weights();
  for (const auto& v : model->non_trainable_weights()) variables.push_back(v);
  BOOST_REQUIRE_EQUAL(variables.size(), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) BOOST_CHECK(variables[i]->shape() == out[i].shape());
  // An untrainable model lists every weight as non-trainable, in weights()' order.
  model->set_trainable(false);
  const std::vector<Tensor> frozen_stored{stored[0], stored[1], stored[7], stored[8], cudnn[0],
                                          cudnn[1],  cudnn[2],  stored[5], stored[6]};
  const auto frozen = convert(*model, frozen_stored);
  const std::vector<Tensor> frozen_want{stored[0],   stored[1],   stored[7], stored[8], lstm_out[0],
                                        lstm_out[1], lstm_out[2], stored[5], stored[6]};
  BOOST_REQUIRE_EQUAL(frozen.size(), frozen_want.size());
  for (std::size_t i = 0; i < frozen.size(); ++i) BOOST_CHECK_MESSAGE(frozen[i] == frozen_want[i], "frozen " << i);
  BOOST_CHECK(model->trainable_weights().empty());
  // Another count than the model's: left as stored for the loader's message.
  const std::vector<Tensor> short_list(stored.begin(), stored.begin() + 4);
  const auto unchanged = convert(*model, short_list);
  for (std::size_t i = 0; i < short_list.size(); ++i) BOOST_CHECK(unchanged[i] == short_list[i]);
}

// ---- Keras 1 ----

BOOST_AUTO_TEST_CASE(keras1_lstm_and_gru_gates_are_joined) {
  const WeightsOrigin keras1{"1", std::nullopt};
  auto lstm = built("LSTM", R"({"units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  // W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o: array k filled with k.
  std::vector<Tensor> stored;
  for (int gate = 0; gate < 4; ++gate) {
    stored.emplace_back(Shape{kInput, kUnits}, static_cast<float>(3 * gate));
    stored.emplace_back(Shape{kUnits, kUnits}, static_cast<float>(3 * gate + 1));
    stored.emplace_back(Shape{kUnits}, static_cast<float>(3 * gate + 2));
  }
  auto out = convert(*lstm, stored, keras1);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  const std::vector<float> gate_of_block{0, 2, 1, 3};  // i, f, c, o from stored i, c, f, o
  for (std::int64_t block = 0; block < 4; ++block) {
    const float g = gate_of_block[block];
    BOOST_CHECK_EQUAL(out[0].at({kInput - 1, block * kUnits}), 3 * g);
    BOOST_CHECK_EQUAL(out[1].at({1, block * kUnits + 1}), 3 * g + 1);
    BOOST_CHECK_EQUAL(out[2][block * kUnits], 3 * g + 2);
  }
  lstm->set_weights(out);
  // Gates that do not join name the layer.
  auto broken = stored;
  broken[3] = Tensor(Shape{kInput + 1, kUnits});
  const auto message = error_of<ValueError>([&] { convert(*lstm, broken, keras1); });
  BOOST_TEST_MESSAGE(message);
  BOOST_CHECK(contains(message, "(LSTM '" + lstm->name() + "'): the per-gate LSTM arrays (keras_version 1"));

  auto gru = built("GRU", R"({"units": 2, "reset_after": false})", PartialShape{std::nullopt, kSteps, kInput});
  std::vector<Tensor> gru_stored(stored.begin(), stored.begin() + 9);  // z, r, h
  out = convert(*gru, gru_stored, keras1);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  for (std::int64_t block = 0; block < 3; ++block) BOOST_CHECK_EQUAL(out[2][block * kUnits], 3.0f * block + 2);
  gru->set_weights(out);
  // Keras 1's GRU resets before the recurrent product: a reset_after=True GRU cannot take it.
  auto gru_after = built("GRU", R"({"name": "g", "units": 2})", PartialShape{std::nullopt, kSteps, kInput});
  BOOST_CHECK(contains(error_of<ValueError>([&] { convert(*gru_after, gru_stored, keras1); }), "reset_after"));
}

BOOST_AUTO_TEST_CASE(keras1_convolution_kernels) {
  const WeightsOrigin keras1{"1", std::string("tensorflow")};
  // Conv2D channels_first: (filters, stack, rows, cols) -> (rows, cols, stack, filters).
  auto conv2d = built("Conv2D", R"({"filters": 5, "kernel_size": [2, 3], "data_format": "channels_first"})",
                      PartialShape{std::nullopt, 4, 6, 7});
  const Tensor th = values({5, 4, 2, 3}, 1);
  auto out = convert(*conv2d, {th, values({5}, 2)}, keras1);
  BOOST_REQUIRE(out[0].shape() == (Shape{2, 3, 4, 5}));
  BOOST_CHECK_EQUAL(out[0].at({1, 2, 3, 4}), th.at({4, 3, 1, 2}));
  BOOST_CHECK_EQUAL(out[0].at({0, 1, 2, 0}), th.at({0, 2, 0, 1}));
  conv2d->set_weights(out);
  // Keras 1.2 wrote its version at the root of model files: the same layouts.
  BOOST_CHECK(convert(*conv2d, {th, values({5}, 2)}, {"1.2.2", std::string("tensorflow")})[0] == out[0]);
  // The same kernel from a Keras 2 file is already in the layer's layout.
  const Tensor tf = values({2, 3, 4, 5}, 1);
  BOOST_CHECK(convert(*conv2d, {tf, values({5}, 2)})[0] == tf);

  // Conv1D: Keras 1.1's (length, 1, input_dim, filters) and 1.0's (filters, input_dim, length, 1).
  auto conv1d = built("Conv1D", R"({"name": "c1", "filters": 5, "kernel_size": 3})", PartialShape{std::nullopt, 9, 4});
  const Tensor v11 = values({3, 1, 4, 5}, 3);
  out = convert(*conv1d, {v11, values({5}, 2)}, keras1);
  BOOST_REQUIRE(out[0].shape() == (Shape{3, 4, 5}));
  BOOST_CHECK_EQUAL(out[0].at({2, 1, 4}), v11.at({2, 0, 1, 4}));
  const Tensor v10 = values({5, 4, 3, 1}, 4);
  out = convert(*conv1d, {v10, values({5}, 2)}, keras1);
  BOOST_REQUIRE(out[0].shape() == (Shape{3, 4, 5}));
  BOOST_CHECK_EQUAL(out[0].at({2, 1, 4}), v10.at({4, 1, 2, 0}));
  BOOST_CHECK_EQUAL(out[0].at({0, 3, 1}), v10.at({1, 3, 0, 0}));
  conv1d->set_weights(out);
  const auto message = error_of<NotSupportedError>([&] { convert(*conv1d, {values({2, 2, 2, 2}, 1)}, keras1); });
  BOOST_TEST_MESSAGE(message);
  BOOST_CHECK(contains(message, "(Conv1D 'c1')"));
  BOOST_CHECK(contains(message, "keras_version 1, backend tensorflow"));

  // Conv2DTranspose (Deconvolution2D) channels_last: (rows, cols, stack, filters) -> (rows, cols, filters, stack).
  auto deconv = built("Conv2DTranspose", R"({"filters": 5, "kernel_size": 2})", PartialShape{std::nullopt, 6, 6, 4});
  const Tensor d = values({2, 2, 4, 5}, 6);
  out = convert(*deconv, {d, values({5}, 2)}, keras1);
  BOOST_REQUIRE(out[0].shape() == (Shape{2, 2, 5, 4}));
  BOOST_CHECK_EQUAL(out[0].at({1, 0, 4, 3}), d.at({1, 0, 3, 4}));
  deconv->set_weights(out);

  // Conv3D channels_first: (filters, stack, d, r, c) -> (d, r, c, stack, filters).
  auto conv3d = built("Conv3D", R"({"filters": 2, "kernel_size": [1, 2, 3], "data_format": "channels_first"})",
                      PartialShape{std::nullopt, 3, 4, 4, 4});
  const Tensor t3 = values({2, 3, 1, 2, 3}, 7);
  out = convert(*conv3d, {t3, values({2}, 2)}, keras1);
  BOOST_REQUIRE(out[0].shape() == (Shape{1, 2, 3, 3, 2}));
  BOOST_CHECK_EQUAL(out[0].at({0, 1, 2, 1, 0}), t3.at({0, 1, 0, 1, 2}));
  conv3d->set_weights(out);
}

BOOST_AUTO_TEST_CASE(keras1_conv_lstm2d_channels_first) {
  const WeightsOrigin keras1{"1", std::string("tensorflow")};
  const std::int64_t filters = 2, stack = 3;
  auto layer = built("ConvLSTM2D", R"({"filters": 2, "kernel_size": [1, 2], "data_format": "channels_first"})",
                     PartialShape{std::nullopt, 2, stack, 5, 5});
  // Per gate (stored i, c, f, o): W (filters, stack, 1, 2), U (filters, filters, 1, 2), b (filters,).
  std::vector<Tensor> stored;
  for (std::int64_t gate = 0; gate < 4; ++gate) {
    stored.push_back(values({filters, stack, 1, 2}, 3 * gate));
    stored.push_back(values({filters, filters, 1, 2}, 3 * gate + 1));
    stored.push_back(values({filters}, 3 * gate + 2));
  }
  const auto out = convert(*layer, stored, keras1);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  BOOST_REQUIRE(out[0].shape() == (Shape{1, 2, stack, 4 * filters}));
  BOOST_REQUIRE(out[1].shape() == (Shape{1, 2, filters, 4 * filters}));
  const std::vector<std::int64_t> gate_of_block{0, 2, 1, 3};  // i, f, c, o
  for (std::int64_t block = 0; block < 4; ++block) {
    const std::int64_t g = gate_of_block[block];
    for (std::int64_t f = 0; f < filters; ++f) {
      BOOST_CHECK_EQUAL(out[0].at({0, 1, 2, block * filters + f}), stored[3 * g].at({f, 2, 0, 1}));
      BOOST_CHECK_EQUAL(out[1].at({0, 0, 1, block * filters + f}), stored[3 * g + 1].at({f, 1, 0, 0}));
      BOOST_CHECK_EQUAL(out[2][block * filters + f], stored[3 * g + 2][f]);
    }
  }
  layer->set_weights(out);
}

BOOST_AUTO_TEST_CASE(mismatched_4d_kernels_are_transposed_as_tf_keras_when_that_fits) {
  auto conv2d = built("Conv2D", R"({"filters": 5, "kernel_size": [2, 3]})", PartialShape{std::nullopt, 6, 7, 4});
  // (3, 2, 0, 1) of (4, 5, 3, 2) is the layer's (2, 3, 4, 5).
  const Tensor stored = values({4, 5, 3, 2}, 1);
  auto out = convert(*conv2d, {stored, values({5}, 2)});
  BOOST_REQUIRE(out[0].shape() == (Shape{2, 3, 4, 5}));
  BOOST_CHECK_EQUAL(out[0].at({1, 2, 3, 4}), stored.at({3, 4, 2, 1}));
  // A shape the transpose does not fix stays as stored, for the loader's message.
  const Tensor odd = values({7, 7, 7, 7}, 1);
  BOOST_CHECK(convert(*conv2d, {odd, values({5}, 2)})[0] == odd);
}

BOOST_AUTO_TEST_CASE(theano_convolution_kernels_are_refused) {
  const WeightsOrigin theano{"2.0.8", std::string("theano")};
  auto conv2d =
      built("Conv2D", R"({"name": "conv", "filters": 5, "kernel_size": 2})", PartialShape{std::nullopt, 6, 6, 4});
  const auto message = error_of<NotSupportedError>([&] {
    convert(*conv2d, {values({2, 2, 4, 5}, 1), values({5}, 2)}, theano);
  });
  BOOST_TEST_MESSAGE(message);
  BOOST_CHECK(contains(message, "model.h5: model_weights/conv (Conv2D 'conv')"));
  BOOST_CHECK(contains(message, "keras_version 2.0.8, backend theano"));
  // Inside a wrapper the message names the inner layer.
  auto wrapped = built("TimeDistributed",
                       R"({"name": "td", "layer": )" +
                           layer_json("Conv2D", R"({"name": "inner", "filters": 5, "kernel_size": 2})") + "}",
                       PartialShape{std::nullopt, 3, 6, 6, 4});
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] {
                         convert(*wrapped, {values({2, 2, 4, 5}, 1), values({5}, 2)}, theano);
                       }),
                       "model_weights/td > inner (Conv2D 'inner')"));
  // Dense products do not depend on the backend.
  auto dense = built("Dense", R"({"units": 2})", PartialShape{std::nullopt, 3});
  const Tensor kernel = values({3, 2}, 1);
  BOOST_CHECK(convert(*dense, {kernel, values({2}, 2)}, theano)[0] == kernel);
}
