// The Keras saving guide's custom objects under their Keras keys (the configs Keras wrote
// for them: tests/data/objects/custom_*.json, tests/data/plugin_models/custom_objects).
// The guide's layers MyLayers>CustomLayer and MyLayers>KernelMult are in guide_layers.hpp.
#include "guide_layers.hpp"
#include "tiny_mlp.hpp"

#include <kplug/sdk.hpp>

namespace keras_guide {

// @register_keras_serializable(package="my_package", name="ModifiedMeanSquaredError")
// class ModifiedMeanSquaredError(keras.losses.MeanSquaredError): pass
// A subclass with no changes: MeanSquaredError's maths, config and default name.
class ModifiedMeanSquaredError : public kplug::losses::MeanSquaredError {
 public:
  using MeanSquaredError::MeanSquaredError;
  static std::shared_ptr<ModifiedMeanSquaredError> from_config(const boost::json::object& config,
                                                               kplug::DeserializationContext& context) {
    kplug::ConfigReader reader(config, context, "ModifiedMeanSquaredError");
    BaseOptions base = read_base(reader, kDefaultName);
    reader.finish();
    return std::make_shared<ModifiedMeanSquaredError>(std::move(base.reduction), std::move(base.name));
  }
};

}  // namespace keras_guide

KPLUG_PLUGIN_REGISTER(registrar) {
  // @register_keras_serializable(package="my_package", name="custom_fn")
  // def custom_fn(x): return x**2
  registrar.add_activation("my_package", "custom_fn", [](const kplug::Tensor& x) { return x * x; });
  // Python wrote "module": "custom_objects_src" (the defining module); kplug writes it back.
  registrar.add_class<keras_guide::ModifiedMeanSquaredError>(
      {.package = "my_package", .name = "ModifiedMeanSquaredError", .module = "custom_objects_src"});
  registrar.add_class<keras_guide::CustomLayer>({.package = "MyLayers", .module = "custom_objects_src"});
  // Python's class is MyDense, registered under the name "KernelMult".
  registrar.add_class<keras_guide::MyDense>(
      {.package = "MyLayers", .name = "KernelMult", .module = "custom_objects_src"});
  // A subclassed keras.Model (no Keras fixture: the Python class is in tiny_mlp.hpp).
  registrar.add_class<keras_guide::TinyMLP>({.package = "MyLayers", .module = "tiny_models"});
}
