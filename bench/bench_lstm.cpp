// LSTM(256) over 100 steps, batch 32, 256 input features (issue 10's performance target):
// kplug's LSTM layer against a plain Eigen program doing the same maths (one input
// projection GEMM for all steps, then per step the h @ recurrent_kernel GEMM for the four
// gates and the element-wise update), same weights. Target: within 1.5x.
// Also predict of the rnn fixture (Embedding -> LSTM(6) -> GRU(5) -> Dense(2) over 10 steps,
// batch 3, tests/data/models/rnn): issue 21's target is half its time before the buffer pool.
#include "bench_support.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/model.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;
using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr std::int64_t kBatch = 32, kSteps = 100, kFeatures = 256, kUnits = 256;

using kplug::bench::random_tensor;

struct Weights {
  kplug::Tensor kernel = random_tensor({kFeatures, 4 * kUnits}, 1, 0.05f);
  kplug::Tensor recurrent = random_tensor({kUnits, 4 * kUnits}, 2, 0.05f);
  kplug::Tensor bias = random_tensor({4 * kUnits}, 3, 0.1f);
  kplug::Tensor input = random_tensor({kBatch, kSteps, kFeatures}, 4, 1.0f);
};

const Weights& weights() {
  static const Weights w;
  return w;
}

void BM_LstmKplug(benchmark::State& state) {
  kplug::DeserializeOptions options;
  kplug::DeserializationContext context(options);
  kplug::LayerPtr layer = kplug::deserialize_layer(
      kplug::json::parse(R"({"module": "keras.layers", "class_name": "LSTM", "config": {"units": 256}})"), context);
  const Weights& w = weights();
  layer->maybe_build({kplug::PartialShape{std::nullopt, kSteps, kFeatures}});
  layer->set_weights({w.kernel, w.recurrent, w.bias});
  for (auto _ : state) {
    kplug::Tensor y = (*layer)(w.input);
    benchmark::DoNotOptimize(y.data());
  }
}
BENCHMARK(BM_LstmKplug)->Unit(benchmark::kMillisecond);

RowArray sigmoid(const RowArray& x) { return 1.0f / (1.0f + (-x).exp()); }

void BM_LstmEigen(benchmark::State& state) {
  const Weights& w = weights();
  using Map = Eigen::Map<const RowMatrix>;
  const Map kernel(w.kernel.data(), kFeatures, 4 * kUnits);
  const Map recurrent(w.recurrent.data(), kUnits, 4 * kUnits);
  const Eigen::Map<const RowVector> bias(w.bias.data(), 4 * kUnits);
  const Map input(w.input.data(), kBatch * kSteps, kFeatures);  // rows: (batch, step)
  RowMatrix time_major(kSteps * kBatch, kFeatures), projected, z(kBatch, 4 * kUnits);
  RowMatrix h(kBatch, kUnits), c(kBatch, kUnits);
  for (auto _ : state) {
    for (std::int64_t b = 0; b < kBatch; ++b) {
      for (std::int64_t t = 0; t < kSteps; ++t) time_major.row(t * kBatch + b) = input.row(b * kSteps + t);
    }
    projected.noalias() = time_major * kernel;
    projected.rowwise() += bias;
    h.setZero();
    c.setZero();
    for (std::int64_t t = 0; t < kSteps; ++t) {
      z = projected.middleRows(t * kBatch, kBatch);
      z.noalias() += h * recurrent;
      const RowArray i = sigmoid(z.leftCols(kUnits).array());
      const RowArray f = sigmoid(z.middleCols(kUnits, kUnits).array());
      const RowArray g = z.middleCols(2 * kUnits, kUnits).array().tanh();
      const RowArray o = sigmoid(z.rightCols(kUnits).array());
      c = (f * c.array() + i * g).matrix();
      h = (o * c.array().tanh()).matrix();
    }
    benchmark::DoNotOptimize(h.data());
  }
}
BENCHMARK(BM_LstmEigen)->Unit(benchmark::kMillisecond);

// The fixture's own input (io.json): int32 token ids, (3, 10).
void BM_RnnFixturePredict(benchmark::State& state) {
  const std::string dir = std::string(KPLUG_BENCH_DATA) + "/models/rnn/";
  const kplug::ModelPtr model = kplug::model_from_json(kplug::bench::read_text(dir + "model.json"));
  model->load_weights(*kplug::saving::read_weights_file(dir + "model.weights.h5"));
  const auto io = kplug::json::parse(kplug::bench::read_text(dir + "io.json"));
  const auto& input = io.at("inputs").at(0);
  std::vector<std::int32_t> ids;
  for (const auto& v : input.at("data").as_array()) ids.push_back(static_cast<std::int32_t>(v.to_number<double>()));
  const kplug::Tensor x =
      kplug::Tensor::from_values<std::int32_t>(kplug::Shape{3, 10}, std::span<const std::int32_t>(ids));
  for (auto _ : state) {
    auto y = model->predict({x});
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_RnnFixturePredict)->Unit(benchmark::kMicrosecond);

}  // namespace
