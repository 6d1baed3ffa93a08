// `.keras` archives (issue 11's performance targets), each against its baseline in the same run:
// - load_model of small archives (issue 21: within 2x of libhdf5's floor below plus parsing config.json);
// - load_model of big_functional_300 / big_mlp_1000 vs parsing their config.json with
//   Boost.JSON plus reading the weights member's bytes (target: within 2x);
// - load_model of the same models as legacy `.h5` files (issue 18: within 1.5x of the `.keras` load);
// - save_model vs writing the same number of bytes to a file, synced as the save is (target: 2x).
// And libhdf5's own floor on the same files, with no kplug code: opening every object of the
// weights member once (any reader of the file does at least that), and creating the same tree
// (groups, `name` attributes, float32 datasets) in memory. When the floor alone is above twice
// the baseline, the 2x targets cannot be met through libhdf5.
#include "kplug/saving/h5_reader.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/zip_archive.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
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
    m.weights_file = scratch() / (fs::path(name).filename().string() + ".weights.bin");
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

// CPU seconds used so far by this process's children (the isolated readers): their work runs
// beside the load's, so the load's own CPU figure leaves it out.
double children_cpu_seconds() {
  long ticks = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text;
    std::getline(in, text);
    const std::size_t end_of_name = text.rfind(')');
    if (end_of_name == std::string::npos) continue;
    std::istringstream fields(text.substr(end_of_name + 1));
    std::string state;
    long parent = 0;
    fields >> state >> parent;
    if (parent != ::getpid()) continue;
    long skipped = 0;
    for (int i = 0; i < 9; ++i) fields >> skipped;  // pgrp .. cmajflt
    long user = 0;
    long system = 0;
    fields >> user >> system;
    ticks += user + system;
  }
  // Readers retired and reaped (the pool replaces one every ReaderPool::kMaxRequests) count here.
  rusage reaped{};
  ::getrusage(RUSAGE_CHILDREN, &reaped);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK)) + seconds(reaped.ru_utime) +
         seconds(reaped.ru_stime);
}

void BM_LoadModel(benchmark::State& state, const std::string& name) {
  const double reader_before = children_cpu_seconds();
  for (auto _ : state) {
    auto model = load_model(archive(name));
    benchmark::DoNotOptimize(model.get());
  }
  // The reader's CPU per load (10 ms ticks: meaningful over many loads).
  state.counters["reader_cpu_ms"] = (children_cpu_seconds() - reader_before) * 1e3 /
                                    static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
}

// The same with a fresh isolated reader (kplug-h5-reader, spawned) for each load
// (H5ReadOptions::reuse_reader off): what a process's first load pays (issue 21).
void BM_LoadModelForkPerLoad(benchmark::State& state, const std::string& name) {
  LoadModelOptions options;
  options.weights.reuse_reader = false;
  for (auto _ : state) {
    auto model = load_model(archive(name), options);
    benchmark::DoNotOptimize(model.get());
  }
}

// Issue 18: the same model as a legacy `.h5` (Keras 3's legacy layout, written once by kplug's
// legacy writer), loaded as load_model loads it: target within 1.5x of BM_LoadModel.
const fs::path& legacy_copy(const std::string& name) {
  static std::map<std::string, fs::path> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    const fs::path file = scratch() / (name + ".h5");
    save_model(*load_model(archive(name)), file);
    it = cache.emplace(name, file).first;
  }
  return it->second;
}

void BM_LoadLegacyH5(benchmark::State& state, const std::string& name) {
  const fs::path& file = legacy_copy(name);
  for (auto _ : state) {
    auto model = load_model(file);
    benchmark::DoNotOptimize(model.get());
  }
  state.counters["bytes"] = static_cast<double>(fs::file_size(file));
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

// ---- libhdf5's floor ------------------------------------------------------------------------

herr_t open_every_member(hid_t group, const char* name, const H5L_info_t* /*link*/, void* count) {
  const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return -1;
  ++*static_cast<std::size_t*>(count);
  herr_t status = 0;
  if (H5Iget_type(object) == H5I_GROUP) {
    hsize_t index = 0;
    status = H5Literate(object, H5_INDEX_NAME, H5_ITER_INC, &index, open_every_member, count);
  }
  H5Oclose(object);
  return status;
}

// Opens a weights member's bytes as an in-memory file (as the reader does) and opens every
// object once: the objects opened, or nothing when libhdf5 cannot open or walk it.
std::optional<std::size_t> open_every_object(const std::vector<char>& image, const std::string& label) {
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 16, false);
  H5Pset_file_image(fapl, const_cast<char*>(image.data()), image.size());
  const hid_t file = H5Fopen(("bench-image-" + label).c_str(), H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (file < 0) return std::nullopt;
  std::size_t objects = 0;
  hsize_t index = 0;
  const herr_t walked = H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &index, open_every_member, &objects);
  H5Fclose(file);
  if (walked < 0) return std::nullopt;
  return objects;
}

