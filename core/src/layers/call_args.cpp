#include "kplug/layers/call_args.hpp"

#include "kplug/errors.hpp"

namespace kplug {

const Tensor& CallArgs::input(std::size_t i) const {
  if (i >= inputs.size()) {
    throw ValueError("call expected at least " + std::to_string(i + 1) + " input tensor(s), got " +
                     std::to_string(inputs.size()));
  }
  return inputs[i];
}

const Tensor* CallArgs::mask(std::size_t i) const {
  if (i >= masks.size() || !masks[i]) return nullptr;
  return &*masks[i];
}

bool CallArgs::has_any_mask() const {
  for (const auto& m : masks) {
    if (m) return true;
  }
  return false;
}

const std::vector<Tensor>* CallArgs::tensor_kwarg(std::string_view name) const {
  auto it = tensor_kwargs.find(name);
  if (it == tensor_kwargs.end()) return nullptr;
  read_.emplace(name);
  return &it->second;
}

const boost::json::value* CallArgs::kwarg(std::string_view name) const {
  const boost::json::value* v = kwargs.if_contains(name);
  if (v) read_.emplace(name);
  return v;
}

bool CallArgs::bool_kwarg(std::string_view name, bool fallback) const {
  const boost::json::value* v = kwarg(name);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) throw ValueError("call argument '" + std::string(name) + "' must be a boolean");
  return v->get_bool();
}

std::vector<std::string> CallArgs::unread_kwargs() const {
  std::set<std::string> unread;
  for (const auto& item : kwargs) {
    if (!read_.contains(std::string_view(item.key()))) unread.emplace(item.key());
  }
  for (const auto& [name, tensors] : tensor_kwargs) {
    if (!read_.contains(name)) unread.emplace(name);
  }
  return {unread.begin(), unread.end()};
}

}  // namespace kplug
