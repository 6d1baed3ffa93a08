// The Keras saving guide's custom objects under their Keras keys (see
// keras-fixtures/custom_objects/README.txt for the Python originals).
// The guide's layers (MyLayers>CustomLayer, MyLayers>KernelMult) join when the Layer
// interface lands.
#include <kplug/sdk.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  // @register_keras_serializable(package="my_package", name="custom_fn")
  // def custom_fn(x): return x**2
  registrar.add_activation("my_package", "custom_fn", [](const kplug::Tensor& x) { return x * x; });
}
