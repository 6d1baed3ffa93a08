// UpSampling2D/3D, Resizing, CenterCrop, CategoryEncoding, Normalization, STFTSpectrogram,
// MelSpectrogram and Discretization beyond the Keras fixtures: options they do not cover, values worked out by hand
// from Keras's code, and errors naming the option.
#define BOOST_TEST_MODULE layers_preprocessing
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/audio.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <numbers>

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

// ---- audio ----

namespace {

// cos(2 pi cycles n / period) for n < samples.
Tensor tone(Shape shape, double cycles, double period) {
  Tensor t(std::move(shape));
  const std::int64_t samples = t.dim(-1);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<float>(std::cos(2.0 * std::numbers::pi * cycles * static_cast<double>(i % samples) / period));
  }
  return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(stft_spectrogram_of_a_cosine_peaks_at_its_bin) {
  // No window, no scaling: the plain DFT. cos(2 pi 2 n / 8) in frames of 8: bin 2 holds 4.
  auto layer = layer_from("STFTSpectrogram", R"({"name": "s", "mode": "magnitude", "frame_length": 8,
                                                 "frame_step": 8, "window": null, "scaling": null})");
  const Tensor out = (*layer)(tone({1, 1, 16}, 2.0, 8.0).reshape({1, 16, 1}));
  BOOST_REQUIRE(out.shape() == (Shape{1, 2, 5}));
  const float floor = std::sqrt(1e-7f);  // the magnitude of a silent bin
  check_close(out, Tensor({1, 2, 5}, {floor, floor, 4, floor, floor, floor, floor, 4, floor, floor}), 1e-4f);
  BOOST_CHECK(layer->weights().size() == 2u);
  BOOST_CHECK(layer->weights()[0]->name() == "real_kernel");
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{8, 1, 5}));
}

BOOST_AUTO_TEST_CASE(stft_spectrogram_layouts_and_kernels_per_mode) {
  // Channel 0 a tone at bin 1 of 4, channel 1 silent; channels_first, expand_dims: (batch,
  // channels, frames, bins).
  Tensor x({1, 2, 8});
  for (std::int64_t n = 0; n < 8; ++n) x[n] = static_cast<float>(std::cos(std::numbers::pi * n / 2.0));
  const auto make = [](const std::string& extra) {
    return layer_from("STFTSpectrogram", R"({"name": "s", "frame_length": 4, "window": null, "scaling": null,
                                            "data_format": "channels_first")" +
                                             extra + "}");
  };
  auto expanded = make(R"(, "mode": "real", "expand_dims": true)");
  const Tensor real = (*expanded)(x);
  BOOST_REQUIRE(real.shape() == (Shape{1, 2, 3, 3}));  // frame_step 4 / 2 = 2: (8 - 4) / 2 + 1 frames
  BOOST_CHECK_CLOSE(real.at({0, 0, 0, 1}), 2.0f, 1e-3);
  BOOST_CHECK_SMALL(real.at({0, 1, 2, 1}), 1e-6f);
  BOOST_REQUIRE_EQUAL(expanded->weights().size(), 1u);  // mode real: no imag_kernel
  BOOST_CHECK(expanded->weights()[0]->name() == "real_kernel");
  auto flat = make(R"(, "mode": "imag")");
  BOOST_REQUIRE(flat->weights().empty());  // built on first call
  const Tensor imag = (*flat)(x);
  BOOST_CHECK(imag.shape() == (Shape{1, 6, 3}));  // channels * bins, frames
  BOOST_CHECK(flat->weights()[0]->name() == "imag_kernel");
  auto both = make(R"(, "mode": "stft", "data_format": "channels_last")");
  const Tensor stft = (*both)(ops::permute(x, {0, 2, 1}));
  BOOST_CHECK(stft.shape() == (Shape{1, 3, 12}));  // frames, channels * 2 bins
  BOOST_CHECK_CLOSE(stft.at({0, 0, 1}), 2.0f, 1e-3);
  BOOST_CHECK_EQUAL(both->weights().size(), 2u);
  // compute_output_shape agrees with call.
  const auto shape_matches = [](const LayerPtr& layer, const PartialShape& in, const Tensor& y) {
    std::vector<Dim> dims{std::nullopt};
    for (std::int64_t i = 1; i < y.rank(); ++i) dims.push_back(y.dim(i));
    return layer->compute_output_shape({in})[0] == PartialShape(dims);
  };
  BOOST_CHECK(shape_matches(expanded, {std::nullopt, 2, 8}, real));
  BOOST_CHECK(shape_matches(flat, {std::nullopt, 2, 8}, imag));
  BOOST_CHECK(shape_matches(both, {std::nullopt, 8, 2}, stft));
  // same padding keeps ceil(time / step) frames.
  auto same = make(R"(, "padding": "same", "frame_step": 3)");
  BOOST_CHECK(same->compute_output_shape({PartialShape{std::nullopt, 2, 8}})[0] == (PartialShape{std::nullopt, 6, 3}));
  BOOST_CHECK((*same)(x).shape() == (Shape{1, 6, 3}));
}

