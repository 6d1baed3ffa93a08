// Keras 3's quantized layers (issue 20): the quantizers' maths with hand-worked values,
// the dtype policies and quantization configs, quantized Dense / EinsumDense / Embedding
// (forward pass, Keras's variable order on save), the float8 round trip of config and weights.
#define BOOST_TEST_MODULE quantization
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/model.hpp"
#include "kplug/ops/quantization.hpp"
#include "kplug/serialization.hpp"
#include "model_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

template <class T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.size());
}

Tensor int8_tensor(Shape shape, std::vector<std::int8_t> values) {
  return Tensor::from_values<std::int8_t>(std::move(shape), values);
}

LayerPtr layer_from(const std::string& text) {
  DeserializeOptions options;
  DeserializationContext context(options);
  return deserialize_layer(json::parse(text), context);
}

const std::string int8_policy =
    R"({"module": "keras.dtype_policies", "class_name": "QuantizedDTypePolicy", "config": {"mode": "int8", "source_name": "float32"}, "registered_name": null})";

std::string quantized_dense(const std::string& dtype, const std::string& quantization_config) {
  return R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "trainable": true, "dtype": )" +
         dtype +
         R"(, "units": 2, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": )" +
         quantization_config + R"(}, "registered_name": null})";
}

}  // namespace

BOOST_AUTO_TEST_CASE(abs_max_quantize_of_a_tiny_kernel_per_column) {
  // float32 as Keras: column 0, max |w| = 0.5, 0.5 + 1e-7 = 0.50000012, scale = 253.99994 and
  // 0.25 * scale = 63.499985 -> 63; column 1, 2 + 1e-7 = 2 (below half an ulp), scale = 63.5,
  // -1 * scale = -63.5 -> -64 (half to even), 2 * scale = 127.
  const Tensor kernel = Tensor::matrix({{0.5f, -1.0f}, {0.25f, 2.0f}});
  const auto q = ops::abs_max_quantize(kernel, {0}, ops::AbsMaxSpec{});
  BOOST_CHECK(q.values.dtype() == DType::int8);
  BOOST_TEST(values_of<std::int8_t>(q.values) == (std::vector<std::int8_t>{127, -64, 63, 127}),
             boost::test_tools::per_element());
  BOOST_TEST((q.scale.shape() == Shape{1, 2}));
  BOOST_TEST(q.scale[0] == 127.0f / (0.5f + 1e-7f));
  BOOST_TEST(q.scale[1] == 63.5f);
  // Half to even, as numpy: 2.5 -> 2 with a scale of exactly 1 (max 127, no epsilon).
  const auto even = ops::abs_max_quantize(Tensor::vector({2.5f, 127.0f, -3.5f}), {-1}, {-127.0f, 127.0f, 0.0f});
  BOOST_TEST(values_of<std::int8_t>(even.values) == (std::vector<std::int8_t>{2, 127, -4}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(int4_packs_two_nibbles_per_byte_low_first) {
  // keras.quantizers.pack_int4's docstring: axis 0 of [[-3, 7], [2, -8], [1, 0]] gives
  // [[45, -121], [1, 0]] (-3 -> nibble 13, 13 | 2 << 4 = 45; 7 | 8 << 4 = 135 = -121).
  const Tensor a = int8_tensor({3, 2}, {-3, 7, 2, -8, 1, 0});
  const Tensor packed0 = ops::pack_int4(a, 0);
  BOOST_TEST((packed0.shape() == Shape{2, 2}));
  BOOST_TEST(values_of<std::int8_t>(packed0) == (std::vector<std::int8_t>{45, -121, 1, 0}),
             boost::test_tools::per_element());
  BOOST_CHECK(ops::unpack_int4(packed0, 3, 0) == a);
  // Axis 1 of [[-3, 7, 2], [-8, 1, 0]]: [[125, 2], [24, 0]].
  const Tensor b = int8_tensor({2, 3}, {-3, 7, 2, -8, 1, 0});
  const Tensor packed1 = ops::pack_int4(b, -1);
  BOOST_TEST(values_of<std::int8_t>(packed1) == (std::vector<std::int8_t>{125, 2, 24, 0}),
             boost::test_tools::per_element());
  BOOST_CHECK(ops::unpack_int4(packed1, 3, -1) == b);
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::unpack_int4(packed1, 5, -1); }), "cannot hold 5"));
}

