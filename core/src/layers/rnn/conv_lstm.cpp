// ConvLSTMCell and ConvLSTM1D/2D (keras/src/layers/rnn/conv_lstm.py): an LSTM whose input and
// recurrent products are convolutions (ops::conv1d/conv2d: im2col + GEMM). The four gates'
// kernels are one kernel of 4 * filters output channels, so each step does one recurrent
// convolution, and the input convolution runs once over every time step.
#include "kplug/errors.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"
#include "layers/spatial_options.hpp"

#include <algorithm>

namespace kplug::layers {

namespace {

template <std::size_t Rank>
using A = ConvLSTMArgs<Rank>;

// filters .. dilation_rate: ConvLSTMCell's and ConvLSTM's first own keys.
template <std::size_t Rank>
config::Fields<A<Rank>> conv_fields() {
  return config::Fields<A<Rank>>{
      config::field("filters", &A<Rank>::filters).required(),
      config::field("kernel_size", &A<Rank>::kernel_size).check(detail::tuple_check<Rank>("kernel_size")).required(),
      config::field("strides", &A<Rank>::strides).check(detail::tuple_check<Rank>("strides")),
      config::field("padding", &A<Rank>::padding).check(detail::padding_check(false)),
      config::field("data_format", &A<Rank>::data_format).null_is_default().check(detail::data_format_check()),
      config::field("dilation_rate", &A<Rank>::dilation_rate).check(detail::tuple_check<Rank>("dilation_rate"))};
}

template <std::size_t Rank>
const config::Fields<A<Rank>>& cell_fields() {
  static const config::Fields<A<Rank>> f =
      conv_fields<Rank>() +
      config::Fields<A<Rank>>(detail::recurrent_fields(
          {"activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
           "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
           "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"}));
  return f;
}

template <std::size_t Rank>
const config::Fields<A<Rank>>& layer_fields() {
  static const config::Fields<A<Rank>> f =
      conv_fields<Rank>() +
      config::Fields<A<Rank>>(detail::recurrent_fields(
          {"activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
           "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
           "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
           "recurrent_dropout", "seed"}));
  return f;
}

// Keras's ConvLSTMCell checks: the first problem and the key it concerns.
template <std::size_t Rank>
std::pair<std::string, std::string> args_error(const A<Rank>& a) {
  if (a.filters <= 0) {
    return {"filters", "Invalid value for argument `filters`. Expected a strictly positive value. Received filters=" +
                           std::to_string(a.filters) + "."};
  }
  for (const auto& [key, t] : {std::pair<const char*, const config::IntTuple<Rank>*>{"kernel_size", &a.kernel_size},
                               {"strides", &a.strides},
                               {"dilation_rate", &a.dilation_rate}}) {
    if (std::string e = detail::tuple_error(*t, key); !e.empty()) return {key, e};
  }
  if (std::string e = detail::padding_error(a.padding, false); !e.empty()) return {"padding", e};
  if (std::string e = detail::data_format_error(a.data_format); !e.empty()) return {"data_format", e};
  const auto max_of = [](const config::IntTuple<Rank>& t) {
    return *std::max_element(t.values.begin(), t.values.end());
  };
  if (max_of(a.strides) > 1 && max_of(a.dilation_rate) > 1) {
    return {"dilation_rate",
            "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide "
            "`strides=1` or `dilation_rate=1`. Received: strides=" +
                detail::tuple_repr(a.strides) + " and dilation_rate=" + detail::tuple_repr(a.dilation_rate)};
  }
  return {};
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
ConvLSTMCell<Rank>::ConvLSTMCell(Args args, LayerArgs layer_args)
    : RecurrentCell(std::move(layer_args)), args_(std::move(args)) {
  if (auto [key, message] = args_error<Rank>(args_); !message.empty()) throw ValueError(message);
  args_.padding = detail::lower(args_.padding);
  args_.data_format = detail::lower(args_.data_format);
  detail::fill_cell_defaults(args_);
}

template <std::size_t Rank>
boost::json::object ConvLSTMCell<Rank>::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");
  cell_fields<Rank>().write_into(args_, config);
  return config;
}

template <std::size_t Rank>
std::vector<PartialShape> ConvLSTMCell<Rank>::state_shapes(const PartialShape& input_shape) const {
  if (input_shape.rank() != Rank + 2) {
    fail("expects step inputs of rank " + std::to_string(Rank + 2) + " (batch, spatial..., channels), got " +
         input_shape.to_string());
  }
  const ops::Padding padding = args_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  PartialShape out = input_shape;
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[1 + i];
    if (!d) continue;
    const std::int64_t span = (args_.kernel_size[i] - 1) * args_.dilation_rate[i] + 1;
    if (padding == ops::Padding::valid && *d < span) {
      fail("Computed output size would be zero or negative: step input shape " + input_shape.to_string() +
           ", kernel_size=" + detail::tuple_repr(args_.kernel_size) +
           ", dilation_rate=" + detail::tuple_repr(args_.dilation_rate) + ", padding=valid");
    }
    d = ops::conv_output_length(*d, args_.kernel_size[i], args_.strides[i], args_.dilation_rate[i], padding);
  }
  out[Rank + 1] = args_.filters;
  return {out, out};
}

template <std::size_t Rank>
void ConvLSTMCell<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail("expects inputs to build");
  const PartialShape& in = input_shapes[0];
  state_shapes(in);  // rank and size checks
  for (std::size_t i = 1; i < Rank + 1; ++i) {
    if (!in[i]) {
      fail(
          "ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid input "
          "shape: " +
          in.to_string());
    }
  }
  if (!in[Rank + 1]) fail("needs a known channel dimension to build, got input shape " + in.to_string());
  Shape kernel_shape(args_.kernel_size.values.begin(), args_.kernel_size.values.end());
  Shape recurrent_shape = kernel_shape;
  kernel_shape.push_back(*in[Rank + 1]);
  kernel_shape.push_back(4 * args_.filters);
  recurrent_shape.push_back(args_.filters);
  recurrent_shape.push_back(4 * args_.filters);
  kernel_ = add_weight({"kernel", std::move(kernel_shape), args_.kernel_initializer, args_.kernel_regularizer,
                        args_.kernel_constraint, true});
  recurrent_kernel_ = add_weight({"recurrent_kernel", std::move(recurrent_shape), args_.recurrent_initializer,
                                  args_.recurrent_regularizer, args_.recurrent_constraint, true});
  if (args_.use_bias) {
    std::shared_ptr<Initializer> init = args_.bias_initializer;
    if (args_.unit_forget_bias) init = detail::unit_forget_bias(init, args_.filters);
    bias_ =
        add_weight({"bias", {4 * args_.filters}, std::move(init), args_.bias_regularizer, args_.bias_constraint, true});
  }
}

