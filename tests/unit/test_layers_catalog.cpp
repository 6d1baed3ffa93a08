// The layer catalogue (issue 10), activation / merging / shape / regularization /
// normalization families: options the Keras fixtures do not cover, with expected values
// from Keras's formulas written out here, and config errors naming the key.
#define BOOST_TEST_MODULE layers_catalog
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/activations.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;

using test::layer_from;

std::string config_of(const Layer& layer) { return json::write(layer.get_config()); }

Tensor call(Layer& layer, std::vector<Tensor> inputs, std::vector<std::optional<Tensor>> masks = {}) {
  CallArgs args(std::move(inputs));
  args.masks = std::move(masks);
  return layer(args).front();
}

Tensor iota(const Shape& shape, float scale = 0.25f, float shift = -1.0f) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) * scale + shift;
  return t;
}

}  // namespace

// ---- activations ----

BOOST_AUTO_TEST_CASE(relu_threshold_only_and_leaky_legacy_alpha) {
  auto relu = layer_from("ReLU", R"({"name": "r", "threshold": 0.5})");
  const Tensor x = Tensor::vector({-1.0f, 0.25f, 0.5f, 0.75f, 3.0f});
  // Keras: x * (x > threshold), no slope, no cap.
  check_close((*relu)(x), Tensor::vector({0.0f, 0.0f, 0.0f, 0.75f, 3.0f}));
  BOOST_CHECK(contains(config_of(*relu), R"("max_value": null, "negative_slope": 0.0, "threshold": 0.5)"));

  // `alpha` is LeakyReLU's deprecated name for negative_slope: read, written back as negative_slope.
  auto leaky = layer_from("LeakyReLU", R"({"name": "l", "alpha": 0.5})");
  check_close((*leaky)(Tensor::vector({-2.0f, 3.0f})), Tensor::vector({-1.0f, 3.0f}));
  BOOST_CHECK(contains(config_of(*leaky), R"("negative_slope": 0.5})"));
  BOOST_CHECK(!contains(config_of(*leaky), "alpha"));
}

BOOST_AUTO_TEST_CASE(activation_config_errors_name_the_key) {
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("ReLU", R"({"max_value": -1.0})"); }), "max_value"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("LeakyReLU", R"({"negative_slope": -0.1})"); }), "negative_slope"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Softmax", R"({"axis": "last"})"); }), "axis"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("PReLU", R"({"shared_axes": [1.5]})"); }), "shared_axes"));
}

BOOST_AUTO_TEST_CASE(prelu_shared_axes_int_and_several_axes) {
  auto prelu = layer_from("PReLU", R"({"name": "p", "shared_axes": 2})");
  const Tensor x = iota({2, 3, 4}, 0.5f, -3.0f);
  prelu->maybe_build({PartialShape{std::nullopt, 3, 4}});
  // An int is kept as a one-element list; alpha has length 1 on the shared axis.
  BOOST_CHECK(contains(config_of(*prelu), R"("shared_axes": [2])"));
  BOOST_REQUIRE_EQUAL(prelu->get_weights().size(), 1u);
  BOOST_CHECK(prelu->get_weights()[0].shape() == Shape({3, 1}));
  prelu->set_weights({Tensor({3, 1}, {0.1f, 0.2f, 0.3f})});
  const Tensor y = (*prelu)(x);
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t i = 0; i < 3; ++i) {
      for (std::int64_t j = 0; j < 4; ++j) {
        const float v = x.at({b, i, j});
        const float alpha = 0.1f * static_cast<float>(i + 1);
        BOOST_CHECK_CLOSE(y.at({b, i, j}) + 1.0f, (v > 0 ? v : alpha * v) + 1.0f, 1e-4);
      }
    }
  }
  auto both = layer_from("PReLU", R"({"shared_axes": [1, 2]})");
  both->maybe_build({PartialShape{std::nullopt, 2, 3, 4}});
  BOOST_CHECK(both->get_weights()[0].shape() == Shape({1, 1, 4}));
}

BOOST_AUTO_TEST_CASE(elu_default_alpha_and_key_order) {
  auto elu = layer_from("ELU", R"({"name": "e"})");
  const Tensor y = (*elu)(Tensor::vector({-1.0f, 2.0f}));
  check_close(y, Tensor::vector({std::expm1(-1.0f), 2.0f}));
  BOOST_CHECK_EQUAL(config_of(*elu).rfind(R"({"name": "e", "alpha": 1.0, "trainable": )", 0), 0u);
}

