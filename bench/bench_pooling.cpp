// AdaptiveAveragePooling2D and AdaptiveMaxPooling2D, channels_last, (8, 64, 64, 32) down to
// (7, 7) (64 / 7 does not divide: windows of 10 overlap) and (8, 8) (windows of 8 tile the
// input), against a plain Eigen program pooling each output position's 2-D window at once
// with Keras's rule: window [floor(i * in / out), ceil((i + 1) * in / out)) on each axis.
// Target: within 1.5x, compared in one run (issue 20).
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <string>
#include <utility>

namespace {

constexpr std::int64_t kBatch = 8, kSize = 64, kChannels = 32;

kplug::Tensor pattern(const kplug::Shape& shape) {
  kplug::Tensor t = kplug::Tensor::empty(shape);
  float* p = t.data();
  for (std::int64_t i = 0; i < t.size(); ++i) p[i] = static_cast<float>((i * 7919) % 2000) / 1000.0f - 1.0f;
  return t;
}

kplug::LayerPtr adaptive_pooling(const std::string& class_name, std::int64_t out) {
  const std::string size = std::to_string(out);
  kplug::DeserializeOptions options;
  kplug::DeserializationContext context(options);
  return kplug::deserialize_layer(kplug::json::parse(R"({"module": "keras.layers", "class_name": ")" + class_name +
                                                     R"(", "config": {"output_size": [)" + size + ", " + size + "]}}"),
                                  context);
}

const char* class_name(bool max) { return max ? "AdaptiveMaxPooling2D" : "AdaptiveAveragePooling2D"; }

void BM_AdaptivePooling2D(benchmark::State& state, bool max) {
  const kplug::LayerPtr layer = adaptive_pooling(class_name(max), state.range(0));
  const kplug::Tensor x = pattern({kBatch, kSize, kSize, kChannels});
  for (auto _ : state) {
    kplug::Tensor y = (*layer)(x);
    benchmark::DoNotOptimize(y.data());
  }
}
BENCHMARK_CAPTURE(BM_AdaptivePooling2D, average, false)->Arg(7)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AdaptivePooling2D, max, true)->Arg(7)->Arg(8)->Unit(benchmark::kMicrosecond);

// Keras's window on an axis of length `in` pooled to `out`: [start, end).
std::pair<std::int64_t, std::int64_t> window(std::int64_t i, std::int64_t in, std::int64_t out) {
  return {i * in / out, ((i + 1) * in + out - 1) / out};
}

// The same pooling in plain Eigen into y (batch, out, out, channels): per output position,
// the channel vectors of its 2-D window.
template <bool Max>
void eigen_pool(const kplug::Tensor& x, std::int64_t out, Eigen::ArrayXf& y) {
  using Channels = Eigen::Map<const Eigen::ArrayXf>;
  for (std::int64_t b = 0; b < kBatch; ++b) {
    for (std::int64_t i = 0; i < out; ++i) {
      const auto [r0, r1] = window(i, kSize, out);
      for (std::int64_t j = 0; j < out; ++j) {
        const auto [c0, c1] = window(j, kSize, out);
        auto acc = y.segment(((b * out + i) * out + j) * kChannels, kChannels);
        acc = Channels(x.data() + ((b * kSize + r0) * kSize + c0) * kChannels, kChannels);
        for (std::int64_t r = r0; r < r1; ++r) {
          for (std::int64_t c = r == r0 ? c0 + 1 : c0; c < c1; ++c) {
            const Channels v(x.data() + ((b * kSize + r) * kSize + c) * kChannels, kChannels);
            if constexpr (Max) {
              acc = acc.max(v);
            } else {
              acc += v;
            }
          }
        }
        if (!Max) acc /= static_cast<float>((r1 - r0) * (c1 - c0));
      }
    }
  }
}

// Times eigen_pool, once checked against the layer's output.
template <bool Max>
void BM_AdaptivePooling2DEigen(benchmark::State& state) {
  const std::int64_t out = state.range(0);
  const kplug::Tensor x = pattern({kBatch, kSize, kSize, kChannels});
  Eigen::ArrayXf y(kBatch * out * out * kChannels);
  const kplug::Tensor expected = (*adaptive_pooling(class_name(Max), out))(x);
  eigen_pool<Max>(x, out, y);
  const float error = (y - Eigen::Map<const Eigen::ArrayXf>(expected.data(), y.size())).abs().maxCoeff();
  if (error > 1e-5f) state.SkipWithError(("differs from the layer by " + std::to_string(error)).c_str());
  for (auto _ : state) {
    eigen_pool<Max>(x, out, y);
    benchmark::DoNotOptimize(y.data());
  }
}
BENCHMARK_TEMPLATE(BM_AdaptivePooling2DEigen, false)
    ->Name("BM_AdaptivePooling2DEigen/average")
    ->Arg(7)
    ->Arg(8)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_AdaptivePooling2DEigen, true)
    ->Name("BM_AdaptivePooling2DEigen/max")
    ->Arg(7)
    ->Arg(8)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
