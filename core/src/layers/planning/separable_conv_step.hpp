// A separable convolution as an execution plan's step: a depthwise ops::PreparedConv then a
// pointwise (1x1) one, the intermediate in the step's workspace.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/layers/inference_step.hpp"
#include "kplug/ops/prepared_conv.hpp"

#include <memory>
#include <vector>

namespace kplug::layers::planning {

// Null when the inputs are not one float32 tensor the convolutions take. `after`: an activation
// the pointwise convolution does not fuse, applied to the output in place.
std::unique_ptr<InferenceStep> make_separable_conv_step(std::shared_ptr<const ops::PreparedConv> depthwise,
                                                        std::shared_ptr<const ops::PreparedConv> pointwise,
                                                        const std::vector<TensorSpec>& inputs,
                                                        std::shared_ptr<Activation> after);

}  // namespace kplug::layers::planning