BOOST_AUTO_TEST_CASE(softmax_with_mask_and_several_axes) {
  auto softmax = layer_from("Softmax", R"({"name": "s"})");
  const Tensor x = Tensor::matrix({{1.0f, 2.0f, 3.0f}, {0.5f, -1.0f, 2.0f}});
  const Tensor mask = Tensor::matrix({{1.0f, 0.0f, 1.0f}, {1.0f, 1.0f, 1.0f}});
  const Tensor y = call(*softmax, {x}, {mask});
  // Row 0 over the kept positions only: exp(1) and exp(3); the masked one is 0.
  const float e1 = std::exp(1.0f), e3 = std::exp(3.0f);
  BOOST_CHECK_CLOSE(y.at({0, 0}), e1 / (e1 + e3), 1e-3);
  BOOST_CHECK_EQUAL(y.at({0, 1}), 0.0f);
  BOOST_CHECK_CLOSE(y.at({0, 2}), e3 / (e1 + e3), 1e-3);
  const float s = std::exp(0.5f) + std::exp(-1.0f) + std::exp(2.0f);
  BOOST_CHECK_CLOSE(y.at({1, 1}), std::exp(-1.0f) / s, 1e-3);

  // A list of axes: one softmax over both (exp(x - logsumexp)).
  auto both = layer_from("Softmax", R"({"axis": [1, 2]})");
  const Tensor x3 = iota({2, 2, 3});
  const Tensor y3 = (*both)(x3);
  for (std::int64_t b = 0; b < 2; ++b) {
    double total = 0.0;
    for (std::int64_t i = 0; i < 2; ++i) {
      for (std::int64_t j = 0; j < 3; ++j) total += std::exp(static_cast<double>(x3.at({b, i, j})));
    }
    BOOST_CHECK_CLOSE(y3.at({b, 1, 2}), std::exp(static_cast<double>(x3.at({b, 1, 2}))) / total, 1e-3);
  }
  BOOST_CHECK(contains(config_of(*both), R"("axis": [1, 2])"));
}

// ---- merging ----

BOOST_AUTO_TEST_CASE(maximum_and_multiply_with_masks_as_keras) {
  const Tensor a = Tensor({1, 3, 1}, {5.0f, -1.0f, 2.0f});
  const Tensor b = Tensor({1, 3, 1}, {1.0f, 4.0f, 3.0f});
  const Tensor ma = Tensor({1, 3}, {1.0f, 0.0f, 0.0f});
  const Tensor mb = Tensor({1, 3}, {0.0f, 1.0f, 0.0f});
  auto maximum = layer_from("Maximum", R"({"name": "m"})");
  // A masked operand takes the other's value: max(5, 5), max(4, 4); where both are masked,
  // each takes the other's and the first input's value (2) is kept, as Keras's where() chain.
  check_close(call(*maximum, {a, b}, {ma, mb}), Tensor({1, 3, 1}, {5.0f, 4.0f, 2.0f}));
  auto minimum = layer_from("Minimum", R"({"name": "n"})");
  check_close(call(*minimum, {a, b}, {ma, mb}), Tensor({1, 3, 1}, {5.0f, 4.0f, 2.0f}));
  auto multiply = layer_from("Multiply", R"({"name": "p"})");
  // Masked values count as 1; where every input is masked the product is 0.
  check_close(call(*multiply, {a, b}, {ma, mb}), Tensor({1, 3, 1}, {5.0f, 4.0f, 0.0f}));
  // Only one input masked: no output masking.
  check_close(call(*multiply, {a, b}, {ma, std::nullopt}), Tensor({1, 3, 1}, {5.0f, 4.0f, 3.0f}));
  CallArgs args({a, b});
  args.masks = {ma, mb};
  auto outs = (*multiply)(args);
  auto masks = multiply->compute_mask(args, outs);
  BOOST_REQUIRE(masks[0]);
  check_close(*masks[0], Tensor({1, 3}, {1.0f, 1.0f, 0.0f}));
}

