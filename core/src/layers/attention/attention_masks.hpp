// What MultiHeadAttention and GroupQueryAttention share: Keras masks as they combine them
// (float 0/1 tensors, 1 = attend), their keyword tensors and build_config.
#pragma once

#include "kplug/layers/core.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/ops.hpp"
#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::layers::detail {

// ops.cast(mask, "bool") as 0/1 floats: any non-zero value attends.
inline Tensor mask_as_float(const Tensor& mask) {
  if (mask.dtype() == DType::bool_) return mask.astype(DType::float32);
  return ops::map(ops::cast(mask, DType::float32), [](float v) { return v != 0.0f ? 1.0f : 0.0f; });
}

// Logical and of two optional 0/1 masks, broadcasting.
inline std::optional<Tensor> mask_and(const std::optional<Tensor>& a, const Tensor& b) {
  return a ? ops::multiply(*a, b) : b;
}

// Keras's build_config of the attention layers: {"shapes_dict": {"query_shape": ...,
// "value_shape": ...[, "key_shape": ...]}} from the shapes they were built with.
boost::json::object shapes_dict_build_config(const std::vector<PartialShape>& shapes);

// An EinsumDense projection of an attention layer (Keras's _get_common_kwargs_for_sublayer):
// the layer's kernel/bias options, a bias only with use_bias, the activity regularizer
// handed down; unbuilt.
struct ProjectionSpec {
  std::string equation, bias_axes;
  std::vector<std::optional<std::int64_t>> output_shape;
  const char* name = "";
  std::shared_ptr<Activation> activation = builtin_activation("linear");
};
std::shared_ptr<EinsumDense> attention_projection(const Layer& layer, const KernelBiasOptions& options, bool use_bias,
                                                  const std::shared_ptr<Regularizer>& activity_regularizer,
                                                  ProjectionSpec spec);

// call(query, value[, key]) of the attention layers: key positional or `key=`, else value.
struct AttentionInputs {
  const Tensor& query;
  const Tensor& value;
  const Tensor& key;
};
AttentionInputs attention_inputs(const Layer& layer, const CallArgs& args);

// The one tensor of a keyword argument (`key=`, `attention_mask=`, ...), if given.
const Tensor* single_tensor_kwarg(const Layer& layer, const CallArgs& args, std::string_view name);

// Keras's _compute_attention_mask of MultiHeadAttention and GroupedQueryAttention, as 0/1
// floats: the query's mask (B, T, 1), the value's and key's (B, 1, S) (from the inputs or
// `value_mask=` / `key_mask=`), the causal mask with `use_causal_mask=True`, the sliding
// window band, and `attention_mask=`, ANDed; none when nothing masks.
std::optional<Tensor> keras_attention_mask(const Layer& layer, CallArgs& args, const Tensor& query, const Tensor& value,
                                           std::optional<std::int64_t> sliding_window);

}  // namespace kplug::layers::detail
