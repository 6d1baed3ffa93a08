// What the benchmarks share: seeded random tensors, a layer built from its Keras config, a file's text.
#pragma once

#include "kplug/json.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace kplug::bench {

// The whole text of a file (a fixture's model.json or io.json).
inline std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return std::move(text).str();
}

// Normal(0, stddev) values, the same for the same seed.
inline Tensor random_tensor(Shape shape, unsigned seed, float stddev) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  for (float& v : t.values()) v = normal(rng);
  return t;
}

// The layer of a Keras layer dict, built for `input` (its weights as their initializers left them).
inline LayerPtr built_layer(const char* config, const PartialShape& input) {
  DeserializeOptions options;
  DeserializationContext context(options);
  LayerPtr layer = deserialize_layer(json::parse(config), context);
  layer->maybe_build({input});
  return layer;
}

}  // namespace kplug::bench
