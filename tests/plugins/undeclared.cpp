// Registers a key in a package it did not declare.
#include <kplug/sdk.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation("somebody_else", "fn", [](const kplug::Tensor& x) { return x; });
}
