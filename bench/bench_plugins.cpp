// Plugin loading and plugin key resolution, each against its bare baseline in the
// same run. Targets (plugin issue): loading a directory of 50 plugins within 1.5x of
// dlopen of the same files; resolving a plugin key within 2x of a bare hash-map lookup.
#include "kplug/plugin_host.hpp"
#include "kplug/registry.hpp"

#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

const std::filesystem::path kDir = KPLUG_BENCH_PLUGIN_DIR;

void BM_DlopenDirectory(benchmark::State& state) {
  const auto files = kplug::PluginHost::plugin_files(kDir);
  for (auto _ : state) {
    std::vector<void*> handles;
    for (const auto& file : files) {
      void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) state.SkipWithError(dlerror());
      handles.push_back(handle);
    }
    for (void* handle : handles) dlclose(handle);
  }
  state.counters["plugins"] = static_cast<double>(files.size());
}
BENCHMARK(BM_DlopenDirectory)->Unit(benchmark::kMillisecond);

void BM_PluginHostLoadDirectory(benchmark::State& state) {
  std::size_t loaded = 0;
  for (auto _ : state) {
    kplug::PluginHost host;  // its destructor unregisters and unloads, like dlclose above
    for (const auto& report : host.load_directory(kDir)) loaded += report.loaded ? 1 : 0;
  }
  state.counters["plugins"] = static_cast<double>(loaded) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PluginHostLoadDirectory)->Unit(benchmark::kMillisecond);

void BM_BareHashMapPluginKey(benchmark::State& state) {
  std::unordered_map<std::string, kplug::RegisteredObjectPtr> map;
  kplug::PluginHost host;
  host.load_directory(kDir);
  for (auto& [key, entry] : kplug::get_custom_objects().entries()) map.emplace(key, entry);
  const std::string key = "bench_pkg_25>double";
  // Like the registry, hand back an owning pointer (the entry may be unloaded meanwhile).
  for (auto _ : state) {
    kplug::RegisteredObjectPtr found = map.find(key)->second;
    benchmark::DoNotOptimize(found.get());
  }
}
BENCHMARK(BM_BareHashMapPluginKey);

void BM_ResolvePluginKey(benchmark::State& state) {
  kplug::PluginHost host;
  host.load_directory(kDir);
  const std::string key = "bench_pkg_25>double";
  for (auto _ : state) benchmark::DoNotOptimize(kplug::get_registered_object(key).get());
}
BENCHMARK(BM_ResolvePluginKey);

}  // namespace
