// kplug::ops against numpy's rules and against direct definitions computed in the test
// (index arithmetic written out element by element), plus small hand-worked values.
#define BOOST_TEST_MODULE ops
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "test_support.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

using namespace kplug;
using test::check_close;

namespace {

Tensor random_tensor(const Shape& shape, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  Tensor t(shape);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    index[i] = flat % shape[i];
    flat /= shape[i];
  }
  return index;
}

// numpy's broadcasting by its definition: align right, a length-1 axis repeats.
float broadcast_element(const Tensor& t, const std::vector<std::int64_t>& out_index) {
  std::int64_t flat = 0;
  const std::size_t offset = out_index.size() - t.shape().size();
  for (std::size_t i = 0; i < t.shape().size(); ++i) {
    const std::int64_t d = t.shape()[i];
    flat = flat * d + (d == 1 ? 0 : out_index[i + offset]);
  }
  return t[flat];
}

}  // namespace

BOOST_AUTO_TEST_CASE(broadcast_shapes_follow_numpy) {
  BOOST_TEST((ops::broadcast_shapes({2, 1, 4}, {3, 1}) == Shape{2, 3, 4}));
  BOOST_TEST((ops::broadcast_shapes({}, {5}) == Shape{5}));
  BOOST_TEST((ops::broadcast_shapes({0, 1}, {1, 3}) == Shape{0, 3}));
  BOOST_TEST((ops::broadcast_shapes({8, 1, 6, 1}, {7, 1, 5}) == Shape{8, 7, 6, 5}));  // numpy's docs
  BOOST_CHECK_THROW(ops::broadcast_shapes({3}, {4}), ValueError);
  BOOST_CHECK_THROW(ops::broadcast_shapes({2, 1}, {8, 4, 3}), ValueError);  // numpy's docs
  BOOST_CHECK_THROW(ops::add(Tensor(Shape{2, 3}), Tensor(Shape{2})), ValueError);
  Tensor row(Shape{3});
  BOOST_CHECK_THROW(ops::add_(row, Tensor(Shape{2, 3})), ValueError);  // in place cannot grow `row`
}

BOOST_AUTO_TEST_CASE(binary_ops_match_the_definition) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4}, {2, 3, 4}},       {{2, 3, 4}, {4}},       {{4}, {2, 3, 4}},    {{2, 3, 4}, {2, 3, 1}},
      {{2, 1, 4}, {3, 1}},          {{2, 3, 4}, {}},        {{}, {2, 3}},        {{5, 1}, {1, 6}},
      {{1, 3, 1, 2}, {4, 1, 5, 1}}, {{2, 3, 4}, {1, 3, 1}}, {{2, 0, 3}, {1, 3}}, {{3, 1, 1}, {3, 4, 5}}};
  std::uint32_t seed = 1;
  for (const auto& [sa, sb] : cases) {
    const Tensor a = random_tensor(sa, seed++), b = random_tensor(sb, seed++);
    const Shape shape = ops::broadcast_shapes(sa, sb);
    const Tensor sum = ops::add(a, b), diff = a - b, prod = a * b, quot = ops::divide(a, b), mx = ops::maximum(a, b);
    const Tensor generic = ops::binary(a, b, [](float x, float y) { return x * 2.0f - y; });
    BOOST_REQUIRE((sum.shape() == shape));
    for (std::int64_t i = 0; i < sum.size(); ++i) {
      const auto index = unravel(i, shape);
      const float x = broadcast_element(a, index), y = broadcast_element(b, index);
      BOOST_TEST(sum[i] == x + y);
      BOOST_TEST(diff[i] == x - y);
      BOOST_TEST(prod[i] == x * y);
      BOOST_TEST(quot[i] == x / y);
      BOOST_TEST(mx[i] == std::max(x, y));
      BOOST_TEST(generic[i] == x * 2.0f - y);
    }
  }
}

BOOST_AUTO_TEST_CASE(out_and_in_place_forms) {
  const Tensor a = random_tensor({4, 8}, 3), bias = random_tensor({8}, 4);
  Tensor out(Shape{4, 8});
  const float* before = std::as_const(out).data();
  ops::add(a, bias, out);  // reused: right shape and dtype
  BOOST_TEST(std::as_const(out).data() == before);
  check_close(out, a + bias, 0.0f);
  Tensor wrong(Shape{3});
  ops::multiply(a, bias, wrong);  // replaced
  BOOST_TEST((wrong.shape() == Shape{4, 8}));
  Tensor x = a.clone();
  ops::add_(x, bias);
  check_close(x, a + bias, 0.0f);
  // Aliased: out is an input that must grow.
  Tensor small = bias;
  ops::add(a, small, small);
  check_close(small, a + bias, 0.0f);
  // maximum and minimum propagate NaN, as numpy.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  BOOST_TEST(std::isnan(ops::maximum(Tensor::vector({nan, 1}), Tensor::vector({0, 2}))[0]));
  BOOST_TEST(std::isnan(ops::minimum(Tensor::vector({0, 1}), Tensor::vector({nan, 2}))[0]));
  BOOST_TEST(std::isnan(maximum(Tensor::vector({nan}), 0.0f)[0]));
}

