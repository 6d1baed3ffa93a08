// ops/conv.hpp (issue 10): N-d convolution, transposed, depthwise and separable convolution
// against naive references written here from the definitions (a gather over padded
// windows for conv/depthwise; a scatter of every input times the kernel for the transpose,
// the other way round from the implementation's dilated-input gather), plus hand-worked
// values and the errors.
#define BOOST_TEST_MODULE ops_conv_family
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "test_support.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

using namespace kplug;
using test::check_close;
using test::contains;
using test::error_of;

namespace {

Tensor random_tensor(const Shape& shape, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  Tensor t(shape);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

// Spatial dims padded in front to 3 so one reference covers 1-D to 3-D.
using Dims = std::array<std::int64_t, 3>;
Dims spatial3(const Shape& shape, std::size_t first, std::size_t count) {
  Dims d{1, 1, 1};
  for (std::size_t i = 0; i < count; ++i) d[3 - count + i] = shape[first + i];
  return d;
}
Dims pad3(const std::vector<std::int64_t>& v, std::int64_t fill) {
  Dims d{fill, fill, fill};
  for (std::size_t i = 0; i < v.size(); ++i) d[3 - v.size() + i] = v[i];
  return d;
}

// Forward convolution by its definition: out[o] = sum over taps k and channels of
// x[o * stride - pad_before + k * dilation] * kernel[k]; positions outside the input read 0.
// Depthwise: output channel c * M + m reads channel c only, kernel (k..., C, M).
Tensor conv_reference(const Tensor& x, const Tensor& k, const std::vector<std::int64_t>& strides,
                      const std::vector<std::int64_t>& dilation, const std::vector<std::int64_t>& pad_before,
                      const std::vector<std::int64_t>& out_dims, std::int64_t groups, bool depthwise) {
  const std::size_t S = static_cast<std::size_t>(x.rank() - 2);
  const Dims in = spatial3(x.shape(), 1, S), ks = spatial3(k.shape(), 0, S), st = pad3(strides, 1),
             dl = pad3(dilation, 1), pb = pad3(pad_before, 0), od = pad3(out_dims, 1);
  const std::int64_t N = x.dim(0), C = x.dim(-1), Kin = k.dim(-2), Kout = k.dim(-1);
  const std::int64_t F = depthwise ? C * Kout : Kout, Fg = F / groups;
  Shape out_shape{N};
  for (std::int64_t v : out_dims) out_shape.push_back(v);
  out_shape.push_back(F);
  Tensor out(out_shape);
  const float* px = x.data();
  const float* pk = k.data();
  float* po = out.data();
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t a = 0; a < od[0]; ++a)
      for (std::int64_t b = 0; b < od[1]; ++b)
        for (std::int64_t c = 0; c < od[2]; ++c)
          for (std::int64_t f = 0; f < F; ++f) {
            double acc = 0;
            for (std::int64_t i = 0; i < ks[0]; ++i)
              for (std::int64_t j = 0; j < ks[1]; ++j)
                for (std::int64_t l = 0; l < ks[2]; ++l) {
                  const std::int64_t p = a * st[0] - pb[0] + i * dl[0], q = b * st[1] - pb[1] + j * dl[1],
                                     r = c * st[2] - pb[2] + l * dl[2];
                  if (p < 0 || p >= in[0] || q < 0 || q >= in[1] || r < 0 || r >= in[2]) continue;
                  const std::int64_t tap = (i * ks[1] + j) * ks[2] + l, pos = ((n * in[0] + p) * in[1] + q) * in[2] + r;
                  if (depthwise) {
                    const std::int64_t ch = f / Kout, m = f % Kout;
                    acc += double(px[pos * C + ch]) * pk[(tap * Kin + ch) * Kout + m];
                  } else {
                    const std::int64_t g = f / Fg;
                    for (std::int64_t ch = 0; ch < Kin; ++ch)
                      acc += double(px[pos * C + g * Kin + ch]) * pk[(tap * Kin + ch) * Kout + f];
                  }
                }
            po[(((n * od[0] + a) * od[1] + b) * od[2] + c) * F + f] = static_cast<float>(acc);
          }
  return out;
}

// Transposed convolution as a scatter: input i adds x[i] * kernel[k] at full position
// i * stride + k * dilation; Keras's output is that full result shifted left by `crop`
// (positions past its end are zero). kernel (k..., filters, in_channels).
Tensor conv_transpose_reference(const Tensor& x, const Tensor& k, const std::vector<std::int64_t>& strides,
                                const std::vector<std::int64_t>& dilation, const std::vector<std::int64_t>& crop,
                                const std::vector<std::int64_t>& out_dims) {
  const std::size_t S = static_cast<std::size_t>(x.rank() - 2);
  const Dims in = spatial3(x.shape(), 1, S), ks = spatial3(k.shape(), 0, S), st = pad3(strides, 1),
             dl = pad3(dilation, 1), cr = pad3(crop, 0), od = pad3(out_dims, 1);
  const std::int64_t N = x.dim(0), C = x.dim(-1), F = k.dim(-2);
  Shape out_shape{N};
  for (std::int64_t v : out_dims) out_shape.push_back(v);
  out_shape.push_back(F);
  Tensor out(out_shape);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t a = 0; a < in[0]; ++a)
      for (std::int64_t b = 0; b < in[1]; ++b)
        for (std::int64_t c = 0; c < in[2]; ++c)
          for (std::int64_t i = 0; i < ks[0]; ++i)
            for (std::int64_t j = 0; j < ks[1]; ++j)
              for (std::int64_t l = 0; l < ks[2]; ++l) {
                const std::int64_t p = a * st[0] + i * dl[0] - cr[0], q = b * st[1] + j * dl[1] - cr[1],
                                   r = c * st[2] + l * dl[2] - cr[2];
                if (p < 0 || p >= od[0] || q < 0 || q >= od[1] || r < 0 || r >= od[2]) continue;
                for (std::int64_t f = 0; f < F; ++f)
                  for (std::int64_t ch = 0; ch < C; ++ch) {
                    const float xv = x.data()[(((n * in[0] + a) * in[1] + b) * in[2] + c) * C + ch];
                    const float kv = k.data()[(((i * ks[1] + j) * ks[2] + l) * F + f) * C + ch];
                    out.data()[(((n * od[0] + p) * od[1] + q) * od[2] + r) * F + f] += xv * kv;
                  }
              }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv_nd_against_the_definition) {
  struct Case {
    Shape x, k;
    ops::ConvNdOptions options;
    std::vector<std::int64_t> pad_before, out;
  };
  const std::vector<Case> cases{
      // 1-D: causal pads (span - 1) before only; with stride 2 and dilation 2.
      {{2, 7, 3}, {3, 3, 4}, {{2}, {2}, ops::Padding::causal, 1}, {4}, {4}},
      {{2, 7, 4}, {2, 2, 6}, {{1}, {3}, ops::Padding::same, 2}, {1}, {7}},
      // 2-D: strides and dilation together (allowed by the ops), same padding.
      {{1, 6, 7, 2}, {3, 2, 2, 3}, {{2, 3}, {2, 1}, ops::Padding::same, 1}, {1, 0}, {3, 3}},
      // 3-D: valid with per-axis strides; same with groups 2; dilation.
      {{2, 4, 5, 6, 3}, {2, 3, 2, 3, 2}, {{1, 2, 3}, {}, ops::Padding::valid, 1}, {0, 0, 0}, {3, 2, 2}},
      {{1, 3, 4, 5, 4}, {2, 2, 3, 2, 6}, {{1, 2, 1}, {}, ops::Padding::same, 2}, {0, 0, 1}, {3, 2, 5}},
      {{1, 5, 4, 4, 2}, {2, 2, 2, 2, 2}, {{}, {2, 1, 3}, ops::Padding::same, 1}, {1, 0, 1}, {5, 4, 4}},
  };
  std::uint32_t seed = 1;
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, seed++), k = random_tensor(c.k, seed++);
    const Tensor expected =
        conv_reference(x, k, c.options.strides, c.options.dilation, c.pad_before, c.out, c.options.groups, false);
    check_close(ops::conv(x, k, c.options), expected, 1e-4f);
  }
  // The 2-D case agrees with ops::conv2d.
  const Tensor x = random_tensor({2, 9, 8, 4}, 40), k = random_tensor({3, 3, 2, 6}, 41);
  check_close(ops::conv(x, k, {{2, 1}, {}, ops::Padding::same, 2}),
              ops::conv2d(x, k, {{2, 1}, {1, 1}, ops::Padding::same, 2}), 1e-5f);
  // A 1x1 kernel (one GEMM over every position) equals x @ kernel per position.
  const Tensor p = random_tensor({1, 1, 4, 5}, 42);
  check_close(ops::conv(x, p), ops::matmul(x, p.reshape({4, 5})), 1e-5f);
}

