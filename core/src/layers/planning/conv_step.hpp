// An ops::PreparedConv as an execution plan's step: a conv layer's, or a model's fused chain
// (conv, folded batch norm, activations, a residual Add). Channels-last float32 inputs: x, and
// with a sum post-op the residual it adds.
#pragma once

#include "kplug/layers/inference_step.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "layers/planning/step_activation.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace kplug::layers::planning {

// Null when the inputs are not one float32 tensor (two with `residual`, the second of the
// output's shape) the convolution takes. `after`: an activation the convolution does not fuse,
// applied to its output in place.
std::unique_ptr<InferenceStep> make_conv_step(std::shared_ptr<const ops::PreparedConv> conv,
                                              const std::vector<TensorSpec>& inputs, bool residual,
                                              std::shared_ptr<Activation> after = nullptr);

}  // namespace kplug::layers::planning
