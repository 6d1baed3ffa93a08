// Conv3D, the transposed, depthwise and separable convolution layers (issue 10): options the
// Keras fixtures do not use (channels_first for 1-D/3-D, groups in 3-D, strides with
// dilation in depthwise layers, output_padding with channels_first, same padding in
// separable layers), worked out by hand on small inputs, and the option combinations Keras
// refuses, each a ConfigError naming the key.
#define BOOST_TEST_MODULE layers_conv_family
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_io.hpp"
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

LayerPtr with_weights(LayerPtr layer, const PartialShape& shape, const std::vector<Tensor>& weights) {
  layer->maybe_build({shape});
  layer->set_weights(weights);
  return layer;
}

// The key a ConfigError names: Keras's option, in the message.
std::string config_error(const std::string& class_name, const std::string& config) {
  return error_of<ConfigError>([&] { layer_from(class_name, config); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv3d_channels_first_with_groups) {
  // 2 channels in 2 groups, 2 filters, kernel (1, 1, 2): filter 0 reads channel 0 with
  // [1, 10] along the width, filter 1 channel 1 with [2, 20]. kernel (1, 1, 2, 1, 2).
  auto layer = with_weights(layer_from("Conv3D", R"({"filters": 2, "kernel_size": [1, 1, 2], "groups": 2,
                                                     "data_format": "channels_first"})"),
                            {std::nullopt, 2, 2, 1, 2},
                            {Tensor({1, 1, 2, 1, 2}, {1, 2, 10, 20}), Tensor::vector({0.5f, -0.5f})});
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{1, 1, 2, 1, 2}));
  // x (channels, depth, rows, cols): channel 0 = [[1, 2]], [[3, 4]]; channel 1 = [[5, 6]], [[7, 8]].
  const Tensor x({1, 2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  // f0: 1 + 20, 3 + 40; f1: 10 + 120, 14 + 160; + bias.
  BOOST_CHECK((*layer)(x) == Tensor({1, 2, 2, 1, 1}, {21.5f, 43.5f, 129.5f, 173.5f}));
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 2, 5, std::nullopt, 4}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 5, std::nullopt, 3}}));
  BOOST_CHECK(contains(config_error("Conv3D", R"({"filters": 2, "kernel_size": 2, "padding": "causal"})"), "padding"));
  BOOST_CHECK(contains(config_error("Conv3D", R"({"filters": 2, "kernel_size": 2, "strides": 2, "dilation_rate": 2})"),
                       "dilation_rate"));
}

BOOST_AUTO_TEST_CASE(conv1d_transpose_channels_first_with_output_padding) {
  // kernel (2, filters 2, in 1): filter 0 [1, 10], filter 1 [100, 1000]; stride 2, output
  // padding 1: each input lays its kernel at 2i, then one extra zero: length 5.
  auto layer = with_weights(layer_from("Conv1DTranspose", R"({"filters": 2, "kernel_size": 2, "strides": 2,
                                       "output_padding": 1, "data_format": "channels_first", "use_bias": false})"),
                            {std::nullopt, 1, 2}, {Tensor({2, 2, 1}, {1, 100, 10, 1000})});
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{2, 2, 1}));
  BOOST_CHECK((*layer)(Tensor({1, 1, 2}, {1, 2})) == Tensor({1, 2, 5}, {1, 10, 2, 20, 0, 100, 1000, 200, 2000, 0}));
  BOOST_CHECK((layer->compute_output_shape({PartialShape{std::nullopt, 1, 7}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 2, 15}}));
  const boost::json::object config = layer->get_config();
  BOOST_CHECK_EQUAL(json::write(config.at("output_padding")), "[1]");
  BOOST_CHECK(
      (keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "filters", "kernel_size", "strides",
                                                   "padding", "output_padding", "data_format", "dilation_rate",
                                                   "activation", "use_bias", "kernel_initializer", "bias_initializer",
                                                   "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                                                   "kernel_constraint", "bias_constraint"}));
}

BOOST_AUTO_TEST_CASE(conv_transpose_same_and_3d_shapes) {
  // Kernel 3 [1, 10, 100], stride 1, same: the full result [1, 12, 120, 200] cropped one each side.
  auto layer = with_weights(layer_from("Conv1DTranspose", R"({"filters": 1, "kernel_size": 3, "padding": "same"})"),
                            {std::nullopt, 2, 1}, {Tensor({3, 1, 1}, {1, 10, 100}), Tensor::vector({1})});
  BOOST_CHECK((*layer)(Tensor({1, 2, 1}, {1, 2})) == Tensor({1, 2, 1}, {13, 121}));
  // Conv3DTranspose channels_first, same with strides (1, 2, 3): input * stride.
  auto cube = layer_from("Conv3DTranspose", R"({"filters": 4, "kernel_size": [2, 3, 3], "strides": [1, 2, 3],
                                                "padding": "same", "data_format": "channels_first"})");
  BOOST_CHECK((cube->compute_output_shape({PartialShape{std::nullopt, 3, 2, 3, 4}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 4, 2, 6, 12}}));
  cube->maybe_build({PartialShape{std::nullopt, 3, 2, 3, 4}});
  BOOST_CHECK(cube->weights()[0]->shape() == (Shape{2, 3, 3, 4, 3}));
  BOOST_CHECK((*cube)(Tensor({2, 3, 2, 3, 4})).shape() == (Shape{2, 4, 2, 6, 12}));
}