void BM_Hdf5OpenEveryObject(benchmark::State& state, const std::string& name) {
  const std::vector<char> image = read_whole(members(name).weights_file);
  std::size_t objects = 0;
  for (auto _ : state) {
    const std::optional<std::size_t> opened = open_every_object(image, name);
    if (!opened) state.SkipWithError("libhdf5 cannot open or walk the weights member");
    objects = opened.value_or(0);
  }
  state.counters["objects"] = static_cast<double>(objects);
}

// Issue 21's small-load target over every small archive (under 15 KB) of tests/data/keras/layers,
// not one: per archive the fastest of kRounds loads, against the fastest of kRounds floors
// (libhdf5 opening every object of the weights member in this process, plus Boost.JSON parsing
// config.json). Rounds alternate load and floor, so a busy spell of the shared machine hits
// both. Counters: the archives measured, the ratio of the summed times, the median and the
// worst archive's ratio.
void BM_SmallArchivesAgainstFloor(benchmark::State& state) {
  constexpr int kRounds = 7;
  constexpr std::uintmax_t kSmall = 15000;
  using Clock = std::chrono::steady_clock;
  const auto seconds_of = [](auto&& work) {
    const auto start = Clock::now();
    work();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<fs::path> archives;
  for (const auto& entry : fs::directory_iterator(fs::path(KPLUG_BENCH_DATA) / "keras" / "layers")) {
    if (entry.path().extension() == ".keras" && entry.file_size() < kSmall) archives.push_back(entry.path());
  }
  std::sort(archives.begin(), archives.end());
  for (auto _ : state) {
    double load_sum = 0;
    double floor_sum = 0;
    std::vector<std::pair<double, std::string>> ratios;
    for (const fs::path& file : archives) {
      const ZipArchiveReader reader = ZipArchiveReader::open(file);
      const std::string config = reader.read("config.json", std::uint64_t{1} << 30);
      const std::string weights = reader.read("model.weights.h5", std::uint64_t{1} << 30);
      const std::vector<char> image(weights.begin(), weights.end());
      double load = 1e9;
      double floor = 1e9;
      for (int round = 0; round < kRounds; ++round) {
        load = std::min(load, seconds_of([&] { benchmark::DoNotOptimize(load_model(file).get()); }));
        floor = std::min(floor, seconds_of([&] {
                           benchmark::DoNotOptimize(boost::json::parse(config));
                           if (!open_every_object(image, file.stem().string())) {
                             throw std::runtime_error("libhdf5 cannot walk " + file.string());
                           }
                         }));
      }
      load_sum += load;
      floor_sum += floor;
      ratios.emplace_back(load / floor, file.stem().string());
    }
    std::sort(ratios.begin(), ratios.end());
    state.counters["archives"] = static_cast<double>(ratios.size());
    state.counters["sum_ratio"] = load_sum / floor_sum;
    state.counters["median_ratio"] = ratios[ratios.size() / 2].first;
    state.counters["worst_ratio"] = ratios.back().first;
    state.SetLabel("worst: " + ratios.back().second);
  }
}

// What the isolated reader does with libhdf5 for one file, in this process: open the image and
// walk it once (kplug's checks: links, `name` attributes, each dataset's layout, type, shape and
// offset). Compare with BM_Hdf5OpenEveryObject, the floor.
void BM_ReaderOpenAndWalk(benchmark::State& state, const std::string& name) {
  const std::vector<char> image = read_whole(members(name).weights_file);
  for (auto _ : state) {
    const auto reader =
        kplug::h5::WeightsReader::open_image({reinterpret_cast<const std::byte*>(image.data()), image.size()}, name);
    const kplug::h5::FileTree tree = reader.tree();
    benchmark::DoNotOptimize(tree.datasets.data());
  }
}

// The weights member's tree: groups (with their `name` attribute, if any) and datasets' shapes.
struct Tree {
  struct Group {
    std::string path;
    std::optional<std::string> name;
  };
  std::vector<Group> groups;
  std::vector<std::pair<std::string, std::vector<hsize_t>>> datasets;
};

const Tree& tree_of(const std::string& name) {
  static std::map<std::string, Tree> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    const std::vector<char> bytes = read_whole(members(name).weights_file);
    const auto reader =
        kplug::h5::WeightsReader::open_image({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, name);
    const kplug::h5::FileTree file = reader.tree();
    Tree tree;
    for (const auto& group : file.groups) {
      if (!group.path.empty()) tree.groups.push_back({group.path, group.vars_name});
    }
    for (const auto& dataset : file.datasets) {
      tree.datasets.emplace_back(dataset.info.path,
                                 std::vector<hsize_t>(dataset.info.shape.begin(), dataset.info.shape.end()));
    }
    it = cache.emplace(name, std::move(tree)).first;
  }
  return it->second;
}

// Creates the same tree in memory with the fewest libhdf5 calls (parents are created before
// their children: groups come depth-first), then takes the file's image as a save does.
void BM_Hdf5CreateSameTree(benchmark::State& state, const std::string& name) {
  const Tree& tree = tree_of(name);
  std::vector<float> zeros(1 << 20);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, std::size_t{1} << 20, false);
    const hid_t file = H5Fcreate(("bench-create-" + name).c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, H5T_VARIABLE);
    H5Tset_cset(text, H5T_CSET_UTF8);
    const hid_t scalar = H5Screate(H5S_SCALAR);
    for (const Tree::Group& group : tree.groups) {
      const hid_t g = H5Gcreate2(file, group.path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (group.name) {
        const hid_t attribute = H5Acreate2(g, "name", text, scalar, H5P_DEFAULT, H5P_DEFAULT);
        const char* value = group.name->c_str();
        H5Awrite(attribute, text, &value);
        H5Aclose(attribute);
      }
      H5Gclose(g);
    }
    for (const auto& [path, shape] : tree.datasets) {
      const hid_t space = shape.empty() ? H5Screate(H5S_SCALAR)
                                        : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
      const hid_t dataset =
          H5Dcreate2(file, path.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      std::size_t count = 1;
      for (hsize_t d : shape) count *= d;
      if (count > zeros.size()) zeros.resize(count);
      H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
      H5Dclose(dataset);
      H5Sclose(space);
    }
    H5Sclose(scalar);
    H5Tclose(text);
    H5Fflush(file, H5F_SCOPE_GLOBAL);
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    std::vector<char> image(static_cast<std::size_t>(std::max<ssize_t>(size, 0)));
    H5Fget_file_image(file, image.data(), image.size());
    H5Fclose(file);
    bytes = image.size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

using Benchmark = void (*)(benchmark::State&, const std::string&);

// Each of `benchmarks` (name, function) on mlp_seq, cnn and rnn, in that order, where the call
// stands among the other registrations.
bool register_table_fixtures(std::initializer_list<std::pair<const char*, Benchmark>> benchmarks) {
  for (const char* fixture : {"mlp_seq", "cnn", "rnn"}) {
    for (const auto& [name, run] : benchmarks) {
      benchmark::RegisterBenchmark((std::string(name) + "/" + fixture).c_str(), run, std::string(fixture))
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}

}  // namespace

BENCHMARK_CAPTURE(BM_LoadModel, big_functional_300, std::string("big_functional_300"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadModelForkPerLoad, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadLegacyH5, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseConfigAndReadWeights, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
// A small archive (13 KB, issue 21: within 2x of libhdf5's floor below plus parsing config.json).
BENCHMARK_CAPTURE(BM_LoadModel, small_dense, std::string("layers/Dense_relu_nobias"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadModelForkPerLoad, small_dense, std::string("layers/Dense_relu_nobias"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseConfigAndReadWeights, small_dense, std::string("layers/Dense_relu_nobias"))
    ->Unit(benchmark::kMillisecond);
// The fixtures of issue 21's table (40-50 KB archives), against the same floor (registered
// below, in this place of the order).
const bool table_loads = register_table_fixtures(
    {{"BM_LoadModel", BM_LoadModel}, {"BM_ParseConfigAndReadWeights", BM_ParseConfigAndReadWeights}});
BENCHMARK_CAPTURE(BM_LoadModel, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadLegacyH5, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseConfigAndReadWeights, big_mlp_1000, std::string("big_mlp_1000"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveModel, big_functional_300, std::string("big_functional_300"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteSameBytes, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveModel, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteSameBytes, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
// Last: libhdf5's free lists then hold tens of MB in this process (the isolated reader was once
// a fork of it, which they made slower; kept last so that figures compare with earlier runs).
BENCHMARK_CAPTURE(BM_Hdf5OpenEveryObject, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Hdf5OpenEveryObject, small_dense, std::string("layers/Dense_relu_nobias"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReaderOpenAndWalk, small_dense, std::string("layers/Dense_relu_nobias"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallArchivesAgainstFloor)->Iterations(1)->Unit(benchmark::kMillisecond);
const bool table_floors = register_table_fixtures(
    {{"BM_Hdf5OpenEveryObject", BM_Hdf5OpenEveryObject}, {"BM_ReaderOpenAndWalk", BM_ReaderOpenAndWalk}});
BENCHMARK_CAPTURE(BM_ReaderOpenAndWalk, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Hdf5OpenEveryObject, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Hdf5CreateSameTree, big_functional_300, std::string("big_functional_300"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Hdf5CreateSameTree, big_mlp_1000, std::string("big_mlp_1000"))->Unit(benchmark::kMillisecond);