BOOST_AUTO_TEST_CASE(ternary_packs_five_trits_per_byte_in_base_3) {
  // Column 0: trits 1, 0, -1, 1, 0 -> digits 2, 1, 0, 2, 1 -> 2 + 3 + 0 + 54 + 81 = 140; the
  // sixth trit 1 and four padding zeros -> 2 + 3 + 9 + 27 + 81 = 122.
  // Column 1: -1, 1, 0, 1, -1 -> 0 + 6 + 9 + 54 + 0 = 69; then 0 -> 121 (all digits 1).
  const Tensor trits = Tensor::matrix({{1, -1}, {0, 1}, {-1, 0}, {1, 1}, {0, -1}, {1, 0}});
  const Tensor packed = ops::pack_ternary(trits, 0);
  BOOST_CHECK(packed.dtype() == DType::uint8);
  BOOST_TEST(values_of<std::uint8_t>(packed) == (std::vector<std::uint8_t>{140, 69, 122, 121}),
             boost::test_tools::per_element());
  BOOST_CHECK(ops::unpack_ternary(packed, 6, 0) == trits.astype(DType::int8));
}

BOOST_AUTO_TEST_CASE(grouped_dequantization_uses_each_rows_group) {
  // (q - zero[g]) * scale[g] with g = g_idx[row]: rows 0, 1 in group 0, row 2 in group 1.
  const Tensor q = int8_tensor({3, 2}, {1, 2, 3, 4, 5, 6});
  const Tensor scale = Tensor::matrix({{0.5f, 1.0f}, {2.0f, 0.25f}});
  const Tensor zero = int8_tensor({2, 2}, {1, 0, -1, 2});
  const Tensor out = ops::dequantize_grouped(q, scale, zero, Tensor::vector({0, 0, 1}), 0);
  test::check_close(out, Tensor::matrix({{0.0f, 2.0f}, {1.0f, 4.0f}, {12.0f, 1.0f}}));
}

BOOST_AUTO_TEST_CASE(float8_e4m3fn_rounding) {
  BOOST_TEST(ops::round_to_float8_e4m3fn(1.0f) == 1.0f);
  BOOST_TEST(ops::round_to_float8_e4m3fn(1.0625f) == 1.0f);           // half way to 1.125: even
  BOOST_TEST(ops::round_to_float8_e4m3fn(1.1875f) == 1.25f);          // half way 1.125 / 1.25: even
  BOOST_TEST(ops::round_to_float8_e4m3fn(-300.0f) == -288.0f);        // steps of 32 in [256, 448]
  BOOST_TEST(ops::round_to_float8_e4m3fn(1.5f / 512) == 2.0f / 512);  // subnormal, half to even
  const Tensor qdq = ops::quantize_dequantize_float8_e4m3fn(Tensor::vector({1000.0f, 0.3f}), 2.0f);
  BOOST_TEST(qdq[0] == 896.0f);   // clipped to 448, times the scale
  BOOST_TEST(qdq[1] == 0.3125f);  // 0.15 -> 0.15625 (steps of 2^-6 in [0.125, 0.25))
}

BOOST_AUTO_TEST_CASE(int8_dense_runs_keras_w8a8_and_saves_in_keras_order) {
  const std::string text = quantized_dense(int8_policy, "null");
  LayerPtr layer = layer_from(text);
  BOOST_TEST(json::write(layer->get_config()) == json::write(json::parse(text).as_object().at("config")));
  layer->maybe_build({PartialShape({std::nullopt, 2})});
  // model.weights order: the trainable bias, then kernel and kernel_scale.
  auto weights = layer->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 3u);
  BOOST_TEST(weights[0]->name() == "bias");
  BOOST_CHECK(weights[1]->value().dtype() == DType::int8);
  weights[0]->assign(Tensor::vector({0.5f, 0.0f}));
  weights[1]->assign(int8_tensor({2, 2}, {127, -64, 0, 127}));
  weights[2]->assign(Tensor::vector({127.0f, 63.5f}));  // kernel [[1, -1.0079], [0, 2]]
  // x = [2, -1]: inputs scale s = 127 / (2 + 1e-7) = 63.5 in float32, xq = [127, -64] (-63.5
  // -> -64, half to even). Integer products: [127*127 + 0, 127*-64 + -64*127] = [16129, -16256],
  // divided by kernel_scale * s, plus the bias.
  const Tensor y = (*layer)(Tensor::matrix({{2.0f, -1.0f}}));
  const float s = 63.5f;
  test::check_close(y, Tensor::matrix({{16129.0f / (127.0f * s) + 0.5f, -16256.0f / (63.5f * s)}}));

  saving::InMemoryWeightsStore store;
  auto entry = store.make("d", std::nullopt);
  layer->save_own_variables(*entry);
  BOOST_CHECK(store.dataset("d/vars/0").dtype() == DType::int8);  // Keras's spec: kernel, bias, kernel_scale
  BOOST_TEST((store.dataset("d/vars/1").shape() == Shape{2}));
  BOOST_CHECK(store.dataset("d/vars/2") == Tensor::vector({127.0f, 63.5f}));
  LayerPtr again = layer_from(text);
  again->maybe_build({PartialShape({std::nullopt, 2})});
  again->load_own_variables(*store.get("d"));
  test::check_close((*again)(Tensor::matrix({{2.0f, -1.0f}})), y, 0.0f);
}

