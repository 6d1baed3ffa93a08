// GlobalAveragePooling1D/2D/3D; the 1-D layer takes a (batch, steps) mask (a masked mean).
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/pooling.hpp"
#include "layers/fields_layer.hpp"

namespace kplug::layers {

GlobalAveragePooling1D::GlobalAveragePooling1D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::average, 1, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalAveragePooling1D> GlobalAveragePooling1D::from_config(const boost::json::object& config,
                                                                            DeserializationContext& context) {
  return detail::read_fields_layer<GlobalAveragePooling1D>(config, context, "GlobalAveragePooling1D");
}

std::vector<Tensor> GlobalAveragePooling1D::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor* mask = args.mask(0);
  if (!mask) return BaseGlobalPooling::call(args);
  const Tensor& x = checked_input(args);
  const bool channels_last = options().data_format == "channels_last";
  const std::int64_t steps_axis = channels_last ? 1 : 2;
  if (mask->rank() != 2 || mask->dim(0) != x.dim(0) || mask->dim(1) != x.dim(steps_axis)) {
    fail("expects a mask of shape (batch, steps) = (" + std::to_string(x.dim(0)) + ", " +
         std::to_string(x.dim(steps_axis)) + ") for inputs of shape " + shape_repr(x.shape()) +
         ", got a mask of shape " + shape_repr(mask->shape()));
  }
  // Keras expands the mask on the features axis: (batch, steps, 1) or (batch, 1, steps).
  return {ops::masked_mean(x, mask->expand_dims(channels_last ? 2 : 1), steps_axis, options().keepdims)};
}

std::vector<std::optional<Tensor>> GlobalAveragePooling1D::compute_mask(const CallArgs& /*args*/,
                                                                        const std::vector<Tensor>& outputs) const {
  return std::vector<std::optional<Tensor>>(outputs.size());  // Keras: compute_mask returns None
}

GlobalAveragePooling2D::GlobalAveragePooling2D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::average, 2, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalAveragePooling2D> GlobalAveragePooling2D::from_config(const boost::json::object& config,
                                                                            DeserializationContext& context) {
  return detail::read_fields_layer<GlobalAveragePooling2D>(config, context, "GlobalAveragePooling2D");
}

GlobalAveragePooling3D::GlobalAveragePooling3D(Options options, LayerArgs args)
    : BaseGlobalPooling(Mode::average, 3, std::move(options), std::move(args)) {}

std::shared_ptr<GlobalAveragePooling3D> GlobalAveragePooling3D::from_config(const boost::json::object& config,
                                                                            DeserializationContext& context) {
  return detail::read_fields_layer<GlobalAveragePooling3D>(config, context, "GlobalAveragePooling3D");
}

}  // namespace kplug::layers
