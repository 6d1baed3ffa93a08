// Dropout (keras/src/layers/regularization/dropout.py), and the training refusal of every
// regularization layer.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/regularization.hpp"

namespace kplug::layers {

void refuse_training(const Layer& layer) {
  throw NotSupportedError("Layer '" + layer.name() + "': " + layer.class_name() +
                          " in training mode is not supported (kplug runs inference)");
}

const config::Fields<DropoutOptions>& Dropout::fields() {
  static const config::Fields<Options> list{config::field("rate", &Options::rate).required(),
                                            config::field("seed", &Options::seed),
                                            config::field("noise_shape", &Options::noise_shape)};
  return list;
}

Dropout::Dropout(Options options, LayerArgs args) : NoiseLayer(std::move(options), std::move(args)) {
  if (!(options_.rate >= 0.0 && options_.rate <= 1.0)) {
    throw ValueError(
        "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
        "rate=" +
        json::format_double(options_.rate));
  }
}

}  // namespace kplug::layers
