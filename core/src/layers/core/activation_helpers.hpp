// Shared by layers that hold an activation.
#pragma once

#include "kplug/activations.hpp"

#include <memory>
#include <string_view>

namespace kplug::layers::detail {

// A keras.activations built-in by name ("linear" for Keras's `None`).
std::shared_ptr<Activation> builtin_activation(std::string_view name);

}  // namespace kplug::layers::detail
