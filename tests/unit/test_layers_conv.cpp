// Convolution, pooling and 1-D reshaping layers (issue 9): Keras's forward pass for options
// the fixtures do not use, worked out by hand from Keras's formulas on small inputs, and
// config errors naming the key at fault.
#define BOOST_TEST_MODULE layers_conv
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

using namespace kplug;
using namespace kplug::layers;

namespace {

using test::contains;
using test::error_of;

using test::layer_from;

std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& item : o) keys.emplace_back(item.key());
  return keys;
}

// A layer built for `shape` with the given weights.
LayerPtr with_weights(LayerPtr layer, const PartialShape& shape, const std::vector<Tensor>& weights) {
  layer->maybe_build({shape});
  layer->set_weights(weights);
  return layer;
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv1d_valid_with_stride_2) {
  // out[t] = x[2t] * k0 + x[2t+1] * k1 + b; length (5 - 2) / 2 + 1 = 2.
  auto layer = with_weights(layer_from("Conv1D", R"({"filters": 1, "kernel_size": 2, "strides": 2})"),
                            {std::nullopt, 5, 1}, {Tensor({2, 1, 1}, {1, 10}), Tensor::vector({0.5f})});
  const Tensor y = (*layer)(Tensor({1, 5, 1}, {1, 2, 3, 4, 5}));
  BOOST_CHECK(y == Tensor({1, 2, 1}, {21.5f, 43.5f}));  // 1 + 20 + .5, 3 + 40 + .5
}

BOOST_AUTO_TEST_CASE(conv1d_valid_with_dilation_2) {
  // Span (2 - 1) * 2 + 1 = 3: out[t] = x[t] * k0 + x[t + 2] * k1; length 5 - 3 + 1 = 3.
  auto layer = with_weights(layer_from("Conv1D", R"({"filters": 1, "kernel_size": [2], "dilation_rate": 2,
                                                     "use_bias": false, "activation": "relu"})"),
                            {std::nullopt, 5, 1}, {Tensor({2, 1, 1}, {1, -10})});
  const Tensor y = (*layer)(Tensor({1, 5, 1}, {1, 2, 3, 4, -5}));
  // 1 - 30 -> 0, 2 - 40 -> 0, 3 + 50 = 53
  BOOST_CHECK(y == Tensor({1, 3, 1}, {0, 0, 53}));
  // Keras refuses strides > 1 together with dilation > 1.
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from("Conv1D", R"({"filters": 1, "kernel_size": 2, "strides": 2, "dilation_rate": 2})");
                       }),
                       "dilation_rate"));
}

BOOST_AUTO_TEST_CASE(conv1d_same_pads_the_odd_zero_after) {
  // Length 4, kernel 2, stride 1, same: total padding 1, before = 1 // 2 = 0, after = 1.
  auto layer = with_weights(layer_from("Conv1D", R"({"filters": 1, "kernel_size": 2, "padding": "same"})"),
                            {std::nullopt, 4, 1}, {Tensor({2, 1, 1}, {1, 10}), Tensor::vector({0})});
  BOOST_CHECK((*layer)(Tensor({1, 4, 1}, {1, 2, 3, 4})) == Tensor({1, 4, 1}, {21, 32, 43, 4}));
  // Length 5, kernel 3, stride 2: out 3, total padding (3 - 1) * 2 + 3 - 5 = 2, one each side.
  auto strided = with_weights(layer_from("Conv1D", R"({"filters": 1, "kernel_size": 3, "strides": 2,
                                                       "padding": "SAME"})"),
                              {std::nullopt, 5, 1}, {Tensor({3, 1, 1}, {1, 2, 3}), Tensor::vector({0})});
  // [0 1 2] -> 8, [2 3 4] -> 20, [4 5 0] -> 14
  BOOST_CHECK((*strided)(Tensor({1, 5, 1}, {1, 2, 3, 4, 5})) == Tensor({1, 3, 1}, {8, 20, 14}));
  BOOST_CHECK_EQUAL(strided->get_config().at("padding").as_string(), "same");  // Keras lower-cases it
}

BOOST_AUTO_TEST_CASE(conv1d_causal_pads_left_only) {
  // Causal, kernel 2, dilation 1: out[t] = x[t - 1] * k0 + x[t] * k1.
  auto layer = with_weights(layer_from("Conv1D", R"({"filters": 1, "kernel_size": 2, "padding": "causal"})"),
                            {std::nullopt, 3, 1}, {Tensor({2, 1, 1}, {10, 1}), Tensor::vector({0})});
  BOOST_CHECK((*layer)(Tensor({1, 3, 1}, {1, 2, 3})) == Tensor({1, 3, 1}, {1, 12, 23}));
}