BOOST_AUTO_TEST_CASE(conv_nd_hand_worked_and_errors) {
  // 1-D causal, kernel [1, 10], dilation 2: out[t] = x[t - 2] + 10 x[t].
  const Tensor x(Shape{1, 4, 1}, std::vector<float>{1, 2, 3, 4});
  const Tensor k(Shape{2, 1, 1}, std::vector<float>{1, 10});
  BOOST_TEST((ops::conv(x, k, {{}, {2}, ops::Padding::causal, 1}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{10, 20, 31, 42})));
  // 3-D valid over a 2x2x2 cube of 1..8 with a kernel of ones: the sum 36.
  const Tensor cube(Shape{1, 2, 2, 2, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  BOOST_TEST((ops::conv(cube, Tensor(Shape{2, 2, 2, 1, 1}, 1.0f)) == Tensor(Shape{1, 1, 1, 1, 1}, 36.0f)));

  BOOST_TEST(contains(error_of<ValueError>([&] {
                        ops::conv(cube, Tensor(Shape{1, 1, 1, 1, 1}), {{}, {}, ops::Padding::causal, 1});
                      }),
                      "causal"));
  BOOST_TEST(contains(error_of<ValueError>([&] { ops::conv(cube, Tensor(Shape{3, 1, 1, 1, 1})); }), "larger than"));
  BOOST_TEST(contains(error_of<ValueError>([&] { ops::conv(cube, Tensor(Shape{1, 1, 1, 2, 1})); }), "groups"));
  BOOST_TEST(contains(error_of<ValueError>([&] { ops::conv(cube, Tensor(Shape{1, 1, 1, 1})); }), "rank 5"));
  BOOST_TEST(contains(error_of<ValueError>([&] {
                        ops::conv(cube, Tensor(Shape{1, 1, 1, 1, 1}), {{1, 1}, {}, ops::Padding::valid, 1});
                      }),
                      "strides"));
  BOOST_TEST(contains(error_of<ValueError>([&] {
                        ops::conv(Tensor(Shape{1, 2}), Tensor(Shape{1, 2}));
                      }),
                      "1 to 3 spatial axes"));
}

BOOST_AUTO_TEST_CASE(conv_transpose_hand_worked) {
  // x [1, 2], kernel [1, 10], stride 2, valid: each input lays kernel * x at 2i: [1, 10, 2, 20].
  const Tensor x(Shape{1, 2, 1}, std::vector<float>{1, 2});
  const Tensor k(Shape{2, 1, 1}, std::vector<float>{1, 10});
  BOOST_TEST((ops::conv_transpose(x, k, {{2}, {}, ops::Padding::valid, {}}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{1, 10, 2, 20})));
  // Stride 3 > kernel 2: Keras's valid output is (2 - 1) * 3 + max(2, 3) = 6, a zero gap.
  BOOST_TEST((ops::conv_transpose(x, k, {{3}, {}, ops::Padding::valid, {}}) ==
              Tensor(Shape{1, 6, 1}, std::vector<float>{1, 10, 0, 2, 20, 0})));
  // output_padding 1 adds one zero at the end of the valid result.
  BOOST_TEST((ops::conv_transpose(x, k, {{2}, {}, ops::Padding::valid, {1}}) ==
              Tensor(Shape{1, 5, 1}, std::vector<float>{1, 10, 2, 20, 0})));
  // same: length 2 * 2 = 4; pad_len = 2 + 2 - 2 = 2, jax left pad min(1, 1) = 1 crops nothing.
  BOOST_TEST((ops::conv_transpose(x, k, {{2}, {}, ops::Padding::same, {}}) ==
              Tensor(Shape{1, 4, 1}, std::vector<float>{1, 10, 2, 20})));
  // Kernel 3 [1, 10, 100], stride 1, same: the full scatter [1, 12, 120, 200] cropped by one each side.
  const Tensor k3(Shape{3, 1, 1}, std::vector<float>{1, 10, 100});
  BOOST_TEST((ops::conv_transpose(x, k3, {{1}, {}, ops::Padding::same, {}}) ==
              Tensor(Shape{1, 2, 1}, std::vector<float>{12, 120})));
  BOOST_CHECK_EQUAL(ops::conv_transpose_output_length(5, 3, 2, 1, ops::Padding::valid, std::nullopt), 11);
  BOOST_CHECK_EQUAL(ops::conv_transpose_output_length(5, 3, 2, 1, ops::Padding::same, std::nullopt), 10);
  BOOST_CHECK_EQUAL(ops::conv_transpose_output_length(5, 3, 2, 1, ops::Padding::same, 0), 9);
  BOOST_CHECK_EQUAL(ops::conv_transpose_output_length(5, 2, 1, 3, ops::Padding::valid, std::nullopt), 8);

  BOOST_TEST(contains(error_of<ValueError>([&] {
                        ops::conv_transpose(x, k, {{1}, {}, ops::Padding::causal, {}});
                      }),
                      "causal"));
  BOOST_TEST(contains(error_of<ValueError>([&] { ops::conv_transpose(x, Tensor(Shape{2, 1, 3})); }), "in_channels"));
}

BOOST_AUTO_TEST_CASE(conv_transpose_against_the_scatter) {
  struct Case {
    Shape x, k;
    ops::ConvTransposeNdOptions options;
    std::vector<std::int64_t> crop, out;
  };
  // crop: Keras's (span - 1 - jax left pad); out: Keras's output shape.
  const std::vector<Case> cases{
      {{2, 5, 3}, {3, 2, 3}, {{2}, {}, ops::Padding::valid, {}}, {0}, {11}},
      {{2, 5, 3}, {3, 2, 3}, {{2}, {}, ops::Padding::same, {}}, {0}, {10}},
      {{1, 4, 2}, {4, 3, 2}, {{3}, {}, ops::Padding::same, {2}}, {1}, {11}},
      {{1, 4, 2}, {3, 3, 2}, {{}, {2}, ops::Padding::same, {}}, {2}, {4}},
      {{1, 4, 3, 2}, {3, 2, 2, 2}, {{2, 3}, {}, ops::Padding::valid, {1, 2}}, {0, 0}, {10, 10}},
      {{2, 3, 4, 2}, {3, 3, 3, 2}, {{2, 2}, {}, ops::Padding::same, {1, 0}}, {0, 1}, {6, 7}},
      {{1, 3, 3, 2}, {2, 3, 1, 2}, {{}, {3, 2}, ops::Padding::valid, {}}, {0, 0}, {6, 7}},
      {{1, 2, 3, 2, 2}, {2, 2, 3, 3, 2}, {{2, 1, 2}, {}, ops::Padding::same, {}}, {0, 0, 0}, {4, 3, 4}},
  };
  std::uint32_t seed = 100;
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, seed++), k = random_tensor(c.k, seed++);
    const std::vector<std::int64_t> dilation = c.options.dilation;
    const Tensor expected = conv_transpose_reference(x, k, c.options.strides, dilation, c.crop, c.out);
    check_close(ops::conv_transpose(x, k, c.options), expected, 1e-4f);
  }
}

