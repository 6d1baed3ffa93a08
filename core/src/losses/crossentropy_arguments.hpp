// Reading and writing the {from_logits, label_smoothing, axis} arguments that the binary and
// categorical cross-entropy classes share, in Keras's config order.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/losses/crossentropy.hpp"

namespace kplug::losses::detail {

CrossentropyArguments read_crossentropy_arguments(ConfigReader& reader);
void write_crossentropy_arguments(const CrossentropyArguments& arguments, boost::json::object& config);
// ValueError on a label_smoothing outside [0, 1].
CrossentropyArguments validated(CrossentropyArguments arguments);

}  // namespace kplug::losses::detail