template <std::size_t Rank>
Tensor ConvLSTMCell<Rank>::conv(const Tensor& x, const Tensor& kernel, bool recurrent) const {
  // Keras's recurrent_conv: "same", strides and dilation 1.
  const ops::Padding padding = recurrent || args_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  if constexpr (Rank == 1) {
    ops::Conv1DOptions o;
    o.padding = padding;
    if (!recurrent) {
      o.stride = args_.strides[0];
      o.dilation = args_.dilation_rate[0];
    }
    return ops::conv1d(x, kernel, o);
  } else {
    ops::Conv2DOptions o;
    o.padding = padding;
    if (!recurrent) {
      o.strides = args_.strides.values;
      o.dilation = args_.dilation_rate.values;
    }
    return ops::conv2d(x, kernel, o);
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
  return detail::lstm_update(z, states[1], *args_.activation, *args_.recurrent_activation);
}

template class ConvLSTMCell<1>;
template class ConvLSTMCell<2>;

// ---- ConvLSTM ----

template <std::size_t Rank>
ConvLSTM<Rank>::ConvLSTM(Args args, LayerArgs layer_args)
    : RNN(args, std::make_shared<ConvLSTMCell<Rank>>(args, detail::cell_layer_args(layer_args, "conv_lstm_cell")),
          layer_args) {
  conv_cell_ = std::static_pointer_cast<ConvLSTMCell<Rank>>(cell());
}

template <std::size_t Rank>
std::pair<ConvLSTMArgs<Rank>, LayerArgs> ConvLSTM<Rank>::read_config(const boost::json::object& config,
                                                                     DeserializationContext& context,
                                                                     const std::string& class_name) {
  ConfigReader reader(config, context, class_name);
  LayerArgs layer_args = LayerArgs::read(reader);
  Args args;
  config::Fields<Args>(detail::rnn_layer_fields()).read_into(reader, args);
  layer_fields<Rank>().read_into(reader, args);
  if (auto [key, message] = args_error<Rank>(args); !message.empty()) reader.fail(key, message);
  reader.finish();
  if (args.stateful) {
    throw NotSupportedError(context.path_of("stateful") + ": " + class_name +
                            " with stateful=True is not supported: kplug keeps no state between calls");
  }
  args.activity_regularizer = layer_args.activity_regularizer;
  return {std::move(args), std::move(layer_args)};
}

template <std::size_t Rank>
void ConvLSTM<Rank>::write_cell_config(boost::json::object& config) const {
  Args args = conv_cell_->args();
  args.activity_regularizer = activity_regularizer();
  config.erase("activity_regularizer");
  layer_fields<Rank>().write_into(args, config);
}

template <std::size_t Rank>
std::vector<PartialShape> ConvLSTM<Rank>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty() || input_shapes[0].rank() != Rank + 3) {
    fail("expects inputs of rank " + std::to_string(Rank + 3) + " (batch, time, spatial..., channels in " +
         conv_cell_->args().data_format + " order), got " +
         (input_shapes.empty() ? "none" : input_shapes[0].to_string()));
  }
  if (!channels_first()) return RNN::compute_output_shape(input_shapes);
  std::vector<PartialShape> out = RNN::compute_output_shape({move_dim(input_shapes[0], 2, Rank + 2)});
  for (PartialShape& s : out) s = move_dim(s, s.rank() - 1, s.rank() == Rank + 3 ? 2 : 1);
  return out;
}

