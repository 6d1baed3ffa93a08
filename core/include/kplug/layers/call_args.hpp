// What a layer's call receives: every input tensor, their masks, the training flag
// and the call's keyword arguments, as a Functional node records them.
#pragma once

#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

class CallArgs {
 public:
  CallArgs() = default;
  explicit CallArgs(std::vector<Tensor> input_tensors) : inputs(std::move(input_tensors)) {}

  // Positional tensors, flattened in the node's `args` order (Add([a, b]) -> a, b).
  std::vector<Tensor> inputs;
  // One optional mask per input (empty: no input carries a mask). An explicit
  // `mask=` call argument lands here too.
  std::vector<std::optional<Tensor>> masks;
  // Always false for predict.
  bool training = false;
  // Tensor-valued keyword arguments (`initial_state`, `constants`, ...).
  std::map<std::string, std::vector<Tensor>, std::less<>> tensor_kwargs;
  // Plain keyword arguments (`use_causal_mask`, `return_attention_scores`, ...).
  boost::json::object kwargs;
  // Non-tensor positional arguments (numbers, lists, `__tensor__` / `__numpy__` arrays), as
  // tensors, with their position among all positional ones (`not_equal(x, 0)`, `x + table`).
  std::vector<std::pair<std::size_t, Tensor>> constants;

  const Tensor& input(std::size_t i = 0) const;
  // The mask of input i, or null.
  const Tensor* mask(std::size_t i = 0) const;
  bool has_any_mask() const;

  // Reading a keyword argument marks it accepted; the caller then rejects the others.
  const std::vector<Tensor>* tensor_kwarg(std::string_view name) const;
  const boost::json::value* kwarg(std::string_view name) const;
  bool bool_kwarg(std::string_view name, bool fallback) const;
  // Keyword arguments nobody read, sorted.
  std::vector<std::string> unread_kwargs() const;

 private:
  mutable std::set<std::string, std::less<>> read_;
};

}  // namespace kplug

#pragma GCC visibility pop
