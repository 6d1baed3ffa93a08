// Keras's BaseGlobalPooling and its max layers: GlobalMaxPooling1D/2D/3D.
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/reduce.hpp"
#include "layers/fields_layer.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {

const config::Fields<GlobalPoolingOptions>& BaseGlobalPooling::fields() {
  using O = GlobalPoolingOptions;
  static const config::Fields<O> f{
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("keepdims", &O::keepdims)};
  return f;
}

BaseGlobalPooling::BaseGlobalPooling(Mode mode, std::size_t pool_dimensions, Options options, LayerArgs args)
    : Layer(std::move(args)), mode_(mode), pool_dimensions_(pool_dimensions), options_(std::move(options)) {
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
  mark_built_at_init();
}

boost::json::object BaseGlobalPooling::get_config() const {
  return detail::write_fields_layer(*this, options_, fields());
}

std::vector<PartialShape> BaseGlobalPooling::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != pool_dimensions_ + 2)
    fail("expects inputs of rank " + std::to_string(pool_dimensions_ + 2) + ", got shape " + in.to_string());
  const bool channels_last = options_.data_format == "channels_last";
  const Dim channels = channels_last ? in[in.rank() - 1] : in[1];
  std::vector<Dim> out{in[0]};
  if (!channels_last) out.push_back(channels);
  if (options_.keepdims) out.insert(out.end(), pool_dimensions_, Dim(1));
  if (channels_last) out.push_back(channels);
  return {PartialShape(std::move(out))};
}

const Tensor& BaseGlobalPooling::checked_input(const CallArgs& args) const {
  const Tensor& x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(pool_dimensions_ + 2))
    fail("expects inputs of rank " + std::to_string(pool_dimensions_ + 2) + ", got shape " + shape_repr(x.shape()));
  return x;
}

std::vector<std::int64_t> BaseGlobalPooling::spatial_axes() const {
  const std::int64_t first = options_.data_format == "channels_last" ? 1 : 2;
  std::vector<std::int64_t> axes;
  for (std::size_t i = 0; i < pool_dimensions_; ++i) axes.push_back(first + static_cast<std::int64_t>(i));
  return axes;
}

std::vector<Tensor> BaseGlobalPooling::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = checked_input(args);
  return {mode_ == Mode::max ? ops::max(x, spatial_axes(), options_.keepdims)
                             : ops::mean(x, spatial_axes(), options_.keepdims)};
}

GlobalMaxPooling1D::GlobalMaxPooling1D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::max, 1, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalMaxPooling1D> GlobalMaxPooling1D::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  return detail::read_fields_layer<GlobalMaxPooling1D>(config, context, "GlobalMaxPooling1D");
}

GlobalMaxPooling2D::GlobalMaxPooling2D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::max, 2, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalMaxPooling2D> GlobalMaxPooling2D::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  return detail::read_fields_layer<GlobalMaxPooling2D>(config, context, "GlobalMaxPooling2D");
}

GlobalMaxPooling3D::GlobalMaxPooling3D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::max, 3, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalMaxPooling3D> GlobalMaxPooling3D::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  return detail::read_fields_layer<GlobalMaxPooling3D>(config, context, "GlobalMaxPooling3D");
}

}  // namespace kplug::layers
