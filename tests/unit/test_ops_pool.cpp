// ops::pool3d (the pooling kernel behind pool1d/pool2d) and ops::masked_mean: values worked
// out by hand from Keras's formulas (windows, "same" padding with the odd zero after, the
// average over real elements only).
#define BOOST_TEST_MODULE ops_pool
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/pooling.hpp"

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

using namespace kplug;

namespace {

// x[n, d, h, w, c] = 100 d + 10 h + w (+ 1000 c): every element tells where it came from.
Tensor positions(std::int64_t D, std::int64_t H, std::int64_t W, std::int64_t C = 1) {
  std::vector<float> v;
  for (std::int64_t d = 0; d < D; ++d)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t w = 0; w < W; ++w)
        for (std::int64_t c = 0; c < C; ++c) v.push_back(static_cast<float>(100 * d + 10 * h + w + 1000 * c));
  return Tensor(Shape{1, D, H, W, C}, v);
}

}  // namespace

BOOST_AUTO_TEST_CASE(pool3d_valid_takes_whole_windows) {
  const Tensor x = positions(3, 2, 2, 2);
  // pool 2 everywhere: one window per axis (the third depth slice is dropped).
  // max: d 1, h 1, w 1 -> 111 and 1111; mean of 0/100 x 0/10 x 0/1 -> 55.5 (+1000).
  BOOST_TEST((ops::max_pool3d(x) == Tensor(Shape{1, 1, 1, 1, 2}, std::vector<float>{111, 1111})));
  BOOST_TEST((ops::avg_pool3d(x) == Tensor(Shape{1, 1, 1, 1, 2}, std::vector<float>{55.5f, 1055.5f})));
}

BOOST_AUTO_TEST_CASE(pool3d_strides_differ_from_pool_size) {
  const Tensor x = positions(3, 1, 4);
  // Depth pool 2 stride 1 -> 2 positions; width pool 2 stride 2 -> 2; height pool 1.
  const Tensor y = ops::max_pool3d(x, {.pool = {2, 1, 2}, .strides = {1, 1, 2}});
  BOOST_TEST((y == Tensor(Shape{1, 2, 1, 2, 1}, std::vector<float>{101, 103, 201, 203})));
  const Tensor a = ops::avg_pool3d(x, {.pool = {2, 1, 3}, .strides = {1, 1, 1}});
  // Width windows [0 1 2], [1 2 3] (means 1, 2); depth pairs 0/1, 1/2 (means 50, 150).
  BOOST_TEST((a == Tensor(Shape{1, 2, 1, 2, 1}, std::vector<float>{51, 52, 151, 152})));
}

BOOST_AUTO_TEST_CASE(pool3d_same_divides_by_real_elements) {
  // Depth 3, pool 2, stride 2, same: out 2, padding total 1, all after: windows {0, 1}, {2}.
  // Width 3, pool 3, stride 1, same: out 3, padding 1 + 1: windows {0,1}, {0,1,2}, {1,2}.
  const Tensor x = positions(3, 1, 3);
  const Tensor a = ops::avg_pool3d(x, {.pool = {2, 1, 3}, .strides = {2, 1, 1}, .padding = ops::Padding::same});
  BOOST_TEST((a == Tensor(Shape{1, 2, 1, 3, 1}, std::vector<float>{50.5f, 51, 51.5f, 200.5f, 201, 201.5f})));
  const Tensor m = ops::max_pool3d(x, {.pool = {2, 1, 3}, .strides = {2, 1, 1}, .padding = ops::Padding::same});
  BOOST_TEST((m == Tensor(Shape{1, 2, 1, 3, 1}, std::vector<float>{101, 102, 102, 201, 202, 202})));
  // Negative values: a max over padded windows never sees a padding zero.
  const Tensor neg = ops::max_pool3d(ops::multiply(x, -1.0f), {.pool = {1, 1, 2}, .padding = ops::Padding::same});
  BOOST_TEST((neg == Tensor(Shape{1, 3, 1, 2, 1}, std::vector<float>{0, -2, -100, -102, -200, -202})));
}

