// Pooling and zero-padding layers over 1, 2 and 3 spatial axes: options the Keras fixtures
// do not use (channels_first 1-D/3-D pooling, strides != pool_size, keepdims, masks,
// asymmetric padding), values worked out by hand from Keras's formulas, and config errors
// naming the key at fault.
#define BOOST_TEST_MODULE layers_pool
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <memory>
#include <span>

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

std::vector<PartialShape> shape_of(const LayerPtr& layer, PartialShape in) {
  return layer->compute_output_shape({std::move(in)});
}

Tensor call_masked(Layer& layer, const Tensor& x, const Tensor& mask) {
  CallArgs args({x});
  args.masks = {mask};
  auto outputs = layer(args);
  BOOST_REQUIRE_EQUAL(outputs.size(), 1u);
  BOOST_CHECK(!layer.compute_mask(args, outputs).front());  // Keras: the output has no mask
  return outputs.front();
}

Tensor bool_tensor(Shape shape, std::initializer_list<bool> values) {
  const std::vector<bool> v(values);
  auto flat = std::make_unique<bool[]>(v.size());  // std::vector<bool> has no data()
  for (std::size_t i = 0; i < v.size(); ++i) flat[i] = v[i];
  return Tensor::from_values<bool>(std::move(shape), std::span<const bool>(flat.get(), v.size()));
}

const std::vector<std::string> pooling_keys{"name",    "trainable", "dtype",      "pool_size",
                                            "padding", "strides",   "data_format"};

}  // namespace

BOOST_AUTO_TEST_CASE(max_pooling1d_channels_first_with_stride_1) {
  auto layer = layer_from("MaxPooling1D", R"({"pool_size": 2, "strides": 1, "data_format": "channels_first"})");
  // (batch 1, channels 2, steps 5): sliding pairs on each channel.
  const Tensor x({1, 2, 5}, {1, 3, 2, 5, 4, -1, -3, -2, -5, -4});
  BOOST_CHECK((*layer)(x) == Tensor({1, 2, 4}, {3, 3, 5, 5, -1, -2, -2, -4}));
  BOOST_CHECK((shape_of(layer, {std::nullopt, 2, 5}) == std::vector<PartialShape>{{std::nullopt, 2, 4}}));
  const auto config = layer->get_config();
  BOOST_CHECK(keys_of(config) == pooling_keys);
  BOOST_CHECK_EQUAL(json::write(config.at("pool_size")), "[2]");
  BOOST_CHECK_EQUAL(json::write(config.at("strides")), "[1]");
  BOOST_CHECK(!layer->build_config());  // built at construction, as Keras
}

BOOST_AUTO_TEST_CASE(average_pooling1d_same_with_stride_2_pool_3) {
  // Length 5, pool 3, stride 2, same: out 3, padding (3 - 1) * 2 + 3 - 5 = 2, one each side;
  // windows {0, 1}, {1, 2, 3}, {3, 4}, each averaged over its real elements.
  auto layer = layer_from("AveragePooling1D", R"({"pool_size": [3], "strides": 2, "padding": "same"})");
  const Tensor x({1, 5, 1}, {1, 2, 3, 4, 5});
  BOOST_CHECK((*layer)(x) == Tensor({1, 3, 1}, {1.5f, 3, 4.5f}));
  // channels_first: the same windows on axis 2.
  auto first = layer_from("AveragePooling1D",
                          R"({"pool_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"})");
  BOOST_CHECK((*first)(Tensor({1, 1, 5}, {1, 2, 3, 4, 5})) == Tensor({1, 1, 3}, {1.5f, 3, 4.5f}));
}

BOOST_AUTO_TEST_CASE(pooling3d_channels_first_and_strides) {
  // (batch 1, channels 2, 2, 2, 2): each channel averaged over its 8 elements.
  std::vector<float> v;
  for (int c = 0; c < 2; ++c)
    for (int i = 1; i <= 8; ++i) v.push_back(c == 0 ? static_cast<float>(i) : -static_cast<float>(i));
  const Tensor x({1, 2, 2, 2, 2}, v);
  auto average = layer_from("AveragePooling3D", R"({"data_format": "channels_first"})");
  BOOST_CHECK((*average)(x) == Tensor({1, 2, 1, 1, 1}, {4.5f, -4.5f}));
  auto maximum = layer_from("MaxPooling3D", R"({"pool_size": [2, 2, 1], "data_format": "channels_first"})");
  // Per channel and width w: the max over (d, h) of x = 4 d + 2 h + w + 1.
  BOOST_CHECK((*maximum)(x) == Tensor({1, 2, 1, 1, 2}, {7, 8, -1, -2}));
  // Output lengths: valid (5-2)/1+1, (6-2)/2+1, (7-2)/3+1; same ceil(n / stride).
  auto valid = layer_from("MaxPooling3D", R"({"pool_size": 2, "strides": [1, 2, 3]})");
  BOOST_CHECK((shape_of(valid, {std::nullopt, 5, 6, 7, 4}) == std::vector<PartialShape>{{std::nullopt, 4, 3, 2, 4}}));
  auto same = layer_from("AveragePooling3D", R"({"pool_size": 2, "strides": [1, 2, 3], "padding": "same"})");
  BOOST_CHECK((shape_of(same, {std::nullopt, 5, 6, 7, 4}) == std::vector<PartialShape>{{std::nullopt, 5, 3, 3, 4}}));
  BOOST_CHECK(keys_of(same->get_config()) == pooling_keys);
  BOOST_CHECK_EQUAL(json::write(same->get_config().at("strides")), "[1, 2, 3]");
}

