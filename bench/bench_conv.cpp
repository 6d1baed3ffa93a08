// predict of the cnn fixture (Conv2D relu -> MaxPooling2D -> Conv2D same/strided ->
// AveragePooling2D -> Flatten -> Dense softmax) at batch 32, against a plain Eigen program
// doing the same maths (im2col + GEMM) with the same weights. Target: within 1.5x.
// Issue 10's case: one Conv2D 3x3, 64 -> 64 channels, 56x56, batch 8, same padding, called
// as a layer, against im2col + GEMM + bias in plain Eigen. Target: within 1.5x.
// A Conv2DTranspose 3x3 stride 2 same, 32 -> 16 channels, 28x28 -> 56x56, batch 8: the layer
// (oneDNN's deconvolution, prepared once), ops::conv_transpose (a primitive per call) and
// ops::conv_transpose_dilated (the input-dilated im2col path the layer ran before).
#include "bench_support.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/model.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/saving/h5_weights_store.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

constexpr std::int64_t kBatch = 32;

std::string fixture_dir() { return std::string(KPLUG_BENCH_DATA) + "/models/cnn/"; }

kplug::ModelPtr load_cnn() {
  kplug::ModelPtr model = kplug::model_from_json(kplug::bench::read_text(fixture_dir() + "model.json"));
  model->load_weights(*kplug::saving::read_weights_file(fixture_dir() + "model.weights.h5"));
  return model;
}

kplug::Tensor random_input() {
  kplug::Tensor x(kplug::Shape{kBatch, 16, 16, 3});
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  for (float& v : x.values()) v = normal(rng);
  return x;
}

// ---- the plain Eigen program ----

struct Conv {
  RowMatrix kernel;  // (kh * kw * c, f), Keras's (kh, kw, c, f) flattened
  RowVector bias;
  int k = 3, stride = 1, pad = 0;
};

// x (h, w, c) row-major per image -> (oh * ow, f): im2col then one GEMM.
void conv(const float* x, int h, int w, int c, const Conv& cv, int oh, int ow, RowMatrix& patches, RowMatrix& out) {
  patches.resize(oh * ow, cv.k * cv.k * c);
  for (int i = 0; i < oh; ++i) {
    for (int j = 0; j < ow; ++j) {
      float* row = patches.data() + (i * ow + j) * patches.cols();
      for (int a = 0; a < cv.k; ++a) {
        const int ih = i * cv.stride - cv.pad + a;
        for (int b = 0; b < cv.k; ++b, row += c) {
          const int iw = j * cv.stride - cv.pad + b;
          if (ih < 0 || ih >= h || iw < 0 || iw >= w)
            std::fill_n(row, c, 0.0f);
          else
            std::copy_n(x + (ih * w + iw) * c, c, row);
        }
      }
    }
  }
  out.noalias() = patches * cv.kernel;
  out.rowwise() += cv.bias;
}

// (h, w, c) -> (h / 2, w / 2, c), 2x2 windows, stride 2, valid.
template <bool Max>
void pool2(const float* x, int h, int w, int c, float* out) {
  const int oh = h / 2, ow = w / 2;
  for (int i = 0; i < oh; ++i) {
    for (int j = 0; j < ow; ++j) {
      Eigen::Map<Eigen::ArrayXf> o(out + (i * ow + j) * c, c);
      auto at = [&](int a, int b) {
        return Eigen::Map<const Eigen::ArrayXf>(x + ((2 * i + a) * w + 2 * j + b) * c, c);
      };
      if constexpr (Max)
        o = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
      else
        o = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) * 0.25f;
    }
  }
}

struct PlainCnn {
  Conv c1, c2;
  RowMatrix dense_kernel;
  RowVector dense_bias;

  explicit PlainCnn(const kplug::Model& model) {
    const auto w = model.get_weights();  // conv k, b, conv_1 k, b, dense k, b
    auto matrix = [](const kplug::Tensor& t, std::int64_t rows) {
      return RowMatrix(Eigen::Map<const RowMatrix>(t.data(), rows, t.size() / rows));
    };
    c1 = {matrix(w[0], 27), matrix(w[1], 1), 3, 1, 0};
    c2 = {matrix(w[2], 72), matrix(w[3], 1), 3, 2, 1};
    dense_kernel = matrix(w[4], 32);
    dense_bias = matrix(w[5], 1);
  }

