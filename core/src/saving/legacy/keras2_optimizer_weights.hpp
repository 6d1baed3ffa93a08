// Keras 2's optimizer_weights (tf.keras OptimizerV2: `Adam/iter:0`, `Adam/dense_1/kernel/m:0`, ...)
// placed in a compiled Keras 3 optimizer's variables.
#pragma once

#include "kplug/models/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kplug::saving::legacy {

// Every variable of `optimizer` (built), in its order: the stored value where a Keras 2 name maps
// to it (`iter`/`iterations` -> iteration; `<variable path>/<slot>` -> the slot Keras 3 keeps for
// that variable: Adam's m/v/vhat as momentum/velocity/velocity_hat, SGD's momentum, RMSprop's rms
// as velocity, ...), its current value elsewhere (learning_rate). nullopt when a stored weight has
// no place (an unknown name or slot, another optimizer) or a shape differs: nothing is then loaded.
std::optional<std::vector<Tensor>> place_keras2_optimizer_weights(const Model& model, const Optimizer& optimizer,
                                                                  const std::vector<std::string>& names,
                                                                  const std::vector<const Tensor*>& values);

}  // namespace kplug::saving::legacy
