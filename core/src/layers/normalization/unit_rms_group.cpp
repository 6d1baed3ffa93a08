// UnitNormalization, RMSNormalization, GroupNormalization (keras/src/layers/normalization/).
#include "kplug/errors.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/normalization.hpp"

#include <algorithm>

namespace kplug::layers {

namespace {

// Every axis within the rank (negative counts from the end), else Keras's message.
void check_axes(const Layer& layer, const std::vector<std::int64_t>& axes, const PartialShape& in) {
  const auto rank = static_cast<std::int64_t>(in.rank());
  for (std::int64_t a : axes) {
    if (a >= rank || a < -rank) {
      throw ValueError("Layer '" + layer.name() + "': Axis " + std::to_string(a) +
                       " is out of bounds for input shape " + in.to_string());
    }
  }
}

std::string check_groups(std::int64_t groups) {
  if (groups > 0 || groups == -1) return {};
  return "Received an invalid value for `groups`, expected a positive integer or -1. Received: groups=" +
         std::to_string(groups);
}

}  // namespace

// ---- UnitNormalization ----

const config::Fields<UnitNormalization::Options>& UnitNormalization::fields() {
  static const config::Fields<Options> list{axis_field("axis", &Options::axis, &Options::axis_is_list)};
  return list;
}

UnitNormalization::UnitNormalization(Options options, LayerArgs args)
    : FieldsLayer(std::move(options), std::move(args)) {
  mark_built_at_init();
}

std::vector<PartialShape> UnitNormalization::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  check_axes(*this, options_.axis, single_shape(input_shapes));
  return {single_shape(input_shapes)};
}

std::vector<Tensor> UnitNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  check_axes(*this, options_.axis, PartialShape::known(args.inputs[0].shape()));
  return {ops::normalize(args.inputs[0], ops::Axes(options_.axis), 1e-12f)};
}

// ---- RMSNormalization ----

const config::Fields<RMSNormalization::Options>& RMSNormalization::fields() {
  static const config::Fields<Options> list{axis_field("axis", &Options::axis, &Options::axis_is_list),
                                            config::field("epsilon", &Options::epsilon).check(config::finite())};
  return list;
}

void RMSNormalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  check_axes(*this, options_.axis, in);
  // Keras sorts the list as given (negative axes stay negative) and keeps it as a list.
  if (options_.axis_is_list) std::sort(options_.axis.begin(), options_.axis.end());
  options_.axis_is_list = true;
  Shape shape;
  const auto rank = static_cast<std::int64_t>(in.rank());
  for (std::int64_t a : options_.axis) {
    const Dim& d = in[static_cast<std::size_t>(a < 0 ? a + rank : a)];
    if (!d) fail("needs known dimensions on its axes, got input shape " + in.to_string());
    shape.push_back(*d);
  }
  scale_ = add_weight({"scale", shape, std::make_shared<initializers::Ones>(), nullptr, nullptr, true});
}

std::vector<PartialShape> RMSNormalization::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  check_axes(*this, options_.axis, single_shape(input_shapes));
  return {single_shape(input_shapes)};
}

std::vector<Tensor> RMSNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor scale = scale_->value();
  return {ops::rms_normalization(args.inputs[0], ops::Axes(options_.axis), static_cast<float>(options_.epsilon.value),
                                 &scale)};
}

// ---- GroupNormalization ----

const config::Fields<GroupNormalization::Options>& GroupNormalization::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("groups", &Options::groups).check(check_groups),
          field("axis", &Options::axis),
          field("epsilon", &Options::epsilon).check(config::finite()),
          field("center", &Options::center),
          field("scale", &Options::scale),
      } +
      beta_gamma_fields<Options>();
  return list;
}

GroupNormalization::GroupNormalization(Options options, LayerArgs args)
    : BetaGammaLayer(std::move(options), std::move(args)) {
  if (std::string message = check_groups(options_.groups); !message.empty()) throw ValueError(message);
}

void GroupNormalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  check_axes(*this, {options_.axis}, in);
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t a = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (a == 0) fail("axis cannot be the batch axis");
  const Dim& d = in[static_cast<std::size_t>(a)];
  if (!d) {
    fail("Axis " + std::to_string(options_.axis) +
         " of input tensor should have a defined dimension but the layer "
         "received an input with shape " +
         in.to_string() + ".");
  }
  if (options_.groups == -1) options_.groups = *d;
  if (*d < options_.groups) {
    fail("Number of groups (" + std::to_string(options_.groups) + ") cannot be more than the number of channels (" +
         std::to_string(*d) + ").");
  }
  if (*d % options_.groups != 0) {
    fail("Number of groups (" + std::to_string(options_.groups) + ") must be a multiple of the number of channels (" +
         std::to_string(*d) + ").");
  }
  add_gamma_beta({*d}, options_.scale, options_.center);
}

std::vector<PartialShape> GroupNormalization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  check_axes(*this, {options_.axis}, single_shape(input_shapes));
  return {single_shape(input_shapes)};
}

std::vector<Tensor> GroupNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const std::int64_t a = x.normalize_axis(options_.axis);
  const std::int64_t channels = x.shape()[static_cast<std::size_t>(a)];
  const std::int64_t groups = options_.groups;
  if (channels % groups != 0)
    fail("got " + std::to_string(channels) + " channels for " + std::to_string(groups) + " groups");
  // (..., channels, ...) -> (..., groups, channels / groups, ...); moments over every axis
  // but the batch and the group axis.
  Shape grouped = x.shape();
  grouped[static_cast<std::size_t>(a)] = channels / groups;
  grouped.insert(grouped.begin() + a, groups);
  std::vector<std::int64_t> axes;
  for (std::int64_t i = 1; i < static_cast<std::int64_t>(grouped.size()); ++i) {
    if (i != a) axes.push_back(i);
  }
  Shape param(grouped.size(), 1);
  param[static_cast<std::size_t>(a)] = groups;
  param[static_cast<std::size_t>(a + 1)] = channels / groups;
  const Tensor xg = x.reshape(grouped);
  const ops::Moments m = ops::moments_from_squares(xg, ops::Axes(axes));
  Tensor inv = ops::rsqrt(ops::add(m.variance, static_cast<float>(options_.epsilon.value)));
  if (gamma_) inv = inv * gamma_->value().reshape(param);
  Tensor res = -m.mean * inv;
  if (beta_) res = res + beta_->value().reshape(param);
  return {(xg * inv + res).reshape(x.shape())};
}

}  // namespace kplug::layers