BOOST_AUTO_TEST_CASE(int8_dense_sees_a_kernel_assigned_after_a_call) {
  LayerPtr layer = layer_from(quantized_dense(int8_policy, "null"));
  layer->maybe_build({PartialShape({std::nullopt, 2})});
  auto weights = layer->weights();  // bias, kernel, kernel_scale
  weights[2]->assign(Tensor::vector({1.0f, 1.0f}));
  weights[1]->assign(int8_tensor({2, 2}, {1, 0, 0, 1}));
  const Tensor x = Tensor::matrix({{2.0f, -1.0f}});  // quantized [127, -64], scale 63.5
  test::check_close((*layer)(x), Tensor::matrix({{127.0f / 63.5f, -64.0f / 63.5f}}));
  // The float32 kernel derived on the first call must not outlive the int8 one it came from.
  weights[1]->assign(int8_tensor({2, 2}, {0, 1, 1, 0}));
  test::check_close((*layer)(x), Tensor::matrix({{-64.0f / 63.5f, 127.0f / 63.5f}}));
}

BOOST_AUTO_TEST_CASE(descaled_matmul_sums_int8_products_exactly_like_keras_int32) {
  // 3001 products 127 * 127 sum to 48403129, beyond float32's exact integers (2^24): a
  // float32 running sum drops the odd remainders; Keras's int32 sum, cast to float32, is
  // 48403128.
  constexpr std::int64_t k = 3001;
  const Tensor x = Tensor::from_values<float>({1, k}, std::vector<float>(k, 1.0f));
  const Tensor kernel = int8_tensor({k, 1}, std::vector<std::int8_t>(k, 127));
  const Tensor y = ops::descaled_matmul(x, kernel, Tensor::vector({1.0f}), ops::AbsMaxSpec{});
  const float s = 127.0f / (1.0f + 1e-7f);
  BOOST_TEST(y.item() == static_cast<float>(k * 127 * 127) / s);
}

BOOST_AUTO_TEST_CASE(int8_kernel_product_equals_the_exact_float_product_row_by_row) {
  // An int8 kernel runs through oneDNN's int8 matmul; the same integers as float32 through
  // the exact float path. Both are Keras's int32 sums, so the outputs agree bit for bit,
  // whatever the rows' scales, for a K past float32's exact range (2^24 / 127^2 = 1040).
  constexpr std::int64_t m = 5, k = 1500, n = 7;
  std::vector<float> xs(m * k);
  std::vector<std::int8_t> ks(k * n);
  for (std::int64_t i = 0; i < m * k; ++i)
    xs[static_cast<std::size_t>(i)] = std::sin(0.37f * static_cast<float>(i)) * static_cast<float>(1 + i % m);
  for (std::int64_t i = 0; i < k * n; ++i)
    ks[static_cast<std::size_t>(i)] = static_cast<std::int8_t>((i * 37) % 255 - 127);
  const Tensor x = Tensor::from_values<float>({m, k}, xs);
  const Tensor kernel = int8_tensor({k, n}, ks);
  const Tensor scale = Tensor::vector({0.5f, 1.0f, 2.0f, 3.0f, 0.25f, 7.0f, 1.5f});
  const Tensor via_int8 = ops::descaled_matmul(x, kernel, scale, ops::AbsMaxSpec{});
  const Tensor via_float = ops::descaled_matmul(x, kernel.astype(DType::float32), scale, ops::AbsMaxSpec{});
  BOOST_TEST(via_int8.shape() == via_float.shape());
  for (std::int64_t i = 0; i < m * n; ++i) BOOST_TEST(via_int8[i] == via_float[i]);
}