BOOST_AUTO_TEST_CASE(conv1d_channels_first_with_groups) {
  // 4 channels in 2 groups, 2 filters: filter 0 reads channels 0-1, filter 1 channels 2-3.
  // kernel (1, 2, 2): k[0][c][f].
  auto layer = with_weights(layer_from("Conv1D", R"({"filters": 2, "kernel_size": 1, "groups": 2,
                                                     "data_format": "channels_first"})"),
                            {std::nullopt, 4, 3}, {Tensor({1, 2, 2}, {1, 3, 2, 4}), Tensor::vector({1, -1})});
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{1, 2, 2}));
  // x[c][t] = 10 c + t.
  const Tensor x({1, 4, 3}, {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32});
  // f0 = 1 x0 + 2 x1 + 1 = [21, 24, 27]; f1 = 3 x2 + 4 x3 - 1 = [179, 186, 193]
  BOOST_CHECK((*layer)(x) == Tensor({1, 2, 3}, {21, 24, 27, 179, 186, 193}));
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 4, 3}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 3}}));
}

BOOST_AUTO_TEST_CASE(conv2d_channels_first_groups_shapes_and_softmax_on_keras_layout) {
  auto layer = layer_from("Conv2D", R"({"filters": 6, "kernel_size": [3, 2], "groups": 2, "padding": "valid",
                                       "data_format": "channels_first"})");
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 4, 5, 6}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 6, 3, 5}}));
  layer->maybe_build({PartialShape{std::nullopt, 4, 5, 6}});
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{3, 2, 2, 6}));
  BOOST_CHECK(layer->weights()[1]->shape() == (Shape{6}));

  // A channels_first softmax acts on the last (width) axis, as Keras applies it to its output.
  auto soft = with_weights(layer_from("Conv2D", R"({"filters": 1, "kernel_size": 1, "activation": "softmax",
                                                    "data_format": "channels_first"})"),
                           {std::nullopt, 1, 1, 2}, {Tensor({1, 1, 1, 1}, 1.0f), Tensor::vector({0})});
  const Tensor y = (*soft)(Tensor({1, 1, 1, 2}, {0, 0}));
  test::check_close(y, Tensor({1, 1, 1, 2}, {0.5f, 0.5f}));
}

BOOST_AUTO_TEST_CASE(conv2d_strided_same_and_input_channel_check) {
  // 3x3 input 1..9, kernel 2x2 of ones, stride 2, same: out 2x2, total padding 1 (after).
  auto layer = with_weights(layer_from("Conv2D", R"({"filters": 1, "kernel_size": 2, "strides": [2, 2],
                                                     "padding": "same", "use_bias": false})"),
                            {std::nullopt, 3, 3, 1}, {Tensor({2, 2, 1, 1}, 1.0f)});
  const Tensor x({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  BOOST_CHECK((*layer)(x) == Tensor({1, 2, 2, 1}, {12, 9, 15, 9}));  // 1+2+4+5, 3+6, 7+8, 9
  auto grouped = layer_from("Conv2D", R"({"filters": 4, "kernel_size": 2, "groups": 2})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         grouped->maybe_build({PartialShape{std::nullopt, 4, 4, 3}});
                       }),
                       "The number of input channels must be evenly divisible by the number of groups. Received "
                       "groups=2, but the input has 3 channels (full input shape is (None, 4, 4, 3))."));
  auto big = layer_from("Conv2D", R"({"filters": 1, "kernel_size": 5})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         big->maybe_build({PartialShape{std::nullopt, 4, 4, 1}});
                       }),
                       "Computed output size would be zero or negative"));
}

