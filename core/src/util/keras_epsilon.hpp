// Keras's backend.epsilon(), the fuzz factor of its clipping and divisions (private to
// libkplug).
#pragma once

namespace kplug {

inline constexpr float kKerasEpsilon = 1e-7f;

}  // namespace kplug
