// Package "Addons": TensorFlow Addons objects under the keys TF Addons wrote into
// saved models, re-implemented in C++.
#include "addons_layers.hpp"
#include "addons_loss.hpp"

KPLUG_PLUGIN_REGISTER(registrar) {
  using namespace kplug_addons;
  constexpr const char* kModule = "tensorflow_addons";
  registrar.add_class<SigmoidFocalCrossEntropy>({.package = "Addons", .module = kModule});
  registrar.add_class<GIoULoss>({.package = "Addons", .module = kModule});
  registrar.add_class<ContrastiveLoss>({.package = "Addons", .module = kModule});
  registrar.add_class<WeightNormalization>({.package = "Addons", .module = kModule});
  registrar.add_class<InstanceNormalization>({.package = "Addons", .module = kModule});
  registrar.add_activation("Addons", "lisht", [](const kplug::Tensor& x) { return x * x.tanh(); });
  registrar.add_activation("Addons", "tanhshrink", [](const kplug::Tensor& x) { return x - x.tanh(); });
}
