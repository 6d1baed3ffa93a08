#include "io_json.hpp"

#include "kplug/errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <span>

namespace kplug::cli {
namespace {

const boost::json::value& field(const boost::json::object& entry, const char* name, const std::string& where) {
  const boost::json::value* found = entry.if_contains(name);
  if (!found) throw ValueError(where + ": missing \"" + name + "\"");
  return *found;
}

Shape read_shape(const boost::json::value& value, const std::string& where) {
  if (!value.is_array()) throw ValueError(where + ": expected an array of dims, got ");
  Shape shape;
  for (const auto& d : value.as_array()) {
    if (!d.is_int64() || d.as_int64() < 0) throw ValueError(where + ": dims must be non-negative integers");
    shape.push_back(d.as_int64());
  }
  return shape;
}

}  // namespace

std::vector<NamedTensor> read_io(const boost::json::value& io, const std::string& key) {
  const boost::json::value* list = io.is_object() ? io.as_object().if_contains(key) : nullptr;
  if (!list || !list->is_array()) throw ValueError("expected an object with an array \"" + key + "\"");
  std::vector<NamedTensor> out;
  const auto& items = list->as_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = key + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) throw ValueError(where + ": expected an object {name, dtype, shape, data}");
    const auto& entry = items[i].as_object();
    const auto& name = field(entry, "name", where);
    if (!name.is_string()) throw ValueError(where + ".name: expected a string");
    const auto& dtype_text = field(entry, "dtype", where);
    if (!dtype_text.is_string()) throw ValueError(where + ".dtype: expected a string");
    const DType dtype = dtype_from_name(dtype_text.as_string());
    const Shape shape = read_shape(field(entry, "shape", where), where + ".shape");
    const auto& data = field(entry, "data", where);
    if (!data.is_array()) throw ValueError(where + ".data: expected a flat array of numbers");
    const auto& values = data.as_array();
    std::int64_t count = 1;
    for (std::int64_t d : shape) count *= d;
    if (static_cast<std::int64_t>(values.size()) != count) {
      throw ValueError(where + ".data: " + std::to_string(values.size()) + " values for shape " +
                       shape_to_string(shape) + " (" + std::to_string(count) + " expected)");
    }
    Tensor tensor;
    if (is_floating(dtype)) {
      std::vector<float> numbers;
      numbers.reserve(values.size());
      for (std::size_t j = 0; j < values.size(); ++j) {
        if (!values[j].is_number()) throw ValueError(where + ".data[" + std::to_string(j) + "]: expected a number");
        numbers.push_back(static_cast<float>(values[j].to_number<double>()));
      }
      tensor = Tensor(shape, std::move(numbers));
    } else {
      std::vector<std::int64_t> numbers;
      numbers.reserve(values.size());
      for (std::size_t j = 0; j < values.size(); ++j) {
        const auto& v = values[j];
        if (v.is_bool()) {
          numbers.push_back(v.as_bool() ? 1 : 0);
        } else if (v.is_int64()) {
          numbers.push_back(v.as_int64());
        } else {
          throw ValueError(where + ".data[" + std::to_string(j) + "]: expected an integer for dtype " +
                           std::string(dtype_name(dtype)));
        }
      }
      tensor = Tensor::from_values<std::int64_t>(shape, std::span<const std::int64_t>(numbers));
    }
    out.push_back({std::string(name.as_string()), dtype == tensor.dtype() ? tensor : tensor.astype(dtype)});
  }
  return out;
}

boost::json::value write_io(const std::vector<NamedTensor>& tensors, const std::string& key) {
  boost::json::array list;
  for (const auto& [name, value] : tensors) {
    boost::json::object entry;
    entry["name"] = name;
    entry["dtype"] = dtype_name(value.dtype());
    boost::json::array shape;
    for (std::int64_t d : value.shape()) shape.emplace_back(d);
    entry["shape"] = std::move(shape);
    boost::json::array data;
    data.reserve(static_cast<std::size_t>(value.size()));
    if (is_floating(value.dtype())) {
      const Tensor f = value.dtype() == DType::float32 ? value : value.astype(DType::float32);
      for (float x : f.values()) data.emplace_back(static_cast<double>(x));
    } else {
      const Tensor i = value.astype(DType::int64);
      const std::int64_t* p = i.data_as<std::int64_t>();
      for (std::int64_t j = 0; j < i.size(); ++j) data.emplace_back(p[j]);
    }
    entry["data"] = std::move(data);
    list.push_back(std::move(entry));
  }
  return boost::json::object{{key, std::move(list)}};
}

}  // namespace kplug::cli
