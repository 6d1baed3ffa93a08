#include "layers/attention/attention_masks.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/attention.hpp"

#include <string>

namespace kplug::layers::detail {

boost::json::object shapes_dict_build_config(const std::vector<PartialShape>& shapes) {
  boost::json::object dict;
  static const char* const names[] = {"query_shape", "value_shape", "key_shape"};
  for (std::size_t i = 0; i < shapes.size() && i < 3; ++i) dict[names[i]] = shapes[i].to_json();
  boost::json::object config;
  config["shapes_dict"] = std::move(dict);
  return config;
}

std::shared_ptr<EinsumDense> attention_projection(const Layer& layer, const KernelBiasOptions& options, bool use_bias,
                                                  const std::shared_ptr<Regularizer>& activity_regularizer,
                                                  ProjectionSpec spec) {
  EinsumDense::Options o;
  static_cast<KernelBiasOptions&>(o) = options;
  o.equation = std::move(spec.equation);
  o.output_shape = std::move(spec.output_shape);
  o.activation = std::move(spec.activation);
  if (use_bias) o.bias_axes = std::move(spec.bias_axes);
  return std::make_shared<EinsumDense>(std::move(o), LayerArgs{spec.name, layer.trainable(), activity_regularizer});
}

AttentionInputs attention_inputs(const Layer& layer, const CallArgs& args) {
  if (args.inputs.size() < 2 || args.inputs.size() > 3) {
    throw ValueError("Layer '" + layer.name() + "' expects query, value and optionally key, got " +
                     std::to_string(args.inputs.size()) + " input tensor(s)");
  }
  const Tensor* key_kwarg = single_tensor_kwarg(layer, args, "key");
  if (key_kwarg && args.inputs.size() > 2) {
    throw ValueError("Layer '" + layer.name() + "' got `key` both positionally and as a keyword argument");
  }
  const Tensor& value = args.inputs[1];
  return {args.inputs[0], value, key_kwarg ? *key_kwarg : args.inputs.size() > 2 ? args.inputs[2] : value};
}

const Tensor* single_tensor_kwarg(const Layer& layer, const CallArgs& args, std::string_view name) {
  const std::vector<Tensor>* t = args.tensor_kwarg(name);
  if (!t) return nullptr;
  if (t->size() != 1) {
    throw ValueError("Layer '" + layer.name() + "' expects one tensor for `" + std::string(name) + "`");
  }
  return &t->front();
}

std::optional<Tensor> keras_attention_mask(const Layer& layer, CallArgs& args, const Tensor& query, const Tensor& value,
                                           std::optional<std::int64_t> sliding_window) {
  const Tensor* key_kwarg = single_tensor_kwarg(layer, args, "key");
  const bool has_key = key_kwarg || args.inputs.size() > 2;
  const bool use_causal_mask = args.bool_kwarg("use_causal_mask", false);
  const Tensor* attention_mask = single_tensor_kwarg(layer, args, "attention_mask");
  const Tensor* value_mask = single_tensor_kwarg(layer, args, "value_mask");
  const Tensor* key_mask = single_tensor_kwarg(layer, args, "key_mask");
  single_tensor_kwarg(layer, args, "query_mask");  // Keras reads the query's own mask instead
  if (!value_mask) value_mask = args.mask(1);
  if (!key_mask && has_key && !key_kwarg) key_mask = args.mask(2);
  const Tensor* query_mask = args.mask(0);

  std::optional<Tensor> mask;
  if (query_mask) mask = mask_as_float(*query_mask).expand_dims(-1);
  if (value_mask) mask = mask_and(mask, mask_as_float(*value_mask).expand_dims(-2));
  if (key_mask) mask = mask_and(mask, mask_as_float(*key_mask).expand_dims(-2));
  if (use_causal_mask) mask = mask_and(mask, ops::causal_mask(query.dim(1), value.dim(1)));
  if (sliding_window) mask = mask_and(mask, ops::sliding_window_mask(query.dim(1), value.dim(1), *sliding_window));
  if (attention_mask) mask = mask_and(mask, mask_as_float(*attention_mask));
  return mask;
}

}  // namespace kplug::layers::detail
