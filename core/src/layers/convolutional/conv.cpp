// Keras's BaseConv (Conv1D, Conv2D, Conv3D): config, kernel (k..., in / groups, filters), forward pass.
#include "kplug/ops/conv.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/nn.hpp"
#include "layers/convolutional/conv_common.hpp"

#include <utility>

namespace kplug::layers {
namespace {

std::string groups_error(std::int64_t filters, std::int64_t groups) {
  if (groups <= 0) {
    return "The number of groups must be a positive integer. Received: groups=" + std::to_string(groups) + ".";
  }
  if (filters % groups != 0) {
    return "The number of filters must be evenly divisible by the number of groups. Received: groups=" +
           std::to_string(groups) + ", filters=" + std::to_string(filters) + ".";
  }
  return {};
}

}  // namespace

template <std::size_t Rank>
const config::Fields<ConvOptions<Rank>>& Conv<Rank>::fields() {
  using O = ConvOptions<Rank>;
  using config::field;
  static const config::Fields<O> list = [] {
    // LoRA keys (never written unless set, as Keras; set ones are refused): Dense's, without
    // quantization_config, which BaseConv does not have.
    const auto lora = quantization_fields<O>(keras_class_name).list();
    return config::Fields<O>{field("filters", &O::filters).required().check(detail::positive_check("filters"))} +
           detail::window_fields<Rank>(Rank == 1) +
           detail::layout_fields<Rank>(detail::conv_strides_with_dilation_error<Rank>) +
           config::Fields<O>{detail::then_check<O>(field("groups", &O::groups),
                                                   [](const O& o) { return groups_error(o.filters, o.groups); })} +
           detail::activation_fields<Rank>() +
           detail::weight_fields<O>(
               {{"kernel", &O::kernel_initializer, &O::kernel_regularizer, &O::kernel_constraint}}) +
           config::Fields<O>{lora.at(1), lora.at(2)};
  }();
  return list;
}

template <std::size_t Rank>
Conv<Rank>::Conv(Options options, LayerArgs args) : Conv::FieldsLayer(std::move(options), std::move(args)) {
  const Options& o = this->options_;
  detail::throw_first_error({detail::positive_error(o.filters, "filters"), groups_error(o.filters, o.groups),
                             detail::window_error(o, Rank == 1), detail::conv_strides_with_dilation_error(o)});
  this->normalise(this->options_, {&this->options_.kernel_initializer});
}

template <std::size_t Rank>
void Conv<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const Options& o = this->options_;
  const PartialShape& in = this->single_shape(input_shapes);
  const std::int64_t channels = this->input_channels(in, o);
  if (channels % o.groups != 0) {
    this->fail("The number of input channels must be evenly divisible by the number of groups. Received groups=" +
               std::to_string(o.groups) + ", but the input has " + std::to_string(channels) +
               " channels (full input shape is " + in.to_string() + ").");
  }
  compute_output_shape(input_shapes);  // as Keras: a too-small input fails at build
  this->kernel_ = this->add_kernel("kernel", o.kernel_size, channels / o.groups, o.filters, o.kernel_initializer,
                                   o.kernel_regularizer, o.kernel_constraint);
  this->add_bias(o, o.filters);
}

template <std::size_t Rank>
std::vector<PartialShape> Conv<Rank>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {this->forward_output_shape(this->single_shape(input_shapes), this->options_, this->options_.filters)};
}

template <std::size_t Rank>
std::optional<PreparedConvSpec> Conv<Rank>::prepared_spec() const {
  ops::ConvNdOptions conv = detail::nd_options(this->options_);
  conv.groups = this->options_.groups;
  return this->make_spec(this->options_, std::move(conv), false);
}

template <std::size_t Rank>
std::vector<Tensor> Conv<Rank>::call(CallArgs& args) {
  const Options& o = this->options_;
  return this->run_prepared(args, o, this->kernel_->value().shape()[Rank] * o.groups);
}

template class Conv<1>;
template class Conv<2>;
template class Conv<3>;

}  // namespace kplug::layers
