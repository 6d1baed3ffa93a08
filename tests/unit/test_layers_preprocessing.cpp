// UpSampling2D/3D, Resizing, CenterCrop, CategoryEncoding and Normalization beyond the
// Keras fixtures: options they do not cover, values worked out by hand from Keras's code,
// and errors naming the option.
#define BOOST_TEST_MODULE layers_preprocessing
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/shape.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>

using namespace kplug;

namespace {

using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;

using test::layer_from;

std::string config_of(const Layer& layer) { return json::write(layer.get_config()); }

Tensor iota(const Shape& shape) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

Tensor ints(Shape shape, std::vector<std::int32_t> values) {
  return Tensor::from_values<std::int32_t>(std::move(shape), values);
}

}  // namespace

BOOST_AUTO_TEST_CASE(up_sampling2d_nearest_channels_first_repeats_rows_and_columns) {
  auto layer = layer_from("UpSampling2D", R"({"name": "u", "size": [2, 1], "data_format": "channels_first"})");
  // (1, 1, 2, 2) -> (1, 1, 4, 2): each row twice.
  check_close((*layer)(iota({1, 1, 2, 2})), Tensor({1, 1, 4, 2}, {0, 1, 0, 1, 2, 3, 2, 3}));
  BOOST_CHECK(
      contains(config_of(*layer), R"("size": [2, 1], "data_format": "channels_first", "interpolation": "nearest")"));
}

BOOST_AUTO_TEST_CASE(up_sampling2d_bilinear_interpolates_with_half_pixel_centres) {
  auto layer = layer_from("UpSampling2D", R"({"name": "u", "size": 2, "interpolation": "bilinear"})");
  // A (1, 1, 2, 1) row [0, 4] -> [0, 1, 3, 4], two identical rows.
  check_close((*layer)(Tensor({1, 1, 2, 1}, {0, 4})), Tensor({1, 2, 4, 1}, {0, 1, 3, 4, 0, 1, 3, 4}));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("UpSampling2D", R"({"interpolation": "area"})"); }), "interpolation"));
}

BOOST_AUTO_TEST_CASE(up_sampling3d_channels_first) {
  auto layer = layer_from("UpSampling3D", R"({"name": "u", "size": [1, 2, 1], "data_format": "channels_first"})");
  check_close((*layer)(iota({1, 1, 1, 2, 1})), Tensor({1, 1, 1, 4, 1}, {0, 0, 1, 1}));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("UpSampling3D", R"({"size": [1, 0, 1]})"); }), "size"));
}

BOOST_AUTO_TEST_CASE(resizing_pads_to_the_aspect_ratio_with_the_fill_value) {
  auto layer = layer_from("Resizing", R"({"name": "r", "height": 4, "width": 4, "interpolation": "nearest",
                                          "pad_to_aspect_ratio": true, "fill_value": 9.0})");
  check_close((*layer)(iota({1, 2, 4, 1})), Tensor({1, 4, 4, 1}, {9, 9, 9, 9, 0, 1, 2, 3, 4, 5, 6, 7, 9, 9, 9, 9}));
  BOOST_CHECK(contains(config_of(*layer), R"("fill_mode": "constant", "fill_value": 9.0, "antialias": false)"));
}

BOOST_AUTO_TEST_CASE(resizing_unsupported_options_name_themselves) {
  const std::string interpolation = error_of<NotSupportedError>(
      [] { layer_from("Resizing", R"({"height": 2, "width": 2, "interpolation": "area"})"); });
  BOOST_CHECK_MESSAGE(contains(interpolation, "interpolation='area'"), interpolation);
  const std::string fill = error_of<NotSupportedError>(
      [] { layer_from("Resizing", R"({"height": 2, "width": 2, "fill_mode": "reflect"})"); });
  BOOST_CHECK_MESSAGE(contains(fill, "fill_mode='reflect'"), fill);
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Resizing", R"({"width": 2})"); }), "height"));
}

BOOST_AUTO_TEST_CASE(center_crop_of_a_smaller_image_resizes) {
  auto layer = layer_from("CenterCrop", R"({"name": "c", "height": 2, "width": 4})");
  // (1, 1, 2, 1) [0, 4]: the crop keeps it whole (aspect 1:2 -> 2:4), then bilinear 1x2 -> 2x4.
  check_close((*layer)(Tensor({1, 1, 2, 1}, {0, 4})), Tensor({1, 2, 4, 1}, {0, 1, 3, 4, 0, 1, 3, 4}));
}

BOOST_AUTO_TEST_CASE(category_encoding_one_hot_and_errors) {
  auto layer = layer_from("CategoryEncoding", R"({"name": "e", "num_tokens": 3, "output_mode": "one_hot"})");
  // A trailing axis of length 1 is replaced by the token axis; -1 gives a zero row.
  check_close((*layer)(ints({3, 1}, {2, 0, -1})), Tensor({3, 3}, {0, 0, 1, 1, 0, 0, 0, 0, 0}));
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(ints({1, 1}, {3})); }), "out of range [0, 3)"));
  auto binary = layer_from("CategoryEncoding", R"({"name": "b", "num_tokens": 2, "output_mode": "binary"})");
  BOOST_CHECK(contains(config_of(*binary), R"("output_mode": "multi_hot")"));
  BOOST_CHECK(contains(
      error_of<NotSupportedError>([] { layer_from("CategoryEncoding", R"({"num_tokens": 2, "sparse": true})"); }),
      "sparse=True"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("CategoryEncoding", R"({"num_tokens": 0})"); }), "num_tokens"));
}

