// A tensor shape whose dims may be unknown (None in Keras): build shapes, output
// shapes, the `batch_shape` of an InputLayer.
#pragma once

#include "kplug/tensor.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

using Dim = std::optional<std::int64_t>;

class PartialShape {
 public:
  PartialShape() = default;
  explicit PartialShape(std::vector<Dim> dims) : dims_(std::move(dims)) {}
  PartialShape(std::initializer_list<Dim> dims) : dims_(dims) {}
  // Every dim known.
  static PartialShape known(const Shape& shape);
  // `[null, 32]` as Keras writes shapes. `where` names the place for errors.
  static PartialShape from_json(const boost::json::value& v, std::string_view where);

  boost::json::value to_json() const;
  // Python's tuple repr: "(None, 32)", "(5,)", "()".
  std::string to_string() const;

  std::size_t rank() const noexcept { return dims_.size(); }
  const std::vector<Dim>& dims() const noexcept { return dims_; }
  const Dim& operator[](std::size_t i) const { return dims_.at(i); }
  Dim& operator[](std::size_t i) { return dims_.at(i); }
  // Negative axes count from the end; out of range -> ValueError.
  const Dim& dim(std::int64_t axis) const;
  // The known dims as a Shape; an unknown dim -> ValueError naming `what`.
  Shape to_shape(std::string_view what) const;
  // Same rank and equal where both are known.
  bool compatible_with(const PartialShape& other) const;
  bool compatible_with(const Shape& shape) const { return compatible_with(known(shape)); }
  bool operator==(const PartialShape&) const = default;

 private:
  std::vector<Dim> dims_;
};

// Python's repr of a concrete shape: "(4, 5)", "(5,)", "()".
std::string shape_repr(const Shape& shape);

}  // namespace kplug

#pragma GCC visibility pop
