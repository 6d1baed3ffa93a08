#include "serialization/special_values.hpp"

#include "kplug/json.hpp"
#include "kplug/tensor.hpp"

#include <algorithm>

#include <array>
#include <cmath>

namespace kplug::detail {
namespace {

constexpr std::array<std::string_view, 13> kNumpyDtypes = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64",
};

bool is_integer_dtype(std::string_view dtype) { return dtype.find("int") != std::string_view::npos; }

std::optional<std::int64_t> slice_part(const boost::json::object& config, std::string_view key,
                                       DeserializationContext& context) {
  auto it = config.find(key);
  if (it == config.end() || it->value().is_null()) return std::nullopt;
  if (const auto* i = it->value().if_int64()) return *i;
  throw ConfigError(context.path_of(key), "a slice bound must be an integer or null, got " +
                                              std::string(json::type_name(it->value())));
}

// The shape of a nested list, read along its first elements.
std::vector<std::int64_t> leading_shape(const boost::json::value& v) {
  std::vector<std::int64_t> shape;
  const boost::json::value* current = &v;
  while (const auto* list = current->if_array()) {
    shape.push_back(static_cast<std::int64_t>(list->size()));
    if (list->empty()) break;
    current = &list->front();
  }
  return shape;
}

// Appends the elements of `v` to `out.values`, checking that every row matches `out.shape`.
void flatten(const boost::json::value& v, std::size_t depth, NdArray& out, DeserializationContext& context) {
  if (depth < out.shape.size()) {
    const auto* list = v.if_array();
    if (!list || static_cast<std::int64_t>(list->size()) != out.shape[depth]) {
      throw ConfigError(context.path_of("value"), "array is not rectangular (expected shape " +
                                                      shape_to_string(out.shape) + ")");
    }
    for (const auto& item : *list) flatten(item, depth + 1, out, context);
  } else if (v.is_bool()) {
    out.values.push_back(v.get_bool() ? 1.0 : 0.0);
  } else if (v.is_number()) {
    out.values.push_back(v.to_number<double>());
  } else {
    throw ConfigError(context.path_of("value"),
                      "array elements must be numbers, got " + std::string(json::type_name(v)));
  }
}

boost::json::value element_json(const NdArray& array, double x) {
  if (array.dtype == "bool") return x != 0.0;
  if (is_integer_dtype(array.dtype)) return static_cast<std::int64_t>(x);
  return x;
}

boost::json::value nested(const NdArray& array, std::size_t axis, std::size_t& index) {
  if (axis == array.shape.size()) return element_json(array, array.values[index++]);
  boost::json::array out;
  for (std::int64_t i = 0; i < array.shape[axis]; ++i) out.push_back(nested(array, axis + 1, index));
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
      {"config", boost::json::object{{"start", part(slice.start)}, {"stop", part(slice.stop)}, {"step", part(slice.step)}}}};
}

boost::json::value serialize_special(const Ellipsis&) {
  return boost::json::object{{"class_name", "__ellipsis__"}, {"config", boost::json::object{}}};
}

boost::json::value serialize_special(const NdArray& array) {
  std::size_t index = 0;
  if (array.shape.empty()) return array.values.empty() ? boost::json::value() : element_json(array, array.values[0]);
  return boost::json::object{{"class_name", array.is_tensor ? "__tensor__" : "__numpy__"},
                             {"config", boost::json::object{{"value", nested(array, 0, index)}, {"dtype", array.dtype}}}};
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
    throw NotSupportedError(context.path() + ": `__lambda__` holds Python bytecode, which kplug cannot execute "
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
  NdArray array;
  array.is_tensor = class_name == "__tensor__";
  auto dtype = config.find("dtype");
  if (dtype == config.end() || !dtype->value().is_string()) {
    throw ConfigError(context.path_of("dtype"), "`" + std::string(class_name) + "` needs a string \"dtype\"");
  }
  array.dtype = std::string(dtype->value().get_string());
  if (std::find(kNumpyDtypes.begin(), kNumpyDtypes.end(), array.dtype) == kNumpyDtypes.end()) {
    throw ConfigError(context.path_of("dtype"), "unsupported dtype '" + array.dtype + "'");
  }
  auto value = config.find("value");
  if (value == config.end()) throw ConfigError(context.path_of("value"), "missing \"value\"");
  array.shape = leading_shape(value->value());
  flatten(value->value(), 0, array, context);
  return array;
}

}  // namespace kplug::detail