// oneDNN's deconvolution (conv_transpose, PreparedConv::transposed with a bias) against
// the input-dilated path on awkward shapes: odd sizes, strides 2 and 3, dilation, output padding,
// stride beyond the kernel (zero taps appended), 1-D to 3-D.
BOOST_AUTO_TEST_CASE(conv_transpose_onednn_against_the_dilated_path) {
  struct Case {
    Shape x, k;
    ops::ConvTransposeNdOptions options;
  };
  using P = ops::Padding;
  const std::vector<Case> cases{
      {{2, 7, 3}, {3, 4, 3}, {{2}, {}, P::same, {}}},
      {{2, 7, 3}, {3, 4, 3}, {{2}, {}, P::valid, {}}},
      {{1, 5, 2}, {4, 3, 2}, {{3}, {}, P::valid, {2}}},
      {{1, 5, 2}, {4, 3, 2}, {{3}, {}, P::same, {1}}},
      {{1, 6, 2}, {1, 3, 2}, {{2}, {}, P::same, {}}},    // stride beyond the kernel
      {{1, 6, 2}, {2, 3, 2}, {{3}, {}, P::valid, {}}},   // likewise, valid
      {{1, 6, 2}, {2, 3, 2}, {{3}, {}, P::valid, {2}}},  // and output padding past it
      {{2, 5, 2}, {3, 3, 2}, {{}, {3}, P::same, {}}},    // dilation
      {{2, 5, 2}, {2, 3, 2}, {{}, {2}, P::valid, {}}},
      {{2, 5, 7, 3}, {3, 3, 5, 3}, {{2, 2}, {}, P::same, {}}},
      {{1, 5, 7, 3}, {3, 2, 4, 3}, {{3, 2}, {}, P::valid, {1, 1}}},
      {{1, 5, 7, 3}, {3, 3, 4, 3}, {{2, 3}, {}, P::same, {0, 2}}},
      {{1, 6, 5, 2}, {3, 2, 3, 2}, {{}, {2, 3}, P::same, {}}},
      {{1, 4, 5, 3, 2}, {3, 2, 3, 2, 2}, {{2, 1, 3}, {}, P::same, {}}},
      {{2, 3, 4, 5, 2}, {2, 3, 2, 3, 2}, {{2, 3, 2}, {}, P::valid, {1, 0, 1}}},
  };
  std::uint32_t seed = 300;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("x " << shape_to_string(c.x) << " kernel " << shape_to_string(c.k)) {
      const Tensor x = random_tensor(c.x, seed++), k = random_tensor(c.k, seed++),
                   b = random_tensor({c.k[c.k.size() - 2]}, seed++);
      const Tensor want = ops::conv_transpose_dilated(x, k, c.options);
      check_close(ops::conv_transpose(x, k, c.options), want, 1e-4f);
      const auto prepared = ops::PreparedConv::transposed(k, &b, c.options);
      BOOST_TEST(prepared->output_channels() == c.k[c.k.size() - 2]);
      check_close(prepared->run(x), ops::add(want, b), 1e-4f);
      // Keras's output shape.
      for (std::size_t i = 0; i + 2 < c.x.size(); ++i) {
        std::optional<std::int64_t> op;
        if (!c.options.output_padding.empty()) op = c.options.output_padding[i];
        const std::int64_t s = c.options.strides.empty() ? 1 : c.options.strides[i];
        const std::int64_t d = c.options.dilation.empty() ? 1 : c.options.dilation[i];
        BOOST_TEST(want.dim(static_cast<std::int64_t>(1 + i)) ==
                   ops::conv_transpose_output_length(c.x[1 + i], c.k[i], s, d, c.options.padding, op));
      }
    }
  }
  // Empty batches take the dilated path.
  BOOST_TEST(ops::conv_transpose(Tensor(Shape{0, 4, 2}), Tensor(Shape{3, 5, 2}), {{2}, {}, P::same, {}}).shape() ==
             (Shape{0, 8, 5}));
}

