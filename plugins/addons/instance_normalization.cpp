#include "addons_layers.hpp"

namespace kplug_addons {

namespace {
template <class T>
std::shared_ptr<T> or_default(std::shared_ptr<T> given, std::shared_ptr<T> fallback) {
  return given ? std::move(given) : std::move(fallback);
}
}  // namespace

InstanceNormalization::InstanceNormalization(Options options, kplug::LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (options_.axis == 0) {
    throw kplug::ValueError(
        "You are trying to normalize your batch axis. Do you want to use tf.layer.batch_normalization instead");
  }
  options_.groups = -1;  // InstanceNormalization.__init__: kwargs["groups"] = -1
  options_.beta_initializer = or_default(
      options_.beta_initializer, std::shared_ptr<kplug::Initializer>(std::make_shared<kplug::initializers::Zeros>()));
  options_.gamma_initializer = or_default(
      options_.gamma_initializer, std::shared_ptr<kplug::Initializer>(std::make_shared<kplug::initializers::Ones>()));
}

// GroupNormalization.get_config's keys, in its order.
const kplug::config::Fields<InstanceNormalization::Options>& InstanceNormalization::fields() {
  using kplug::config::field;
  using O = Options;
  static const kplug::config::Fields<O> f{field("groups", &O::groups),
                                          field("axis", &O::axis),
                                          field("epsilon", &O::epsilon).check(kplug::config::finite_non_negative()),
                                          field("center", &O::center),
                                          field("scale", &O::scale),
                                          field("beta_initializer", &O::beta_initializer).null_is_default(),
                                          field("gamma_initializer", &O::gamma_initializer).null_is_default(),
                                          field("beta_regularizer", &O::beta_regularizer),
                                          field("gamma_regularizer", &O::gamma_regularizer),
                                          field("beta_constraint", &O::beta_constraint),
                                          field("gamma_constraint", &O::gamma_constraint)};
  return f;
}

boost::json::object InstanceNormalization::get_config() const {
  boost::json::object config = base_config();
  fields().write_into(options_, config);
  return config;
}

std::shared_ptr<InstanceNormalization> InstanceNormalization::from_config(const boost::json::object& config,
                                                                          kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "InstanceNormalization");
  kplug::LayerArgs args = kplug::LayerArgs::read(reader);
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<InstanceNormalization>(std::move(options), std::move(args));
}

void InstanceNormalization::build(const std::vector<kplug::PartialShape>& input_shapes) {
  const kplug::PartialShape& in = single_shape(input_shapes);
  const std::int64_t rank = in.rank();
  const std::int64_t axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis <= 0 || axis >= rank) {
    fail("axis " + std::to_string(options_.axis) + " is out of range for an input of shape " + in.to_string() +
         (axis == 0 ? " (the batch axis cannot be normalized)" : ""));
  }
  const auto dim = in[axis];
  if (!dim) {
    throw kplug::ValueError("Axis " + std::to_string(options_.axis) +
                            " of input tensor should have a defined dimension but the layer received an input with "
                            "shape " +
                            in.to_string() + ".");
  }
  channel_axis_ = axis;
  options_.groups = *dim;  // _set_number_of_groups_for_instance_norm
  if (options_.scale) {
    gamma_ = add_weight(
        {"gamma", {*dim}, options_.gamma_initializer, options_.gamma_regularizer, options_.gamma_constraint, true});
  }
  if (options_.center) {
    beta_ = add_weight(
        {"beta", {*dim}, options_.beta_initializer, options_.beta_regularizer, options_.beta_constraint, true});
  }
}

std::vector<kplug::PartialShape> InstanceNormalization::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<kplug::Tensor> InstanceNormalization::call(kplug::CallArgs& args) {
  expect_inputs(args, 1);
  const kplug::Tensor& x = args.inputs[0];
  const std::int64_t rank = x.rank();
  if (channel_axis_ >= rank) fail("was built for inputs of rank > " + std::to_string(channel_axis_));
  // Per sample and channel: every axis but the batch and the channel one.
  std::vector<std::int64_t> reduce_axes;
  kplug::Shape param_shape(static_cast<std::size_t>(rank), 1);
  for (std::int64_t a = 1; a < rank; ++a) {
    if (a != channel_axis_) reduce_axes.push_back(a);
  }
  param_shape[static_cast<std::size_t>(channel_axis_)] = x.shape()[static_cast<std::size_t>(channel_axis_)];
  const float epsilon = kplug::to_float32(options_.epsilon.value);
  kplug::Tensor normalized;
  if (reduce_axes.empty()) {
    // tf.nn.moments over no axis: mean = x, variance = 0.
    normalized = kplug::Tensor(x.shape(), 0.0f);
  } else {
    const kplug::ops::Moments m = kplug::ops::moments(x, reduce_axes, true);
    normalized =
        kplug::ops::multiply(kplug::ops::subtract(x, m.mean), kplug::ops::rsqrt(kplug::ops::add(m.variance, epsilon)));
  }
  if (gamma_) normalized = kplug::ops::multiply(normalized, gamma_->value().reshape(param_shape));
  if (beta_) normalized = kplug::ops::add(normalized, beta_->value().reshape(param_shape));
  return {std::move(normalized)};
}

}  // namespace kplug_addons
