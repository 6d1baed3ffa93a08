// Kernel layouts of old files: Keras 1's per-gate recurrent arrays and convolution kernels
// (dim_ordering "th" kept the filters first), the (3, 2, 0, 1) transpose tf-keras applies to
// any mismatched 4-D convolution kernel, and the theano kernels kplug refuses.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops/shape.hpp"
#include "saving/legacy/conversions.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kplug::saving::legacy::detail {

namespace {

// Layers whose kernels are spatial filters (flipped by theano's true convolution).
constexpr std::array<std::string_view, 13> kConvolutions{
    "Conv1D",          "Conv2D",          "Conv3D",          "Conv1DTranspose", "Conv2DTranspose",
    "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "ConvLSTM1D",      "ConvLSTM2D",      "ConvLSTM3D"};

// The layers tf-keras checks for a transposed kernel.
constexpr std::array<std::string_view, 5> kTransposable{"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D"};

template <std::size_t N>
bool is_one_of(const std::array<std::string_view, N>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string origin_text(const WeightsOrigin& origin) {
  return "keras_version " + origin.keras_version + ", backend " + origin.backend.value_or("(not recorded)");
}

Tensor permute_if_rank(const Tensor& x, const std::vector<std::int64_t>& perm) {
  // Another rank: left as stored, for the loader's shape message.
  return x.rank() == static_cast<std::int64_t>(perm.size()) ? ops::permute(x, perm) : x;
}

// Keras 1's recurrent layers kept one array per gate and role; `order` picks the stored gates
// in Keras 2's order (stored LSTM: i, c, f, o -> i, f, c, o). `gate` reshapes a kernel first.
template <class F>
std::vector<Tensor> join_gates(const Layer& layer, const std::vector<Tensor>& weights,
                               const std::vector<std::size_t>& order, const WeightsOrigin& origin,
                               const std::string& where, F gate) {
  std::vector<Tensor> joined;
  for (std::size_t role = 0; role < 3; ++role) {  // kernel, recurrent kernel, bias
    std::vector<Tensor> parts;
    for (std::size_t g : order) parts.push_back(role < 2 ? gate(weights[3 * g + role]) : weights[3 * g + role]);
    try {
      joined.push_back(ops::concatenate(parts, -1));
    } catch (const ValueError& e) {
      throw ValueError(describe(layer, where) + ": the per-gate " + layer.class_name() + " arrays (" +
                       origin_text(origin) + ") do not join: " + e.plain_message());
    }
  }
  return joined;
}

Tensor identity(const Tensor& x) { return x; }

// Keras 1's Conv1D ran a 2-D convolution: (filter_length, 1, input_dim, filters) from 1.1,
// (filters, input_dim, filter_length, 1) before.
Tensor keras1_conv1d_kernel(const layers::Conv1D& layer, const Tensor& kernel, const WeightsOrigin& origin,
                            const std::string& where) {
  if (kernel.rank() != 4) return kernel;  // already (filter_length, input_dim, filters), or the loader's to report
  const std::int64_t length = layer.options().kernel_size[0], filters = layer.options().filters;
  const Shape& s = kernel.shape();
  if (s[0] == length && s[1] == 1 && s[3] == filters) return kernel.squeeze(1);
  if (s[0] == filters && s[2] == length && s[3] == 1) return ops::permute(kernel, {2, 3, 1, 0}).squeeze(1);
  throw NotSupportedError(describe(layer, where) + ": a Conv1D kernel of shape " + shape_to_string(s) + " (" +
                          origin_text(origin) + ") is in neither Keras 1 layout for filter_length " +
                          std::to_string(length) + " and " + std::to_string(filters) +
                          " filters: (filter_length, 1, input_dim, filters) or (filters, input_dim, filter_length, 1)");
}

}  // namespace

void refuse_theano_kernels(const Layer& layer, const std::vector<Tensor>& weights, const WeightsOrigin& origin,
                           const std::string& where) {
  if (weights.empty() || origin.backend != "theano" || !is_one_of(kConvolutions, layer.class_name())) return;
  throw NotSupportedError(describe(layer, where) + ": convolution kernels saved by the theano backend (" +
                          origin_text(origin) +
                          ") are flipped relative to TensorFlow's; kplug does not convert them. Save the "
                          "weights again from Keras with the TensorFlow backend.");
}

std::vector<Tensor> convert_keras1_weights(const Layer& layer, std::vector<Tensor> weights, const WeightsOrigin& origin,
                                           const std::string& where) {
  if (weights.empty()) return weights;
  const std::string name = layer.class_name();
  if (const auto* conv = dynamic_cast<const layers::Conv1D*>(&layer); conv && name == "Conv1D") {
    weights[0] = keras1_conv1d_kernel(*conv, weights[0], origin, where);
  } else if (const auto* conv2 = dynamic_cast<const layers::Conv2D*>(&layer); conv2 && name == "Conv2D") {
    // (filters, stack_size, rows, cols) -> (rows, cols, stack_size, filters)
    if (conv2->options().data_format == "channels_first") weights[0] = permute_if_rank(weights[0], {2, 3, 1, 0});
  } else if (const auto* conv3 = dynamic_cast<const layers::Conv3D*>(&layer); conv3 && name == "Conv3D") {
    if (conv3->options().data_format == "channels_first") weights[0] = permute_if_rank(weights[0], {2, 3, 4, 1, 0});
  } else if (const auto* deconv = dynamic_cast<const layers::Conv2DTranspose*>(&layer);
             deconv && name == "Conv2DTranspose") {
    // Deconvolution2D: (rows, cols, stack_size, filters) or (filters, stack_size, rows, cols)
    // -> (rows, cols, filters, stack_size)
    const bool first = deconv->options().data_format == "channels_first";
    weights[0] = permute_if_rank(weights[0],
                                 first ? std::vector<std::int64_t>{2, 3, 0, 1} : std::vector<std::int64_t>{0, 1, 3, 2});
  } else if (weights.size() == 12 && dynamic_cast<const layers::LSTM*>(&layer)) {
    weights = join_gates(layer, weights, {0, 2, 1, 3}, origin, where, identity);
  } else if (weights.size() == 9 && dynamic_cast<const layers::GRU*>(&layer)) {
    weights = join_gates(layer, weights, {0, 1, 2}, origin, where, identity);  // z, r, h as stored
  } else if (const auto* conv_lstm = dynamic_cast<const layers::ConvLSTM<2>*>(&layer);
             conv_lstm && weights.size() == 12) {
    // channels_first kernels (filters, stack_size, rows, cols): each gate's moved to
    // (rows, cols, stack_size, filters) before the gates join on the filters.
    const bool first = conv_lstm->options().data_format == "channels_first";
    weights = join_gates(layer, weights, {0, 2, 1, 3}, origin, where, [first](const Tensor& k) {
      return first ? permute_if_rank(k, {2, 3, 1, 0}) : k;
    });
  }
  return weights;
}

std::vector<Tensor> convert_conv_kernel_layout(const Layer& layer, std::vector<Tensor> weights) {
  if (!is_one_of(kTransposable, layer.class_name())) return weights;
  const auto variables = layer.weights();
  const std::size_t kernels = layer.class_name() == "ConvLSTM2D" ? 2 : 1;
  for (std::size_t i = 0; i < kernels && i < weights.size() && i < variables.size(); ++i) {
    const Shape& expected = variables[i]->shape();
    if (weights[i].rank() != 4 || weights[i].shape() == expected) continue;
    Tensor transposed = ops::permute(weights[i], {3, 2, 0, 1});
    // Kept only when it fits: otherwise the loader names the shape the file holds.
    if (transposed.shape() == expected) weights[i] = std::move(transposed);
  }
  return weights;
}

}  // namespace kplug::saving::legacy::detail
