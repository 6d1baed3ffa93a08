// model_from_json of Keras's big fixtures against merely parsing their text with
// Boost.JSON (target: within 3x), and the time per layer of generated Sequential
// stacks of 10 to 10,000 Dense layers (target: flat, ratio <= 1.3).
#include "bench_support.hpp"
#include "kplug/models/model.hpp"

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string& fixture(const std::string& name) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, kplug::bench::read_text(std::string(KPLUG_BENCH_DATA) + "/models/" + name + "/model.json"))
             .first;
  return it->second;
}

// A Sequential config of `n` Dense(8) layers, as Keras writes one.
std::string dense_stack(int n) {
  const std::string policy =
      R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})";
  std::string s =
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "stack", "trainable": true, "dtype": )" +
      policy +
      R"(, "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 8], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}, "registered_name": null})";
  for (int i = 0; i < n; ++i) {
    s +=
        R"(, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_)" + std::to_string(i) +
        R"(", "trainable": true, "dtype": )" + policy +
        R"(, "units": 8, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null, "build_config": {"input_shape": [null, 8]}})";
  }
  return s +
         R"(], "build_input_shape": [null, 8]}, "registered_name": null, "build_config": {"input_shape": [null, 8]}, "compile_config": {}})";
}

void BM_ModelFromJson(benchmark::State& state, const std::string& name) {
  const std::string& text = fixture(name);
  for (auto _ : state) {
    auto model = kplug::model_from_json(text);
    benchmark::DoNotOptimize(model);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_BoostJsonParse(benchmark::State& state, const std::string& name) {
  const std::string& text = fixture(name);
  for (auto _ : state) {
    auto value = boost::json::parse(text);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

// items_per_second = layers per second: flat means constant time per layer.
void BM_DenseStackFromJson(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string text = dense_stack(n);
  for (auto _ : state) {
    auto model = kplug::model_from_json(text);
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["time_per_layer"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The same texts merely parsed by Boost.JSON: the per-layer baseline.
void BM_DenseStackParse(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string text = dense_stack(n);
  for (auto _ : state) {
    auto value = boost::json::parse(text);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["time_per_layer"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK_CAPTURE(BM_ModelFromJson, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BoostJsonParse, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ModelFromJson, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BoostJsonParse, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DenseStackFromJson)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DenseStackParse)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
