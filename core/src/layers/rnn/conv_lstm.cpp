// ConvLSTMCell and ConvLSTM1D/2D/3D (keras/src/layers/rnn/conv_lstm.py): an LSTM whose input and
// recurrent products are convolutions (ops::conv1d/conv2d/conv: im2col + GEMM). The four gates'
// kernels are one kernel of 4 * filters output channels, so each step does one recurrent
// convolution, and the input convolution runs once over every time step.
#include "kplug/errors.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/convolutional/conv_common.hpp"
#include "layers/rnn/rnn_fields.hpp"

#include <algorithm>

namespace kplug::layers {

namespace {

template <std::size_t Rank>
using Cell = ConvLSTMCellOptions<Rank>;

const std::string kStridesWithDilation =
    "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide `strides=1` or "
    "`dilation_rate=1`.";

// filters .. dilation_rate: ConvLSTMCell's and ConvLSTM's first own keys.
template <std::size_t Rank>
config::Fields<Cell<Rank>> conv_fields() {
  return config::Fields<Cell<Rank>>{
             config::field("filters", &Cell<Rank>::filters).required().check(detail::positive_check("filters"))} +
         detail::window_fields<Rank>(false) + detail::layout_fields<Rank>([](const ConvWindowOptions<Rank>& o) {
           return detail::strides_with_dilation_error(o, kStridesWithDilation);
         });
}

// activation .. bias_initializer, unit_forget_bias, the regularizers.
template <std::size_t Rank>
config::Fields<Cell<Rank>> gate_fields() {
  using namespace detail;
  return config::Fields<Cell<Rank>>(activation_fields()) + recurrent_activation_fields() + use_bias_fields() +
         initializer_fields() + unit_forget_bias_fields() + regularizer_fields();
}

// The constraints, dropouts and seed.
template <std::size_t Rank>
config::Fields<Cell<Rank>> tail_fields() {
  using namespace detail;
  return config::Fields<Cell<Rank>>(constraint_fields()) + dropout_fields() + seed_fields();
}

// Moves axis `from` of a partial shape to `to`.
PartialShape move_dim(const PartialShape& shape, std::size_t from, std::size_t to) {
  std::vector<Dim> dims = shape.dims();
  const Dim d = dims.at(from);
  dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(from));
  dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(to), d);
  return PartialShape(std::move(dims));
}

}  // namespace

// ---- ConvLSTMCell ----

template <std::size_t Rank>
const config::Fields<ConvLSTMCellOptions<Rank>>& ConvLSTMCell<Rank>::fields() {
  static const config::Fields<Options> list = conv_fields<Rank>() + gate_fields<Rank>() + tail_fields<Rank>();
  return list;
}

template <std::size_t Rank>
ConvLSTMCell<Rank>::ConvLSTMCell(Options options, LayerArgs args)
    : ConvLSTMCell::FieldsLayer(std::move(options), std::move(args)) {
  Options& o = this->options_;
  detail::throw_first_error({detail::positive_error(o.filters, "filters"), detail::window_error<Rank>(o, false),
                             detail::strides_with_dilation_error<Rank>(o, kStridesWithDilation)});
  o.padding = detail::lower(o.padding);
  o.data_format = detail::lower(o.data_format);
  detail::fill_cell_defaults(o);
}

template <std::size_t Rank>
std::vector<PartialShape> ConvLSTMCell<Rank>::state_shapes(const PartialShape& input_shape) const {
  if (input_shape.rank() != Rank + 2) {
    this->fail("expects step inputs of rank " + std::to_string(Rank + 2) + " (batch, spatial..., channels), got " +
               input_shape.to_string());
  }
  const ops::Padding padding = this->options_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  PartialShape out = input_shape;
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[1 + i];
    if (!d) continue;
    const std::int64_t span = (this->options_.kernel_size[i] - 1) * this->options_.dilation_rate[i] + 1;
    if (padding == ops::Padding::valid && *d < span) {
      this->fail("Computed output size would be zero or negative: step input shape " + input_shape.to_string() +
                 ", kernel_size=" + detail::tuple_repr(this->options_.kernel_size) +
                 ", dilation_rate=" + detail::tuple_repr(this->options_.dilation_rate) + ", padding=valid");
    }
    d = ops::conv_output_length(*d, this->options_.kernel_size[i], this->options_.strides[i],
                                this->options_.dilation_rate[i], padding);
  }
  out[Rank + 1] = this->options_.filters;
  return {out, out};
}

template <std::size_t Rank>
void ConvLSTMCell<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) this->fail("expects inputs to build");
  const PartialShape& in = input_shapes[0];
  state_shapes(in);  // rank and size checks
  for (std::size_t i = 1; i < Rank + 1; ++i) {
    if (!in[i]) {
      this->fail(
          "ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid input "
          "shape: " +
          in.to_string());
    }
  }
  if (!in[Rank + 1]) this->fail("needs a known channel dimension to build, got input shape " + in.to_string());
  Shape kernel_shape(this->options_.kernel_size.values.begin(), this->options_.kernel_size.values.end());
  Shape recurrent_shape = kernel_shape;
  kernel_shape.push_back(*in[Rank + 1]);
  kernel_shape.push_back(4 * this->options_.filters);
  recurrent_shape.push_back(this->options_.filters);
  recurrent_shape.push_back(4 * this->options_.filters);
  kernel_ = this->add_weight({"kernel", std::move(kernel_shape), this->options_.kernel_initializer,
                              this->options_.kernel_regularizer, this->options_.kernel_constraint, true});
  recurrent_kernel_ =
      this->add_weight({"recurrent_kernel", std::move(recurrent_shape), this->options_.recurrent_initializer,
                        this->options_.recurrent_regularizer, this->options_.recurrent_constraint, true});
  if (this->options_.use_bias) {
    std::shared_ptr<Initializer> init = this->options_.bias_initializer;
    if (this->options_.unit_forget_bias) init = detail::unit_forget_bias(init, this->options_.filters);
    bias_ = this->add_weight({"bias",
                              {4 * this->options_.filters},
                              std::move(init),
                              this->options_.bias_regularizer,
                              this->options_.bias_constraint,
                              true});
  }
}

