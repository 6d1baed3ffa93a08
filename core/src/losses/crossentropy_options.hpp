// Reading and writing the {from_logits, label_smoothing, axis} arguments that the binary and
// categorical cross-entropy classes share, in Keras's config order.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/losses/crossentropy.hpp"

namespace kplug::losses::detail {

// from_logits, label_smoothing, axis: for an Options deriving from CrossentropyOptions.
const config::Fields<CrossentropyOptions>& crossentropy_fields();
// ValueError on a label_smoothing outside [0, 1].
CrossentropyOptions validated(CrossentropyOptions options);

}  // namespace kplug::losses::detail
