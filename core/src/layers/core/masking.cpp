#include "kplug/layers/core.hpp"
#include "kplug/ops.hpp"

namespace kplug::layers {

namespace {

// Keras's any(not_equal(x, mask_value), axis=-1, keepdims).
Tensor step_mask(const Tensor& x, const Number& mask_value, bool keepdims) {
  return ops::any(ops::not_equal(x, mask_value.value), -1, keepdims);
}

}  // namespace

const config::Fields<Masking::Options>& Masking::fields() {
  static const config::Fields<Options> list{config::field("mask_value", &Options::mask_value)};
  return list;
}

Masking::Masking(Options options, LayerArgs args) : FieldsLayer(options, std::move(args)) { mark_built_at_init(); }

std::vector<PartialShape> Masking::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Masking::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() < 1) fail("expects inputs of rank >= 1, got a scalar");
  // Masked steps are zeroed.
  return {ops::where(step_mask(x, options_.mask_value, true), x, Tensor(x.shape()))};
}

std::vector<std::optional<Tensor>> Masking::compute_mask(const CallArgs& args,
                                                         const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (!outputs.empty()) masks[0] = step_mask(args.input(0), options_.mask_value, false);
  return masks;
}

}  // namespace kplug::layers