BOOST_AUTO_TEST_CASE(average_pooling3d_same_counts_only_real_elements) {
  // (1, 1, 1, 3, 1) with pool (1, 1, 2), same: windows {0, 1}, {2} -> 1.5, 3.
  auto layer = layer_from("AveragePooling3D", R"({"pool_size": [1, 1, 2], "padding": "same"})");
  BOOST_CHECK((*layer)(Tensor({1, 1, 1, 3, 1}, {1, 2, 3})) == Tensor({1, 1, 1, 2, 1}, {1.5f, 3}));
}

BOOST_AUTO_TEST_CASE(global_pooling_keepdims_and_channels_first) {
  // (1, 2, 2, 1, 2) channels_last: spatial (2, 2, 1), channels 2.
  const Tensor x({1, 2, 2, 1, 2}, {1, -1, 2, -2, 3, -3, 6, -6});
  auto avg3 = layer_from("GlobalAveragePooling3D", R"({"keepdims": true})");
  BOOST_CHECK((*avg3)(x) == Tensor({1, 1, 1, 1, 2}, {3, -3}));
  BOOST_CHECK((shape_of(avg3, {std::nullopt, 2, 2, 1, 2}) == std::vector<PartialShape>{{std::nullopt, 1, 1, 1, 2}}));
  auto max3 = layer_from("GlobalMaxPooling3D", R"({"data_format": "channels_first", "keepdims": true})");
  // channels_first: channel axis 1 (length 2): [1, -1, 2, -2] and [3, -3, 6, -6].
  BOOST_CHECK((*max3)(x) == Tensor({1, 2, 1, 1, 1}, {2, 6}));
  BOOST_CHECK((shape_of(max3, {std::nullopt, 2, 2, 1, 2}) == std::vector<PartialShape>{{std::nullopt, 2, 1, 1, 1}}));
  auto avg1 = layer_from("GlobalAveragePooling1D", R"({"keepdims": true, "data_format": "channels_first"})");
  BOOST_CHECK((*avg1)(Tensor({1, 2, 3}, {1, 2, 6, -3, 0, 0})) == Tensor({1, 2, 1}, {3, -1}));
  auto max2 = layer_from("GlobalMaxPooling2D", R"({"data_format": "channels_first"})");
  BOOST_CHECK((*max2)(Tensor({1, 2, 1, 2}, {1, 5, -7, -3})) == Tensor({1, 2}, {5, -3}));
  BOOST_CHECK((shape_of(max2, {std::nullopt, 2, 1, 2}) == std::vector<PartialShape>{{std::nullopt, 2}}));
  BOOST_CHECK((keys_of(max2->get_config()) ==
               std::vector<std::string>{"name", "trainable", "dtype", "data_format", "keepdims"}));
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*max2)(Tensor({1, 2, 3})); }), "rank 4"));
}

BOOST_AUTO_TEST_CASE(global_average_pooling1d_with_a_mask) {
  auto layer = layer_from("GlobalAveragePooling1D", "{}");
  BOOST_CHECK(layer->supports_masking());
  // (batch 2, steps 3, features 2); row 0 keeps steps 0 and 2, row 1 only step 1.
  const Tensor x({2, 3, 2}, {1, 10, 100, 1000, 3, 30, 4, 40, 5, 50, 6, 60});
  const Tensor mask = bool_tensor({2, 3}, {true, false, true, false, true, false});
  BOOST_CHECK(call_masked(*layer, x, mask) == Tensor({2, 2}, {2, 20, 5, 50}));
  // keepdims and channels_first: (batch 2, features 2, steps 3), the mask on the steps.
  auto first = layer_from("GlobalAveragePooling1D", R"({"data_format": "channels_first", "keepdims": true})");
  const Tensor xf({2, 2, 3}, {1, 100, 3, 10, 1000, 30, 4, 5, 6, 40, 50, 60});
  BOOST_CHECK(call_masked(*first, xf, mask) == Tensor({2, 2, 1}, {2, 20, 5, 50}));
  // Every step masked: 0 / 0, as Keras.
  const Tensor none = call_masked(*layer, x, bool_tensor({2, 3}, {false, false, false, true, true, true}));
  BOOST_CHECK(std::isnan(none[0]) && std::isnan(none[1]));
  BOOST_CHECK(none[2] == 5.0f && none[3] == 50.0f);
  // A mask that does not match the steps is an error naming both shapes.
  const std::string e = error_of<ValueError>([&] { call_masked(*layer, x, bool_tensor({2, 2}, {1, 1, 1, 1})); });
  BOOST_CHECK(contains(e, "(2, 2)") && contains(e, "(2, 3, 2)"));
}

