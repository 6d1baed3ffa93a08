#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"

namespace kplug::layers {

Lambda::Lambda() : Layer(LayerArgs{}) {}

std::shared_ptr<Lambda> Lambda::from_config(const boost::json::object&, DeserializationContext& context) {
  if (context.safe_mode()) {
    // Keras's own wording (keras/src/layers/core/lambda_layer.py).
    throw UnsafeObjectError(
        context.path(),
        "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. This carries a "
        "potential risk of arbitrary code execution and thus it is disallowed by default. If you trust the source of "
        "the artifact, you can override this error by passing `safe_mode=False` to the loading function, or calling "
        "`keras.config.enable_unsafe_deserialization(). (kplug cannot run Python code: Lambda layers are not "
        "supported even with safe_mode=false.)");
  }
  throw NotSupportedError(context.path() +
                          ": Lambda layers hold Python bytecode, which kplug never runs (even with safe_mode=false). "
                          "Replace the Lambda by a registered custom layer (see docs/sdk.md).");
}

boost::json::object Lambda::get_config() const { throw NotSupportedError("Lambda layers are not supported"); }

std::vector<Tensor> Lambda::call(CallArgs&) { throw NotSupportedError("Lambda layers are not supported"); }

}  // namespace kplug::layers