BOOST_AUTO_TEST_CASE(subtract_average_broadcast_and_errors) {
  auto average = layer_from("Average", R"({"name": "a"})");
  const Tensor x = iota({2, 3, 4});
  const Tensor y = iota({2, 1, 4}, 1.0f, 0.0f);
  check_close(call(*average, {x, y}), (x + y) * 0.5f);
  auto subtract = layer_from("Subtract", R"({"name": "s"})");
  BOOST_CHECK(contains(error_of<ValueError>([&] { call(*subtract, {x, x, x}); }), "exactly 2 inputs"));
}

BOOST_AUTO_TEST_CASE(concatenate_masks_and_shape_errors) {
  auto concat = layer_from("Concatenate", R"({"name": "c", "axis": 1})");
  const Tensor a = iota({1, 2, 2});
  const Tensor b = iota({1, 3, 2});
  CallArgs args({a, b});
  args.masks = {Tensor({1, 2}, {1.0f, 0.0f}), std::nullopt};
  auto outs = (*concat)(args);
  BOOST_CHECK(outs[0].shape() == Shape({1, 5, 2}));
  // The missing mask is all-true; masks joined along axis 1, then any() over the last axis.
  auto masks = concat->compute_mask(args, outs);
  BOOST_REQUIRE(masks[0]);
  check_close(*masks[0], Tensor({1, 5}, {1.0f, 0.0f, 1.0f, 1.0f, 1.0f}));
  auto last = layer_from("Concatenate", R"({"name": "c2"})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         last->maybe_build({PartialShape{std::nullopt, 2, 3}, PartialShape{std::nullopt, 4, 3}});
                       }),
                       "matching shapes except for the concatenation axis"));
}

BOOST_AUTO_TEST_CASE(dot_negative_axes_on_rank3) {
  auto dot = layer_from("Dot", R"({"name": "d", "axes": -1})");
  const Tensor x = iota({2, 3, 4});
  const Tensor y = iota({2, 5, 4}, 0.5f, 0.2f);
  const Tensor out = call(*dot, {x, y});
  BOOST_REQUIRE(out.shape() == Shape({2, 3, 5}));
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t i = 0; i < 3; ++i) {
      for (std::int64_t j = 0; j < 5; ++j) {
        float s = 0.0f;
        for (std::int64_t k = 0; k < 4; ++k) s += x.at({b, i, k}) * y.at({b, j, k});
        BOOST_CHECK_CLOSE(out.at({b, i, j}) + 100.0f, s + 100.0f, 1e-4);
      }
    }
  }
  BOOST_CHECK(dot->compute_output_shape({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 5, 4}})[0] ==
              (PartialShape{std::nullopt, 3, 5}));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Dot", R"({"axes": [1, 2, 3]})"); }), "axes"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Dot", R"({"normalize": true})"); }), "axes"));
  auto batch = layer_from("Dot", R"({"axes": 0})");
  BOOST_CHECK(contains(error_of<ValueError>([&] { call(*batch, {x, x}); }), "axis 0"));
}

// ---- shape ----

BOOST_AUTO_TEST_CASE(reshape_permute_repeat) {
  auto reshape = layer_from("Reshape", R"({"name": "r", "target_shape": [-1, 4]})");
  BOOST_CHECK((*reshape)(iota({2, 3, 4})).shape() == Shape({2, 3, 4}));
  BOOST_CHECK(reshape->compute_output_shape({PartialShape{std::nullopt, 2, std::nullopt}})[0] ==
              (PartialShape{std::nullopt, std::nullopt, 4}));
  auto bad = layer_from("Reshape", R"({"target_shape": [5]})");
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*bad)(iota({2, 3, 4})); }), "total size"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("Reshape", R"({"target_shape": [-1, -1]})"); }), "target_shape"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Permute", R"({"dims": [2, 3]})"); }), "dims"));

  auto repeat = layer_from("RepeatVector", R"({"n": 2})");
  const Tensor x = Tensor::matrix({{1.0f, 2.0f}, {3.0f, 4.0f}});
  check_close((*repeat)(x), Tensor({2, 2, 2}, {1, 2, 1, 2, 3, 4, 3, 4}));
}

