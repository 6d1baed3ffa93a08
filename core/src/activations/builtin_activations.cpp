// keras.activations as built-ins: every exported function under its own name, plus
// the aliases of Keras's ALL_OBJECTS_DICT / exports (swish -> silu, hard_swish ->
// hard_silu). A deserialized function applies Keras's default arguments.
#include "builtins/catalog.hpp"
#include "kplug/activations.hpp"
#include "kplug/errors.hpp"

namespace kplug::detail {
namespace {

constexpr std::string_view kModule = "keras.activations";

void add(CatalogBuilder& builder, std::string name, ActivationFunction::Fn fn,
         std::initializer_list<std::string_view> aliases = {}) {
  builder.add_function(std::make_shared<ActivationFunction>(std::move(name), std::move(fn)), kModule, aliases);
}

}  // namespace

void add_builtin_activations(CatalogBuilder& builder) {
  namespace a = activations;
  // Element-wise, no arguments or their defaults.
  add(builder, "celu", [](const Tensor& x) { return a::celu(x); });
  add(builder, "elu", [](const Tensor& x) { return a::elu(x); });
  add(builder, "exponential", [](const Tensor& x) { return a::exponential(x); });
  add(builder, "gelu", [](const Tensor& x) { return a::gelu(x); });
  add(builder, "hard_shrink", [](const Tensor& x) { return a::hard_shrink(x); });
  add(builder, "hard_sigmoid", [](const Tensor& x) { return a::hard_sigmoid(x); });
  add(builder, "hard_silu", [](const Tensor& x) { return a::hard_silu(x); }, {"hard_swish"});
  add(builder, "hard_tanh", [](const Tensor& x) { return a::hard_tanh(x); });
  add(builder, "leaky_relu", [](const Tensor& x) { return a::leaky_relu(x); });
  add(builder, "linear", [](const Tensor& x) { return a::linear(x); });
  add(builder, "log_sigmoid", [](const Tensor& x) { return a::log_sigmoid(x); });
  add(builder, "mish", [](const Tensor& x) { return a::mish(x); });
  add(builder, "relu", [](const Tensor& x) { return a::relu(x); });
  add(builder, "relu6", [](const Tensor& x) { return a::relu6(x); });
  add(builder, "selu", [](const Tensor& x) { return a::selu(x); });
  add(builder, "sigmoid", [](const Tensor& x) { return a::sigmoid(x); });
  add(builder, "silu", [](const Tensor& x) { return a::silu(x); }, {"swish"});
  add(builder, "soft_shrink", [](const Tensor& x) { return a::soft_shrink(x); });
  add(builder, "softplus", [](const Tensor& x) { return a::softplus(x); });
  add(builder, "softsign", [](const Tensor& x) { return a::softsign(x); });
  add(builder, "sparse_plus", [](const Tensor& x) { return a::sparse_plus(x); });
  add(builder, "sparse_sigmoid", [](const Tensor& x) { return a::sparse_sigmoid(x); });
  add(builder, "squareplus", [](const Tensor& x) { return a::squareplus(x); });
  add(builder, "tanh", [](const Tensor& x) { return a::tanh(x); });
  add(builder, "tanh_shrink", [](const Tensor& x) { return a::tanh_shrink(x); });
  // Keras 1/2's hard_sigmoid under a registered-function key (what configs from Keras < 3 are
  // upgraded to): Keras 3 has no built-in with its 0.2 slope. Python Keras 3 loads a model using it
  // once `keras2>hard_sigmoid` is registered there (docs/differences-from-keras.md).
  add(builder, std::string(a::kKeras2HardSigmoid), [](const Tensor& x) { return a::hard_sigmoid_keras2(x); });
  // Along the last axis by default.
  add(builder, "glu", [](const Tensor& x) { return a::glu(x); });
  add(builder, "log_softmax", [](const Tensor& x) { return a::log_softmax(x); });
  add(builder, "softmax", [](const Tensor& x) { return a::softmax(x); });
  add(builder, "sparsemax", [](const Tensor& x) { return a::sparsemax(x); });
  // keras.activations.threshold(x, threshold, default_value) has no defaults, so Keras
  // cannot call the bare function either (a TypeError); it still (de)serializes by name.
  add(builder, "threshold", [](const Tensor&) -> Tensor {
    throw ValueError(
        "activation 'threshold' needs its `threshold` and `default_value` arguments, which Keras gives no "
        "defaults; call kplug::activations::threshold(x, threshold, default_value)");
  });
}

}  // namespace kplug::detail

namespace kplug {

std::shared_ptr<Activation> builtin_activation(std::string_view name) {
  auto entry = detail::BuiltinCatalog::instance().find("keras.activations", name);
  auto activation = entry ? std::dynamic_pointer_cast<Activation>(entry->function) : nullptr;
  if (!activation) throw NotSupportedError("built-in activation '" + std::string(name) + "' is missing");
  return activation;
}

}  // namespace kplug
