#include "serialization/special_values.hpp"

#include "kplug/json.hpp"
#include "kplug/tensor.hpp"
#include "ops/dispatch.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

namespace kplug::detail {
namespace {

constexpr std::array<std::string_view, 13> kNumpyDtypes = {
    "bool",   "int8",   "int16",   "int32",    "int64",   "uint8",   "uint16",
    "uint32", "uint64", "float16", "bfloat16", "float32", "float64",
};

std::optional<std::int64_t> slice_part(const boost::json::object& config, std::string_view key,
                                       DeserializationContext& context) {
  auto it = config.find(key);
  if (it == config.end() || it->value().is_null()) return std::nullopt;
  if (const auto* i = it->value().if_int64()) return *i;
  throw ConfigError(context.path_of(key),
                    "a slice bound must be an integer or null, got " + std::string(json::type_name(it->value())));
}

// The shape of a nested list, read along its first elements.
Shape leading_shape(const boost::json::value& v) {
  Shape shape;
  const boost::json::value* current = &v;
  while (const auto* list = current->if_array()) {
    shape.push_back(static_cast<std::int64_t>(list->size()));
    if (list->empty()) break;
    current = &list->front();
  }
  return shape;
}

// Collects the leaves of `v` in row-major order, checking that every row matches `shape`.
void flatten(const boost::json::value& v, std::size_t depth, const Shape& shape,
             std::vector<const boost::json::value*>& out, DeserializationContext& context) {
  if (depth < shape.size()) {
    const auto* list = v.if_array();
    if (!list || static_cast<std::int64_t>(list->size()) != shape[depth]) {
      throw ConfigError(context.path_of("value"),
                        "array is not rectangular (expected shape " + shape_to_string(shape) + ")");
    }
    for (const auto& item : *list) flatten(item, depth + 1, shape, out, context);
  } else {
    out.push_back(&v);
  }
}

// "config.value[1][0]" for flat element `flat` of an array of `shape`.
std::string element_path(DeserializationContext& context, const Shape& shape, std::int64_t flat) {
  std::string index;
  for (std::size_t i = shape.size(); i-- > 0;) {
    index.insert(0, "[" + std::to_string(flat % shape[i]) + "]");
    flat /= shape[i];
  }
  return context.path_of("value") + index;
}

std::string json_text(const boost::json::value& v) { return json::excerpt(v, 60); }

// One JSON element as T; nullopt with `why` set when T cannot hold it.
template <class T>
std::optional<T> element_as(const boost::json::value& v, std::string& why) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v.is_bool()) return v.get_bool();
    why = "expected true or false";
    return std::nullopt;
  } else if constexpr (std::is_integral_v<T>) {
    if (const auto* i = v.if_int64()) {
      if (std::in_range<T>(*i)) return static_cast<T>(*i);
    } else if (const auto* u = v.if_uint64()) {
      if (std::in_range<T>(*u)) return static_cast<T>(*u);
    } else if (const auto* d = v.if_double()) {
      if (!std::isfinite(*d) || std::trunc(*d) != *d) {
        why = "an integer array cannot hold a fraction, NaN or infinity";
        return std::nullopt;
      }
      // Integral and finite: in range iff within [min, max + 1) (both exact as doubles).
      if (*d >= static_cast<double>(std::numeric_limits<T>::min()) &&
          *d < std::ldexp(1.0, std::numeric_limits<T>::digits)) {
        return static_cast<T>(*d);
      }
    } else {
      why = "expected an integer, got " + std::string(json::type_name(v));
      return std::nullopt;
    }
    why = "out of range [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
          std::to_string(std::numeric_limits<T>::max()) + "]";
    return std::nullopt;
  } else {
    // Floating dtypes: any JSON number; finite values must stay finite in the dtype.
    if (!v.is_number()) {
      why = "expected a number, got " + std::string(json::type_name(v));
      return std::nullopt;
    }
    const double d = v.to_number<double>();
    Tensor one(Shape{}, DType::float64);
    one.data_as<double>()[0] = d;
    Tensor converted = one.astype(dtype_of<T>());
    const double back = converted.astype(DType::float64).data_as<double>()[0];
    if (std::isfinite(d) && !std::isfinite(back)) {
      why = "out of range for " + std::string(dtype_name(dtype_of<T>()));
      return std::nullopt;
    }
    return converted.data_as<T>()[0];
  }
}

Tensor read_array(const boost::json::value& value, DType dtype, DeserializationContext& context) {
  const Shape shape = leading_shape(value);
  std::vector<const boost::json::value*> leaves;
  flatten(value, 0, shape, leaves, context);
  Tensor out(shape, dtype);
  ops::detail::visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data_as<T>();
    std::string why;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const auto element = element_as<T>(*leaves[i], why);
      if (!element) {
        throw ConfigError(
            element_path(context, shape, static_cast<std::int64_t>(i)),
            "value " + json_text(*leaves[i]) + " does not fit dtype " + std::string(dtype_name(dtype)) + ": " + why);
      }
      dst[i] = *element;
    }
  });
  return out;
}