BOOST_AUTO_TEST_CASE(permute_matches_the_definition) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 7);
  for (const std::vector<std::int64_t>& perm : std::vector<std::vector<std::int64_t>>{
           {0, 2, 1, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}, {0, 1, 2, 3}, {2, 3, 0, 1}, {0, 1, 3, 2}}) {
    const Tensor y = ops::permute(x, perm);
    for (std::int64_t i = 0; i < y.size(); ++i) {
      const auto out_index = unravel(i, y.shape());
      std::vector<std::int64_t> in_index(4);
      for (std::size_t k = 0; k < 4; ++k) in_index[static_cast<std::size_t>(perm[k])] = out_index[k];
      BOOST_TEST(y[i] == x.at({in_index[0], in_index[1], in_index[2], in_index[3]}));
    }
  }
  // Any dtype; and moveaxis.
  const std::vector<std::int64_t> ids{1, 2, 3, 4, 5, 6};
  const Tensor t = ops::permute(Tensor::from_values<std::int64_t>({2, 3}, ids), {1, 0});
  BOOST_TEST(t.data_as<std::int64_t>()[1] == 4);
  BOOST_TEST((ops::moveaxis(x, 1, -1).shape() == Shape{2, 4, 5, 3}));
  BOOST_CHECK_THROW(ops::permute(x, {0, 0, 1, 2}), ValueError);
}

BOOST_AUTO_TEST_CASE(reductions) {
  const Tensor x = Tensor(Shape{2, 3, 2}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  BOOST_TEST((ops::sum(x, {0, 2}) == Tensor::vector({1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12})));
  BOOST_TEST((ops::sum(x, {0, 2}, true).shape() == Shape{1, 3, 1}));
  BOOST_TEST((ops::sum(x, 1) == Tensor::matrix({{9, 12}, {27, 30}})));
  BOOST_TEST(ops::sum(x).item() == 78.0f);
  BOOST_TEST((ops::mean(x, -1) == Tensor::matrix({{1.5f, 3.5f, 5.5f}, {7.5f, 9.5f, 11.5f}})));
  BOOST_TEST((ops::max(x, {0, 1}) == Tensor::vector({11, 12})));
  BOOST_TEST((ops::min(x, 0) == Tensor::matrix({{1, 2}, {3, 4}, {5, 6}})));
  BOOST_TEST((ops::prod(Tensor::vector({2, 3, 4})) == Tensor::scalar(24)));
  BOOST_TEST(ops::argmax(x, 1).data_as<std::int64_t>()[0] == 2);
  check_close(ops::logsumexp(Tensor::vector({1000, 1000})), Tensor::scalar(1000.0f + std::log(2.0f)));
  BOOST_TEST(std::isnan(ops::max(Tensor::vector({1, std::nanf(""), 3})).item()));
  BOOST_TEST(std::isnan(ops::mean(Tensor(Shape{0})).item()));
  BOOST_CHECK_THROW(ops::max(Tensor(Shape{2, 0}), 1), ValueError);
  BOOST_CHECK_THROW(ops::sum(x, {0, 0}), ValueError);
  BOOST_CHECK_THROW(ops::sum(x, 3), ValueError);
}

BOOST_AUTO_TEST_CASE(matmul_with_batch_broadcasting) {
  const Tensor a = random_tensor({2, 1, 3, 4}, 11), b = random_tensor({5, 4, 2}, 12);
  const Tensor c = ops::matmul(a, b);
  BOOST_REQUIRE((c.shape() == Shape{2, 5, 3, 2}));
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t j = 0; j < 5; ++j) {
      for (std::int64_t r = 0; r < 3; ++r) {
        for (std::int64_t s = 0; s < 2; ++s) {
          float expected = 0.0f;
          for (std::int64_t k = 0; k < 4; ++k) expected += a.at({i, 0, r, k}) * b.at({j, k, s});
          BOOST_TEST(std::fabs(c.at({i, j, r, s}) - expected) < 1e-5f);
        }
      }
    }
  }
  // Shared right operand (the dense-layer case), 1-D operands, transposed forms.
  const Tensor d = random_tensor({3, 2, 4}, 13), w = random_tensor({4, 6}, 14);
  const Tensor dw = ops::matmul(d, w);
  BOOST_TEST((dw.shape() == Shape{3, 2, 6}));
  check_close(ops::matmul(d.slice_rows(1, 2).reshape({2, 4}), w), dw.slice_rows(1, 2).reshape({2, 6}));
  BOOST_TEST((ops::matmul(Tensor::vector({1, 2}), Tensor::matrix({{1, 2}, {3, 4}})) == Tensor::vector({7, 10})));
  BOOST_TEST((ops::matmul(Tensor::matrix({{1, 2}, {3, 4}}), Tensor::vector({1, 1})) == Tensor::vector({3, 7})));
  check_close(ops::matmul(w, w, true, false), ops::matmul(ops::transpose(w), w));
  check_close(ops::matmul(d, d, false, true), ops::matmul(d, ops::permute(d, {0, 2, 1})));
  BOOST_CHECK_THROW(ops::matmul(Tensor(Shape{2, 3}), Tensor(Shape{2, 3})), ValueError);
  BOOST_CHECK_THROW(ops::matmul(Tensor(Shape{2, 2, 3}), Tensor(Shape{3, 3, 1})), ValueError);
}

BOOST_AUTO_TEST_CASE(softmax_over_any_axis) {
  const Tensor x = Tensor::matrix({{1, 2, 3}, {1, 1, 1}});
  const float e1 = std::exp(1.0f), e2 = std::exp(2.0f), e3 = std::exp(3.0f), s = e1 + e2 + e3;
  check_close(ops::softmax(x), Tensor::matrix({{e1 / s, e2 / s, e3 / s}, {1 / 3.0f, 1 / 3.0f, 1 / 3.0f}}));
  check_close(ops::log_softmax(x, -1), ops::log(ops::softmax(x, -1)));
  check_close(ops::softmax(x, 0), ops::transpose(ops::softmax(ops::transpose(x), -1)));
  check_close(ops::log_softmax(x, 0), ops::transpose(ops::log_softmax(ops::transpose(x), -1)));
  check_close(ops::softmax(Tensor::vector({1000, 1000})), Tensor::vector({0.5f, 0.5f}));  // no overflow
  BOOST_CHECK_THROW(ops::softmax(Tensor::scalar(1)), ValueError);
}

