// Keras's BaseSeparableConv (SeparableConv1D, SeparableConv2D): config, depthwise kernel
// (k..., in_channels, depth_multiplier), pointwise kernel (1..., in * depth_multiplier,
// filters), forward pass through ops::separable_conv; as a plan step, a depthwise then a
// pointwise ops::PreparedConv made at planning (the bias and activation fused into the second).
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "layers/convolutional/conv_common.hpp"
#include "layers/planning/separable_conv_step.hpp"

#include <utility>

namespace kplug::layers {

template <std::size_t Rank>
const config::Fields<SeparableConvOptions<Rank>>& SeparableConv<Rank>::fields() {
  using O = SeparableConvOptions<Rank>;
  using config::field;
  static const config::Fields<O> list =
      config::Fields<O>{
          field("depth_multiplier", &O::depth_multiplier).check(detail::positive_check("depth_multiplier")),
          field("filters", &O::filters).required().check(detail::positive_check("filters"))} +
      detail::window_fields<Rank>(false) + detail::layout_fields<Rank>() + detail::activation_fields<Rank>() +
      detail::weight_fields<O>(
          {{"depthwise", &O::depthwise_initializer, &O::depthwise_regularizer, &O::depthwise_constraint},
           {"pointwise", &O::pointwise_initializer, &O::pointwise_regularizer, &O::pointwise_constraint}});
  return list;
}

template <std::size_t Rank>
SeparableConv<Rank>::SeparableConv(Options options, LayerArgs args)
    : SeparableConv::FieldsLayer(std::move(options), std::move(args)) {
  Options& o = this->options_;
  detail::throw_first_error({detail::positive_error(o.depth_multiplier, "depth_multiplier"),
                             detail::positive_error(o.filters, "filters"), detail::window_error(o, false)});
  this->normalise(o, {&o.depthwise_initializer, &o.pointwise_initializer});
}

template <std::size_t Rank>
void SeparableConv<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const Options& o = this->options_;
  const std::int64_t channels = this->input_channels(this->single_shape(input_shapes), o);
  compute_output_shape(input_shapes);  // as Keras: a too-small input fails at build
  this->kernel_ = this->add_kernel("depthwise_kernel", o.kernel_size, channels, o.depth_multiplier,
                                   o.depthwise_initializer, o.depthwise_regularizer, o.depthwise_constraint);
  pointwise_kernel_ =
      this->add_kernel("pointwise_kernel", config::IntTuple<Rank>(1), o.depth_multiplier * channels, o.filters,
                       o.pointwise_initializer, o.pointwise_regularizer, o.pointwise_constraint);
  this->add_bias(o, o.filters);
}

template <std::size_t Rank>
std::vector<PartialShape> SeparableConv<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return {this->forward_output_shape(this->single_shape(input_shapes), this->options_, this->options_.filters)};
}

template <std::size_t Rank>
std::vector<Tensor> SeparableConv<Rank>::call(CallArgs& args) {
  const Options& o = this->options_;
  const Tensor& kernel = this->kernel_->value();
  const Tensor x = this->channels_last_input(args, o, kernel.shape()[Rank]);
  return this->finish(ops::separable_conv(x, kernel, pointwise_kernel_->value(), detail::nd_options(o)), o);
}

template <std::size_t Rank>
std::unique_ptr<InferenceStep> SeparableConv<Rank>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  const Options& o = this->options_;
  if (o.data_format == "channels_first" || !this->built()) return nullptr;
  ops::PreparedConvOptions depthwise;
  depthwise.conv = detail::nd_options(o);
  depthwise.depthwise = true;
  ops::PreparedConvOptions pointwise;  // 1x1, stride 1, valid
  std::shared_ptr<Activation> after = o.activation;
  if (auto fused = detail::fusable_post_ops(*o.activation)) {
    pointwise.post_ops = std::move(*fused);
    after = nullptr;
  }
  const Tensor bias = this->bias_ ? this->bias_->value() : Tensor();
  // Made per plan (a plan is made per input shape and again when a weight is assigned): the
  // layer keeps one PreparedConv, and a separable convolution is two.
  return planning::make_separable_conv_step(
      std::make_shared<const ops::PreparedConv>(this->kernel_->value(), nullptr, std::move(depthwise)),
      std::make_shared<const ops::PreparedConv>(pointwise_kernel_->value(), this->bias_ ? &bias : nullptr,
                                                std::move(pointwise)),
      inputs, std::move(after));
}

template class SeparableConv<1>;
template class SeparableConv<2>;

}  // namespace kplug::layers
