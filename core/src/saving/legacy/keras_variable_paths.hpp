// Keras's `variable.path` for the variables of a model built from its config: the name
// scopes open when each variable was created. kplug's Variable::path() is only
// "<layer>/<variable>"; the legacy `.h5` layout names datasets and optimizer slots by the
// full path ("mlp/dense/kernel", "rnn/lstm/lstm_cell/kernel", "adam/mlp_dense_kernel_momentum").
//
// Keras builds a Sequential's layers inside the Sequential's scope, a Functional's layers
// when they are first called (no enclosing scope), a layer's sublayers inside the layer's
// scope, and a nested model when it is deserialized (its own scope only). A Sequential that
// Keras could only build when its parent called it would carry the parent's scope too:
// kplug does not know how a model was first built and assumes it was built from config.
#pragma once

#include "kplug/models/model.hpp"
#include "kplug/optimizers/optimizer.hpp"

#include <map>
#include <string>
#include <vector>

namespace kplug::saving::detail {

class KerasVariablePaths {
 public:
  explicit KerasVariablePaths(const Model& model);

  // The Keras path of a variable of the model; ValueError for a variable it does not hold.
  const std::string& of(const Variable& variable) const;
  // The Keras path of each optimizer variable, in order: slots made from a model variable
  // ("<optimizer>/<path with / -> _>_<slot>") are renamed from kplug's path to Keras's.
  std::vector<std::string> optimizer_paths(const Model& model, const Optimizer& optimizer) const;

 private:
  void add_model(const Model& model);
  void add_layer(const Layer& layer, const std::string& scope);
  void add(const Variable& variable, std::string path);

  std::map<const Variable*, std::string> paths_;
};

}  // namespace kplug::saving::detail
