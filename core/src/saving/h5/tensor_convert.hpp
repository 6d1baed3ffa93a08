// h5::Array <-> kplug::Tensor, and building an in-memory store from a file's contents.
#pragma once

#include "kplug/saving/h5_array.hpp"
#include "kplug/state/weights_store.hpp"
#include "kplug/tensor.hpp"
#include "read_loaded.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kplug::saving::detail {

Tensor to_tensor(const h5::Array& array);
h5::Array to_array(const Tensor& tensor);

// The group at `path` in `root`, created with its parents ("" is the root).
InMemoryWeightsStore::Group& ensure_group(InMemoryWeightsStore::Group& root, std::string_view path);
// Adds a dataset at a full path ("layers/dense/vars/0").
void add_dataset(InMemoryWeightsStore::Group& root, std::string_view path, Tensor value);

}  // namespace kplug::saving::detail
