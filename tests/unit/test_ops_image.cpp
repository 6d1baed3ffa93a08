// kplug::ops image resampling (ops/image.hpp) against values worked out by hand from
// Keras's numpy backend (keras/src/backend/numpy/image.py): half-pixel sample positions,
// a triangle kernel normalised per output pixel, nearest at floor((j + 0.5) * in / out).
#define BOOST_TEST_MODULE ops_image
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops/image.hpp"
#include "kplug/ops/shape.hpp"
#include "test_support.hpp"

#include <cstdint>
#include <vector>

using namespace kplug;
using test::check_close;
using test::contains;
using test::error_of;

namespace {

// (1, h, w, 1) from rows.
Tensor image(std::int64_t h, std::int64_t w, std::vector<float> values) {
  return Tensor({1, h, w, 1}, std::move(values));
}

std::vector<float> iota(std::int64_t n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bilinear_weights_use_half_pixel_centres) {
  // Upscaling 2 -> 4: samples at -0.25, 0.25, 0.75, 1.25 (the edges clamp to the end pixels).
  check_close(ops::resize_weights(2, 4, ops::Interpolation::bilinear),
              Tensor({2, 4}, {1.0f, 0.75f, 0.25f, 0.0f, 0.0f, 0.25f, 0.75f, 1.0f}));
  // Downscaling 4 -> 2 without antialias: samples at 0.5 and 2.5 average neighbours.
  check_close(ops::resize_weights(4, 2, ops::Interpolation::bilinear),
              Tensor({4, 2}, {0.5f, 0.0f, 0.5f, 0.0f, 0.0f, 0.5f, 0.0f, 0.5f}));
  // With antialias the kernel widens by 2: |0.5 - i| / 2 -> 0.75, 0.75, 0.25, 0 over 1.75.
  check_close(ops::resize_weights(4, 2, ops::Interpolation::bilinear, true),
              Tensor({4, 2}, {3.0f / 7, 0.0f, 3.0f / 7, 1.0f / 7, 1.0f / 7, 3.0f / 7, 0.0f, 3.0f / 7}));
}

BOOST_AUTO_TEST_CASE(kernel_weights_are_normalised_per_output_pixel) {
  for (auto interpolation : {ops::Interpolation::bicubic, ops::Interpolation::lanczos3, ops::Interpolation::lanczos5}) {
    const Tensor w = ops::resize_weights(5, 9, interpolation);
    for (std::int64_t j = 0; j < 9; ++j) {
      float total = 0.0f;
      for (std::int64_t i = 0; i < 5; ++i) total += w.at({i, j});
      BOOST_CHECK_CLOSE(total, 1.0f, 1e-4);
    }
  }
  BOOST_CHECK(contains(error_of<ValueError>([] { ops::resize_weights(0, 2, ops::Interpolation::bilinear); }),
                       "must be positive"));
}

BOOST_AUTO_TEST_CASE(bilinear_resize_of_a_2x2_image) {
  const Tensor out = ops::resize(image(2, 2, {1, 2, 3, 4}), 4, 4);
  // Rows [1, 1.25, 1.75, 2] and [3, 3.25, 3.75, 4], blended 3:1 and 1:3 in between.
  check_close(out, Tensor({1, 4, 4, 1}, {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f,  //
                                         2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f, 4.0f}));
}

BOOST_AUTO_TEST_CASE(nearest_resize_samples_at_floor_of_the_half_pixel_position) {
  ops::ResizeOptions nearest;
  nearest.interpolation = ops::Interpolation::nearest;
  // Height 2 -> 4 takes rows 0, 0, 1, 1; width 3 -> 2 takes columns floor(0.75) = 0 and floor(2.25) = 2.
  const Tensor out = ops::resize(image(2, 3, iota(6)), 4, 2, nearest);
  check_close(out, Tensor({1, 4, 2, 1}, {0, 2, 0, 2, 3, 5, 3, 5}));
}

BOOST_AUTO_TEST_CASE(crop_to_aspect_ratio_takes_the_central_window_first) {
  ops::ResizeOptions o;
  o.interpolation = ops::Interpolation::nearest;
  o.crop_to_aspect_ratio = true;
  // 4x6 -> 3x3: a 4x4 crop starting at column 1, then rows/columns 0, 2, 3 of it.
  const Tensor out = ops::resize(image(4, 6, iota(24)), 3, 3, o);
  std::vector<float> expected;
  for (std::int64_t r : {0, 2, 3}) {
    for (std::int64_t c : {0, 2, 3}) expected.push_back(static_cast<float>(r * 6 + 1 + c));
  }
  check_close(out, Tensor({1, 3, 3, 1}, expected));
}

BOOST_AUTO_TEST_CASE(pad_to_aspect_ratio_pads_the_short_side_with_the_fill_value) {
  ops::ResizeOptions o;
  o.pad_to_aspect_ratio = true;
  o.fill_value = -1.0f;
  // 2x4 -> 4x4: one row of fill above and below, then nothing left to resize.
  const Tensor out = ops::resize(image(2, 4, iota(8)), 4, 4, o);
  check_close(out, Tensor({1, 4, 4, 1}, {-1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, -1, -1, -1, -1}));
  o.crop_to_aspect_ratio = true;
  BOOST_CHECK(
      contains(error_of<ValueError>([&] { ops::resize(image(2, 4, iota(8)), 4, 4, o); }), "pad_to_aspect_ratio"));
}

BOOST_AUTO_TEST_CASE(channels_first_and_unbatched_images_resize_the_same_pixels) {
  Tensor x({1, 3, 2, 2});  // (batch, h, w, c)
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i * i % 7);
  const Tensor last = ops::resize(x, 5, 3);
  ops::ResizeOptions first;
  first.channels_first = true;
  const Tensor cf = ops::resize(ops::permute(x, {0, 3, 1, 2}), 5, 3, first);
  check_close(ops::permute(cf, {0, 2, 3, 1}), last);
  check_close(ops::resize(x.reshape({3, 2, 2}), 5, 3), last.reshape({5, 3, 2}));
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::resize(x.reshape({3, 4}), 5, 3); }), "images rank"));
}

