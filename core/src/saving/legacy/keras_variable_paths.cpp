#include "saving/legacy/keras_variable_paths.hpp"

#include "kplug/errors.hpp"
#include "kplug/models/sequential.hpp"

#include <algorithm>

namespace kplug::saving::detail {
namespace {

std::string join(const std::string& scope, const std::string& name) {
  return scope.empty() ? name : scope + "/" + name;
}

std::string underscored(std::string path) {
  std::replace(path.begin(), path.end(), '/', '_');
  return path;
}

}  // namespace

KerasVariablePaths::KerasVariablePaths(const Model& model) { add_model(model); }

void KerasVariablePaths::add(const Variable& variable, std::string path) {
  paths_.try_emplace(&variable, std::move(path));  // a shared layer keeps its first path
}

void KerasVariablePaths::add_model(const Model& model) {
  for (const VariablePtr& variable : model.own_variables()) add(*variable, join(model.name(), variable->name()));
  const std::string scope = dynamic_cast<const Sequential*>(&model) ? model.name() : std::string();
  for (const LayerPtr& layer : model.layers()) add_layer(*layer, scope);
}

void KerasVariablePaths::add_layer(const Layer& layer, const std::string& scope) {
  if (const auto* nested = dynamic_cast<const Model*>(&layer)) {
    add_model(*nested);  // built when deserialized: its own scope, not the parent's
    return;
  }
  const std::string own_scope = join(scope, layer.name());
  for (const VariablePtr& variable : layer.own_variables()) add(*variable, join(own_scope, variable->name()));
  for (const LayerPtr& sublayer : layer.sublayers()) add_layer(*sublayer, own_scope);
}

const std::string& KerasVariablePaths::of(const Variable& variable) const {
  const auto found = paths_.find(&variable);
  if (found == paths_.end()) {
    throw ValueError("legacy .h5: variable '" + variable.path() + "' is not a variable of the model's layers");
  }
  return found->second;
}

std::vector<std::string> KerasVariablePaths::optimizer_paths(const Model& model, const Optimizer& optimizer) const {
  // kplug named each slot from the model variable's kplug path; slots are made in
  // trainable_weights order, so the n-th slot of a name belongs to the n-th variable whose
  // kplug path gives that name (two nested "dense/kernel" give the same kplug name).
  struct Reference {
    std::string kplug;  // kplug path, '/' -> '_'
    std::string keras;  // Keras path, '/' -> '_'
  };
  std::vector<Reference> references;
  for (const VariablePtr& variable : model.trainable_weights()) {
    references.push_back({underscored(variable->path()), underscored(of(*variable))});
  }
  const std::string prefix = optimizer.name() + "/";
  std::map<std::string, std::size_t> seen;
  std::vector<std::string> out;
  for (const OptimizerVariable& variable : optimizer.variables()) {
    if (!variable.path.starts_with(prefix)) {
      out.push_back(variable.path);
      continue;
    }
    const std::string rest = variable.path.substr(prefix.size());
    std::size_t longest = 0;
    std::vector<const Reference*> matches;
    for (const Reference& reference : references) {
      const std::string& name = reference.kplug;
      if (rest.size() <= name.size() || !rest.starts_with(name) || rest[name.size()] != '_') continue;
      if (name.size() > longest) {
        matches.clear();
        longest = name.size();
      }
      if (name.size() == longest) matches.push_back(&reference);
    }
    if (matches.empty()) {
      out.push_back(variable.path);  // iteration, learning_rate: not made from a model variable
      continue;
    }
    const std::size_t index = seen[rest]++;
    const Reference& owner = *matches[std::min(index, matches.size() - 1)];
    out.push_back(prefix + owner.keras + rest.substr(owner.kplug.size()));
  }
  return out;
}

}  // namespace kplug::saving::detail