BOOST_AUTO_TEST_CASE(normalization_with_given_statistics_and_invert) {
  auto layer = layer_from("Normalization", R"({"name": "n", "axis": -1, "mean": [1.0, 2.0], "variance": [4.0, 0.0]})");
  // (x - mean) / max(sqrt(var), 1e-7): the zero variance divides by epsilon.
  check_close((*layer)(Tensor::matrix({{3, 2}, {-1, 2}})), Tensor::matrix({{1, 0}, {-1, 0}}));
  BOOST_CHECK(layer->weights().empty());
  BOOST_CHECK(
      contains(config_of(*layer), R"("axis": [-1], "invert": false, "mean": [1.0, 2.0], "variance": [4.0, 0.0])"));

  auto invert = layer_from("Normalization", R"({"name": "i", "axis": null, "mean": 2, "variance": 9, "invert": true})");
  check_close((*invert)(Tensor::matrix({{1, -1}})), Tensor::matrix({{5, -1}}));
  BOOST_CHECK(contains(config_of(*invert), R"("axis": [])"));
}

BOOST_AUTO_TEST_CASE(normalization_weights_over_two_kept_axes) {
  auto layer = layer_from("Normalization", R"({"name": "n", "axis": [1, 2]})");
  layer->maybe_build({PartialShape({std::nullopt, 2, 2})});
  auto weights = layer->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 3u);
  BOOST_CHECK(weights[0]->shape() == (Shape{2, 2}));
  BOOST_CHECK(weights[2]->value().dtype() == DType::int32);
  layer->set_weights({Tensor({2, 2}, {0, 1, 2, 3}), Tensor({2, 2}, {1, 4, 9, 16}), weights[2]->value()});
  check_close((*layer)(Tensor({1, 2, 2}, {1, 3, 5, 7})), Tensor({1, 2, 2}, {1, 1, 1, 1}));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Normalization", R"({"mean": [1.0], "variance": null})"); }),
                       "both `mean` and `variance`"));
}

BOOST_AUTO_TEST_CASE(discretization_buckets_as_numpy_digitize) {
  // Bins (-inf, -1), [-1, 0), [0, 0.5), [0.5, inf): a boundary value falls in the bin above it.
  auto layer = layer_from("Discretization", R"({"bin_boundaries": [-1.0, 0.0, 0.5], "name": "d"})");
  const Tensor x({1, 5}, {-2.0f, -1.0f, 0.0f, 0.49f, 0.5f});
  const Tensor ids = (*layer)(x);
  BOOST_REQUIRE(ids.dtype() == DType::int32);
  const std::int32_t* got = ids.data_as<std::int32_t>();
  const std::vector<std::int32_t> expected{0, 1, 2, 2, 3};
  BOOST_CHECK_EQUAL_COLLECTIONS(got, got + 5, expected.begin(), expected.end());
  // multi_hot: which of the 4 bins occur in each row.
  auto multi =
      layer_from("Discretization", R"({"bin_boundaries": [-1.0, 0.0, 0.5], "output_mode": "multi_hot", "name": "m"})");
  check_close((*multi)(x), Tensor({1, 4}, {1, 1, 1, 1}));
  check_close((*multi)(Tensor({1, 2}, {0.1f, 0.2f})), Tensor({1, 4}, {0, 0, 1, 0}));
  // Keras's config: no trainable key, the dtype as a name.
  BOOST_CHECK_EQUAL(config_of(*layer),
                    R"({"bin_boundaries": [-1.0, 0.0, 0.5], "num_bins": null, "epsilon": 0.01, "output_mode": "int", )"
                    R"("sparse": false, "name": "d", "dtype": "float32"})");
}

BOOST_AUTO_TEST_CASE(discretization_config_errors_name_the_key) {
  BOOST_CHECK(contains(
      error_of<Error>([] { layer_from("Discretization", R"({"bin_boundaries": [0.0], "output_mode": "binary"})"); }),
      "output_mode"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("Discretization", R"({"bin_boundaries": [0.0], "trainable": true})"); }),
               "trainable"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Discretization", R"({})"); }), "`bin_boundaries`"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Discretization", R"({"bin_boundaries": [1.0, 0.0]})"); }),
                       "increasing"));
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("Discretization",
                                    R"({"bin_boundaries": [0.0], "output_mode": "count", "sparse": true})");
                       }),
                       "sparse=True is not supported"));
  // Only num_bins (adapt() never ran): the layer exists, calling it is Keras's error.
  auto unadapted = layer_from("Discretization", R"({"num_bins": 4})");
  BOOST_CHECK(contains(error_of<Error>([&] { (*unadapted)(Tensor({1, 1}, {0.0f})); }), "adapt"));
}
