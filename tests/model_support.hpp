// Helpers for model tests: the fixtures' io.json and checks.json, and (until the
// library's HDF5 WeightsStore lands) a minimal reader that loads a fixture's
// model.weights.h5 into a model by walking Keras's weight paths (Layer::children()).
#pragma once

#include "kplug/models/model.hpp"
#include "test_support.hpp"

#include <hdf5.h>

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

// io.json entries ({"name", "dtype", "shape", "data"}) as float32 tensors.
inline std::vector<IoTensor> read_io(const boost::json::value& io, const char* key) {
  std::vector<IoTensor> out;
  for (const auto& item : io.at(key).as_array()) {
    Shape shape;
    for (const auto& d : item.at("shape").as_array()) shape.push_back(d.to_number<std::int64_t>());
    std::vector<float> data;
    for (const auto& x : item.at("data").as_array()) data.push_back(static_cast<float>(x.to_number<double>()));
    out.push_back({std::string(item.at("name").as_string()), Tensor(shape, std::move(data))});
  }
  return out;
}

// Keras's tolerance for these tests: 1e-5 absolute + 1e-4 relative.
inline void check_matches_keras(const Tensor& actual, const Tensor& expected, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(actual.shape() == expected.shape(), what << ": shape " << shape_to_string(actual.shape())
                                                                 << " != " << shape_to_string(expected.shape()));
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

// Every `<path>/vars/<i>` Keras's saving walk gives this model (shared layers once).
inline void variable_paths(const Layer& layer, const std::string& path, std::map<std::string, VariablePtr>& out,
                           std::set<const Layer*>& seen) {
  if (!seen.insert(&layer).second) return;
  auto own = layer.own_variables();
  for (std::size_t i = 0; i < own.size(); ++i) {
    out.emplace((path.empty() ? "" : path + "/") + "vars/" + std::to_string(i), own[i]);
  }
  for (const auto& [attribute, child] : layer.children()) {
    variable_paths(*child, path.empty() ? attribute : path + "/" + attribute, out, seen);
  }
}

inline std::map<std::string, VariablePtr> variable_paths(const Layer& layer) {
  std::map<std::string, VariablePtr> out;
  std::set<const Layer*> seen;
  variable_paths(layer, "", out, seen);
  return out;
}

// Test-only stand-in for load_weights: each variable from its float32 dataset.
inline void load_fixture_weights(Layer& model, const std::filesystem::path& file) {
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  BOOST_REQUIRE_MESSAGE(f >= 0, "cannot open " << file);
  for (const auto& [path, variable] : variable_paths(model)) {
    hid_t d = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
    BOOST_REQUIRE_MESSAGE(d >= 0, "no dataset " << path << " in " << file);
    hid_t space = H5Dget_space(d);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Shape shape(dims.begin(), dims.end());
    Tensor value(shape);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // HDF5's H5S_ALL macro
    const herr_t read = H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data());
#pragma GCC diagnostic pop
    BOOST_REQUIRE(read >= 0);
    H5Sclose(space);
    H5Dclose(d);
    variable->assign(std::move(value));
  }
  H5Fclose(f);
}

}  // namespace kplug::test
