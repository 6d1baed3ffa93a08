// The io.json format of the fixtures: {"inputs": [{"name", "dtype", "shape", "data"}]},
// data flat in C order (int32 for token ids); outputs the same under "outputs".
#pragma once

#include "kplug/tensor.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace kplug::cli {

struct NamedTensor {
  std::string name;
  Tensor value;
};

// The entries under `key`; a kplug::ValueError naming the JSON path ("inputs[1].shape") when malformed.
std::vector<NamedTensor> read_io(const boost::json::value& io, const std::string& key);
boost::json::value write_io(const std::vector<NamedTensor>& tensors, const std::string& key);

}  // namespace kplug::cli
