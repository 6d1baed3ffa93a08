// Weights stored by Keras 1 and 2 in legacy `.h5` files, converted to what kplug's (Keras 3's)
// layers hold: tf-keras's preprocess_weights_for_loading (saving/legacy/hdf5_format.py).
//
// The legacy loader reads a layer's arrays in the file's order (its `weight_names`) and hands
// them here. The result is in Keras's legacy order for `layer`, trainable_weights() then
// non_trainable_weights(), the variables the loader assigns it to (for a plain layer, or a
// wrapper of one, that is weights()' order too; for a nested model it is not).
// Conversions:
//  - Bidirectional: the forward half, then the backward half, each converted as its layer;
//    TimeDistributed: as its inner layer; Sequential/Functional: each sublayer's share of
//    the trainable and the non-trainable lists, converted as that sublayer, in Keras's order;
//  - CuDNNLSTM -> LSTM and CuDNNGRU -> GRU(reset_after=True), told apart by the stored bias's
//    shape as tf-keras does (the kernels' per-gate layout, the LSTM's two biases summed);
//  - Keras 1 (keras_version "1" or "1.x"): LSTM's 12 and GRU's 9 per-gate arrays joined, the
//    channels_first / Deconvolution kernel layouts of Conv1D/2D/3D, Conv2DTranspose and
//    ConvLSTM2D.
// Refused with NotSupportedError (naming the layer, the version and the backend): kernels of
// convolutions saved by the theano backend (flipped), Keras 1 Conv1D kernels of an unknown
// layout. A GRU whose stored bias says another reset_after than the layer's is a ValueError
// (the two compute different functions: no conversion exists).
// Counts and shapes are left to the loader, which reports them with Keras's messages.
#pragma once

#include "kplug/tensor.hpp"

#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {
class Layer;
}

namespace kplug::saving::legacy {

// What the file says about where its weights come from.
struct WeightsOrigin {
  std::string keras_version = "1";     // root/group attribute keras_version ("1" when absent, as Keras)
  std::optional<std::string> backend;  // "tensorflow", "theano", ... (absent in old files)
};

// The values stored for `layer` (its weight_names order) converted to what the layer holds.
// `where` names the stored layer in messages ("model.h5: model_weights/lstm_1").
std::vector<Tensor> preprocess_weights_for_loading(const Layer& layer, std::vector<Tensor> weights,
                                                   const WeightsOrigin& origin, const std::string& where);

}  // namespace kplug::saving::legacy

#pragma GCC visibility pop