BOOST_AUTO_TEST_CASE(stft_spectrogram_config_defaults_and_errors) {
  auto layer = layer_from("STFTSpectrogram", R"({"name": "s", "frame_length": 12, "window": [1, 0.5, 1, 1, 1, 1,
                                                 1, 1, 1, 1, 1, 0.5], "periodic": true})");
  layer->maybe_build({PartialShape{std::nullopt, 40, 1}});
  // fft_length: the next power of two (16, so 9 bins); frame_step: 12 / 2; both written as given.
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{12, 1, 9}));
  BOOST_CHECK(layer->compute_output_shape({PartialShape{std::nullopt, 40, 1}})[0] ==
              (PartialShape{std::nullopt, 5, 9}));
  BOOST_CHECK(contains(config_of(*layer),
                       R"("mode": "log", "frame_length": 12, "frame_step": null, "fft_length": null, "window": [1, )"
                       R"(0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5], "periodic": true, "scaling": "density", )"
                       R"("padding": "valid", "data_format": "channels_last", "expand_dims": false)"));
  const std::string mode = error_of<Error>([] { layer_from("STFTSpectrogram", R"({"mode": "loud"})"); });
  BOOST_CHECK_MESSAGE(contains(mode, "mode") && contains(mode, "'loud'") && contains(mode, "log"), mode);
  const std::string padding = error_of<Error>([] { layer_from("STFTSpectrogram", R"({"padding": "causal"})"); });
  BOOST_CHECK_MESSAGE(contains(padding, "padding"), padding);
  const std::string scaling = error_of<Error>([] { layer_from("STFTSpectrogram", R"({"scaling": "power"})"); });
  BOOST_CHECK_MESSAGE(contains(scaling, "scaling"), scaling);
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("STFTSpectrogram", R"({"frame_length": 8, "frame_step": 9})"); }),
               "`frame_step` should be a positive integer not greater than `frame_length`"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("STFTSpectrogram", R"({"frame_length": 8, "fft_length": 4})"); }),
               "`fft_length` should be not less than `frame_length`"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("STFTSpectrogram", R"({"frame_length": 1})"); }),
                       "explicit `frame_step`"));
  BOOST_CHECK(contains(error_of<NotSupportedError>([] { layer_from("STFTSpectrogram", R"({"window": "kaiser"})"); }),
                       "kaiser"));
  const std::string values = error_of<Error>([] { layer_from("STFTSpectrogram", R"({"window": [1, "a"]})"); });
  BOOST_CHECK_MESSAGE(contains(values, "window[1]"), values);
  auto wrong_length = layer_from("STFTSpectrogram", R"({"frame_length": 4, "window": [1, 1]})");
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*wrong_length)(Tensor({1, 8, 1})); }), "window"));
  BOOST_CHECK(contains(error_of<Error>([&] { (*wrong_length)(Tensor({1, 8})); }), "rank 3"));
}

