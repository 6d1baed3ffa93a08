// Registration adds a key, then throws: the key must not stay registered.
#include <kplug/sdk.hpp>

#include <stdexcept>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation("throwing", "first", [](const kplug::Tensor& x) { return x; });
  throw std::runtime_error("boom from the throwing plugin");
}