BOOST_AUTO_TEST_CASE(cropping_forms_and_data_formats) {
  // Cropping1D's default is (1, 1); Cropping2D's int form crops every side.
  auto c1 = layer_from("Cropping1D", R"({"name": "c1"})");
  BOOST_CHECK(contains(config_of(*c1), R"("cropping": [1, 1])"));
  BOOST_CHECK((*c1)(iota({1, 5, 2})).shape() == Shape({1, 3, 2}));
  auto c2 = layer_from("Cropping2D", R"({"name": "c2", "cropping": 1, "data_format": "channels_first"})");
  BOOST_CHECK(contains(config_of(*c2), R"("cropping": [[1, 1], [1, 1]], "data_format": "channels_first")"));
  const Tensor x = iota({1, 2, 4, 5});
  const Tensor y = (*c2)(x);
  BOOST_REQUIRE(y.shape() == Shape({1, 2, 2, 3}));
  BOOST_CHECK_EQUAL(y.at({0, 1, 0, 0}), x.at({0, 1, 1, 1}));
  // Symmetric per-axis pairs.
  auto sym = layer_from("Cropping2D", R"({"cropping": [1, 2]})");
  BOOST_CHECK(contains(config_of(*sym), R"("cropping": [[1, 1], [2, 2]])"));
  auto c3 = layer_from("Cropping3D", R"({"cropping": [[0, 1], [1, 0], [0, 0]], "data_format": "channels_first"})");
  const Tensor x3 = iota({1, 2, 3, 3, 2});
  const Tensor y3 = (*c3)(x3);
  BOOST_REQUIRE(y3.shape() == Shape({1, 2, 2, 2, 2}));
  BOOST_CHECK_EQUAL(y3.at({0, 1, 0, 0, 1}), x3.at({0, 1, 0, 1, 1}));
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*c1)(iota({1, 2, 2})); }), "cropping"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Cropping2D", R"({"cropping": [1, 2, 3]})"); }), "cropping"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Cropping2D", R"({"data_format": "nhwc"})"); }), "data_format"));
}

BOOST_AUTO_TEST_CASE(rescaling_nested_lists_and_identity) {
  auto rescale = layer_from("Rescaling", R"({"name": "r", "scale": [[2.0], [3.0]], "offset": 1})");
  const Tensor x = Tensor::matrix({{1.0f, 2.0f}, {3.0f, 4.0f}});
  check_close((*rescale)(x), Tensor::matrix({{3.0f, 5.0f}, {10.0f, 13.0f}}));
  BOOST_CHECK(contains(config_of(*rescale), R"("scale": [[2.0], [3.0]], "offset": 1)"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Rescaling", R"({"scale": [1, [2]]})"); }), "scale"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Rescaling", R"({"offset": 1})"); }), "scale"));
  auto identity = layer_from("Identity", R"({"name": "i"})");
  BOOST_CHECK(identity->supports_masking());
  check_close((*identity)(x), x);
}

// ---- regularization ----

BOOST_AUTO_TEST_CASE(spatial_dropout_configs_and_training_refused) {
  auto sd3 = layer_from("SpatialDropout3D", R"({"rate": 0.2, "data_format": "channels_first"})");
  BOOST_CHECK(contains(config_of(*sd3), R"("rate": 0.2, "seed": null, "name": ")"));
  BOOST_CHECK(contains(config_of(*sd3), R"("dtype": "float32", "data_format": "channels_first"})"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("SpatialDropout1D", R"({"rate": 0.2, "trainable": true})"); }),
                       "trainable"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("SpatialDropout1D", R"({"seed": 1})"); }), "rate"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("GaussianNoise", R"({"stddev": 1.5})"); }), "stddev"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("AlphaDropout", R"({"rate": -0.1})"); }), "rate"));
  auto noise = layer_from("GaussianNoise", R"({"stddev": 0.1})");
  CallArgs args({iota({1, 2})});
  args.training = true;
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { (*noise)(args); }), "training"));
  auto sd1 = layer_from("SpatialDropout1D", R"({"rate": 0.2})");
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*sd1)(iota({1, 2})); }), "rank 3"));
}

BOOST_AUTO_TEST_CASE(activity_regularization_records_its_loss) {
  auto reg = layer_from("ActivityRegularization", R"({"name": "a", "l1": 0.5, "l2": 0.25})");
  const Tensor x = Tensor::vector({-1.0f, 2.0f, 3.0f});
  check_close((*reg)(x), x);
  const auto losses = reg->losses();
  BOOST_REQUIRE_EQUAL(losses.size(), 1u);
  // l1 * sum|x| + l2 * sum x^2 = 0.5 * 6 + 0.25 * 14.
  BOOST_CHECK_CLOSE(losses[0], 0.5f * 6.0f + 0.25f * 14.0f, 1e-4);
  BOOST_CHECK(!contains(config_of(*reg), "activity_regularizer"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("ActivityRegularization", R"({"activity_regularizer": "l2"})"); }),
               "activity_regularizer"));
}

