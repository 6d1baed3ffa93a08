#include "models/graph_constants.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

#include <span>
#include <vector>

namespace kplug::detail {

bool is_array_constant(const boost::json::value& v) {
  const auto* o = v.if_object();
  const auto* c = o ? o->if_contains("class_name") : nullptr;
  return c && c->is_string() && (c->get_string() == "__tensor__" || c->get_string() == "__numpy__");
}

namespace {

// Reads the array with the deserializer every special value goes through, so a bad dtype
// or a ragged value is reported as anywhere else, at `path`.
Tensor array_constant(const boost::json::value& v, const std::string& path) {
  DeserializeOptions options;
  DeserializationContext context(options);
  DeserializationContext::PathScope scope(context, path);
  return context.deserialize_value(v).as<NdArray>().array;
}

Tensor list_constant(const boost::json::array& list, const std::string& path) {
  std::vector<Tensor> rows;
  for (std::size_t i = 0; i < list.size(); ++i) {
    rows.push_back(constant_tensor(list[i], path + "[" + std::to_string(i) + "]"));
  }
  Shape shape{static_cast<std::int64_t>(rows.size())};
  std::vector<float> values;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Tensor r = rows[i].dtype() == DType::float32 ? rows[i] : rows[i].astype(DType::float32);
    if (i == 0) {
      for (std::int64_t d : r.shape()) shape.push_back(d);
    }
    if (r.shape() != Shape(shape.begin() + 1, shape.end())) {
      throw ValueError(path + ": a list argument must be rectangular, got " + json::excerpt(boost::json::value(list)));
    }
    values.insert(values.end(), r.values().begin(), r.values().end());
  }
  return Tensor(shape, std::move(values));
}

}  // namespace

Tensor constant_tensor(const boost::json::value& v, const std::string& path) {
  if (v.is_bool()) {
    const bool b = v.get_bool();
    return Tensor::from_values<bool>({}, std::span<const bool>(&b, 1));
  }
  if (v.is_int64() || v.is_uint64()) {
    const auto i = static_cast<std::int32_t>(v.to_number<std::int64_t>());
    return Tensor::from_values<std::int32_t>({}, std::span<const std::int32_t>(&i, 1));
  }
  if (v.is_double()) return Tensor::scalar(static_cast<float>(v.get_double()));
  if (const auto* list = v.if_array()) return list_constant(*list, path);
  if (is_array_constant(v)) return array_constant(v, path);
  throw NotSupportedError(path + ": unsupported call argument " + json::excerpt(v) +
                          " (kplug takes tensors, numbers, bools, lists of numbers, __tensor__ and __numpy__ arrays)");
}

}  // namespace kplug::detail