template <std::size_t Rank>
void ConvLSTM<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty() || input_shapes[0].rank() != Rank + 3) {
    fail("expects inputs of rank " + std::to_string(Rank + 3) + " (batch, time, spatial..., channels in " +
         conv_cell_->args().data_format + " order), got " +
         (input_shapes.empty() ? "none" : input_shapes[0].to_string()));
  }
  RNN::build({channels_first() ? move_dim(input_shapes[0], 2, Rank + 2) : input_shapes[0]});
}

template <std::size_t Rank>
std::vector<Tensor> ConvLSTM<Rank>::call(CallArgs& args) {
  if (!channels_first()) return RNN::call(args);
  // The cell computes channels_last: the channel axis moves last here and back at the end.
  expect_inputs(args, 1);
  if (args.inputs[0].rank() != static_cast<std::int64_t>(Rank + 3)) {
    fail("expects inputs of rank " + std::to_string(Rank + 3) + ", got shape " + shape_repr(args.inputs[0].shape()));
  }
  CallArgs inner({ops::moveaxis(args.inputs[0], 2, -1)});
  inner.masks = args.masks;
  inner.training = args.training;
  if (const auto* initial = args.tensor_kwarg("initial_state")) {
    auto& states = inner.tensor_kwargs["initial_state"];
    for (const Tensor& s : *initial) states.push_back(s.rank() > 1 ? ops::moveaxis(s, 1, -1) : s);
  }
  std::vector<Tensor> out = RNN::call(inner);
  for (Tensor& t : out) t = ops::moveaxis(t, -1, t.rank() == static_cast<std::int64_t>(Rank + 3) ? 2 : 1);
  return out;
}

template class ConvLSTM<1>;
template class ConvLSTM<2>;

ConvLSTM1D::ConvLSTM1D(Args args, LayerArgs layer_args) : ConvLSTM<1>(std::move(args), std::move(layer_args)) {}

std::shared_ptr<ConvLSTM1D> ConvLSTM1D::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  auto [args, layer_args] = read_config(config, context, "ConvLSTM1D");
  return std::make_shared<ConvLSTM1D>(std::move(args), std::move(layer_args));
}

ConvLSTM2D::ConvLSTM2D(Args args, LayerArgs layer_args) : ConvLSTM<2>(std::move(args), std::move(layer_args)) {}

std::shared_ptr<ConvLSTM2D> ConvLSTM2D::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  auto [args, layer_args] = read_config(config, context, "ConvLSTM2D");
  return std::make_shared<ConvLSTM2D>(std::move(args), std::move(layer_args));
}

}  // namespace kplug::layers
