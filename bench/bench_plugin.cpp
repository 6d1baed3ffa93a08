// The body of the 50 generated benchmark plugins: each registers a few objects in
// the package its entry declares (so one object file serves them all).
#include <kplug/sdk.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  const std::string& package = registrar.packages().front();
  registrar.add_activation(package, "double", [](const kplug::Tensor& x) { return x * 2.0f; });
  registrar.add_activation(package, "half", [](const kplug::Tensor& x) { return x * 0.5f; });
  registrar.add_loss_function(package, "l1",
                              [](const kplug::Tensor& t, const kplug::Tensor& p) { return (t - p).abs(); });
}
