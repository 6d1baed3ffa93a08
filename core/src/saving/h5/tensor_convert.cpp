#include "tensor_convert.hpp"

#include "kplug/errors.hpp"

#include <cstring>

namespace kplug::saving::detail {

DType loaded_dtype(h5::DType dtype) noexcept {
  switch (dtype) {
    case h5::DType::float16:
    case h5::DType::bfloat16:
    case h5::DType::float32:
    case h5::DType::float64: return DType::float32;
    case h5::DType::int8: return DType::int8;
    case h5::DType::int16: return DType::int16;
    case h5::DType::int32: return DType::int32;
    case h5::DType::int64: return DType::int64;
    case h5::DType::uint8: return DType::uint8;
    case h5::DType::uint16: return DType::uint16;
    case h5::DType::uint32: return DType::uint32;
    case h5::DType::uint64: return DType::uint64;
    case h5::DType::boolean: return DType::bool_;
  }
  return DType::float32;
}

h5::DType to_h5_dtype(DType dtype) noexcept {
  switch (dtype) {
    case DType::float32: return h5::DType::float32;
    case DType::float64: return h5::DType::float64;
    case DType::float16: return h5::DType::float16;
    case DType::bfloat16: return h5::DType::bfloat16;
    case DType::int8: return h5::DType::int8;
    case DType::int16: return h5::DType::int16;
    case DType::int32: return h5::DType::int32;
    case DType::int64: return h5::DType::int64;
    case DType::uint8: return h5::DType::uint8;
    case DType::uint16: return h5::DType::uint16;
    case DType::uint32: return h5::DType::uint32;
    case DType::uint64: return h5::DType::uint64;
    case DType::bool_: return h5::DType::boolean;
  }
  return h5::DType::float32;
}

Tensor to_tensor(const h5::Array& array) {
  const Shape shape(array.shape.begin(), array.shape.end());
  if (h5::is_floating(array.dtype) && array.dtype != h5::DType::float32) {
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
  out.dtype = to_h5_dtype(tensor.dtype());
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