BOOST_AUTO_TEST_CASE(center_crop_slices_or_resizes_small_images) {
  // 4x5 -> 2x3: rows 1..2, columns 1..3.
  const Tensor out = ops::center_crop(image(4, 5, iota(20)), 2, 3);
  check_close(out, Tensor({1, 2, 3, 1}, {6, 7, 8, 11, 12, 13}));
  // Smaller than the target: Keras's smart_resize, here a plain bilinear 2x2 -> 4x4.
  check_close(ops::center_crop(image(2, 2, {1, 2, 3, 4}), 4, 4), ops::resize(image(2, 2, {1, 2, 3, 4}), 4, 4));
}

BOOST_AUTO_TEST_CASE(repeat_repeats_each_element_along_an_axis) {
  const Tensor x = Tensor::matrix({{1, 2}, {3, 4}});
  check_close(ops::repeat(x, 2, 1), Tensor::matrix({{1, 1, 2, 2}, {3, 3, 4, 4}}));
  check_close(ops::repeat(x, 3, -2), Tensor::matrix({{1, 2}, {1, 2}, {1, 2}, {3, 4}, {3, 4}, {3, 4}}));
  const std::vector<std::int32_t> ints{5, 6};
  const Tensor r = ops::repeat(Tensor::from_values<std::int32_t>({2}, ints), 2, 0);
  BOOST_CHECK(r.dtype() == DType::int32);
  BOOST_CHECK_EQUAL(r.data_as<std::int32_t>()[1], 5);
  BOOST_CHECK_EQUAL(r.data_as<std::int32_t>()[2], 6);
}
