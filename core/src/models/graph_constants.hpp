// The plain values Keras records in a Functional node's call arguments (anything that is
// not a KerasTensor: Python numbers and lists, `__tensor__` and `__numpy__` arrays, e.g.
// the positional table of `x + ops.convert_to_tensor(table)`), as the tensors the call gets.
#pragma once

#include "kplug/tensor.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace kplug::detail {

// `__tensor__` or `__numpy__`: an array Keras wrote with its dtype.
bool is_array_constant(const boost::json::value& v);

// Numbers as Keras's weak Python scalars (ints int32, floats float32, bools bool), nested
// lists of numbers as float32, arrays in their own dtype. `path` names `v` in errors.
Tensor constant_tensor(const boost::json::value& v, const std::string& path);

}  // namespace kplug::detail