BOOST_AUTO_TEST_CASE(quantized_policies_and_configs_are_checked) {
  const std::string float8 =
      R"({"module": "keras.dtype_policies", "class_name": "QuantizedFloat8DTypePolicy", "config": {"mode": "float8", "source_name": "float32", "amax_history_length": 1024}, "registered_name": null})";
  const std::string embedding =
      R"({"module": "keras.layers", "class_name": "Embedding", "config": {"name": "e", "dtype": )" + float8 +
      R"(, "input_dim": 3, "output_dim": 2}})";
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { layer_from(embedding); }), "quantization mode 'float8'"));
  const std::string gptq =
      R"({"module": "keras.dtype_policies", "class_name": "GPTQDTypePolicy", "config": {"mode": "gptq/4/128", "source_name": "float32"}, "registered_name": null})";
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { layer_from(quantized_dense(gptq, "null")); }),
                       "quantization mode 'gptq'"));
  const std::string bad_int4 =
      R"({"module": "keras.dtype_policies", "class_name": "Int4DTypePolicy", "config": {"mode": "int4/0", "source_name": "float32"}, "registered_name": null})";
  BOOST_CHECK(contains(error_of<ConfigError>([&] { layer_from(quantized_dense(bad_int4, "null")); }), "int4/0"));
  const std::string conv = R"({"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "c", "dtype": )" +
                           int8_policy + R"(, "filters": 1, "kernel_size": 1}})";
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { layer_from(conv); }), "dtype"));
  const std::string awq_config =
      R"({"module": "keras.quantizers", "class_name": "AWQConfig", "config": {}, "registered_name": null})";
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { layer_from(quantized_dense(int8_policy, awq_config)); }),
                       "AWQConfig"));
}

BOOST_AUTO_TEST_CASE(float8_partial_fixtures_round_trip_config_and_weights) {
  for (const std::string name : {"Quantized_float8_mlp", "Quantized_float8_einsum_embedding"}) {
    BOOST_TEST_CONTEXT(name) {
      const auto dir = test::model_dir("quantized_partial/" + name);
      const std::string text = test::read_text(dir / "model.json");
      ModelPtr model = model_from_json(text);
      BOOST_CHECK_MESSAGE(model->to_json() == text, "to_json differs from Keras's bytes");
      const auto checks = test::read_json(dir / "checks.json");
      BOOST_CHECK(test::saved_datasets(*model) == test::all_datasets(checks));
      test::load_fixture_weights(*model, dir);
      saving::InMemoryWeightsStore original, saved;
      test::read_fixture_weights(dir / "model.weights.h5", checks, original);
      model->save_weights(saved);
      for (const auto& path : original.dataset_paths()) {
        BOOST_TEST_CONTEXT(path) { BOOST_CHECK(saved.dataset(path) == original.dataset(path)); }
      }
      // Predict runs (float8 emulated in float32); the inputs are all ones.
      std::vector<Tensor> inputs;
      for (const auto& input : model->input_layers()) {
        Shape shape{2};
        for (std::size_t i = 1; i < input->batch_shape().rank(); ++i) shape.push_back(*input->batch_shape()[i]);
        inputs.push_back(input->dtype() == "float32" ? Tensor(shape, 1.0f) : Tensor(shape, DType::int32));
      }
      for (const Tensor& out : model->predict(inputs)) {
        for (float v : out.values()) BOOST_CHECK(std::isfinite(v));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(quantized_fixtures_save_keras_datasets_with_their_dtypes) {
  for (const std::string name :
       {"Quantized_int8_einsum_embedding", "Quantized_int4_mlp", "Quantized_int4_einsum_embedding",
        "Quantized_int4_per_channel_einsum_embedding", "Quantized_ternary_mlp"}) {
    BOOST_TEST_CONTEXT(name) {
      const auto dir = test::model_dir("layers/" + name);
      ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
      test::load_fixture_weights(*model, dir);
      const auto checks = test::read_json(dir / "checks.json");
      saving::InMemoryWeightsStore original, saved;
      test::read_fixture_weights(dir / "model.weights.h5", checks, original);
      model->save_weights(saved);
      for (const auto& item : checks.at("model_weights_h5_datasets").as_object()) {
        const std::string path(item.key());
        BOOST_TEST_CONTEXT(path) {
          BOOST_TEST(dtype_name(saved.dataset(path).dtype()) == std::string(item.value().as_array()[1].as_string()));
          BOOST_CHECK(saved.dataset(path) == original.dataset(path));
        }
      }
    }
  }
}