BOOST_AUTO_TEST_CASE(depthwise_conv1d_channels_first_strides_and_dilation) {
  // Keras's depthwise layers accept strides and dilation together. Kernel 2 dilated by 2
  // (span 3), stride 2 over length 5: 2 outputs. kernel (2, 2, 1): channel 0 [1, 10], channel 1 [2, 20].
  auto layer = with_weights(layer_from("DepthwiseConv1D", R"({"kernel_size": 2, "strides": 2, "dilation_rate": 2,
                                       "data_format": "channels_first", "activation": "relu"})"),
                            {std::nullopt, 2, 5}, {Tensor({2, 2, 1}, {1, 2, 10, 20}), Tensor::vector({0, -200})});
  const Tensor x({1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  // c0: 1 + 30, 3 + 50; c1: 12 + 160 - 200 -> 0, 16 + 200 - 200.
  BOOST_CHECK((*layer)(x) == Tensor({1, 2, 2}, {31, 53, 0, 16}));
  BOOST_CHECK(layer->weights()[1]->shape() == (Shape{2}));
  // depth_multiplier 3 on 4 channels: kernel (k, 4, 3), bias and output channels 12.
  auto wide = layer_from("DepthwiseConv2D", R"({"kernel_size": 3, "depth_multiplier": 3, "padding": "same"})");
  BOOST_CHECK((wide->compute_output_shape({PartialShape{std::nullopt, 5, 6, 4}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 5, 6, 12}}));
  wide->maybe_build({PartialShape{std::nullopt, 5, 6, 4}});
  BOOST_CHECK(wide->weights()[0]->shape() == (Shape{3, 3, 4, 3}));
  BOOST_CHECK(wide->weights()[1]->shape() == (Shape{12}));
  BOOST_CHECK(contains(
      error_of<ValueError>([] {
        layer_from("DepthwiseConv2D", R"({"kernel_size": 5})")->maybe_build({PartialShape{std::nullopt, 4, 4, 1}});
      }),
      "Computed output size would be zero or negative"));
}

BOOST_AUTO_TEST_CASE(separable_conv2d_channels_first_same) {
  // 1 channel, depth_multiplier 2, kernel 2x2, same (pad one after): m0 sums each window,
  // m1 takes the top-left tap; pointwise [1, 10]: out = m0 + 10 m1 + 0.5.
  // depthwise kernel (kh, kw, 1, 2): tap 0 (1, 1), taps 1-3 (1, 0).
  auto layer = with_weights(
      layer_from("SeparableConv2D", R"({"filters": 1, "kernel_size": 2, "depth_multiplier": 2,
                                       "padding": "same", "data_format": "channels_first"})"),
      {std::nullopt, 1, 2, 2},
      {Tensor({2, 2, 1, 2}, {1, 1, 1, 0, 1, 0, 1, 0}), Tensor({1, 1, 2, 1}, {1, 10}), Tensor::vector({0.5f})});
  const auto weights = layer->weights();
  BOOST_CHECK_EQUAL(weights.size(), 3u);
  BOOST_CHECK_EQUAL(weights[0]->name(), "depthwise_kernel");
  BOOST_CHECK_EQUAL(weights[1]->name(), "pointwise_kernel");
  BOOST_CHECK_EQUAL(weights[2]->name(), "bias");
  // windows [[1, 2], [3, 4]] padded after: sums 10, 6, 7, 4; top-left 1, 2, 3, 4.
  BOOST_CHECK((*layer)(Tensor({1, 1, 2, 2}, {1, 2, 3, 4})) == Tensor({1, 1, 2, 2}, {20.5f, 26.5f, 37.5f, 44.5f}));
  // SeparableConv1D channels_first, strides 2, valid: (7 - 3) / 2 + 1 = 3 steps.
  auto one = layer_from("SeparableConv1D", R"({"filters": 5, "kernel_size": 3, "strides": 2,
                                              "data_format": "channels_first"})");
  BOOST_CHECK((one->compute_output_shape({PartialShape{std::nullopt, 2, 7}}) ==
               std::vector<PartialShape>{PartialShape{std::nullopt, 5, 3}}));
}