BOOST_AUTO_TEST_CASE(elementwise_and_scalar_helpers) {
  const Tensor x = Tensor::vector({-100, -1, 0, 1, 100});
  const Tensor s = ops::sigmoid(x);
  for (std::int64_t i = 0; i < x.size(); ++i) BOOST_TEST(std::fabs(s[i] - ops::stable_sigmoid(x[i])) < 1e-7f);
  BOOST_TEST(std::isnan(ops::sigmoid(Tensor::vector({std::nanf("")}))[0]));
  check_close(ops::softplus(x), Tensor::vector({0.0f, std::log1p(std::exp(-1.0f)), std::log(2.0f),
                                                1.0f + std::log1p(std::exp(-1.0f)), 100.0f}));
  BOOST_TEST((ops::relu(x) == Tensor::vector({0, 0, 0, 1, 100})));
  {
    // Long enough for the vectorised loop and its scalar tail: NaN stays NaN, -0 stays -0.
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> v;
    for (int i = 0; i < 37; ++i) {
      v.push_back(i % 5 == 0 ? std::nanf("") : i % 5 == 1 ? -0.0f : i % 5 == 2 ? -inf : static_cast<float>(i) - 20.0f);
    }
    const Tensor r = ops::relu(Tensor(Shape{37}, v));
    for (std::int64_t i = 0; i < 37; ++i) {
      const float in = v[static_cast<std::size_t>(i)];
      if (std::isnan(in)) {
        BOOST_TEST(std::isnan(r[i]));
      } else {
        BOOST_TEST(r[i] == (in < 0.0f ? 0.0f : in));
        BOOST_TEST(std::signbit(r[i]) == (in == 0.0f && std::signbit(in)));
      }
    }
  }
  BOOST_TEST((ops::round(Tensor::vector({0.5f, 1.5f, -2.5f})) == Tensor::vector({0, 2, -2})));  // half to even
  BOOST_TEST(ops::all_finite(x));
  BOOST_TEST(!ops::all_finite(Tensor::vector({1, std::numeric_limits<float>::infinity()})));
  BOOST_CHECK_THROW(ops::require_finite("l1", std::nan("")), ValueError);
  Tensor y = x;
  ops::unary(y, ops::UnaryOp::abs, y);  // in place
  BOOST_TEST((y == Tensor::vector({100, 1, 0, 1, 100})));
  BOOST_TEST(x[0] == -100.0f);
}

BOOST_AUTO_TEST_CASE(shape_ops) {
  const Tensor a = Tensor::matrix({{1, 2}, {3, 4}}), b = Tensor::matrix({{5, 6}});
  BOOST_TEST((ops::concatenate({a, b}, 0) == Tensor::matrix({{1, 2}, {3, 4}, {5, 6}})));
  BOOST_TEST((ops::concatenate({a, a}, 1) == Tensor::matrix({{1, 2, 1, 2}, {3, 4, 3, 4}})));
  BOOST_TEST((ops::stack({b, b}, 0).shape() == Shape{2, 1, 2}));
  BOOST_TEST((ops::slice_axis(a, 1, 1, 2) == Tensor::matrix({{2}, {4}})));
  BOOST_TEST((ops::pad(b, {{1, 0}, {0, 1}}) == Tensor::matrix({{0, 0, 0}, {5, 6, 0}})));
  BOOST_TEST((ops::broadcast_to(b, {3, 2}) == Tensor::matrix({{5, 6}, {5, 6}, {5, 6}})));
  BOOST_CHECK_THROW(ops::concatenate({a, Tensor(Shape{2, 3})}, 0), ValueError);
}

