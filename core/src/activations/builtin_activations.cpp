#include "builtins/catalog.hpp"
#include "kplug/activations.hpp"

namespace kplug::detail {
void add_builtin_activations(CatalogBuilder& builder) {
  builder.add_function(std::make_shared<ActivationFunction>("linear", [](const Tensor& x) { return x; }),
                       "keras.activations");
  builder.add_function(std::make_shared<ActivationFunction>("relu", [](const Tensor& x) { return maximum(x, 0.0f); }),
                       "keras.activations");
}
}  // namespace kplug::detail
