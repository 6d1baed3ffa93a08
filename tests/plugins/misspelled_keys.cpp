// Declares KEYS misspelled>scael in CMake but registers misspelled>scale.
#include <kplug/sdk.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation("misspelled", "scale", [](const kplug::Tensor& x) { return x; });
}
