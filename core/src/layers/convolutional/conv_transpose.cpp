// Keras's BaseConvTranspose (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose): config,
// kernel (k..., filters, in_channels), forward pass through ops::PreparedConv::transposed
// (oneDNN's deconvolution and the bias), then the activation.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "layers/convolutional/conv_common.hpp"
#include "layers/planning/conv_step.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace kplug::layers {
namespace {

template <std::size_t Rank>
std::string output_padding_error(const ConvTransposeOptions<Rank>& o) {
  if (!o.output_padding) return {};
  const config::IntTuple<Rank>& op = *o.output_padding;
  if (std::string e = detail::tuple_error(op, "output_padding", true); !e.empty()) return e;
  for (std::size_t i = 0; i < Rank; ++i) {
    if (op[i] >= o.strides[i]) {
      return "`output_padding` must be strictly less than `strides` for all dimensions. At dimension " +
             std::to_string(i) + ", `output_padding` is " + std::to_string(op[i]) + " but `strides` is " +
             std::to_string(o.strides[i]) + ". Received: output_padding=" + detail::tuple_repr(op) +
             ", strides=" + detail::tuple_repr(o.strides);
    }
  }
  return {};
}

template <std::size_t Rank>
ops::ConvTransposeNdOptions ops_options(const ConvTransposeOptions<Rank>& o) {
  ops::ConvTransposeNdOptions t;
  t.strides = detail::to_vector(o.strides);
  t.dilation = detail::to_vector(o.dilation_rate);
  t.padding = detail::to_padding(o.padding);
  if (o.output_padding) t.output_padding = detail::to_vector(*o.output_padding);
  return t;
}

}  // namespace

template <std::size_t Rank>
const config::Fields<ConvTransposeOptions<Rank>>& ConvTranspose<Rank>::fields() {
  using O = ConvTransposeOptions<Rank>;
  using config::field;
  static const config::Fields<O> list =
      config::Fields<O>{field("filters", &O::filters).required().check(detail::positive_check("filters"))} +
      detail::window_fields<Rank>(false) +
      config::Fields<O>{
          detail::then_check<O>(field("output_padding", &O::output_padding), output_padding_error<Rank>)} +
      detail::layout_fields<Rank>(detail::conv_strides_with_dilation_error<Rank>) + detail::activation_fields<Rank>() +
      detail::weight_fields<O>({{"kernel", &O::kernel_initializer, &O::kernel_regularizer, &O::kernel_constraint}});
  return list;
}

template <std::size_t Rank>
ConvTranspose<Rank>::ConvTranspose(Options options, LayerArgs args)
    : ConvTranspose::FieldsLayer(std::move(options), std::move(args)) {
  const Options& o = this->options_;
  detail::throw_first_error({detail::positive_error(o.filters, "filters"), detail::window_error(o, false),
                             output_padding_error(o), detail::conv_strides_with_dilation_error(o)});
  this->normalise(this->options_, {&this->options_.kernel_initializer});
}

template <std::size_t Rank>
void ConvTranspose<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const Options& o = this->options_;
  const std::int64_t channels = this->input_channels(this->single_shape(input_shapes), o);
  this->kernel_ = this->add_kernel("kernel", o.kernel_size, o.filters, channels, o.kernel_initializer,
                                   o.kernel_regularizer, o.kernel_constraint);
  this->add_bias(o, o.filters);
}

template <std::size_t Rank>
std::vector<PartialShape> ConvTranspose<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const Options& o = this->options_;
  PartialShape out = this->single_shape(input_shapes);
  if (out.rank() != Rank + 2) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  }
  const bool channels_first = o.data_format == "channels_first";
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[(channels_first ? 2 : 1) + i];
    if (!d) continue;
    std::optional<std::int64_t> output_padding;
    if (o.output_padding) output_padding = (*o.output_padding)[i];
    d = ops::conv_transpose_output_length(*d, o.kernel_size[i], o.strides[i], o.dilation_rate[i],
                                          detail::to_padding(o.padding), output_padding);
  }
  out[channels_first ? 1 : Rank + 1] = o.filters;
  return {out};
}

template <std::size_t Rank>
std::shared_ptr<const ops::PreparedConv> ConvTranspose<Rank>::prepared_transpose() const {
  const ops::ConvTransposeNdOptions t = ops_options(this->options_);
  return this->cached_conv(
      [&](const Tensor& kernel, const Tensor* bias) { return ops::PreparedConv::transposed(kernel, bias, t); });
}

template <std::size_t Rank>
std::unique_ptr<InferenceStep> ConvTranspose<Rank>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (this->options_.data_format == "channels_first" || !this->built()) return nullptr;
  // The activation runs after the deconvolution (PreparedConv::transposed fuses none).
  return planning::make_conv_step(prepared_transpose(), inputs, false, this->options_.activation);
}

template <std::size_t Rank>
std::vector<Tensor> ConvTranspose<Rank>::call(CallArgs& args) {
  const Options& o = this->options_;
  const Tensor& kernel = this->kernel_->value();
  const Tensor x = this->channels_last_input(args, o, kernel.shape().back());
  if (x.size() == 0) {  // oneDNN takes no empty tensor: ops::conv_transpose's other path does
    return this->finish(ops::conv_transpose(x, kernel, ops_options(o)), o);
  }
  Tensor y = prepared_transpose()->run(x);
  // The activation sees Keras's layout (an axis-wise one like softmax acts on the last axis).
  if (o.data_format == "channels_first") y = y.move_last_axis_to(1);
  return {(*o.activation)(y)};
}

template class ConvTranspose<1>;
template class ConvTranspose<2>;
template class ConvTranspose<3>;

}  // namespace kplug::layers
