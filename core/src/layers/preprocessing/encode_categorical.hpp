// Keras's encode_categorical_inputs (keras/src/utils/numerical_utils.py) for the numpy
// backend, shared by CategoryEncoding and Discretization.
#pragma once

#include "kplug/layers/partial_shape.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace kplug::layers::detail {

// The output shape of `output_mode` ("one_hot", "multi_hot", "count") over `depth` classes.
PartialShape encoded_shape(const PartialShape& in, std::string_view output_mode, std::int64_t depth);
// Integer ids -> float32 one_hot / multi_hot / count vectors; `what` names the layer in errors.
Tensor encode_categorical(Tensor ids, std::string_view output_mode, std::int64_t depth, const std::string& what);

}  // namespace kplug::layers::detail