namespace {

// conv2d by its definition (channels_last, explicit padding offsets, groups).
Tensor conv2d_reference(const Tensor& x, const Tensor& k, std::int64_t sh, std::int64_t sw, std::int64_t dh,
                        std::int64_t dw, std::int64_t pad_top, std::int64_t pad_left, std::int64_t oh_n,
                        std::int64_t ow_n, std::int64_t groups) {
  const std::int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), KH = k.dim(0), KW = k.dim(1), Cg = k.dim(2),
                     F = k.dim(3), Fg = F / groups;
  Tensor out(Shape{N, oh_n, ow_n, F});
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < oh_n; ++oh)
      for (std::int64_t ow = 0; ow < ow_n; ++ow)
        for (std::int64_t f = 0; f < F; ++f) {
          const std::int64_t g = f / Fg;
          double acc = 0.0;
          for (std::int64_t i = 0; i < KH; ++i)
            for (std::int64_t j = 0; j < KW; ++j)
              for (std::int64_t c = 0; c < Cg; ++c) {
                const std::int64_t ih = oh * sh - pad_top + i * dh, iw = ow * sw - pad_left + j * dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += static_cast<double>(x.at({n, ih, iw, g * Cg + c})) * k.at({i, j, c, f});
              }
          out.at({n, oh, ow, f}) = static_cast<float>(acc);
        }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv2d_against_the_definition) {
  // Hand-worked: a 3x3 image of 1..9, a 2x2 kernel of ones: sums of each 2x2 window.
  const Tensor img = Tensor(Shape{1, 3, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor ones(Shape{2, 2, 1, 1}, 1.0f);
  BOOST_TEST((ops::conv2d(img, ones) == Tensor(Shape{1, 2, 2, 1}, std::vector<float>{12, 16, 24, 28})));
  // same padding pads bottom/right first (TensorFlow's rule): the last row/column sees zeros.
  BOOST_TEST((ops::conv2d(img, ones, {.padding = ops::Padding::same}) ==
              Tensor(Shape{1, 3, 3, 1}, std::vector<float>{12, 16, 9, 24, 28, 15, 15, 17, 9})));

  const Tensor x = random_tensor({2, 7, 6, 4}, 21);
  const Tensor k = random_tensor({3, 2, 2, 6}, 22);  // groups = 2: 4 channels, 2 per group
  struct Case {
    ops::Conv2DOptions options;
    std::int64_t pad_top, pad_left, oh, ow;
  };
  for (const Case& c : std::vector<Case>{
           {{.strides = {1, 1}, .dilation = {1, 1}, .padding = ops::Padding::valid, .groups = 2}, 0, 0, 5, 5},
           {{.strides = {2, 2}, .dilation = {1, 1}, .padding = ops::Padding::valid, .groups = 2}, 0, 0, 3, 3},
           {{.strides = {1, 1}, .dilation = {2, 1}, .padding = ops::Padding::same, .groups = 2}, 2, 0, 7, 6},
           {{.strides = {2, 3}, .dilation = {1, 1}, .padding = ops::Padding::same, .groups = 2}, 1, 0, 4, 2},
       }) {
    const Tensor expected = conv2d_reference(x, k, c.options.strides[0], c.options.strides[1], c.options.dilation[0],
                                             c.options.dilation[1], c.pad_top, c.pad_left, c.oh, c.ow, 2);
    check_close(ops::conv2d(x, k, c.options), expected, 1e-4f);
  }
  BOOST_CHECK_THROW(ops::conv2d(x, k), ValueError);  // groups = 1 needs 4 in-channels in the kernel
  BOOST_CHECK_THROW(ops::conv2d(x, random_tensor({9, 1, 4, 1}, 1)), ValueError);  // window larger than input
}

BOOST_AUTO_TEST_CASE(conv1d_padding_modes) {
  // x = [1, 2, 3, 4], kernel [1, 10] (width 2, 1 -> 1 channel).
  const Tensor x = Tensor(Shape{1, 4, 1}, std::vector<float>{1, 2, 3, 4});
  const Tensor k = Tensor(Shape{2, 1, 1}, std::vector<float>{1, 10});
  BOOST_TEST((ops::conv1d(x, k) == Tensor(Shape{1, 3, 1}, std::vector<float>{21, 32, 43})));
  BOOST_TEST((ops::conv1d(x, k, {.padding = ops::Padding::causal}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{10, 21, 32, 43})));
  BOOST_TEST((ops::conv1d(x, k, {.padding = ops::Padding::same}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{21, 32, 43, 4})));
  BOOST_TEST((ops::conv1d(x, k, {.stride = 2}) == Tensor(Shape{1, 2, 1}, std::vector<float>{21, 43})));
  BOOST_TEST((ops::conv1d(x, k, {.dilation = 2, .padding = ops::Padding::causal}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{10, 20, 31, 42})));
  BOOST_CHECK_THROW(
      ops::conv2d(Tensor(Shape{1, 2, 2, 1}), Tensor(Shape{1, 1, 1, 1}), {.padding = ops::Padding::causal}), ValueError);
}

BOOST_AUTO_TEST_CASE(pooling) {
  const Tensor img = Tensor(Shape{1, 3, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  BOOST_TEST((ops::max_pool2d(img) == Tensor(Shape{1, 1, 1, 1}, std::vector<float>{5})));
  BOOST_TEST((ops::max_pool2d(img, {.pool = {2, 2}, .strides = {1, 1}}) ==
              Tensor(Shape{1, 2, 2, 1}, std::vector<float>{5, 6, 8, 9})));
  // same: windows clipped at the border; the average counts only real elements (Keras).
  BOOST_TEST((ops::avg_pool2d(img, {.pool = {2, 2}, .strides = {2, 2}, .padding = ops::Padding::same}) ==
              Tensor(Shape{1, 2, 2, 1}, std::vector<float>{3, 4.5f, 7.5f, 9})));
  const Tensor seq = Tensor(Shape{1, 5, 2}, std::vector<float>{1, -1, 3, -3, 2, -2, 5, -5, 4, -4});
  BOOST_TEST((ops::max_pool1d(seq) == Tensor(Shape{1, 2, 2}, std::vector<float>{3, -1, 5, -2})));
  BOOST_TEST((ops::avg_pool1d(seq, {.pool = 3, .stride = 1}) ==
              Tensor(Shape{1, 3, 2}, std::vector<float>{2, -2, 10.0f / 3, -10.0f / 3, 11.0f / 3, -11.0f / 3})));
  BOOST_CHECK_THROW(ops::max_pool1d(seq, {.padding = ops::Padding::causal}), ValueError);
}

BOOST_AUTO_TEST_CASE(thread_count) {
  const int previous = ops::set_num_threads(1);
  BOOST_TEST(ops::num_threads() >= 1);
  ops::set_num_threads(previous);
  BOOST_CHECK_THROW(ops::set_num_threads(0), ValueError);
}

// ---- normalization kernels and where (kplug/ops/normalization.hpp) ----

BOOST_AUTO_TEST_CASE(normalization_kernels_by_definition) {
  const Tensor x = random_tensor({2, 3, 4}, 31);
  // moments over axes 1 and 2: E[x], E[x^2] - E[x]^2.
  const ops::Moments m = ops::moments_from_squares(x, {1, 2});
  BOOST_REQUIRE(m.mean.shape() == Shape({2, 1, 1}));
  for (std::int64_t b = 0; b < 2; ++b) {
    double s = 0.0, sq = 0.0;
    for (std::int64_t i = 0; i < 12; ++i) {
      s += x[b * 12 + i];
      sq += static_cast<double>(x[b * 12 + i]) * x[b * 12 + i];
    }
    BOOST_CHECK_CLOSE(m.mean[b], s / 12.0, 1e-3);
    BOOST_CHECK_CLOSE(m.variance[b], sq / 12.0 - (s / 12.0) * (s / 12.0), 1e-2);
  }
  // batch_normalization along axis 1 with offset and scale.
  const Tensor mean = Tensor::vector({0.5f, -0.5f, 1.0f}), var = Tensor::vector({1.0f, 2.0f, 0.25f});
  const Tensor offset = Tensor::vector({0.0f, 1.0f, -1.0f}), scale = Tensor::vector({2.0f, 1.0f, 0.5f});
  const Tensor bn = ops::batch_normalization(x, mean, var, 1, &offset, &scale, 1e-3f);
  for (std::int64_t i = 0; i < x.size(); ++i) {
    const auto c = (i / 4) % 3;
    const float expected = (x[i] - mean[c]) / std::sqrt(var[c] + 1e-3f) * scale[c] + offset[c];
    BOOST_CHECK_CLOSE(bn[i] + 10.0f, expected + 10.0f, 1e-4);
  }
  BOOST_CHECK_THROW(ops::batch_normalization(x, Tensor::vector({1.0f}), var, 1, nullptr, nullptr, 1e-3f), ValueError);
  // normalize clamps the squared norm at epsilon^2; divide_by_norm leaves a zero row as is.
  const Tensor rows = Tensor::matrix({{3.0f, 4.0f}, {0.0f, 0.0f}, {1e-5f, 0.0f}});
  check_close(ops::normalize(rows, -1, 1e-3f), Tensor::matrix({{0.6f, 0.8f}, {0.0f, 0.0f}, {1e-2f, 0.0f}}));
  check_close(ops::divide_by_norm(rows, -1), Tensor::matrix({{0.6f, 0.8f}, {0.0f, 0.0f}, {1.0f, 0.0f}}));
  // rms_normalization with a scale.
  const Tensor sc = Tensor::vector({1.0f, 2.0f});
  check_close(ops::rms_normalization(Tensor::matrix({{3.0f, 4.0f}}), -1, 0.0f, &sc),
              Tensor::matrix({{3.0f / std::sqrt(12.5f), 8.0f / std::sqrt(12.5f)}}));
}

BOOST_AUTO_TEST_CASE(where_broadcasts_all_three) {
  const Tensor cond = Tensor({2, 1}, {1.0f, 0.0f});
  const Tensor x = Tensor::vector({1.0f, 2.0f, 3.0f});
  const Tensor y = Tensor::scalar(-1.0f);
  check_close(ops::where(cond, x, y), Tensor::matrix({{1.0f, 2.0f, 3.0f}, {-1.0f, -1.0f, -1.0f}}));
  // Any dtype: non-zero is true.
  const Tensor b = Tensor({3}, {1.0f, 0.0f, 1.0f}).astype(DType::bool_);
  check_close(ops::where(b, x, y), Tensor::vector({1.0f, -1.0f, 3.0f}));
  BOOST_CHECK_THROW(ops::where(Tensor::vector({1.0f, 0.0f}), x, y), ValueError);
}

// tf.nn.l2_normalize: x / sqrt(max(sum(x^2), epsilon)) over the given axes.
BOOST_AUTO_TEST_CASE(l2_normalize_over_axes) {
  const Tensor v = Tensor::matrix({{3, 0}, {4, 2}});
  check_close(ops::l2_normalize(v, {0}), Tensor::matrix({{0.6f, 0}, {0.8f, 1}}));
  check_close(ops::l2_normalize(v, {1}), Tensor::matrix({{1, 0}, {4 / std::sqrt(20.0f), 2 / std::sqrt(20.0f)}}));
  const float all = std::sqrt(29.0f);
  check_close(ops::l2_normalize(v, {0, 1}), Tensor::matrix({{3 / all, 0}, {4 / all, 2 / all}}));
  // An all-zero slice is divided by sqrt(epsilon), not by 0.
  check_close(ops::l2_normalize(Tensor::matrix({{0, 0}}), {1}, 1e-12f), Tensor::matrix({{0, 0}}));
  check_close(ops::l2_normalize(Tensor::vector({1e-7f}), {0}, 1e-12f), Tensor::vector({1e-7f / 1e-6f}));
  BOOST_TEST(std::isnan(ops::l2_normalize(Tensor::vector({NAN, 1}), {0})[1]));
}

// tf.nn.moments: mean and mean squared deviation (two passes: exact for offset data).
BOOST_AUTO_TEST_CASE(moments_over_axes) {
  const Tensor x({2, 3}, std::vector<float>{1, 2, 3, -1, 5, 8});
  const ops::Moments rows = ops::moments(x, {1});
  check_close(rows.mean, Tensor::vector({2, 4}));
  check_close(rows.variance, Tensor::vector({2.0f / 3.0f, (25 + 1 + 16) / 3.0f}));
  const ops::Moments kept = ops::moments(x, {0}, true);
  BOOST_TEST((kept.mean.shape() == Shape{1, 3}));
  check_close(kept.mean, Tensor({1, 3}, std::vector<float>{0, 3.5f, 5.5f}));
  check_close(kept.variance, Tensor({1, 3}, std::vector<float>{1, 2.25f, 6.25f}));
  // A large offset: E[x^2] - E[x]^2 would lose everything in float32.
  const ops::Moments offset = ops::moments(Tensor::vector({1e4f + 1, 1e4f + 2, 1e4f + 3}), {0});
  BOOST_TEST(offset.variance.item() == 2.0f / 3.0f, boost::test_tools::tolerance(1e-4f));
}

namespace {
Tensor bools(Shape shape, std::initializer_list<bool> values) {
  Tensor t(std::move(shape), DType::bool_);
  std::size_t i = 0;
  for (bool v : values) t.data_as<bool>()[i++] = v;
  return t;
}
}  // namespace

// take, where, flip, not_equal, any: what Embedding, masks and the recurrent loop use.
BOOST_AUTO_TEST_CASE(indexing_ops) {
  const Tensor table = Tensor::matrix({{1, 2}, {3, 4}, {5, 6}});
  const std::vector<std::int32_t> ids{2, 0};
  BOOST_CHECK(ops::take(table, Tensor::from_values<std::int32_t>({2}, ids)) == Tensor::matrix({{5, 6}, {1, 2}}));
  BOOST_CHECK(
      test::contains(test::error_of<ValueError>([&] { ops::take(table, Tensor({2})); }), "indices must be integers"));
  const std::vector<std::int32_t> bad{1, 3};
  const Tensor bad_ids = Tensor::from_values<std::int32_t>({2}, bad);
  BOOST_CHECK(test::contains(test::error_of<ValueError>([&] { ops::take(table, bad_ids); }),
                             "take: index 3 at position 1 of the indices is out of range: expected 0 <= index < 3"));
  BOOST_CHECK_THROW(ops::where(bools({3}, {true, true, false}), Tensor({2, 2}), Tensor({2, 2})), ValueError);
  const Tensor cond = bools({2, 1}, {true, false});
  BOOST_CHECK(ops::where(cond, Tensor({2, 2}, 1.0f), Tensor({2, 2}, 2.0f)) == Tensor::matrix({{1, 1}, {2, 2}}));
  BOOST_CHECK(ops::flip(Tensor::matrix({{1, 2}, {3, 4}}), 1) == Tensor::matrix({{2, 1}, {4, 3}}));
  BOOST_CHECK(ops::flip(Tensor::matrix({{1, 2}, {3, 4}}), 0) == Tensor::matrix({{3, 4}, {1, 2}}));
  const std::vector<std::int64_t> v{0, 5, 0, 0};
  const Tensor ne = ops::not_equal(Tensor::from_values<std::int64_t>({2, 2}, v), 0.0);
  BOOST_CHECK(ne == bools({2, 2}, {false, true, false, false}));
  BOOST_CHECK(ops::any(ne, -1) == bools({2}, {true, false}));
  BOOST_CHECK(ops::any(ne, 0, true) == bools({1, 2}, {false, true}));
  BOOST_CHECK(ops::not_equal(Tensor::vector({0.5f, 1.0f}), 0.5) == bools({2}, {false, true}));
}

// ---- signal processing (ops/signal.hpp) ----

BOOST_AUTO_TEST_CASE(windows_are_scipys) {
  const auto close = [](const std::vector<double>& a, const std::vector<double>& b) {
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_CHECK_SMALL(a[i] - b[i], 1e-12);
  };
  close(ops::window(ops::WindowKind::hann, 5, false), {0, 0.5, 1, 0.5, 0});
  close(ops::window(ops::WindowKind::hann, 4, true), {0, 0.5, 1, 0.5});  // 5 symmetric points, last dropped
  close(ops::window(ops::WindowKind::hamming, 3, false), {0.08, 1, 0.08});
  close(ops::window(ops::WindowKind::hann, 1, false), {1});
  close(ops::window(ops::WindowKind::boxcar, 2, true), {1, 1});
  BOOST_CHECK(ops::window_from_name("hamm") == ops::WindowKind::hamming);
  BOOST_CHECK(!ops::window_from_name("kaiser"));
}

BOOST_AUTO_TEST_CASE(frame_and_framed_product_by_hand) {
  Tensor x({10});
  for (std::int64_t i = 0; i < 10; ++i) x[i] = static_cast<float>(i);
  check_close(ops::frame(x, 4, 3), Tensor({3, 4}, {0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9}));
  BOOST_CHECK_THROW(ops::frame(x, 11, 1), ValueError);

  const Tensor signals({1, 5}, {1, 2, 3, 4, 5});
  const Tensor kernel({2, 2}, {1, 0, 10, -1});  // bin 0: x[t] + 10 x[t+1]; bin 1: -x[t+1]
  check_close(ops::framed_product(signals, kernel, 2, ops::Padding::valid), Tensor({1, 2, 2}, {21, -2, 43, -4}));
  // same: ceil(5 / 2) = 3 frames, the one padding zero after the signal.
  check_close(ops::framed_product(signals, kernel, 2, ops::Padding::same), Tensor({1, 3, 2}, {21, -2, 43, -4, 5, 0}));
}

BOOST_AUTO_TEST_CASE(stft_of_a_pure_tone_peaks_at_its_bin) {
  // cos(2 pi 3 n / 16) over one 16-sample frame: DFT bin 3 holds N / 2 = 8, every other ~0;
  // the sine gives -8i there.
  Tensor cosine({16}), sine({16});
  for (std::int64_t n = 0; n < 16; ++n) {
    cosine[n] = static_cast<float>(std::cos(2.0 * std::numbers::pi * 3.0 * static_cast<double>(n) / 16.0));
    sine[n] = static_cast<float>(std::sin(2.0 * std::numbers::pi * 3.0 * static_cast<double>(n) / 16.0));
  }
  ops::StftOptions o;
  o.sequence_length = o.sequence_stride = o.fft_length = 16;
  o.center = false;
  const ops::ComplexTensor c = ops::stft(cosine, o);
  BOOST_REQUIRE(c.real.shape() == (Shape{1, 9}));
  for (std::int64_t k = 0; k < 9; ++k) {
    BOOST_CHECK_SMALL(c.real[k] - (k == 3 ? 8.0f : 0.0f), 1e-5f);
    BOOST_CHECK_SMALL(c.imag[k], 1e-5f);
  }
  const ops::ComplexTensor s = ops::stft(sine, o);
  BOOST_CHECK_SMALL(s.imag[3] + 8.0f, 1e-5f);
  BOOST_CHECK_SMALL(s.real[3], 1e-5f);

  // Centred (reflect padding by 8), hann window of 12 in 16, stride 4 over 64 samples:
  // (64 + 16 - 16) / 4 + 1 frames; those away from the reflected ends are loudest at bin 3.
  Tensor longer({64});
  for (std::int64_t n = 0; n < 64; ++n) longer[n] = cosine[n % 16];
  o.sequence_length = 12;
  o.sequence_stride = 4;
  o.center = true;
  o.window = ops::window(ops::WindowKind::hann, 12, true);
  const ops::ComplexTensor w = ops::stft(longer, o);
  BOOST_REQUIRE(w.real.shape() == (Shape{17, 9}));
  const Tensor magnitude = ops::sqrt(ops::add(ops::square(w.real), ops::square(w.imag)));
  const Tensor peaks = ops::argmax(magnitude, 1);
  for (std::int64_t f = 2; f < 15; ++f) BOOST_CHECK_EQUAL(peaks.data_as<std::int64_t>()[f], 3);
  o.fft_length = 8;
  BOOST_CHECK(test::contains(test::error_of<ValueError>([&] { ops::stft(cosine, o); }), "`fft_length`"));
}

BOOST_AUTO_TEST_CASE(stft_equals_the_dft_written_out) {
  // Frames of a random signal against sum_t x[t] w[t] e^(-2 pi i k t / n) in float64, for a
  // power-of-two fft_length (the FFT) and another (the direct sum), window centred in it.
  const Tensor x = random_tensor({2, 50}, 7);
  for (const std::int64_t fft : {32, 12}) {
    ops::StftOptions o;
    o.sequence_length = fft - 2;
    o.sequence_stride = 5;
    o.fft_length = fft;
    o.center = false;
    o.window = ops::window(ops::WindowKind::hamming, fft - 2, true);
    const ops::ComplexTensor got = ops::stft(x, o);
    const std::int64_t frames = (50 - fft) / 5 + 1, bins = fft / 2 + 1;
    BOOST_REQUIRE(got.real.shape() == (Shape{2, frames, bins}));
    for (std::int64_t b = 0; b < 2; ++b) {
      for (std::int64_t f = 0; f < frames; ++f) {
        for (std::int64_t k = 0; k < bins; ++k) {
          double re = 0.0, im = 0.0;
          for (std::int64_t t = 1; t < fft - 1; ++t) {  // one zero of padding on each side
            const double v = x[b * 50 + f * 5 + t] * (*o.window)[static_cast<std::size_t>(t - 1)];
            const double angle = -2.0 * std::numbers::pi * static_cast<double>(k * t) / static_cast<double>(fft);
            re += v * std::cos(angle);
            im += v * std::sin(angle);
          }
          BOOST_CHECK_SMALL(got.real.at({b, f, k}) - re, 1e-5);
          BOOST_CHECK_SMALL(got.imag.at({b, f, k}) - im, 1e-5);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(spectrogram_modes_by_hand) {
  const Tensor re({1, 3}, {3, 1, -2}), im({1, 3}, {4, 0, 0});
  check_close(ops::spectrogram(&re, &im, ops::SpectrogramMode::magnitude, 1), Tensor({1, 3}, {5, 1, 2}));
  check_close(ops::spectrogram(&re, &im, ops::SpectrogramMode::log, 1),
              Tensor({1, 3}, {std::log(5.0f), 0.0f, std::log(2.0f)}));
  check_close(ops::spectrogram(&re, &im, ops::SpectrogramMode::psd, 1), Tensor({1, 3}, {25, 2, 4}));
  check_close(ops::spectrogram(&re, &im, ops::SpectrogramMode::angle, 1),
              Tensor({1, 3}, {std::atan2(4.0f, 3.0f), 0.0f, static_cast<float>(std::numbers::pi)}));
  check_close(ops::spectrogram(&re, &im, ops::SpectrogramMode::stft, 1), Tensor({1, 6}, {3, 1, -2, 4, 0, 0}));
  check_close(ops::spectrogram(nullptr, &im, ops::SpectrogramMode::imag, 1), im);
  BOOST_CHECK_THROW(ops::spectrogram(&re, nullptr, ops::SpectrogramMode::angle, 1), ValueError);
  // A silent bin is floored at sqrt(1e-7) (magnitude) and log(sqrt(1e-7)) (log).
  const Tensor zero({1, 1});
  check_close(ops::spectrogram(&zero, &zero, ops::SpectrogramMode::magnitude, 1), Tensor({1, 1}, std::sqrt(1e-7f)));
  BOOST_CHECK(ops::spectrogram_mode_from_name("psd") == ops::SpectrogramMode::psd);
  BOOST_CHECK(!ops::spectrogram_mode_from_name("power"));
}

BOOST_AUTO_TEST_CASE(mel_filterbank_triangles) {
  // Nyquist 700 Hz over 3 bins (0, 350, 700); one band over [0, 875] Hz has its centre at
  // mel(875) / 2 = 1127 ln 1.5 = mel(350): bin 1 is the peak (1), bin 2 (mel(700) = 1127 ln 2)
  // on the falling side: (2 ln 1.5 - ln 2) / ln 1.5.
  const Tensor one = ops::linear_to_mel_weight_matrix(1, 3, 1400.0, 0.0, 875.0);
  check_close(one, Tensor({3, 1}, {0.0f, 1.0f, static_cast<float>(2.0 - std::log(2.0) / std::log(1.5))}));

  // 40 bands over 20..4000 Hz of a 257-bin spectrum: weights in [0, 1], the DC row zero, and
  // between two neighbouring centres the two triangles add up to 1 (they are linear in mel).
  const Tensor m = ops::linear_to_mel_weight_matrix(40, 257, 8000.0, 20.0, 4000.0);
  BOOST_REQUIRE(m.shape() == (Shape{257, 40}));
  const auto mel = [](double hz) { return 1127.0 * std::log1p(hz / 700.0); };
  const double step = (mel(4000.0) - mel(20.0)) / 41.0;
  int checked = 0;
  for (std::int64_t s = 0; s < 257; ++s) {
    const double bin_mel = mel(4000.0 * static_cast<double>(s) / 256.0);
    for (std::int64_t b = 0; b < 40; ++b) {
      const float w = m[s * 40 + b];
      BOOST_CHECK(w >= 0.0f && w <= 1.0f);
      if (s == 0) BOOST_CHECK_EQUAL(w, 0.0f);
      const double centre = mel(20.0) + step * static_cast<double>(b + 1);
      if (s > 0 && b + 1 < 40 && bin_mel >= centre && bin_mel <= centre + step) {
        BOOST_CHECK_SMALL(w + m[s * 40 + b + 1] - 1.0f, 1e-5f);
        ++checked;
      }
    }
  }
  BOOST_CHECK_GT(checked, 100);
}

BOOST_AUTO_TEST_CASE(power_to_db_floors_at_the_global_max_minus_top_db) {
  const Tensor power({2, 2}, {1, 10, 100, 1e-12f});
  // 10 log10(max(p, 1e-10)): 0, 10, 20, -100 -> floored at 20 - 80 = -60, over both rows.
  check_close(ops::power_to_db(power, 1.0, 1e-10, 80.0), Tensor({2, 2}, {0, 10, 20, -60}), 1e-4f);
  check_close(ops::power_to_db(power, -10.0, 1e-10, 80.0), Tensor({2, 2}, {-10, 0, 10, -70}), 1e-4f);
  check_close(ops::power_to_db(power, 1.0, 1e-10, 200.0), Tensor({2, 2}, {0, 10, 20, -100}), 1e-4f);
}

// numpy's basic indexing: Python's slice.indices clamping, negative steps and indices,
// newaxis and one Ellipsis; the errors numpy raises.
BOOST_AUTO_TEST_CASE(get_item_as_numpy) {
  using Kind = ops::IndexItem::Kind;
  auto index = [](std::int64_t i) {
    ops::IndexItem item;
    item.kind = Kind::index;
    item.index = i;
    return item;
  };
  auto slice = [](std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                  std::optional<std::int64_t> step) {
    ops::IndexItem item;
    item.start = start;
    item.stop = stop;
    item.step = step;
    return item;
  };
  auto of_kind = [](Kind kind) {
    ops::IndexItem item;
    item.kind = kind;
    return item;
  };
  // x = arange(12).reshape(3, 4)
  std::vector<float> values(12);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const Tensor x({3, 4}, values);
  // x[-1, -3:100] -> [9, 10, 11]; x[::2, ::-3] -> [[3, 0], [11, 8]]; x[5:, 0] -> empty.
  check_close(ops::get_item(x, {index(-1), slice(-3, 100, std::nullopt)}), Tensor({3}, std::vector<float>{9, 10, 11}));
  check_close(ops::get_item(x, {slice(std::nullopt, std::nullopt, 2), slice(std::nullopt, std::nullopt, -3)}),
              Tensor::matrix({{3, 0}, {11, 8}}));
  BOOST_CHECK(ops::get_item(x, {slice(5, std::nullopt, std::nullopt), index(0)}).shape() == Shape{0});
  // x[None, ..., 1] -> (1, 3) [[1, 5, 9]]; x[1] -> row 1 (an implicit Ellipsis at the end).
  check_close(ops::get_item(x, {of_kind(Kind::new_axis), of_kind(Kind::ellipsis), index(1)}),
              Tensor::matrix({{1, 5, 9}}));
  check_close(ops::get_item(x, {index(1)}), Tensor({4}, std::vector<float>{4, 5, 6, 7}));
  BOOST_CHECK_EQUAL(ops::slice_length(slice(std::nullopt, std::nullopt, -2), 5), 3);
  BOOST_CHECK_EQUAL(ops::slice_length(slice(-10, 2, std::nullopt), 5), 2);
  // Errors: out-of-range index, zero step, two Ellipses, too many indices.
  BOOST_CHECK_THROW(ops::get_item(x, {index(3)}), ValueError);
  BOOST_CHECK_THROW(ops::get_item(x, {slice(std::nullopt, std::nullopt, 0)}), ValueError);
  BOOST_CHECK_THROW(ops::get_item(x, {of_kind(Kind::ellipsis), of_kind(Kind::ellipsis)}), ValueError);
  BOOST_CHECK_THROW(ops::get_item(x, {index(0), index(0), index(0)}), ValueError);
}
