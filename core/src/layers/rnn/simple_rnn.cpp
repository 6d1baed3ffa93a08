// SimpleRNNCell and SimpleRNN: h = activation(x @ kernel + bias + h_prev @ recurrent_kernel).
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

SimpleRNNCell::SimpleRNNCell(RecurrentArgs args, LayerArgs layer_args)
    : RNNCell(std::move(args), std::move(layer_args)) {}

namespace {
const config::Fields<RecurrentArgs>& simple_rnn_cell_fields() {
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
       "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
       "bias_constraint", "dropout", "recurrent_dropout", "seed"});
  return f;
}
}  // namespace

const config::Fields<RecurrentArgs>& SimpleRNNCell::fields() const { return simple_rnn_cell_fields(); }

std::shared_ptr<SimpleRNNCell> SimpleRNNCell::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  auto c = detail::read_cell_config(config, context, "SimpleRNNCell", simple_rnn_cell_fields());
  return std::make_shared<SimpleRNNCell>(std::move(c.args), std::move(c.layer_args));
}

void SimpleRNNCell::build(const std::vector<PartialShape>& input_shapes) {
  build_gates(input_shapes, 1, {args_.units}, args_.bias_initializer);
}

std::vector<Tensor> SimpleRNNCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  return {(*args_.activation)(projected + ops::matmul(states[0], recurrent_kernel_->value()))};
}

// ---- SimpleRNN ----

namespace {
const config::Fields<RecurrentArgs>& simple_rnn_fields() {
  // Keras's SimpleRNN.get_config leaves `seed` out (its constructor takes it).
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
       "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
       "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed?"});
  return f;
}
}  // namespace

SimpleRNN::SimpleRNN(RecurrentArgs args, LayerArgs layer_args)
    : RNN(args, std::make_shared<SimpleRNNCell>(args, detail::cell_layer_args(layer_args, "simple_rnn_cell")),
          layer_args) {}

void SimpleRNN::write_cell_config(boost::json::object& config) const {
  detail::write_flat_cell_config(*this, simple_rnn_fields(), config);
}

std::shared_ptr<SimpleRNN> SimpleRNN::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto c = detail::read_rnn_layer_config(config, context, "SimpleRNN", simple_rnn_fields());
  return std::make_shared<SimpleRNN>(std::move(c.args), std::move(c.layer_args));
}

}  // namespace kplug::layers
