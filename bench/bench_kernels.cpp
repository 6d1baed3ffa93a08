// Issue 21's GEMM-bound layers: Dense 1024 -> 1024 (batch 256) and Conv2D 3x3 64 -> 64 on
// 56x56 (batch 1, "same"), built from Keras configs and run through kplug's layers. The
// GFLOP/s counter (2 * multiply-adds per second) is to be read against the peak of the
// instruction set in the label (one core: KPLUG_NUM_THREADS=1).
#include "bench_support.hpp"
#include "kplug/isa.hpp"
#include "kplug/layers/layer.hpp"

#include <benchmark/benchmark.h>

namespace {

kplug::Tensor random_tensor(kplug::Shape shape, unsigned seed) {
  return kplug::bench::random_tensor(std::move(shape), seed, 0.05f);
}

kplug::LayerPtr built_layer(const char* config, const kplug::PartialShape& input) {
  kplug::LayerPtr layer = kplug::bench::built_layer(config, input);
  std::vector<kplug::Tensor> weights;
  unsigned seed = 1;
  for (const kplug::VariablePtr& v : layer->weights()) weights.push_back(random_tensor(v->value().shape(), seed++));
  layer->set_weights(weights);
  return layer;
}

void run(benchmark::State& state, kplug::Layer& layer, const kplug::Tensor& x, double flops) {
  for (auto _ : state) {
    kplug::Tensor y = layer(x);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(kplug::cpu_isa());
}

void BM_Dense1024(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  kplug::LayerPtr dense = built_layer(R"({"module": "keras.layers", "class_name": "Dense",
    "config": {"name": "dense", "units": 1024}})",
                                      kplug::PartialShape{std::nullopt, 1024});
  run(state, *dense, random_tensor({batch, 1024}, 9), 2.0 * static_cast<double>(batch) * 1024 * 1024);
}
BENCHMARK(BM_Dense1024)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_Conv2D3x3_64(benchmark::State& state) {
  kplug::LayerPtr conv = built_layer(R"({"module": "keras.layers", "class_name": "Conv2D",
    "config": {"name": "conv", "filters": 64, "kernel_size": [3, 3], "padding": "same"}})",
                                     kplug::PartialShape{std::nullopt, 56, 56, 64});
  run(state, *conv, random_tensor({1, 56, 56, 64}, 9), 2.0 * 56 * 56 * 64 * 64 * 9);
}
BENCHMARK(BM_Conv2D3x3_64)->Unit(benchmark::kMicrosecond);

}  // namespace
