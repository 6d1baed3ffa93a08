// Built twice (same_symbols_a, same_symbols_b): both export a function of the same
// name with different behaviour. Each plugin must keep calling its own.
#include <kplug/sdk.hpp>

extern "C" BOOST_SYMBOL_EXPORT float kplug_test_scale() { return KPLUG_TEST_SCALE; }

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation(KPLUG_TEST_PACKAGE, "scale", [](const kplug::Tensor& x) { return x * kplug_test_scale(); });
}
