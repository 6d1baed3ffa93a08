// predict of the mlp_seq fixture (Dense(64, relu), Dropout, Dense(1)) on 256 rows against a
// plain Eigen program doing the same maths on the same weights: row-major maps, one GEMM,
// a bias row and the activation per layer. Target: within 1.5x, compared in one run.
#include "kplug/models/model.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <fstream>
#include <sstream>
#include <string>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix, Eigen::Aligned64>;
using ConstRowVectorMap = Eigen::Map<const Eigen::RowVectorXf, Eigen::Aligned64>;

constexpr std::int64_t kRows = 256;

std::shared_ptr<kplug::Model> mlp_seq() {
  std::ifstream file(std::string(KPLUG_BENCH_DATA) + "/models/mlp_seq/model.json", std::ios::binary);
  if (!file) throw std::runtime_error("cannot open the mlp_seq fixture");
  std::ostringstream text;
  text << file.rdbuf();
  return kplug::model_from_json(text.str());
}

// Deterministic inputs in [-1, 1): half of the hidden units end up negative (relu matters).
kplug::Tensor inputs(std::int64_t features) {
  kplug::Tensor x = kplug::Tensor::empty({kRows, features});
  float* p = x.data();
  for (std::int64_t i = 0; i < x.size(); ++i) p[i] = static_cast<float>((i * 7919) % 2000) / 1000.0f - 1.0f;
  return x;
}

void BM_PredictMlpSeq(benchmark::State& state) {
  const auto model = mlp_seq();
  const kplug::Tensor x = inputs(model->input_layers().front()->batch_shape()[1].value());
  const std::int64_t batch_size = state.range(0);
  for (auto _ : state) {
    auto y = model->predict({x}, batch_size);
    benchmark::DoNotOptimize(y.front().bytes());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
// One batch of 256 (the target), and Keras's default batch_size of 32 (8 batches).
BENCHMARK(BM_PredictMlpSeq)->Arg(256)->Arg(32)->Unit(benchmark::kMicrosecond);

// The same maths written directly with Eigen on the model's own weights.
void BM_PredictMlpSeqEigen(benchmark::State& state) {
  const auto model = mlp_seq();
  const kplug::Tensor x = inputs(model->input_layers().front()->batch_shape()[1].value());
  const std::vector<kplug::Tensor> w = model->get_weights();  // kernel 1, bias 1, kernel 2, bias 2
  if (w.size() != 4) throw std::runtime_error("mlp_seq: expected 4 weights");
  const auto map = [](const kplug::Tensor& t) { return ConstRowMap(t.data(), t.shape()[0], t.shape()[1]); };
  const auto row = [](const kplug::Tensor& t) { return ConstRowVectorMap(t.data(), t.shape()[0]); };
  for (auto _ : state) {
    const ConstRowMap in = map(x);
    RowMatrix hidden(in.rows(), w[0].shape()[1]);
    hidden.noalias() = in * map(w[0]);
    hidden.rowwise() += row(w[1]);
    hidden = hidden.cwiseMax(0.0f);
    RowMatrix out(in.rows(), w[2].shape()[1]);
    out.noalias() = hidden * map(w[2]);
    out.rowwise() += row(w[3]);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_PredictMlpSeqEigen)->Unit(benchmark::kMicrosecond);

}  // namespace