// ---- normalization ----

BOOST_AUTO_TEST_CASE(batch_normalization_center_only_and_renorm_refused) {
  auto bn = layer_from("BatchNormalization", R"({"name": "b", "axis": 1, "scale": false, "epsilon": 0.5})");
  const Tensor x = iota({2, 3, 2});
  bn->maybe_build({PartialShape{std::nullopt, 3, 2}});
  const auto weights = bn->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 3u);  // beta, moving_mean, moving_variance
  BOOST_CHECK_EQUAL(weights[0]->name(), "beta");
  BOOST_CHECK(!weights[1]->trainable());
  const Tensor beta = Tensor::vector({0.1f, 0.2f, 0.3f});
  const Tensor mean = Tensor::vector({1.0f, -1.0f, 0.0f});
  const Tensor var = Tensor::vector({2.0f, 0.5f, 1.5f});
  bn->set_weights({beta, mean, var});
  const Tensor y = (*bn)(x);
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t c = 0; c < 3; ++c) {
      for (std::int64_t k = 0; k < 2; ++k) {
        const float expected = (x.at({b, c, k}) - mean[c]) / std::sqrt(var[c] + 0.5f) + beta[c];
        BOOST_CHECK_CLOSE(y.at({b, c, k}) + 10.0f, expected + 10.0f, 1e-4);
      }
    }
  }
  BOOST_CHECK(
      contains(error_of<NotSupportedError>([] { layer_from("BatchNormalization", R"({"renorm": true})"); }), "renorm"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("BatchNormalization", R"({"epsilon": -1})"); }), "epsilon"));
}

BOOST_AUTO_TEST_CASE(unit_and_rms_normalization) {
  auto unit = layer_from("UnitNormalization", R"({"name": "u"})");
  // A zero row stays zero (the squared norm is clamped to 1e-24).
  const Tensor y = (*unit)(Tensor::matrix({{3.0f, 4.0f}, {0.0f, 0.0f}}));
  check_close(y, Tensor::matrix({{0.6f, 0.8f}, {0.0f, 0.0f}}));
  BOOST_CHECK(contains(config_of(*unit), R"("axis": -1})"));

  auto rms = layer_from("RMSNormalization", R"({"name": "r", "axis": -1, "epsilon": 0.0})");
  const Tensor x = Tensor::matrix({{1.0f, 7.0f}});
  const Tensor out = (*rms)(x);
  const float r = std::sqrt((1.0f + 49.0f) / 2.0f);
  check_close(out, Tensor::matrix({{1.0f / r, 7.0f / r}}));
  // Keras holds the axis as a list once built, and writes it so.
  BOOST_CHECK(contains(config_of(*rms), R"("axis": [-1], "epsilon": 0.0)"));
}

BOOST_AUTO_TEST_CASE(group_normalization_groups_minus1_and_axis1) {
  auto gn = layer_from("GroupNormalization", R"({"name": "g", "groups": -1, "axis": 1, "center": false})");
  const Tensor x = iota({2, 2, 3}, 0.5f, -1.0f);
  const Tensor y = (*gn)(x);
  // groups = -1: one group per channel (axis 1), moments over the remaining axis.
  BOOST_CHECK(contains(config_of(*gn), R"("groups": 2, "axis": 1)"));
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t c = 0; c < 2; ++c) {
      float m = 0.0f, sq = 0.0f;
      for (std::int64_t k = 0; k < 3; ++k) m += x.at({b, c, k}) / 3.0f;
      for (std::int64_t k = 0; k < 3; ++k) sq += x.at({b, c, k}) * x.at({b, c, k}) / 3.0f;
      const float var = sq - m * m;
      for (std::int64_t k = 0; k < 3; ++k) {
        BOOST_CHECK_CLOSE(y.at({b, c, k}) + 10.0f, (x.at({b, c, k}) - m) / std::sqrt(var + 1e-3f) + 10.0f, 1e-3);
      }
    }
  }
  auto bad = layer_from("GroupNormalization", R"({"groups": 4})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         bad->maybe_build({PartialShape{std::nullopt, 6}});
                       }),
                       "multiple of the number of channels"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("GroupNormalization", R"({"groups": 0})"); }), "groups"));
}
