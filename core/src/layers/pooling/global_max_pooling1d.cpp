// GlobalMaxPooling1D: the max over the steps axis (Keras's BaseGlobalPooling, pool_dimensions=1).
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/reduce.hpp"
#include "layers/fields_layer.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {
namespace {

const config::Fields<GlobalPoolingOptions>& global_pooling_fields() {
  using O = GlobalPoolingOptions;
  static const config::Fields<O> f{
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("keepdims", &O::keepdims)};
  return f;
}

}  // namespace

GlobalMaxPooling1D::GlobalMaxPooling1D(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
  mark_built_at_init();
}

boost::json::object GlobalMaxPooling1D::get_config() const {
  return detail::write_fields_layer(*this, options_, global_pooling_fields());
}

std::shared_ptr<GlobalMaxPooling1D> GlobalMaxPooling1D::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  return detail::read_fields_layer<GlobalMaxPooling1D>(config, context, "GlobalMaxPooling1D", global_pooling_fields());
}

std::vector<PartialShape> GlobalMaxPooling1D::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 3) fail("expects inputs of rank 3, got shape " + in.to_string());
  const bool channels_last = options_.data_format == "channels_last";
  const Dim features = channels_last ? in[2] : in[1];
  if (!options_.keepdims) return {PartialShape({in[0], features})};
  return {channels_last ? PartialShape({in[0], 1, features}) : PartialShape({in[0], features, 1})};
}

std::vector<Tensor> GlobalMaxPooling1D::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != 3) fail("expects inputs of rank 3, got shape " + shape_repr(x.shape()));
  const std::int64_t steps_axis = options_.data_format == "channels_last" ? 1 : 2;
  return {ops::max(x, steps_axis, options_.keepdims)};
}

}  // namespace kplug::layers
