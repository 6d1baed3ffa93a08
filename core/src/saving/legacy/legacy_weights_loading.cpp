// Keras's legacy weight matching (legacy_h5_format.load_weights_from_hdf5_group and its
// by-name form): layers with weights, in model.layers order, against the file's layer groups
// that name weights, in `layer_names` order.
#include "legacy_weights_loading.hpp"

#include "kplug/layers/partial_shape.hpp"
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/legacy_weights.hpp"

#include <map>

namespace kplug::saving::legacy {
namespace {

// Keras's _legacy_weights: trainable, then non-trainable.
std::vector<VariablePtr> legacy_weights(const Layer& layer) {
  std::vector<VariablePtr> weights = layer.trainable_weights();
  for (VariablePtr& v : layer.non_trainable_weights()) weights.push_back(std::move(v));
  return weights;
}

WeightsOrigin origin_of(const LegacyH5File& file, std::string_view group) {
  WeightsOrigin origin;
  if (auto version = file.text(group, "keras_version")) origin.keras_version = *version;
  origin.backend = file.text(group, "backend");
  return origin;
}

std::vector<Tensor> stored_values(const LegacyH5File& file, const std::string& layer_group) {
  std::vector<Tensor> values;
  for (const std::string& weight_name : file.list(layer_group, "weight_names")) {
    values.push_back(file.dataset(layer_group, weight_name));
  }
  return values;
}

// Keras's _set_weights: every shape checked (a mismatch raises, or with skip_mismatch warns and
// skips that weight), then assigned.
void set_weights(const std::vector<VariablePtr>& variables, const std::vector<Tensor>& values, const std::string& name,
                 const WeightMatching& matching) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (variables[i]->shape() == values[i].shape()) continue;
    const std::string message = "Shape mismatch in " + name + "for weight " + variables[i]->path() +
                                ". Weight expects shape " + shape_repr(variables[i]->shape()) +
                                ". Received saved weight with shape " + shape_repr(values[i].shape());
    if (!matching.skip_mismatch) throw ValueError(message);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (variables[i]->shape() == values[i].shape()) {
      variables[i]->assign(values[i]);
    } else {
      matching.warn("Skipping loading weights for " + name + "due to mismatch in shape for weight " +
                    variables[i]->path() + ". Weight expects shape " + shape_repr(variables[i]->shape()) +
                    ". Received saved weight with shape " + shape_repr(values[i].shape()));
    }
  }
}

std::string group_path(std::string_view group, std::string_view layer_name) { return join_path(group, layer_name); }

void load_top_level(Model& model, const LegacyH5File& file, std::string_view group, const WeightMatching& matching) {
  const std::string top = group_path(group, "top_level_model_weights");
  if (!file.has_group(top)) return;
  const std::vector<VariablePtr> variables = model.own_variables();
  const std::vector<Tensor> values = stored_values(file, top);
  if (values.size() != variables.size()) {
    throw ValueError("Weight count mismatch for top-level weights when loading weights from file. Model expects " +
                     std::to_string(variables.size()) + " top-level weight(s). Received " +
                     std::to_string(values.size()) + " saved top-level weight(s)");
  }
  set_weights(variables, values, "top-level model", matching);
}

}  // namespace

void WeightMatching::warn(const std::string& message) const { emit_warning(on_warning, message); }

void load_weights_by_order(Model& model, const LegacyH5File& file, std::string_view group,
                           const WeightMatching& matching) {
  const WeightsOrigin origin = origin_of(file, group);
  std::vector<LayerPtr> layers;
  for (const LayerPtr& layer : model.layers()) {
    if (!legacy_weights(*layer).empty()) layers.push_back(layer);
  }
  std::vector<std::string> names;
  for (const std::string& name : file.list(group, "layer_names")) {
    if (!file.has_group(group_path(group, name))) {
      throw h5::H5NotFoundError(file.name(), group_path(group, name),
                                "the layer group named by layer_names is missing");
    }
    if (!file.list(group_path(group, name), "weight_names").empty()) names.push_back(name);
  }
  if (names.size() != layers.size()) {
    throw ValueError("Layer count mismatch when loading weights from file. Model expected " +
                     std::to_string(layers.size()) + " layers, found " + std::to_string(names.size()) +
                     " saved layers.");
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    const Layer& layer = *layers[k];
    const std::string where = file.name() + ": " + group_path(group, names[k]);
    const std::vector<VariablePtr> variables = legacy_weights(layer);
    const std::vector<Tensor> values =
        preprocess_weights_for_loading(layer, stored_values(file, group_path(group, names[k])), origin, where);
    if (values.size() != variables.size()) {
      throw ValueError("Weight count mismatch for layer #" + std::to_string(k) + " (named " + layer.name() +
                       " in the current model, " + names[k] + " in the save file). Layer expects " +
                       std::to_string(variables.size()) + " weight(s). Received " + std::to_string(values.size()) +
                       " saved weight(s)");
    }
    set_weights(variables, values, "layer #" + std::to_string(k) + " (named " + layer.name() + ")", matching);
  }
  load_top_level(model, file, group, matching);
}

void load_weights_by_name(Model& model, const LegacyH5File& file, std::string_view group,
                          const WeightMatching& matching) {
  const WeightsOrigin origin = origin_of(file, group);
  std::map<std::string, std::vector<LayerPtr>, std::less<>> index;
  for (const LayerPtr& layer : model.layers()) index[layer->name()].push_back(layer);
  const std::vector<std::string> names = file.list(group, "layer_names");
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto found = index.find(names[k]);
    if (found == index.end()) continue;
    const std::string layer_group = group_path(group, names[k]);
    const std::vector<Tensor> stored = stored_values(file, layer_group);
    for (const LayerPtr& layer : found->second) {
      const std::vector<VariablePtr> variables = legacy_weights(*layer);
      const std::vector<Tensor> values =
          preprocess_weights_for_loading(*layer, stored, origin, file.name() + ": " + layer_group);
      if (values.size() != variables.size()) {
        const std::string message = "layer #" + std::to_string(k) + " (named " + layer->name() + "). Layer expects " +
                                    std::to_string(variables.size()) + " weight(s). Received " +
                                    std::to_string(values.size()) + " saved weight(s)";
        if (!matching.skip_mismatch) throw ValueError("Weight count mismatch for " + message);
        matching.warn("Skipping loading of weights for " + message + " due to mismatch in number of weights.");
        continue;
      }
      set_weights(variables, values, "layer #" + std::to_string(k) + " (named " + layer->name() + ")", matching);
    }
  }
  load_top_level(model, file, group, matching);
}

}  // namespace kplug::saving::legacy