  RowMatrix predict(const kplug::Tensor& x) const {
    const int n = static_cast<int>(x.dim(0));
    RowMatrix patches, a1, a2, flat(n, 32);
    std::vector<float> p1(7 * 7 * 8), p2(2 * 2 * 8);
    for (int i = 0; i < n; ++i) {
      conv(x.data() + i * 16 * 16 * 3, 16, 16, 3, c1, 14, 14, patches, a1);
      a1 = a1.cwiseMax(0.0f);
      pool2<true>(a1.data(), 14, 14, 8, p1.data());
      conv(p1.data(), 7, 7, 8, c2, 4, 4, patches, a2);
      pool2<false>(a2.data(), 4, 4, 8, flat.row(i).data());
    }
    RowMatrix logits = flat * dense_kernel;
    logits.rowwise() += dense_bias;
    for (int i = 0; i < n; ++i) {
      auto row = logits.row(i).array();
      row = (row - row.maxCoeff()).exp();
      row /= row.sum();
    }
    return logits;
  }
};

void BM_CnnPredict_Kplug(benchmark::State& state) {
  const kplug::ModelPtr model = load_cnn();
  const kplug::Tensor x = random_input();
  for (auto _ : state) {
    auto y = model->predict({x}, kBatch);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_CnnPredict_PlainEigen(benchmark::State& state) {
  const kplug::ModelPtr model = load_cnn();
  const PlainCnn plain(*model);
  const kplug::Tensor x = random_input();
  // The baseline must compute what kplug computes.
  const RowMatrix expected = plain.predict(x);
  const kplug::Tensor got = model->predict({x}, kBatch)[0];
  const float diff = (Eigen::Map<const RowMatrix>(got.data(), kBatch, 10) - expected).cwiseAbs().maxCoeff();
  if (!(diff < 1e-5f))
    state.SkipWithError(("the Eigen baseline differs from kplug by " + std::to_string(diff)).c_str());
  for (auto _ : state) {
    auto y = plain.predict(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

BENCHMARK(BM_CnnPredict_Kplug)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CnnPredict_PlainEigen)->Unit(benchmark::kMicrosecond);

// ---- Conv2D 3x3, 64 -> 64, 56x56, batch 8, same ----

constexpr int kConvBatch = 8, kConvSize = 56, kConvChannels = 64;

kplug::Tensor random_tensor(kplug::Shape shape, unsigned seed) {
  return kplug::bench::random_tensor(std::move(shape), seed, 0.1f);
}

kplug::LayerPtr conv64_layer() {
  kplug::LayerPtr layer =
      kplug::bench::built_layer(R"({"module": "keras.layers", "class_name": "Conv2D",
      "config": {"filters": 64, "kernel_size": 3, "padding": "same"}})",
                                kplug::PartialShape{std::nullopt, kConvSize, kConvSize, kConvChannels});
  layer->set_weights({random_tensor({3, 3, kConvChannels, kConvChannels}, 7), random_tensor({kConvChannels}, 8)});
  return layer;
}

kplug::Tensor conv64_input() { return random_tensor({kConvBatch, kConvSize, kConvSize, kConvChannels}, 9); }

// The whole batch: (batch * 56 * 56, 64), image after image.
RowMatrix plain_conv64(const kplug::Tensor& x, const Conv& cv) {
  constexpr int rows = kConvSize * kConvSize;
  RowMatrix out(kConvBatch * rows, kConvChannels), patches, image_out;
  for (int i = 0; i < kConvBatch; ++i) {
    conv(x.data() + i * rows * kConvChannels, kConvSize, kConvSize, kConvChannels, cv, kConvSize, kConvSize, patches,
         image_out);
    out.middleRows(i * rows, rows) = image_out;
  }
  return out;
}

void BM_Conv2D64_Kplug(benchmark::State& state) {
  const kplug::LayerPtr layer = conv64_layer();
  const kplug::Tensor x = conv64_input();
  for (auto _ : state) {
    auto y = (*layer)(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kConvBatch);
}

void BM_Conv2D64_PlainEigen(benchmark::State& state) {
  const kplug::LayerPtr layer = conv64_layer();
  const auto w = layer->get_weights();
  const Conv cv{RowMatrix(Eigen::Map<const RowMatrix>(w[0].data(), 9 * kConvChannels, kConvChannels)),
                RowVector(Eigen::Map<const RowVector>(w[1].data(), kConvChannels)), 3, 1, 1};
  const kplug::Tensor x = conv64_input();
  // The baseline must compute what kplug computes.
  const RowMatrix expected = plain_conv64(x, cv);
  const kplug::Tensor got = (*layer)(x);
  const float diff =
      (Eigen::Map<const RowMatrix>(got.data(), expected.rows(), expected.cols()) - expected).cwiseAbs().maxCoeff();
  if (!(diff < 1e-4f))
    state.SkipWithError(("the Eigen baseline differs from kplug by " + std::to_string(diff)).c_str());
  for (auto _ : state) {
    auto y = plain_conv64(x, cv);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kConvBatch);
}

BENCHMARK(BM_Conv2D64_Kplug)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2D64_PlainEigen)->Unit(benchmark::kMillisecond);

// ---- Conv2DTranspose 3x3 stride 2 same, 32 -> 16, 28x28, batch 8 ----

constexpr int kDeconvBatch = 8, kDeconvSize = 28, kDeconvIn = 32, kDeconvOut = 16;

kplug::LayerPtr deconv_layer() {
  kplug::LayerPtr layer =
      kplug::bench::built_layer(R"({"module": "keras.layers", "class_name": "Conv2DTranspose",
      "config": {"filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}})",
                                kplug::PartialShape{std::nullopt, kDeconvSize, kDeconvSize, kDeconvIn});
  layer->set_weights({random_tensor({3, 3, kDeconvOut, kDeconvIn}, 11), random_tensor({kDeconvOut}, 12)});
  return layer;
}

kplug::Tensor deconv_input() { return random_tensor({kDeconvBatch, kDeconvSize, kDeconvSize, kDeconvIn}, 13); }

kplug::ops::ConvTransposeNdOptions deconv_options() { return {{2, 2}, {}, kplug::ops::Padding::same, {}}; }

void BM_Conv2DTranspose_Layer(benchmark::State& state) {
  const kplug::LayerPtr layer = deconv_layer();
  const kplug::Tensor x = deconv_input();
  for (auto _ : state) {
    auto y = (*layer)(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kDeconvBatch);
}

void BM_Conv2DTranspose_Op(benchmark::State& state) {
  const kplug::Tensor kernel = deconv_layer()->get_weights()[0], x = deconv_input();
  for (auto _ : state) {
    auto y = kplug::ops::conv_transpose(x, kernel, deconv_options());
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kDeconvBatch);
}

void BM_Conv2DTranspose_Dilated(benchmark::State& state) {
  const kplug::Tensor kernel = deconv_layer()->get_weights()[0], x = deconv_input();
  // The old path must compute what the new one does.
  const kplug::Tensor want = kplug::ops::conv_transpose_dilated(x, kernel, deconv_options());
  const kplug::Tensor got = kplug::ops::conv_transpose(x, kernel, deconv_options());
  float diff = 0.0f;
  for (std::int64_t i = 0; i < got.size(); ++i) diff = std::max(diff, std::abs(got.data()[i] - want.data()[i]));
  if (!(diff < 1e-4f)) state.SkipWithError(("the two paths differ by " + std::to_string(diff)).c_str());
  for (auto _ : state) {
    auto y = kplug::ops::conv_transpose_dilated(x, kernel, deconv_options());
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kDeconvBatch);
}

BENCHMARK(BM_Conv2DTranspose_Layer)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Conv2DTranspose_Op)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Conv2DTranspose_Dilated)->Unit(benchmark::kMicrosecond);

}  // namespace
