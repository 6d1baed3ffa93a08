// Helpers for model tests: the fixtures' io.json and checks.json, and a fixture's
// model.weights.h5 copied into an in-memory WeightsStore.
#pragma once

#include "kplug/models/model.hpp"
#include "kplug/saving/h5_reader.hpp"
#include "kplug/state/weights_store.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kplug::test {

inline std::filesystem::path model_dir(const std::string& name) { return data_dir() / "models" / name; }

struct IoTensor {
  std::string name;
  Tensor value;
};

// io.json entries ({"name", "dtype", "shape", "data"}) as tensors of their dtype (the values
// go through float32: io.json's integers are small).
inline std::vector<IoTensor> read_io(const boost::json::value& io, const char* key) {
  std::vector<IoTensor> out;
  for (const auto& item : io.at(key).as_array()) {
    Shape shape;
    for (const auto& d : item.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
    std::vector<float> data;
    for (const auto& x : item.at("data").as_array()) data.push_back(static_cast<float>(x.to_number<double>()));
    Tensor value(shape, std::move(data));
    if (const auto* dtype = item.as_object().if_contains("dtype")) {
      const DType type = dtype_from_name(std::string(dtype->as_string()));
      if (type != DType::float32) value = value.astype(type);
    }
    out.push_back({std::string(item.at("name").as_string()), std::move(value)});
  }
  return out;
}

// Keras's dtype, and its values within these tests' tolerance: 1e-5 absolute + 1e-4 relative.
inline void check_matches_keras(const Tensor& actual_tensor, const Tensor& expected_tensor, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(actual_tensor.shape() == expected_tensor.shape(),
                        what << ": shape " << shape_to_string(actual_tensor.shape())
                             << " != " << shape_to_string(expected_tensor.shape()));
  BOOST_CHECK_MESSAGE(
      actual_tensor.dtype() == expected_tensor.dtype(),
      what << ": dtype " << dtype_name(actual_tensor.dtype()) << " != Keras's " << dtype_name(expected_tensor.dtype()));
  const auto as_float = [](const Tensor& t) { return t.dtype() == DType::float32 ? t : t.astype(DType::float32); };
  const Tensor actual = as_float(actual_tensor), expected = as_float(expected_tensor);
  int reported = 0;
  for (std::int64_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (!(std::abs(a - e) <= 1e-5 + 1e-4 * std::abs(e)) && reported++ < 5) {
      BOOST_ERROR(what << ": element " << i << ": " << a << " != Keras's " << e);
    }
  }
}

// The dataset paths and shapes a fixture's model.weights.h5 holds (checks.json), without optimizer ones.
inline std::map<std::string, Shape> layer_datasets(const boost::json::value& checks) {
  std::map<std::string, Shape> out;
  for (const auto& item : checks.at("model_weights_h5_datasets").as_object()) {
    if (std::string_view(item.key()).starts_with("optimizer/")) continue;
    Shape shape;
    for (const auto& d : item.value().as_array()[0].as_array()) shape.push_back(d.to_number<std::int64_t>());
    out.emplace(std::string(item.key()), std::move(shape));
  }
  return out;
}

// Every dataset of the fixture's file: the layers' and, for a compiled model, its
// optimizer's ("optimizer/vars/<i>"), which a compiled model saves too.
inline std::map<std::string, Shape> all_datasets(const boost::json::value& checks) {
  std::map<std::string, Shape> out;
  for (const auto& item : checks.at("model_weights_h5_datasets").as_object()) {
    Shape shape;
    for (const auto& d : item.value().as_array()[0].as_array()) shape.push_back(d.to_number<std::int64_t>());
    out.emplace(std::string(item.key()), std::move(shape));
  }
  return out;
}

// Every `<path>/vars/<i>` the saving walk writes for this model, with its shape.
inline std::map<std::string, Shape> saved_datasets(const Model& model) {
  saving::InMemoryWeightsStore store;
  model.save_weights(store);
  std::map<std::string, Shape> out;
  for (const auto& path : store.dataset_paths()) out.emplace(path, store.dataset(path).shape());
  return out;
}

// Until a WeightsStore over the HDF5 files exists, the tests copy a fixture's layer
// datasets, read by kplug's safe HDF5 reader (kplug_saving), into an in-memory store.
inline void read_fixture_weights(const std::filesystem::path& file, const boost::json::value& checks,
                                 saving::InMemoryWeightsStore& store) {
  auto reader = h5::WeightsReader::open(file);
  std::map<std::string, Shape> in_file;
  for (const auto& info : reader.walk()) {
    if (info.path.starts_with("optimizer/")) continue;
    in_file.emplace(info.path, Shape(info.shape.begin(), info.shape.end()));
    const h5::Array array = reader.read(info.path);
    const Shape shape(array.shape.begin(), array.shape.end());
    // Floats as float32 (as the h5 loader hands them over); integers keep their dtype
    // (Normalization's int32 `count`).
    Tensor value = is_floating(array.dtype)
                       ? Tensor(shape, array.to_float32())
                       : Tensor::from_values<std::int64_t>(shape, array.to_int64()).astype(array.dtype);
    auto* group = &store.root();
    std::string rest = info.path;
    for (auto slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/')) {
      group = &group->groups[rest.substr(0, slash)];
      rest.erase(0, slash + 1);
    }
    group->datasets[rest] = std::move(value);
  }
  // The file holds exactly the datasets Keras listed.
  BOOST_CHECK_MESSAGE(in_file == layer_datasets(checks), "datasets of " << file << " differ from checks.json");
}

// Loads a fixture folder's model.weights.h5 into `model` through Model::load_weights.
inline void load_fixture_weights(Model& model, const std::filesystem::path& dir) {
  saving::InMemoryWeightsStore store;
  read_fixture_weights(dir / "model.weights.h5", read_json(dir / "checks.json"), store);
  model.load_weights(store);
}

// Functional configs written by hand: a reference to a layer's first output, and a layer entry
// with one inbound node on `args` (the items of a JSON list).
inline std::string tensor_ref(const std::string& layer) {
  return R"({"class_name": "__keras_tensor__", "config": {"keras_history": [")" + layer + R"(", 0, 0]}})";
}

inline std::string graph_layer(const std::string& cls, const std::string& name, const std::string& config,
                               const std::string& args) {
  return R"({"module": "keras.layers", "class_name": ")" + cls + R"(", "name": ")" + name +
         R"(", "config": {"name": ")" + name + "\"" + (config.empty() ? "" : ", " + config) +
         R"(}, "inbound_nodes": [{"args": [)" + args + R"(], "kwargs": {}}]})";
}

}  // namespace kplug::test
