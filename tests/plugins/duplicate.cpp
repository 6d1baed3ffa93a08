// Registers a key the keras_guide plugin also registers.
#include <kplug/sdk.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation("my_package", "custom_fn", [](const kplug::Tensor& x) { return x; });
}
