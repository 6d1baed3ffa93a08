// Keras's BaseDepthwiseConv (DepthwiseConv1D, DepthwiseConv2D): config, kernel
// (k..., in_channels, depth_multiplier), forward pass through ops::depthwise_conv.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "layers/convolutional/conv_common.hpp"

#include <utility>

namespace kplug::layers {

template <std::size_t Rank>
const config::Fields<DepthwiseConvOptions<Rank>>& DepthwiseConv<Rank>::fields() {
  using O = DepthwiseConvOptions<Rank>;
  static const config::Fields<O> list =
      config::Fields<O>{
          config::field("depth_multiplier", &O::depth_multiplier).check(detail::positive_check("depth_multiplier"))} +
      detail::window_fields<Rank>(false) + detail::layout_fields<Rank>() + detail::activation_fields<Rank>() +
      detail::weight_fields<O>(
          {{"depthwise", &O::depthwise_initializer, &O::depthwise_regularizer, &O::depthwise_constraint}});
  return list;
}

template <std::size_t Rank>
DepthwiseConv<Rank>::DepthwiseConv(Options options, LayerArgs args)
    : DepthwiseConv::FieldsLayer(std::move(options), std::move(args)) {
  Options& o = this->options_;
  detail::throw_first_error(
      {detail::positive_error(o.depth_multiplier, "depth_multiplier"), detail::window_error(o, false)});
  this->normalise(o, {&o.depthwise_initializer});
}

template <std::size_t Rank>
void DepthwiseConv<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const Options& o = this->options_;
  const std::int64_t channels = this->input_channels(this->single_shape(input_shapes), o);
  compute_output_shape(input_shapes);  // as Keras: a too-small input fails at build
  this->kernel_ = this->add_kernel("kernel", o.kernel_size, channels, o.depth_multiplier, o.depthwise_initializer,
                                   o.depthwise_regularizer, o.depthwise_constraint);
  this->add_bias(o, o.depth_multiplier * channels);
}

template <std::size_t Rank>
std::vector<PartialShape> DepthwiseConv<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = this->single_shape(input_shapes);
  if (in.rank() != Rank + 2) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + in.to_string());
  }
  const Dim& channels = in[this->options_.data_format == "channels_first" ? 1 : Rank + 1];
  if (!channels) this->fail("needs a known channel dimension, got input shape " + in.to_string());
  return {this->forward_output_shape(in, this->options_, this->options_.depth_multiplier * *channels)};
}

template <std::size_t Rank>
std::optional<PreparedConvSpec> DepthwiseConv<Rank>::prepared_spec() const {
  return this->make_spec(this->options_, detail::nd_options(this->options_), true);
}

template <std::size_t Rank>
std::vector<Tensor> DepthwiseConv<Rank>::call(CallArgs& args) {
  return this->run_prepared(args, this->options_, this->kernel_->value().shape()[Rank]);
}

template class DepthwiseConv<1>;
template class DepthwiseConv<2>;

}  // namespace kplug::layers
