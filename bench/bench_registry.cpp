// Registry lookup of one key among 10,000 against a bare std::unordered_map.
// Target (core issue): within 2x of the bare map, measured in the same run.
#include "kplug/registry.hpp"
#include "kplug/regularizers.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr int kKeys = 10000;

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i)
    keys.push_back("package" + std::to_string(i % 97) + ">CustomObject" + std::to_string(i));
  return keys;
}

const std::vector<std::string>& keys() {
  static const std::vector<std::string> k = make_keys();
  return k;
}

void BM_BareUnorderedMapLookup(benchmark::State& state) {
  std::unordered_map<std::string, kplug::RegisteredObjectPtr> map;
  auto entry = kplug::class_entry<kplug::regularizers::L1L2>();
  for (const auto& key : keys()) map.emplace(key, entry);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys()[i++ % kKeys];
    kplug::RegisteredObjectPtr found = map.find(key)->second;  // owning, as Registry::find
    benchmark::DoNotOptimize(found.get());
  }
}
BENCHMARK(BM_BareUnorderedMapLookup);

void BM_RegistryLookup(benchmark::State& state) {
  kplug::Registry registry;
  auto entry = kplug::class_entry<kplug::regularizers::L1L2>();
  for (const auto& key : keys()) registry.add(key, entry);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys()[i++ % kKeys];
    auto found = registry.find(key);
    benchmark::DoNotOptimize(found.get());
  }
}
BENCHMARK(BM_RegistryLookup);

}  // namespace