BOOST_AUTO_TEST_CASE(depthwise_and_separable) {
  // Hand-worked 1-D: channels (1, 2, 3 | 10, 20, 30), depth_multiplier 2, kernel 2 valid:
  // channel 0 filters [1, 1] and [1, -1]; channel 1 filters [1, 0] and [0, 1].
  const Tensor x(Shape{1, 3, 2}, std::vector<float>{1, 10, 2, 20, 3, 30});
  const Tensor k(Shape{2, 2, 2}, std::vector<float>{1, 1, 1, 0, 1, -1, 0, 1});
  // out[t] = (x0[t] + x0[t+1], x0[t] - x0[t+1], x1[t], x1[t+1])
  BOOST_TEST((ops::depthwise_conv(x, k) == Tensor(Shape{1, 2, 4}, std::vector<float>{3, -1, 10, 20, 5, -1, 20, 30})));

  struct Case {
    Shape x, k;
    ops::ConvNdOptions options;
    std::vector<std::int64_t> pad_before, out;
  };
  const std::vector<Case> cases{
      {{2, 9, 3}, {3, 3, 2}, {{2}, {2}, ops::Padding::same, 1}, {2}, {5}},
      {{1, 8, 3}, {2, 3, 1}, {{3}, {}, ops::Padding::valid, 1}, {0}, {3}},
      {{2, 7, 6, 3}, {3, 3, 3, 2}, {{2, 2}, {}, ops::Padding::same, 1}, {1, 0}, {4, 3}},
      {{1, 7, 8, 2}, {2, 3, 2, 3}, {{2, 1}, {3, 2}, ops::Padding::valid, 1}, {0, 0}, {2, 4}},
      {{1, 4, 5, 6, 2}, {2, 2, 2, 2, 1}, {{1, 2, 2}, {}, ops::Padding::same, 1}, {0, 0, 0}, {4, 3, 3}},
  };
  std::uint32_t seed = 200;
  for (const Case& c : cases) {
    const Tensor xi = random_tensor(c.x, seed++), ki = random_tensor(c.k, seed++);
    const Tensor expected = conv_reference(xi, ki, c.options.strides, c.options.dilation, c.pad_before, c.out, 1, true);
    check_close(ops::depthwise_conv(xi, ki, c.options), expected, 1e-4f);
    // separable = depthwise then a 1x1 convolution (here: a matmul per position).
    Shape pshape(c.x.size() - 2, 1);
    pshape.push_back(ki.dim(-2) * ki.dim(-1));
    pshape.push_back(4);
    const Tensor pk = random_tensor(pshape, seed++);
    check_close(ops::separable_conv(xi, ki, pk, c.options), ops::matmul(expected, pk.reshape({pshape.end()[-2], 4})),
                1e-4f);
  }
  BOOST_TEST(contains(error_of<ValueError>([&] { ops::depthwise_conv(x, Tensor(Shape{2, 3, 1})); }), "input channels"));
  BOOST_TEST(contains(error_of<ValueError>([&] {
                        ops::depthwise_conv(x, k, {{}, {}, ops::Padding::valid, 2});
                      }),
                      "groups"));
}
