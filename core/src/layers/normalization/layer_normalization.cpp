#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/normalization.hpp"

#include <algorithm>

namespace kplug::layers {

const config::Fields<LayerNormalization::Options>& LayerNormalization::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          // Keras writes `axis` back in the form it was given: an int, or a list after build;
          // null keeps the default.
          axis_field("axis", &Options::axis, &Options::axis_is_list).null_is_default(),
          field("epsilon", &Options::epsilon),
          field("center", &Options::center),
          field("scale", &Options::scale),
          field("rms_scaling", &Options::rms_scaling),
      } +
      beta_gamma_fields<Options>();
  return list;
}

void LayerNormalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const auto rank = static_cast<std::int64_t>(in.rank());
  std::vector<std::int64_t> axes;
  for (std::int64_t a : options_.axis) {
    const std::int64_t c = a < 0 ? a + rank : a;
    if (c < 0 || c >= rank) fail("axis " + std::to_string(a) + " is out of range for input shape " + in.to_string());
    axes.push_back(c);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail("Duplicate axes are not allowed.");
  // Keras keeps the canonical, sorted list after build (and writes it back so).
  options_.axis = axes;
  options_.axis_is_list = true;
  Shape shape;
  for (std::int64_t a : axes) {
    const Dim& d = in[static_cast<std::size_t>(a)];
    if (!d) fail("needs known dimensions on its axes, got input shape " + in.to_string());
    shape.push_back(*d);
  }
  add_gamma_beta(shape, options_.scale || options_.rms_scaling, options_.center && !options_.rms_scaling);
}

std::vector<PartialShape> LayerNormalization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> LayerNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  Shape broadcast(static_cast<std::size_t>(x.rank()), 1);
  for (std::int64_t a : options_.axis) {
    if (a >= x.rank()) fail("got an input of rank " + std::to_string(x.rank()) + " for axis " + std::to_string(a));
    broadcast[static_cast<std::size_t>(a)] = x.shape()[static_cast<std::size_t>(a)];
  }
  auto reduce_mean = [&](Tensor t) {
    for (std::int64_t a : options_.axis) t = t.mean(a, true);
    return t;
  };
  const auto eps = static_cast<float>(options_.epsilon);
  const Tensor mean = reduce_mean(x);
  if (options_.rms_scaling) {
    // Keras (deprecated option): scales by the variance, not the RMS.
    const Tensor variance = reduce_mean((x - mean).square());
    Tensor out = x * (1.0f / (variance + eps).sqrt());
    if (gamma_) out = out * gamma_->value().reshape(broadcast);
    return {out};
  }
  // Keras's numpy moments: E[x^2] - E[x]^2.
  const Tensor variance = reduce_mean(x.square()) - mean.square();
  Tensor inv = 1.0f / (variance + eps).sqrt();
  if (gamma_) inv = inv * gamma_->value().reshape(broadcast);
  Tensor res = -mean * inv;
  if (beta_) res = res + beta_->value().reshape(broadcast);
  return {x * inv + res};
}

}  // namespace kplug::layers
