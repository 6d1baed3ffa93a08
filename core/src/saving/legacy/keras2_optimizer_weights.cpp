#include "keras2_optimizer_weights.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace kplug::saving::legacy {
namespace {

// Keras 2 slot name -> Keras 3 slot name, per optimizer class.
const std::map<std::string_view, std::map<std::string_view, std::string_view>>& slot_names() {
  static const std::map<std::string_view, std::map<std::string_view, std::string_view>> table{
      {"Adam", {{"m", "momentum"}, {"v", "velocity"}, {"vhat", "velocity_hat"}}},
      {"AdamW", {{"m", "momentum"}, {"v", "velocity"}, {"vhat", "velocity_hat"}}},
      {"Nadam", {{"m", "momentum"}, {"v", "velocity"}}},
      {"Adamax", {{"m", "momentum"}, {"v", "norm"}}},
      {"SGD", {{"momentum", "momentum"}}},
      {"RMSprop", {{"rms", "velocity"}, {"momentum", "momentum"}, {"mg", "average_gradient"}}},
      {"Adagrad", {{"accumulator", "accumulator"}}},
      {"Adadelta", {{"accum_grad", "accumulated_grad"}, {"accum_var", "accumulated_delta_var"}}},
      {"Ftrl", {{"accumulator", "accumulator"}, {"linear", "linear"}}},
  };
  return table;
}

// "Adam/dense_1/kernel/m:0" -> {"dense_1/kernel", "m"}; "Adam/iter:0" -> {"", "iter"}.
std::pair<std::string, std::string> split_name(std::string name) {
  if (name.ends_with(":0")) name.resize(name.size() - 2);
  const std::size_t first = name.find('/');
  const std::size_t last = name.rfind('/');
  if (first == std::string::npos) return {"", name};
  return {first == last ? "" : name.substr(first + 1, last - first - 1), name.substr(last + 1)};
}

// The model's trainable variable Keras 2 called `path` ("dense_1/kernel"): kplug's paths may carry
// the model's name in front.
const Variable* variable_named(const std::vector<VariablePtr>& variables, const std::string& path) {
  for (const VariablePtr& v : variables) {
    if (v->path() == path || v->path().ends_with("/" + path)) return v.get();
  }
  return nullptr;
}

std::optional<std::size_t> slot_index(const Optimizer& optimizer, const std::string& name) {
  const std::vector<OptimizerVariable>& variables = optimizer.variables();
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (variables[i].name == name) return i;
  }
  return std::nullopt;
}

// Where Keras 2's weight `name` goes among the optimizer's variables.
std::optional<std::size_t> place_of(const std::vector<VariablePtr>& trainable, const Optimizer& optimizer,
                                    const std::map<std::string_view, std::string_view>& slots,
                                    const std::string& name) {
  const auto [variable_path, slot] = split_name(name);
  if (variable_path.empty()) {
    return slot == "iter" || slot == "iterations" ? slot_index(optimizer, "iteration") : std::nullopt;
  }
  const auto keras3_slot = slots.find(slot);
  const Variable* variable = variable_named(trainable, variable_path);
  if (keras3_slot == slots.end() || variable == nullptr) return std::nullopt;
  std::string slot_name = variable->path();
  std::replace(slot_name.begin(), slot_name.end(), '/', '_');
  return slot_index(optimizer, slot_name + "_" + std::string(keras3_slot->second));
}

}  // namespace

std::optional<std::vector<Tensor>> place_keras2_optimizer_weights(const Model& model, const Optimizer& optimizer,
                                                                  const std::vector<std::string>& names,
                                                                  const std::vector<const Tensor*>& values) {
  const auto slots = slot_names().find(optimizer.class_name());
  if (slots == slot_names().end() || !optimizer.built()) return std::nullopt;
  const std::vector<VariablePtr> trainable = model.trainable_weights();
  std::vector<Tensor> placed;
  for (const OptimizerVariable& v : optimizer.variables()) placed.push_back(v.value);
  std::vector<bool> taken(placed.size(), false);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::optional<std::size_t> at = place_of(trainable, optimizer, slots->second, names[i]);
    if (!at || taken[*at] || values[i]->shape() != placed[*at].shape()) return std::nullopt;
    taken[*at] = true;
    placed[*at] = *values[i];
  }
  return placed;
}

}  // namespace kplug::saving::legacy
