#include "tensor_convert.hpp"

#include "kplug/errors.hpp"

#include <cstring>

namespace kplug::saving::detail {

Tensor to_tensor(const h5::Array& array) {
  const Shape shape(array.shape.begin(), array.shape.end());
  if (is_floating(array.dtype) && array.dtype != DType::float32) {
    return Tensor(shape, array.to_float32());
  }
  Tensor out = Tensor::empty(shape, loaded_dtype(array.dtype));
  if (out.nbytes() != array.data.size()) {
    throw ValueError("a weights array of " + std::to_string(array.data.size()) + " bytes does not fill its shape");
  }
  if (!array.data.empty()) std::memcpy(out.mutable_bytes(), array.data.data(), array.data.size());
  return out;
}

h5::Array to_array(const Tensor& tensor) {
  h5::Array out;
  out.dtype = tensor.dtype();
  out.shape.assign(tensor.shape().begin(), tensor.shape().end());
  out.data.resize(tensor.nbytes());
  if (!out.data.empty()) std::memcpy(out.data.data(), tensor.bytes(), out.data.size());
  return out;
}

InMemoryWeightsStore::Group& ensure_group(InMemoryWeightsStore::Group& root, std::string_view path) {
  InMemoryWeightsStore::Group* group = &root;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) group = &group->groups.try_emplace(std::string(part)).first->second;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return *group;
}

void add_dataset(InMemoryWeightsStore::Group& root, std::string_view path, Tensor value) {
  const std::size_t slash = path.rfind('/');
  const std::string_view parent = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  ensure_group(root, parent).datasets.insert_or_assign(std::string(name), std::move(value));
}

}  // namespace kplug::saving::detail
