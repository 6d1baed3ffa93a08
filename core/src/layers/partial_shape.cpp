#include "kplug/layers/partial_shape.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

namespace kplug {

PartialShape PartialShape::known(const Shape& shape) {
  std::vector<Dim> dims(shape.begin(), shape.end());
  return PartialShape(std::move(dims));
}

PartialShape PartialShape::from_json(const boost::json::value& v, std::string_view where) {
  const auto* array = v.if_array();
  if (!array) {
    throw ConfigError(std::string(where),
                      "expected a shape (a list of integers or nulls), got " + std::string(json::type_name(v)));
  }
  std::vector<Dim> dims;
  dims.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const boost::json::value& d = (*array)[i];
    if (d.is_null()) {
      dims.emplace_back(std::nullopt);
    } else if (d.is_int64() && d.get_int64() >= 0) {
      dims.emplace_back(d.get_int64());
    } else if (d.is_uint64() && d.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      dims.emplace_back(static_cast<std::int64_t>(d.get_uint64()));
    } else {
      throw ConfigError(std::string(where) + "[" + std::to_string(i) + "]",
                        "expected a non-negative integer or null as a shape dimension, got " + json::excerpt(d));
    }
  }
  return PartialShape(std::move(dims));
}

boost::json::value PartialShape::to_json() const {
  boost::json::array out;
  out.reserve(dims_.size());
  for (const Dim& d : dims_) {
    if (d)
      out.emplace_back(*d);
    else
      out.emplace_back(nullptr);
  }
  return out;
}

std::string PartialShape::to_string() const {
  std::string s = "(";
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ", ";
    s += dims_[i] ? std::to_string(*dims_[i]) : "None";
  }
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

const Dim& PartialShape::dim(std::int64_t axis) const {
  const auto r = static_cast<std::int64_t>(dims_.size());
  const std::int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) {
    throw ValueError("axis " + std::to_string(axis) + " is out of range for shape " + to_string());
  }
  return dims_[static_cast<std::size_t>(a)];
}

Shape PartialShape::to_shape(std::string_view what) const {
  Shape shape;
  for (const Dim& d : dims_) {
    if (!d) throw ValueError(std::string(what) + ": shape " + to_string() + " has an unknown dimension");
    shape.push_back(*d);
  }
  return shape;
}

bool PartialShape::compatible_with(const PartialShape& other) const {
  if (rank() != other.rank()) return false;
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (dims_[i] && other.dims_[i] && *dims_[i] != *other.dims_[i]) return false;
  }
  return true;
}

std::string shape_repr(const Shape& shape) { return PartialShape::known(shape).to_string(); }

}  // namespace kplug
