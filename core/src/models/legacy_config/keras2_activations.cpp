// Activation names whose meaning changed in Keras 3: Keras 1/2's hard_sigmoid is
// clip(0.2 x + 0.5, 0, 1), Keras 3's clip(x / 6 + 0.5, 0, 1).
#include "kplug/activations.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <array>

namespace kplug::legacy::detail {
namespace {

constexpr std::array<std::string_view, 2> kActivationKeys{"activation", "recurrent_activation"};

bool rename_in_layer_config(boost::json::object& config) {
  bool changed = false;
  for (std::string_view key : kActivationKeys) {
    auto* value = config.if_contains(key);
    if (value && value->is_string() && value->get_string() == "hard_sigmoid") {
      *value = activations::kKeras2HardSigmoid;
      changed = true;
    }
  }
  return changed;
}

}  // namespace

bool use_keras2_activations(boost::json::value& config) {
  bool changed = false;
  if (auto* object = config.if_object()) {
    auto* inner = object->if_contains("config");
    if (object->contains("class_name") && inner && inner->is_object()) {
      changed = rename_in_layer_config(inner->get_object());
    }
    for (auto& item : *object) changed = use_keras2_activations(item.value()) || changed;
  } else if (auto* array = config.if_array()) {
    for (auto& item : *array) changed = use_keras2_activations(item) || changed;
  }
  return changed;
}

}  // namespace kplug::legacy::detail