// Elements as Python's tolist() gives them: bool, int (exact), float (widened to double).
// `t` holds no 16-bit floats (they are widened to float32 first, exactly).
boost::json::value element_json(const Tensor& t, std::int64_t i) {
  return ops::detail::visit_dtype(t.dtype(), [&](auto tag) -> boost::json::value {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      throw ValueError("internal: 16-bit floats are widened before writing");
    } else {
      const T v = t.data_as<T>()[i];
      if constexpr (std::is_same_v<T, bool>)
        return v;
      else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
        return static_cast<std::int64_t>(v);
      else if constexpr (std::is_integral_v<T>)
        return static_cast<std::uint64_t>(v);
      else
        return static_cast<double>(v);
    }
  });
}

boost::json::value nested(const Tensor& t, std::size_t axis, std::int64_t& index) {
  if (axis == t.shape().size()) return element_json(t, index++);
  boost::json::array out;
  for (std::int64_t i = 0; i < t.shape()[axis]; ++i) out.push_back(nested(t, axis + 1, index));
  return out;
}

}  // namespace

bool is_special_class_name(std::string_view class_name) noexcept {
  return class_name == "__bytes__" || class_name == "__slice__" || class_name == "__ellipsis__" ||
         class_name == "__numpy__" || class_name == "__tensor__" || class_name == "__keras_tensor__" ||
         class_name == "__lambda__" || class_name == "__typespec__";
}

boost::json::value serialize_special(const Bytes& bytes) {
  return boost::json::object{{"class_name", "__bytes__"}, {"config", boost::json::object{{"value", bytes.data}}}};
}

boost::json::value serialize_special(const Slice& slice) {
  auto part = [](const std::optional<std::int64_t>& p) { return p ? boost::json::value(*p) : boost::json::value(); };
  return boost::json::object{
      {"class_name", "__slice__"},
      {"config",
       boost::json::object{{"start", part(slice.start)}, {"stop", part(slice.stop)}, {"step", part(slice.step)}}}};
}

boost::json::value serialize_special(const Ellipsis&) {
  return boost::json::object{{"class_name", "__ellipsis__"}, {"config", boost::json::object{}}};
}

boost::json::value serialize_special(const NdArray& array) {
  const bool half = array.array.dtype() == DType::float16 || array.array.dtype() == DType::bfloat16;
  const Tensor t = half ? array.array.astype(DType::float32) : array.array;
  std::int64_t index = 0;
  if (t.rank() == 0) return element_json(t, 0);
  return boost::json::object{
      {"class_name", array.is_tensor ? "__tensor__" : "__numpy__"},
      {"config", boost::json::object{{"value", nested(t, 0, index)}, {"dtype", dtype_name(array.array.dtype())}}}};
}

Value deserialize_special(std::string_view class_name, const boost::json::object& config,
                          DeserializationContext& context) {
  if (class_name == "__lambda__") {
    if (context.safe_mode()) {
      throw UnsafeObjectError(context.path(),
                              "Requested the deserialization of a `lambda` object. This carries a potential risk of "
                              "arbitrary code execution and thus it is disallowed by default (safe_mode=True). If you "
                              "trust the source, pass `safe_mode=False`; kplug still cannot run Python bytecode.");
    }
    throw NotSupportedError(
        context.path() +
        ": `__lambda__` holds Python bytecode, which kplug cannot execute "
        "(not supported even with safe_mode=False); re-implement the function in C++ and register it");
  }
  if (class_name == "__typespec__") {
    throw NotSupportedError(context.path() + ": `__typespec__` (TensorFlow TypeSpec) is not supported");
  }
  if (class_name == "__keras_tensor__") {
    throw NotSupportedError(context.path() +
                            ": `__keras_tensor__` is only meaningful inside a Functional model config, "
                            "which this kplug version does not support yet");
  }
  if (class_name == "__ellipsis__") return Ellipsis{};
  if (class_name == "__bytes__") {
    auto it = config.find("value");
    if (it == config.end() || !it->value().is_string()) {
      throw ConfigError(context.path_of("value"), "`__bytes__` needs a string \"value\"");
    }
    return Bytes{std::string(it->value().get_string())};
  }
  if (class_name == "__slice__") {
    return Slice{slice_part(config, "start", context), slice_part(config, "stop", context),
                 slice_part(config, "step", context)};
  }
  // __numpy__ / __tensor__
  auto dtype = config.find("dtype");
  if (dtype == config.end() || !dtype->value().is_string()) {
    throw ConfigError(context.path_of("dtype"), "`" + std::string(class_name) + "` needs a string \"dtype\"");
  }
  const std::string dtype_text(dtype->value().get_string());
  if (std::find(kNumpyDtypes.begin(), kNumpyDtypes.end(), dtype_text) == kNumpyDtypes.end()) {
    throw ConfigError(context.path_of("dtype"), "unsupported dtype '" + dtype_text + "'");
  }
  auto value = config.find("value");
  if (value == config.end()) throw ConfigError(context.path_of("value"), "missing \"value\"");
  NdArray array;
  array.is_tensor = class_name == "__tensor__";
  array.array = read_array(value->value(), dtype_from_name(dtype_text), context);
  return array;
}

}  // namespace kplug::detail
