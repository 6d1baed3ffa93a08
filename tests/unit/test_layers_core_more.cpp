// Issue 20's core and wrapper layers beyond the Keras fixtures, with hand-worked values:
// ReversibleEmbedding (lookup, reverse = x @ E^T, untied, logit soft cap, masks),
// TernaryDense (the ternarized kernel and its scale) and SpectralNormalization (weights
// shared with the wrapped layer, the power iteration with training=True); config errors.
#define BOOST_TEST_MODULE layers_core_more
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <vector>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;
using kplug::test::layer_from;

std::string config_of(const Layer& layer) { return json::write(layer.get_config()); }

}  // namespace

// ---- ReversibleEmbedding ----

BOOST_AUTO_TEST_CASE(reversible_embedding_looks_up_and_projects_back_with_the_transpose) {
  auto layer = layer_from("ReversibleEmbedding", R"({"name": "r", "input_dim": 3, "output_dim": 2})");
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  layer->set_weights({Tensor::matrix({{1, 2}, {3, 4}, {5, 6}})});
  CallArgs lookup({Tensor::matrix({{2, 0}})});
  check_close((*layer)(lookup).front(), Tensor({1, 2, 2}, {5, 6, 1, 2}));
  // reverse: [1, 1] @ E^T = [1 + 2, 3 + 4, 5 + 6]; [0.5, -1] -> [-1.5, -2.5, -3.5].
  CallArgs reverse({Tensor({1, 2, 2}, {1, 1, 0.5f, -1})});
  reverse.kwargs["reverse"] = true;
  check_close((*layer)(reverse).front(), Tensor({1, 2, 3}, {3, 7, 11, -1.5f, -2.5f, -3.5f}));
  const boost::json::object kwargs{{"reverse", true}};
  BOOST_CHECK(layer->compute_output_shape_for_call({PartialShape{std::nullopt, 5, 2}}, kwargs)[0] ==
              (PartialShape{std::nullopt, 5, 3}));
  BOOST_CHECK(layer->compute_output_shape({PartialShape{std::nullopt, 5}})[0] == (PartialShape{std::nullopt, 5, 2}));
  CallArgs wrong({Tensor({1, 3}, {1, 2, 3})});
  wrong.kwargs["reverse"] = true;
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(wrong); }), "output_dim=2"));
}

BOOST_AUTO_TEST_CASE(reversible_embedding_soft_cap_untied_and_masks) {
  auto layer = layer_from("ReversibleEmbedding", R"({"name": "r", "input_dim": 3, "output_dim": 2,
      "tie_weights": false, "logit_soft_cap": 2.0, "mask_zero": true})");
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  BOOST_REQUIRE_EQUAL(layer->weights().size(), 2u);
  BOOST_CHECK_EQUAL(layer->weights()[1]->name(), "reverse_embeddings");
  BOOST_CHECK(layer->weights()[1]->shape() == (Shape{2, 3}));
  // reverse_embeddings R (2, 3): [1, 1] @ R = [1 + 4, 2 + 5, 3 + 6] = [5, 7, 9], capped to
  // 2 * tanh(logit / 2).
  layer->set_weights({Tensor::matrix({{1, 2}, {3, 4}, {5, 6}}), Tensor::matrix({{1, 2, 3}, {4, 5, 6}})});
  CallArgs reverse({Tensor({1, 2}, {1, 1})});
  reverse.kwargs["reverse"] = true;
  const auto out = (*layer)(reverse);
  check_close(out.front(), Tensor({1, 3}, {2 * std::tanh(2.5f), 2 * std::tanh(3.5f), 2 * std::tanh(4.5f)}));
  BOOST_CHECK(!layer->compute_mask(reverse, out).front());  // no mask out of a reverse call
  CallArgs lookup({Tensor::matrix({{1, 0, 2}})});
  const auto looked_up = (*layer)(lookup);
  const auto mask = layer->compute_mask(lookup, looked_up).front();
  BOOST_REQUIRE(mask);
  check_close(mask->astype(DType::float32), Tensor::matrix({{1, 0, 1}}));
  BOOST_CHECK(contains(config_of(*layer), R"("mask_zero": true, "quantization_config": null, "tie_weights": false, )"
                                          R"("reverse_dtype": null, "logit_soft_cap": 2.0})"));
}

BOOST_AUTO_TEST_CASE(reversible_embedding_config_errors_name_the_key) {
  BOOST_CHECK(contains(
      error_of<Error>([] { layer_from("ReversibleEmbedding", R"({"input_dim": 0, "output_dim": 2})"); }), "input_dim"));
  BOOST_CHECK(contains(error_of<NotSupportedError>([] {
                         layer_from("ReversibleEmbedding",
                                    R"({"input_dim": 3, "output_dim": 2, "reverse_dtype": "bfloat16"})");
                       }),
                       "reverse_dtype"));
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("ReversibleEmbedding", R"({"input_dim": 3, "output_dim": 2, "tie_weight": true})");
                       }),
                       "tie_weights"));  // did you mean
}

// ---- TernaryDense ----

BOOST_AUTO_TEST_CASE(ternary_dense_default_threshold_scales_by_the_mean_magnitude) {
  auto layer = layer_from("TernaryDense", R"({"name": "t", "units": 2})");
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  // mean|k| = (0.5 + 0.1 + 0.6 + 0.05) / 4 = 0.3125, threshold 0.15625: ternary
  // [[1, 0], [-1, 0]]; x = [1, 2] -> [1 - 2, 0] * 0.3125 + bias = [-0.2125, 0.2].
  layer->set_weights({Tensor::matrix({{0.5f, -0.1f}, {-0.6f, 0.05f}}), Tensor::vector({0.1f, 0.2f})});
  CallArgs args({Tensor::matrix({{1, 2}})});
  check_close((*layer)(args).front(), Tensor::matrix({{-0.2125f, 0.2f}}));
}