BOOST_AUTO_TEST_CASE(zero_padding2d_asymmetric_and_channels_first) {
  auto layer = layer_from("ZeroPadding2D", R"({"padding": [[1, 0], [0, 2]]})");
  BOOST_CHECK((*layer)(Tensor({1, 1, 1, 1}, 5.0f)) == Tensor({1, 2, 3, 1}, {0, 0, 0, 5, 0, 0}));
  BOOST_CHECK((shape_of(layer, {std::nullopt, std::nullopt, 4, 3}) ==
               std::vector<PartialShape>{{std::nullopt, std::nullopt, 6, 3}}));
  BOOST_CHECK((keys_of(layer->get_config()) ==
               std::vector<std::string>{"name", "trainable", "dtype", "padding", "data_format"}));
  BOOST_CHECK_EQUAL(json::write(layer->get_config().at("padding")), "[[1, 0], [0, 2]]");
  // channels_first pads axes 2 and 3; one int per axis is symmetric.
  auto first = layer_from("ZeroPadding2D", R"({"padding": [0, 1], "data_format": "channels_first"})");
  BOOST_CHECK((*first)(Tensor({1, 2, 1, 1}, {5, 7})) == Tensor({1, 2, 1, 3}, {0, 5, 0, 0, 7, 0}));
  BOOST_CHECK_EQUAL(json::write(first->get_config().at("padding")), "[[0, 0], [1, 1]]");
  BOOST_CHECK_EQUAL(json::write(layer_from("ZeroPadding2D", R"({"padding": 2})")->get_config().at("padding")),
                    "[[2, 2], [2, 2]]");
  BOOST_CHECK_EQUAL(json::write(layer_from("ZeroPadding2D", "{}")->get_config().at("padding")), "[[1, 1], [1, 1]]");
}

BOOST_AUTO_TEST_CASE(zero_padding3d_mixed_forms) {
  auto layer = layer_from("ZeroPadding3D", R"({"padding": [0, [0, 1], [1, 0]]})");
  BOOST_CHECK_EQUAL(json::write(layer->get_config().at("padding")), "[[0, 0], [0, 1], [1, 0]]");
  // (1, 1, 1, 1, 1) -> (1, 1, 2, 2, 1): the value lands at h 0, w 1.
  BOOST_CHECK((*layer)(Tensor({1, 1, 1, 1, 1}, 5.0f)) == Tensor({1, 1, 2, 2, 1}, {0, 5, 0, 0}));
  auto first = layer_from("ZeroPadding3D", R"({"padding": [[1, 0], 0, 0], "data_format": "channels_first"})");
  BOOST_CHECK((shape_of(first, {std::nullopt, 3, 2, 2, 2}) == std::vector<PartialShape>{{std::nullopt, 3, 3, 2, 2}}));
  BOOST_CHECK((*first)(Tensor({1, 2, 1, 1, 1}, {5, 7})) == Tensor({1, 2, 2, 1, 1}, {0, 5, 0, 7}));
}

