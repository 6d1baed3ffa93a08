// `.keras` archives (issue 11's performance targets), each against its baseline in the same run:
// - load_model of big_functional_300 / big_mlp_1000 vs parsing their config.json with
//   Boost.JSON plus reading the weights member's bytes (target: within 2x);
// - save_model vs writing the same number of bytes to a file, synced as the save is (target: 2x).
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/zip_archive.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace kplug::saving;

fs::path archive(const std::string& name) { return fs::path(KPLUG_BENCH_DATA) / "keras" / (name + ".keras"); }

fs::path scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("kplug-bench-archive-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Members {
  std::string config;
  fs::path weights_file;  // the weights member's bytes, as a plain file
};

const Members& members(const std::string& name) {
  static std::map<std::string, Members> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    const ZipArchiveReader reader = ZipArchiveReader::open(archive(name));
    Members m;
    m.config = reader.read("config.json", std::uint64_t{1} << 30);
    m.weights_file = scratch() / (name + ".weights.bin");
    std::ofstream out(m.weights_file, std::ios::binary);
    const std::string weights = reader.read("model.weights.h5", std::uint64_t{1} << 32);
    out.write(weights.data(), static_cast<std::streamsize>(weights.size()));
    it = cache.emplace(name, std::move(m)).first;
  }
  return it->second;
}

std::vector<char> read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void BM_LoadModel(benchmark::State& state, const std::string& name) {
  for (auto _ : state) {
    auto model = load_model(archive(name));
    benchmark::DoNotOptimize(model.get());
  }
}

void BM_ParseConfigAndReadWeights(benchmark::State& state, const std::string& name) {
  const Members& m = members(name);
  for (auto _ : state) {
    boost::json::value config = boost::json::parse(m.config);
    std::vector<char> weights = read_whole(m.weights_file);
    benchmark::DoNotOptimize(config);
    benchmark::DoNotOptimize(weights.data());
  }
}

void BM_SaveModel(benchmark::State& state, const std::string& name) {
  const auto model = load_model(archive(name));
  const fs::path target = scratch() / (name + ".saved.keras");
  for (auto _ : state) save_model(*model, target);
  state.counters["bytes"] = static_cast<double>(fs::file_size(target));
}

// The same number of bytes written to a new file and synced (the save syncs its file).
void BM_WriteSameBytes(benchmark::State& state, const std::string& name) {
  const auto model = load_model(archive(name));
  const fs::path saved = scratch() / (name + ".reference.keras");
  save_model(*model, saved);
  const std::vector<char> bytes = read_whole(saved);
  const fs::path target = scratch() / (name + ".raw");
  for (auto _ : state) {
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

}  // namespace

BENCHMARK_CAPTURE(BM_LoadModel, big_functional_300, std::string("big_functional_300"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseConfigAndReadWeights, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadModel, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseConfigAndReadWeights, big_mlp_1000, std::string("big_mlp_1000"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveModel, big_functional_300, std::string("big_functional_300"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteSameBytes, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveModel, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteSameBytes, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
