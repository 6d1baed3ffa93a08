// MultiHeadAttention (8 heads, key_dim 64, model dim 512, sequence 128, batch 8,
// self-attention) against a plain Eigen program doing the same projections, scaled
// scores, softmax, weighted sum and output projection on the same weights (head slices as
// strided blocks, no copies). Target: within 1.5x, compared in one run.
#include "kplug/layers/attention.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <cmath>
#include <string>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;

constexpr std::int64_t kBatch = 8, kSeq = 128, kModel = 512, kHeads = 8, kKeyDim = 64;

kplug::Tensor pattern(const kplug::Shape& shape, float scale) {
  kplug::Tensor t = kplug::Tensor::empty(shape);
  float* p = t.data();
  for (std::int64_t i = 0; i < t.size(); ++i) p[i] = scale * (static_cast<float>((i * 7919) % 2000) / 1000.0f - 1.0f);
  return t;
}

std::shared_ptr<kplug::Layer> mha() {
  kplug::DeserializeOptions options;
  kplug::DeserializationContext context(options);
  auto layer = kplug::deserialize_layer(
      kplug::json::parse(R"({"module": "keras.layers", "class_name": "MultiHeadAttention", "config": {"name": "mha",
          "num_heads": )" +
                         std::to_string(kHeads) + R"(, "key_dim": )" + std::to_string(kKeyDim) + "}}"),
      context);
  layer->maybe_build(
      {kplug::PartialShape{std::nullopt, kSeq, kModel}, kplug::PartialShape{std::nullopt, kSeq, kModel}});
  std::vector<kplug::Tensor> weights;
  float scale = 0.05f;
  for (const auto& w : layer->weights()) weights.push_back(pattern(w->shape(), scale *= 0.97f));
  layer->set_weights(weights);
  return layer;
}

void BM_MultiHeadAttention(benchmark::State& state) {
  const auto layer = mha();
  const kplug::Tensor x = pattern({kBatch, kSeq, kModel}, 1.0f);
  for (auto _ : state) {
    kplug::CallArgs args({x, x});
    auto y = (*layer)(args);
    benchmark::DoNotOptimize(y.front().bytes());
  }
  state.SetItemsProcessed(state.iterations() * kBatch * kSeq);
}
BENCHMARK(BM_MultiHeadAttention)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The same maths in plain Eigen on the layer's own weights.
void BM_MultiHeadAttentionEigen(benchmark::State& state) {
  const auto layer = mha();
  const kplug::Tensor x = pattern({kBatch, kSeq, kModel}, 1.0f);
  const std::vector<kplug::Tensor> w = layer->get_weights();  // q k v kernels/biases, output kernel/bias
  constexpr std::int64_t rows = kBatch * kSeq, width = kHeads * kKeyDim;
  const auto kernel = [&](std::size_t i, std::int64_t r, std::int64_t c) { return ConstRowMap(w[i].data(), r, c); };
  const auto bias = [&](std::size_t i, std::int64_t n) { return Eigen::Map<const Eigen::RowVectorXf>(w[i].data(), n); };
  const float scale = 1.0f / std::sqrt(static_cast<float>(kKeyDim));
  RowMatrix q(rows, width), k(rows, width), v(rows, width), ctx(rows, width), out(rows, kModel), scores(kSeq, kSeq);
  for (auto _ : state) {
    const ConstRowMap in(x.data(), rows, kModel);
    q.noalias() = in * kernel(0, kModel, width);
    q.rowwise() += bias(1, width);
    k.noalias() = in * kernel(2, kModel, width);
    k.rowwise() += bias(3, width);
    v.noalias() = in * kernel(4, kModel, width);
    v.rowwise() += bias(5, width);
    q *= scale;
    for (std::int64_t b = 0; b < kBatch; ++b) {
      for (std::int64_t h = 0; h < kHeads; ++h) {
        const auto qb = q.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim);
        const auto kb = k.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim);
        const auto vb = v.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim);
        scores.noalias() = qb * kb.transpose();
        for (std::int64_t r = 0; r < kSeq; ++r) {
          auto row = scores.row(r).array();
          row = (row - row.maxCoeff()).exp();
          row /= row.sum();
        }
        ctx.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim).noalias() = scores * vb;
      }
    }
    out.noalias() = ctx * kernel(6, width, kModel);
    out.rowwise() += bias(7, kModel);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch * kSeq);
}
BENCHMARK(BM_MultiHeadAttentionEigen)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