BOOST_AUTO_TEST_CASE(pool1d_and_pool2d_go_through_pool3d) {
  // Same padding on a length-4 axis with pool 3 stride 2: out 2, total padding 1 (after).
  const Tensor seq(Shape{1, 4, 1}, std::vector<float>{1, 2, 3, 4});
  BOOST_TEST((ops::avg_pool1d(seq, {.pool = 3, .stride = 2, .padding = ops::Padding::same}) ==
              Tensor(Shape{1, 2, 1}, std::vector<float>{2, 3.5f})));
  const Tensor img(Shape{1, 2, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6});
  BOOST_TEST((ops::max_pool2d(img, {.pool = {2, 2}, .strides = {1, 1}}) ==
              Tensor(Shape{1, 1, 2, 1}, std::vector<float>{5, 6})));
}

BOOST_AUTO_TEST_CASE(pool3d_max_propagates_nan) {
  const Tensor x(Shape{1, 1, 1, 2, 1}, std::vector<float>{NAN, 1});
  BOOST_TEST(std::isnan(ops::max_pool3d(x, {.pool = {1, 1, 2}}).values()[0]));
}

BOOST_AUTO_TEST_CASE(pool3d_bad_arguments) {
  const Tensor x = positions(2, 2, 2);
  BOOST_CHECK_THROW(ops::max_pool3d(Tensor(Shape{1, 2, 2, 1})), ValueError);  // rank 4
  BOOST_CHECK_THROW(ops::max_pool3d(x, {.pool = {3, 1, 1}}), ValueError);     // window > input, valid
  BOOST_CHECK_THROW(ops::max_pool3d(x, {.pool = {0, 1, 1}}), ValueError);
  BOOST_CHECK_THROW(ops::max_pool3d(x, {.pool = {1, 1, 1}, .strides = {1, -1, 1}}), ValueError);
  BOOST_CHECK_THROW(ops::max_pool3d(x, {.padding = ops::Padding::causal}), ValueError);
}

BOOST_AUTO_TEST_CASE(masked_mean_averages_the_set_steps_only) {
  // (batch 2, steps 3, features 2); mask (2, 3, 1) broadcast over the features.
  const Tensor x(Shape{2, 3, 2}, std::vector<float>{1, 10, 2, 20, NAN, 30, 4, 40, 5, 50, 6, 60});
  const bool set[] = {true, true, false, false, true, true};
  const Tensor mask = Tensor::from_values<bool>(Shape{2, 3, 1}, std::span<const bool>(set));
  // Row 0: steps 0, 1 (the NaN at a masked step is dropped, as Keras's where); row 1: 1, 2.
  BOOST_TEST((ops::masked_mean(x, mask, 1) == Tensor(Shape{2, 2}, std::vector<float>{1.5f, 15, 5.5f, 55})));
  BOOST_TEST((ops::masked_mean(x, mask, 1, true) == Tensor(Shape{2, 1, 2}, std::vector<float>{1.5f, 15, 5.5f, 55})));
  // A numeric mask: nonzero = set; a row with nothing set gives NaN (0 / 0), as Keras.
  const Tensor numeric(Shape{2, 3, 1}, std::vector<float>{0, 0, 0, 2, 0, 0});
  const Tensor y = ops::masked_mean(x, numeric, 1);
  BOOST_TEST(std::isnan(y.values()[0]));
  BOOST_TEST(std::isnan(y.values()[1]));
  BOOST_TEST(y.values()[2] == 4.0f);
  BOOST_TEST(y.values()[3] == 40.0f);
  // Several axes at once.
  const Tensor all = ops::masked_mean(x, mask, {0, 1});
  BOOST_TEST((all == Tensor(Shape{2}, std::vector<float>{3.5f, 35})));  // (1+2+5+6)/4, (10+20+50+60)/4
}

BOOST_AUTO_TEST_CASE(masked_mean_rejects_a_mask_that_does_not_fit) {
  const Tensor x(Shape{2, 3, 2});
  BOOST_CHECK_THROW(ops::masked_mean(x, Tensor(Shape{2, 4, 1}), 1), ValueError);
  BOOST_CHECK_THROW(ops::masked_mean(x, Tensor(Shape{2, 3, 2, 1}), 1), ValueError);  // would grow x
}
