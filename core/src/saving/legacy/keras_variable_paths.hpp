// Keras's `variable.path` for the variables of a model built from its config: the name
// scopes open when each variable was created. kplug's Variable::path() is only
// "<layer>/<variable>"; the legacy `.h5` layout names datasets and optimizer slots by the
// full path ("mlp/dense/kernel", "rnn/lstm/lstm_cell/kernel", "adam/mlp_dense_kernel_momentum").
//
// The path depends on how Keras built each layer. kplug gives the paths of a model whose layers
// were built by their parents, as Keras builds a model made in Python or read from a legacy
// config (which has no build_config): a Sequential builds its layers in its own scope
// ("mlp/dense/kernel"), a Functional's layers are built when first called (no enclosing scope:
// "dense/kernel"), a layer's sublayers inside the layer's scope, and a nested model builds
// itself (its own scope only: "block/dense/kernel"). Keras builds a layer deserialized with a
// build_config on its own (a `.keras` file's layers: "dense/kernel" in a Sequential too);
// kplug cannot tell how a model was first built. Keras's legacy loader matches weights by
// position within each layer group, so the names do not change what loads.
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
