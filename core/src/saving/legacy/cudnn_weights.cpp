// tf-keras's _convert_rnn_weights, from the cuDNN layers to the portable ones. Keras 2's
// CuDNNLSTM and CuDNNGRU keep Keras's gate order (LSTM i, f, c, o; GRU z, r, h) and hand each
// gate's kernel block to cuDNN as a flat row-major buffer, which cuDNN reads as its
// (units, input_dim) matrix W (computing W x): the Keras kernel of a gate is that matrix
// transposed. They also keep two biases per gate (input and recurrent): LSTM adds them, GRU
// with reset_after=True keeps them as its bias rows (2, 3 * units).
#include "kplug/errors.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/shape.hpp"
#include "saving/legacy/conversions.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kplug::saving::legacy::detail {

namespace {

std::string dims(const Shape& shape) { return shape_to_string(shape); }

// Each gate's block (rows, units) of a stacked kernel (rows, gates * units) through `convert`.
template <class F>
Tensor per_gate(const Tensor& kernel, std::int64_t gates, F convert) {
  const std::int64_t units = kernel.dim(1) / gates;
  std::vector<Tensor> blocks;
  for (std::int64_t g = 0; g < gates; ++g)
    blocks.push_back(convert(ops::slice_axis(kernel, 1, g * units, (g + 1) * units)));
  return ops::concatenate(blocks, 1);
}

// The block's values in row-major order are cuDNN's (units, input_dim) W.
Tensor input_block_from_cudnn(const Tensor& block) {
  return ops::transpose(block.reshape({block.dim(1), block.dim(0)}));
}

Tensor recurrent_block_from_cudnn(const Tensor& block) { return ops::transpose(block); }

// The kernels of a cuDNN layer with `gates` gates, after checking they are stacked as such.
void convert_cudnn_kernels(std::vector<Tensor>& weights, std::int64_t gates, const std::string& source,
                           const Layer& layer, const std::string& where) {
  const std::int64_t units = weights[1].dim(0);
  const Tensor& kernel = weights[0];
  const Tensor& recurrent = weights[1];
  if (kernel.rank() != 2 || kernel.dim(1) != gates * units || recurrent.dim(1) != gates * units) {
    throw ValueError(describe(layer, where) + ": the stored bias " + dims(weights[2].shape()) + " is a " + source +
                     "'s, whose kernels are (input_dim, " + std::to_string(gates) + " * units) and (units, " +
                     std::to_string(gates) + " * units) with units = " + std::to_string(units) + ", but got " +
                     dims(kernel.shape()) + " and " + dims(recurrent.shape()));
  }
  weights[0] = per_gate(kernel, gates, input_block_from_cudnn);
  weights[1] = per_gate(recurrent, gates, recurrent_block_from_cudnn);
}

std::vector<Tensor> convert_lstm(const Layer& layer, std::vector<Tensor> weights, const std::string& where) {
  const std::int64_t units = weights[1].dim(0);
  // (4 * units,): an LSTM's already; another shape is the loader's to report.
  if (weights[2].shape() != Shape{8 * units}) return weights;
  convert_cudnn_kernels(weights, 4, "CuDNNLSTM", layer, where);
  const Tensor bias = ops::cast(weights[2], DType::float32);
  weights[2] = ops::add(ops::slice_axis(bias, 0, 0, 4 * units), ops::slice_axis(bias, 0, 4 * units, 8 * units));
  return weights;
}

enum class GruLayout { cudnn, reset_after, reset_before, unknown };

GruLayout gru_layout(const Shape& bias, std::int64_t units) {
  if (bias == Shape{6 * units}) return GruLayout::cudnn;
  if (bias == Shape{2, 3 * units}) return GruLayout::reset_after;
  if (bias == Shape{3 * units}) return GruLayout::reset_before;
  return GruLayout::unknown;
}

std::vector<Tensor> convert_gru(const layers::GRU& layer, std::vector<Tensor> weights, const std::string& where) {
  const std::int64_t units = weights[1].dim(0);
  const GruLayout source = gru_layout(weights[2].shape(), units);
  const bool reset_after = layer.options().reset_after;
  if (source == GruLayout::unknown) return weights;  // the loader reports the shape
  if (source == (reset_after ? GruLayout::reset_after : GruLayout::reset_before)) return weights;
  if (source == GruLayout::cudnn && reset_after) {
    convert_cudnn_kernels(weights, 3, "CuDNNGRU", layer, where);
    weights[2] = weights[2].reshape({2, 3 * units});
    return weights;
  }
  // reset_after decides whether the reset gate scales h before or after the recurrent
  // product: different functions, so no conversion of the weights exists.
  const std::string stored = source == GruLayout::cudnn         ? "a CuDNNGRU's (computed as reset_after=True)"
                             : source == GruLayout::reset_after ? "a GRU(reset_after=True)'s"
                                                                : "a GRU(reset_after=False)'s (Keras 1's GRU too)";
  throw ValueError(describe(layer, where) + ": the stored bias " + dims(weights[2].shape()) + " is " + stored +
                   ", which is not compatible with this GRU(reset_after=" + (reset_after ? "True" : "False") +
                   "): the two compute different functions. Did you mean to build the GRU with reset_after=" +
                   (reset_after ? "False" : "True") + "?");
}

}  // namespace

std::vector<Tensor> convert_cudnn_weights(const Layer& layer, std::vector<Tensor> weights, const std::string& where) {
  // Without a bias (use_bias=False) there is nothing to tell the layouts apart: cuDNN
  // layers always have one. A recurrent kernel of another rank is the loader's to report.
  if (weights.size() != 3 || weights[1].rank() != 2) return weights;
  if (dynamic_cast<const layers::LSTM*>(&layer)) return convert_lstm(layer, std::move(weights), where);
  if (const auto* gru = dynamic_cast<const layers::GRU*>(&layer)) return convert_gru(*gru, std::move(weights), where);
  return weights;
}

}  // namespace kplug::saving::legacy::detail
