// Package "Addons": TensorFlow Addons objects under the keys TF Addons wrote into
// saved models, re-implemented in C++.
#include "addons_layers.hpp"
#include "addons_loss.hpp"

KPLUG_PLUGIN_REGISTER(registrar) {
  using namespace kplug_addons;
  constexpr const char* kModule = "tensorflow_addons";
  registrar.add_class<SigmoidFocalCrossEntropy>("Addons", {}, kModule);
  registrar.add_class<GIoULoss>("Addons", {}, kModule);
  registrar.add_class<ContrastiveLoss>("Addons", {}, kModule);
  registrar.add_class<WeightNormalization>("Addons", {}, kModule);
  registrar.add_class<InstanceNormalization>("Addons", {}, kModule);
  registrar.add_activation("Addons", "lisht", [](const kplug::Tensor& x) { return x * x.tanh(); });
  registrar.add_activation("Addons", "tanhshrink", [](const kplug::Tensor& x) { return x - x.tanh(); });
}