BOOST_AUTO_TEST_CASE(conv_config_in_keras_order_and_errors_naming_the_key) {
  auto layer = layer_from("Conv1D", R"({"name": "c", "filters": 2, "kernel_size": 3})");
  const boost::json::object config = layer->get_config();
  BOOST_CHECK(
      (keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "filters", "kernel_size", "strides",
                                                   "padding", "data_format", "dilation_rate", "groups", "activation",
                                                   "use_bias", "kernel_initializer", "bias_initializer",
                                                   "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                                                   "kernel_constraint", "bias_constraint"}));
  BOOST_CHECK_EQUAL(json::write(config.at("kernel_size")), "[3]");
  BOOST_CHECK_EQUAL(json::write(config.at("strides")), "[1]");
  BOOST_CHECK_EQUAL(json::write(config.at("activation")), "\"linear\"");
  // A set activity regularizer keeps the base config's place, right after dtype (Keras 3.16:
  // Conv1D(2, 3, activity_regularizer="l2").get_config(), as Python's dict.update keeps it).
  auto regularized = layer_from("Conv1D", R"({"filters": 2, "kernel_size": 3, "activity_regularizer": "l2"})");
  const auto keys = keys_of(regularized->get_config());
  BOOST_CHECK_EQUAL(keys[3], "activity_regularizer");
  BOOST_CHECK_EQUAL(keys.size(), 19u);

  const std::string bad_padding =
      error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 2, "kernel_size": 3, "padding": "full"})"); });
  BOOST_CHECK(contains(bad_padding, "padding"));
  BOOST_CHECK(contains(bad_padding, "The `padding` argument must be one of {'valid', 'same'}. Received: full"));
  BOOST_CHECK(contains(
      error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 2, "kernel_size": 3, "padding": "causal"})"); }),
      "padding"));
  const std::string bad_kernel =
      error_of<ConfigError>([] { layer_from("Conv1D", R"({"filters": 2, "kernel_size": [3, 3]})"); });
  BOOST_CHECK(contains(bad_kernel, "kernel_size"));
  BOOST_CHECK(contains(bad_kernel, "list of 1 integers, got a list of 2"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 2, "kernel_size": [3, 0]})"); }),
                       "The `kernel_size` argument must be a tuple of 2 integers. Received kernel_size=(3, 0)"));
  const std::string bad_groups =
      error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 3, "kernel_size": 3, "groups": 2})"); });
  BOOST_CHECK(contains(bad_groups, "groups"));
  BOOST_CHECK(contains(bad_groups,
                       "The number of filters must be evenly divisible by the number of groups. "
                       "Received: groups=2, filters=3."));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 0, "kernel_size": 3})"); }), "filters"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("Conv2D", R"({"kernel_size": 3})"); }), "filters"));
  BOOST_CHECK(contains(
      error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 1, "kernel_size": 3, "data_format": "nhwc"})"); }),
      "data_format"));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("Conv2D", R"({"filters": 1, "kernel_size": 3, "kernel": 1})"); }),
               "unexpected argument 'kernel'"));
  BOOST_CHECK(contains(
      error_of<NotSupportedError>([] { layer_from("Conv2D", R"({"filters": 1, "kernel_size": 3, "lora_rank": 4})"); }),
      "lora_rank"));
}

BOOST_AUTO_TEST_CASE(average_pooling_same_counts_only_real_elements) {
  // 3x3 input 1..9, pool 2, strides default (= pool), same: out 2x2, padding after.
  const Tensor x({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto average = layer_from("AveragePooling2D", R"({"pool_size": 2, "padding": "same"})");
  // (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9/1
  BOOST_CHECK((*average)(x) == Tensor({1, 2, 2, 1}, {3, 4.5f, 7.5f, 9}));
  auto maximum = layer_from("MaxPooling2D", R"({"pool_size": [2, 2], "padding": "same", "strides": null})");
  BOOST_CHECK((*maximum)(x) == Tensor({1, 2, 2, 1}, {5, 6, 8, 9}));
  // strides null is written as the pool size, as Keras.
  const boost::json::object config = maximum->get_config();
  BOOST_CHECK((keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "pool_size", "padding",
                                                           "strides", "data_format"}));
  BOOST_CHECK_EQUAL(json::write(config.at("strides")), "[2, 2]");
  BOOST_CHECK(!maximum->build_config());  // built at construction
}

BOOST_AUTO_TEST_CASE(pooling_strides_and_channels_first) {
  // 1x4 rows, pool (1, 2), strides (1, 1), valid: sliding pairs.
  auto layer = layer_from("MaxPooling2D", R"({"pool_size": [1, 2], "strides": 1})");
  BOOST_CHECK((*layer)(Tensor({1, 1, 4, 1}, {1, 3, 2, 0})) == Tensor({1, 1, 3, 1}, {3, 3, 2}));
  // channels_first: each channel pooled on its own.
  auto average = layer_from("AveragePooling2D", R"({"pool_size": [1, 2], "data_format": "channels_first"})");
  const Tensor x({1, 2, 1, 2}, {1, 3, -2, -4});
  BOOST_CHECK((*average)(x) == Tensor({1, 2, 1, 1}, {2, -3}));
  BOOST_CHECK((average->compute_output_shape({PartialShape{std::nullopt, 2, 5, 7}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 5, 3}}));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("MaxPooling2D", R"({"padding": "causal"})"); }), "padding"));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("MaxPooling2D", R"({"pool_size": [2, 2, 2]})"); }), "pool_size"));
}