template <std::size_t Rank>
Tensor ConvLSTMCell<Rank>::conv(const Tensor& x, const Tensor& kernel, bool recurrent) const {
  // Keras's recurrent_conv: "same", strides and dilation 1.
  const ops::Padding padding = recurrent || this->options_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  if constexpr (Rank == 1) {
    ops::Conv1DOptions o;
    o.padding = padding;
    if (!recurrent) {
      o.stride = this->options_.strides[0];
      o.dilation = this->options_.dilation_rate[0];
    }
    return ops::conv1d(x, kernel, o);
  } else if constexpr (Rank == 2) {
    ops::Conv2DOptions o;
    o.padding = padding;
    if (!recurrent) {
      o.strides = this->options_.strides.values;
      o.dilation = this->options_.dilation_rate.values;
    }
    return ops::conv2d(x, kernel, o);
  } else {
    ops::ConvNdOptions o = recurrent ? ops::ConvNdOptions{} : detail::nd_options<Rank>(this->options_);
    o.padding = padding;
    return ops::conv(x, kernel, o);
  }
}

template <std::size_t Rank>
Tensor ConvLSTMCell<Rank>::project_inputs(const Tensor& x) const {
  Tensor y = conv(x, kernel_->value(), false);
  if (bias_) ops::add_(y, bias_->value());
  return y;
}

template <std::size_t Rank>
std::vector<Tensor> ConvLSTMCell<Rank>::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  const Tensor z = projected + conv(states[0], recurrent_kernel_->value(), true);
  return detail::lstm_update(z, states[1], *this->options_.activation, *this->options_.recurrent_activation);
}

template class ConvLSTMCell<1>;
template class ConvLSTMCell<2>;
template class ConvLSTMCell<3>;

// ---- ConvLSTM ----

template <std::size_t Rank>
const config::Fields<FlatRNNOptions<ConvLSTMCellOptions<Rank>>>& ConvLSTM<Rank>::fields() {
  static const config::Fields<Options> list = config::Fields<Options>(detail::recurrent_fields()) +
                                              conv_fields<Rank>() + gate_fields<Rank>() +
                                              detail::activity_fields<Cell<Rank>>() + tail_fields<Rank>();
  return list;
}

template <std::size_t Rank>
ConvLSTM<Rank>::ConvLSTM(Options options, LayerArgs args)
    : ConvLSTM::FlatRNN(std::move(options), std::move(args), "conv_lstm_cell") {}

template <std::size_t Rank>
PartialShape ConvLSTM<Rank>::cell_input_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty() || input_shapes[0].rank() != Rank + 3) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 3) + " (batch, time, spatial..., channels in " +
               this->options_.data_format + " order), got " +
               (input_shapes.empty() ? "none" : input_shapes[0].to_string()));
  }
  return channels_first() ? move_dim(input_shapes[0], 2, Rank + 2) : input_shapes[0];
}

template <std::size_t Rank>
std::vector<PartialShape> ConvLSTM<Rank>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  std::vector<PartialShape> out = BaseRNN::compute_output_shape({cell_input_shape(input_shapes)});
  if (!channels_first()) return out;
  for (PartialShape& s : out) s = move_dim(s, s.rank() - 1, s.rank() == Rank + 3 ? 2 : 1);
  return out;
}

template <std::size_t Rank>
void ConvLSTM<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  BaseRNN::build({cell_input_shape(input_shapes)});
}

template <std::size_t Rank>
std::vector<Tensor> ConvLSTM<Rank>::call(CallArgs& args) {
  if (!channels_first()) return BaseRNN::call(args);
  // The cell computes channels_last: the channel axis moves last here and back at the end.
  this->expect_inputs(args, 1);
  if (args.inputs[0].rank() != static_cast<std::int64_t>(Rank + 3)) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 3) + ", got shape " +
               shape_repr(args.inputs[0].shape()));
  }
  CallArgs inner({ops::moveaxis(args.inputs[0], 2, -1)});
  inner.masks = args.masks;
  inner.training = args.training;
  if (const auto* initial = args.tensor_kwarg("initial_state")) {
    auto& states = inner.tensor_kwargs["initial_state"];
    for (const Tensor& s : *initial) states.push_back(s.rank() > 1 ? ops::moveaxis(s, 1, -1) : s);
  }
  std::vector<Tensor> out = BaseRNN::call(inner);
  for (Tensor& t : out) t = ops::moveaxis(t, -1, t.rank() == static_cast<std::int64_t>(Rank + 3) ? 2 : 1);
  return out;
}

template class ConvLSTM<1>;
template class ConvLSTM<2>;
template class ConvLSTM<3>;

}  // namespace kplug::layers
