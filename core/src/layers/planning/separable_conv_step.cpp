#include "layers/planning/separable_conv_step.hpp"

#include "kplug/errors.hpp"
#include "layers/planning/step_activation.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace kplug::layers::planning {
namespace {

// The plan hands out workspace aligned as tensors are: the convolutions' scratch starts aligned
// after the intermediate.
std::size_t aligned(std::size_t bytes) {
  return (bytes + Tensor::kAlignment - 1) / Tensor::kAlignment * Tensor::kAlignment;
}

class SeparableConvStep final : public InferenceStep {
 public:
  struct Parts {
    std::shared_ptr<const ops::PreparedConv> depthwise, pointwise;
    Shape input, middle;
    std::size_t scratch = 0;  // the larger convolution scratchpad
  };
  SeparableConvStep(Parts parts, TensorSpec output, std::shared_ptr<Activation> after)
      : InferenceStep({std::move(output)}, middle_bytes(parts.middle) + parts.scratch),
        parts_(std::move(parts)),
        after_(after ? std::optional<StepActivation>(std::in_place, std::move(after)) : std::nullopt) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte> workspace) const override {
    auto* middle = reinterpret_cast<float*>(workspace.data());
    const std::span<std::byte> scratch = workspace.subspan(middle_bytes(parts_.middle));
    auto* y = reinterpret_cast<float*>(outputs[0]);
    parts_.depthwise->run_into(reinterpret_cast<const float*>(inputs[0]), parts_.input, middle, scratch);
    parts_.pointwise->run_into(middle, parts_.middle, y, scratch);
    if (after_) after_->apply(y, this->outputs()[0].shape);
  }

 private:
  static std::size_t middle_bytes(const Shape& s) {
    return aligned(static_cast<std::size_t>(shape_size(s)) * sizeof(float));
  }

  Parts parts_;
  std::optional<StepActivation> after_;
};

}  // namespace

std::unique_ptr<InferenceStep> make_separable_conv_step(std::shared_ptr<const ops::PreparedConv> depthwise,
                                                        std::shared_ptr<const ops::PreparedConv> pointwise,
                                                        const std::vector<TensorSpec>& inputs,
                                                        std::shared_ptr<Activation> after) {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32) return nullptr;
  SeparableConvStep::Parts parts{std::move(depthwise), std::move(pointwise), inputs[0].shape, {}, 0};
  TensorSpec output;
  try {
    parts.middle = parts.depthwise->output_shape(parts.input);
    output.shape = parts.pointwise->output_shape(parts.middle);
    parts.scratch =
        std::max(parts.depthwise->workspace_bytes(parts.input), parts.pointwise->workspace_bytes(parts.middle));
  } catch (const ValueError&) {
    return nullptr;  // inputs it cannot take: the layer's call reports them
  }
  if (shape_size(output.shape) == 0) return nullptr;
  return std::make_unique<SeparableConvStep>(std::move(parts), std::move(output), std::move(after));
}

}  // namespace kplug::layers::planning
