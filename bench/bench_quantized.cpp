// Issue 20's quantized target: a Keras int8 Dense(1024 -> 1024) (QuantizedDTypePolicy
// "int8", inputs abs-max quantized per row) predicts no slower than the float32 Dense it
// replaces, at batch 1, 32 and 256. Both layers are built from Keras-style configs and
// given random weights of the right dtypes; the int8 time over the float32 time is the
// ratio to read (target <= 1).
#include "bench_support.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>

#include <random>
#include <string>

namespace {

constexpr std::int64_t kIn = 1024, kUnits = 1024;

const char* const kFloatDense = R"({"module": "keras.layers", "class_name": "Dense",
  "config": {"name": "dense", "units": 1024}})";
const char* const kInt8Dense = R"({"module": "keras.layers", "class_name": "Dense",
  "config": {"name": "dense", "units": 1024,
    "dtype": {"module": "keras.dtype_policies", "class_name": "QuantizedDTypePolicy",
              "config": {"mode": "int8", "source_name": "float32"}, "registered_name": null},
    "quantization_config": {"module": "keras.quantizers", "class_name": "Int8QuantizationConfig",
      "config": {"weight_quantizer": null,
        "activation_quantizer": {"module": "keras.quantizers", "class_name": "AbsMaxQuantizer",
          "config": {"value_range": [-127, 127], "epsilon": 1e-07, "output_dtype": "int8"},
          "registered_name": null}},
      "registered_name": null}}})";

using kplug::bench::random_tensor;

// Keras's int8 kernel: integers in [-127, 127], one float scale per output unit.
kplug::Tensor random_int8_kernel() {
  kplug::Tensor t({kIn, kUnits});
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> values(-127, 127);
  for (float& v : t.values()) v = static_cast<float>(values(rng));
  return t.astype(kplug::DType::int8);
}

kplug::LayerPtr built_dense(const char* config) {
  return kplug::bench::built_layer(config, kplug::PartialShape{std::nullopt, kIn});
}

void run(benchmark::State& state, kplug::Layer& layer) {
  const kplug::Tensor x = random_tensor({state.range(0), kIn}, 4, 1.0f);
  for (auto _ : state) {
    kplug::Tensor y = layer(x);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_DenseFloat32(benchmark::State& state) {
  kplug::LayerPtr layer = built_dense(kFloatDense);
  layer->set_weights({random_tensor({kIn, kUnits}, 1, 0.05f), random_tensor({kUnits}, 2, 0.1f)});
  run(state, *layer);
}
BENCHMARK(BM_DenseFloat32)->Arg(1)->Arg(32)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_DenseInt8(benchmark::State& state) {
  kplug::LayerPtr layer = built_dense(kInt8Dense);
  kplug::Tensor scale = random_tensor({kUnits}, 3, 1.0f).map([](float v) { return 2000.0f + 100.0f * v; });
  for (const kplug::VariablePtr& v : layer->weights()) {
    if (v->name() == "kernel") v->assign(random_int8_kernel());
    if (v->name() == "kernel_scale") v->assign(scale);
    if (v->name() == "bias") v->assign(random_tensor({kUnits}, 2, 0.1f));
  }
  run(state, *layer);
}
BENCHMARK(BM_DenseInt8)->Arg(1)->Arg(32)->Arg(256)->Unit(benchmark::kMicrosecond);

}  // namespace
