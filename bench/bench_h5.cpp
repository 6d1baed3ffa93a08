// load_weights' file part: reading every dataset of a ~100 MB Keras-layout weights file
// through kplug_saving (all safety checks included) against reading the same file's raw
// bytes. Both read from the page cache after the first iteration. Target: within 1.5x.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kplug/models/model.hpp"
#include "kplug/saving/h5_reader.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/h5_writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace kplug::h5;

// 24 Dense-like layers of 1024x1024 kernels + biases: 24 * (4 MiB + 4 KiB) ~ 100 MB.
constexpr int kLayers = 24;
constexpr std::int64_t kUnits = 1024;

const fs::path& weights_file() {
  static const fs::path path = [] {
    fs::path p = fs::temp_directory_path() / ("kplug_bench_" + std::to_string(::getpid()) + ".weights.h5");
    WeightsWriter writer(p);
    writer.make_vars("", std::string("bench"));
    std::vector<float> kernel(static_cast<std::size_t>(kUnits * kUnits));
    for (std::size_t i = 0; i < kernel.size(); ++i) kernel[i] = static_cast<float>(i % 1000) * 1e-3f;
    const std::vector<float> bias(static_cast<std::size_t>(kUnits), 0.5f);
    for (int l = 0; l < kLayers; ++l) {
      const std::string layer = "layers/dense" + (l == 0 ? std::string() : "_" + std::to_string(l));
      writer.make_vars(layer, layer.substr(7));
      writer.write_var(layer, 0, Array::from_float32({kUnits, kUnits}, kernel));
      writer.write_var(layer, 1, Array::from_float32({kUnits}, bias));
    }
    writer.commit();
    std::atexit([] { std::remove(weights_file().c_str()); });
    return p;
  }();
  return path;
}

// The floor: POSIX read() of the whole file into a buffer allocated (and faulted in) once.
void BM_ReadRawBytes(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  std::vector<char> bytes(size);
  for (auto _ : state) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(fd, bytes.data() + done, size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != size) state.SkipWithError("short read");
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ReadRawBytes)->Unit(benchmark::kMillisecond);

// The same into a buffer allocated for each read (fresh memory, as loading weights needs).
void BM_ReadRawBytesFresh(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  for (auto _ : state) {
    const std::unique_ptr<char[]> bytes(new char[size]);  // not zero-filled, as a plain reader does
    const int fd = ::open(path.c_str(), O_RDONLY);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(fd, bytes.get() + done, size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != size) state.SkipWithError("short read");
    benchmark::DoNotOptimize(bytes.get());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ReadRawBytesFresh)->Unit(benchmark::kMillisecond);

// Opens the file and reads each layer's vars in order, as load_weights does.
void BM_ReadWeightsH5(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  for (auto _ : state) {
    const WeightsReader reader = WeightsReader::open(path);
    std::size_t total = 0;
    for (int l = 0; l < kLayers; ++l) {
      const std::string layer = "layers/dense" + (l == 0 ? std::string() : "_" + std::to_string(l));
      for (std::size_t i = 0; i < reader.vars_count(layer); ++i) total += reader.read_var(layer, i).data.size();
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ReadWeightsH5)->Unit(benchmark::kMillisecond);

// The same into storage the caller already owns (a model's variables): no allocation per read.
void BM_ReadWeightsH5Into(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  std::vector<Bytes> variables;
  for (int l = 0; l < kLayers; ++l) {
    variables.emplace_back(static_cast<std::size_t>(kUnits * kUnits) * sizeof(float));
    variables.emplace_back(static_cast<std::size_t>(kUnits) * sizeof(float));
  }
  for (auto _ : state) {
    const WeightsReader reader = WeightsReader::open(path);
    for (int l = 0; l < kLayers; ++l) {
      const std::string vars = vars_path("layers/dense" + (l == 0 ? std::string() : "_" + std::to_string(l)));
      reader.read_into(vars + "/0", variables[2 * static_cast<std::size_t>(l)]);
      reader.read_into(vars + "/1", variables[2 * static_cast<std::size_t>(l) + 1]);
    }
    benchmark::DoNotOptimize(variables.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ReadWeightsH5Into)->Unit(benchmark::kMillisecond);

// The whole file into an H5WeightsStore (tensors), in a forked child (arg 1) or in-process (0):
// the cost of crash isolation is the fork plus one more copy of every byte through a pipe.
void BM_WeightsStoreRead(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  kplug::saving::H5ReadOptions options;
  options.isolate = state.range(0) != 0;
  for (auto _ : state) {
    const auto store = kplug::saving::H5WeightsStore::open_read(path, options);
    benchmark::DoNotOptimize(store.get());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_WeightsStoreRead)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// A Sequential of kLayers Dense(kUnits) on kUnits features: its weights are the file's.
std::shared_ptr<kplug::Model> dense_model() {
  const std::string policy =
      R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})";
  const std::string units = std::to_string(kUnits);
  std::string s =
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "bench", "trainable": true, "dtype": )" +
      policy +
      R"(, "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, )" +
      units +
      R"(], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}, "registered_name": null})";
  for (int l = 0; l < kLayers; ++l) {
    s +=
        R"(, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense)" +
        (l == 0 ? std::string() : "_" + std::to_string(l)) + R"(", "trainable": true, "dtype": )" + policy +
        R"(, "units": )" + units +
        R"(, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null})";
  }
  return kplug::model_from_json(s + R"(]}, "registered_name": null})");
}

// Keras's model.load_weights of the ~100 MB file into a built model, isolated (arg 1, the
// default) or in-process (0): the figure to hold within 1.5x of BM_ReadRawBytes.
void BM_LoadWeights(benchmark::State& state) {
  const fs::path& path = weights_file();
  const auto size = static_cast<std::size_t>(fs::file_size(path));
  const auto model = dense_model();
  kplug::saving::H5ReadOptions options;
  options.isolate = state.range(0) != 0;
  for (auto _ : state) {
    kplug::saving::load_weights(*model, path, options);
    benchmark::DoNotOptimize(model.get());
  }
  // Every byte arrived: the last kernel holds the file's values.
  const kplug::Tensor last = model->weights()[2 * kLayers - 2]->value();
  if (last.shape() != kplug::Shape{kUnits, kUnits} || last.data()[999] != static_cast<float>(999) * 1e-3f)
    state.SkipWithError("wrong weights");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_LoadWeights)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
