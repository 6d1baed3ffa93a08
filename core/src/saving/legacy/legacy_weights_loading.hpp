// Assigning a legacy file's weights to a model's layers (Keras's legacy matching).
#pragma once

#include "kplug/models/model.hpp"
#include "kplug/saving/keras_file.hpp"
#include "legacy_h5_file.hpp"

#include <string>
#include <string_view>

namespace kplug::saving::legacy {

struct WeightMatching {
  bool skip_mismatch = false;
  WarningSink on_warning;  // null: std::clog
  void warn(const std::string& message) const;
};

// By topological order: layers with weights against the groups of `layer_names` that name
// weights (`group` is "model_weights" in a whole-model file, "" in a weights-only one).
void load_weights_by_order(Model& model, const LegacyH5File& file, std::string_view group,
                           const WeightMatching& matching);
// By layer name: groups without a layer of their name are skipped.
void load_weights_by_name(Model& model, const LegacyH5File& file, std::string_view group,
                          const WeightMatching& matching);

}  // namespace kplug::saving::legacy