BOOST_AUTO_TEST_CASE(ternary_dense_explicit_threshold_has_no_scale) {
  auto layer = layer_from("TernaryDense", R"({"name": "t", "units": 2, "threshold": 0.08, "activation": "relu"})");
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  // |k| > 0.08: [[1, -1], [-1, 0]]; x = [1, 2] -> [1 - 2, -1] + bias [2, 0.5] = [1, -0.5], relu.
  layer->set_weights({Tensor::matrix({{0.5f, -0.1f}, {-0.6f, 0.05f}}), Tensor::vector({2.0f, 0.5f})});
  CallArgs args({Tensor::matrix({{1, 2}})});
  check_close((*layer)(args).front(), Tensor::matrix({{1, 0}}));
  BOOST_CHECK(
      contains(config_of(*layer), R"("units": 2, "threshold": 0.08, "activation": "relu", "use_bias": true, )"));
  BOOST_CHECK(contains(config_of(*layer), R"("bias_regularizer": null, "activity_regularizer": null, )"
                                          R"("kernel_constraint": null, "bias_constraint": null})"));
}

BOOST_AUTO_TEST_CASE(ternary_dense_config_errors_name_the_key) {
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("TernaryDense", R"({"units": 0})"); }), "units=0"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("TernaryDense", R"({"units": 2, "threshold": -1})"); }), "threshold"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("TernaryDense", R"({"units": 2, "threshold": "x"})"); }), "threshold"));
}

// ---- SpectralNormalization ----

namespace {

LayerPtr spectral_dense() {
  return layer_from("SpectralNormalization", R"({"name": "sn", "layer": {"module": "keras.layers",
      "class_name": "Dense", "config": {"name": "dense", "units": 2}}, "power_iterations": 1})");
}

}  // namespace

BOOST_AUTO_TEST_CASE(spectral_normalization_shares_the_wrapped_kernel) {
  auto layer = spectral_dense();
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  const auto weights = layer->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 3u);  // Keras's order: kernel, vector_u, bias
  BOOST_CHECK_EQUAL(weights[0]->path(), "dense/kernel");
  BOOST_CHECK_EQUAL(weights[1]->name(), "vector_u");
  BOOST_CHECK(weights[1]->shape() == (Shape{1, 2}));
  BOOST_CHECK(!weights[1]->trainable());
  BOOST_CHECK_EQUAL(weights[2]->path(), "dense/bias");
  BOOST_CHECK_EQUAL(layer->own_variables().size(), 2u);  // saved as vars/0 (the kernel) and vars/1
  BOOST_CHECK(layer->own_variables()[0] == layer->sublayers()[0]->own_variables()[0]);
  // Inference: the wrapped Dense with its stored kernel.
  layer->set_weights({Tensor::matrix({{3, 0}, {0, 4}}), Tensor::matrix({{0.6f, 0.8f}}), Tensor::vector({1, 0})});
  CallArgs args({Tensor::matrix({{1, 1}})});
  check_close((*layer)(args).front(), Tensor::matrix({{4, 4}}));
}

BOOST_AUTO_TEST_CASE(spectral_normalization_training_divides_by_the_power_iteration_sigma) {
  auto layer = spectral_dense();
  layer->maybe_build({PartialShape{std::nullopt, 2}});
  layer->set_weights({Tensor::matrix({{3, 0}, {0, 4}}), Tensor::matrix({{0.6f, 0.8f}}), Tensor::vector({0, 0})});
  // One iteration from u = [0.6, 0.8] with W = diag(3, 4): v = u W^T / |u W^T| = [1.8, 3.2]
  // / 3.6715; u' = v W / |v W|; sigma = v W u'^T = |v W| (v W = [3 * 1.8, 4 * 3.2] / 3.6715).
  const double n1 = std::sqrt(1.8 * 1.8 + 3.2 * 3.2);
  const double vw0 = 3 * 1.8 / n1, vw1 = 4 * 3.2 / n1, sigma = std::sqrt(vw0 * vw0 + vw1 * vw1);
  CallArgs args({Tensor::matrix({{1, 1}})});
  args.training = true;
  const Tensor y = (*layer)(args).front();
  const float a = static_cast<float>(3 / sigma), b = static_cast<float>(4 / sigma);
  check_close(layer->weights()[0]->value(), Tensor::matrix({{a, 0}, {0, b}}));
  check_close(layer->weights()[1]->value(),
              Tensor::matrix({{static_cast<float>(vw0 / sigma), static_cast<float>(vw1 / sigma)}}));
  check_close(y, Tensor::matrix({{a, b}}));
}

BOOST_AUTO_TEST_CASE(spectral_normalization_errors) {
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("SpectralNormalization", R"({"layer": {"module": "keras.layers",
                             "class_name": "Dense", "config": {"units": 2}}, "power_iterations": 0})");
                       }),
                       "power_iterations=0"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("SpectralNormalization", R"({"power_iterations": 1})"); }), "layer"));
  auto no_kernel = layer_from("SpectralNormalization", R"({"name": "sn", "layer": {"module": "keras.layers",
      "class_name": "Activation", "config": {"activation": "relu"}}})");
  BOOST_CHECK(contains(error_of<Error>([&] {
                         no_kernel->maybe_build({PartialShape{std::nullopt, 2}});
                       }),
                       "has no attribute 'kernel' nor 'embeddings'"));
}
