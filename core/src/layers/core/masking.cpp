#include "kplug/layers/masking.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/ops.hpp"

namespace kplug::layers {

namespace {

const config::Fields<Masking::Options>& masking_fields() {
  static const config::Fields<Masking::Options> f{config::field("mask_value", &Masking::Options::mask_value)};
  return f;
}

// Keras's any(not_equal(x, mask_value), axis=-1, keepdims).
Tensor step_mask(const Tensor& x, const Number& mask_value, bool keepdims) {
  return ops::any(ops::not_equal(x, mask_value.value), -1, keepdims);
}

}  // namespace

Masking::Masking(Options options, LayerArgs args) : Layer(std::move(args)), options_(options) { mark_built_at_init(); }

std::shared_ptr<Masking> Masking::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Masking");
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  masking_fields().read_into(reader, o);
  reader.finish();
  return std::make_shared<Masking>(o, std::move(args));
}

boost::json::object Masking::get_config() const {
  boost::json::object config = base_config();
  masking_fields().write_into(options_, config);
  return config;
}

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
