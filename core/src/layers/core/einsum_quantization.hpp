// Keras's _analyze_quantization_info for EinsumDense (keras/src/layers/core/einsum_dense.py):
// which axes the inputs and the kernel are quantized over, and how their scales are laid out
// against the output.
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kplug::layers::detail {

struct EinsumQuantization {
  std::vector<std::int64_t> input_reduced, kernel_reduced;
  std::vector<std::int64_t> input_transpose, kernel_transpose;
  std::vector<std::int64_t> input_expand, kernel_expand;
  std::vector<std::int64_t> input_squeeze, kernel_squeeze;

  // `equation` as EinsumDense takes it, for inputs of rank `input_rank`.
  EinsumQuantization(const std::string& equation, std::size_t input_rank);

  // The per-channel kernel_scale's shape (Keras's _get_kernel_scale_shape): the kernel's
  // with the reduced axes 1, laid out to broadcast against the output.
  Shape kernel_scale_shape(const Shape& kernel_shape) const;
  // The kernel flattened to [rows, columns] as Keras's int4 does: rows the reduced axes.
  std::pair<std::int64_t, std::int64_t> kernel_rows_columns(const Shape& kernel_shape) const;
  // An inputs scale (the inputs' shape, reduced axes kept as 1) laid out against the output
  // (Keras's _adjust_scale_for_quant(scale, "input")).
  Tensor input_scale_to_output(const Tensor& scale) const;
};

}  // namespace kplug::layers::detail
