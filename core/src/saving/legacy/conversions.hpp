// The per-layer conversions behind saving::legacy::preprocess_weights_for_loading, in the
// order tf-keras applies them to a layer that wraps nothing.
#pragma once

#include "kplug/saving/legacy_weights.hpp"

#include <string>
#include <vector>

namespace kplug::saving::legacy::detail {

// "<where> (LSTM 'lstm_1')": the stored layer and the layer it loads into, for messages.
std::string describe(const Layer& layer, const std::string& where);

// NotSupportedError for a convolution kernel saved by the theano backend (flipped spatially
// relative to TensorFlow's; tf-keras no longer converts them either).
void refuse_theano_kernels(const Layer& layer, const std::vector<Tensor>& weights, const WeightsOrigin& origin,
                           const std::string& where);

// keras_version "1": per-gate LSTM/GRU/ConvLSTM2D arrays joined, the old kernel layouts of
// Conv1D/2D/3D and Conv2DTranspose.
std::vector<Tensor> convert_keras1_weights(const Layer& layer, std::vector<Tensor> weights, const WeightsOrigin& origin,
                                           const std::string& where);

// Any version: a 4-D convolution kernel whose shape is not the layer's, transposed (3, 2, 0, 1)
// as tf-keras does (kept only when that gives the layer's shape).
std::vector<Tensor> convert_conv_kernel_layout(const Layer& layer, std::vector<Tensor> weights);

// tf-keras's _convert_rnn_weights: CuDNNLSTM -> LSTM, CuDNNGRU -> GRU(reset_after=True), told
// apart by the stored bias's shape; a GRU bias of the other reset_after is a ValueError.
std::vector<Tensor> convert_cudnn_weights(const Layer& layer, std::vector<Tensor> weights, const std::string& where);

}  // namespace kplug::saving::legacy::detail
