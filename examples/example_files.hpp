// What the example programs share: a whole file as text, and the first input and output of a
// fixture's io.json ({"inputs": [{"shape", "data", ...}], "outputs": [...]}, as Python Keras
// wrote them). Header-only, so that each example still builds from its own source file.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace examples {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw kplug::FileError(path.string(), "cannot open");
  std::ostringstream out;
  out << file.rdbuf();
  return out.str();
}

// One {"shape", "data"} entry of io.json as a float32 tensor.
inline kplug::Tensor io_tensor(const boost::json::value& entry) {
  kplug::Shape shape;
  for (const auto& d : entry.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
  std::vector<float> values;
  for (const auto& v : entry.at("data").as_array()) values.push_back(static_cast<float>(v.to_number<double>()));
  return kplug::Tensor(std::move(shape), std::move(values));
}

// The inputs Keras was given and the outputs it predicted (the first of each).
struct KerasIO {
  kplug::Tensor input, output;
};

inline KerasIO read_io(const std::filesystem::path& path) {
  const boost::json::value io = kplug::json::parse(read_file(path));
  return {io_tensor(io.at("inputs").at(0)), io_tensor(io.at("outputs").at(0))};
}

}  // namespace examples