BOOST_AUTO_TEST_CASE(options_keras_refuses_name_the_key) {
  // Causal padding is Conv1D's only: the 1-D depthwise, separable and transposed layers refuse it.
  for (const auto& [cls, config] : std::vector<std::pair<std::string, std::string>>{
           {"DepthwiseConv1D", R"({"kernel_size": 2, "padding": "causal"})"},
           {"SeparableConv1D", R"({"filters": 2, "kernel_size": 2, "padding": "causal"})"},
           {"Conv1DTranspose", R"({"filters": 2, "kernel_size": 2, "padding": "causal"})"}}) {
    const std::string e = config_error(cls, config);
    BOOST_CHECK_MESSAGE(contains(e, "padding") && contains(e, "Received: causal"), cls << ": " << e);
  }
  // Transposed: strides with dilation, output_padding >= strides.
  BOOST_CHECK(contains(config_error("Conv2DTranspose", R"({"filters": 2, "kernel_size": 3, "strides": 2,
                                                           "dilation_rate": 2})"),
                       "dilation_rate"));
  const std::string op = config_error("Conv2DTranspose", R"({"filters": 2, "kernel_size": 3, "strides": [2, 1],
                                                            "output_padding": [1, 1]})");
  BOOST_CHECK(contains(op, "output_padding"));
  BOOST_CHECK(contains(op, "At dimension 1, `output_padding` is 1 but `strides` is 1"));
  BOOST_CHECK(contains(config_error("Conv3DTranspose", R"({"filters": 2, "kernel_size": 3, "output_padding": -1})"),
                       "output_padding"));
  // Transposed convolutions have no groups; depthwise ones no filters.
  BOOST_CHECK(contains(config_error("Conv2DTranspose", R"({"filters": 2, "kernel_size": 3, "groups": 2})"),
                       "unexpected argument 'groups'"));
  BOOST_CHECK(contains(config_error("DepthwiseConv2D", R"({"filters": 2, "kernel_size": 3})"),
                       "unexpected argument 'filters'"));
  const std::string dm = config_error("SeparableConv2D", R"({"filters": 2, "kernel_size": 3, "depth_multiplier": 0})");
  BOOST_CHECK(contains(dm, "depth_multiplier"));
  BOOST_CHECK(contains(dm, "Expected a strictly positive value. Received depth_multiplier=0."));
  BOOST_CHECK(contains(config_error("SeparableConv1D", R"({"kernel_size": 3})"), "filters"));
  BOOST_CHECK(contains(config_error("DepthwiseConv1D", R"({"kernel_size": [3, 3]})"), "kernel_size"));
  BOOST_CHECK(contains(config_error("Conv3DTranspose", R"({"filters": 2, "kernel_size": 3, "data_format": "ncdhw"})"),
                       "data_format"));
}

BOOST_AUTO_TEST_CASE(configs_in_keras_order) {
  const auto separable = keys_of(layer_from("SeparableConv1D", R"({"filters": 2, "kernel_size": 3,
                                                                   "activity_regularizer": "l2"})")
                                     ->get_config());
  // Keras 3.16's SeparableConv1D(2, 3, activity_regularizer="l2").get_config() keys: a set
  // activity regularizer stays where the base config put it.
  BOOST_CHECK((separable == std::vector<std::string>{"name",
                                                     "trainable",
                                                     "dtype",
                                                     "activity_regularizer",
                                                     "depth_multiplier",
                                                     "filters",
                                                     "kernel_size",
                                                     "strides",
                                                     "padding",
                                                     "data_format",
                                                     "dilation_rate",
                                                     "activation",
                                                     "use_bias",
                                                     "depthwise_initializer",
                                                     "pointwise_initializer",
                                                     "bias_initializer",
                                                     "depthwise_regularizer",
                                                     "pointwise_regularizer",
                                                     "bias_regularizer",
                                                     "depthwise_constraint",
                                                     "pointwise_constraint",
                                                     "bias_constraint"}));
  const auto depthwise = keys_of(layer_from("DepthwiseConv1D", R"({"kernel_size": 3})")->get_config());
  BOOST_CHECK((depthwise == std::vector<std::string>{
                                "name", "trainable", "dtype", "depth_multiplier", "kernel_size", "strides", "padding",
                                "data_format", "dilation_rate", "activation", "use_bias", "depthwise_initializer",
                                "bias_initializer", "depthwise_regularizer", "bias_regularizer", "activity_regularizer",
                                "depthwise_constraint", "bias_constraint"}));
  const auto conv3d = layer_from("Conv3D", R"({"filters": 2, "kernel_size": 3, "padding": "SAME"})")->get_config();
  BOOST_CHECK_EQUAL(json::write(conv3d.at("kernel_size")), "[3, 3, 3]");
  BOOST_CHECK_EQUAL(conv3d.at("padding").as_string(), "same");
  const auto transpose = layer_from("Conv2DTranspose", R"({"filters": 2, "kernel_size": 3})")->get_config();
  BOOST_CHECK(transpose.at("output_padding").is_null());
}