BOOST_AUTO_TEST_CASE(mel_spectrogram_of_a_tone_is_loudest_in_its_band) {
  // 1000 Hz at 8000 Hz is FFT bin 8 of 64; without decibels the band whose centre is nearest
  // 1000 Hz in mel is the loudest in every frame.
  auto layer = layer_from("MelSpectrogram", R"({"name": "m", "fft_length": 64, "sequence_stride": 16,
                                                "sampling_rate": 8000, "num_mel_bins": 8, "power_to_db": false})");
  const Tensor out = (*layer)(tone({1, 256}, 1000.0, 8000.0));
  BOOST_REQUIRE(out.shape() == (Shape{1, 8, 17}));  // (256 + 16 + 1) / 16 frames
  const auto mel = [](double hz) { return 1127.0 * std::log1p(hz / 700.0); };
  const double step = (mel(4000.0) - mel(20.0)) / 9.0;
  std::int64_t nearest = 0;
  for (std::int64_t b = 1; b < 8; ++b) {
    const auto distance = [&](std::int64_t i) { return std::fabs(mel(20.0) + step * (i + 1) - mel(1000.0)); };
    if (distance(b) < distance(nearest)) nearest = b;
  }
  const Tensor loudest = ops::argmax(out, 1);
  for (std::int64_t f = 2; f < 15; ++f) BOOST_CHECK_EQUAL(loudest.data_as<std::int64_t>()[f], nearest);
  BOOST_CHECK(layer->compute_output_shape({PartialShape{std::nullopt, 256}})[0] == (PartialShape{std::nullopt, 8, 17}));

  // Decibels: the range is at most top_db; an unbatched signal gives (mel bins, frames).
  auto db = layer_from("MelSpectrogram", R"({"name": "d", "fft_length": 64, "sequence_stride": 16, "top_db": 30.0,
                                             "sampling_rate": 8000, "num_mel_bins": 8})");
  const Tensor unbatched = (*db)(tone({256}, 1000.0, 8000.0));
  BOOST_REQUIRE(unbatched.shape() == (Shape{8, 17}));
  BOOST_CHECK_LE(unbatched.max() - unbatched.min(), 30.0f + 1e-4f);
}

BOOST_AUTO_TEST_CASE(mel_spectrogram_config_resolves_defaults_and_names_errors) {
  auto layer = layer_from("MelSpectrogram", R"({"name": "m", "fft_length": 32, "sampling_rate": 11025,
                                                "sequence_length": null, "max_freq": null})");
  // Keras writes `sequence_length or fft_length` and `max_freq or int(sampling_rate / 2)`.
  BOOST_CHECK(contains(config_of(*layer), R"("fft_length": 32, "sequence_stride": 512, "sequence_length": 32, )"
                                          R"("window": "hann", "sampling_rate": 11025, "num_mel_bins": 128, )"
                                          R"("min_freq": 20.0, "max_freq": 5512, "power_to_db": true, "top_db": 80.0, )"
                                          R"("mag_exp": 2.0, "min_power": 1e-10, "ref_power": 1.0)"));
  const std::string window = error_of<Error>([] { layer_from("MelSpectrogram", R"({"window": "boxcar"})"); });
  BOOST_CHECK_MESSAGE(contains(window, "window") && contains(window, "'boxcar'"), window);
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("MelSpectrogram", R"({"fft_length": 16, "sequence_length": 32})"); }),
               "`fft_length` must be greater than or equal to"));
  BOOST_CHECK(
      contains(error_of<Error>([] { layer_from("MelSpectrogram", R"({"sequence_stride": 0})"); }), "sequence_stride"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("MelSpectrogram", R"({"num_mel_bin": 8})"); }), "num_mel_bins"));
  auto none = layer_from("MelSpectrogram", R"({"window": null, "fft_length": 16, "sequence_stride": 8})");
  BOOST_CHECK(contains(error_of<Error>([&] { (*none)(Tensor({2, 3, 4})); }), "rank 1 or 2"));
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
  BOOST_CHECK(contains(error_of<Error>([&] { (*unadapted)(Tensor({1, 1}, 0.0f)); }), "adapt"));
}
