#include "builtins/catalog.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/serialization.hpp"
#include "layers/planning/step_activation.hpp"

#include <cstring>

namespace kplug::layers {

boost::json::value serialize_activation(const std::shared_ptr<Activation>& activation) {
  if (!activation) return "linear";
  if (const NamedFunction* fn = as_function(*activation)) {
    // keras.activations.serialize: a built-in function is written as its bare name.
    auto entry = kplug::detail::BuiltinCatalog::instance().find("keras.activations", fn->name());
    if (entry && entry->function.get() == activation.get()) return boost::json::string(fn->name());
  }
  return serialize(*activation);
}

ActivationLayer::ActivationLayer(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (!options_.activation) options_.activation = builtin_activation("linear");  // Keras's activation=None
  mark_built_at_init();
}

const config::Fields<ActivationLayer::Options>& ActivationLayer::fields() {
  static const config::Fields<Options> list{activation_field("activation", &Options::activation).required()};
  return list;
}

std::vector<PartialShape> ActivationLayer::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  const NamedFunction* fn = as_function(*options_.activation);
  if (fn && fn->name() == "glu") {
    // glu halves the last axis; every other built-in keeps the shape.
    PartialShape out = in;
    if (out.rank() > 0 && out[out.rank() - 1]) out[out.rank() - 1] = *out[out.rank() - 1] / 2;
    return {out};
  }
  if (fn) return {in};
  return Layer::compute_output_shape(input_shapes);
}

std::vector<Tensor> ActivationLayer::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {(*options_.activation)(args.inputs[0])};
}

namespace {

class ActivationStep final : public InferenceStep {
 public:
  ActivationStep(TensorSpec output, std::shared_ptr<Activation> activation)
      : InferenceStep({std::move(output)}), activation_(std::move(activation)) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    std::memcpy(outputs[0], inputs[0], this->outputs()[0].nbytes());
    activation_.apply(reinterpret_cast<float*>(outputs[0]), this->outputs()[0].shape);
  }

 private:
  planning::StepActivation activation_;
};

}  // namespace

std::unique_ptr<InferenceStep> ActivationLayer::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32) return nullptr;
  // The step applies the activation in place: not for one that changes the shape (glu).
  const PartialShape in = PartialShape::known(inputs[0].shape);
  if (compute_output_shape({in}) != std::vector<PartialShape>{in}) return nullptr;
  return std::make_unique<ActivationStep>(inputs[0], options_.activation);
}

}  // namespace kplug::layers