BOOST_AUTO_TEST_CASE(bad_options_name_the_key) {
  const auto config_error = [](const char* cls, const char* config) {
    return error_of<ConfigError>([&] { layer_from(cls, config); });
  };
  std::string e = config_error("ZeroPadding2D", R"({"padding": -1})");
  BOOST_CHECK(contains(e, "padding") && contains(e, "negative"));
  e = config_error("ZeroPadding2D", R"({"padding": [[1, 0], [0, -2]]})");
  BOOST_CHECK(contains(e, "padding[1][1]") && contains(e, "negative"));
  e = config_error("ZeroPadding2D", R"({"padding": [1, 2, 3]})");
  BOOST_CHECK(contains(e, "padding") && contains(e, "two elements"));
  e = config_error("ZeroPadding3D", R"({"padding": [1, 1]})");
  BOOST_CHECK(contains(e, "padding") && contains(e, "3 elements"));
  e = config_error("ZeroPadding3D", R"({"padding": [1, [1, 2, 3], 1]})");
  BOOST_CHECK(contains(e, "padding[1]") && contains(e, "2nd entry of padding"));
  e = config_error("ZeroPadding2D", R"({"padding": "same"})");
  BOOST_CHECK(contains(e, "padding"));
  BOOST_CHECK(contains(config_error("ZeroPadding3D", R"({"data_format": "NCDHW"})"), "data_format"));
  BOOST_CHECK(contains(config_error("MaxPooling1D", R"({"pool_size": [2, 2]})"), "pool_size"));
  BOOST_CHECK(contains(config_error("AveragePooling1D", R"({"strides": 0})"), "strides"));
  BOOST_CHECK(contains(config_error("MaxPooling3D", R"({"pool_size": [2, -1, 2]})"), "pool_size"));
  BOOST_CHECK(contains(config_error("AveragePooling3D", R"({"padding": "causal"})"), "padding"));
  BOOST_CHECK(contains(config_error("GlobalAveragePooling2D", R"({"data_format": "nhwc"})"), "data_format"));
  BOOST_CHECK(contains(config_error("GlobalMaxPooling3D", R"({"keepdims": 1, "extra": 2})"), "keepdims"));
  // The C++ constructors check too.
  ZeroPadding2D::Options o;
  o.padding[1] = {0, -1};
  BOOST_CHECK(contains(error_of<ValueError>([&] { ZeroPadding2D(o, LayerArgs{}); }), "2nd entry of padding"));
  // A valid window larger than the input.
  auto big = layer_from("MaxPooling3D", R"({"pool_size": 3})");
  BOOST_CHECK_THROW(shape_of(big, {std::nullopt, 2, 4, 4, 1}), ValueError);
}

BOOST_AUTO_TEST_CASE(adaptive_pooling_windows_and_config_errors) {
  // Length 5 to 3: windows [0, 2), [1, 4), [3, 5) (floor(i*5/3), ceil((i+1)*5/3)).
  auto average = layer_from("AdaptiveAveragePooling1D", R"({"output_size": 3})");
  BOOST_CHECK((*average)(Tensor({1, 5, 1}, {1, 2, 3, 4, 6})) == Tensor({1, 3, 1}, {1.5f, 3, 5}));
  auto maximum = layer_from("AdaptiveMaxPooling1D", R"({"output_size": [3], "data_format": "channels_first"})");
  BOOST_CHECK((*maximum)(Tensor({1, 1, 5}, {1, 7, 3, 4, 2})) == Tensor({1, 1, 3}, {7, 7, 4}));
  // Length 2 to 3 (more outputs than inputs): windows [0, 1), [0, 2), [1, 2).
  auto up = layer_from("AdaptiveAveragePooling2D", R"({"output_size": [1, 3]})");
  BOOST_CHECK((*up)(Tensor({1, 1, 2, 1}, {2, 4})) == Tensor({1, 1, 3, 1}, {2, 3, 4}));
  BOOST_CHECK(up->get_config().at("output_size") == (boost::json::array{1, 3}));

  auto config_error = [](const char* cls, const char* config) {
    return error_of<ConfigError>([&] { layer_from(cls, config); });
  };
  BOOST_CHECK(contains(config_error("AdaptiveMaxPooling3D", "{}"), "output_size"));
  BOOST_CHECK(contains(config_error("AdaptiveAveragePooling2D", R"({"output_size": [2, 0]})"), "output_size"));
  BOOST_CHECK(contains(config_error("AdaptiveAveragePooling1D", R"({"output_size": 2, "data_format": "nchw"})"),
                       "data_format"));
}

BOOST_AUTO_TEST_CASE(adaptive_max_pooling_propagates_nan_in_every_channel) {
  // 9 channels (a vector packet and a tail), NaN first, in the middle and last in the window.
  Tensor x({1, 3, 1, 9});
  for (std::int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 5);
  x.data()[0] = x.data()[9 + 4] = x.data()[18 + 8] = NAN;
  auto maximum = layer_from("AdaptiveMaxPooling2D", R"({"output_size": [1, 1]})");
  const Tensor y = (*maximum)(x);
  for (std::int64_t c = 0; c < 9; ++c) {
    const float expected = std::max({x.data()[c], x.data()[9 + c], x.data()[18 + c]});
    if (c % 4 == 0)
      BOOST_TEST(std::isnan(y.data()[c]), "channel " << c);
    else
      BOOST_TEST(y.data()[c] == expected, "channel " << c);
  }
}
