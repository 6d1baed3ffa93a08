// What generic deserialization returns: a plain JSON-like value, a live object,
// or one of Keras's special values (bytes, slice, ellipsis, arrays).
#pragma once

#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

struct Value;

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
struct Slice {
  std::optional<std::int64_t> start, stop, step;
  bool operator==(const Slice&) const = default;
};
struct Ellipsis {
  bool operator==(const Ellipsis&) const = default;
};
// `__numpy__` / `__tensor__`: a tensor of the array's own dtype (int64 and uint64 exact).
struct NdArray {
  Tensor array;
  bool is_tensor = false;  // written back as `__tensor__` instead of `__numpy__`
  bool operator==(const NdArray&) const = default;
};

struct Value {
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;  // keeps key order
  using Variant = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, List, Dict, ObjectPtr, Bytes,
                               Slice, Ellipsis, NdArray>;
  Variant data = nullptr;

  Value() = default;
  template <class T>
  requires std::constructible_from<Variant, T&&> Value(T&& v)
      : data(std::forward<T>(v)) {}  // NOLINT: implicit like a JSON value

  bool is_null() const noexcept { return std::holds_alternative<std::nullptr_t>(data); }
  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(data);
  }
  template <class T>
  const T& as() const {
    return std::get<T>(data);
  }
  const ObjectPtr& object() const { return std::get<ObjectPtr>(data); }
  const Value* find(std::string_view key) const;  // Dict only
};

}  // namespace kplug
#pragma GCC visibility pop
