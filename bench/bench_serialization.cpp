// Deserialize + serialize of small object dicts, text in and text out, against a
// bare Boost.JSON parse + serialize of the same text.
// Target (core issue): within 3x of the bare Boost.JSON round trip, same run.
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <string>

namespace {

const std::string kL1L2 =
    R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 1e-05, "l2": 0.0001}, "registered_name": null})";
const std::string kGlorotUniform =
    R"({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null})";

void BM_BoostJsonRoundTrip(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    std::string out = boost::json::serialize(boost::json::parse(text));
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_KplugRoundTrip(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    std::string out = kplug::json::write(kplug::serialize(kplug::deserialize(kplug::json::parse(text))));
    benchmark::DoNotOptimize(out.data());
  }
}

// The round trip's stages, to see where the time goes.
void BM_KplugParse(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(kplug::json::parse(text));
}
void BM_KplugDeserialize(benchmark::State& state, const std::string& text) {
  const boost::json::value config = kplug::json::parse(text);
  for (auto _ : state) benchmark::DoNotOptimize(kplug::deserialize(config));
}
void BM_KplugSerialize(benchmark::State& state, const std::string& text) {
  const auto object = kplug::deserialize(kplug::json::parse(text));
  for (auto _ : state) benchmark::DoNotOptimize(kplug::serialize(object));
}
void BM_KplugWrite(benchmark::State& state, const std::string& text) {
  const boost::json::value config = kplug::json::parse(text);
  for (auto _ : state) benchmark::DoNotOptimize(kplug::json::write(config));
}

BENCHMARK_CAPTURE(BM_BoostJsonRoundTrip, L1L2, kL1L2);
BENCHMARK_CAPTURE(BM_KplugRoundTrip, L1L2, kL1L2);
BENCHMARK_CAPTURE(BM_BoostJsonRoundTrip, GlorotUniform, kGlorotUniform);
BENCHMARK_CAPTURE(BM_KplugRoundTrip, GlorotUniform, kGlorotUniform);
BENCHMARK_CAPTURE(BM_KplugParse, GlorotUniform, kGlorotUniform);
BENCHMARK_CAPTURE(BM_KplugDeserialize, GlorotUniform, kGlorotUniform);
BENCHMARK_CAPTURE(BM_KplugSerialize, GlorotUniform, kGlorotUniform);
BENCHMARK_CAPTURE(BM_KplugWrite, GlorotUniform, kGlorotUniform);

}  // namespace