BOOST_AUTO_TEST_CASE(global_max_pooling1d_channels_first_and_keepdims) {
  auto layer = layer_from("GlobalMaxPooling1D", R"({"data_format": "channels_first"})");
  const Tensor x({1, 2, 3}, {1, 5, 2, -1, -3, -2});
  BOOST_CHECK((*layer)(x) == Tensor({1, 2}, {5, -1}));
  auto keep = layer_from("GlobalMaxPooling1D", R"({"data_format": "channels_first", "keepdims": true})");
  BOOST_CHECK((*keep)(x) == Tensor({1, 2, 1}, {5, -1}));
  BOOST_CHECK((keep->compute_output_shape({PartialShape{std::nullopt, 2, std::nullopt}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 1}}));
  auto last = layer_from("GlobalMaxPooling1D", R"({"keepdims": true})");
  BOOST_CHECK((*last)(x) == Tensor({1, 1, 3}, {1, 5, 2}));
  BOOST_CHECK((keys_of(last->get_config()) ==
               std::vector<std::string>{"name", "trainable", "dtype", "data_format", "keepdims"}));
}

BOOST_AUTO_TEST_CASE(up_sampling1d_size_3) {
  auto layer = layer_from("UpSampling1D", R"({"size": 3})");
  const Tensor y = (*layer)(Tensor({1, 2, 2}, {1, 2, 3, 4}));
  BOOST_CHECK(y == Tensor({1, 6, 2}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 5, 2}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 15, 2}}));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("UpSampling1D", R"({"size": 0})"); }),
                       "Argument `size` should be a positive integer. Received: size=0"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("UpSampling1D", R"({"size": 2.5})"); }), "size"));
  BOOST_CHECK_EQUAL(layer_from("UpSampling1D", "{}")->get_config().at("size").as_int64(), 2);
}

BOOST_AUTO_TEST_CASE(zero_padding1d_asymmetric_and_channels_first) {
  auto layer = layer_from("ZeroPadding1D", R"({"padding": [2, 0]})");
  BOOST_CHECK((*layer)(Tensor({1, 2, 1}, {1, 2})) == Tensor({1, 4, 1}, {0, 0, 1, 2}));
  auto first = layer_from("ZeroPadding1D", R"({"padding": [0, 1], "data_format": "channels_first"})");
  BOOST_CHECK((*first)(Tensor({1, 2, 2}, {1, 2, 3, 4})) == Tensor({1, 2, 3}, {1, 2, 0, 3, 4, 0}));
  BOOST_CHECK((first->compute_output_shape({PartialShape{std::nullopt, 2, 5}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 6}}));
  // An integer pads both sides and is written as the pair, as Keras.
  auto both = layer_from("ZeroPadding1D", R"({"padding": 1})");
  BOOST_CHECK_EQUAL(json::write(both->get_config().at("padding")), "[1, 1]");
  BOOST_CHECK((*both)(Tensor({1, 1, 1}, 7.0f)) == Tensor({1, 3, 1}, {0, 7, 0}));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("ZeroPadding1D", R"({"padding": [1, -1]})"); }), "padding"));
}

BOOST_AUTO_TEST_CASE(layers_built_from_code) {
  Conv2D::Options options;
  options.filters = 2;
  options.kernel_size = config::IntTuple<2>({1, 1});
  Conv2D conv(options, LayerArgs{});
  BOOST_CHECK_EQUAL(conv.name().rfind("conv2d", 0), 0u);
  options.groups = 3;
  BOOST_CHECK(contains(error_of<ValueError>([&] { Conv2D bad(options, LayerArgs{}); }), "evenly divisible"));
  Conv1D::Options causal;
  causal.filters = 1;
  causal.kernel_size = 2;
  causal.padding = "causal";
  BOOST_CHECK_NO_THROW(std::make_shared<Conv1D>(causal, LayerArgs{}));
}
