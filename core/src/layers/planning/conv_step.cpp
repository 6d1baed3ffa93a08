#include "layers/planning/conv_step.hpp"

#include "kplug/errors.hpp"

#include <cstring>
#include <utility>

namespace kplug::layers::planning {
namespace {

class ConvStep final : public InferenceStep {
 public:
  ConvStep(std::shared_ptr<const ops::PreparedConv> conv, Shape input, TensorSpec output, std::size_t workspace,
           bool residual, std::shared_ptr<Activation> after)
      : InferenceStep({std::move(output)}, workspace),
        conv_(std::move(conv)),
        input_(std::move(input)),
        residual_(residual),
        after_(after ? std::optional<StepActivation>(std::in_place, std::move(after)) : std::nullopt) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte> workspace) const override {
    auto* y = reinterpret_cast<float*>(outputs[0]);
    if (residual_) std::memcpy(y, inputs[1], this->outputs()[0].nbytes());  // the sum post-op adds to what is there
    conv_->run_into(reinterpret_cast<const float*>(inputs[0]), input_, y, workspace);
    if (after_) after_->apply(y, this->outputs()[0].shape);
  }

 private:
  std::shared_ptr<const ops::PreparedConv> conv_;
  Shape input_;
  bool residual_;
  std::optional<StepActivation> after_;
};

}  // namespace

std::unique_ptr<InferenceStep> make_conv_step(std::shared_ptr<const ops::PreparedConv> conv,
                                              const std::vector<TensorSpec>& inputs, bool residual,
                                              std::shared_ptr<Activation> after) {
  if (inputs.size() != (residual ? 2u : 1u) || inputs[0].dtype != DType::float32) return nullptr;
  TensorSpec output;
  std::size_t workspace = 0;
  try {
    output.shape = conv->output_shape(inputs[0].shape);
    workspace = conv->workspace_bytes(inputs[0].shape);
  } catch (const ValueError&) {
    return nullptr;  // inputs it cannot take: the layer's call reports them
  }
  if (residual && !(inputs[1] == output)) return nullptr;
  if (shape_size(output.shape) == 0) return nullptr;
  return std::make_unique<ConvStep>(std::move(conv), inputs[0].shape, std::move(output), workspace, residual,
                                    std::move(after));
}

}  // namespace kplug::layers::planning
