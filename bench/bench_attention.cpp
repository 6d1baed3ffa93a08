// MultiHeadAttention (8 heads, key_dim 64, model dim 512, sequence 128, batch 8,
// self-attention) against a plain Eigen program doing the same projections, scaled
// scores, softmax, weighted sum and output projection on the same weights (head slices as
// strided blocks, no copies). Target: within 1.5x, compared in one run (issue 10).
// GroupQueryAttention (8 query heads sharing 2 key/value heads, head_dim 64, same sizes)
// against the same kind of Eigen program, query head h reading key/value head
// h / (8 / 2) as Keras's repeat does. Target: within 1.5x (issue 20).
#include "kplug/layers/attention.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <cmath>
#include <string>
#include <vector>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;

constexpr std::int64_t kBatch = 8, kSeq = 128, kModel = 512, kHeads = 8, kKeyDim = 64, kKvHeads = 2;

kplug::Tensor pattern(const kplug::Shape& shape, float scale) {
  kplug::Tensor t = kplug::Tensor::empty(shape);
  float* p = t.data();
  for (std::int64_t i = 0; i < t.size(); ++i) p[i] = scale * (static_cast<float>((i * 7919) % 2000) / 1000.0f - 1.0f);
  return t;
}

// A self-attention layer of Keras class `class_name` with `config` (keys after the name),
// built on (batch, kSeq, kModel) inputs, weights from a pattern.
std::shared_ptr<kplug::Layer> attention_layer(const std::string& class_name, const std::string& config) {
  kplug::DeserializeOptions options;
  kplug::DeserializationContext context(options);
  auto layer =
      kplug::deserialize_layer(kplug::json::parse(R"({"module": "keras.layers", "class_name": ")" + class_name +
                                                  R"(", "config": {"name": "attention", )" + config + "}}"),
                               context);
  layer->maybe_build(
      {kplug::PartialShape{std::nullopt, kSeq, kModel}, kplug::PartialShape{std::nullopt, kSeq, kModel}});
  std::vector<kplug::Tensor> weights;
  float scale = 0.05f;
  for (const auto& w : layer->weights()) weights.push_back(pattern(w->shape(), scale *= 0.97f));
  layer->set_weights(weights);
  return layer;
}

std::shared_ptr<kplug::Layer> mha() {
  return attention_layer("MultiHeadAttention",
                         R"("num_heads": )" + std::to_string(kHeads) + R"(, "key_dim": )" + std::to_string(kKeyDim));
}

std::shared_ptr<kplug::Layer> gqa() {
  return attention_layer("GroupQueryAttention", R"("head_dim": )" + std::to_string(kKeyDim) +
                                                    R"(, "num_query_heads": )" + std::to_string(kHeads) +
                                                    R"(, "num_key_value_heads": )" + std::to_string(kKvHeads));
}

// Times a layer's self-attention call on the pattern input.
void run_layer(benchmark::State& state, kplug::Layer& layer) {
  const kplug::Tensor x = pattern({kBatch, kSeq, kModel}, 1.0f);
  for (auto _ : state) {
    kplug::CallArgs args({x, x});
    auto y = layer(args);
    benchmark::DoNotOptimize(y.front().bytes());
  }
  state.SetItemsProcessed(state.iterations() * kBatch * kSeq);
}

void BM_MultiHeadAttention(benchmark::State& state) { run_layer(state, *mha()); }
BENCHMARK(BM_MultiHeadAttention)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Softmax over each row of the scores, in place.
void softmax_rows(RowMatrix& scores) {
  for (std::int64_t r = 0; r < scores.rows(); ++r) {
    auto row = scores.row(r).array();
    row = (row - row.maxCoeff()).exp();
    row /= row.sum();
  }
}

// The same maths in plain Eigen on a layer's own weights (q k v kernels/biases, output
// kernel/bias): key/value projections of kv_heads heads, each read in place by its group of
// kHeads / kv_heads query heads (MultiHeadAttention: kv_heads = kHeads).
class EigenAttention {
 public:
  EigenAttention(std::vector<kplug::Tensor> weights, std::int64_t kv_heads)
      : w_(std::move(weights)),
        kv_heads_(kv_heads),
        q_(kRows, kWidth),
        k_(kRows, kv_heads * kKeyDim),
        v_(kRows, kv_heads * kKeyDim),
        ctx_(kRows, kWidth),
        out_(kRows, kModel),
        scores_(kSeq, kSeq) {}

  const RowMatrix& operator()(const kplug::Tensor& x) {
    const ConstRowMap in(x.data(), kRows, kModel);
    const std::int64_t kv_width = kv_heads_ * kKeyDim, group = kHeads / kv_heads_;
    project(in, 0, q_, kWidth);
    project(in, 2, k_, kv_width);
    project(in, 4, v_, kv_width);
    q_ *= 1.0f / std::sqrt(static_cast<float>(kKeyDim));
    for (std::int64_t b = 0; b < kBatch; ++b) {
      for (std::int64_t h = 0; h < kHeads; ++h) {
        const std::int64_t kv = h / group;
        const auto qb = q_.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim);
        const auto kb = k_.block(b * kSeq, kv * kKeyDim, kSeq, kKeyDim);
        const auto vb = v_.block(b * kSeq, kv * kKeyDim, kSeq, kKeyDim);
        scores_.noalias() = qb * kb.transpose();
        softmax_rows(scores_);
        ctx_.block(b * kSeq, h * kKeyDim, kSeq, kKeyDim).noalias() = scores_ * vb;
      }
    }
    project(ctx_, 6, out_, kModel);
    return out_;
  }

 private:
  static constexpr std::int64_t kRows = kBatch * kSeq, kWidth = kHeads * kKeyDim;

  // out = in @ kernel w_[i] + bias w_[i + 1].
  template <class In>
  void project(const In& in, std::size_t i, RowMatrix& out, std::int64_t width) const {
    out.noalias() = in * ConstRowMap(w_[i].data(), in.cols(), width);
    out.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(w_[i + 1].data(), width);
  }

  std::vector<kplug::Tensor> w_;
  std::int64_t kv_heads_;
  RowMatrix q_, k_, v_, ctx_, out_, scores_;
};

// Times the Eigen program on `layer`'s weights, once checked against the layer's output.
void run_eigen(benchmark::State& state, kplug::Layer& layer, std::int64_t kv_heads) {
  const kplug::Tensor x = pattern({kBatch, kSeq, kModel}, 1.0f);
  EigenAttention attention(layer.get_weights(), kv_heads);
  kplug::CallArgs args({x, x});
  const kplug::Tensor expected = layer(args).front();
  const float error = (attention(x) - ConstRowMap(expected.data(), kBatch * kSeq, kModel)).cwiseAbs().maxCoeff();
  if (error > 1e-3f) state.SkipWithError(("differs from the layer by " + std::to_string(error)).c_str());
  for (auto _ : state) benchmark::DoNotOptimize(attention(x).data());
  state.SetItemsProcessed(state.iterations() * kBatch * kSeq);
}

void BM_MultiHeadAttentionEigen(benchmark::State& state) { run_eigen(state, *mha(), kHeads); }
BENCHMARK(BM_MultiHeadAttentionEigen)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_GroupQueryAttention(benchmark::State& state) { run_layer(state, *gqa()); }
BENCHMARK(BM_GroupQueryAttention)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_GroupQueryAttentionEigen(benchmark::State& state) { run_eigen(state, *gqa(), kKvHeads); }
BENCHMARK(BM_GroupQueryAttentionEigen)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
